"""Step 3: the hub network ("1+5+x" before the merger, "1+14+x" after) and each
organisation's membership history, party members and party liaison (registers `hubs` and
`hub_memberships`, now and at each of SNAPSHOTS).

Hub ids: HUB-FED for the district federation, HUB-ST-<street digits 7-9> for a street hub,
HUB-IND-nn for the industry hubs of INDUSTRY_HUBS."""

from __future__ import annotations

import datetime as dt
import random

from .sample_model import (
    DISTRICT,
    INDUSTRY_HUBS,
    MERGER,
    SNAPSHOT,
    SNAPSHOTS,
    STREETS,
    Org,
    SampleState,
    is_old_jingan,
    random_date,
)
from .sample_people import person_name

#: hub id -> the day a hub was established, or was dissolved (None: still open)
HubDates = dict[str, dt.date]
HubEnds = dict[str, dt.date | None]


def add_hubs(s: SampleState) -> None:
    """Fill `hubs` and `hub_memberships`; adds membership episodes and party ties to `s.orgs`."""
    rng = s.rng
    est, dissolved = _hub_register(s)
    industry_of = {f: hid for hid, _, _, f, _, _ in INDUSTRY_HUBS}
    liaisons = [(f"LN-{i:04d}", person_name(rng)) for i in range(1, 61)]
    now_active = [o for o in s.orgs if o.active(SNAPSHOT)]
    unattached = {o.uscc for o in rng.sample(now_active, 15)}
    # hub registers lag behind deregistration: a dozen ended members are still listed
    stale = {o.uscc for o in rng.sample([o for o in s.orgs if o.ended and o.ended > dt.date(2017, 1, 1)], 12)}
    for o in s.orgs:
        if o.uscc in unattached:
            continue
        if _join(rng, o, est, dissolved, industry_of, o.uscc in stale):
            _party_ties(rng, o, liaisons)
    s.registers.hub_memberships = membership_rows(s.orgs, SNAPSHOT)
    s.registers.snapshots["hub_memberships"] = {d: membership_rows(s.orgs, d) for d in SNAPSHOTS}


def _hub_register(s: SampleState) -> tuple[HubDates, HubEnds]:
    """Fill `hubs`: the federation, one hub per street, the industry hubs."""
    rng, hubs = s.rng, s.registers.hubs
    est = {"HUB-FED": dt.date(2011, 6, 28)}
    hubs.append(
        {
            "hub_id": "HUB-FED",
            "hub_name": "静安区社会组织联合会",
            "hub_kind": "区社会组织联合会",
            "district_code": DISTRICT[0],
            "street_code": None,
            "industry": None,
            "parent_hub_id": None,
            "has_party_branch": "是",
            "established_on": est["HUB-FED"],
            "dissolved_on": None,
        }
    )
    for scode, sname, _ in STREETS:
        hid = f"HUB-ST-{scode[6:9]}"
        # old Jing'an's street hubs before the merger; former Zhabei's streets got theirs in 2016
        est[hid] = (
            random_date(rng, dt.date(2012, 1, 1), dt.date(2014, 6, 30))
            if is_old_jingan(scode)
            else random_date(rng, dt.date(2016, 1, 15), dt.date(2016, 9, 30))
        )
        hubs.append(
            {
                "hub_id": hid,
                "hub_name": f"{sname}社会组织服务中心",
                "hub_kind": "街道枢纽",
                "district_code": None,
                "street_code": scode,
                "industry": None,
                "parent_hub_id": "HUB-FED",
                "has_party_branch": "是",
                "established_on": est[hid],
                "dissolved_on": None,
            }
        )
    dissolved: HubEnds = {}
    for hid, hname, industry, _f, since, until in INDUSTRY_HUBS:
        est[hid], dissolved[hid] = since, until
        hubs.append(
            {
                "hub_id": hid,
                "hub_name": hname,
                "hub_kind": "行业枢纽",
                "district_code": None,
                "street_code": None,
                "industry": industry,
                "parent_hub_id": "HUB-FED",
                "has_party_branch": "否" if hid == "HUB-IND-05" else "是",
                "established_on": since,
                "dissolved_on": until,
            }
        )
    return est, dissolved


def _join(
    rng: random.Random, o: Org, est: HubDates, dissolved: HubEnds, industry_of: dict[str, str], stale: bool
) -> bool:
    """Add `o`'s membership episodes: a first hub, perhaps a move to another; False when it
    never joins one by the snapshot. A `stale` member stays listed after it ends."""
    street_hub = f"HUB-ST-{o.street[6:9]}"
    if o.org_type == "基金会" or (o.authority == "上海市民政局" and rng.random() < 0.5):
        hub = "HUB-FED"
    elif o.field in industry_of and rng.random() < 0.35:
        hub = industry_of[o.field]
    else:
        hub = street_hub
    # before the merger the network only took old Jing'an's organisations
    earliest = est[hub] if is_old_jingan(o.street) else max(est[hub], MERGER + dt.timedelta(days=30))
    joined = max(o.registered, earliest) + dt.timedelta(days=rng.randint(0, 400))
    if joined > SNAPSHOT or (o.ended and joined >= o.ended):
        return False
    left = None if stale or o.ended is None else o.ended + dt.timedelta(days=rng.randint(30, 300))
    gone = dissolved.get(hub)
    if gone and (left is None or left > gone) and joined < gone:
        # the hub was dissolved: its members move to their street hub
        o.episodes.append((hub, joined, gone))
        hub, joined = street_hub, gone + dt.timedelta(days=rng.randint(0, 90))
    elif hub == street_hub and o.field in ("trade", "charity") and rng.random() < 0.3:
        # some move from their street hub to an industry hub founded later
        ind = industry_of[o.field]
        moved = max(joined, est[ind]) + dt.timedelta(days=rng.randint(1, 365))
        if moved < (left or SNAPSHOT) and moved <= SNAPSHOT:
            o.episodes.append((hub, joined, moved))
            hub, joined = ind, moved
    o.episodes.append((hub, joined, left if left and left <= SNAPSHOT else None))
    return True


def _party_ties(rng: random.Random, o: Org, liaisons: list[tuple[str, str]]) -> None:
    """Party members; a branch for some with three or more, else perhaps a liaison (id, name,
    since) sent by the hub, both dated from the first membership."""
    o.party_members = rng.choices([0, 1, 2, 3, 4, 6, 9], [30, 20, 18, 12, 9, 7, 4])[0]
    first = o.episodes[0][1]
    if o.party_members >= 3 and rng.random() < 0.85:
        o.branch_since = first + dt.timedelta(days=rng.randint(0, 1100))
    if rng.random() < 0.8 and (o.branch_since is None or o.branch_since > first + dt.timedelta(days=200)):
        lid, lname = rng.choice(liaisons)
        o.liaison = (lid, lname, first + dt.timedelta(days=rng.randint(30, 180)))


def membership_rows(orgs: list[Org], d: dt.date) -> list[dict]:
    """The hub-membership register as printed on day `d`: one row per member then."""
    rows = []
    for o in orgs:
        ep = next(((h, j, left) for h, j, left in o.episodes if j <= d and (left is None or left > d)), None)
        if ep is None:
            continue
        branch = o.branch_since is not None and o.branch_since <= d
        liaison = o.liaison if o.liaison and o.liaison[2] <= d and not branch else None
        rows.append(
            {
                "uscc": o.uscc,
                "org_name": o.name,
                "hub_id": ep[0],
                "joined_on": ep[1],
                "party_members": o.party_members,
                "has_party_branch": "是" if branch else "否",
                "liaison_id": liaison[0] if liaison else None,
                "liaison_name": liaison[1] if liaison else None,
            }
        )
    return rows
