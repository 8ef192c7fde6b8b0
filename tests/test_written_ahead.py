"""The reports read from resolved_registers alone (accepted_tables, quarantine_report) written
ahead, in forked children, while the graph loads (pipelines/quality/written_ahead.py): the step
takes what its child returned; a child's error is the step's; a child that died, or work never
started ahead, is done in the step; and a run writes the same files with the work ahead as in
its own process (SANSHE_WORKERS=1)."""

from __future__ import annotations

import filecmp
import os
from pathlib import Path

import pytest

from data_contracts.forked import can_fork
from pipelines.quality import written_ahead
from pipelines.settings import SAMPLE_DIR, Settings
from sanshe.run import run_pipeline

needs_fork = pytest.mark.skipif(not can_fork(), reason="fork(2) is Linux's here (data_contracts.forked.can_fork)")


def _marking(where: Path):
    """Work that notes the process it ran in, and returns that process id."""

    def work() -> int:
        with where.open("a") as fh:
            fh.write(f"{os.getpid()}\n")
        return os.getpid()

    return work


@needs_fork
def test_the_step_takes_what_the_child_returned_and_does_not_do_the_work_again(tmp_path):
    marks = tmp_path / "pids"
    assert written_ahead.start("run-a", "accepted_tables", _marking(marks))
    assert written_ahead.started("run-a") == ["accepted_tables"]
    got = written_ahead.take("run-a", "accepted_tables", _marking(marks))
    assert got != os.getpid()
    assert marks.read_text().split() == [str(got)]  # once, in the child
    assert written_ahead.started("run-a") == []


@needs_fork
def test_starting_the_same_step_twice_in_a_run_starts_one_child(tmp_path):
    marks = tmp_path / "pids"
    assert written_ahead.start("run-b", "quarantine_report", _marking(marks))
    assert not written_ahead.start("run-b", "quarantine_report", _marking(marks))
    written_ahead.take("run-b", "quarantine_report", _marking(marks))
    assert len(marks.read_text().split()) == 1


@needs_fork
def test_what_the_child_raised_is_raised_by_the_step(tmp_path):
    def broken() -> int:
        raise OSError("No space left on device")

    written_ahead.start("run-c", "accepted_tables", broken)
    with pytest.raises(OSError, match="No space left on device"):
        written_ahead.take("run-c", "accepted_tables", _marking(tmp_path / "pids"))
    assert not (tmp_path / "pids").exists()  # not written again in the step: the error is the step's


@needs_fork
def test_a_child_that_died_leaves_the_work_to_the_step(tmp_path):
    run = os.getpid()

    def dies_in_a_child() -> int:
        if os.getpid() != run:
            os._exit(3)  # as if killed, out of memory
        return os.getpid()

    written_ahead.start("run-d", "accepted_tables", dies_in_a_child)
    assert written_ahead.take("run-d", "accepted_tables", dies_in_a_child) == run


def test_work_not_started_ahead_is_done_in_the_step(tmp_path):
    marks = tmp_path / "pids"
    assert not written_ahead.start("run-e", "accepted_tables", _marking(marks), fork=False)
    assert not marks.exists()  # nothing started
    assert written_ahead.take("run-e", "accepted_tables", _marking(marks)) == os.getpid()
    assert written_ahead.take("run-f", "quarantine_report", _marking(marks)) == os.getpid()  # never offered
    assert marks.read_text().split() == [str(os.getpid())] * 2


def _files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


@needs_fork
def test_a_run_writes_the_same_reports_ahead_as_in_its_own_process(tmp_path, monkeypatch):
    started = []
    start = written_ahead.start

    def noted(run_id, step, work, fork=True):
        ok = start(run_id, step, work, fork)
        started.append((step, ok))
        return ok

    monkeypatch.setattr(written_ahead, "start", noted)
    ahead = run_pipeline(Settings(SAMPLE_DIR, tmp_path / "ahead", workers=2))
    assert sorted(started) == [("accepted_tables", True), ("quarantine_report", True)]
    started.clear()
    here = run_pipeline(Settings(SAMPLE_DIR, tmp_path / "here", workers=1))
    assert sorted(started) == [("accepted_tables", False), ("quarantine_report", False)]
    assert ahead.success and here.success, (ahead.failures, here.failures)
    assert ahead.accounting.equals(here.accounting)
    for folder in ("tables", "quarantine"):
        a, b = tmp_path / "ahead" / folder, tmp_path / "here" / folder
        assert _files(a) == _files(b) and _files(a), folder
        _, mismatch, errors = filecmp.cmpfiles(a, b, _files(a), shallow=False)
        assert not mismatch and not errors, (folder, mismatch, errors)
