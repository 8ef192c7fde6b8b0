"""Step 2: the social organisations. Each one's whole life is drawn first (`Org`); the
registers `organisations` (now and at each of SNAPSHOTS) and `annual_inspections` are
renderings of those lives."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from data_contracts.identifiers import ORG_TYPE_DIGIT, make_uscc

from . import names as N
from .sample_model import (
    ACTIVE_ORGS_2016,
    MERGER,
    OLD_JINGAN_ORGS_2014,
    SNAPSHOT,
    SNAPSHOTS,
    STREETS,
    Org,
    SampleState,
    is_old_jingan,
    random_date,
)
from .sample_org_life import live
from .sample_people import person_name


@dataclass
class Registrar:
    """Registers new organisations; remembers the codes and names already given out, so
    that none is given twice."""

    rng: random.Random
    codes: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)

    def register(
        self,
        streets: list[str],
        reg_from: dt.date,
        reg_to: dt.date,
        end_from: dt.date | None = None,
        end_to: dt.date | None = None,
        p_end: float = 0.0,
    ) -> Org:
        """An organisation in one of `streets`, registered from `reg_from` to `reg_to`; with
        probability `p_end` it ends from `end_from` (at least 200 days after registration)
        to `end_to`."""
        rng = self.rng
        roll = rng.random()
        org_type = "基金会" if roll < 0.02 else ("社会团体" if roll < 0.42 else "社会服务机构")
        city = org_type == "基金会" or rng.random() < 0.08
        division, authority = ("310000", "上海市民政局") if city else ("310106", "上海市静安区民政局")
        fkey = rng.choice(list(N.FIELDS))
        if org_type == "社会团体" and rng.random() < 0.3:
            fkey = "trade"
        _cat, words, scope = N.FIELDS[fkey]
        suffixes = {"社会团体": N.GROUP_SUFFIXES, "社会服务机构": N.SERVICE_SUFFIXES, "基金会": N.FOUNDATION_SUFFIXES}[
            org_type
        ]
        while True:
            prefix = "上海市" if org_type == "基金会" else "上海市静安区"
            nm = prefix + rng.choice(N.PLACE_PARTS) + rng.choice(words) + rng.choice(suffixes)
            if nm not in self.names:
                self.names.add(nm)
                break
        weights = [n for c, _, n in STREETS if c in streets]
        street = [c for c, _, _ in STREETS if c in streets][rng.choices(range(len(weights)), weights)[0]]
        o = Org(
            nm,
            make_uscc("5", ORG_TYPE_DIGIT[org_type], division, self._code()),
            org_type,
            authority,
            random_date(rng, reg_from, reg_to),
            street,
            fkey,
            scope,
            person_name(rng),
        )
        lo, hi = max(end_from or SNAPSHOT, o.registered + dt.timedelta(days=200)), end_to or dt.date(2025, 11, 30)
        if end_from and lo <= hi and rng.random() < p_end:
            o.ended = random_date(rng, lo, hi)
            o.end_status = "注销" if rng.random() < 0.75 else "撤销"
            o.end_recorded = rng.random() < 0.75
        live(rng, o)
        return o

    def _code(self) -> str:
        """A new 8-digit organisation code (the USCC's body), starting with 5."""
        while True:
            code = "5" + "".join(self.rng.choice("0123456789") for _ in range(7))
            if code not in self.codes:
                self.codes.add(code)
                return code


def add_organisations(s: SampleState) -> None:
    """Fill `s.orgs` and the registers `organisations` (with its snapshots) and
    `annual_inspections`, calibrated to 488 active in old Jing'an on 2014-09-30 and 968 in
    the whole district at the end of 2016."""
    new = Registrar(s.rng).register
    old = [c for c, _, _ in STREETS if is_old_jingan(c)]
    zhabei = [c for c, _, _ in STREETS if not is_old_jingan(c)]
    everywhere = [c for c, _, _ in STREETS]
    d14, d16 = dt.date(2014, 9, 30), dt.date(2016, 12, 31)
    orgs = []
    # old Jing'an: exactly 488 active on 2014-09-30, and some that had ended before
    orgs += [new(old, dt.date(1996, 1, 1), d14, dt.date(2014, 10, 1), None, 0.14) for _ in range(OLD_JINGAN_ORGS_2014)]
    orgs += [
        new(old, dt.date(1996, 1, 1), dt.date(2012, 12, 31), dt.date(2013, 1, 1), dt.date(2014, 9, 29), 1.0)
        for _ in range(45)
    ]
    # former Zhabei, registered before the merger, some ended before the end of 2016
    orgs += [new(zhabei, dt.date(1996, 1, 1), MERGER, dt.date(2016, 1, 1), None, 0.12) for _ in range(400)]
    orgs += [
        new(zhabei, dt.date(1996, 1, 1), dt.date(2014, 12, 31), dt.date(2015, 1, 1), dt.date(2016, 12, 30), 1.0)
        for _ in range(35)
    ]
    # registered from Oct 2014 to the end of 2016: as many as bring the end-2016 total to 968
    short = ACTIVE_ORGS_2016 - sum(o.active(d16) for o in orgs)
    orgs += [new(everywhere, dt.date(2014, 10, 1), d16, dt.date(2017, 1, 1), None, 0.10) for _ in range(short)]
    # and the growth after
    orgs += [
        new(everywhere, dt.date(2017, 1, 1), dt.date(2025, 11, 30), dt.date(2018, 1, 1), None, 0.06) for _ in range(230)
    ]
    orgs.sort(key=lambda o: (o.registered, o.uscc))
    s.orgs = orgs
    r = s.registers
    r.organisations = [org_row(o, SNAPSHOT) for o in orgs]
    r.snapshots["organisations"] = {
        # before the merger Jing'an's register held only old Jing'an's organisations
        d: [org_row(o, d) for o in orgs if o.registered <= d and (d >= MERGER or is_old_jingan(o.street))]
        for d in SNAPSHOTS
    }
    r.annual_inspections = [
        {"uscc": o.uscc, "year": y, "result": res} for o in orgs for y, res in sorted(o.inspections.items())
    ]


def org_row(o: Org, d: dt.date) -> dict:
    """The organisations register's line for `o` as printed on day `d`. Besides the contract's
    fields it carries `_field` (the field of activity) and `_org` (the life) for later steps;
    the writer leaves them out."""
    ended = o.ended is not None and o.ended <= d
    grade = next(((g, gd) for g, gd in reversed(o.grades) if gd <= d), (None, None))
    inspected = [y for y in o.inspections if dt.date(y + 1, 6, 30) <= d]
    credit = next((c for c in reversed(o.credits) if c[1] <= d), None)
    return {
        "name": o.name,
        "uscc": o.uscc,
        "org_type": o.org_type,
        "registration_authority": o.authority,
        "registration_date": o.registered,
        "status": o.end_status if ended else "正常",
        "status_date": o.ended if ended and o.end_recorded else None,
        "legal_representative": o.legal_rep,
        "inspection_year": max(inspected) if inspected else None,
        "inspection_result": o.inspections[max(inspected)] if inspected else None,
        "grade": grade[0],
        "grade_date": grade[1],
        "credit_list": credit[0] if credit else None,
        "listed_on": credit[1] if credit else None,
        "removed_on": credit[2] if credit and credit[2] and credit[2] <= d else None,
        "listing_reason": credit[3] if credit else None,
        "business_scope": o.scope,
        "street_code": o.street,
        "_field": o.field,
        "_org": o,
    }
