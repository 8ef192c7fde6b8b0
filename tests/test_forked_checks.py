"""Contract checks shared among forked processes give what one process gives.

`validate_frame(..., workers=N)` cuts a long table into runs of rows checked in N processes
(data_contracts/forked.py). The oracle is the same call with one worker: the same accepted table
(values and column types), the same issues in the same order, the same counts.
"""

from __future__ import annotations

import datetime as dt
import os
import random
from pathlib import Path

import pandas as pd
import pytest

from data_contracts import CONTRACTS, CommunityRecord, ProjectRecord
from data_contracts.base import Contract
from data_contracts.forked import balanced, can_fork, map_forked
from data_contracts.validation import _joined, _runs, validate_frame
from pipelines.common.register import read_register
from pipelines.settings import SAMPLE_DIR, Settings
from tests.corpus import messy
from tests.test_contract_columns import damaged

SNAPSHOT = dt.date(2025, 12, 31)

needs_fork = pytest.mark.skipif(not can_fork(), reason="forked checks run on Linux only; elsewhere one process")


def _alike(raw: pd.DataFrame, model: type[Contract], units: dict[str, int], workers: int) -> int:
    """Both ways agree on `raw`; returns the number of issues, so a caller sees damage was found."""
    asof = raw["_asof"].iloc[0] if len(raw) else SNAPSHOT
    one = validate_frame(raw, model, asof, units, synthetic=True)
    shared = validate_frame(raw, model, asof, units, synthetic=True, workers=workers, shared_from=0)
    pd.testing.assert_frame_equal(shared.accepted, one.accepted, check_exact=True)
    pd.testing.assert_frame_equal(shared.issues, one.issues, check_exact=True)
    assert (shared.rows_read, shared.rows_quarantined, shared.unknown_columns) == (
        one.rows_read,
        one.rows_quarantined,
        one.unknown_columns,
    )
    return len(one.issues)


def _tables(inbox):
    for model in CONTRACTS.values():
        for f in read_register(inbox, model, SNAPSHOT).values():
            yield model, f


@needs_fork
@pytest.mark.parametrize("workers", [2, 3])
def test_the_sample_checked_in_several_processes_is_judged_as_in_one(workers):
    for model, f in _tables(SAMPLE_DIR):
        _alike(f.frame, model, f.units, workers)


@needs_fork
def test_the_messy_corpus_checked_in_two_processes_is_judged_as_in_one(tmp_path):
    messy.build(tmp_path / "inbox")
    assert sum(_alike(f.frame, model, f.units, 2) for model, f in _tables(tmp_path / "inbox")) > 20


@needs_fork
@pytest.mark.parametrize("seed", range(2))
def test_damaged_registers_checked_in_two_processes_are_judged_as_in_one(seed):
    rng = random.Random(seed)
    found = 0
    for model, f in _tables(SAMPLE_DIR):
        found += _alike(damaged(f.frame, rng, share=4), model, f.units, 2)
    assert found > 100


@needs_fork
def test_a_column_typed_differently_in_each_run_is_typed_as_one_run_would_type_it():
    # the population is empty in the first run of rows only: that run holds objects (None), the
    # other whole numbers; one process holds floats with NaN for the whole column
    f = next(iter(read_register(SAMPLE_DIR, CommunityRecord, SNAPSHOT).values()))
    raw = f.frame.copy()
    first = _runs(len(raw), 2)[0]
    raw.iloc[first[0] : first[1], raw.columns.get_loc(CommunityRecord.header("population"))] = ""
    asof = raw["_asof"].iloc[0]
    runs = [validate_frame(raw.iloc[a:b], CommunityRecord, asof, f.units).accepted for a, b in _runs(len(raw), 2)]
    assert [str(r["population"].dtype) for r in runs] == ["object", "int64"]  # the case is real
    assert pd.concat(runs)["population"].dtype == object  # and a plain concat would mistype it
    _alike(raw, CommunityRecord, f.units, 2)
    joined = validate_frame(raw, CommunityRecord, asof, f.units, workers=2, shared_from=0).accepted
    assert joined["population"].dtype == float


def test_runs_cover_every_row_once_in_order():
    for n in (0, 1, 2, 3, 10, 999, 1_498_000):
        for workers in (1, 2, 3, 8):
            runs = _runs(n, workers)
            assert runs[0][0] == 0 and runs[-1][1] == n
            assert all(a[1] == b[0] for a, b in zip(runs, runs[1:], strict=False))
            assert len(runs) <= max(workers, 1)


def test_runs_with_no_accepted_row_join_to_the_contracts_empty_table():
    empty = _joined([], ProjectRecord)
    assert list(empty.columns)[:3] == list(ProjectRecord.model_fields)[:3] and empty.empty


@needs_fork
def test_map_forked_runs_items_in_other_processes_and_keeps_their_order():
    here = os.getpid()
    got = map_forked(lambda x: (x * x, os.getpid()), [1, 2, 3], 3)
    assert [v for v, _ in got] == [1, 4, 9]
    assert got[0][1] == here and all(pid != here for _, pid in got[1:])


@needs_fork
def test_an_error_in_a_child_is_raised_in_the_run():
    def fail_on_two(x):
        if x == 2:
            raise ValueError(f"bad item {x}")
        return x

    with pytest.raises(ValueError, match="bad item 2") as raised:
        map_forked(fail_on_two, [1, 2], 2)
    # the clerk reads the error's own message: the child's traceback is not chained under it
    assert raised.value.__cause__ is None


@needs_fork
def test_a_child_ends_when_the_run_is_killed(tmp_path):
    # a child holds a copy of the registers: it must not live on after the run (the kernel's
    # out-of-memory killer picks the biggest process, which is the run's)
    import signal
    import subprocess
    import sys
    import time

    pids = tmp_path / "child.pid"
    script = (
        "import os, time\n"
        "from data_contracts.forked import map_forked\n"
        "def work(x):\n"
        "    if x:\n"
        f"        open({str(pids)!r}, 'w').write(str(os.getpid()))\n"
        "    time.sleep(60)\n"
        "map_forked(work, [0, 1], 2)\n"
    )
    run = subprocess.Popen([sys.executable, "-c", script], cwd=Path(__file__).resolve().parents[1])
    try:
        deadline = time.monotonic() + 30
        while not (pids.exists() and pids.read_text()) and time.monotonic() < deadline:
            time.sleep(0.05)
        child = int(pids.read_text())
        run.send_signal(signal.SIGKILL)
        run.wait()
        deadline = time.monotonic() + 10
        while _alive(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(child), "the forked child outlived the killed run"
    finally:
        run.kill()


def _alive(pid: int) -> bool:
    """The process is there and not a zombie waiting to be reaped."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except OSError:
        return False


@needs_fork
def test_a_child_that_dies_has_its_items_done_again_here():
    here = os.getpid()

    def die_unless_here(x):
        if os.getpid() != here:
            os._exit(9)  # as the kernel's out-of-memory killer would leave it
        return x * 10

    assert map_forked(die_unless_here, [1, 2, 3], 2) == [10, 20, 30]


@needs_fork
def test_after_a_child_dies_no_item_is_done_here_while_a_child_still_works_on_it(tmp_path):
    # item 1's child dies once item 2's child is at work (say, writing a file); item 2 is done
    # again here, and only once that child has ended: two processes never write one file. The
    # children end at once on the pool's SIGTERM even when the run ignores it (a child takes the
    # default action; Dagster's handler would only raise after a long C call returned).
    import signal
    import time

    here, started = os.getpid(), tmp_path / "started"
    seen: list[bool] = []

    def work(x):
        if os.getpid() != here:
            if x == 1:
                while not started.exists():
                    time.sleep(0.01)
                os._exit(9)
            if x == 2:
                started.write_text(str(os.getpid()))
                time.sleep(20)
        elif x == 2:
            seen.append(started.exists() and _alive(int(started.read_text())))
        return x

    before = signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        t = time.monotonic()
        assert map_forked(work, [0, 1, 2], 3) == [0, 1, 2]
        assert time.monotonic() - t < 10  # the working child was ended, not waited for
    finally:
        signal.signal(signal.SIGTERM, before)
    assert seen == [False]


def test_one_worker_or_one_item_stays_in_this_process():
    here = os.getpid()
    assert map_forked(lambda x: os.getpid(), [1, 2], 1) == [here, here]
    assert map_forked(lambda x: os.getpid(), [1], 4) == [here]


def test_workers_setting_is_read_and_refused_when_not_a_count(monkeypatch, tmp_path):
    from data_contracts.errors import ConfigurationError

    monkeypatch.setenv("SANSHE_WORKERS", "3")
    assert Settings.from_env(output_dir=tmp_path).workers == 3
    for refused in ("0", "two", "٣", "-1"):
        monkeypatch.setenv("SANSHE_WORKERS", refused)
        with pytest.raises(ConfigurationError, match="SANSHE_WORKERS"):
            Settings.from_env(output_dir=tmp_path)
    monkeypatch.delenv("SANSHE_WORKERS")
    assert Settings.from_env(output_dir=tmp_path).workers == len(os.sched_getaffinity(0))
    assert Settings(SAMPLE_DIR, tmp_path).workers == len(os.sched_getaffinity(0))


def test_a_table_is_cut_only_from_the_threshold_and_this_process_takes_the_longer_run(monkeypatch):
    from data_contracts import validation

    seen: list[list[tuple[int, int]]] = []

    def spy(fn, items, workers):
        seen.append(list(items))
        return [fn(x) for x in items]

    monkeypatch.setattr(validation, "map_forked", spy)
    f = next(iter(read_register(SAMPLE_DIR, ProjectRecord, SNAPSHOT).values()))
    validate_frame(f.frame, ProjectRecord, SNAPSHOT, f.units, workers=2, shared_from=len(f.frame) + 1)
    validate_frame(f.frame, ProjectRecord, SNAPSHOT, f.units, workers=2, shared_from=len(f.frame))
    assert [len(runs) for runs in seen] == [1, 2]
    (a, b), (c, d) = seen[1]
    assert b - a > d - c


@needs_fork
@pytest.mark.parametrize("workers", [1, 2])
def test_a_run_in_one_process_or_with_every_register_shared_gives_the_same_graph_and_reports(
    sample_run, store, monkeypatch, tmp_path, workers
):
    # the sample run uses the CPUs there are (its registers are too short to be shared, its
    # tables are written in as many processes); one worker forks nothing; with two, every
    # register is shared, from no rows on, through the whole job
    from data_contracts import validation
    from pipelines.graph.store import EmbeddedGraphStore
    from sanshe.run import run_pipeline

    shared: list[int] = []

    def counted(fn, items, n):
        shared.append(len(items))
        return map_forked(fn, items, n)

    if workers > 1:
        monkeypatch.setattr(validation, "SHARED_FROM_ROWS", 0)
    monkeypatch.setattr(validation, "map_forked", counted)
    settings = Settings(SAMPLE_DIR, tmp_path / "out", workers=workers)
    assert run_pipeline(settings).success
    assert len(shared) >= len(CONTRACTS) and set(shared) == {workers}  # every table in `workers` runs
    assert EmbeddedGraphStore(settings.graph_path).fingerprint() == store.fingerprint()
    assert sorted(p.name for p in settings.quarantine_dir.iterdir()) == sorted(
        p.name for p in sample_run[0].quarantine_dir.iterdir()
    )
    for one in sorted(sample_run[0].quarantine_dir.iterdir()):
        assert (settings.quarantine_dir / one.name).read_bytes() == one.read_bytes(), one.name
    tables = sorted(p.name for p in sample_run[0].tables_dir.iterdir())
    assert tables == sorted(p.name for p in settings.tables_dir.iterdir())
    for name in tables:
        assert (settings.tables_dir / name).read_bytes() == (sample_run[0].tables_dir / name).read_bytes(), name


def test_balanced_groups_hold_every_key_once_with_loads_near_even():
    weights = {
        "projects": 1_498_000,
        "evaluations": 1_000_000,
        "workers": 929_600,
        "organisations": 890_400,
        "hub_memberships": 700_000,
        "communities": 650_000,
        "annual_inspections": 600_000,
        "hubs": 42_000,
    }
    for n in (1, 2, 3, 20):
        groups = balanced(weights, n)
        assert sorted(k for g in groups for k in g) == sorted(weights) and len(groups) == min(n, len(weights))
        loads = [sum(weights[k] for k in g) for g in groups]
        assert max(loads) - min(loads) <= max(weights.values())  # LPT: within one item of even
    assert balanced(weights, 2) == balanced(dict(reversed(weights.items())), 2)  # not by dict order
    assert balanced({}, 2) == []
