"""Whether a column of text holds each value once, asked once per column.

A register's key column is hashed to tell it (pyarrow's `unique`) by the contract step's
de-duplication, and again when the register's current rows are picked (one row per key:
pipelines/common/ordering.py `last_positions`). What was found is kept here beside the Arrow
array pandas holds the column in: Arrow arrays are immutable, so while that array lives its
values stay distinct, and pandas hands the same array on through column selection, copies and
`reset_index`. After a 1% change of the national evaluations, the second hash of their 1M keys
took 0.10-0.44 s of the graph step (py-spy and timings, 2026-12-07).

A finding is held weakly: it goes with its array, and an array made anew (rows taken, filtered,
concatenated) is not known until looked at, until `kept_distinct` carries the finding over to a
subset of the rows, or until its maker vouches for it (`vouched_distinct`: a register's current
rows, one per key, whose key the graph's parts would otherwise hash again in `first_per`).
"""

from __future__ import annotations

import weakref

#: id of an Arrow text array found to hold no value twice -> a weak reference to it (Arrow
#: arrays take no hash of their own: their `==` compares values). No lock: one dict operation
#: each is atomic, and a lock taken here could be waited on by the garbage collector's call of
#: `forget` on the thread holding it, or be copied held into a forked child (a review's finding).
_DISTINCT: dict[int, weakref.ref] = {}


def _pandas_text(column):
    """The Arrow array pandas holds `column` in (the same object at each call: its
    `__arrow_array__`), when it is a pandas column of Arrow text (pandas' `str` dtype); None
    for any other column."""
    import pandas as pd

    dtype = getattr(column, "dtype", None)  # None: a frame (a name that repeats), or not pandas
    if not (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"):
        return None
    return column.array.__arrow_array__()


def _known(text) -> bool:
    ref = _DISTINCT.get(id(text))
    return ref is not None and ref() is text


def _remember(text) -> None:
    if _known(text):  # already held (vouched for again, or the same array under another column)
        return
    key = id(text)

    def forget(_ref, key=key):
        # called as the array goes, before its id can be another object's: no other entry
        # can take the key between the look and the removal
        if _DISTINCT.get(key) is _ref:
            _DISTINCT.pop(key, None)

    _DISTINCT[key] = weakref.ref(text, forget)


def distinct_text(column) -> bool:
    """Whether no two values of a pandas column of Arrow text (pandas' `str` dtype) are equal,
    two missing values counting as equal (as pandas' `duplicated` has them). pyarrow's `unique`
    hashes the text in C++: half the time of pandas' `duplicated` on the national projects'
    1.5 million ids (0.21 s against 0.41 s). A column found distinct before (its Arrow array
    the same) is not hashed again. False for a column of any other type: the caller compares
    it as pandas does."""
    import pyarrow.compute as pc

    text = _pandas_text(column)
    if text is None:
        return False
    if _known(text):
        return True
    distinct = len(pc.unique(text)) == len(text)
    if distinct:
        _remember(text)
    return distinct


def known_distinct(column) -> bool:
    """Whether `column` (a pandas column) is known to hold each value once (two missing values
    counting as equal) without looking at it: `distinct_text` found it so, or `kept_distinct`
    carried that over. False says only that it is not known."""
    text = _pandas_text(column)
    return text is not None and _known(text)


def vouched_distinct(column) -> None:
    """Hold `column` (a pandas column) known to hold each value once, as its maker vouches (a
    register's current rows hold one row per key by construction): nothing is looked at. A
    column not of Arrow text is left as it is."""
    text = _pandas_text(column)
    if text is not None:
        _remember(text)


def kept_distinct(before, after) -> None:
    """Carry over to `after` (a pandas frame holding some of the rows of the frame `before`,
    none twice) what is known of `before`'s columns of the same names: a column whose values
    were distinct still is in any of its rows. The caller vouches for the rows."""
    if not (before.columns.is_unique and after.columns.is_unique):
        return  # a name's column would be a frame
    for name in after.columns.intersection(before.columns):
        if known_distinct(before[name]):
            vouched_distinct(after[name])
