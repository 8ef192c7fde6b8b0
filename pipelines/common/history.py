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

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

INTERVAL = ["valid_from", "valid_to"]


@dataclass
class _Grid:
    """A register's snapshots as a matrix: one row per key, one column per snapshot date; each
    cell the code of the values the key showed that day (-1: not shown), and the row's own
    start date where it gives one."""

    dates: list
    keys: pd.Index
    states: pd.Index
    state: np.ndarray
    explicit: np.ndarray | None


@dataclass
class _Intervals:
    """Intervals found so far, as parallel arrays (kept together so they cannot drift apart)."""

    key: list[np.ndarray] = field(default_factory=list)
    state: list[np.ndarray] = field(default_factory=list)
    valid_from: list[np.ndarray] = field(default_factory=list)
    opened_at: list[np.ndarray] = field(default_factory=list)
    valid_to: list[np.ndarray] = field(default_factory=list)

    def close(
        self, which: np.ndarray, state: np.ndarray, valid_from: np.ndarray, opened_at: np.ndarray, valid_to: object
    ) -> None:
        self.key.append(which)
        self.state.append(state[which])
        self.valid_from.append(valid_from[which])
        self.opened_at.append(opened_at[which])
        self.valid_to.append(np.full(len(which), valid_to, object))

    def joined(self, name: str) -> np.ndarray:
        return np.concatenate(getattr(self, name))


def _only(frame: pd.DataFrame, *names: str) -> pd.DataFrame:
    """The columns `names` of `frame` alone (each once): what a history reads, cut before it
    sorts or drops rows, which take every column along (1.2 s of pyarrow takes in the national
    organisations' status periods, the hub memberships' 28 columns dropped with their rows)."""
    return frame[list(dict.fromkeys(names))]


def _grid(frame: pd.DataFrame, key: list[str], values: list[str], holds: str | None, start: str | None) -> _Grid:
    dates = sorted(frame["_asof"].unique())
    at = {d: i for i, d in enumerate(dates)}
    shown = frame[holds].fillna(False).astype(bool) if holds else frame[values].notna().all(axis=1)
    keys = frame[key].astype(object).apply(tuple, axis=1) if len(key) > 1 else frame[key[0]]
    key_codes, key_uniques = pd.factorize(keys, sort=True)
    if values:
        state_codes, state_uniques = pd.factorize(
            frame[values].astype(object).apply(tuple, axis=1) if len(values) > 1 else frame[values[0]].astype(object)
        )
    else:
        state_codes, state_uniques = np.zeros(len(frame), dtype=np.int64), pd.Index([()])
    state = np.full((len(key_uniques), len(dates)), -1, dtype=np.int64)  # -1: not shown on that date
    col = frame["_asof"].map(at).to_numpy()
    state[key_codes, col] = np.where(shown.to_numpy(), state_codes, -1)
    explicit = None
    if start:
        explicit = np.full(state.shape, None, dtype=object)
        explicit[key_codes, col] = frame[start].astype(object).where(frame[start].notna(), None).to_numpy()
    return _Grid(dates, pd.Index(key_uniques), pd.Index(state_uniques), state, explicit)


def _opening_days(g: _Grid, i: int) -> np.ndarray:
    """The day each key's interval opens if it opens at snapshot `i`: the snapshot's date, or
    the row's own start date when that falls after the previous snapshot (more precise)."""
    d = g.dates[i]
    when = np.full(len(g.keys), d, dtype=object)
    if g.explicit is None:
        return when
    ex = g.explicit[:, i]
    # compared as days in C: a Python comparison per key took 0.9 s of the national hub
    # memberships' 777,864 (missing values, None, NaN, NaT or NA, are never precise)
    days = pd.to_datetime(pd.Series(ex, dtype=object), errors="coerce").to_numpy()
    precise = ~np.isnat(days) & (days <= np.datetime64(d))
    if i > 0:
        precise &= days > np.datetime64(g.dates[i - 1])
    return np.where(precise, ex, when)


def _walk(g: _Grid) -> _Intervals:
    """Every interval of every key, by one pass over the snapshot dates."""
    found = _Intervals()
    n_keys = len(g.keys)
    current = np.full(n_keys, -1, dtype=np.int64)
    opened = np.full(n_keys, None, dtype=object)
    opened_at = np.full(n_keys, -1, dtype=np.int64)
    for i, d in enumerate(g.dates):
        now = g.state[:, i]
        changed = now != current
        found.close(np.flatnonzero(changed & (current != -1)), current, opened, opened_at, d)
        starting = changed & (now != -1)
        opened = np.where(starting, _opening_days(g, i), opened)
        opened_at = np.where(starting, i, opened_at)
        current = now
    found.close(np.flatnonzero(current != -1), current, opened, opened_at, None)
    return found


def from_snapshots(
    frame: pd.DataFrame, key: list[str], values: list[str], *, holds: str | None = None, start: str | None = None
) -> pd.DataFrame:
    """One row per interval during which a key showed the same `values` in consecutive snapshots.

    `frame` has the key, value and `_asof` columns (one row per key and snapshot). `holds`
    names a boolean column saying whether a row shows the fact at all (default: every value is
    filled); a row that does not, or a snapshot without the key, ends the interval.

    Vectorised over keys: one pass per snapshot date (a handful), never one per key, so 850,000
    memberships cost what 8,000 do times a hundred.
    """
    columns = [*key, *values, *INTERVAL]
    if frame.empty:  # before the columns are picked: an empty frame may lack some
        return pd.DataFrame(columns=columns)
    frame = _only(frame, *key, *values, "_asof", *([holds] if holds else []), *([start] if start else []))
    frame = frame.dropna(subset=key)  # a row without its key names nothing
    if frame.empty:
        return pd.DataFrame(columns=columns)
    g = _grid(frame, key, values, holds, start)
    found = _walk(g)
    k = found.joined("key")
    order = np.lexsort((found.joined("opened_at"), k))  # by key, then chronologically
    out = pd.DataFrame(index=range(len(k)))
    _spread(out, key, g.keys, k[order])
    if values:
        _spread(out, values, g.states, found.joined("state")[order])
    out["valid_from"] = found.joined("valid_from")[order]
    out["valid_to"] = found.joined("valid_to")[order]
    return out[columns].reset_index(drop=True)


def _spread(out: pd.DataFrame, names: list[str], uniques: pd.Index, at: np.ndarray) -> None:
    """Columns `names` of `out` from the values of `uniques` at positions `at`: tuples when
    there are several names. One text column is taken as pandas' Arrow text as it is: through
    a Python string per row, then back to Arrow, it took 0.15 s of each national history."""
    if len(names) == 1 and isinstance(uniques.dtype, pd.StringDtype):
        out[names[0]] = uniques.take(at).array
        return
    picked = np.asarray(uniques, dtype=object)[at]
    for j, name in enumerate(names):
        out[name] = [v[j] for v in picked] if len(names) > 1 else picked


def status_periods(frame: pd.DataFrame, key: str, since: str, status: str, active: str, ended_on: str) -> pd.DataFrame:
    """The active period of each key: from its explicit start (`since`) to its explicit end
    (`ended_on`) when any snapshot records one, else to the first snapshot showing a status
    other than `active`; open when the latest snapshot shows it active."""
    if frame.empty:
        return pd.DataFrame(columns=[key, *INTERVAL])
    ordered = _only(frame, key, since, status, ended_on, "_asof").sort_values("_asof", kind="stable")
    latest = ordered.drop_duplicates(key, keep="last").set_index(key).sort_index()
    explicit = _first(ordered[ordered[ended_on].notna()].sort_values(ended_on, kind="stable"), key, ended_on)
    ended_seen = _first(ordered[ordered[status] != active], key, "_asof")  # already in `_asof` order
    end = explicit.reindex(latest.index)
    fallback = ended_seen.reindex(latest.index).where(latest[status] != active)
    end = end.astype(object).where(end.notna(), fallback.astype(object))
    # pandas' missing test in C: None, NaN, NaT and NA are what `missing` tells too (a Python
    # call per key took 0.6 s of the national organisations' 890,400)
    valid_to = end.to_numpy(dtype=object, copy=True)
    valid_to[pd.isna(valid_to)] = None
    out = pd.DataFrame({key: latest.index, "valid_from": latest[since].to_numpy(), "valid_to": valid_to.tolist()})
    return out.reset_index(drop=True)


def _first(rows: pd.DataFrame, key: str, column: str) -> pd.Series:
    """`column` of each key's first row, by key: the least value when `rows` are in that
    column's order. A groupby's `min` of Python dates aggregates each group in Python (13 s of
    the national organisations' 17 s resolution step, 160,000 groups)."""
    firsts = rows.dropna(subset=[key]).drop_duplicates(key, keep="first")
    return firsts.set_index(key)[column]


def events(frame: pd.DataFrame, columns: list[str], when: str) -> pd.DataFrame:
    """Distinct dated events seen across snapshots (a grade given on a day, a listing made on a
    day), each once, in date order."""
    seen = _only(frame, *columns, when).dropna(subset=[when])[columns].drop_duplicates()
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
    hops_of = {k: g.sort_values(when).to_dict("records") for k, g in changes.groupby(key)} if len(changes) else {}
    out = []
    for k, parent_now in current.items():
        since = None
        for hop in hops_of.get(k, []):
            out.append({key: k, "parent": hop[old], "valid_from": since, "valid_to": hop[when]})
            since = hop[when]
        out.append({key: k, "parent": parent_now, "valid_from": since, "valid_to": None})
    return pd.DataFrame(out, columns=[key, "parent", *INTERVAL])
