"""List fields as an accepted table holds them: each row's items as Arrow, in one column.

A national register holds about a million list cells (a project's served communities and
workers, a worker's communities). As a Python list per row they were made one by one, pickled
between processes and exploded for the graph object by object; as Arrow lists they are taken
from the distinct cells by code (column_pass.py), handed back as buffers and exploded by pyarrow.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

#: the type of a list field's column in an accepted table (empty_table, validate_frame)
TEXT_LISTS = pd.ArrowDtype(pa.list_(pa.large_string()))


def is_text_lists(column: pd.Series) -> bool:
    """Whether `column` holds Arrow lists (of any item type)."""
    return isinstance(column.dtype, pd.ArrowDtype) and pa.types.is_list(column.dtype.pyarrow_dtype)


def arrow_lists(column: pd.Series) -> pa.ListArray:
    """A column of lists as one pyarrow array: Arrow lists as they are (pandas may keep them in
    pieces); any other column (a frame no contract made: Python lists, nothing in a cell
    missing) through Python objects, as TEXT_LISTS. Raises pyarrow's ArrowInvalid or
    ArrowTypeError for a cell that is not a list of text."""
    if not is_text_lists(column):
        cells = column.to_numpy(dtype=object, na_value=None)
        return pa.array(cells, type=TEXT_LISTS.pyarrow_dtype)
    lists = pa.array(column.array)
    return lists.combine_chunks() if isinstance(lists, pa.ChunkedArray) else lists


def lengths(lists: pa.ListArray) -> np.ndarray:
    """Per list: how many items it holds (int), 0 for a missing one."""
    return pc.list_value_length(lists).fill_null(0).to_numpy(zero_copy_only=False)


def item_rows(lists: pa.ListArray) -> np.ndarray:
    """Per item of `pc.list_flatten(lists)`: the position of its list (int64). A missing list
    has no item, even where its offsets span some (valid Arrow, which `list_parent_indices`
    would count and `list_flatten` skips)."""
    return np.repeat(np.arange(len(lists), dtype=np.int64), lengths(lists))


def with_lists(column: pd.Series, changed: Mapping[Any, list[str] | None]) -> pd.Series:
    """A list column (TEXT_LISTS) with the rows labelled in `changed` holding the lists given
    there: the column's Arrow lists taken with the new ones appended, not a Python list made
    per row (pandas' Arrow lists take no list set into one row). Raises KeyError for a label
    not in the index, pandas' InvalidIndexError for an index whose labels are not unique."""
    if not changed:
        return column
    rows = column.index.get_indexer(list(changed))  # raises InvalidIndexError for an index not unique
    if (rows < 0).any():
        raise KeyError(
            f"labels not in the column's index: {[k for k, r in zip(changed, rows, strict=True) if r < 0][:5]}"
        )
    at = np.arange(len(column))
    at[rows] = np.arange(len(column), len(column) + len(changed))
    new = pa.array(list(changed.values()), type=TEXT_LISTS.pyarrow_dtype)
    both = pa.concat_arrays([arrow_lists(column).cast(TEXT_LISTS.pyarrow_dtype), new])
    return pd.Series(pd.array(both.take(at), dtype=TEXT_LISTS), index=column.index, name=column.name)


def exploded(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """`frame.explode(column).dropna(subset=[column])`: a row per item present, in row and item
    order, the other columns repeated (index labels too); the items as pandas' Arrow text
    (`str`), cut from the lists by pyarrow. `column` holds lists (`arrow_lists`)."""
    lists = arrow_lists(frame[column])
    parents, items = item_rows(lists), pc.list_flatten(lists)
    if items.null_count:  # an item missing is no item (explode then dropna)
        present = pc.is_valid(items)
        parents, items = parents[present.to_numpy(zero_copy_only=False)], items.filter(present)
    out = frame.iloc[parents]
    return out.assign(**{column: pd.array(items.cast(pa.large_string()), dtype="str")})


def arrow_table(frame: pd.DataFrame) -> pa.Table:
    """`frame` as an Arrow table for a Parquet file pandas reads back (`pd.read_parquet`), its
    index left out. pandas 3.1 names an Arrow list column's type in the file's pandas metadata
    in words its own reader does not take back ("data type 'list<item: large_string>[pyarrow]'
    not understood"): such a column is described as `object`, what pandas read a Parquet list
    column as before its lists were Arrow (each cell a numpy array of its items)."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    meta = json.loads(table.schema.metadata[b"pandas"])
    for column in meta["columns"]:
        if column["name"] in frame.columns and is_text_lists(frame[column["name"]]):
            column["numpy_type"] = "object"
    return table.replace_schema_metadata({**table.schema.metadata, b"pandas": json.dumps(meta).encode()})
