"""Project performance evaluations: one row per evaluation of a purchased-service project,
usually by a third-party evaluator."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import Field

from ..base import Contract, Finding, PastDate, one_of
from ..enums import EVALUATION_GRADES, evaluation_grade_for
from ..references import PROJECT


class EvaluationRecord(Contract):
    source = "evaluations"
    folder = "evaluations"
    files = "evaluations*"
    key = ("evaluation_id",)
    references = {"project_id": PROJECT}
    aliases = {
        "evaluation_id": ("编号",),
        "evaluator": ("评估单位", "第三方评估机构"),
        "eval_date": ("评估时间",),
        "score": ("得分", "分数", "评估分数"),
        "grade": ("等级", "评估结果"),
    }

    derived = {"evaluation_id": "项目编号 and 评估日期 (EV-<project>-<YYYYMMDD>)"}

    evaluation_id: Annotated[
        str,
        Field(
            pattern=r"^EV-([0-9]{4}-[0-9]{3,7}|[A-Z]{2,4}-[0-9]{4}-[0-9]{3,5}-[0-9]{8})$", examples=["EV-2024-00001"]
        ),
    ] = Field(alias="评估编号")
    project_id: str = Field(alias="项目编号")
    evaluator: str = Field(alias="评估机构")
    eval_date: PastDate = Field(alias="评估日期")
    score: Annotated[float, Field(ge=0, le=100)] = Field(alias="评估得分")
    grade: Annotated[str, one_of(EVALUATION_GRADES)] = Field(alias="评估等级")

    def findings(self, snapshot: dt.date) -> list[Finding]:
        if evaluation_grade_for(self.score) != self.grade:
            return [Finding("grade", "grade_score_mismatch", {})]
        return []
