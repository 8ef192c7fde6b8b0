"""Hub structure ("1+14+x"): one row per hub, and one row per organisation's membership with
its party-building coverage (own party organisation, or an assigned liaison)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import Field, model_validator

from ..base import (
    Contract,
    Division6,
    Division12,
    Finding,
    PastDate,
    Uscc,
    Whole,
    YesNo,
    fail,
    one_of,
)
from ..enums import HUB_KINDS
from ..references import HUB, ORGANISATION, STREET

HUB_ID = r"^HUB-[A-Z0-9-]+$"
LIAISON_ID = r"^LN-[0-9]{4,8}$"


class HubRecord(Contract):
    source = "hubs"
    folder = "hubs"
    files = "hubs*"
    key = ("hub_id",)
    # a hub whose parent is rejected is rejected too (resolve.py repeats until stable)
    references = {"street_code": STREET, "parent_hub_id": HUB.named("上级枢纽", "parent hub")}
    aliases = {
        "hub_id": ("编号",),
        "hub_name": ("名称",),
        "hub_kind": ("类型",),
        "has_party_branch": ("党组织", "是否有党组织", "是否建立党支部"),
        "industry": ("行业",),
    }

    hub_id: Annotated[str, Field(pattern=HUB_ID, examples=["HUB-ST-006"])] = Field(alias="枢纽编号")
    hub_name: str = Field(alias="枢纽名称")
    hub_kind: Annotated[str, one_of(HUB_KINDS)] = Field(alias="枢纽类型")
    district_code: Division6 | None = Field(None, alias="所属区县代码")
    street_code: Division12 | None = Field(None, alias="所属街道代码")
    industry: str | None = Field(None, alias="行业领域")
    parent_hub_id: str | None = Field(None, alias="上级枢纽编号")
    has_party_branch: YesNo = Field(alias="是否建立党组织")
    established_on: PastDate | None = Field(None, alias="成立日期")
    dissolved_on: PastDate | None = Field(None, alias="撤销日期")

    @model_validator(mode="after")
    def _by_kind(self) -> HubRecord:
        if self.hub_kind == "街道枢纽" and not self.street_code:
            raise fail("missing_companion", at="street_code", field="枢纽类型=街道枢纽")
        if self.hub_kind == "行业枢纽" and not self.industry:
            raise fail("missing_companion", at="industry", field="枢纽类型=行业枢纽")
        if self.hub_kind != "区社会组织联合会" and not self.parent_hub_id:
            raise fail("missing_companion", at="parent_hub_id", field="枢纽类型")
        if self.hub_kind == "区社会组织联合会" and not self.district_code:
            raise fail("missing_companion", at="district_code", field="枢纽类型=区社会组织联合会")
        if self.established_on and self.dissolved_on and self.dissolved_on < self.established_on:
            raise fail("end_before_start", at="dissolved_on")
        return self


class HubMembershipRecord(Contract):
    source = "hub_memberships"
    folder = "hubs"
    files = "hub_memberships*"
    key = ("uscc",)
    references = {"uscc": ORGANISATION, "hub_id": HUB}
    aliases = {
        "uscc": ("信用代码", "社会信用代码", "USCC"),
        "org_name": ("名称", "组织名称", "单位名称"),
        "party_members": ("党员数", "党员人数（人）", "正式党员人数"),
        "has_party_branch": ("党组织", "是否有党组织", "是否建立党支部"),
        "liaison_id": ("联络员编号",),
        "liaison_name": ("联络员姓名", "党建联络员"),
        "hub_name": ("所属枢纽名称", "枢纽名称", "所属枢纽组织"),
        "hub_kind": ("枢纽类型", "所属枢纽类型", "枢纽类别名称"),
    }
    personal = frozenset({"liaison_name"})
    variant = frozenset({"hub_name", "hub_kind"})
    derived = {
        "hub_id": "所属枢纽 and 枢纽类别 (HUB-<kind>-<digest of the name>): no hub register needed",
        "liaison_id": "党建联络员姓名 (a keyed pseudonym, LN-<8 digits>; the name is never kept)",
    }

    uscc: Uscc = Field(alias="统一社会信用代码")
    org_name: str = Field(alias="社会组织名称")
    hub_id: Annotated[str, Field(pattern=HUB_ID, examples=["HUB-ST-006"])] = Field(alias="枢纽编号")
    #: the hub as bureaus name it, when the file has no hub ids (hubs are then made from these)
    hub_name: str | None = Field(None, alias="所属枢纽")
    hub_kind: Annotated[str, one_of(HUB_KINDS)] | None = Field(None, alias="枢纽类别")
    joined_on: PastDate | None = Field(None, alias="加入日期")
    party_members: Annotated[Whole, Field(ge=0)] | None = Field(None, alias="党员人数")
    has_party_branch: YesNo = Field(alias="是否建立党组织")
    liaison_id: Annotated[str, Field(pattern=LIAISON_ID, examples=["LN-0001"])] | None = Field(
        None, alias="党建联络员编号"
    )
    liaison_name: str | None = Field(None, alias="党建联络员姓名")

    def findings(self, snapshot: dt.date) -> list[Finding]:
        if self.party_members is not None and self.party_members >= 3 and not self.has_party_branch:
            return [Finding("has_party_branch", "party_branch_required", {})]
        return []
