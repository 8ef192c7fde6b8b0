"""Cross-register checks: a row that refers to something another register does not hold (or
rejected) is quarantined with rule `unknown_reference`, naming the column and the value."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from data_contracts.base import Contract
from data_contracts.lists import arrow_lists, is_text_lists, item_rows
from data_contracts.validation import issue, issues_frame


def unknown_references(
    frame: pd.DataFrame, model: type[Contract], field: str, known: Iterable[str], target_zh: str, target_en: str
) -> pd.DataFrame:
    """Issues for rows whose `field` (a value, or a list of values) is not in `known` (the
    referenced register's keys: a pandas text column is looked up as it is, with no Python
    string per key, as `resolve.keys` gives it). Empty values are not references and pass."""
    value_set = _value_set(known)
    at = _suspects(frame[field], value_set)
    cells = [frame[field].iat[i] for i in at]
    present = _present(cells, value_set)
    out = []
    for i, value in zip(at, cells, strict=True):
        values = value if isinstance(value, list) else ([] if pd.isna(value) or value == "" else [value])
        missing = [v for v in values if not (isinstance(v, str) and v in present)]
        if missing:
            out.append(
                issue(
                    model,
                    frame["_file"].iat[i],
                    int(frame["_row"].iat[i]),
                    field,
                    "unknown_reference",
                    ";".join(values),
                    target=target_zh,
                    target_en=target_en,
                    missing="、".join(missing),
                )
            )
    return issues_frame(out)


def _present(cells: list, value_set: pa.Array) -> set[str]:
    """The text values and list items of `cells` that are in `value_set`. The suspect rows are
    few, so the look-up goes the other way round: which keys are among their items. pyarrow
    hashes the set it is given before each look-up, and hashing the few items instead of the
    keys takes 0.02 s rather than 0.3-0.6 s against the national projects' 1.5 million
    (measured once; with no suspect rows at all there is nothing to look up)."""
    items = {v for c in cells for v in (c if isinstance(c, list) else [c]) if isinstance(v, str)}
    if not items:
        return set()
    wanted = pa.array(sorted(items), type=pa.string()).cast(value_set.type)
    return set(value_set.filter(pc.is_in(value_set, value_set=wanted)).to_pylist())


def _suspects(col: pd.Series, value_set: pa.Array, is_list: np.ndarray | None = None) -> list[int]:
    """Positions of the rows that may refer to something unknown: single values and list items
    are looked up a column at a time by pyarrow (a national register has a million rows,
    nearly all of them fine), against one Arrow copy of the keys (`_value_set`). `is_list`:
    `_lists(col)`, when the caller has it already."""
    if is_list is None:
        lists = _as_lists(col)
        if lists is not None:  # a list or nothing in every cell
            return np.flatnonzero(_unknown_items(lists, value_set)).tolist()
        is_list = _lists(col)
    suspect = np.zeros(len(col), bool)
    text = _arrow_text(col[~is_list])
    # a value is given where its text is neither missing nor empty, told by pyarrow on the text
    # looked up: pandas' `astype(object) != ""` made a Python string of every row (0.23 s of
    # the 0.6 s look-up of the national projects' 1.5 million provider codes, measured once)
    given = pc.fill_null(pc.not_equal(text, ""), False).to_numpy(zero_copy_only=False)
    suspect[~is_list] = given & ~_found(text, value_set)
    if is_list.any():
        cells = col[is_list].tolist()
        try:
            lists = pa.array(cells, type=pa.list_(pa.string()))
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # an item that is not text: judged one by one
            present = _present(cells, value_set)
            suspect[is_list] = [any(not (isinstance(v, str) and v in present) for v in values) for values in cells]
        else:
            suspect[is_list] = _unknown_items(lists, value_set)
    return np.flatnonzero(suspect).tolist()


def _unknown_items(lists: pa.ListArray, value_set: pa.Array) -> np.ndarray:
    """Per list: whether an item of it is not in `value_set` (a missing list has none)."""
    missing = ~_found(pc.list_flatten(lists), value_set)
    return np.bincount(item_rows(lists)[missing], minlength=len(lists)) > 0


def _as_lists(col: pd.Series) -> pa.ListArray | None:
    """The column as an Arrow list of text, missing cells null, when every cell holding a value
    holds a list of text (what a contract's list field holds); None otherwise: a text cell
    among them, an item that is not text, no list at all. (pyarrow takes a tuple, a set or an
    array for a list too, where the cell-by-cell way failed on them; contracts make lists only.)
    pyarrow judges the cells in C++, where `_lists` asks Python of each (the national projects'
    two list references took 1.1 s of their suite's `is_known` that way, 0.6 s this way)."""
    if is_text_lists(col):  # a contract's list field (lists.TEXT_LISTS): as it is, no copy
        return arrow_lists(col)
    if col.dtype != object or not len(col):
        return None
    try:  # types inferred, not imposed: imposed, a text cell would pass as a list of its letters
        lists = pa.array(col.to_numpy(dtype=object), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):  # lists mixed with text
        return None
    if not pa.types.is_list(lists.type) or not (
        pa.types.is_string(lists.type.value_type) or pa.types.is_null(lists.type.value_type)
    ):
        return None
    return lists.cast(pa.list_(pa.string()))


def is_known(values: pd.Series, keys: Iterable[str]) -> pd.Series:
    """Per row: True where the value (of a list, every item) is one of `keys` (a pandas text
    column, or any collection of text), False where it is not, None where there is no value
    (empty or missing). Object dtype, `values`' index."""
    out = pd.Series(True, index=values.index, dtype=object)
    lists = _as_lists(values)
    if lists is not None:  # a list or nothing in every cell
        out.iloc[np.flatnonzero(_unknown_items(lists, _value_set(keys)))] = False
        return out.where(~pd.Series(lists.is_null().to_numpy(zero_copy_only=False), index=values.index), None)
    # which cells are lists, found once: a Python call per cell (0.85 s of the national projects
    # suite's 5.2 s for each time it was asked)
    is_list = _lists(values)
    out.iloc[_suspects(values, _value_set(keys), is_list)] = False
    # plain numpy booleans: on a pandas string column `map` keeps the string dtype, and Arrow
    # then refuses to combine the result with a boolean mask
    empty = ~is_list & (values.isna().to_numpy(dtype=bool) | values.eq("").to_numpy(dtype=bool))
    return out.where(~pd.Series(empty, index=values.index), None)


def _lists(col: pd.Series) -> np.ndarray:
    """Per row: whether the cell is a list. Only an object column can hold one; a text column
    (pandas' Arrow strings) is answered without a Python call per row."""
    if col.dtype != object:
        return np.zeros(len(col), bool)
    return np.fromiter((isinstance(v, list) for v in col), bool, len(col))


def is_in(values: pd.Series, keys: Iterable[str]) -> pd.Series:
    """`values.isin(keys)` for text, by pyarrow: pandas makes an Arrow scalar of every key in
    Python, 4.4 s for one look-up in 900,000 codes against 0.6 s here. Empty values are False."""
    return pd.Series(_found(_arrow_text(values), _value_set(keys)), index=values.index)


def _value_set(keys: Iterable[str]) -> pa.Array:
    """The text keys as one Arrow array: pandas' Arrow text as it is (no Python string per key)."""
    if isinstance(keys, pd.Series) and _arrow_backed(keys):
        known = _arrow_text(keys.dropna())
        return (known.combine_chunks() if isinstance(known, pa.ChunkedArray) else known).cast(pa.string())
    return pa.array([k for k in keys if isinstance(k, str)], type=pa.string())


def _found(text: pa.Array | pa.ChunkedArray, value_set: pa.Array) -> np.ndarray:
    """Per value: whether it is in `value_set` (a missing value is not)."""
    found = pc.is_in(text, value_set=value_set if value_set.type == text.type else value_set.cast(text.type))
    return found.fill_null(False).to_numpy(zero_copy_only=False)


def _arrow_text(values: pd.Series) -> pa.Array:
    """The column as an Arrow text array: pandas' own Arrow strings as they are (no Python
    string per row, no copy), any other column through Python objects, missing values null."""
    if _arrow_backed(values):
        return pa.array(values.array)
    return pa.array(values.astype(object).where(values.notna(), None).tolist(), type=pa.string())


def _arrow_backed(values: pd.Series) -> bool:
    """Whether the column is pandas' Arrow-backed text (every value a str or missing)."""
    return isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow"


def positions(values: pd.Series, keys: pd.Series | pd.Index) -> np.ndarray:
    """Per value: the position (int64) of its first equal in `keys`, -1 where there is none or
    the value is missing (a missing key is never found). Both sides are compared as text (an
    empty register's key column comes as float), by pyarrow's hash look-up: pandas' `map` and
    `get_indexer` on Arrow-backed text hash the values through Python objects (8 of the
    national graph's 61 s of table building)."""
    return _index_in(as_text(values), as_text(keys))


def positions_each(columns: Sequence[pd.Series], keys: pd.Series | pd.Index) -> list[np.ndarray]:
    """`positions(column, keys)` for each of `columns`, the keys hashed once: pyarrow builds its
    hash table of the value set at each look-up, whatever the values looked up (0.21 s of each
    of four look-ups in the 890,400 national organisation codes, of 17,806 to 1,498,000 values;
    measured once), so the columns are looked up together. As large_string: together their
    text may pass what one piece of `string` holds."""
    texts = [as_text(c).cast(pa.large_string()) for c in columns]
    at = _index_in(pa.concat_arrays(texts) if texts else pa.array([], pa.large_string()), as_text(keys))
    bounds = np.cumsum([0, *map(len, texts)])
    return [at[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def _index_in(text: pa.Array, keys: pa.Array) -> np.ndarray:
    """Per value of `text`: the position (int64) of its first equal in `keys`, -1 for none."""
    at = pc.index_in(text, value_set=keys if keys.type == text.type else keys.cast(text.type), skip_nulls=True)
    return at.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64, copy=False)


def map_keys(values: pd.Series, mapping: pd.Series | pd.DataFrame) -> pd.Series | pd.DataFrame:
    """`values.map(mapping)` for text keys (mapping's index, unique): mapping's value at each
    value's key, missing (NaN, or the dtype's NA) where none, `values`' index. A frame maps
    every column of it with one look-up (a frame back). Other keys (a number, a date) are left
    to pandas' own `map`, and so is an empty `values` (pandas keeps its dtype). Unlike pandas, a
    missing value finds nothing, even where the mapping has a missing key."""
    frame = mapping if isinstance(mapping, pd.DataFrame) else mapping.to_frame()
    if len(values) and _texty(values) and _texty(frame.index):
        at = _unique_positions(values, frame.index)
        out = pd.DataFrame({c: frame[c].array.take(at, allow_fill=True) for c in frame.columns}, index=values.index)
    else:
        out = pd.DataFrame({c: values.map(frame[c]) for c in frame.columns}, index=values.index)
    return out if isinstance(mapping, pd.DataFrame) else out.iloc[:, 0].rename(values.name)


def _unique_positions(values: pd.Series, keys: pd.Index) -> np.ndarray:
    if not keys.is_unique:  # as pandas' map: which of two values would be meant?
        raise ValueError("map_keys: the mapping's keys repeat")
    return positions(values, keys)


def _texty(values: pd.Series | pd.Index) -> bool:
    """Whether the values are text, or there are none (an empty column comes as float)."""
    return len(values) == 0 or isinstance(values.dtype, pd.StringDtype) or pd.api.types.infer_dtype(values) == "string"


def as_text(values: pd.Series | pd.Index) -> pa.Array:
    """Any column or index as one Arrow `string` array: values as text, missing ones null
    (pandas' Arrow text held in several pieces comes as one, as pyarrow's kernels that take a
    single array, `concat_arrays` and `take`'s results, need)."""
    text = pa.array(pd.Series(values).astype("string"), type=pa.string(), from_pandas=True)
    return text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text
