"""Project evaluations → evaluations linked to their projects.

Reads  evaluations/evaluations*.csv (one row per evaluation).
Emits  evaluations_raw, evaluations_validated, evaluations_resolved.
Checks the evaluated project is a project accepted into the graph.
"""

from dagster import AssetIn, asset

from data_contracts import EvaluationRecord

from ..common.assets import source_assets
from ..common.register import RegisterResult
from ..common.resolve import check_references, register_tags, without_personal
from ..common.resources import PUBLIC_IO

GRAIN = "One row per project evaluation."

evaluations_raw, evaluations_validated = source_assets(EvaluationRecord, "evaluations", GRAIN)


@asset(
    io_manager_key=PUBLIC_IO,
    op_tags=register_tags("evaluations"),
    group_name="evaluations",
    ins={"validated": AssetIn("evaluations_validated"), "projects": AssetIn("projects_resolved")},
    description=f"Evaluations accepted for the graph, project resolved. {GRAIN}",
)
def evaluations_resolved(validated: RegisterResult, projects: RegisterResult) -> RegisterResult:
    result = check_references(validated, EvaluationRecord, {"projects": projects})
    return without_personal(result, EvaluationRecord)
