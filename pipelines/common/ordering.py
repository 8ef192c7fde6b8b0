"""Sorting frames by Arrow: pandas sorts an Arrow-backed text key by factorizing it first and a
column of Python dates by comparing objects, both one value at a time (6 s to sort the national
projects by award day; 20 of the national graph's 75 s of table building before sorted_frame).
pyarrow's `sort_indices` is a stable sort too, and text sorts by code point in both."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def sort_order(df: pd.DataFrame, keys: list[str], nulls_first: bool = False) -> np.ndarray:
    """Positions (int64, one per row of `df`) that put `df` in the order
    `df.sort_values(keys, kind="stable", na_position=...)` gives. Falls back to pandas for keys
    Arrow will not take as one type; raises TypeError where pandas cannot compare them either."""
    try:
        table = pa.Table.from_pandas(df[keys], preserve_index=False)
    except (pa.ArrowException, TypeError, ValueError):
        positions = df[keys].set_axis(pd.RangeIndex(len(df)))
        na = "first" if nulls_first else "last"
        return positions.sort_values(keys, kind="stable", na_position=na).index.to_numpy(dtype=np.int64)
    nulls = "at_start" if nulls_first else "at_end"
    order = pc.sort_indices(table, sort_keys=[(k, "ascending", nulls) for k in keys])
    return order.to_numpy().astype(np.int64, copy=False)


def sort_rows(df: pd.DataFrame, keys: list[str], nulls_first: bool = False) -> pd.DataFrame:
    """`df.sort_values(keys, kind="stable", na_position=...)`, index labels kept, in the order
    `sort_order` finds."""
    return df.take(sort_order(df, keys, nulls_first))


def sorted_frame(df: pd.DataFrame, keys: list[str], nulls_first: bool = False) -> pd.DataFrame:
    """`sort_rows` with the index reset."""
    return sort_rows(df, keys, nulls_first).reset_index(drop=True)


def last_per(df: pd.DataFrame, group: list[str], keys: list[str]) -> pd.DataFrame:
    """The last row of each value of `group` when `df` is sorted by `keys` (stable, missing
    last), in that order, index reset: `df.sort_values(keys, kind="stable")
    .drop_duplicates(group, keep="last")`. Only the key columns are sorted; the other columns
    (lists, Python dates) are taken once, for the rows kept."""
    return df.take(last_positions(df, group, keys)).reset_index(drop=True)


def last_positions(df: pd.DataFrame, group: list[str], keys: list[str]) -> np.ndarray:
    """Positions (int64) of `last_per`'s rows in `df`, in its order. Each value of `group` is
    told by pyarrow's dictionary codes of its columns (missing cells one value, as pandas'
    `drop_duplicates` has them): pandas' own de-duplication factorizes text one value at a
    time (7.5 s of a national run, in RegisterResult.current_positions)."""
    order = sort_order(df, keys)
    codes = np.zeros(len(df), dtype=np.int64)
    for name in group:
        column = pa.array(df[name], from_pandas=True)  # pandas' Arrow text may come in pieces
        column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
        encoded = pc.dictionary_encode(column, null_encoding="encode")
        width = len(encoded.dictionary) + 1
        if int(codes.max(initial=0)) >= np.iinfo(np.int64).max // width:  # renumber first
            codes = np.unique(codes, return_inverse=True)[1].reshape(-1).astype(np.int64)
        codes = codes * width + encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    # each value's last row in that order: its first in the reversed order
    _, first = np.unique(codes[order][::-1], return_index=True)
    last = np.zeros(len(order), dtype=bool)
    last[len(order) - 1 - first] = True
    return order[last]
