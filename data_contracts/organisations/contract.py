"""Social organisations register: one row per registered organisation (社会组织), as the
civil-affairs registration system exports it, with its latest inspection, grade and any
credit-list entry."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import numpy as np
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
from ..identifiers import CIVIL_AFFAIRS_AUTHORITY, ORG_TYPE_DIGIT, uscc_type_problems
from ..references import STREET

if TYPE_CHECKING:
    from ..column_pass import RowValues


#: the organisation type registered only nationally or provincially, and the county part of
#: its USCC's division code then (positions 5-8: 100000, xx0000)
FOUNDATION = next(zh for zh, en in ORG_TYPES.items() if en == "foundation")
FOUNDATION_COUNTY_PART = "0000"
#: the registration status of an organisation still active
ACTIVE = next(zh for zh, en in REGISTRATION_STATUSES.items() if en == "active")


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
        "street_name": ("街道", "所在街道", "街道名称", "所属街道（镇）", "所属街镇"),
        "address": ("地址", "住所地址", "办公地址"),
    }
    # the national social-organisation information platform's export names its credit lists in
    # columns of their own (列入/移出 per list); the resolve stage reads both
    # (pipelines/organisations/assets.py)
    variant = frozenset(
        {
            "street_name",
            "address",
            "supervisor",
            "registered_capital",
            "certificate_valid",
            *(
                f"{p}_{s}"
                for p in ("abnormal", "serious")
                for s in ("serial", "listed_on", "reason", "removed_on", "removal_reason")
            ),
        }
    )
    derived = {"street_code": "所属街道 (a street name) via the communities register; else unknown (a note)"}

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
    street_code: Division12 | None = Field(None, alias="住所所在街道代码")
    street_name: str | None = Field(None, alias="所属街道")
    #: free text: it names no street a program can trust, so no street is read from it
    address: str | None = Field(None, alias="住所")
    supervisor: str | None = Field(None, alias="业务主管单位")
    registered_capital: str | None = Field(None, alias="注册资金")
    certificate_valid: str | None = Field(None, alias="证书有效期")
    abnormal_serial: str | None = Field(None, alias="异常活动名录_序号")
    abnormal_listed_on: PastDate | None = Field(None, alias="异常活动名录_列入时间")
    abnormal_reason: str | None = Field(None, alias="异常活动名录_列入事由")
    abnormal_removed_on: PastDate | None = Field(None, alias="异常活动名录_移出时间")
    abnormal_removal_reason: str | None = Field(None, alias="异常活动名录_移出事由")
    serious_serial: str | None = Field(None, alias="严重违法失信名单_序号")
    serious_listed_on: PastDate | None = Field(None, alias="严重违法失信名单_列入时间")
    serious_reason: str | None = Field(None, alias="严重违法失信名单_列入事由")
    serious_removed_on: PastDate | None = Field(None, alias="严重违法失信名单_移出时间")
    serious_removal_reason: str | None = Field(None, alias="严重违法失信名单_移出事由")

    @model_validator(mode="after")
    def _meaning(self) -> OrganisationRecord:
        for rule in uscc_type_problems(self.uscc, self.org_type):
            raise fail(rule, at="uscc", expected=ORG_TYPE_DIGIT.get(self.org_type, "?"))
        # Foundations are registered nationally (100000) or provincially (xx0000).
        if self.org_type == FOUNDATION and self.uscc[4:8] != FOUNDATION_COUNTY_PART:
            raise fail("foundation_authority_level", at="uscc")
        if self.grade and not self.grade_date:
            raise fail("missing_companion", at="grade_date", field="评估等级")
        if self.credit_list and not self.listed_on:
            raise fail("missing_companion", at="listed_on", field="信用名单")
        if self.listed_on and self.removed_on and self.removed_on < self.listed_on:
            raise fail("end_before_start", at="removed_on")
        for listed, removed, name in (
            (self.abnormal_listed_on, self.abnormal_removed_on, "abnormal_removed_on"),
            (self.serious_listed_on, self.serious_removed_on, "serious_removed_on"),
        ):
            if listed and removed and removed < listed:
                raise fail("end_before_start", at=name)
        if self.status_date and self.status == ACTIVE:
            raise fail("status_date_while_active", at="status_date")
        if self.status_date and self.status_date < self.registration_date:
            raise fail("end_before_start", at="status_date")
        return self

    @classmethod
    def clear_rows(cls, rows: RowValues, snapshot: dt.date) -> np.ndarray:
        # `_meaning` above, a column at a time (see Contract.clear_rows); this contract has no
        # findings. `each` is asked of every distinct cell, broken ones too: a value that is not
        # text reads as "" (or False), and a row holding something other than a date where a
        # date is compared is not cleared.
        day = {f: rows.days(f) for f in _COMPARED_DATES}
        known = rows.each("org_type", lambda t: isinstance(t, str)) & ~np.isnan(day["registration_date"])
        for f, days in day.items():
            known &= ~(np.isnan(days) & rows.truthy(f))  # a value, but no date
        category = rows.each("uscc", lambda v: v[1:2] if isinstance(v, str) else "", object)
        expected = rows.each("org_type", lambda t: ORG_TYPE_DIGIT.get(t, ""), object)
        broken = ~rows.each("uscc", lambda v: isinstance(v, str) and v[:1] == CIVIL_AFFAIRS_AUTHORITY)
        broken |= (expected != "") & (category != expected)
        foundation = rows.each("org_type", lambda t: t == FOUNDATION)
        broken |= foundation & ~rows.each("uscc", lambda v: isinstance(v, str) and v[4:8] == FOUNDATION_COUNTY_PART)
        broken |= rows.truthy("grade") & ~rows.truthy("grade_date")
        broken |= rows.truthy("credit_list") & ~rows.truthy("listed_on")
        # a comparison with NaN (no date) is false, as `a and b and b < a` is then
        for listed, removed in _LISTINGS:
            broken |= day[removed] < day[listed]
        active = rows.each("status", lambda v: v == ACTIVE)
        broken |= rows.truthy("status_date") & (active | (day["status_date"] < day["registration_date"]))
        return known & ~broken


#: the (listed, removed) date fields of each credit list clear_rows compares, and every date
#: it compares
_LISTINGS = (
    ("listed_on", "removed_on"),
    ("abnormal_listed_on", "abnormal_removed_on"),
    ("serious_listed_on", "serious_removed_on"),
)
_COMPARED_DATES = ("registration_date", "status_date", *(f for pair in _LISTINGS for f in pair))
