"""Step 5: services bought from organisations, 2019-2025, and their evaluations (registers
`projects` and `evaluations`).

Buyers are the district bureau and three other district bodies (serving the whole district)
and the 14 street offices (serving their own street). A few large providers win most
contracts: each organisation gets a Zipf-like weight, tripled for a project in its field."""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass

from data_contracts.identifiers import make_uscc

from . import names as N
from .sample_model import SNAPSHOT, STREETS, YEARS, SampleState, random_date

#: (project-id prefix, name, USCC, street code or None for the whole district)
Purchaser = tuple[str, str, str, str | None]


def purchasers() -> list[Purchaser]:
    """Each buying body, the district bureau (MZ) first; state organs carry USCC 11..."""
    out: list[tuple[str, str, str | None]] = [
        ("MZ", "上海市静安区民政局", None),
        ("WJ", "上海市静安区卫生健康委员会", None),
        ("CL", "上海市静安区残疾人联合会", None),
        ("FL", "上海市静安区妇女联合会", None),
    ]
    out += [
        ("JD", sname.replace("彭浦镇", "彭浦镇人民政府") if sname == "彭浦镇" else sname + "办事处", scode)
        for scode, sname, _ in STREETS
    ]
    rng = random.Random(7)  # purchaser codes stay put whatever else changes
    return [(p, n, make_uscc("1", "1", "310106", "0" + "".join(rng.choices("0123456789", k=7))), s) for p, n, s in out]


@dataclass
class Market:
    """What every project's draws look up, drawn once before the first project."""

    providers: list[dict]  # organisations register rows, foundations left out
    skew: dict[str, float]  # USCC -> Zipf-like weight
    quality: dict[str, float]  # USCC -> points added to its evaluation scores
    communities_of: dict[str, list[str]]  # street code -> community codes
    quiet: set[str]  # communities no project serves
    workers_of: dict[str, list[str]]  # employer USCC -> worker keys


def add_projects(s: SampleState) -> None:
    """Fill `projects` (sorted by award date, then id) and `evaluations` (in award order)."""
    rng, r = s.rng, s.registers
    buyers = purchasers()
    market = _market(s)
    seq: dict[tuple[str, int], int] = {}
    for year in YEARS:
        # the district bureau buys about 60 projects a year, the other bodies the rest
        n_total, n_bureau = rng.randint(140, 170), rng.randint(56, 64)
        year_buyers = [buyers[0]] * n_bureau + rng.choices(buyers[1:], [6, 4, 4] + [4] * 14, k=n_total - n_bureau)
        rng.shuffle(year_buyers)
        for buyer in year_buyers:
            seq[(buyer[0], year)] = seq.get((buyer[0], year), 0) + 1
            p = _project(rng, market, buyer, year, seq[(buyer[0], year)])
            r.projects.append(p)
            if p["end_date"] <= SNAPSHOT and rng.random() < 0.85:
                r.evaluations.append(_evaluation(rng, p, market.quality[p["provider_uscc"]], len(r.evaluations) + 1))
    r.projects.sort(key=lambda p: (p["award_date"], p["project_id"]))


def _market(s: SampleState) -> Market:
    rng, r = s.rng, s.registers
    communities_of: dict[str, list[str]] = {}
    for c in r.communities:
        communities_of.setdefault(c["street_code"], []).append(c["community_code"])
    # a few communities never see a project: linkage gaps
    quiet = set(rng.sample([c["community_code"] for c in r.communities], 12))
    providers = [o for o in r.organisations if o["org_type"] != "基金会"]
    # Zipf-like skew: a few large providers, many small ones
    rank = list(range(len(providers)))
    rng.shuffle(rank)
    skew = {o["uscc"]: 1.0 / (1 + k) ** 0.9 for o, k in zip(providers, rank, strict=True)}
    quality = {o["uscc"]: rng.gauss(0, 6) for o in providers}
    workers_of: dict[str, list[str]] = {}
    for w in r.workers:
        workers_of.setdefault(w["employer_uscc"], []).append(w["worker_key"])
    return Market(providers, skew, quality, communities_of, quiet, workers_of)


def _project(rng: random.Random, m: Market, buyer: Purchaser, year: int, no: int) -> dict:
    """The `no`th project `buyer` awarded in `year`, to an organisation active that day."""
    prefix, bname, buscc, bstreet = buyer
    award = random_date(rng, dt.date(year, 1, 10), dt.date(year, 12, 20))
    fkey = rng.choice(list(N.FIELDS))
    category = N.FIELDS[fkey][0]
    eligible = [o for o in m.providers if o["_org"].active(award)]
    prov = rng.choices(eligible, [m.skew[o["uscc"]] * (3 if o["_field"] == fkey else 1) for o in eligible])[0]
    pool = [
        c
        for c in (m.communities_of[bstreet] if bstreet else [c for cs in m.communities_of.values() for c in cs])
        if c not in m.quiet
    ]
    served = sorted(rng.sample(pool, rng.choice([1, 1, 1, 2, 2, 3, 4])))
    # district-bureau contracts run larger than street ones; calibrated so the special
    # fund's projects take most, never all, of its 15 million yuan a year
    median, spread = (200_000, 0.45) if prefix == "MZ" else (120_000, 0.7)
    amount = round(min(max(rng.lognormvariate(math.log(median), spread), 30_000), 1_500_000), -2)
    budget = round(amount / rng.uniform(0.86, 1.0), -2)
    start = award + dt.timedelta(days=rng.randint(0, 30))
    term_years = rng.choices([1, 2, 3], [85, 10, 5])[0]
    end = start + dt.timedelta(days=365 * term_years - 1)
    method = _procurement_method(rng, amount)
    funding = _funding_source(rng, prefix)
    staff = m.workers_of.get(prov["uscc"], [])
    staffed = sorted(rng.sample(staff, min(len(staff), rng.choice([0, 1, 2, 3]))))
    return {
        "project_id": f"{prefix}-{year}-{no:03d}",
        "project_name": f"{bname.replace('上海市静安区', '')}{rng.choice(N.FIELDS[fkey][1])}{category}项目（{year}年度）".replace(
            "公益公益", "公益"
        ),
        "purchaser_name": bname,
        "purchaser_uscc": buscc,
        "category": category,
        "procurement_method": method,
        "budget": budget,
        "contract_amount": amount,
        "award_date": award,
        "start_date": start,
        "end_date": end,
        "provider_name": prov["name"],
        "provider_uscc": prov["uscc"],
        "served_communities": ";".join(served),
        "funding_source": funding,
        "staffed_workers": ";".join(staffed),
    }


def _procurement_method(rng: random.Random, amount: float) -> str:
    """Open tender from 1 million yuan; smaller contracts use the lighter methods."""
    if amount >= 1_000_000:
        return "公开招标"
    if amount >= 300_000:
        return rng.choice(["公开招标", "竞争性磋商", "竞争性磋商"])
    return rng.choices(["询价", "竞争性谈判", "单一来源", "框架协议采购", "邀请招标"], [30, 25, 20, 15, 10])[0]


def _funding_source(rng: random.Random, prefix: str) -> str:
    """The bureau pays mostly from the special fund, streets from their own budgets."""
    if prefix == "MZ":
        return rng.choices(["区社会组织发展专项资金", "福利彩票公益金", "公益创投"], [70, 18, 12])[0]
    if prefix == "JD":
        return rng.choices(["街道财政资金", "公益创投"], [88, 12])[0]
    return "区级财政预算"


def _evaluation(rng: random.Random, p: dict, quality: float, n: int) -> dict:
    """The `n`th evaluation, of finished project `p`; `quality` shifts its provider's scores."""
    eval_date = min(p["end_date"] + dt.timedelta(days=rng.randint(15, 60)), SNAPSHOT)
    score = round(min(99.0, max(40.0, rng.gauss(84, 6) + quality)), 1)
    return {
        "evaluation_id": f"EV-{eval_date.year}-{n:05d}",
        "project_id": p["project_id"],
        "evaluator": rng.choice(N.EVALUATORS),
        "eval_date": eval_date,
        "score": score,
        "grade": next(g for g, f in (("优秀", 90), ("良好", 80), ("合格", 60), ("不合格", 0)) if score >= f),
    }
