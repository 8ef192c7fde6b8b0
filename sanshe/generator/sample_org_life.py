"""The events of one organisation's life after registration: assessment grades, yearly
inspections and credit-list entries. The organisations register renders them at a date."""

from __future__ import annotations

import datetime as dt
import random

from . import names as N
from .sample_model import SNAPSHOT, Org, random_date

GRADES = ["1A", "2A", "3A", "4A", "5A"]


def live(rng: random.Random, o: Org) -> None:
    """Fill `o.grades`, `o.inspections` and `o.credits`, in that order of draws."""
    _grades(rng, o)
    _inspections(rng, o)
    _credit_listing(rng, o)


def _grades(rng: random.Random, o: Org) -> None:
    """About a third of those registered before 2018 are assessed; a grade is valid five years
    and is sometimes renewed, one step up or down."""
    if o.registered < dt.date(2018, 1, 1) and rng.random() < 0.38:
        d = random_date(rng, max(o.registered + dt.timedelta(days=730), dt.date(2010, 1, 1)), dt.date(2019, 12, 31))
        grade = rng.choices(GRADES, [3, 12, 45, 30, 10])[0]
        while d <= SNAPSHOT and o.active(d):
            o.grades.append((grade, d))
            if rng.random() > 0.6:
                break  # the grade lapses after five years
            d = d + dt.timedelta(days=365 * 5 + rng.randint(-60, 90))
            grade = GRADES[max(0, min(4, int(grade[0]) - 1 + rng.choice([-1, 0, 0, 1])))]


def _inspections(rng: random.Random, o: Org) -> None:
    """One result a year from 2012 (inspected by the next May), for as long as it is active."""
    for year in range(max(o.registered.year, 2012), 2025):
        if not o.active(dt.date(year + 1, 5, 31)):
            break
        r = rng.random()
        if r < 0.95:
            o.inspections[year] = "合格" if r < 0.82 else ("基本合格" if r < 0.91 else "不合格")


def _credit_listing(rng: random.Random, o: Org) -> None:
    """A few are listed once from 2018 on; half are removed from the list later."""
    lo, hi = max(o.registered, dt.date(2018, 1, 1)), min(o.ended or SNAPSHOT, dt.date(2025, 10, 31))
    if rng.random() < 0.06 and lo <= hi:
        lst = "活动异常名录" if rng.random() < 0.85 else "严重违法失信名单"
        listed = random_date(rng, lo, hi)
        removed = listed + dt.timedelta(days=rng.randint(90, 500)) if rng.random() < 0.5 else None
        o.credits.append(
            (lst, listed, removed if removed and removed <= SNAPSHOT else None, rng.choice(N.CREDIT_REASONS[lst]))
        )
