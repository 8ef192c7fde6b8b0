"""Division changes: one row per street/town that moved from one district to another, with the
day it moved (e.g. Zhabei's nine streets joining Jing'an in October 2015)."""

from __future__ import annotations

from pydantic import Field, model_validator

from ..base import Contract, Division6, Division12, PastDate, fail
from ..references import STREET


class DistrictChangeRecord(Contract):
    source = "district_changes"
    folder = "communities"
    files = "district_changes*"
    key = ("street_code", "change_date")
    references = {"street_code": STREET}
    aliases = {"change_date": ("调整日期", "变更时间")}

    street_code: Division12 = Field(alias="街道代码")
    from_district_code: Division6 = Field(alias="原区县代码")
    from_district_name: str = Field(alias="原区县名称")
    to_district_code: Division6 = Field(alias="现区县代码")
    change_date: PastDate = Field(alias="变更日期")

    @model_validator(mode="after")
    def _moves(self) -> DistrictChangeRecord:
        if self.from_district_code == self.to_district_code:
            raise fail("value_not_allowed", at="to_district_code", allowed=["a district other than 原区县代码"])
        return self
