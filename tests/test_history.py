"""Validity intervals: the vectorised derivations give exactly what the row-by-row ones gave
(kept here as the oracle), on the sample's registers and on random histories with gaps,
changes, explicit start dates and ended registrations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd
import pytest

from pipelines.common.history import INTERVAL, from_snapshots, status_periods
from pipelines.organisations.assets import listings


def _blank(v: object) -> bool:
    return v is None or (isinstance(v, float) and v != v) or v is pd.NaT


# --- the row-by-row versions, as they were before vectorising (the oracle) ---------------


def rowwise_from_snapshots(
    frame: pd.DataFrame,
    key: list[str],
    values: list[str],
    *,
    holds: Callable[[dict], bool] | None = None,
    start: str | None = None,
) -> pd.DataFrame:
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
                    out.append(
                        {
                            **dict(zip(key, k, strict=True)),
                            **dict(zip(values, current, strict=True)),
                            "valid_from": opened,
                            "valid_to": d,
                        }
                    )
                if state is not None:
                    explicit = rec.get(start) if start else None
                    precise = (
                        explicit is not None
                        and not _blank(explicit)
                        and explicit <= d
                        and (previous is None or explicit > previous)
                    )
                    opened = explicit if precise else d
                current = state
            previous = d
        if current is not None:
            out.append(
                {
                    **dict(zip(key, k, strict=True)),
                    **dict(zip(values, current, strict=True)),
                    "valid_from": opened,
                    "valid_to": None,
                }
            )
    return pd.DataFrame(out, columns=[*key, *values, *INTERVAL])


def rowwise_status_periods(
    frame: pd.DataFrame, key: str, since: str, status: str, active: str, ended_on: str
) -> pd.DataFrame:
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


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    norm = lambda df: [tuple(None if _blank(v) else v for v in r) for r in df.itertuples(index=False)]  # noqa: E731
    assert list(a.columns) == list(b.columns)
    assert norm(a) == norm(b)


DATES = [dt.date(2014, 9, 30), dt.date(2014, 12, 31), dt.date(2016, 12, 31), dt.date(2025, 12, 31)]


def _random_snapshots(seed: int, keys: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for k in range(keys):
        for d in DATES:
            if rng.random() < 0.25:
                continue  # not in this snapshot
            # a start date before the snapshot, or after it (never the more precise), or none
            # in each of the ways a register holds none
            joined = (
                d - dt.timedelta(days=int(rng.integers(0, 900)))
                if (pick := rng.random()) < 0.6
                else d + dt.timedelta(days=int(rng.integers(1, 30)))
                if pick < 0.7
                else [None, pd.NaT, float("nan")][int(rng.integers(0, 3))]
            )
            rows.append(
                {
                    "uscc": f"K{k:04d}",
                    "_asof": d,
                    "hub_id": f"H{rng.integers(0, 3)}" if rng.random() < 0.9 else None,
                    "liaison_id": f"L{rng.integers(0, 2)}" if rng.random() < 0.5 else None,
                    "joined_on": joined,
                    "has_party_branch": bool(rng.random() < 0.5),
                }
            )
    return pd.DataFrame(rows)


def test_from_snapshots_of_no_rows_is_empty_whatever_columns_they_lack():
    empty = pd.DataFrame({"uscc": [], "hub_id": [], "_asof": []})
    out = from_snapshots(empty, ["uscc"], ["hub_id"], start="joined_on")
    assert out.empty and list(out.columns) == ["uscc", "hub_id", *INTERVAL]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_from_snapshots_matches_the_row_by_row_derivation(seed):
    frame = _random_snapshots(seed)
    _same(
        from_snapshots(frame, ["uscc"], ["hub_id"], start="joined_on"),
        rowwise_from_snapshots(frame, ["uscc"], ["hub_id"], start="joined_on"),
    )
    _same(from_snapshots(frame, ["uscc"], ["liaison_id"]), rowwise_from_snapshots(frame, ["uscc"], ["liaison_id"]))
    _same(
        from_snapshots(frame, ["uscc"], [], holds="has_party_branch"),
        rowwise_from_snapshots(frame, ["uscc"], [], holds=lambda r: bool(r["has_party_branch"])),
    )
    _same(
        from_snapshots(frame, ["uscc", "hub_id"], ["liaison_id"]),
        rowwise_from_snapshots(frame, ["uscc", "hub_id"], ["liaison_id"]),
    )


@pytest.mark.parametrize("seed", [1, 2])
def test_from_snapshots_gives_text_keys_the_same_however_the_column_holds_them(seed):
    """A text key column as pandas' Arrow text (taken by position from its distinct values)
    and as Python objects (made again from Python strings) gives the same frame, dtypes too."""
    frame = _random_snapshots(seed)
    as_objects = frame.assign(uscc=frame["uscc"].astype(object))
    assert isinstance(frame["uscc"].dtype, pd.StringDtype) and as_objects["uscc"].dtype == object
    for key, values, kw in [
        (["uscc"], ["hub_id"], {"start": "joined_on"}),
        (["uscc"], [], {"holds": "has_party_branch"}),
    ]:
        arrow, objects = from_snapshots(frame, key, values, **kw), from_snapshots(as_objects, key, values, **kw)
        pd.testing.assert_frame_equal(arrow, objects)
        assert isinstance(arrow["uscc"].dtype, pd.StringDtype)


def _kept_snapshots(
    rng: np.random.Generator, keys: int, start: dt.date, spread: int
) -> Iterator[tuple[int, dt.date, dt.date]]:
    """For each of `keys` keys, a day within `spread` days from `start`, then each snapshot date
    of DATES the key is seen in (three in ten left out): (key number, its day, snapshot date)."""
    for k in range(keys):
        day = start + dt.timedelta(days=int(rng.integers(0, spread)))
        for d in DATES:
            if rng.random() < 0.3:
                continue
            yield k, day, d


@pytest.mark.parametrize("seed", [1, 2])
def test_status_periods_match_the_row_by_row_derivation(seed):
    rng = np.random.default_rng(seed)
    rows = []
    for k, since, d in _kept_snapshots(rng, 300, dt.date(2000, 1, 1), 4000):
        status = rng.choice(["正常", "注销", "撤销"], p=[0.7, 0.2, 0.1])
        ended = d - dt.timedelta(days=int(rng.integers(1, 100))) if status != "正常" and rng.random() < 0.5 else None
        rows.append(
            {"uscc": f"K{k:04d}", "_asof": d, "registration_date": since, "status": status, "status_date": ended}
        )
    frame = pd.DataFrame(rows)
    args = ("uscc", "registration_date", "status", "正常", "status_date")
    _same(status_periods(frame, *args), rowwise_status_periods(frame, *args))


@pytest.mark.parametrize("odd", [None, pd.NaT])
@pytest.mark.parametrize("seed", [1, 2])
def test_credit_listings_take_the_latest_removal_as_the_max_of_the_dates(seed, odd):
    """`listings` against pandas' own max of Python dates (one group at a time), removals given,
    missing and changed between snapshots; with pandas' NaT among them, which no contract
    gives, as pandas has it too."""
    rng = np.random.default_rng(seed)
    rows = []
    for k, listed_on, d in _kept_snapshots(rng, 200, dt.date(2019, 1, 1), 1500):
        removed = listed_on + dt.timedelta(days=int(rng.integers(1, 900))) if rng.random() < 0.4 else None
        rows.append(
            {
                "uscc": f"K{k % 120:04d}",
                "credit_list": str(rng.choice(["abnormal", "serious"])),
                "listed_on": listed_on,
                "removed_on": removed,
                "listing_reason": str(rng.choice(["未按时年检", "弄虚作假", None])),
                "_asof": d,
            }
        )
    listed = pd.DataFrame(rows).astype({"uscc": "str", "credit_list": "str"})
    if odd is not None:
        listed["removed_on"] = listed["removed_on"].astype(object)
        listed.at[0, "removed_on"] = odd
    oracle = (
        listed.sort_values("_asof")
        .groupby(["uscc", "credit_list", "listed_on"], as_index=False)
        .agg(reason=("listing_reason", "last"), removed_on=("removed_on", "max"))
    )
    got = listings(listed)
    assert got["removed_on"].notna().any() and got["removed_on"].isna().any()
    if odd is None:
        assert {type(d) for d in got["removed_on"].dropna()} == {dt.date}
    pd.testing.assert_frame_equal(got, oracle)


def test_the_sample_histories_are_unchanged(sample_run):
    """On the shipped sample, the histories the run wrote equal the row-by-row derivation."""
    settings, _ = sample_run
    folder = settings.tables_dir
    members = pd.read_parquet(folder / "hub_memberships.parquet").rename(columns={"asof": "_asof"})
    members["_asof"] = [pd.Timestamp(v).date() for v in members["_asof"]]
    written = pd.read_parquet(folder / "hub_memberships__membership.parquet")
    _same(
        rowwise_from_snapshots(members, ["uscc"], ["hub_id"], start="joined_on"), written[["uscc", "hub_id", *INTERVAL]]
    )
    assert len(written) > 1000
    orgs = pd.read_parquet(folder / "organisations.parquet").rename(columns={"asof": "_asof"})
    for col in ("_asof", "registration_date", "status_date"):
        orgs[col] = [None if _blank(v) else pd.Timestamp(v).date() for v in orgs[col]]
    status = pd.read_parquet(folder / "organisations__status.parquet")
    for col in INTERVAL:
        status[col] = [None if _blank(v) else pd.Timestamp(v).date() for v in status[col]]
    _same(rowwise_status_periods(orgs, "uscc", "registration_date", "status", "正常", "status_date"), status)
