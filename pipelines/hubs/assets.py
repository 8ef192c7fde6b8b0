"""Hub structure "1+14+x" → hubs and memberships with party-building coverage.

Reads  hubs/hubs*.csv (one row per hub) and hubs/hub_memberships*.csv (one row per member).
Emits  hubs_raw, hubs_validated, hubs_resolved, hub_memberships_raw, hub_memberships_validated,
       hub_memberships_resolved.
Checks a street hub's street exists, a hub's parent hub exists, a member is a known organisation
and its hub a known hub.
"""

from dagster import AssetIn, asset

from data_contracts import HubMembershipRecord, HubRecord

from ..common.assets import source_assets
from ..common.register import RegisterResult
from ..common.resolve import check_references, keys, without_personal

HUB_GRAIN = "One row per hub."
MEMBER_GRAIN = "One row per organisation's hub membership."

hubs_raw, hubs_validated = source_assets(HubRecord, "hubs", HUB_GRAIN)
hub_memberships_raw, hub_memberships_validated = source_assets(HubMembershipRecord, "hubs", MEMBER_GRAIN)


@asset(group_name="hubs",
       ins={"validated": AssetIn("hubs_validated"), "communities": AssetIn("communities_resolved")},
       description=f"Hubs accepted for the graph, street and parent hub resolved. {HUB_GRAIN}")
def hubs_resolved(validated: RegisterResult, communities: RegisterResult) -> RegisterResult:
    result = check_references(validated, HubRecord, [
        ("street_code", keys(communities, "street_code"), "街道", "street"),
        ("parent_hub_id", keys(validated, "hub_id"), "上级枢纽", "parent hub"),
    ])
    return without_personal(result, HubRecord)


@asset(group_name="hubs",
       ins={"validated": AssetIn("hub_memberships_validated"), "hubs": AssetIn("hubs_resolved"),
            "organisations": AssetIn("organisations_resolved")},
       description=f"Memberships accepted for the graph; liaison names dropped. {MEMBER_GRAIN}")
def hub_memberships_resolved(validated: RegisterResult, hubs: RegisterResult,
                             organisations: RegisterResult) -> RegisterResult:
    result = check_references(validated, HubMembershipRecord, [
        ("uscc", keys(organisations, "uscc"), "社会组织", "organisation"),
        ("hub_id", keys(hubs, "hub_id"), "枢纽", "hub"),
    ])
    return without_personal(result, HubMembershipRecord)
