"""data_contracts/lists.py: list fields held as Arrow lists, against what pandas and Python
lists give (the way they were held before)."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

from data_contracts.lists import TEXT_LISTS, arrow_lists, exploded, item_rows, with_lists
from pipelines.common.references import is_known

CELLS = [["a", "b"], None, [], ["c"], ["a", None, "d"], [], ["e", "e"]]


def _spanning_null() -> pd.Series:
    """Lists whose missing one still spans two items in the buffers (valid Arrow; pandas' own
    operations leave a missing list empty, other writers need not)."""
    arr = pa.ListArray.from_arrays(
        pa.array([0, 2, 4, 5], pa.int32()),
        pa.array(list("abcde"), pa.large_string()),
        mask=pa.array([False, True, False]),
    )
    return pd.Series(pd.array(arr, dtype=TEXT_LISTS), index=[7, 8, 9])


def _old_explode(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """What the graph's explodes were: pandas' explode of Python lists, missing items dropped."""
    python = frame.assign(
        **{column: pd.Series(arrow_lists(frame[column]).to_pylist(), index=frame.index, dtype=object)}
    )
    return python.explode(column).dropna(subset=[column])


@pytest.mark.parametrize(
    "index",
    [list(range(len(CELLS))), [5, 5, 3, 9, 9, 1, 0]],  # labels repeated: kept with their rows
)
@pytest.mark.parametrize("pieces", [1, 3])
def test_exploded_is_explode_then_dropna(index, pieces):
    column = pd.array(CELLS, dtype=TEXT_LISTS)
    if pieces > 1:  # held in several Arrow pieces, as a concatenation leaves it
        column = pd.concat([pd.Series(column[:2]), pd.Series(column[2:5]), pd.Series(column[5:])]).array
    frame = pd.DataFrame({"key": [f"k{i}" for i in range(len(CELLS))], "items": column}, index=index)
    got, want = exploded(frame, "items"), _old_explode(frame, "items")
    assert got["items"].dtype == "str"
    assert list(got.index) == list(want.index)
    assert got["key"].tolist() == want["key"].tolist()
    assert got["items"].tolist() == want["items"].tolist() == ["a", "b", "c", "a", "d", "e", "e"]


def test_exploded_of_no_rows_and_of_no_items():
    empty = pd.DataFrame({"key": pd.Series([], dtype="str"), "items": pd.Series([], dtype=TEXT_LISTS)})
    assert len(exploded(empty, "items")) == 0
    none = pd.DataFrame({"key": ["x", "y"], "items": pd.array([[], None], dtype=TEXT_LISTS)})
    assert len(exploded(none, "items")) == 0


def test_a_missing_list_has_no_items_whatever_its_buffers_span():
    col = _spanning_null()
    assert item_rows(arrow_lists(col)).tolist() == [0, 0, 2]
    got = exploded(pd.DataFrame({"k": [1, 2, 3], "l": col}, index=col.index), "l")
    assert got["l"].tolist() == ["a", "b", "e"] and list(got.index) == [7, 7, 9]
    assert is_known(col, ["a", "b", "e"]).tolist() == [True, None, True]
    assert is_known(col, ["a"]).tolist() == [False, None, False]


def test_references_in_arrow_lists_are_judged_as_in_python_lists():
    cells = [["a", "b"], None, [], ["c"], ["a", "z"]]
    keys = pd.Series(["a", "b", "c"], dtype="str")
    arrow = is_known(pd.Series(pd.array(cells, dtype=TEXT_LISTS)), keys)
    python = is_known(pd.Series(cells, dtype=object), keys)
    assert arrow.tolist() == python.tolist() == [True, None, True, True, False]  # an empty list names nothing unknown


def test_lists_set_into_rows_are_those_rows_lists_and_no_other():
    """with_lists puts the lists of the rows it names (by label) into an Arrow list column and
    leaves every other row as it was: the same as setting them one by one in Python lists."""
    cells = [["a"], None, [], ["b", "c"], ["d"]]
    column = pd.Series(pd.array(cells, dtype=TEXT_LISTS), index=[7, 3, 9, 1, 5], name="served")
    changed = {9: ["x", "y"], 7: None, 5: []}
    expected = list(cells)
    for label, items in changed.items():
        expected[list(column.index).index(label)] = items
    got = with_lists(column, changed)
    assert arrow_lists(got).to_pylist() == expected
    assert got.dtype == TEXT_LISTS and got.name == "served" and list(got.index) == [7, 3, 9, 1, 5]
    assert with_lists(column, {}) is column


def test_lists_set_into_rows_refuse_labels_not_there_or_not_unique():
    column = pd.Series(pd.array([["a"], ["b"], ["c"]], dtype=TEXT_LISTS), index=[0, 1, 2])
    with pytest.raises(KeyError, match="9"):  # not the last row silently
        with_lists(column, {9: ["x"]})
    twice = pd.Series(pd.array([["a"], ["b"]], dtype=TEXT_LISTS), index=[1, 1])
    with pytest.raises(pd.errors.InvalidIndexError):
        with_lists(twice, {1: ["x"]})
