"""Hub structure "1+14+x" → hubs and memberships with party-building coverage.

Reads  hubs/hubs*.csv (one row per hub) and hubs/hub_memberships*.csv (one row per member).
Emits  hubs_raw, hubs_validated, hubs_resolved, hub_memberships_raw, hub_memberships_validated,
       hub_memberships_resolved.
Checks a street hub's street and a district hub's district exist, a hub's parent hub exists, a member is a known organisation
and its hub a known hub. Membership files named `..._asof_YYYY-MM-DD.csv` are the register as
printed that day; the periods of membership, party organisation and liaison come from them.
"""

from dataclasses import replace
from functools import partial

import pandas as pd
from dagster import AssetIn, asset

from data_contracts import HubMembershipRecord, HubRecord
from data_contracts.values import compact

from ..common import history
from ..common.assets import source_assets
from ..common.references import unknown_references
from ..common.register import RegisterResult
from ..common.resolve import READS_CHECKED, check_references, keys, register_tags, without_personal
from ..common.resources import PUBLIC_IO
from ..common.threads import together

HUB_GRAIN = "One row per hub."
MEMBER_GRAIN = "One row per organisation's hub membership per register snapshot."

hubs_raw, hubs_validated = source_assets(HubRecord, "hubs", HUB_GRAIN)
hub_memberships_raw, hub_memberships_validated = source_assets(HubMembershipRecord, "hubs", MEMBER_GRAIN)


#: hubs made from memberships carry this in `_file`: they were read from no hub register
FROM_MEMBERSHIPS = "(hubs named in hub_memberships)"


def hubs_from_memberships(hubs: pd.DataFrame, memberships: pd.DataFrame, communities: pd.DataFrame) -> pd.DataFrame:
    """Hubs the memberships name (所属枢纽 + 枢纽类别) that the hub register does not hold, as
    hub rows: id from name and kind (derivation.hub_id), a street hub's street from the street
    name its own name starts with, every hub under the district federation when exactly one is
    named, the federation in the communities register's district. Whether a hub has its own
    party branch, and an industry hub's field, are not written in memberships: recorded as no
    and as unknown. One row per hub."""
    if memberships.empty or "hub_name" not in memberships or memberships["hub_name"].isna().all():
        return hubs.iloc[0:0]
    named = (
        memberships.dropna(subset=["hub_name"])
        .sort_values(["_asof", "_file", "_row"])
        .drop_duplicates("hub_id", keep="last")
    )
    named = named[~named["hub_id"].isin(set(hubs["hub_id"]))]
    if named.empty:
        return hubs.iloc[0:0]
    streets = communities[["street_code", "street_name"]].drop_duplicates("street_code")
    by_prefix = sorted(
        zip(streets["street_name"].map(compact), streets["street_code"], strict=True), key=lambda p: -len(p[0])
    )

    def street_of(name: str, kind: str) -> str | None:
        if kind != "街道枢纽":
            return None
        n = compact(name)
        return next((code for sname, code in by_prefix if sname and n.startswith(sname)), None)

    federation = (
        named.loc[named["hub_kind"] == "区社会组织联合会", "hub_id"].tolist()
        + hubs.loc[hubs["hub_kind"] == "区社会组织联合会", "hub_id"].tolist()
    )
    parent = federation[0] if len(set(federation)) == 1 else None
    districts = communities["district_code"].dropna().unique().tolist()
    rows = []
    for hid, name, kind in zip(named["hub_id"], named["hub_name"], named["hub_kind"], strict=True):
        kind = kind if isinstance(kind, str) else None
        rows.append(
            {
                "hub_id": hid,
                "hub_name": name,
                "hub_kind": kind,
                "district_code": districts[0] if kind == "区社会组织联合会" and len(districts) == 1 else None,
                "street_code": street_of(name, kind or ""),
                "industry": None,  # memberships do not write a hub's field
                "parent_hub_id": None if kind == "区社会组织联合会" else parent,
                "has_party_branch": False,
                "established_on": None,
                "dissolved_on": None,
                "_file": FROM_MEMBERSHIPS,
                "_row": 0,
                "_asof": None,
            }
        )
    return pd.DataFrame(rows, columns=hubs.columns)


#: the register whose checked rows name the hubs (declared once, with the step priorities)
(MEMBERSHIPS,) = READS_CHECKED["hubs"]


@asset(
    io_manager_key=PUBLIC_IO,
    op_tags=register_tags("hubs"),
    group_name="hubs",
    ins={
        "validated": AssetIn("hubs_validated"),
        "communities": AssetIn("communities_resolved"),
        "memberships": AssetIn(f"{MEMBERSHIPS}_validated"),
    },
    description=f"Hubs accepted for the graph, street and parent hub resolved, with the hubs "
    f"memberships name that the hub register lacks. {HUB_GRAIN}",
)
def hubs_resolved(
    validated: RegisterResult, communities: RegisterResult, memberships: RegisterResult
) -> RegisterResult:
    made = hubs_from_memberships(validated.accepted, memberships.accepted, communities.accepted)
    if len(made):
        validated = replace(validated, accepted=pd.concat([validated.accepted, made], ignore_index=True))
    result = check_references(validated, HubRecord, {"communities": communities})
    # the graph links a hub to its district node, which only the communities register makes:
    # a district it does not know would be a dangling relationship, so the row is quarantined
    result = result.dropping(
        unknown_references(
            result.accepted, HubRecord, "district_code", keys(communities, "district_code"), "区县", "district"
        )
    )
    return without_personal(result, HubRecord)


@asset(
    io_manager_key=PUBLIC_IO,
    op_tags=register_tags("hub_memberships"),
    group_name="hubs",
    ins={
        "validated": AssetIn("hub_memberships_validated"),
        "hubs": AssetIn("hubs_resolved"),
        "organisations": AssetIn("organisations_resolved"),
    },
    description=f"Memberships accepted for the graph, liaison names dropped, with membership, "
    f"party-organisation and liaison periods derived from the snapshots. {MEMBER_GRAIN}",
)
def hub_memberships_resolved(
    validated: RegisterResult, hubs: RegisterResult, organisations: RegisterResult
) -> RegisterResult:
    result = without_personal(
        check_references(validated, HubMembershipRecord, {"organisations": organisations, "hubs": hubs}),
        HubMembershipRecord,
    )
    rows = result.accepted
    # on two threads: most of a history is pandas' and numpy's compiled work on the key column
    # (the national memberships' three took 1.9 s one after the other, 1.5 s so; measured once)
    return result.with_history(
        **together(
            membership=partial(history.from_snapshots, rows, ["uscc"], ["hub_id"], start="joined_on"),
            party_branch=partial(history.from_snapshots, rows, ["uscc"], [], holds="has_party_branch"),
            liaison=partial(history.from_snapshots, rows, ["uscc"], ["liaison_id"]),
        )
    )
