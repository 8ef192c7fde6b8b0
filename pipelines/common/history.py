"""Validity intervals from the two ways registers give history.

Every interval is half-open, [valid_from, valid_to): it holds on valid_from and no longer on
valid_to. A null valid_from means "since before the registers say"; a null valid_to means
"still holds".

1. Explicit dates on a row (registration and deregistration, a hub's founding and
   dissolution, a grade's date, a district change): used as written.
2. Dated snapshots of a register (`..._asof_YYYY-MM-DD.csv`): a fact holds from the first
   snapshot that shows it until the first later snapshot that no longer shows it. When the row
   gives its own start date (e.g. `joined_on`) and that date falls after the previous snapshot,
   the start date is used, because it is more precise than the snapshot. Between two snapshots
   the change day is unknown: sanshe dates it at the later snapshot, so on every snapshot date
   the derived intervals agree exactly with that snapshot.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pandas as pd

INTERVAL = ["valid_from", "valid_to"]


def _blank(v: object) -> bool:
    return v is None or (isinstance(v, float) and v != v) or v is pd.NaT


def from_snapshots(frame: pd.DataFrame, key: list[str], values: list[str], *,
                   holds: Callable[[dict], bool] | None = None, start: str | None = None) -> pd.DataFrame:
    """One row per interval during which a key showed the same `values` in consecutive snapshots.

    `frame` has the key, value and `_asof` columns (one row per key and snapshot). `holds`
    says whether a row shows the fact at all (default: every value is filled); a row that does
    not, or a snapshot without the key, ends the interval.
    """
    holds = holds or (lambda rec: not any(_blank(rec[v]) for v in values))
    dates = sorted(frame["_asof"].unique())
    out: list[dict] = []
    for k, grp in frame.sort_values("_asof").groupby(key, sort=True):
        k = k if isinstance(k, tuple) else (k,)
        seen = {rec["_asof"]: rec for rec in grp.to_dict("records")}
        current: tuple | None = None
        opened: dt.date | None = None
        previous: dt.date | None = None
        for d in dates:
            rec = seen.get(d)
            state = tuple(rec[v] for v in values) if rec is not None and holds(rec) else None
            if state != current:
                if current is not None:
                    out.append({**dict(zip(key, k, strict=True)), **dict(zip(values, current, strict=True)),
                                "valid_from": opened, "valid_to": d})
                if state is not None:
                    explicit = rec.get(start) if start else None
                    precise = explicit is not None and not _blank(explicit) and explicit <= d and (
                        previous is None or explicit > previous)
                    opened = explicit if precise else d
                current = state
            previous = d
        if current is not None:
            out.append({**dict(zip(key, k, strict=True)), **dict(zip(values, current, strict=True)),
                        "valid_from": opened, "valid_to": None})
    return pd.DataFrame(out, columns=[*key, *values, *INTERVAL])


def status_periods(frame: pd.DataFrame, key: str, since: str, status: str, active: str,
                   ended_on: str) -> pd.DataFrame:
    """The active period of each key: from its explicit start (`since`) to its explicit end
    (`ended_on`) when any snapshot records one, else to the first snapshot showing a status
    other than `active`; open when the latest snapshot shows it active."""
    out = []
    for k, grp in frame.sort_values("_asof").groupby(key, sort=True):
        recs = grp.to_dict("records")
        explicit = [r[ended_on] for r in recs if not _blank(r[ended_on])]
        ended_seen = [r["_asof"] for r in recs if r[status] != active]
        latest_active = recs[-1][status] == active
        end = min(explicit) if explicit else (None if latest_active else min(ended_seen))
        out.append({key: k, "valid_from": recs[-1][since], "valid_to": end})
    return pd.DataFrame(out, columns=[key, *INTERVAL])


def events(frame: pd.DataFrame, columns: list[str], when: str) -> pd.DataFrame:
    """Distinct dated events seen across snapshots (a grade given on a day, a listing made on a
    day), each once, in date order."""
    seen = frame.dropna(subset=[when])[columns].drop_duplicates()
    return seen.sort_values([*columns[:1], when]).reset_index(drop=True)


def lapsing(events_: pd.DataFrame, key: str, when: str, years: int) -> pd.DataFrame:
    """Events valid for `years` from their date unless a later event of the same key replaces
    them first (an organisation's evaluation grade)."""
    out = events_.sort_values([key, when]).copy()
    expiry = pd.to_datetime(out[when]) + pd.DateOffset(years=years)
    following = pd.to_datetime(out.groupby(key)[when].shift(-1))
    ends = expiry.where(following.isna() | (expiry <= following), following)
    out["valid_from"] = out[when]
    out["valid_to"] = ends.dt.date
    return out.reset_index(drop=True)


def moves(changes: pd.DataFrame, current: pd.Series, key: str, old: str, new: str, when: str) -> pd.DataFrame:
    """Where each key (a street) belonged over time, from dated moves and its current parent.
    Returns key, parent, valid_from, valid_to."""
    out = []
    for k, parent_now in current.items():
        hops = changes[changes[key] == k].sort_values(when).to_dict("records")
        since = None
        for hop in hops:
            out.append({key: k, "parent": hop[old], "valid_from": since, "valid_to": hop[when]})
            since = hop[when]
        out.append({key: k, "parent": parent_now, "valid_from": since, "valid_to": None})
    return pd.DataFrame(out, columns=[key, "parent", *INTERVAL])
