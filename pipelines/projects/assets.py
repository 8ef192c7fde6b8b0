"""Purchased-service projects → purchasers, projects, providers, communities, funding, staff.

Reads  projects/projects*.csv (one row per contract; bureaus file one list per year).
Emits  projects_raw, projects_validated, projects_resolved.
Checks the provider is a known organisation, the served communities are known committees and
the staffed workers are known workers.
"""

from dagster import AssetIn, asset

from data_contracts import ProjectRecord

from ..common.assets import source_assets
from ..common.register import RegisterResult
from ..common.resolve import check_references, keys, without_personal

GRAIN = "One row per purchased-service contract."

projects_raw, projects_validated = source_assets(ProjectRecord, "projects", GRAIN)


@asset(group_name="projects",
       ins={"validated": AssetIn("projects_validated"), "organisations": AssetIn("organisations_resolved"),
            "communities": AssetIn("communities_resolved"), "workers": AssetIn("workers_resolved")},
       description=f"Projects accepted for the graph, every reference resolved. {GRAIN}")
def projects_resolved(validated: RegisterResult, organisations: RegisterResult,
                      communities: RegisterResult, workers: RegisterResult) -> RegisterResult:
    result = check_references(validated, ProjectRecord, [
        ("provider_uscc", keys(organisations, "uscc"), "承接机构", "provider organisation"),
        ("served_communities", keys(communities, "community_code"), "社区", "community"),
        ("staffed_workers", keys(workers, "worker_key"), "社工", "social worker"),
    ])
    return without_personal(result, ProjectRecord)
