"""Frames → Arrow tables typed by the schema, so every store receives the declared types
(an int column with gaps stays INT64, a date column stays DATE)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from graph_schema.model import Property
from graph_schema.types import TYPES, day, missing

#: the most bytes the values of one piece of Arrow `string` or `binary` (32-bit offsets) span
STRING_BYTES_MAX = 2**31 - 1

_pool_lock = threading.Lock()
#: blocks of `c_allocator` running, and the default pool to put back when the last ends
_pool_users: list = [0, None]


@contextmanager
def c_allocator() -> Iterator[None]:
    """While the block runs, pyarrow allocates from the C allocator (its `system_memory_pool`)
    instead of its default pool (mimalloc in the wheels this project installs); the default is
    put back when the last such block running ends. A buffer always goes back to the pool it
    came from, so only speed and memory change; the setting is the process's, so another
    thread's allocations in the meantime go there too.

    Why: mimalloc made pyarrow's first work on large fresh arrays slow. Ordering the national
    poorly-evaluated-still-funded answer (5.4M rows) in a new process took 2.2-3.1 s with it
    against 1.2-1.5 s from jemalloc or the C allocator, and 1.1 s when it was done a second
    time in the same process (ARROW_DEFAULT_MEMORY_POOL, two tries each). For a whole national
    run the trade is not clear: with the C allocator throughout, one run peaked at 7.43 GiB
    against 7.79 GiB, and its contract checks took 44 s against 32 s."""
    with _pool_lock:
        if _pool_users[0] == 0:
            _pool_users[1] = pa.default_memory_pool()
            pa.set_memory_pool(pa.system_memory_pool())
        _pool_users[0] += 1
    try:
        yield
    finally:
        with _pool_lock:
            _pool_users[0] -= 1
            if _pool_users[0] == 0:
                pa.set_memory_pool(_pool_users[1])
                _pool_users[1] = None


def _array(series: pd.Series, type_: str) -> pa.Array:
    """The column as an Arrow array of its schema type: converted by pyarrow in one call, or
    value by value (`_values`) where the column holds something pyarrow will not take as that
    type (a Timestamp in a date column, a fraction in an int column, a number in a text one).
    tests/test_graph_arrow.py holds the two ways equal."""
    try:
        return pa.array(series, type=TYPES[type_].arrow_type(), from_pandas=True)
    except (pa.ArrowException, TypeError, ValueError):
        return pa.array(_values(series, type_), TYPES[type_].arrow_type())


def _values(series: pd.Series, type_: str) -> list:
    def clean(v):
        if missing(v):
            return None
        if type_ in ("int", "float"):
            return TYPES[type_].cast(v)
        if type_ == "date":
            return day(v) if isinstance(v, dt.date) else v
        return v

    return [clean(v) for v in series.tolist()]


def typed_table(df: pd.DataFrame, props: tuple[Property, ...], key_cols: list[str] | None = None) -> pa.Table:
    """Arrow table with `key_cols` (string) first, then the properties in schema order."""
    arrays, names = [], []
    for col in key_cols or []:
        arrays.append(pa.array(df[col].astype(str), pa.string()))
        names.append(col)
    for p in props:
        arrays.append(_array(df[p.name], p.type))
        names.append(p.name)
    return pa.Table.from_arrays(arrays, names=names)


def repeated_keys(df: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """Per row of `df` (sorted by `keys`, as pipelines.common.ordering.sorted_frame leaves it):
    whether its keys equal the row's before, missing equal to missing (as `DataFrame.duplicated`
    counts them)."""
    if len(df) < 2:
        return np.zeros(len(df), bool)
    same = np.ones(len(df) - 1, bool)
    for k in keys:
        col = pa.array(df[k], from_pandas=True)
        if pa.types.is_null(col.type):  # every value missing: all equal
            continue
        a, b = col.slice(1), col.slice(0, len(df) - 1)
        eq = pc.equal(a, b).fill_null(False).to_numpy(zero_copy_only=False)
        both_missing = pc.is_null(a).to_numpy(zero_copy_only=False) & pc.is_null(b).to_numpy(zero_copy_only=False)
        same &= eq | both_missing
    return np.concatenate(([False], same))
