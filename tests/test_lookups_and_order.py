"""The Arrow look-ups and sorts the graph build uses in place of pandas' own give what pandas
gives: `map_keys` as `Series.map`, `positions` as a first-match search, `sort_order` as a
stable `sort_values` (rows already in order left where they are: `in_order`), `last_per` as a
stable sort and `drop_duplicates(keep="last")`, and `in_threads` (and `together`) as a list comprehension
(that has let its threads end, in the kernel too, when it returns)."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import threading
import time
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from data_contracts.ended_threads import wait_until_gone
from data_contracts.forked import ProcessPool, can_fork
from pipelines.common.ordering import first_per, in_order, last_per, sort_order
from pipelines.common.references import map_keys, positions, positions_each
from pipelines.common.threads import in_threads, together


def _codes(rng: np.random.Generator, n: int, missing: float = 0.1) -> pd.Series:
    values = [None if rng.random() < missing else f"C{rng.integers(0, 40):03d}" for _ in range(n)]
    return pd.Series(values, dtype="str")


@pytest.mark.parametrize("seed", range(6))
def test_map_keys_as_pandas_map(seed):
    rng = np.random.default_rng(seed)
    values = _codes(rng, [500, 0, 1, 37, 200, 80][seed])
    values.index = rng.permutation(len(values)) * 3  # an index that is not 0..n-1
    keys = pd.Index(sorted({f"C{k:03d}" for k in rng.integers(0, 50, 30)}), dtype="str")
    mapping = pd.DataFrame(
        {
            "count": rng.integers(0, 9, len(keys)),
            "yuan": rng.random(len(keys)) * 1e4,
            "since": [dt.date(2020, 1, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 900, len(keys))],
            "name": pd.Series([f"名{k}" for k in range(len(keys))], dtype="str"),
            "rank": pd.array(rng.integers(1, 5, len(keys)), dtype="Int64"),
        },
        index=keys,
    )
    for column in mapping.columns:
        pd.testing.assert_series_equal(map_keys(values, mapping[column]), values.map(mapping[column]))
    whole = map_keys(values, mapping)
    for column in mapping.columns:
        pd.testing.assert_series_equal(whole[column], values.map(mapping[column]), check_names=False)


def test_map_keys_with_nothing_to_find_and_other_keys():
    values = pd.Series(["a", None, "b"], dtype="str")
    empty = pd.Series([], dtype="float64")  # an empty register's column comes as float
    assert map_keys(values, empty).isna().all()
    numbers = pd.Series([1, 2, 5])
    pd.testing.assert_series_equal(map_keys(numbers, pd.Series({1: "x", 5: "y"})), numbers.map({1: "x", 5: "y"}))


def test_map_keys_refuses_repeated_keys_as_pandas_does():
    values = pd.Series(["a", "b"], dtype="str")
    twice = pd.Series([1, 2], index=pd.Index(["a", "a"], dtype="str"))
    with pytest.raises(Exception):  # noqa: B017 - pandas' own error type is its internal InvalidIndexError
        values.map(twice)
    with pytest.raises(ValueError, match="repeat"):
        map_keys(values, twice)


def test_positions_are_the_first_match():
    values = pd.Series(["b", None, "z", "a", "b"], dtype="str")
    keys = pd.Series(["a", "b", "a", None], dtype="str")
    assert positions(values, keys).tolist() == [1, -1, -1, 0, 1]


@pytest.mark.parametrize("seed", range(4))
def test_positions_each_are_each_columns_own_positions(seed):
    """Looked up together (the keys hashed once), each column finds what it finds alone: text
    with missing values, an empty register's float column, numbers, no rows, no column."""
    rng = np.random.default_rng(seed)
    keys = _codes(rng, [50, 0, 1, 30][seed], missing=0.1)
    columns = [_codes(rng, int(n), missing=0.2) for n in rng.integers(0, 40, [3, 1, 0, 5][seed])]
    columns += [pd.Series([], dtype=float), pd.Series([3, 7, None], dtype="Int64")][: seed % 3]
    got = positions_each(columns, keys)
    assert [g.tolist() for g in got] == [positions(c, keys).tolist() for c in columns]
    assert all(g.dtype == np.int64 for g in got)
    assert positions_each([], keys) == []


@pytest.mark.parametrize("seed", range(5))
def test_last_per_as_sort_and_drop_duplicates(seed):
    rng = np.random.default_rng(seed)
    n = [300, 0, 1, 2, 120][seed]
    days = [None if d < 0 else dt.date(2021, 1, 1) + dt.timedelta(days=int(d)) for d in rng.integers(-1, 40, n)]
    df = pd.DataFrame(
        {
            "buyer": _codes(rng, n, missing=0),
            "day": pd.Series(days, dtype=object),
            "id": pd.Series([f"P{i:04d}" for i in rng.permutation(n)], dtype="str"),
            "served": [[f"c{j}" for j in range(int(k))] for k in rng.integers(0, 3, n)],
        }
    )
    want = df.sort_values(["day", "id"], kind="stable").drop_duplicates(["buyer"], keep="last").reset_index(drop=True)
    pd.testing.assert_frame_equal(last_per(df, ["buyer"], ["day", "id"]), want)


@pytest.mark.parametrize("dtype", ["str", object])
@pytest.mark.parametrize("case", ["distinct", "one missing", "repeated", "missing twice", "distinct second"])
def test_last_per_of_keys_each_its_own_as_sort_and_drop_duplicates(case, dtype):
    """A register's key, as a rule, names each row once: every row is its key's last, in the
    sort's order (no codes sorted); one missing value is a value of its own, two are one value;
    with a group of two columns, the second distinct is enough."""
    keys = {
        "distinct": ["b", "a", "d", "c"],
        "one missing": ["b", None, "a", "c"],
        "repeated": ["b", "a", "b", "c"],
        "missing twice": [None, "a", None, "c"],
        "distinct second": ["x", "x", "x", "x"],
    }[case]
    df = pd.DataFrame(
        {
            "key": pd.Series(keys, dtype=dtype),
            "other": pd.Series(["p", "q", "r", "s"], dtype="str"),
            "day": pd.Series([dt.date(2021, 1, d) for d in (3, 1, 2, 1)], dtype=object),
            "row": [4, 2, 3, 1],
        }
    )
    group = ["key", "other"] if case == "distinct second" else ["key"]
    want = df.sort_values(["day", "row"], kind="stable").drop_duplicates(group, keep="last").reset_index(drop=True)
    pd.testing.assert_frame_equal(last_per(df, group, ["day", "row"]), want)


def test_last_per_of_a_categorical_with_unused_categories_as_sort_and_drop_duplicates():
    """A pandas categorical's dictionary holds its unused categories too: as many entries as
    rows does not make each row a value of its own."""
    df = pd.DataFrame({"k": pd.Categorical(["a", "a", "b"], categories=["a", "b", "c"]), "t": [1, 2, 3]})
    want = df.sort_values(["t"], kind="stable").drop_duplicates(["k"], keep="last").reset_index(drop=True)
    pd.testing.assert_frame_equal(last_per(df, ["k"], ["t"]), want)


@pytest.mark.parametrize("dtype", ["str", object])
@pytest.mark.parametrize("case", ["distinct", "one missing", "repeated", "missing twice", "empty"])
def test_first_per_as_drop_duplicates(case, dtype):
    """first_per against pandas' drop_duplicates of the column: values distinct (the frame as it
    is), one missing, repeated, missing twice, none; Arrow text and Python objects."""
    keys = {
        "distinct": ["b", "a", "c"],
        "one missing": ["b", None, "a"],
        "repeated": ["b", "a", "b", "c", "a"],
        "missing twice": [None, "a", None],
        "empty": [],
    }[case]
    df = pd.DataFrame(
        {"key": pd.Series(keys, dtype=dtype), "n": range(len(keys))}, index=pd.RangeIndex(10, 10 + len(keys))
    )
    got = first_per(df, "key")
    pd.testing.assert_frame_equal(got, df.drop_duplicates("key"))
    got["n"] = -1  # a frame of its own: the caller's is left as it was
    assert (df["n"] >= 0).all()


def _keyed(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """Rows of three keys with few values each, ties and missing cells: text, whole numbers
    with gaps, and days."""
    days = [None if d < 0 else dt.date(2021, 1, 1) + dt.timedelta(days=int(d)) for d in rng.integers(-1, 3, n)]
    return pd.DataFrame(
        {
            "from": _codes(rng, n, missing=0.2).str.slice(0, 3),  # "C00".."C03": many ties
            "rank": pd.array([None if k < 0 else int(k) for k in rng.integers(-1, 3, n)], dtype="Int64"),
            "day": pd.Series(days, dtype=object),
        }
    )


@pytest.mark.parametrize("nulls_first", [False, True])
@pytest.mark.parametrize("seed", range(40))
def test_sort_order_as_a_stable_sort_values(seed, nulls_first):
    rng = np.random.default_rng(seed)
    na = "first" if nulls_first else "last"
    df = _keyed(rng, int(rng.integers(0, 12)))
    keys = [["from"], ["from", "rank"], ["rank", "day", "from"], ["day"]][seed % 4]
    if seed % 3:  # rows in order already, or nearly: where `in_order` decides
        df = df.sort_values(keys, kind="stable", na_position=na).reset_index(drop=True)
        if seed % 3 == 2 and len(df) > 1:
            df = df.iloc[[1, 0, *range(2, len(df))]].reset_index(drop=True)
    want = df.sort_values(keys, kind="stable", na_position=na).index.to_numpy()
    assert sort_order(df, keys, nulls_first).tolist() == want.tolist()
    table = pa.Table.from_pandas(df[keys], preserve_index=False)
    assert in_order(table, nulls_first) == (want.tolist() == list(range(len(df))))


def test_in_order_ties_break_on_the_next_column_only():
    table = pa.table({"a": ["x", "x", "y"], "b": [2, 1, 0]})
    assert not in_order(table)  # tied on a, out of order on b
    assert in_order(table.select(["a"]))
    assert in_order(pa.table({"a": ["x", "y", "y"], "b": [2, 1, 3]}))  # b only matters within a tie
    assert not in_order(pa.table({"a": [None, "x"]}))  # missing last by default
    assert in_order(pa.table({"a": [None, "x"]}), nulls_first=True)
    assert not in_order(pa.table({"a": [1.0, float("nan"), 2.0]}))  # a NaN: sorted, never trusted
    # a categorical sorts by its categories: in value order here, out of category order
    categories = pd.DataFrame({"k": pd.Categorical(["a", "b"], categories=["b", "a"])})
    assert not in_order(pa.Table.from_pandas(categories, preserve_index=False))


def test_in_threads_keeps_order_and_raises():
    assert in_threads(lambda x: x * x, list(range(20))) == [x * x for x in range(20)]

    def fails(x: int) -> int:
        if x == 7:
            raise ValueError("seven")
        return x

    with pytest.raises(ValueError, match="seven"):
        in_threads(fails, list(range(20)))


def test_together_gives_each_result_by_name_and_raises():
    calls = {f"c{k}": (lambda k=k: k * k) for k in range(9)}
    assert together(**calls) == {f"c{k}": k * k for k in range(9)}
    assert list(together(**calls)) == list(calls)  # in the calls' order

    def fails() -> int:
        raise ValueError("seven")

    with pytest.raises(ValueError, match="seven"):
        together(a=lambda: 1, b=fails)


def test_in_threads_returns_once_its_threads_have_left_the_kernel():
    """A fork right after `in_threads` must not copy a thread still ending (pipelines/common/
    threads.py says why): when it returns, none of its threads is in /proc/self/task."""
    tasks = Path("/proc/self/task")
    if not tasks.is_dir():
        pytest.skip("no /proc/self/task: not Linux, where the run does not fork")
    seen: set[int] = set()

    def note(x: int) -> int:
        seen.add(threading.get_native_id())
        return x

    for _ in range(50):
        assert in_threads(note, list(range(8))) == list(range(8))
        assert seen and not [t for t in seen if (tasks / str(t)).exists()]
    assert threading.get_native_id() not in seen  # the work ran on threads of the pool


def test_wait_until_gone_says_when_a_thread_is_still_there():
    running = threading.Event()
    go = threading.Event()
    tid: list[int] = []

    def stay() -> None:
        tid.append(threading.get_native_id())
        running.set()
        go.wait()

    thread = threading.Thread(target=stay)
    thread.start()
    running.wait()
    try:
        if Path("/proc/self/task").is_dir():
            assert wait_until_gone(tid, timeout=0.05) is False
    finally:
        go.set()
        thread.join()
    assert wait_until_gone(tid)


def test_every_pool_of_the_run_waits_for_the_kernel():
    """The run's own code makes its pools with `ThreadPool` and `ProcessPool` (whose shutdown
    waits for the threads it ended to leave the kernel), never the standard library's directly."""
    repo = Path(__file__).resolve().parents[1]
    direct = [
        str(path.relative_to(repo))
        for package in ("pipelines", "data_contracts", "sanshe", "graph_schema")
        for path in sorted((repo / package).rglob("*.py"))
        if "ThreadPoolExecutor(" in (text := path.read_text(encoding="utf-8")) or "ProcessPoolExecutor(" in text
    ]
    assert direct == [], f"use pipelines.common.threads.ThreadPool or data_contracts.forked.ProcessPool in {direct}"


def test_a_pool_of_processes_returns_once_its_threads_have_left_the_kernel():
    tasks = Path("/proc/self/task")
    if not tasks.is_dir() or not can_fork():
        pytest.skip("no /proc/self/task or no fork: not Linux, where the run does not fork")
    for _ in range(10):
        with ProcessPool(1, mp_context=multiprocessing.get_context("fork")) as pool:
            assert pool.submit(abs, -3).result() == 3
            running = {t.native_id for t in threading.enumerate()}
        ended = running - {t.native_id for t in threading.enumerate()}
        assert ended  # its manager thread, at least
        assert not [t for t in ended if (tasks / str(t)).exists()]


def _waited_for(monkeypatch: pytest.MonkeyPatch) -> set[int]:
    """The thread ids the pools ask `wait_until_gone` to wait for, from now on."""
    from data_contracts import ended_threads

    asked: set[int] = set()
    real = ended_threads.wait_until_gone

    def recorded(tids, timeout=5.0):
        tids = set(tids)
        asked.update(t for t in tids if t is not None)
        return real(tids, timeout)

    monkeypatch.setattr(ended_threads, "wait_until_gone", recorded)
    return asked


def test_a_thread_pool_waits_for_every_thread_it_ended(monkeypatch):
    """Deterministic, unlike the kernel's window above: the pool asks to wait for each of its
    workers (the window itself is shown by the test above)."""
    asked = _waited_for(monkeypatch)
    workers: set[int] = set()
    barrier = threading.Barrier(2)

    def work(x: int) -> int:
        workers.add(threading.get_native_id())
        barrier.wait(timeout=10)  # both workers started
        return x

    assert in_threads(work, [1, 2]) == [1, 2]
    assert len(workers) == 2 and workers <= asked


def _dies() -> None:
    os._exit(3)


def test_a_pool_of_processes_waits_for_its_manager_thread_also_when_a_child_died(monkeypatch):
    """A child that dies breaks the pool; its manager thread then ends by itself, before the
    shutdown: it is waited for all the same."""
    if not can_fork():
        pytest.skip("no fork: not Linux, where the run does not fork")
    asked = _waited_for(monkeypatch)
    before = {t.native_id for t in threading.enumerate()}
    with ProcessPool(1, mp_context=multiprocessing.get_context("fork")) as pool:
        future = pool.submit(_dies)
        started = {t.native_id for t in threading.enumerate()} - before - {None}  # None: not started yet
        with pytest.raises(BrokenProcessPool):
            future.result(timeout=30)
        for _ in range(200):  # the manager thread ends by itself once it has seen the child die
            if not started & {t.native_id for t in threading.enumerate()}:
                break
            time.sleep(0.01)
    assert started and started <= asked
