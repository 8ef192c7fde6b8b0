"""A forked child's result comes back through an in-memory file the parent maps
(data_contracts/handed_back.py): equal to what it sent, types included, its columns over the
mapping rather than copied, and through the pipe as before where the file cannot be had."""

from __future__ import annotations

import datetime as dt
import os
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from data_contracts.forked import Forked, can_fork, map_forked
from data_contracts.handed_back import ALIGNMENT, Outbox, Shelved

needs_fork = pytest.mark.skipif(not can_fork(), reason="forked children run on Linux only")
needs_memfd = pytest.mark.skipif(not hasattr(os, "memfd_create"), reason="in-memory files are Linux's")

TEXT_LISTS = pd.ArrowDtype(pa.list_(pa.large_string()))


def _accepted_like(rows: int) -> pd.DataFrame:
    """A table shaped as an accepted table is: Arrow text and lists, numbers, Python dates,
    and a text column sliced from a longer one (its buffers larger than its rows)."""
    days = np.array([dt.date(2020, 1, 1) + dt.timedelta(days=i) for i in range(30)] + [None], dtype=object)
    longer = pa.array([f"名称{i}" for i in range(rows * 2)])
    return pd.DataFrame(
        {
            "name": pd.array([f"组织{i}" if i % 7 else None for i in range(rows)], dtype="str"),
            "served": pd.array(
                pa.array([[f"c{i}"] if i % 5 else None for i in range(rows)], TEXT_LISTS.pyarrow_dtype),
                dtype=TEXT_LISTS,
            ),
            "amount": [float(i) if i % 3 else np.nan for i in range(rows)],
            "award_date": pd.Series(days[np.arange(rows) % len(days)], dtype=object),
            "row": np.arange(rows, dtype=np.int64),
            "sliced": pd.array(longer.slice(rows // 2, rows), dtype="str"),
        }
    )


def _mapped(column: pd.Series) -> bool:
    """Whether a column's data lies in a mapping of an outbox's file (/proc/self/maps names it
    memfd:sanshe-result), not in a copy of it."""
    array = column.array
    if hasattr(array, "_pa_array"):
        address = array._pa_array.chunk(0).buffers()[-1].address
    else:
        address = column.to_numpy().ctypes.data
    for line in Path("/proc/self/maps").read_text().splitlines():
        span, *rest = line.split()
        start, stop = (int(x, 16) for x in span.split("-"))
        if start <= address < stop:
            return "memfd:sanshe-result" in line
    return False


@needs_memfd
def test_a_result_comes_back_equal_with_its_columns_over_the_mapping_and_writable():
    table = _accepted_like(5_000)
    outbox = Outbox.make()
    sent = outbox.put((table, [{"rule": "x", "row": 3}]))
    assert isinstance(sent, Shelved) and all(start % ALIGNMENT == 0 for start, _ in sent.spans)
    # what crosses the pipe is small: the buffers stayed in the file
    assert len(pickle.dumps(sent)) < table.memory_usage(deep=False).sum() / 4
    back, issues = outbox.take(sent)
    pd.testing.assert_frame_equal(back, table, check_exact=True)
    assert issues == [{"rule": "x", "row": 3}]
    assert _mapped(back["name"]) and _mapped(back["row"]) and _mapped(back["served"])
    back.loc[0, "amount"] = 99.0  # copy-on-write: the parent may change what it got
    assert back["amount"].iloc[0] == 99.0 and table["amount"].iloc[0] != 99.0
    assert outbox.fd is None, "the descriptor is closed once the result is taken"


@needs_memfd
def test_a_sliced_arrow_column_carries_its_rows_not_the_whole_buffers_it_slices():
    rows = 20_000
    table = _accepted_like(rows)[["sliced"]]
    whole = table["sliced"].array._pa_array.chunk(0).get_total_buffer_size()
    sent = Outbox.make().put(table)
    assert sum(stop - start for start, stop in sent.spans) < whole * 0.75


def test_without_a_file_or_without_buffers_the_result_itself_goes_back():
    table = _accepted_like(100)
    assert Outbox(None).put(table) is table
    assert Outbox(None).take(table) is table
    if hasattr(os, "memfd_create"):
        small, outbox = {"rows": 3, "names": ["a", "b"]}, Outbox.make()
        sent = outbox.put(small)  # nothing to shelve: its pickle alone goes back, the file empty
        assert isinstance(sent, Shelved) and sent.spans == () and os.fstat(outbox.fd).st_size == 0
        assert outbox.take(sent) == small


@needs_fork
@needs_memfd
def test_map_forked_results_come_back_through_the_mapping_and_equal_one_process():
    tables = [_accepted_like(3_000 + k) for k in range(3)]
    got = map_forked(lambda k: tables[k].assign(pid=os.getpid()), [0, 1, 2], 3)
    for k, table in enumerate(got):
        pd.testing.assert_frame_equal(table.drop(columns="pid"), tables[k], check_exact=True)
    assert not _mapped(got[0]["row"]), "the first item is worked on here: nothing to hand back"
    assert _mapped(got[1]["row"]) and _mapped(got[2]["name"])
    assert got[1]["pid"].iloc[0] != os.getpid()


@needs_fork
@needs_memfd
def test_a_forked_childs_result_comes_back_through_the_mapping():
    table = _accepted_like(4_000)
    back = Forked(lambda: table).result()
    pd.testing.assert_frame_equal(back, table, check_exact=True)
    assert _mapped(back["row"])
