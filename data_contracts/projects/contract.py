"""Purchased-service projects (政府购买服务): one row per contract, as the purchaser's
project list records it. Amounts are in yuan (元)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import numpy as np
from pydantic import Field, model_validator

from ..base import (
    Amount,
    Contract,
    Day,
    Division12List,
    Finding,
    PastDate,
    TextList,
    Uscc,
    fail,
    one_of,
)
from ..enums import FUNDING_SOURCES, PROCUREMENT_METHODS, SERVICE_CATEGORIES
from ..references import COMMUNITY, ORGANISATION, WORKER

if TYPE_CHECKING:
    from ..column_pass import RowValues

#: a contract more than this factor above its budget is reported (kept, as a warning)
BUDGET_TOLERANCE = 1.2
#: a term longer than three years of 366 days is reported (kept, as a warning)
MAX_TERM_DAYS = 3 * 366


class ProjectRecord(Contract):
    source = "projects"
    folder = "projects"
    files = "projects*"
    key = ("project_id",)
    soft = frozenset({"provider_uscc"})
    # the provider is first looked up by name where its code is missing or unknown (providers.py)
    references = {
        "provider_uscc": ORGANISATION.named("承接机构", "provider organisation"),
        "served_communities": COMMUNITY,
        "staffed_workers": WORKER,
    }
    aliases = {
        "project_id": ("编号", "项目代码"),
        "project_name": ("名称",),
        "purchaser_name": ("购买方", "采购人", "购买单位"),
        "purchaser_uscc": ("购买方统一社会信用代码", "采购人统一社会信用代码", "购买单位统一社会信用代码"),
        "category": ("服务类别", "类别", "指导目录类别"),
        "budget": ("预算金额", "预算"),
        "contract_amount": ("合同金额", "中标金额", "成交金额"),
        "award_date": ("签订日期", "合同签订日期", "中标日期"),
        "start_date": ("服务开始日期", "起始日期"),
        "end_date": ("服务结束日期", "截止日期"),
        "provider_name": ("承接主体", "中标单位", "服务机构", "承接单位"),
        "provider_uscc": (
            "承接主体统一社会信用代码",
            "承接机构信用代码",
            "中标单位统一社会信用代码",
            "承接单位统一社会信用代码",
        ),
        "served_communities": ("服务社区", "服务社区代码（多个用分号隔开）"),
        "served_community_names": ("服务社区（名称）", "服务社区名单", "服务居委会"),
        "funding_source": ("资金渠道",),
        "staffed_workers": ("社工编号", "配置社工"),
    }
    variant = frozenset({"served_community_names"})
    derived = {
        "award_date": "开始日期, when no signing date is written (counted in the accounting)",
        "served_communities": "服务社区名称 via the communities register (names in a 服务社区 column too)",
    }

    project_id: Annotated[str, Field(pattern=r"^[A-Z]{2,4}-[0-9]{4}-[0-9]{3,5}$", examples=["MZ-2024-001"])] = Field(
        alias="项目编号"
    )
    project_name: str = Field(alias="项目名称")
    purchaser_name: str = Field(alias="购买主体")
    #: optional: a purchaser without a code is matched by name to one written with it
    purchaser_uscc: Uscc | None = Field(None, alias="购买主体统一社会信用代码")
    category: Annotated[str, one_of(SERVICE_CATEGORIES)] = Field(alias="目录类别")
    procurement_method: Annotated[str, one_of(PROCUREMENT_METHODS)] = Field(alias="采购方式")
    budget: Amount = Field(alias="预算金额（元）")
    contract_amount: Amount = Field(alias="合同金额（元）")
    award_date: PastDate = Field(alias="签约日期")
    start_date: Day = Field(alias="开始日期")
    end_date: Day = Field(alias="结束日期")
    provider_name: str = Field(alias="承接机构")
    #: soft: a missing or mistyped code is reported and the provider is then matched by name
    #: (pipelines/projects/providers.py); the row is quarantined only if that fails too
    provider_uscc: Uscc | None = Field(None, alias="承接机构统一社会信用代码")
    served_communities: Division12List = Field(default_factory=list, alias="服务社区代码")
    #: served communities by name, resolved against the communities register
    served_community_names: TextList = Field(default_factory=list, alias="服务社区名称")
    funding_source: Annotated[str, one_of(FUNDING_SOURCES)] = Field(alias="资金来源")
    staffed_workers: TextList = Field(default_factory=list, alias="配置社工编号")

    @model_validator(mode="after")
    def _dates(self) -> ProjectRecord:
        if self.end_date < self.start_date:
            raise fail("end_before_start", at="end_date")
        if not self.served_communities and not self.served_community_names:
            raise fail("required", at="served_communities")
        return self

    def findings(self, snapshot: dt.date) -> list[Finding]:
        out = []
        if self.budget > 0 and self.contract_amount > self.budget * BUDGET_TOLERANCE:
            out.append(Finding("contract_amount", "contract_above_budget", {}))
        if (self.end_date - self.start_date).days > MAX_TERM_DAYS:
            out.append(Finding("end_date", "term_over_3_years", {}))
        return out

    @classmethod
    def clear_rows(cls, rows: RowValues, snapshot: dt.date) -> np.ndarray:
        # `_dates` and `findings` above, a column at a time (see Contract.clear_rows)
        start, end = rows.days("start_date"), rows.days("end_date")
        budget, amount = rows.numbers("budget"), rows.numbers("contract_amount")
        served = rows.truthy("served_communities") | rows.truthy("served_community_names")
        known = np.isfinite(start) & np.isfinite(end) & np.isfinite(budget) & np.isfinite(amount)
        with np.errstate(over="ignore"):  # a budget near the largest float: inf, as in Python
            above_budget = (budget > 0) & (amount > budget * BUDGET_TOLERANCE)
        return known & served & (end >= start) & ~above_budget & (end - start <= MAX_TERM_DAYS)
