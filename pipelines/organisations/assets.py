"""Social organisations register → organisations, their credit-list entries and residence.

Reads  organisations/organisations*.csv (one row per registered organisation).
Emits  organisations_raw, organisations_validated, organisations_resolved.
Checks the street of residence is a known street of the communities register.
"""

from dagster import AssetIn, asset

from data_contracts import OrganisationRecord

from ..common.assets import source_assets
from ..common.register import RegisterResult
from ..common.resolve import check_references, keys, without_personal

GRAIN = "One row per registered social organisation."

organisations_raw, organisations_validated = source_assets(OrganisationRecord, "organisations", GRAIN)


@asset(group_name="organisations",
       ins={"validated": AssetIn("organisations_validated"), "communities": AssetIn("communities_resolved")},
       description=f"Organisations accepted for the graph, their street resolved. {GRAIN}")
def organisations_resolved(validated: RegisterResult, communities: RegisterResult) -> RegisterResult:
    result = check_references(validated, OrganisationRecord, [
        ("street_code", keys(communities, "street_code"), "街道", "street"),
    ])
    return without_personal(result, OrganisationRecord)
