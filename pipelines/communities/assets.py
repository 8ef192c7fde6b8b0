"""Communities register → districts, streets/towns and committees.

Reads  communities/communities*.csv (one row per committee, street and district written out).
Emits  communities_raw, communities_validated, communities_resolved (one row per committee).
"""

from dagster import AssetIn, asset

from data_contracts import CommunityRecord

from ..common.assets import source_assets
from ..common.register import RegisterResult
from ..common.resolve import without_personal

GRAIN = "One row per residents' or village committee."

communities_raw, communities_validated = source_assets(CommunityRecord, "communities", GRAIN)


@asset(group_name="communities", ins={"validated": AssetIn("communities_validated")},
       description=f"Committees accepted for the graph, nested in streets and the district. {GRAIN}")
def communities_resolved(validated: RegisterResult) -> RegisterResult:
    # The register is the root of all references: nothing else to resolve against.
    return without_personal(validated, CommunityRecord)
