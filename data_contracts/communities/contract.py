"""Communities register: one row per residents' or village committee, with its street/town and
district written out on the same row (as bureaus keep it), or a division list that names the
streets on rows of their own (the National Bureau of Statistics' 统计用区划代码 layout, or a
list with a parent-code column): then the street and district columns are derived from the
12-digit code and those rows (pipelines/common/derivation.py)."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Annotated, Any

import numpy as np
from pydantic import Field, model_validator

from ..base import Contract, Division6, Division12, Whole, fail, one_of
from ..enums import COMMUNITY_KINDS, STREET_KINDS
from ..identifiers import COMMITTEE_BY_NUMBER, TOWNSHIP_BY_NUMBER, committee_kind, township_kind

if TYPE_CHECKING:
    from ..column_pass import RowValues


class CommunityRecord(Contract):
    source = "communities"
    folder = "communities"
    files = "communities*"
    key = ("community_code",)
    aliases = {
        "district_code": ("区代码", "县区代码"),
        "street_code": ("街镇代码", "乡镇街道代码"),
        "street_name": ("街镇名称", "乡镇街道名称"),
        "street_kind": ("街镇类型",),
        "community_code": ("居委会代码", "村居代码", "统计用区划代码", "区划代码", "代码"),
        "community_name": ("居委会名称", "村居名称", "社区居委会名称", "名称", "区划名称"),
        "community_kind": ("村居类型",),
        "population": ("人口", "常住人口数", "人口数", "常住人口（人）"),
        "parent_code": ("上级区划代码", "上级代码", "父级代码", "所属区划代码"),
    }
    variant = frozenset({"parent_code", "urban_rural_code"})
    derived = {
        "district_code": "社区代码 (its first 6 digits)",
        "district_name": "the list's own district row, else manifest.yaml district_name",
        "street_code": "社区代码 (its first 9 digits and 000)",
        "street_name": "the list's own street row (a 代码 ending 000)",
        "street_kind": "街道代码 (township digits 001-099 街道, 100-199 镇)",
        "community_kind": "社区代码 (committee digits 001-199 居委会, 200-399 村委会)",
    }

    district_code: Division6 = Field(alias="区县代码")
    district_name: str = Field(alias="区县名称")
    street_code: Division12 = Field(alias="街道代码")
    street_name: str = Field(alias="街道名称")
    street_kind: Annotated[str, one_of(STREET_KINDS)] = Field(alias="街道类型")
    community_code: Division12 = Field(alias="社区代码")
    community_name: str = Field(alias="社区名称")
    community_kind: Annotated[str, one_of(COMMUNITY_KINDS)] = Field(alias="社区类型")
    population: Annotated[Whole, Field(ge=0)] | None = Field(None, alias="常住人口")
    #: a mixed division list's parent code and the NBS urban-rural class (kept as written)
    parent_code: str | None = Field(None, alias="上级区划")
    urban_rural_code: str | None = Field(None, alias="城乡分类代码")

    @model_validator(mode="after")
    def _nesting(self) -> CommunityRecord:
        if (
            not self.street_code.startswith(self.district_code)
            or self.street_code[9:] != "000"
            or township_kind(self.street_code) is None
        ):
            raise fail("division_nesting", at="street_code", child=self.street_code, parent=self.district_code)
        if self.community_code[:9] != self.street_code[:9] or self.community_code[9:] == "000":
            raise fail("division_nesting", at="community_code", child=self.community_code, parent=self.street_code)
        if township_kind(self.street_code) != self.street_kind:
            raise fail("division_kind_mismatch", at="street_kind", expected=township_kind(self.street_code))
        if committee_kind(self.community_code) != self.community_kind:
            raise fail(
                "division_kind_mismatch", at="community_kind", expected=committee_kind(self.community_code) or "?"
            )
        return self

    @classmethod
    def clear_rows(cls, rows: RowValues, snapshot: dt.date) -> np.ndarray:
        # `_nesting` above, a column at a time (see Contract.clear_rows): each code is a
        # committee's own (distinct on nearly every row of a national list), so asking the rule
        # row by row made a Python dict of every row. The codes are fixed-width digits, so
        # "starts with" and the parts are integer division and remainder.
        district = rows.each("district_code", _as_number, np.int64)
        street = rows.each("street_code", _as_number, np.int64)
        community = rows.each("community_code", _as_number, np.int64)
        street_kind = rows.each("street_kind", _as_text, object)
        community_kind = rows.each("community_kind", _as_text, object)
        known = (district >= 0) & (street >= 0) & (community >= 0)
        township = np.asarray(TOWNSHIP_BY_NUMBER, dtype=object)[(np.maximum(street, 0) // 1000) % 1000]
        committee = np.asarray(COMMITTEE_BY_NUMBER, dtype=object)[np.maximum(community, 0) % 1000]
        return (
            known
            & (street // 10**6 == district)
            & (street % 1000 == 0)
            & (township != None)  # noqa: E711 (elementwise on an object array)
            & (community // 1000 == street // 1000)
            & (community % 1000 != 0)
            & (township == street_kind)
            & (committee != None)  # noqa: E711
            & (committee == community_kind)
        )


_DIGITS = re.compile(r"[0-9]{6}|[0-9]{12}")


def _as_number(value: Any) -> int:
    """A division code's digits as an integer; -1 for any other value (none, a broken cell)."""
    return int(value) if type(value) is str and _DIGITS.fullmatch(value) else -1


def _as_text(value: Any) -> str | None:
    return value if type(value) is str else None
