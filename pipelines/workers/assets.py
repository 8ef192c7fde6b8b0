"""Certified social workers register → pseudonymous workers, employers, served communities.

Reads  workers/*.csv (one row per certified worker, with personal data).
Emits  workers_raw, workers_validated, workers_resolved.
The ID number is used here, and only here, to find one person registered under two keys;
then every personal field is dropped.
"""

from dagster import AssetIn, asset

from data_contracts import SocialWorkerRecord
from data_contracts.validation import drop_duplicates

from ..common.assets import source_assets
from ..common.register import RegisterResult
from ..common.resolve import check_references, register_tags, without_personal
from ..common.resources import PUBLIC_IO

GRAIN = "One row per certified social worker."

workers_raw, workers_validated = source_assets(SocialWorkerRecord, "workers", GRAIN)


@asset(
    io_manager_key=PUBLIC_IO,
    op_tags=register_tags("workers"),
    group_name="workers",
    ins={
        "validated": AssetIn("workers_validated"),
        "organisations": AssetIn("organisations_resolved"),
        "communities": AssetIn("communities_resolved"),
    },
    description=f"Workers accepted for the graph, pseudonymous (no personal fields). {GRAIN}",
)
def workers_resolved(
    validated: RegisterResult, organisations: RegisterResult, communities: RegisterResult
) -> RegisterResult:
    _, twins = drop_duplicates(validated.accepted, SocialWorkerRecord, key=("id_number",), rule="duplicate_person")
    result = check_references(
        validated.dropping(twins), SocialWorkerRecord, {"organisations": organisations, "communities": communities}
    )
    return without_personal(result, SocialWorkerRecord)
