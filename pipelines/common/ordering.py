"""Sorting frames by Arrow: pandas sorts an Arrow-backed text key by factorizing it first and a
column of Python dates by comparing objects, both one value at a time (6 s to sort the national
projects by award day; 20 of the national graph's 75 s of table building before sorted_frame).
pyarrow's `sort_indices` is a stable sort too, and text sorts by code point in both."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from data_contracts.distinct import distinct_text, known_distinct


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
    if in_order(table, nulls_first):  # a stable sort of rows in order keeps them where they are
        return np.arange(len(df), dtype=np.int64)
    nulls = "at_start" if nulls_first else "at_end"
    order = pc.sort_indices(table, sort_keys=[(k, "ascending", nulls) for k in keys])
    return order.to_numpy().astype(np.int64, copy=False)


def in_order(table: pa.Table, nulls_first: bool = False) -> bool:
    """Whether every row of `table` sorts no later than the next by its columns, in turn
    (ascending; missing cells last, or first with `nulls_first`; text by code point, as
    `sort_indices` compares it): then a stable sort leaves the rows where they are. One
    elementwise pass per column instead of a sort: a register's current rows, and several graph
    tables built from them, come in their key's order already. False for a NaN (never found in order: such rows are sorted),
    for a dictionary column (a pandas categorical sorts by its categories' order, not its
    values') and for columns Arrow cannot compare."""
    if any(pa.types.is_dictionary(t) for t in table.schema.types):
        return False  # a pandas categorical: ordered by its categories, which Arrow does not compare
    if table.num_rows < 2:
        return True
    earlier, later = table.slice(0, table.num_rows - 1), table.slice(1)
    try:
        pairs = [_before_or_same(earlier.column(n), later.column(n), nulls_first) for n in table.column_names[:1]]
        if not pc.all(pc.or_(*pairs[0])).as_py():  # out of order by the first column: no need to look further
            return False
        pairs += [_before_or_same(earlier.column(n), later.column(n), nulls_first) for n in table.column_names[1:]]
    except (pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return False
    before, same = pairs[-1]
    ordered = pc.or_(before, same)
    for before, same in reversed(pairs[:-1]):  # row i ahead of row i+1: by this column, or tied and by the next
        ordered = pc.or_(before, pc.and_(same, ordered))
    return bool(pc.all(ordered).as_py())


def _before_or_same(a: pa.ChunkedArray, b: pa.ChunkedArray, nulls_first: bool) -> tuple[pa.Array, pa.Array]:
    """Per position, whether `a` sorts strictly before `b`, and whether they tie (both missing,
    or equal); neither holds a null."""
    a_missing, b_missing = pc.is_null(a), pc.is_null(b)
    missing_before = (
        pc.and_(a_missing, pc.invert(b_missing)) if nulls_first else pc.and_(pc.invert(a_missing), b_missing)
    )
    before = pc.or_(pc.fill_null(pc.less(a, b), False), missing_before)
    same = pc.or_(pc.fill_null(pc.equal(a, b), False), pc.and_(a_missing, b_missing))
    return before, same


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
    time (7.5 s of a national run, in RegisterResult.current_positions). A first column known
    to hold each value once (data_contracts/distinct.py: the contract step found a register's
    keys so) makes every row its value's last, with nothing hashed."""
    order = sort_order(df, keys)
    if group and known_distinct(df[group[0]]):
        return order
    codes = np.zeros(len(df), dtype=np.int64)
    for name in group:
        column = pa.array(df[name], from_pandas=True)  # pandas' Arrow text may come in pieces
        column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
        encoded = pc.dictionary_encode(column, null_encoding="encode")
        # (a pandas categorical stays a dictionary whose entries may go unused: not told so)
        if len(encoded.dictionary) == len(df) and not pa.types.is_dictionary(column.type):
            # each row a value of its own (a register's key, as a rule): every row is its
            # value's last, in `keys`' order; no codes to sort (the national evaluations'
            # current rows: 0.37 s -> 0.20 s, measured once)
            return order
        width = len(encoded.dictionary) + 1
        if int(codes.max(initial=0)) >= np.iinfo(np.int64).max // width:  # renumber first
            codes = np.unique(codes, return_inverse=True)[1].reshape(-1).astype(np.int64)
        codes = codes * width + encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    # each value's last row in that order: its first in the reversed order
    _, first = np.unique(codes[order][::-1], return_index=True)
    last = np.zeros(len(order), dtype=bool)
    last[len(order) - 1 - first] = True
    return order[last]


def first_per(df: pd.DataFrame, column: str) -> pd.DataFrame:
    """`df.drop_duplicates(column)`: the first row of each value of one column (missing values
    one value), index labels kept. Most frames the graph is built from hold one row per value
    already (a register's current rows by its key): told by `distinct_text`, the frame is
    given back as it is (a shallow copy), with no pandas factorizing of the column."""
    return df.copy(deep=False) if distinct_text(df[column]) else df.drop_duplicates(column)
