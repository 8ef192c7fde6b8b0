"""Purchased-service projects → purchasers, projects, providers, communities, funding, staff.

Reads  projects/projects*.csv or .xlsx (one row per contract; bureaus file one list per year)
       decisions/provider_matches.csv (a person's accept/reject of provider name matches).
Emits  projects_raw, projects_validated, projects_resolved (with the reports
       `provider_matches` and `provider_review`).
Checks the provider is a known organisation (by code, or by name when the code is missing or
mistyped: see providers.py), the served communities are known committees and the staffed
workers are known workers.
"""

from dataclasses import replace

from dagster import AssetIn, asset

from data_contracts import ProjectRecord
from data_contracts.rules import Severity

from ..common.assets import source_assets
from ..common.matching import DECISIONS_FILE, read_decisions
from ..common.register import RegisterResult
from ..common.resolve import check_references, without_personal
from ..common.resources import PUBLIC_IO, SansheResource
from .providers import resolve_providers

GRAIN = "One row per purchased-service contract."

projects_raw, projects_validated = source_assets(ProjectRecord, "projects", GRAIN)


@asset(io_manager_key=PUBLIC_IO, group_name="projects",
       ins={"validated": AssetIn("projects_validated"), "organisations": AssetIn("organisations_resolved"),
            "communities": AssetIn("communities_resolved"), "workers": AssetIn("workers_resolved")},
       description=f"Projects accepted for the graph, every reference resolved. {GRAIN}")
def projects_resolved(sanshe: SansheResource, validated: RegisterResult, organisations: RegisterResult,
                      communities: RegisterResult, workers: RegisterResult) -> RegisterResult:
    orgs = organisations.accepted.sort_values("_asof", kind="stable").drop_duplicates("uscc", keep="last")
    soft = validated.issues[(validated.issues["field"] == "provider_uscc") & (validated.issues["severity"] == Severity.WARNING)]
    written = {(f, int(r)): v for f, r, v in zip(soft["file"], soft["row"], soft["value"], strict=True)}
    places = sorted(set(communities.accepted["district_name"]))
    decisions = read_decisions(sanshe.settings.source_dir)
    result = resolve_providers(validated, orgs, decisions, places, written)
    if "problem" in decisions.attrs:  # listed in the accounting, as a file of no rows with its note
        part = DECISIONS_FILE.as_posix()
        result = replace(result, rows_per_file={**result.rows_per_file, part: 0},
                         notes={**result.notes, part: [decisions.attrs["problem"]]})
    result = check_references(result, ProjectRecord, {"organisations": organisations, "communities": communities,
                                                      "workers": workers})
    return without_personal(result, ProjectRecord)
