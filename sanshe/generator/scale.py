"""Source registers at a named scale (district, city, province, national), deterministically.

The Jing'an sample (district.py) is hand-calibrated history for one district; this generator
is for volume. It writes the same registers in the same format (CSV, the contracts' Chinese
headers) with the same invariants: valid USCCs whose type digit matches the type, 12-digit
codes nested district → street/town → committee with the kind digits right, under real
GB/T 2260 county codes (the contracts warn of an unknown one), made-up ID numbers with the
test address code 000000 (the manifest says `synthetic: true`), enumerations from the
contracts. Per district it is calibrated to the national figures of DOMAIN.md and issue 6 (about 890,000 organisations, 930,000 certified
workers, 120,000 residents' and 490,000 village committees in 40,000 streets/towns and 2,800
districts) with realistic skew: a few large providers win most contracts, many win one or
none, and some communities are served by nobody.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from data_contracts import CONTRACTS
from data_contracts.enums import (
    EVALUATION_GRADES,
    FUNDING_SOURCES,
    PROCUREMENT_METHODS,
    SERVICE_CATEGORIES,
)
from data_contracts.identifiers import (
    TEST_ADDRESS_CODE,
    current_county_codes,
    id_number_check_char,
    make_uscc,
)

from . import names as N
from .inbox_files import FILE_NAMES, write_manifest

#: districts per named scale
SCALES = {"district": 1, "city": 16, "province": 120, "national": 2800}
SNAPSHOT = dt.date(2025, 12, 31)
YEARS = range(2019, 2026)


@dataclass(frozen=True)
class PerDistrict:
    """What one district holds, on average (national totals / 2,800)."""

    streets: int = 8  # 街道, township digits 001-099
    towns: int = 6  # 镇, 100-199
    street_committees: int = 5  # residents' committees per street
    town_committees: int = 3  # residents' committees per town
    villages: int = 29  # village committees per town
    organisations: int = 318
    workers: int = 332
    projects: int = 535  # over 2019-2025
    industry_hubs: int = 4


def _zipf(rng: np.random.Generator, n: int, size: int, a: float) -> np.ndarray:
    """`size` draws from 0..n-1, rank r weighted 1/(r+1)^a: a few often, many rarely."""
    w = 1.0 / np.arange(1, n + 1) ** a
    return rng.choice(n, size=size, p=w / w.sum())


def _dates(rng: np.random.Generator, start: dt.date, end: dt.date, size: int) -> np.ndarray:
    days = (end - start).days
    return np.datetime64(start) + rng.integers(0, days + 1, size=size).astype("timedelta64[D]")


def _letters(i: int) -> str:
    """A 3-letter district tag for project ids: AAA, AAB, ..."""
    out = ""
    for _ in range(3):
        i, r = divmod(i, 26)
        out = chr(65 + r) + out
    return out


class ScaleGenerator:
    def __init__(self, districts: int, seed: int = 2015, per: PerDistrict | None = None):
        self.n = districts
        self.per = per or PerDistrict()
        self.rng = np.random.default_rng(seed)

    # -- geography ---------------------------------------------------------------------
    def district_codes(self) -> list[tuple[str, str]]:
        """The first `n` county-level codes in use in GB/T 2260 (2,849 in python-stdnum 2.2),
        with made-up names."""
        codes = current_county_codes()
        if self.n > len(codes):
            raise ValueError(f"{self.n} districts asked for; GB/T 2260 has {len(codes)} county codes in use")
        return [(code, f"样例{code}区") for code in codes[: self.n]]

    def communities(self) -> pd.DataFrame:
        rng, per = self.rng, self.per
        rows = []
        for d, dname in self.districts:
            for k in range(per.streets + per.towns):
                town = k >= per.streets
                township = 100 + (k - per.streets) + 1 if town else k + 1
                scode = f"{d}{township:03d}000"
                sname = f"{dname}第{k + 1}{'镇' if town else '街道'}"
                committees = [(c + 1, "居委会") for c in range(per.town_committees if town else per.street_committees)]
                if town:
                    committees += [(200 + c + 1, "村委会") for c in range(per.villages)]
                for c, kind in committees:
                    place = N.PLACE_PARTS[(k * 7 + c) % len(N.PLACE_PARTS)]
                    name = f"{place}{'居民委员会' if kind == '居委会' else '村村民委员会'}"
                    rows.append((d, dname, scode, sname, "镇" if town else "街道", f"{scode[:9]}{c:03d}", name, kind))
        df = pd.DataFrame(
            rows,
            columns=[
                "district_code",
                "district_name",
                "street_code",
                "street_name",
                "street_kind",
                "community_code",
                "community_name",
                "community_kind",
            ],
        )
        village = df["community_kind"] == "村委会"
        pop = np.where(village, rng.lognormal(7.2, 0.5, len(df)), rng.lognormal(8.6, 0.45, len(df)))
        df["population"] = pop.round().astype(int)
        return df

    # -- organisations -----------------------------------------------------------------
    def organisations(self, communities: pd.DataFrame) -> pd.DataFrame:
        rng, per = self.rng, self.per
        n = per.organisations * self.n
        district_idx = np.repeat(np.arange(self.n), per.organisations)
        streets = communities.drop_duplicates("street_code").groupby("district_code")["street_code"].apply(list)
        codes = [d for d, _ in self.districts]
        names = dict(self.districts)
        service = rng.random(n) < 0.45
        org_type = np.where(service, "社会服务机构", "社会团体")
        registered = _dates(rng, dt.date(1995, 1, 1), dt.date(2024, 12, 31), n)
        status = rng.choice(["正常", "注销", "撤销"], size=n, p=[0.92, 0.06, 0.02])
        ended = registered + rng.integers(200, 3000, size=n).astype("timedelta64[D]")
        ended = np.minimum(ended, np.datetime64(SNAPSHOT))
        graded = rng.random(n) < 0.25
        grade = rng.choice(["1A", "2A", "3A", "4A", "5A"], size=n, p=[0.05, 0.2, 0.4, 0.25, 0.1])
        grade_date = _dates(rng, dt.date(2019, 1, 1), dt.date(2025, 6, 30), n)
        listed = rng.random(n) < 0.02
        listed_on = _dates(rng, dt.date(2020, 1, 1), dt.date(2025, 6, 30), n)
        inspection = rng.choice(["合格", "基本合格", "不合格"], size=n, p=[0.85, 0.1, 0.05])
        street_pick = rng.integers(0, per.streets + per.towns, size=n)
        suffix_pick = rng.integers(0, 1000, size=n)
        place_pick = rng.integers(0, len(N.PLACE_PARTS), size=n)
        people = self._people(n)
        rows = []
        for i in range(n):
            d = codes[district_idx[i]]
            kind = str(org_type[i])
            suffixes = N.SERVICE_SUFFIXES if kind == "社会服务机构" else N.GROUP_SUFFIXES
            active = status[i] == "正常"
            uscc = make_uscc("5", "2" if kind == "社会服务机构" else "1", d, f"5{i + 1:07d}")
            rows.append(
                {
                    "name": f"{names[d]}{N.PLACE_PARTS[place_pick[i]]}{suffixes[suffix_pick[i] % len(suffixes)]}{i + 1}号",
                    "uscc": uscc,
                    "org_type": kind,
                    "registration_authority": f"{names[d]}民政局",
                    "registration_date": str(registered[i]),
                    "status": str(status[i]),
                    "status_date": "" if active else str(ended[i]),
                    "legal_representative": people[i],
                    "inspection_year": 2024,
                    "inspection_result": str(inspection[i]),
                    "grade": str(grade[i]) if graded[i] else "",
                    "grade_date": str(grade_date[i]) if graded[i] else "",
                    "credit_list": "活动异常名录" if listed[i] else "",
                    "listed_on": str(listed_on[i]) if listed[i] else "",
                    "removed_on": "",
                    "listing_reason": "未按规定报送年度工作报告" if listed[i] else "",
                    "business_scope": "社区服务、公益活动",
                    "street_code": streets[d][street_pick[i] % len(streets[d])],
                }
            )
        return pd.DataFrame(rows)

    def _people(self, n: int) -> list[str]:
        rng = self.rng
        s = rng.integers(0, len(N.SURNAMES), size=n)
        g1 = rng.integers(0, len(N.GIVEN_CHARS), size=n)
        g2 = rng.integers(-len(N.GIVEN_CHARS), len(N.GIVEN_CHARS), size=n)
        return [
            N.SURNAMES[a] + N.GIVEN_CHARS[b] + (N.GIVEN_CHARS[c] if c >= 0 else "")
            for a, b, c in zip(s, g1, g2, strict=True)
        ]

    # -- hubs --------------------------------------------------------------------------
    def hubs(self, communities: pd.DataFrame) -> pd.DataFrame:
        rows = []
        streets = communities.drop_duplicates("street_code")
        industries = ["养老服务", "青少年服务", "社会工作", "文化体育", "公益慈善", "商会与行业协会"]
        for d, dname in self.districts:
            fed = f"HUB-{d}-FED"
            rows.append(
                {
                    "hub_id": fed,
                    "hub_name": f"{dname}社会组织联合会",
                    "hub_kind": "区社会组织联合会",
                    "district_code": d,
                    "has_party_branch": "是",
                    "established_on": "2012-06-28",
                }
            )
            for s in streets.loc[streets["district_code"] == d].itertuples():
                rows.append(
                    {
                        "hub_id": f"HUB-{d}-ST-{s.street_code[6:9]}",
                        "hub_name": f"{s.street_name}社会组织服务中心",
                        "hub_kind": "街道枢纽",
                        "street_code": s.street_code,
                        "parent_hub_id": fed,
                        "has_party_branch": "是",
                        "established_on": "2014-01-10",
                    }
                )
            for k in range(self.per.industry_hubs):
                rows.append(
                    {
                        "hub_id": f"HUB-{d}-IND-{k + 1:02d}",
                        "hub_name": f"{dname}{industries[k]}行业枢纽",
                        "hub_kind": "行业枢纽",
                        "industry": industries[k],
                        "parent_hub_id": fed,
                        "has_party_branch": "是",
                        "established_on": "2015-03-18",
                    }
                )
        return pd.DataFrame(rows)

    def memberships(self, orgs: pd.DataFrame) -> pd.DataFrame:
        rng = self.rng
        active = orgs[orgs["status"] == "正常"].reset_index(drop=True)
        n = len(active)
        pick = rng.random(n)
        members = rng.choice(7, size=n, p=[0.45, 0.15, 0.1, 0.1, 0.08, 0.07, 0.05])
        branch = (members >= 3) & (rng.random(n) < 0.9)
        liaison = ~branch & (rng.random(n) < 0.6)
        industry = rng.integers(1, self.per.industry_hubs + 1, size=n)
        joined = _dates(rng, dt.date(2014, 1, 1), dt.date(2025, 6, 30), n)
        people = self._people(n)
        rows = []
        for i, o in enumerate(active.itertuples()):
            if pick[i] < 0.05:
                continue  # attached to no hub: what `unattached-organisations` finds
            d = o.uscc[2:8]
            hub = f"HUB-{d}-ST-{o.street_code[6:9]}" if pick[i] < 0.85 else f"HUB-{d}-IND-{industry[i]:02d}"
            rows.append(
                {
                    "uscc": o.uscc,
                    "org_name": o.name,
                    "hub_id": hub,
                    "joined_on": max(str(joined[i]), o.registration_date),
                    "party_members": int(members[i]),
                    "has_party_branch": "是" if branch[i] else "否",
                    "liaison_id": f"LN-{i + 1:07d}" if liaison[i] else "",
                    "liaison_name": people[i] if liaison[i] else "",
                }
            )
        return pd.DataFrame(rows)

    # -- workers -----------------------------------------------------------------------
    def workers(self, orgs: pd.DataFrame, communities: pd.DataFrame) -> pd.DataFrame:
        rng = self.rng
        employers = orgs[(orgs["status"] == "正常") & (orgs["org_type"] == "社会服务机构")].reset_index(drop=True)
        by_district = communities.groupby("district_code")["community_code"].apply(list)
        n = self.per.workers * self.n
        emp = _zipf(rng, len(employers), n, 0.6)
        employer_codes = employers["uscc"].to_numpy()
        # (birth date, sequence) unique per worker, so no two made-up ID numbers coincide: the
        # day index i // 1000 is scrambled by a bijection mod 13,000 (7,919 is prime)
        idx = np.arange(n)
        birth = np.datetime64(dt.date(1965, 1, 1)) + ((idx // 1000) * 7919 % 13000).astype("timedelta64[D]")
        seq = idx % 1000
        level = rng.choice(["助理社会工作师", "社会工作师", "高级社会工作师"], size=n, p=[0.7, 0.27, 0.03])
        year = rng.integers(2008, 2026, size=n)
        served_n = rng.choice([1, 1, 2, 2, 3], size=n)
        served_pick = rng.random((n, 3))
        phone = rng.integers(0, 10**9, size=n)
        certs = rng.integers(0, 10**6, size=n)
        people = self._people(n)
        rows = []
        for i in range(n):
            uscc = employer_codes[emp[i]]
            pool = by_district[uscc[2:8]]
            served = sorted({pool[int(p * len(pool))] for p in served_pick[i, : served_n[i]]})
            first17 = TEST_ADDRESS_CODE + str(birth[i]).replace("-", "") + f"{seq[i]:03d}"
            rows.append(
                {
                    "worker_key": f"SW{i + 1:06d}",
                    "name": people[i],
                    "id_number": first17 + id_number_check_char(first17),
                    "phone": f"19{phone[i]:09d}",
                    "certificate_no": f"ZS{year[i]}{certs[i]:06d}",
                    "level": str(level[i]),
                    "certified_year": int(year[i]),
                    "employer_uscc": uscc,
                    "served_communities": ";".join(served),
                }
            )
        return pd.DataFrame(rows)

    # -- purchases ---------------------------------------------------------------------
    def projects(self, orgs: pd.DataFrame, communities: pd.DataFrame, workers: pd.DataFrame) -> pd.DataFrame:
        rng, per = self.rng, self.per
        active = orgs[orgs["status"] == "正常"]
        providers = active.groupby(active["uscc"].str[2:8])
        by_district = communities.groupby("district_code")["community_code"].apply(list)
        streets = communities.drop_duplicates("street_code").groupby("district_code")[["street_code", "street_name"]]
        staff = workers.groupby("employer_uscc")["worker_key"].apply(list)
        categories, methods, funds = list(SERVICE_CATEGORIES), list(PROCUREMENT_METHODS), list(FUNDING_SOURCES)
        rows = []
        for di, (d, dname) in enumerate(self.districts):
            provs = providers.get_group(d).reset_index(drop=True)
            pool = by_district[d]
            buyers = [(f"{dname}民政局", make_uscc("1", "1", d, f"0{di + 1:05d}00"))]
            for k, s in enumerate(streets.get_group(d).itertuples()):
                buyers.append((f"{s.street_name}办事处", make_uscc("1", "1", d, f"0{di + 1:05d}{k + 1:02d}")))
            prov_names, prov_codes = provs["name"].to_numpy(), provs["uscc"].to_numpy()
            m = per.projects
            prov = _zipf(rng, len(provs), m, 1.1)
            buyer = rng.integers(0, len(buyers), size=m)
            year = rng.choice(list(YEARS), size=m)
            award_day = rng.integers(0, 300, size=m)
            budget = (rng.lognormal(12.0, 0.6, size=m) / 100).round() * 100
            ratio = rng.uniform(0.85, 1.0, size=m)
            served_n = rng.choice([1, 1, 1, 2, 3], size=m)
            served_pick = _zipf(rng, len(pool), m * 3, 0.9).reshape(m, 3)
            cat, meth, fund = (rng.integers(0, len(x), size=m) for x in (categories, methods, funds))
            staffed = rng.random(m) < 0.3
            seq = {y: 0 for y in YEARS}
            tag = _letters(di)
            for j in range(m):
                y = int(year[j])
                seq[y] += 1
                award = dt.date(y, 1, 1) + dt.timedelta(days=int(award_day[j]))
                start = award + dt.timedelta(days=int(award_day[j] % 20))
                end = start + dt.timedelta(days=364)
                code = prov_codes[prov[j]]
                keys = staff.get(code, [])
                rows.append(
                    {
                        "project_id": f"{tag}-{y}-{seq[y]:05d}",
                        "project_name": f"{buyers[buyer[j]][0]}{categories[cat[j]]}项目（{y}年度）",
                        "purchaser_name": buyers[buyer[j]][0],
                        "purchaser_uscc": buyers[buyer[j]][1],
                        "category": categories[cat[j]],
                        "procurement_method": methods[meth[j]],
                        "budget": int(budget[j]),
                        "contract_amount": int(budget[j] * ratio[j] / 100) * 100,
                        "award_date": award.isoformat(),
                        "start_date": start.isoformat(),
                        "end_date": end.isoformat(),
                        "provider_name": prov_names[prov[j]],
                        "provider_uscc": code,
                        "served_communities": ";".join(sorted({pool[k] for k in served_pick[j, : served_n[j]]})),
                        "funding_source": funds[fund[j]],
                        "staffed_workers": keys[j % len(keys)] if staffed[j] and keys else "",
                    }
                )
        return pd.DataFrame(rows)

    def evaluations(self, projects: pd.DataFrame) -> pd.DataFrame:
        rng = self.rng
        end = pd.to_datetime(projects["end_date"])
        when = end + pd.to_timedelta(rng.integers(20, 90, size=len(projects)), unit="D")
        keep = (when <= pd.Timestamp(SNAPSHOT)) & (rng.random(len(projects)) < 0.8)
        p, when = projects[keep], when[keep]
        score = rng.normal(82, 8, size=len(p)).clip(40, 99).round(1)
        grade = [next(g for g, (_, floor) in EVALUATION_GRADES.items() if s >= floor) for s in score]
        year = when.dt.year.to_numpy()
        seq: dict[int, int] = {}
        ids = []
        for y in year:
            seq[y] = seq.get(y, 0) + 1
            ids.append(f"EV-{y}-{seq[y]:06d}")
        evaluators = N.EVALUATORS
        return pd.DataFrame(
            {
                "evaluation_id": ids,
                "project_id": p["project_id"].to_numpy(),
                "evaluator": [evaluators[i % len(evaluators)] for i in range(len(p))],
                "eval_date": when.dt.strftime("%Y-%m-%d").to_numpy(),
                "score": score,
                "grade": grade,
            }
        )

    def build(self) -> dict[str, pd.DataFrame]:
        self.districts = self.district_codes()
        communities = self.communities()
        orgs = self.organisations(communities)
        inspections = pd.DataFrame({"uscc": orgs["uscc"], "year": 2024, "result": orgs["inspection_result"]})
        workers = self.workers(orgs, communities)
        projects = self.projects(orgs, communities, workers)
        return {
            "communities": communities,
            "district_changes": pd.DataFrame(),
            "organisations": orgs,
            "annual_inspections": inspections,
            "hubs": self.hubs(communities),
            "hub_memberships": self.memberships(orgs),
            "workers": workers,
            "projects": projects,
            "evaluations": self.evaluations(projects),
        }


def generate_scale(out: Path, scale: str, seed: int = 2015) -> dict:
    """Write the registers of `scale` under `out`; returns the manifest."""
    regs = ScaleGenerator(SCALES[scale], seed).build()
    for name, frame in regs.items():
        model = CONTRACTS[name]
        fields = model.layout_fields()
        full = frame.reindex(columns=fields).fillna("")
        path = out / model.folder / FILE_NAMES[name]
        path.parent.mkdir(parents=True, exist_ok=True)
        full.to_csv(path, index=False, header=[model.header(f) for f in fields], lineterminator="\n")
    one = SCALES[scale] == 1
    return write_manifest(
        out,
        regs["communities"]["district_code"].iloc[0] if one else "000000",
        regs["communities"]["district_name"].iloc[0] if one else f"{scale} scale ({SCALES[scale]} districts)",
        SNAPSHOT.isoformat(),
        seed,
        scale,
    )
