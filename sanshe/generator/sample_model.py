"""What the Jing'an sample is made of: the reference figures it is calibrated to, one
organisation's life (`Org`), the registers being filled (`Registers`) and the state every
`sample_*` step shares (`SampleState`).

The figures come from ../shared/DOMAIN.md; the steps that draw the registers live in the
`sample_*` modules and are run in order by `district.DistrictGenerator.build`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from dataclasses import dataclass, field

DISTRICT = ("310106", "静安区", 975_707)
FORMER_DISTRICT = ("310108", "闸北区")
#: DOMAIN.md: Zhabei was merged into Jing'an in October 2015; the day is the sample's choice
MERGER = dt.date(2015, 10, 31)
SNAPSHOT = dt.date(2025, 12, 31)
#: dated snapshots of the organisations and hub-membership registers shipped beside the current ones
SNAPSHOTS = [dt.date(2014, 9, 30), dt.date(2014, 12, 31), dt.date(2016, 12, 31)]
#: (code, name, committees). Old Jing'an's five streets are listed first.
STREETS = [
    ("310106006000", "江宁路街道", 20),
    ("310106011000", "石门二路街道", 12),
    ("310106012000", "南京西路街道", 14),
    ("310106013000", "静安寺街道", 11),
    ("310106014000", "曹家渡街道", 17),
    ("310106015000", "天目西路街道", 9),
    ("310106016000", "北站街道", 12),
    ("310106017000", "宝山路街道", 16),
    ("310106018000", "共和新路街道", 24),
    ("310106019000", "大宁路街道", 23),
    ("310106020000", "彭浦新村街道", 30),
    ("310106021000", "临汾路街道", 19),
    ("310106022000", "芷江西路街道", 18),
    ("310106100000", "彭浦镇", 40),
]
#: old Jing'an before the merger: 488 organisations at 16.5 per 10,000 residents (Sept 2014)
#: means about 296,000 residents in its five streets
OLD_JINGAN_POPULATION = {
    "310106006000": 70_000,
    "310106011000": 45_000,
    "310106012000": 55_000,
    "310106013000": 46_000,
    "310106014000": 80_000,
}
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


def random_date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    """A day from `start` to `end`, both included, drawn with one `randrange`."""
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


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
    """The sample's registers, one list of rows (dicts keyed by contract field name) each."""

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


@dataclass
class SampleState:
    """What the steps share. One `rng` for every step, so the steps must run in
    `DistrictGenerator.build`'s order for the same seed to give the same bytes."""

    rng: random.Random
    registers: Registers = field(default_factory=Registers)
    #: every organisation's life, in register order; the hub step adds membership episodes
    orgs: list[Org] = field(default_factory=list)
