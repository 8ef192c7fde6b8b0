"""Social organisations register: one row per registered organisation (社会组织), as the
civil-affairs registration system exports it, with its latest inspection, grade and any
credit-list entry."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from ..base import Contract, Division12, OrgGrade, PastDate, Uscc, Whole, fail, one_of
from ..enums import (
    CREDIT_LISTS,
    FORMER_ORG_TYPES,
    INSPECTION_RESULTS,
    ORG_GRADES,
    ORG_TYPES,
    REGISTRATION_STATUSES,
)
from ..identifiers import ORG_TYPE_DIGIT, uscc_type_problems
from ..references import STREET


class OrganisationRecord(Contract):
    source = "organisations"
    folder = "organisations"
    files = "organisations*"
    key = ("uscc",)
    personal = frozenset({"legal_representative"})
    references = {"street_code": STREET}
    aliases = {
        "name": ("名称", "组织名称", "单位名称", "机构名称"),
        "uscc": ("信用代码", "社会信用代码", "统一代码", "USCC", "credit code"),
        "org_type": ("类型", "组织类型", "单位类型"),
        "registration_authority": ("登记机关", "登记管理机关名称"),
        "registration_date": ("成立日期", "登记日期", "成立时间"),
        "status": ("状态",),
        "status_date": ("注销日期", "撤销日期"),
        "legal_representative": ("法人", "法定代表人姓名"),
        "inspection_result": ("年检结果",),
        "grade": ("等级", "社会组织评估等级"),
        "grade_date": ("等级评定日期", "评估时间"),
        "street_code": ("街道代码", "所在街道代码", "住所街道代码"),
    }

    name: str = Field(alias="社会组织名称")
    uscc: Uscc = Field(alias="统一社会信用代码")
    org_type: Annotated[str, one_of(ORG_TYPES, formerly=FORMER_ORG_TYPES)] = Field(alias="社会组织类型")
    registration_authority: str = Field(alias="登记管理机关")
    registration_date: PastDate = Field(alias="成立登记日期")
    status: Annotated[str, one_of(REGISTRATION_STATUSES)] = Field(alias="登记状态")
    #: the day an organisation stopped being active (注销 or 撤销), when the register records it
    status_date: PastDate | None = Field(None, alias="注销撤销日期")
    legal_representative: str | None = Field(None, alias="法定代表人")
    inspection_year: Whole | None = Field(None, alias="年检年度")
    inspection_result: Annotated[str, one_of(INSPECTION_RESULTS)] | None = Field(None, alias="年检结论")
    grade: Annotated[OrgGrade, one_of(ORG_GRADES)] | None = Field(None, alias="评估等级")
    grade_date: PastDate | None = Field(None, alias="评估日期")
    credit_list: Annotated[str, one_of(CREDIT_LISTS)] | None = Field(None, alias="信用名单")
    listed_on: PastDate | None = Field(None, alias="列入日期")
    removed_on: PastDate | None = Field(None, alias="移出日期")
    listing_reason: str | None = Field(None, alias="列入原因")
    business_scope: str | None = Field(None, alias="业务范围")
    street_code: Division12 = Field(alias="住所所在街道代码")


    @model_validator(mode="after")
    def _meaning(self) -> OrganisationRecord:
        for rule in uscc_type_problems(self.uscc, self.org_type):
            raise fail(rule, at="uscc", expected=ORG_TYPE_DIGIT.get(self.org_type, "?"))
        # Foundations are registered nationally (100000) or provincially (xx0000).
        if self.org_type == "基金会" and self.uscc[4:8] != "0000":
            raise fail("foundation_authority_level", at="uscc")
        if self.grade and not self.grade_date:
            raise fail("missing_companion", at="grade_date", field="评估等级")
        if self.credit_list and not self.listed_on:
            raise fail("missing_companion", at="listed_on", field="信用名单")
        if self.listed_on and self.removed_on and self.removed_on < self.listed_on:
            raise fail("end_before_start", at="removed_on")
        if self.status_date and self.status == "正常":
            raise fail("status_date_while_active", at="status_date")
        if self.status_date and self.status_date < self.registration_date:
            raise fail("end_before_start", at="status_date")
        return self

