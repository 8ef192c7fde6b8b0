"""Step 1: the streets' residents' and village committees, and the nine streets that moved
from Zhabei in the 2015 merger (registers `communities` and `district_changes`)."""

from __future__ import annotations

import math

from . import names as N
from .sample_model import (
    DISTRICT,
    FORMER_DISTRICT,
    MERGER,
    OLD_JINGAN_POPULATION,
    STREETS,
    SampleState,
    is_old_jingan,
)


def largest_remainder(total: int, weights: list[float]) -> list[int]:
    """`total` split in proportion to `weights` into whole numbers that add up to `total`."""
    raw = [total * w / sum(weights) for w in weights]
    out = [math.floor(x) for x in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - out[i], reverse=True)[: total - sum(out)]:
        out[i] += 1
    return out


def add_communities(s: SampleState) -> None:
    """Fill `communities` (one row per committee) and `district_changes` (one per moved street).

    Old Jing'an's street populations are fixed (they calibrate the 2014 density); the rest of
    the district's census population is spread over former Zhabei's streets, then over each
    street's committees."""
    rng = s.rng
    dcode, dname, dpop = DISTRICT
    zhabei = [(c, n) for c, _, n in STREETS if not is_old_jingan(c)]
    zpops = largest_remainder(
        dpop - sum(OLD_JINGAN_POPULATION.values()), [n * rng.uniform(0.85, 1.15) for _, n in zhabei]
    )
    street_pop = {**OLD_JINGAN_POPULATION, **{c: p for (c, _), p in zip(zhabei, zpops, strict=True)}}
    used: set[str] = set()
    for scode, sname, n in STREETS:
        kind = "镇" if scode[6:9] >= "100" else "街道"
        committees = [(f"{scode[:9]}{i:03d}", "居委会") for i in range(1, n + 1)]
        if kind == "镇":  # Jing'an's one village committee sits in 彭浦镇
            committees.append((f"{scode[:9]}200", "村委会"))
        pops = largest_remainder(street_pop[scode], [rng.lognormvariate(0, 0.35) for _ in committees])
        for (ccode, ckind), cpop in zip(committees, pops, strict=True):
            while True:
                nm = rng.choice(N.PLACE_PARTS) + rng.choice(N.COMMUNITY_SUFFIXES) + rng.choice(N.COMMUNITY_FORMS)
                if nm not in used:
                    used.add(nm)
                    break
            cname = nm + ("居民委员会" if ckind == "居委会" else "村民委员会")
            s.registers.communities.append(
                {
                    "district_code": dcode,
                    "district_name": dname,
                    "street_code": scode,
                    "street_name": sname,
                    "street_kind": kind,
                    "community_code": ccode,
                    "community_name": cname,
                    "community_kind": ckind,
                    "population": cpop,
                }
            )
        if not is_old_jingan(scode):
            s.registers.district_changes.append(
                {
                    "street_code": scode,
                    "from_district_code": FORMER_DISTRICT[0],
                    "from_district_name": FORMER_DISTRICT[1],
                    "to_district_code": dcode,
                    "change_date": MERGER,
                }
            )
