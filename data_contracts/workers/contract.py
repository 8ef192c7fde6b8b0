"""Certified social workers register: one row per certified worker. The register holds personal
data (name, ID number, phone, certificate number); the contract checks it, the pipeline uses
the ID number to find one person under two keys, and then drops every personal field."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from ..base import (
    Contract,
    Division12List,
    IdNumber,
    Mobile,
    Uscc,
    Whole,
    not_after_snapshot_year,
    one_of,
)
from ..enums import WORKER_LEVELS
from ..references import COMMUNITY, ORGANISATION


class SocialWorkerRecord(Contract):
    source = "workers"
    folder = "workers"
    files = "*"
    key = ("worker_key",)
    aliases = {
        "worker_key": ("编号", "社工号"),
        "name": ("社工姓名",),
        "id_number": ("身份证号码", "公民身份号码", "身份证"),
        "phone": ("手机", "手机号码", "联系电话"),
        "certificate_no": ("证书号", "职业水平证书编号", "证书号码"),
        "level": ("等级", "职业水平", "证书等级"),
        "certified_year": ("取证年份", "取得证书年度"),
        "employer_uscc": ("单位信用代码", "工作单位信用代码", "所在单位统一社会信用代码"),
        "served_communities": ("服务社区",),
    }
    personal = frozenset({"name", "id_number", "phone", "certificate_no"})
    references = {"employer_uscc": ORGANISATION.named("工作单位", "employer"), "served_communities": COMMUNITY}
    derived = {"worker_key": "证书编号, else 身份证号: a keyed pseudonym (SW-<12 hex>), never the number itself"}

    worker_key: Annotated[str, Field(pattern=r"^SW([0-9]{6}|-[0-9A-F]{12})$", examples=["SW000001"])] = Field(
        alias="社工编号"
    )
    name: str = Field(alias="姓名")
    id_number: IdNumber = Field(alias="身份证号")
    phone: Mobile | None = Field(None, alias="手机号")
    certificate_no: str | None = Field(None, alias="证书编号")
    level: Annotated[str, one_of(WORKER_LEVELS)] = Field(alias="职业水平等级")
    # the national exam started in 2008; "future" is judged against the data's snapshot date
    certified_year: Annotated[Whole, Field(ge=2008), AfterValidator(not_after_snapshot_year)] = Field(
        alias="取得证书年份"
    )
    employer_uscc: Uscc = Field(alias="工作单位统一社会信用代码")
    served_communities: Division12List = Field(default_factory=list, alias="服务社区代码")
