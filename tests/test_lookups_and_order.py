"""The Arrow look-ups and sorts the graph build uses in place of pandas' own give what pandas
gives: `map_keys` as `Series.map`, `positions` as a first-match search, `last_per` as a stable
sort and `drop_duplicates(keep="last")`, and `in_threads` as a list comprehension."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from pipelines.common.ordering import last_per
from pipelines.common.references import map_keys, positions
from pipelines.graph.tables import in_threads


def _codes(rng: np.random.Generator, n: int, missing: float = 0.1) -> pd.Series:
    values = [None if rng.random() < missing else f"C{rng.integers(0, 40):03d}" for _ in range(n)]
    return pd.Series(values, dtype="str")


@pytest.mark.parametrize("seed", range(6))
def test_map_keys_as_pandas_map(seed):
    rng = np.random.default_rng(seed)
    values = _codes(rng, [500, 0, 1, 37, 200, 80][seed])
    values.index = rng.permutation(len(values)) * 3  # an index that is not 0..n-1
    keys = pd.Index(sorted({f"C{k:03d}" for k in rng.integers(0, 50, 30)}), dtype="str")
    mapping = pd.DataFrame(
        {
            "count": rng.integers(0, 9, len(keys)),
            "yuan": rng.random(len(keys)) * 1e4,
            "since": [dt.date(2020, 1, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 900, len(keys))],
            "name": pd.Series([f"名{k}" for k in range(len(keys))], dtype="str"),
            "rank": pd.array(rng.integers(1, 5, len(keys)), dtype="Int64"),
        },
        index=keys,
    )
    for column in mapping.columns:
        pd.testing.assert_series_equal(map_keys(values, mapping[column]), values.map(mapping[column]))
    whole = map_keys(values, mapping)
    for column in mapping.columns:
        pd.testing.assert_series_equal(whole[column], values.map(mapping[column]), check_names=False)


def test_map_keys_with_nothing_to_find_and_other_keys():
    values = pd.Series(["a", None, "b"], dtype="str")
    empty = pd.Series([], dtype="float64")  # an empty register's column comes as float
    assert map_keys(values, empty).isna().all()
    numbers = pd.Series([1, 2, 5])
    pd.testing.assert_series_equal(map_keys(numbers, pd.Series({1: "x", 5: "y"})), numbers.map({1: "x", 5: "y"}))


def test_map_keys_refuses_repeated_keys_as_pandas_does():
    values = pd.Series(["a", "b"], dtype="str")
    twice = pd.Series([1, 2], index=pd.Index(["a", "a"], dtype="str"))
    with pytest.raises(Exception):  # noqa: B017 - pandas' own error type is its internal InvalidIndexError
        values.map(twice)
    with pytest.raises(ValueError, match="repeat"):
        map_keys(values, twice)


def test_positions_are_the_first_match():
    values = pd.Series(["b", None, "z", "a", "b"], dtype="str")
    keys = pd.Series(["a", "b", "a", None], dtype="str")
    assert positions(values, keys).tolist() == [1, -1, -1, 0, 1]


@pytest.mark.parametrize("seed", range(5))
def test_last_per_as_sort_and_drop_duplicates(seed):
    rng = np.random.default_rng(seed)
    n = [300, 0, 1, 2, 120][seed]
    days = [None if d < 0 else dt.date(2021, 1, 1) + dt.timedelta(days=int(d)) for d in rng.integers(-1, 40, n)]
    df = pd.DataFrame(
        {
            "buyer": _codes(rng, n, missing=0),
            "day": pd.Series(days, dtype=object),
            "id": pd.Series([f"P{i:04d}" for i in rng.permutation(n)], dtype="str"),
            "served": [[f"c{j}" for j in range(int(k))] for k in rng.integers(0, 3, n)],
        }
    )
    want = df.sort_values(["day", "id"], kind="stable").drop_duplicates(["buyer"], keep="last").reset_index(drop=True)
    pd.testing.assert_frame_equal(last_per(df, ["buyer"], ["day", "id"]), want)


def test_in_threads_keeps_order_and_raises():
    assert in_threads(lambda x: x * x, list(range(20))) == [x * x for x in range(20)]

    def fails(x: int) -> int:
        if x == 7:
            raise ValueError("seven")
        return x

    with pytest.raises(ValueError, match="seven"):
        in_threads(fails, list(range(20)))
