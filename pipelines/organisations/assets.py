"""Social organisations register (current and dated snapshots) and annual inspections →
organisations with their active period, grade history, credit-list entries and inspections.

Reads  organisations/organisations*.csv (one row per organisation per snapshot; a file named
       `..._asof_YYYY-MM-DD.csv` is the register as printed that day)
       organisations/annual_inspections*.csv (one row per organisation and inspected year).
Emits  organisations_raw, organisations_validated, organisations_resolved (histories `status`,
       `grades`, `credit_lists`); annual_inspections_raw, _validated, _resolved.
Checks the street of residence is a known street; an inspection's organisation is known.
"""

from dagster import AssetIn, asset

from data_contracts import AnnualInspectionRecord, OrganisationRecord
from data_contracts.enums import GRADE_VALID_YEARS

from ..common import history
from ..common.assets import source_assets
from ..common.register import RegisterResult
from ..common.resolve import check_references, without_personal
from ..common.resources import PUBLIC_IO

GRAIN = "One row per registered social organisation and register snapshot."
INSPECTION_GRAIN = "One row per organisation and inspected year."

organisations_raw, organisations_validated = source_assets(OrganisationRecord, "organisations", GRAIN)
annual_inspections_raw, annual_inspections_validated = source_assets(
    AnnualInspectionRecord, "organisations", INSPECTION_GRAIN)


@asset(io_manager_key=PUBLIC_IO, group_name="organisations",
       ins={"validated": AssetIn("organisations_validated"), "communities": AssetIn("communities_resolved")},
       description=f"Organisations accepted for the graph, street resolved, with their active period, "
                   f"grades and credit-list entries over time. {GRAIN}")
def organisations_resolved(validated: RegisterResult, communities: RegisterResult) -> RegisterResult:
    result = without_personal(check_references(validated, OrganisationRecord, {"communities": communities}),
                              OrganisationRecord)
    rows = result.accepted
    grades = history.lapsing(history.events(rows, ["uscc", "grade", "grade_date"], "grade_date"),
                             "uscc", "grade_date", GRADE_VALID_YEARS)
    listed = rows.dropna(subset=["credit_list", "listed_on"])
    # one listing, seen in several snapshots: its removal date is the latest one recorded
    credit = (listed.sort_values("_asof").groupby(["uscc", "credit_list", "listed_on"], as_index=False)
              .agg(reason=("listing_reason", "last"), removed_on=("removed_on", "max")))
    credit = credit.assign(valid_from=credit["listed_on"], valid_to=credit["removed_on"].where(credit["removed_on"].notna(), None))
    return result.with_history(
        status=history.status_periods(rows, "uscc", "registration_date", "status", "正常", "status_date"),
        grades=grades, credit_lists=credit)


@asset(io_manager_key=PUBLIC_IO, group_name="organisations",
       ins={"validated": AssetIn("annual_inspections_validated"), "organisations": AssetIn("organisations_resolved")},
       description=f"Annual inspections of known organisations. {INSPECTION_GRAIN}")
def annual_inspections_resolved(validated: RegisterResult, organisations: RegisterResult) -> RegisterResult:
    return without_personal(check_references(validated, AnnualInspectionRecord, {"organisations": organisations}),
                            AnnualInspectionRecord)
