"""A sample district modelled on Shanghai Jing'an (310106), generated deterministically.

Calibrated to ../shared/DOMAIN.md: the 14 real streets/towns and their codes, 265 residents'
committees and 1 village committee, 975,707 residents (2020 census), about 968 active social
organisations, hub network "1+14+x", certified social workers, and purchased-service projects
2019-2025 with a district special fund near 15 million yuan a year.

Every record is built as a dict keyed by contract field name; `write` turns them into the
bureau's CSV files with the contracts' Chinese headers.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field

from data_contracts.identifiers import ORG_TYPE_DIGIT, id_number_check_char, make_uscc

from . import names as N

DISTRICT = ("310106", "静安区", 975_707)
SNAPSHOT = dt.date(2025, 12, 31)
#: (code, name, committees); the street's population share follows its committee count
STREETS = [
    ("310106006000", "江宁路街道", 20), ("310106011000", "石门二路街道", 12),
    ("310106012000", "南京西路街道", 14), ("310106013000", "静安寺街道", 11),
    ("310106014000", "曹家渡街道", 17), ("310106015000", "天目西路街道", 9),
    ("310106016000", "北站街道", 12), ("310106017000", "宝山路街道", 16),
    ("310106018000", "共和新路街道", 24), ("310106019000", "大宁路街道", 23),
    ("310106020000", "彭浦新村街道", 30), ("310106021000", "临汾路街道", 19),
    ("310106022000", "芷江西路街道", 18), ("310106100000", "彭浦镇", 40),
]
INDUSTRY_HUBS = [
    ("HUB-IND-01", "静安区养老服务行业枢纽", "养老服务", "elderly"),
    ("HUB-IND-02", "静安区青少年服务行业枢纽", "青少年服务", "youth"),
    ("HUB-IND-03", "静安区社会工作行业枢纽", "社会工作", "social_work"),
    ("HUB-IND-04", "静安区文化体育行业枢纽", "文化体育", "culture"),
    ("HUB-IND-05", "静安区商会行业协会枢纽", "商会与行业协会", "trade"),
    ("HUB-IND-06", "静安区公益慈善行业枢纽", "公益慈善", "charity"),
]
TARGET_ACTIVE_ORGS = 968
YEARS = range(2019, 2026)


@dataclass
class Registers:
    communities: list[dict] = field(default_factory=list)
    organisations: list[dict] = field(default_factory=list)
    hubs: list[dict] = field(default_factory=list)
    hub_memberships: list[dict] = field(default_factory=list)
    workers: list[dict] = field(default_factory=list)
    projects: list[dict] = field(default_factory=list)
    evaluations: list[dict] = field(default_factory=list)
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

    # -- geography --------------------------------------------------------------------
    def communities(self) -> None:
        rng = self.rng
        dcode, dname, dpop = DISTRICT
        street_pops = _largest_remainder(dpop, [n * rng.uniform(0.85, 1.15) for _, _, n in STREETS])
        used: set[str] = set()
        for (scode, sname, n), spop in zip(STREETS, street_pops, strict=True):
            kind = "镇" if scode[6:9] >= "100" else "街道"
            committees = [(f"{scode[:9]}{i:03d}", "居委会") for i in range(1, n + 1)]
            if kind == "镇":  # Jing'an's one village committee sits in 彭浦镇
                committees.append((f"{scode[:9]}200", "村委会"))
            pops = _largest_remainder(spop, [rng.lognormvariate(0, 0.35) for _ in committees])
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

    # -- organisations ----------------------------------------------------------------
    def _org_code(self) -> str:
        while True:
            code = "5" + "".join(self.rng.choice("0123456789") for _ in range(7))
            if code not in self._codes:
                self._codes.add(code)
                return code

    def organisations(self) -> None:
        rng = self.rng
        street_weights = [n for _, _, n in STREETS]
        n_total = round(TARGET_ACTIVE_ORGS / 0.88)
        used: set[str] = set()
        for _ in range(n_total):
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
                if nm not in used:
                    used.add(nm)
                    break
            uscc = make_uscc("5", ORG_TYPE_DIGIT[org_type], division, self._org_code())
            reg = _date(rng, dt.date(1996, 1, 1), dt.date(2025, 11, 30))
            s = rng.random()
            status = "正常" if s < 0.88 else ("注销" if s < 0.97 else "撤销")
            street = STREETS[rng.choices(range(len(STREETS)), street_weights)[0]][0]
            rec = {
                "name": nm, "uscc": uscc, "org_type": org_type, "registration_authority": authority,
                "registration_date": reg, "status": status,
                "legal_representative": self.person_name(),
                "inspection_year": None, "inspection_result": None, "grade": None, "grade_date": None,
                "credit_list": None, "listed_on": None, "removed_on": None, "listing_reason": None,
                "business_scope": scope, "street_code": street,
                "_field": fkey,
            }
            if status == "正常" and reg.year < 2025:
                i = rng.random()
                if i < 0.94:
                    rec["inspection_year"] = 2024
                    rec["inspection_result"] = "合格" if i < 0.82 else ("基本合格" if i < 0.91 else "不合格")
                if rng.random() < 0.32 and reg < dt.date(2022, 1, 1):
                    rec["grade"] = rng.choices(["1A", "2A", "3A", "4A", "5A"], [3, 12, 45, 30, 10])[0]
                    rec["grade_date"] = _date(rng, max(reg + dt.timedelta(days=730), dt.date(2019, 1, 1)), dt.date(2025, 10, 31))
                c = rng.random()
                if c < 0.045:
                    lst = "活动异常名录" if c < 0.04 else "严重违法失信名单"
                    rec["credit_list"] = lst
                    rec["listed_on"] = _date(rng, max(reg, dt.date(2019, 1, 1)), dt.date(2025, 10, 31))
                    rec["listing_reason"] = rng.choice(N.CREDIT_REASONS[lst])
                    if rng.random() < 0.4:
                        rec["removed_on"] = min(rec["listed_on"] + dt.timedelta(days=rng.randint(90, 500)), SNAPSHOT)
            self.r.organisations.append(rec)

    # -- hubs -------------------------------------------------------------------------
    def hubs(self) -> None:
        rng = self.rng
        self.r.hubs.append({
            "hub_id": "HUB-FED", "hub_name": "静安区社会组织联合会", "hub_kind": "区社会组织联合会",
            "street_code": None, "industry": None, "parent_hub_id": None, "has_party_branch": "是",
            "established_on": dt.date(2011, 6, 28),
        })
        for scode, sname, _ in STREETS:
            self.r.hubs.append({
                "hub_id": f"HUB-ST-{scode[6:9]}", "hub_name": f"{sname}社会组织服务中心",
                "hub_kind": "街道枢纽", "street_code": scode, "industry": None, "parent_hub_id": "HUB-FED",
                "has_party_branch": "是",
                "established_on": _date(rng, dt.date(2012, 1, 1), dt.date(2016, 6, 30)),
            })
        for hid, hname, industry, _ in INDUSTRY_HUBS:
            self.r.hubs.append({
                "hub_id": hid, "hub_name": hname, "hub_kind": "行业枢纽", "street_code": None,
                "industry": industry, "parent_hub_id": "HUB-FED",
                "has_party_branch": "否" if hid == "HUB-IND-05" else "是",
                "established_on": _date(rng, dt.date(2013, 1, 1), dt.date(2018, 12, 31)),
            })
        industry_of = {f: hid for hid, _, _, f in INDUSTRY_HUBS}
        liaisons = [(f"LN-{i:04d}", self.person_name()) for i in range(1, 61)]
        active = [o for o in self.r.organisations if o["status"] == "正常"]
        unattached = set(rng.sample(range(len(active)), 15))
        # hub registers lag behind deregistration: a dozen members are no longer active
        stale = rng.sample([o for o in self.r.organisations if o["status"] != "正常"], 12)
        attached = {o["uscc"] for i, o in enumerate(active) if i not in unattached} | {o["uscc"] for o in stale}
        for o in self.r.organisations:
            if o["uscc"] not in attached:
                continue
            if o["org_type"] == "基金会" or o["registration_authority"] == "上海市民政局" and rng.random() < 0.5:
                hub = "HUB-FED"
            elif o["_field"] in industry_of and rng.random() < 0.35:
                hub = industry_of[o["_field"]]
            else:
                hub = f"HUB-ST-{o['street_code'][6:9]}"
            members = rng.choices([0, 1, 2, 3, 4, 6, 9], [30, 20, 18, 12, 9, 7, 4])[0]
            branch = members >= 3 and rng.random() < 0.85
            liaison = None if branch else (rng.choice(liaisons) if rng.random() < 0.8 else None)
            self.r.hub_memberships.append({
                "uscc": o["uscc"], "org_name": o["name"], "hub_id": hub,
                "joined_on": max(o["registration_date"], dt.date(2012, 1, 1)) + dt.timedelta(days=rng.randint(0, 400)),
                "party_members": members, "has_party_branch": "是" if branch else "否",
                "liaison_id": liaison[0] if liaison else None, "liaison_name": liaison[1] if liaison else None,
            })
        for m in self.r.hub_memberships:
            m["joined_on"] = min(m["joined_on"], SNAPSHOT)

    # -- social workers ---------------------------------------------------------------
    def person_name(self) -> str:
        return self.rng.choice(N.SURNAMES) + "".join(self.rng.choices(N.GIVEN_CHARS, k=self.rng.choice([1, 2])))

    def fake_id_number(self) -> str:
        # Address code 000000 marks the number as fake (DOMAIN.md: test data must not look real).
        birth = _date(self.rng, dt.date(1965, 1, 1), dt.date(2000, 12, 31))
        first17 = "000000" + birth.strftime("%Y%m%d") + f"{self.rng.randrange(1000):03d}"
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
        out = [("MZ", "上海市静安区民政局", None), ("WJ", "上海市静安区卫生健康委员会", None),
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
                eligible = [o for o in orgs if o["registration_date"] < award
                            and (o["status"] == "正常" or award.year < 2022)]
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

        c = r.communities[40]
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
