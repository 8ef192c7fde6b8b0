"""The derivation's column-at-once prefilters against the Python rules they stand in for."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from pipelines.common.derivation import _NOT_IN_CODES, _names_written, _split_codes_names

CELLS = [
    "310106014002;310106014010",
    "３１０１０６０１４００２，310106014010",
    "310106014002、310106014010 310106014013",
    "310106014002\u3000310106014010",  # an ideographic space: white space to Python, not to RE2
    "310106014002\xa0310106014010",
    "310106014002;静安寺社区",
    "静安寺社区",
    "",
    None,
]


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("dtype", ["string[pyarrow]", object])
def test_names_written_never_misses_a_name_python_finds(cell, dtype):
    """RE2 may send a cell of codes on to the exact split (other white space), never miss a name;
    the split then finds the same names Python's pattern would."""
    column = pd.Series([cell, "310106014002"], dtype=dtype)
    python = any(isinstance(c, str) and re.search(_NOT_IN_CODES, c) for c in column)
    found = _names_written(column)
    assert found or not python
    if found and isinstance(cell, str):
        assert bool(_split_codes_names(cell)[1]) == python


def test_names_written_on_a_column_of_codes_only():
    assert not _names_written(pd.Series(CELLS[:3] + [None], dtype="string[pyarrow]"))
    assert _names_written(pd.Series(CELLS[:3] + ["静安寺社区"], dtype="string[pyarrow]"))


@pytest.mark.parametrize(
    "cells, names",
    [
        ([310106014002, "310106014010"], False),  # a number among the text: not Arrow text
        ([310106014002, "静安寺社区"], True),
        (["310106014002", "\ud800"], True),  # a lone surrogate, which no reader gives
    ],
)
def test_names_written_on_a_column_arrow_does_not_take_as_text(cells, names):
    column = pd.Series(cells, dtype=object)
    python = any(re.search(_NOT_IN_CODES, str(c)) for c in cells)
    assert _names_written(column) == names == python


def test_lists_with_items_tell_what_the_per_cell_rule_tells():
    """projects_resolved asks which served-community-name cells hold names from the lists'
    lengths: the same answer as the rule cell by cell, for Arrow lists and Python ones."""
    from data_contracts.lists import TEXT_LISTS
    from pipelines.projects.assets import _lists_with_items

    cells = [None, [], ["静安寺社区"], ["a", "b"], [""]]
    column = pd.Series(pd.array(cells * 3, dtype=TEXT_LISTS), index=range(10, 10 + 3 * len(cells)))
    expected = pd.Series(cells * 3, index=column.index).map(lambda v: bool(v) if isinstance(v, list) else False)
    pd.testing.assert_series_equal(_lists_with_items(column), expected.astype(bool))
    # Python lists, as a frame no contract made holds them: the same answer
    python = pd.Series(cells * 3, index=column.index, dtype=object)
    pd.testing.assert_series_equal(_lists_with_items(python), expected.astype(bool))
