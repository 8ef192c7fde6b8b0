"""Hub structure "1+14+x" → hubs and memberships with party-building coverage.

Reads  hubs/hubs*.csv (one row per hub) and hubs/hub_memberships*.csv (one row per member).
Emits  hubs_raw, hubs_validated, hubs_resolved, hub_memberships_raw, hub_memberships_validated,
       hub_memberships_resolved.
Checks a street hub's street and a district hub's district exist, a hub's parent hub exists, a member is a known organisation
and its hub a known hub. Membership files named `..._asof_YYYY-MM-DD.csv` are the register as
printed that day; the periods of membership, party organisation and liaison come from them.
"""

from dagster import AssetIn, asset

from data_contracts import HubMembershipRecord, HubRecord

from ..common import history
from ..common.assets import source_assets
from ..common.register import RegisterResult
from ..common.resolve import check_references, without_personal
from ..common.resources import PUBLIC_IO

HUB_GRAIN = "One row per hub."
MEMBER_GRAIN = "One row per organisation's hub membership per register snapshot."

hubs_raw, hubs_validated = source_assets(HubRecord, "hubs", HUB_GRAIN)
hub_memberships_raw, hub_memberships_validated = source_assets(HubMembershipRecord, "hubs", MEMBER_GRAIN)


@asset(io_manager_key=PUBLIC_IO, group_name="hubs",
       ins={"validated": AssetIn("hubs_validated"), "communities": AssetIn("communities_resolved")},
       description=f"Hubs accepted for the graph, street and parent hub resolved. {HUB_GRAIN}")
def hubs_resolved(validated: RegisterResult, communities: RegisterResult) -> RegisterResult:
    return without_personal(check_references(validated, HubRecord, {"communities": communities}), HubRecord)


@asset(io_manager_key=PUBLIC_IO, group_name="hubs",
       ins={"validated": AssetIn("hub_memberships_validated"), "hubs": AssetIn("hubs_resolved"),
            "organisations": AssetIn("organisations_resolved")},
       description=f"Memberships accepted for the graph, liaison names dropped, with membership, "
                   f"party-organisation and liaison periods derived from the snapshots. {MEMBER_GRAIN}")
def hub_memberships_resolved(validated: RegisterResult, hubs: RegisterResult,
                             organisations: RegisterResult) -> RegisterResult:
    result = without_personal(check_references(validated, HubMembershipRecord,
                                               {"organisations": organisations, "hubs": hubs}),
                              HubMembershipRecord)
    rows = result.accepted
    return result.with_history(
        membership=history.from_snapshots(rows, ["uscc"], ["hub_id"], start="joined_on"),
        party_branch=history.from_snapshots(rows, ["uscc"], [], holds="has_party_branch"),
        liaison=history.from_snapshots(rows, ["uscc"], ["liaison_id"]),
    )
