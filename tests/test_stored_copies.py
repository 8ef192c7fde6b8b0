"""The stored copies of the resolved registers (pipelines/common/handover.py): written by forked
children while the run goes on, each whole and of this run or absent (never stale, never half
written), every one settled before the run ends, and a copy not written said in one plain line.

The oracle of a copy is the object the run handed over: unpickled, it equals it field by field,
frames exactly.
"""

from __future__ import annotations

import dataclasses
import errno
import gc
import json
import os
import pickle
import shutil
import signal
import threading
import time
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from dagster import (
    AssetKey,
    DagsterEventType,
    DagsterInstance,
    Definitions,
    IOManagerDefinition,
    asset,
    build_output_context,
    define_asset_job,
    in_process_executor,
)

from data_contracts.forked import can_fork
from pipelines.common import handover, stored_copy
from pipelines.common.handover import (
    WRITERS,
    HandOverIOManager,
    StoredCopyError,
    StoredHandOverIOManager,
    stored_hand_over,
)
from pipelines.common.register import RegisterResult
from pipelines.common.stored_copy import StoredRegister
from pipelines.definitions import JOB_NAME, build_definitions
from pipelines.settings import SAMPLE_DIR, Settings
from sanshe.cli import main
from sanshe.run import _console_logger, _stored_copies_not_written, run_pipeline

needs_fork = pytest.mark.skipif(not can_fork(), reason="forked writers on Linux only; elsewhere written in the step")

#: the run config of `sanshe run` (sanshe/run.py): Dagster uses a job's own console logger only
#: when the run config names it
CONSOLE = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
FRAME = pd.DataFrame({"code": ["110101001", "110101002"], "served": [3, 5]})


def _same(got: object, want: object) -> None:
    """Equal field by field, frames exactly (a RegisterResult holds frames and dicts of them)."""
    # a register read back is a StoredRegister (its rows read when used): a RegisterResult
    assert type(got) is type(want) or (type(want) is RegisterResult and isinstance(got, StoredRegister))
    if isinstance(want, pd.DataFrame):
        pd.testing.assert_frame_equal(got, want, check_exact=True)
    elif dataclasses.is_dataclass(want):
        for f in dataclasses.fields(want):
            _same(getattr(got, f.name), getattr(want, f.name))
    elif isinstance(want, dict):
        assert list(got) == list(want)
        for k in want:
            _same(got[k], want[k])
    else:
        assert got == want


def _toy(storage: Path, *values: object, fork: bool = True):
    """A one-asset job whose output, the next of `values` each run, goes to a stored hand-over."""
    left = list(values)

    @asset(io_manager_key="stored")
    def register():
        return left.pop(0)

    defs = Definitions(
        assets=[register],
        resources={"stored": stored_hand_over(Counter(), storage, fork=fork)},
        jobs=[define_asset_job("toy", executor_def=in_process_executor)],
    )
    return defs.resolve_job_def("toy")


def _writers(monkeypatch, folder: Path) -> Path:
    """Records, per copy, the process that wrote it (read with `_pids` once the writes are done)."""
    folder.mkdir()
    real = handover._store

    def store(obj, path):
        (folder / path.name).write_text(str(os.getpid()))
        return real(obj, path)

    monkeypatch.setattr(handover, "_store", store)
    return folder


def _pids(folder: Path) -> dict[str, int]:
    return {p.name: int(p.read_text()) for p in folder.iterdir()}


def _teardown_errors(result) -> list:
    return [
        e
        for e in result.all_events
        if e.event_type == DagsterEventType.ENGINE_EVENT and e.engine_event_data.error is not None
    ]


@needs_fork
def test_the_copies_are_the_runs_outputs_written_by_forked_children_and_a_partial_run_loads_them(tmp_path, monkeypatch):
    outputs: dict[str, object] = {}
    handle = StoredHandOverIOManager.handle_output

    def keep(self, context, obj):
        outputs[context.asset_key.to_user_string()] = obj
        handle(self, context, obj)

    monkeypatch.setattr(StoredHandOverIOManager, "handle_output", keep)
    pids = _writers(monkeypatch, tmp_path / "pids")
    settings = Settings(SAMPLE_DIR, tmp_path / "out", workers=2)
    outcome = run_pipeline(settings)
    assert outcome.success and outcome.stored_copies == ""
    storage = settings.output_dir / "dagster_storage"
    # every copy there once the run has returned, and nothing else (no partial file)
    copies = [p.name for p in storage.iterdir() if p.suffix not in (".run", ".json")]  # state of later steps
    assert sorted(copies) == sorted(outputs) and len(outputs) == 9
    # beside each, the run that made it
    assert {p.read_text() for p in storage.glob("*.run")} == {outcome.run_id}
    assert sorted(p.stem for p in storage.glob("*.run")) == sorted(outputs)
    written_by = _pids(pids)
    assert set(written_by) == set(outputs) and os.getpid() not in written_by.values()
    for name, obj in outputs.items():
        _same(stored_copy.read(storage / name), obj)

    # the inbox sensor's partial run: a step whose inputs were not made in this run loads them
    wanted = AssetKey("resolved_registers")
    defs = build_definitions(
        settings,
        io_manager=IOManagerDefinition.hardcoded_io_manager(HandOverIOManager(Counter(), keep=frozenset({wanted}))),
    )
    with DagsterInstance.ephemeral() as instance:
        result = defs.resolve_job_def(JOB_NAME).execute_in_process(instance=instance, asset_selection=[wanted])
    assert result.success
    loaded = result.output_for_node("resolved_registers")
    assert len(loaded) == 9
    for name, register in loaded.items():
        _same(register, outputs[f"{name}_resolved"])


@needs_fork
def test_a_copy_not_written_is_removed_and_sanshe_run_says_so_in_one_line(sample_run, tmp_path, monkeypatch, capfd):
    out = tmp_path / "out"
    shutil.copytree(sample_run[0].output_dir / "dagster_storage", out / "dagster_storage")  # an earlier run's
    before = sorted(p.name for p in (out / "dagster_storage").iterdir())
    assert "projects_resolved" in before
    real = stored_copy.write

    def full_disk(obj, fh):  # the disk fills while the projects' copy is written
        if Path(getattr(fh, "name", "")).name == ".projects_resolved.partial":
            fh.write(b"half a register")
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(obj, fh)

    monkeypatch.setattr(stored_copy, "write", full_disk)
    monkeypatch.setenv("SANSHE_WORKERS", "2")
    monkeypatch.setenv("SANSHE_GRAPH", "embedded")
    code = main(["run", "--source", str(SAMPLE_DIR), "--output", str(out)])
    printed = capfd.readouterr()
    assert code == 0, printed.err  # the run's own work is whole
    said = [line for line in printed.err.splitlines() if "projects_resolved" in line]
    assert len(said) == 1, printed.err
    assert said[0].startswith("sanshe run: the stored copy of projects_resolved (No space left on device) could not")
    assert "存储副本" in said[0]
    assert "Traceback" not in printed.out + printed.err and "Stack Trace" not in printed.out + printed.err
    # the earlier copy is gone (a partial run would have trusted it) with the run it named, and no
    # partial file is left
    assert sorted(p.name for p in (out / "dagster_storage").iterdir()) == [
        n for n in before if n not in ("projects_resolved", "projects_resolved.run")
    ]
    summary = json.loads((out / "run_summary.json").read_text(encoding="utf-8"))
    assert summary["success"] and f"sanshe run: {summary['stored_copies']}" == said[0]


@needs_fork
def test_dagster_keeps_a_run_whose_teardown_raised_successful_and_logs_the_error_with_its_stack(tmp_path, capfd):
    # what Dagster does with the teardown's StoredCopyError: execute_in_process does not raise
    # (raise_on_error is on) and the run succeeds; the error is an engine event of the run, and
    # Dagster's console logger prints it with its stack, which sanshe run's console leaves out
    job = _toy(tmp_path / "storage", threading.Lock(), threading.Lock())  # a lock cannot be pickled
    result = job.execute_in_process(run_config=CONSOLE)  # Dagster's console logger, as sanshe run sets it
    assert result.success
    (event,) = _teardown_errors(result)
    assert event.message.startswith("Teardown of resources [") and "stored" in event.message
    error = event.engine_event_data.error
    assert error.cls_name == StoredCopyError.__name__ and "register (TypeError)" in error.message
    err = capfd.readouterr().err
    assert "Teardown of resources" in err and "Stack Trace" in err and "StoredCopyError" in err
    result = job.with_logger_defs({"console": _console_logger()}).execute_in_process(run_config=CONSOLE)
    assert result.success and len(_teardown_errors(result)) == 1  # still recorded in the run
    assert "StoredCopyError" not in capfd.readouterr().err
    assert _stored_copies_not_written(result.all_events).startswith("the stored copy of register (TypeError) could")
    assert list((tmp_path / "storage").iterdir()) == []


class _Secret:
    def __reduce__(self):
        raise ValueError("张三 110101199001011234")


@needs_fork
def test_a_writer_that_fails_prints_nothing_and_its_reason_holds_no_value(tmp_path, capfd):
    result = _toy(tmp_path / "storage", _Secret()).execute_in_process(run_config=CONSOLE)  # Dagster's console
    printed = capfd.readouterr()
    reason = _stored_copies_not_written(result.all_events)
    assert "register (ValueError)" in reason
    assert "张三" not in printed.out + printed.err + reason
    assert list((tmp_path / "storage").iterdir()) == []


@needs_fork
def test_a_writer_killed_mid_write_leaves_neither_copy_nor_partial_file_and_is_reported(tmp_path, monkeypatch):
    storage = tmp_path / "storage"
    job = _toy(storage, FRAME, FRAME)
    assert job.execute_in_process().success
    assert sorted(p.name for p in storage.iterdir()) == ["register", "register.run"]
    here, real = os.getpid(), pickle.dump

    def killed(obj, fh, *args, **kwargs):
        if os.getpid() == here:  # never the test's own process
            return real(obj, fh, *args, **kwargs)
        fh.write(b"half a register")
        fh.flush()
        os.kill(os.getpid(), signal.SIGKILL)

    monkeypatch.setattr(pickle, "dump", killed)
    result = job.execute_in_process()
    assert result.success
    assert "register (the writer ended by signal 9)" in _stored_copies_not_written(result.all_events)
    assert list(storage.iterdir()) == []


@pytest.mark.parametrize("how", ["no fork here", "SANSHE_WORKERS=1"])
def test_without_fork_the_copy_is_written_in_the_step_and_a_failure_still_waits_for_the_end(tmp_path, monkeypatch, how):
    pids = _writers(monkeypatch, tmp_path / "pids")
    if how == "no fork here":
        monkeypatch.setattr(handover, "can_fork", lambda: False)
    storage = tmp_path / "storage"
    job = _toy(storage, FRAME, threading.Lock(), fork=how != "SANSHE_WORKERS=1")
    assert job.execute_in_process().success
    assert _pids(pids) == {"register": os.getpid()}
    with (storage / "register").open("rb") as fh:
        _same(pickle.load(fh), FRAME)
    result = job.execute_in_process()  # the step itself does not fail: the teardown says it
    assert result.success
    assert "register (TypeError)" in _stored_copies_not_written(result.all_events)
    assert list(storage.iterdir()) == []  # neither the earlier copy nor a partial file


@needs_fork
def test_at_most_two_writers_at_once_and_never_two_of_one_file(tmp_path, monkeypatch):
    spans = tmp_path / "spans"
    spans.mkdir()
    real = handover._store

    def slow(obj, path):
        start = time.monotonic()
        time.sleep(obj[1])
        why = real(obj, path)
        (spans / f"{obj[0]}-{os.getpid()}").write_text(f"{path.name} {start} {time.monotonic()}")
        return why

    monkeypatch.setattr(handover, "_store", slow)
    manager = StoredHandOverIOManager(Counter(), tmp_path / "storage")
    # b ends first: the bound then lets the second a start, but only once the first a has ended
    # may it write the same file; then c, d, e: never more than two at once
    outputs = [("b", 0.2), ("a", 1.0), ("a", 0.2), ("c", 0.5), ("d", 0.5), ("e", 0.5)]
    for i, (name, seconds) in enumerate(outputs):
        manager.handle_output(build_output_context(asset_key=AssetKey(name), run_id="one"), (f"{name}{i}", seconds))
    manager.wait()
    done = sorted((float(a), float(b), name) for name, a, b in (p.read_text().split() for p in spans.iterdir()))
    assert len(done) == len(outputs)
    for start, _, _ in done:
        assert sum(a <= start < b for a, b, _ in done) <= WRITERS
    (a1, e1, _), (a2, _, _) = [d for d in done if d[2] == "a"]
    assert e1 <= a2, "two writers of one file at once"
    with (tmp_path / "storage" / "a").open("rb") as fh:
        assert pickle.load(fh) == ("a2", 0.2)  # the later output


def test_wait_names_every_copy_not_written_and_starts_afresh(tmp_path, monkeypatch):
    monkeypatch.setattr(handover, "can_fork", lambda: False)
    manager = StoredHandOverIOManager(Counter(), tmp_path)
    for name in ("projects_resolved", "hubs_resolved"):
        manager.handle_output(build_output_context(asset_key=AssetKey(name), run_id="one"), threading.Lock())
    with pytest.raises(StoredCopyError) as raised:
        manager.wait()
    assert raised.value.failed == {"projects_resolved": "TypeError", "hubs_resolved": "TypeError"}
    assert "projects_resolved (TypeError), hubs_resolved (TypeError)" in str(raised.value)
    manager.wait()  # reported once


def test_a_partial_run_unpickles_a_stored_copy_once_and_a_later_run_reads_the_copy_written_since(tmp_path, monkeypatch):
    """A partial run's steps that read the same stored register (evaluations_resolved and
    resolved_registers both read the projects') share one load; the next run loads again."""
    loads = []
    real = stored_copy.pickle.load

    def counted(fh):
        loads.append(Path(fh.name).name)
        return real(fh)

    monkeypatch.setattr(stored_copy.pickle, "load", counted)
    left = [FRAME, FRAME.assign(served=[4, 6])]

    @asset(io_manager_key="stored")
    def register():
        return left.pop(0)

    @asset
    def first(register):
        return register

    @asset
    def second(register):
        return register

    defs = Definitions(
        assets=[register, first, second],
        resources={"stored": stored_hand_over(Counter({AssetKey("register"): 2}), tmp_path / "storage")},
        jobs=[define_asset_job("toy", executor_def=in_process_executor)],
    )
    job = defs.resolve_job_def("toy")
    partial = [AssetKey("first"), AssetKey("second")]
    for want in left[:]:
        assert job.execute_in_process().success  # writes the copy of `want`
        loads.clear()
        result = job.execute_in_process(asset_selection=partial)
        assert result.success and loads == ["register"]
        _same(result.output_for_node("first"), want)
        _same(result.output_for_node("second"), want)


def test_a_stored_copy_is_unpickled_with_the_collector_paused_and_resumed_after(tmp_path, monkeypatch):
    """Unpickling a national register makes millions of objects: the cyclic collector, paused
    meanwhile, would walk all of them again at each collection. It runs again afterwards."""
    seen = []
    real = stored_copy.pickle.load

    def load(fh):
        seen.append(gc.isenabled())
        return real(fh)

    monkeypatch.setattr(stored_copy.pickle, "load", load)
    job = _toy(tmp_path / "storage", FRAME, fork=False)
    assert job.execute_in_process().success

    @asset
    def reader(register):
        return register

    defs = Definitions(
        assets=[_toy_register(), reader],
        resources={"stored": stored_hand_over(Counter({AssetKey("register"): 1}), tmp_path / "storage", fork=False)},
        jobs=[define_asset_job("toy", executor_def=in_process_executor)],
    )
    assert gc.isenabled()
    result = defs.resolve_job_def("toy").execute_in_process(asset_selection=[AssetKey("reader")])
    assert result.success and seen == [False] and gc.isenabled()
    _same(result.output_for_node("reader"), FRAME)


def _toy_register():
    @asset(io_manager_key="stored")
    def register():
        raise AssertionError("not run: loaded from its stored copy")

    return register
