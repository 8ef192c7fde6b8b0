"""No step walks a register's Arrow-backed column value by value.

pandas 3 keeps text in Arrow; iterating such a column (`for v in col`, `zip(col, ...)`,
`set(col)`, `pd.to_datetime` of text) makes a Python scalar per value through pyarrow, about
50 times the cost of one bulk `.tolist()`. At national scale such walks added up to 43 million
values per run, in the duplicate check, the reference look-ups, the suites' key sets and the
provider matching. This counts the values each line of ours walks in a run of the sample: a
line that walks a register row by row walks a good share of the rows read; one that walks
only the issues, files or columns stays far below."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pandas.core.arrays.arrow.array as arrow_array
import pytest

from pipelines.settings import SAMPLE_DIR, Settings
from sanshe.run import run_pipeline

REPO = str(Path(__file__).resolve().parents[1])


def _ours(frame) -> tuple[str, int] | None:
    """The innermost line of this repository's code (not tests, not libraries) on the stack."""
    while frame is not None:
        name = frame.f_code.co_filename
        if name.startswith(REPO) and "/.venv/" not in name and "/tests/" not in name:
            return name[len(REPO) + 1 :], frame.f_lineno
        frame = frame.f_back
    return None


@pytest.fixture(scope="module")
def walked(tmp_path_factory):
    counts: Counter = Counter()
    walk = arrow_array.ArrowExtensionArray.__iter__

    def counted(self):
        if (site := _ours(sys._getframe(1))) is not None:
            counts[site] += len(self)
        return walk(self)

    mp = pytest.MonkeyPatch()
    mp.setattr(arrow_array.ArrowExtensionArray, "__iter__", counted)
    try:
        outcome = run_pipeline(Settings(SAMPLE_DIR, tmp_path_factory.mktemp("walks") / "output"))
    finally:
        mp.undo()
    assert outcome.success
    return counts, int(outcome.accounting["rows_read"].sum())


def test_no_line_walks_the_registers_value_by_value(walked):
    counts, rows_read = walked
    assert counts, "the count caught no walk at all: is pandas still keeping text in Arrow?"
    heavy = {site: n for site, n in counts.items() if n > rows_read // 4}
    assert not heavy, f"{rows_read} rows read; lines walking Arrow values one by one: {heavy}"
