"""Made-up people: names, ID numbers, and step 4, the certified social workers (register
`workers`) employed by service organisations and serving a few communities of their street."""

from __future__ import annotations

import datetime as dt
import random

from data_contracts.identifiers import TEST_ADDRESS_CODE, id_number_check_char

from . import names as N
from .sample_model import SampleState, random_date


def person_name(rng: random.Random) -> str:
    """A surname and one or two given-name characters."""
    return rng.choice(N.SURNAMES) + "".join(rng.choices(N.GIVEN_CHARS, k=rng.choice([1, 2])))


def fake_id_number(rng: random.Random) -> str:
    """An 18-character resident ID number, born 1965-2000, with a right check character."""
    # Address code 000000 marks the number as made up (DOMAIN.md: test data must not carry
    # real-looking numbers); the manifest's `synthetic: true` lets the contract accept it.
    birth = random_date(rng, dt.date(1965, 1, 1), dt.date(2000, 12, 31))
    first17 = TEST_ADDRESS_CODE + birth.strftime("%Y%m%d") + f"{rng.randrange(1000):03d}"
    return first17 + id_number_check_char(first17)


def add_workers(s: SampleState) -> None:
    """Fill `workers`: 1,300 workers, keys SW000001.., from the communities and organisations
    registers (service organisations active at the snapshot, social-work ones most often)."""
    rng, r = s.rng, s.registers
    employers = [o for o in r.organisations if o["status"] == "正常" and o["org_type"] == "社会服务机构"]
    weights = [8 if "社会工作" in o["name"] or o["_field"] == "social_work" else 1 for o in employers]
    by_street: dict[str, list[str]] = {}
    for c in r.communities:
        by_street.setdefault(c["street_code"], []).append(c["community_code"])
    # some communities have no social worker at all: linkage gaps the queries must find
    gap = set(rng.sample([c["community_code"] for c in r.communities], 20))
    for i in range(1, 1301):
        emp = rng.choices(employers, weights)[0]
        pool = [c for c in by_street[emp["street_code"]] if c not in gap] or [
            c for cs in by_street.values() for c in cs if c not in gap
        ]
        served = sorted(rng.sample(pool, min(len(pool), rng.choice([1, 1, 2, 2, 3]))))
        r.workers.append(
            {
                "worker_key": f"SW{i:06d}",
                "name": person_name(rng),
                "id_number": fake_id_number(rng),
                "phone": "1" + rng.choice("3456789") + "".join(rng.choices("0123456789", k=9)),
                "certificate_no": f"ZS{rng.randint(2008, 2025)}{rng.randrange(10**6):06d}",
                "level": rng.choices(["助理社会工作师", "社会工作师", "高级社会工作师"], [70, 27, 3])[0],
                "certified_year": rng.randint(2008, 2025),
                "employer_uscc": emp["uscc"],
                "served_communities": ";".join(served),
            }
        )
