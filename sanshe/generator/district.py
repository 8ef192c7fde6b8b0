"""A sample district modelled on Shanghai Jing'an (310106), generated deterministically.

Calibrated to ../shared/DOMAIN.md: the 14 real streets/towns and their codes, 265 residents'
committees and 1 village committee, 975,707 residents (2020 census), about 968 active social
organisations, hub network "1+14+x", certified social workers, and purchased-service projects
2019-2025 with a district special fund near 15 million yuan a year.

Every record is built as a dict keyed by contract field name; `write` turns them into the
bureau's CSV files with the contracts' Chinese headers.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import random
from dataclasses import dataclass, field
from typing import cast

from data_contracts.identifiers import (
    ORG_TYPE_DIGIT,
    TEST_ADDRESS_CODE,
    id_number_check_char,
    make_uscc,
)

from . import names as N

DISTRICT = ("310106", "静安区", 975_707)
FORMER_DISTRICT = ("310108", "闸北区")
#: DOMAIN.md: Zhabei was merged into Jing'an in October 2015; the day is the sample's choice
MERGER = dt.date(2015, 10, 31)
SNAPSHOT = dt.date(2025, 12, 31)
#: dated snapshots of the organisations and hub-membership registers shipped beside the current ones
SNAPSHOTS = [dt.date(2014, 9, 30), dt.date(2014, 12, 31), dt.date(2016, 12, 31)]
#: (code, name, committees). Old Jing'an's five streets are listed first.
STREETS = [
    ("310106006000", "江宁路街道", 20), ("310106011000", "石门二路街道", 12),
    ("310106012000", "南京西路街道", 14), ("310106013000", "静安寺街道", 11),
    ("310106014000", "曹家渡街道", 17), ("310106015000", "天目西路街道", 9),
    ("310106016000", "北站街道", 12), ("310106017000", "宝山路街道", 16),
    ("310106018000", "共和新路街道", 24), ("310106019000", "大宁路街道", 23),
    ("310106020000", "彭浦新村街道", 30), ("310106021000", "临汾路街道", 19),
    ("310106022000", "芷江西路街道", 18), ("310106100000", "彭浦镇", 40),
]
#: old Jing'an before the merger: 488 organisations at 16.5 per 10,000 residents (Sept 2014)
#: means about 296,000 residents in its five streets
OLD_JINGAN_POPULATION = {"310106006000": 70_000, "310106011000": 45_000, "310106012000": 55_000,
                         "310106013000": 46_000, "310106014000": 80_000}
OLD_JINGAN_ORGS_2014 = 488
ACTIVE_ORGS_2016 = 968  # registered organisations at the end of 2016, after the merger
#: (id, name, industry, field, established, dissolved)
INDUSTRY_HUBS = [
    ("HUB-IND-01", "静安区养老服务行业枢纽", "养老服务", "elderly", dt.date(2013, 3, 18), None),
    ("HUB-IND-02", "静安区青少年服务行业枢纽", "青少年服务", "youth", dt.date(2013, 9, 2), None),
    ("HUB-IND-03", "静安区社会工作行业枢纽", "社会工作", "social_work", dt.date(2014, 1, 15), None),
    ("HUB-IND-04", "静安区文化体育行业枢纽", "文化体育", "culture", dt.date(2014, 5, 20), dt.date(2021, 6, 30)),
    ("HUB-IND-05", "静安区商会行业协会枢纽", "商会与行业协会", "trade", dt.date(2018, 4, 10), None),
    ("HUB-IND-06", "静安区公益慈善行业枢纽", "公益慈善", "charity", dt.date(2019, 11, 5), None),
]
YEARS = range(2019, 2026)


def is_old_jingan(street_code: str) -> bool:
    return street_code in OLD_JINGAN_POPULATION


@dataclass
class Org:
    """One organisation's whole life; registers are renderings of it at a date."""

    name: str
    uscc: str
    org_type: str
    authority: str
    registered: dt.date
    street: str
    field: str
    scope: str
    legal_rep: str
    ended: dt.date | None = None
    end_status: str = "注销"
    end_recorded: bool = True
    grades: list[tuple[str, dt.date]] = dataclasses.field(default_factory=list)
    inspections: dict[int, str] = dataclasses.field(default_factory=dict)
    credits: list[tuple[str, dt.date, dt.date | None, str]] = dataclasses.field(default_factory=list)
    #: hub membership episodes: (hub id, joined, left)
    episodes: list[tuple[str, dt.date, dt.date | None]] = dataclasses.field(default_factory=list)
    party_members: int = 0
    branch_since: dt.date | None = None
    liaison: tuple[str, str, dt.date] | None = None

    def active(self, d: dt.date) -> bool:
        return self.registered <= d and (self.ended is None or self.ended > d)


@dataclass
class Registers:
    communities: list[dict] = field(default_factory=list)
    district_changes: list[dict] = field(default_factory=list)
    organisations: list[dict] = field(default_factory=list)
    annual_inspections: list[dict] = field(default_factory=list)
    hubs: list[dict] = field(default_factory=list)
    hub_memberships: list[dict] = field(default_factory=list)
    workers: list[dict] = field(default_factory=list)
    projects: list[dict] = field(default_factory=list)
    evaluations: list[dict] = field(default_factory=list)
    #: dated snapshots of a register: register -> {date: rows}
    snapshots: dict[str, dict[dt.date, list[dict]]] = field(default_factory=dict)
    #: planted defects: (register, key field, key value, rule) the pipeline must quarantine
    defects: list[dict] = field(default_factory=list)


def _largest_remainder(total: int, weights: list[float]) -> list[int]:
    raw = [total * w / sum(weights) for w in weights]
    out = [math.floor(x) for x in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - out[i], reverse=True)[: total - sum(out)]:
        out[i] += 1
    return out


def _date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


class DistrictGenerator:
    def __init__(self, seed: int = 2015):
        self.rng = random.Random(seed)
        self.r = Registers()
        self._codes: set[str] = set()
        self._names: set[str] = set()
        self.orgs: list[Org] = []

    # -- geography --------------------------------------------------------------------
    def communities(self) -> None:
        rng = self.rng
        dcode, dname, dpop = DISTRICT
        zhabei = [(c, n) for c, _, n in STREETS if not is_old_jingan(c)]
        zpops = _largest_remainder(dpop - sum(OLD_JINGAN_POPULATION.values()),
                                   [n * rng.uniform(0.85, 1.15) for _, n in zhabei])
        street_pop = {**OLD_JINGAN_POPULATION, **{c: p for (c, _), p in zip(zhabei, zpops, strict=True)}}
        used: set[str] = set()
        for scode, sname, n in STREETS:
            kind = "镇" if scode[6:9] >= "100" else "街道"
            committees = [(f"{scode[:9]}{i:03d}", "居委会") for i in range(1, n + 1)]
            if kind == "镇":  # Jing'an's one village committee sits in 彭浦镇
                committees.append((f"{scode[:9]}200", "村委会"))
            pops = _largest_remainder(street_pop[scode], [rng.lognormvariate(0, 0.35) for _ in committees])
            for (ccode, ckind), cpop in zip(committees, pops, strict=True):
                while True:
                    nm = rng.choice(N.PLACE_PARTS) + rng.choice(N.COMMUNITY_SUFFIXES) + rng.choice(N.COMMUNITY_FORMS)
                    if nm not in used:
                        used.add(nm)
                        break
                cname = nm + ("居民委员会" if ckind == "居委会" else "村民委员会")
                self.r.communities.append({
                    "district_code": dcode, "district_name": dname, "street_code": scode,
                    "street_name": sname, "street_kind": kind, "community_code": ccode,
                    "community_name": cname, "community_kind": ckind, "population": cpop,
                })
            if not is_old_jingan(scode):
                self.r.district_changes.append({
                    "street_code": scode, "from_district_code": FORMER_DISTRICT[0],
                    "from_district_name": FORMER_DISTRICT[1], "to_district_code": dcode, "change_date": MERGER,
                })

    # -- organisations: lives first, registers rendered from them ---------------------
    def _org_code(self) -> str:
        while True:
            code = "5" + "".join(self.rng.choice("0123456789") for _ in range(7))
            if code not in self._codes:
                self._codes.add(code)
                return code

    def _new_org(self, streets: list[str], reg_from: dt.date, reg_to: dt.date,
                 end_from: dt.date | None = None, end_to: dt.date | None = None, p_end: float = 0.0) -> Org:
        rng = self.rng
        roll = rng.random()
        org_type = "基金会" if roll < 0.02 else ("社会团体" if roll < 0.42 else "社会服务机构")
        city = org_type == "基金会" or rng.random() < 0.08
        division, authority = ("310000", "上海市民政局") if city else ("310106", "上海市静安区民政局")
        fkey = rng.choice(list(N.FIELDS))
        if org_type == "社会团体" and rng.random() < 0.3:
            fkey = "trade"
        _cat, words, scope = N.FIELDS[fkey]
        suffixes = {"社会团体": N.GROUP_SUFFIXES, "社会服务机构": N.SERVICE_SUFFIXES, "基金会": N.FOUNDATION_SUFFIXES}[org_type]
        while True:
            prefix = "上海市" if org_type == "基金会" else "上海市静安区"
            nm = prefix + rng.choice(N.PLACE_PARTS) + rng.choice(words) + rng.choice(suffixes)
            if nm not in self._names:
                self._names.add(nm)
                break
        weights = [n for c, _, n in STREETS if c in streets]
        street = [c for c, _, _ in STREETS if c in streets][rng.choices(range(len(weights)), weights)[0]]
        o = Org(nm, make_uscc("5", ORG_TYPE_DIGIT[org_type], division, self._org_code()), org_type, authority,
                _date(rng, reg_from, reg_to), street, fkey, scope, self.person_name())
        lo, hi = max(end_from or SNAPSHOT, o.registered + dt.timedelta(days=200)), end_to or dt.date(2025, 11, 30)
        if end_from and lo <= hi and rng.random() < p_end:
            o.ended = _date(rng, lo, hi)
            o.end_status = "注销" if rng.random() < 0.75 else "撤销"
            o.end_recorded = rng.random() < 0.75
        self._life(o)
        return o

    def _life(self, o: Org) -> None:
        """Grades (valid 5 years), yearly inspections and credit-list entries."""
        rng = self.rng
        if o.registered < dt.date(2018, 1, 1) and rng.random() < 0.38:
            d = _date(rng, max(o.registered + dt.timedelta(days=730), dt.date(2010, 1, 1)), dt.date(2019, 12, 31))
            grade = rng.choices(["1A", "2A", "3A", "4A", "5A"], [3, 12, 45, 30, 10])[0]
            while d <= SNAPSHOT and o.active(d):
                o.grades.append((grade, d))
                if rng.random() > 0.6:
                    break  # the grade lapses after five years
                d = d + dt.timedelta(days=365 * 5 + rng.randint(-60, 90))
                grade = ["1A", "2A", "3A", "4A", "5A"][max(0, min(4, int(grade[0]) - 1 + rng.choice([-1, 0, 0, 1])))]
        for year in range(max(o.registered.year, 2012), 2025):
            if not o.active(dt.date(year + 1, 5, 31)):
                break
            r = rng.random()
            if r < 0.95:
                o.inspections[year] = "合格" if r < 0.82 else ("基本合格" if r < 0.91 else "不合格")
        lo, hi = max(o.registered, dt.date(2018, 1, 1)), min(o.ended or SNAPSHOT, dt.date(2025, 10, 31))
        if rng.random() < 0.06 and lo <= hi:
            lst = "活动异常名录" if rng.random() < 0.85 else "严重违法失信名单"
            listed = _date(rng, lo, hi)
            removed = listed + dt.timedelta(days=rng.randint(90, 500)) if rng.random() < 0.5 else None
            o.credits.append((lst, listed, removed if removed and removed <= SNAPSHOT else None,
                              rng.choice(N.CREDIT_REASONS[lst])))

    def organisations(self) -> None:
        old = [c for c, _, _ in STREETS if is_old_jingan(c)]
        zhabei = [c for c, _, _ in STREETS if not is_old_jingan(c)]
        everywhere = [c for c, _, _ in STREETS]
        d14, d16 = dt.date(2014, 9, 30), dt.date(2016, 12, 31)
        orgs = []
        # old Jing'an: exactly 488 active on 2014-09-30, and some that had ended before
        orgs += [self._new_org(old, dt.date(1996, 1, 1), d14, dt.date(2014, 10, 1), None, 0.14)
                 for _ in range(OLD_JINGAN_ORGS_2014)]
        orgs += [self._new_org(old, dt.date(1996, 1, 1), dt.date(2012, 12, 31), dt.date(2013, 1, 1), dt.date(2014, 9, 29), 1.0)
                 for _ in range(45)]
        # former Zhabei, registered before the merger, some ended before the end of 2016
        orgs += [self._new_org(zhabei, dt.date(1996, 1, 1), MERGER, dt.date(2016, 1, 1), None, 0.12) for _ in range(400)]
        orgs += [self._new_org(zhabei, dt.date(1996, 1, 1), dt.date(2014, 12, 31), dt.date(2015, 1, 1), dt.date(2016, 12, 30), 1.0)
                 for _ in range(35)]
        # registered from Oct 2014 to the end of 2016: as many as bring the end-2016 total to 968
        short = ACTIVE_ORGS_2016 - sum(o.active(d16) for o in orgs)
        orgs += [self._new_org(everywhere, dt.date(2014, 10, 1), d16, dt.date(2017, 1, 1), None, 0.10) for _ in range(short)]
        # and the growth after
        orgs += [self._new_org(everywhere, dt.date(2017, 1, 1), dt.date(2025, 11, 30), dt.date(2018, 1, 1), None, 0.06)
                 for _ in range(230)]
        orgs.sort(key=lambda o: (o.registered, o.uscc))
        self.orgs = orgs
        self.r.organisations = [self.org_row(o, SNAPSHOT) for o in orgs]
        self.r.snapshots["organisations"] = {
            # before the merger Jing'an's register held only old Jing'an's organisations
            d: [self.org_row(o, d) for o in orgs if o.registered <= d and (d >= MERGER or is_old_jingan(o.street))]
            for d in SNAPSHOTS
        }
        self.r.annual_inspections = [{"uscc": o.uscc, "year": y, "result": r}
                                     for o in orgs for y, r in sorted(o.inspections.items())]

    @staticmethod
    def org_row(o: Org, d: dt.date) -> dict:
        """The organisations register's line for `o` as printed on day `d`."""
        ended = o.ended is not None and o.ended <= d
        grade = next(((g, gd) for g, gd in reversed(o.grades) if gd <= d), (None, None))
        inspected = [y for y in o.inspections if dt.date(y + 1, 6, 30) <= d]
        credit = next((c for c in reversed(o.credits) if c[1] <= d), None)
        return {
            "name": o.name, "uscc": o.uscc, "org_type": o.org_type, "registration_authority": o.authority,
            "registration_date": o.registered, "status": o.end_status if ended else "正常",
            "status_date": o.ended if ended and o.end_recorded else None,
            "legal_representative": o.legal_rep,
            "inspection_year": max(inspected) if inspected else None,
            "inspection_result": o.inspections[max(inspected)] if inspected else None,
            "grade": grade[0], "grade_date": grade[1],
            "credit_list": credit[0] if credit else None, "listed_on": credit[1] if credit else None,
            "removed_on": credit[2] if credit and credit[2] and credit[2] <= d else None,
            "listing_reason": credit[3] if credit else None,
            "business_scope": o.scope, "street_code": o.street, "_field": o.field, "_org": o,
        }

    # -- hubs ("1+5+x" before the merger, "1+14+x" after) -----------------------------
    def hubs(self) -> None:
        rng = self.rng
        est = {"HUB-FED": dt.date(2011, 6, 28)}
        self.r.hubs.append({
            "hub_id": "HUB-FED", "hub_name": "静安区社会组织联合会", "hub_kind": "区社会组织联合会",
            "district_code": DISTRICT[0], "street_code": None, "industry": None, "parent_hub_id": None,
            "has_party_branch": "是", "established_on": est["HUB-FED"], "dissolved_on": None,
        })
        for scode, sname, _ in STREETS:
            hid = f"HUB-ST-{scode[6:9]}"
            # old Jing'an's street hubs before the merger; former Zhabei's streets got theirs in 2016
            est[hid] = (_date(rng, dt.date(2012, 1, 1), dt.date(2014, 6, 30)) if is_old_jingan(scode)
                        else _date(rng, dt.date(2016, 1, 15), dt.date(2016, 9, 30)))
            self.r.hubs.append({
                "hub_id": hid, "hub_name": f"{sname}社会组织服务中心", "hub_kind": "街道枢纽",
                "district_code": None, "street_code": scode, "industry": None, "parent_hub_id": "HUB-FED",
                "has_party_branch": "是", "established_on": est[hid], "dissolved_on": None,
            })
        dissolved = {}
        for hid, hname, industry, _f, since, until in INDUSTRY_HUBS:
            est[hid], dissolved[hid] = since, until
            self.r.hubs.append({
                "hub_id": hid, "hub_name": hname, "hub_kind": "行业枢纽", "district_code": None,
                "street_code": None, "industry": industry, "parent_hub_id": "HUB-FED",
                "has_party_branch": "否" if hid == "HUB-IND-05" else "是",
                "established_on": since, "dissolved_on": until,
            })
        industry_of = {f: hid for hid, _, _, f, _, _ in INDUSTRY_HUBS}
        liaisons = [(f"LN-{i:04d}", self.person_name()) for i in range(1, 61)]
        now_active = [o for o in self.orgs if o.active(SNAPSHOT)]
        unattached = {o.uscc for o in rng.sample(now_active, 15)}
        # hub registers lag behind deregistration: a dozen ended members are still listed
        stale = {o.uscc for o in rng.sample([o for o in self.orgs if o.ended and o.ended > dt.date(2017, 1, 1)], 12)}
        for o in self.orgs:
            if o.uscc in unattached:
                continue
            if o.org_type == "基金会" or (o.authority == "上海市民政局" and rng.random() < 0.5):
                hub = "HUB-FED"
            elif o.field in industry_of and rng.random() < 0.35:
                hub = industry_of[o.field]
            else:
                hub = f"HUB-ST-{o.street[6:9]}"
            # before the merger the network only took old Jing'an's organisations
            earliest = est[hub] if is_old_jingan(o.street) else max(est[hub], MERGER + dt.timedelta(days=30))
            joined = max(o.registered, earliest) + dt.timedelta(days=rng.randint(0, 400))
            if joined > SNAPSHOT or (o.ended and joined >= o.ended):
                continue
            left = None if o.uscc in stale or o.ended is None else o.ended + dt.timedelta(days=rng.randint(30, 300))
            if dissolved.get(hub) and (left is None or left > cast(dt.date, dissolved[hub])) and joined < cast(dt.date, dissolved[hub]):
                # the hub was dissolved: its members move to their street hub
                o.episodes.append((hub, joined, dissolved[hub]))
                hub, joined = f"HUB-ST-{o.street[6:9]}", cast(dt.date, dissolved[hub]) + dt.timedelta(days=rng.randint(0, 90))
            elif hub.startswith("HUB-ST") and o.field in ("trade", "charity") and rng.random() < 0.3:
                # some move from their street hub to an industry hub founded later
                ind = industry_of[o.field]
                moved = max(joined, est[ind]) + dt.timedelta(days=rng.randint(1, 365))
                if moved < (left or SNAPSHOT) and moved <= SNAPSHOT:
                    o.episodes.append((hub, joined, moved))
                    hub, joined = ind, moved
            o.episodes.append((hub, joined, left if left and left <= SNAPSHOT else None))
            o.party_members = rng.choices([0, 1, 2, 3, 4, 6, 9], [30, 20, 18, 12, 9, 7, 4])[0]
            first = o.episodes[0][1]
            if o.party_members >= 3 and rng.random() < 0.85:
                o.branch_since = first + dt.timedelta(days=rng.randint(0, 1100))
            if rng.random() < 0.8 and (o.branch_since is None or o.branch_since > first + dt.timedelta(days=200)):
                lid, lname = rng.choice(liaisons)
                o.liaison = (lid, lname, first + dt.timedelta(days=rng.randint(30, 180)))
        self.r.hub_memberships = self.membership_rows(SNAPSHOT)
        self.r.snapshots["hub_memberships"] = {d: self.membership_rows(d) for d in SNAPSHOTS}

    def membership_rows(self, d: dt.date) -> list[dict]:
        """The hub-membership register as printed on day `d`."""
        rows = []
        for o in self.orgs:
            ep = next(((h, j, left) for h, j, left in o.episodes if j <= d and (left is None or left > d)), None)
            if ep is None:
                continue
            branch = o.branch_since is not None and o.branch_since <= d
            liaison = o.liaison if o.liaison and o.liaison[2] <= d and not branch else None
            rows.append({
                "uscc": o.uscc, "org_name": o.name, "hub_id": ep[0], "joined_on": ep[1],
                "party_members": o.party_members, "has_party_branch": "是" if branch else "否",
                "liaison_id": liaison[0] if liaison else None, "liaison_name": liaison[1] if liaison else None,
            })
        return rows

    # -- social workers ---------------------------------------------------------------
    def person_name(self) -> str:
        return self.rng.choice(N.SURNAMES) + "".join(self.rng.choices(N.GIVEN_CHARS, k=self.rng.choice([1, 2])))

    def fake_id_number(self) -> str:
        # Address code 000000 marks the number as made up (DOMAIN.md: test data must not carry
        # real-looking numbers); the manifest's `synthetic: true` lets the contract accept it.
        birth = _date(self.rng, dt.date(1965, 1, 1), dt.date(2000, 12, 31))
        first17 = TEST_ADDRESS_CODE + birth.strftime("%Y%m%d") + f"{self.rng.randrange(1000):03d}"
        return first17 + id_number_check_char(first17)

    def workers(self) -> None:
        rng = self.rng
        employers = [o for o in self.r.organisations if o["status"] == "正常" and o["org_type"] == "社会服务机构"]
        weights = [8 if "社会工作" in o["name"] or o["_field"] == "social_work" else 1 for o in employers]
        by_street: dict[str, list[str]] = {}
        for c in self.r.communities:
            by_street.setdefault(c["street_code"], []).append(c["community_code"])
        # some communities have no social worker at all: linkage gaps the queries must find
        gap = set(rng.sample([c["community_code"] for c in self.r.communities], 20))
        for i in range(1, 1301):
            emp = rng.choices(employers, weights)[0]
            pool = [c for c in by_street[emp["street_code"]] if c not in gap] or [
                c for cs in by_street.values() for c in cs if c not in gap]
            served = sorted(rng.sample(pool, min(len(pool), rng.choice([1, 1, 2, 2, 3]))))
            self.r.workers.append({
                "worker_key": f"SW{i:06d}", "name": self.person_name(), "id_number": self.fake_id_number(),
                "phone": "1" + rng.choice("3456789") + "".join(rng.choices("0123456789", k=9)),
                "certificate_no": f"ZS{rng.randint(2008, 2025)}{rng.randrange(10**6):06d}",
                "level": rng.choices(["助理社会工作师", "社会工作师", "高级社会工作师"], [70, 27, 3])[0],
                "certified_year": rng.randint(2008, 2025), "employer_uscc": emp["uscc"],
                "served_communities": ";".join(served),
            })

    # -- purchased services and evaluations -------------------------------------------
    def purchasers(self) -> list[tuple[str, str, str, str | None]]:
        """(prefix, name, uscc, street) of each buying body; state organs carry USCC 11..."""
        out: list[tuple[str, str, str | None]] = [("MZ", "上海市静安区民政局", None), ("WJ", "上海市静安区卫生健康委员会", None),
               ("CL", "上海市静安区残疾人联合会", None), ("FL", "上海市静安区妇女联合会", None)]
        out += [("JD", sname.replace("彭浦镇", "彭浦镇人民政府") if sname == "彭浦镇" else sname + "办事处", scode)
                for scode, sname, _ in STREETS]
        rng = random.Random(7)  # purchaser codes stay put whatever else changes
        return [(p, n, make_uscc("1", "1", "310106", "0" + "".join(rng.choices("0123456789", k=7))), s)
                for p, n, s in out]

    def projects(self) -> None:
        rng = self.rng
        buyers = self.purchasers()
        comm_by_street: dict[str, list[str]] = {}
        for c in self.r.communities:
            comm_by_street.setdefault(c["street_code"], []).append(c["community_code"])
        # a few communities never see a project: linkage gaps
        quiet = set(rng.sample([c["community_code"] for c in self.r.communities], 12))
        orgs = [o for o in self.r.organisations if o["org_type"] != "基金会"]
        # Zipf-like skew: a few large providers, many small ones
        rank = list(range(len(orgs)))
        rng.shuffle(rank)
        skew = {o["uscc"]: 1.0 / (1 + r) ** 0.9 for o, r in zip(orgs, rank, strict=True)}
        quality = {o["uscc"]: rng.gauss(0, 6) for o in orgs}
        workers_of: dict[str, list[str]] = {}
        for w in self.r.workers:
            workers_of.setdefault(w["employer_uscc"], []).append(w["worker_key"])
        seq: dict[tuple[str, int], int] = {}
        for year in YEARS:
            # the district bureau buys about 60 projects a year, the other bodies the rest
            n_total, n_bureau = rng.randint(140, 170), rng.randint(56, 64)
            year_buyers = [buyers[0]] * n_bureau + rng.choices(buyers[1:], [6, 4, 4] + [4] * 14, k=n_total - n_bureau)
            rng.shuffle(year_buyers)
            for prefix, bname, buscc, bstreet in year_buyers:
                award = _date(rng, dt.date(year, 1, 10), dt.date(year, 12, 20))
                fkey = rng.choice(list(N.FIELDS))
                category = N.FIELDS[fkey][0]
                eligible = [o for o in orgs if o["_org"].active(award)]
                prov = rng.choices(eligible, [skew[o["uscc"]] * (3 if o["_field"] == fkey else 1) for o in eligible])[0]
                pool = [c for c in (comm_by_street[bstreet] if bstreet else
                                    [c for cs in comm_by_street.values() for c in cs]) if c not in quiet]
                served = sorted(rng.sample(pool, rng.choice([1, 1, 1, 2, 2, 3, 4])))
                # district-bureau contracts run larger than street ones; calibrated so the special
                # fund's projects take most, never all, of its 15 million yuan a year
                median, spread = (200_000, 0.45) if prefix == "MZ" else (120_000, 0.7)
                amount = round(min(max(rng.lognormvariate(math.log(median), spread), 30_000), 1_500_000), -2)
                budget = round(amount / rng.uniform(0.86, 1.0), -2)
                start = award + dt.timedelta(days=rng.randint(0, 30))
                term_years = rng.choices([1, 2, 3], [85, 10, 5])[0]
                end = start + dt.timedelta(days=365 * term_years - 1)
                if amount >= 1_000_000:
                    method = "公开招标"
                elif amount >= 300_000:
                    method = rng.choice(["公开招标", "竞争性磋商", "竞争性磋商"])
                else:
                    method = rng.choices(["询价", "竞争性谈判", "单一来源", "框架协议采购", "邀请招标"], [30, 25, 20, 15, 10])[0]
                if prefix == "MZ":
                    funding = rng.choices(["区社会组织发展专项资金", "福利彩票公益金", "公益创投"], [70, 18, 12])[0]
                elif prefix == "JD":
                    funding = rng.choices(["街道财政资金", "公益创投"], [88, 12])[0]
                else:
                    funding = "区级财政预算"
                seq[(prefix, year)] = seq.get((prefix, year), 0) + 1
                staff = workers_of.get(prov["uscc"], [])
                staffed = sorted(rng.sample(staff, min(len(staff), rng.choice([0, 1, 2, 3]))))
                self.r.projects.append({
                    "project_id": f"{prefix}-{year}-{seq[(prefix, year)]:03d}",
                    "project_name": f"{bname.replace('上海市静安区', '')}{rng.choice(N.FIELDS[fkey][1])}{category}项目（{year}年度）".replace("公益公益", "公益"),
                    "purchaser_name": bname, "purchaser_uscc": buscc, "category": category,
                    "procurement_method": method, "budget": budget, "contract_amount": amount,
                    "award_date": award, "start_date": start, "end_date": end,
                    "provider_name": prov["name"], "provider_uscc": prov["uscc"],
                    "served_communities": ";".join(served), "funding_source": funding,
                    "staffed_workers": ";".join(staffed),
                })
                if end <= SNAPSHOT and rng.random() < 0.85:
                    eval_date = min(end + dt.timedelta(days=rng.randint(15, 60)), SNAPSHOT)
                    score = round(min(99.0, max(40.0, rng.gauss(84, 6) + quality[prov["uscc"]])), 1)
                    n = len(self.r.evaluations) + 1
                    self.r.evaluations.append({
                        "evaluation_id": f"EV-{eval_date.year}-{n:05d}", "project_id": self.r.projects[-1]["project_id"],
                        "evaluator": rng.choice(N.EVALUATORS), "eval_date": eval_date, "score": score,
                        "grade": next(g for g, f in (("优秀", 90), ("良好", 80), ("合格", 60), ("不合格", 0)) if score >= f),
                    })
        self.r.projects.sort(key=lambda p: (p["award_date"], p["project_id"]))

    # -- planted defects --------------------------------------------------------------
    def plant_defects(self) -> None:
        """A handful of rows a real register would contain, each recorded with the rule that
        must quarantine it. Cascades (an evaluation of a rejected project) are recorded too."""
        r, rng = self.r, self.rng

        def note(register: str, key: str, value: str, rule: str) -> None:
            r.defects.append({"register": register, "key": key, "value": value, "rule": rule})

        o = r.organisations[10]
        o["uscc"] = o["uscc"][:17] + ("0" if o["uscc"][17] != "0" else "1")
        note("organisations", "name", o["name"], "uscc_check_char")
        o = next(x for x in r.organisations[20:] if x["org_type"] == "社会团体")
        o["org_type"] = "社会服务机构"
        note("organisations", "name", o["name"], "uscc_type_mismatch")
        dup = dict(r.organisations[30], name=r.organisations[30]["name"] + "（旧名）", _field="charity")
        r.organisations.insert(5, dup)  # an earlier line of the register, superseded later
        note("organisations", "name", dup["name"], "duplicate_key")

        # a committee of a former-Zhabei street: old Jing'an's population stays whole, so the
        # 2014 density (16.5 per 10,000) is reproduced from accepted rows
        c = r.communities[200]
        c["community_code"] = "310106099" + c["community_code"][9:]
        note("communities", "community_code", c["community_code"], "division_nesting")

        m = r.hub_memberships[50]
        m["hub_id"] = "HUB-ST-099"
        note("hub_memberships", "uscc", m["uscc"], "unknown_reference")

        w = r.workers[100]
        w["id_number"] = w["id_number"][:17] + ("0" if w["id_number"][17] != "0" else "1")
        note("workers", "worker_key", w["worker_key"], "id_number_check_char")
        twin = dict(r.workers[200], worker_key=f"SW{len(r.workers) + 1:06d}")
        r.workers.append(twin)  # the same person registered twice under a new key
        note("workers", "worker_key", r.workers[200]["worker_key"], "duplicate_person")

        evaluated = {e["project_id"] for e in r.evaluations}
        p1, p2, p3 = [p for p in r.projects if p["project_id"] in evaluated][100:103]
        p1["end_date"] = p1["start_date"] - dt.timedelta(days=30)
        p2["provider_uscc"] = make_uscc("5", "2", "310106", "59999999")  # valid code, not registered
        p3["award_date"] = dt.date(2026, 3, 1)
        note("projects", "project_id", p1["project_id"], "end_before_start")
        note("projects", "project_id", p2["project_id"], "unknown_reference")
        note("projects", "project_id", p3["project_id"], "future_date")
        for p in (p1, p2, p3):
            for e in r.evaluations:
                if e["project_id"] == p["project_id"]:
                    note("evaluations", "evaluation_id", e["evaluation_id"], "unknown_reference")
        e = r.evaluations[7]
        e["grade"] = "较好"
        note("evaluations", "evaluation_id", e["evaluation_id"], "value_not_allowed")
        rng.random()  # keep the stream position independent of how many defects there are

    def build(self) -> Registers:
        self.communities()
        self.organisations()
        self.hubs()
        self.workers()
        self.projects()
        self.plant_defects()
        return self.r
