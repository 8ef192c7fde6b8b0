"""Graph tables to Arrow: the one-call conversion gives what converting value by value gives,
for every column of the sample graph and for the awkward columns a frame can hold."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from graph_schema.model import schema
from graph_schema.types import TYPES
from pipelines.common.ordering import sorted_frame
from pipelines.graph.arrow import _array, _values, repeated_keys
from pipelines.graph.dump import tables_from_dump


def _same(series: pd.Series, type_: str) -> None:
    want = pa.array(_values(series, type_), TYPES[type_].arrow_type())
    assert _array(series, type_).equals(want), (series.name, type_)


def test_every_column_of_the_sample_graph(store):
    s = schema()
    tables = tables_from_dump(store.dump())
    checked = 0
    for label, df in tables.nodes.items():
        for p in s.node(label).properties:
            _same(df[p.name], p.type)
            checked += 1
    for (rtype, _, _), df in tables.rels.items():
        for p in s.rel(rtype).properties:
            _same(df[p.name], p.type)
            checked += 1
    assert checked > 50


@pytest.mark.parametrize(
    ("values", "type_"),
    [
        ([dt.date(2024, 1, 2), None, pd.Timestamp("2024-03-04"), pd.NaT], "date"),
        ([dt.date(2024, 1, 2), None, np.nan], "date"),
        (pd.to_datetime(["2024-01-02", None]), "date"),
        ([1.0, np.nan, 3.0], "int"),
        ([1.5, 2.0, None], "int"),
        ([1, None, 3], "int"),
        (["a", None, np.nan, ""], "string"),
        ([1, 2.5, None], "float"),
        ([True, None, False], "bool"),
    ],
)
def test_awkward_columns(values, type_):
    _same(pd.Series(values, name="x"), type_)


def _frame(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """Keys with ties and gaps of every kind the graph's tables sort on."""
    text = rng.choice(["", "a", "b", "社区", "社会", "Z", None], n)
    days = [None if v < 0 else dt.date(2020, 1, 1) + dt.timedelta(days=int(v)) for v in rng.integers(-2, 4, n)]
    return pd.DataFrame(
        {
            "from": pd.Series(text, dtype="str"),
            "to": pd.Series(rng.choice(["x", "y", None], n), dtype="str"),
            "valid_from": pd.Series(days, dtype=object),
            "amount": np.where(rng.random(n) < 0.2, np.nan, rng.integers(0, 3, n).astype(float)),
            "row": np.arange(n),
        }
    )


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("nulls_first", [False, True])
def test_sorting_and_repeated_keys_as_pandas_does(seed, nulls_first):
    df = _frame(np.random.default_rng(seed), [300, 0, 1, 2, 40][seed])
    for keys in (["from"], ["from", "to"], ["from", "to", "valid_from"], ["amount", "from"]):
        want = df.sort_values(keys, kind="stable", na_position="first" if nulls_first else "last")
        got = sorted_frame(df, keys, nulls_first)
        pd.testing.assert_frame_equal(got, want.reset_index(drop=True))
        assert repeated_keys(got, keys).tolist() == got.duplicated(keys).tolist()
    mixed = _frame(np.random.default_rng(seed), 300)
    mixed["to"] = pd.Series([1, "1"] * 150, dtype=object)  # no one Arrow type: pandas sorts it
    with pytest.raises(TypeError):
        mixed.sort_values(["to"])
    with pytest.raises(TypeError):
        sorted_frame(mixed, ["to"])
