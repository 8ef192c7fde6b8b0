"""Annual inspections (年检): one row per organisation and inspected year, so an award can be
checked against "the last annual inspection" on its date."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from ..base import Contract, Uscc, Whole, one_of
from ..enums import INSPECTION_RESULTS
from ..references import ORGANISATION


class AnnualInspectionRecord(Contract):
    source = "annual_inspections"
    folder = "organisations"
    files = "annual_inspections*"
    key = ("uscc", "year")
    references = {"uscc": ORGANISATION}
    aliases = {
        "uscc": ("信用代码", "社会信用代码", "USCC"),
        "year": ("年度", "年检年份"),
        "result": ("年检结果", "结论"),
    }

    uscc: Uscc = Field(alias="统一社会信用代码")
    year: Annotated[Whole, Field(ge=1990)] = Field(alias="年检年度")
    result: Annotated[str, one_of(INSPECTION_RESULTS)] = Field(alias="年检结论")
