"""A register's Great Expectations suite validated ahead, in a forked child (pipelines/quality/
ahead.py), gives the run the result rows and the Data Docs pages it gets when validated in the
run's own process; one child runs at a time, the next suite starting when it ends; a child that
dies leaves its suite to the run's process."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pandas as pd
import pytest

from data_contracts.forked import can_fork
from pipelines.quality import ahead
from pipelines.quality.checks import SUITES
from pipelines.quality.gx import build_docs, passed, run_suite
from pipelines.settings import SAMPLE_DIR, Settings
from sanshe.run import run_pipeline
from tests.test_expectations import _evaluations, _suite

pytestmark = pytest.mark.skipif(not can_fork(), reason="suites are validated ahead only where the run can fork")


def _validation(name: str, frame: pd.DataFrame, docs: Path, pids: Path | None = None):
    def validate() -> pd.DataFrame:
        if pids is not None:
            with pids.open("a") as fh:
                fh.write(f"{os.getpid()}\n")
        return run_suite(name, frame, _suite(), docs)

    return validate


def _page_text(docs: Path, name: str) -> str:
    pages = [p for p in docs.rglob("*.html") if "validations" in p.parts and name in p.as_posix()]
    assert len(pages) == 1, pages
    return pages[0].read_text(encoding="utf-8")


def test_a_suite_validated_in_a_child_is_the_suite_validated_here(tmp_path):
    frame = _evaluations(project_id=(0, "MZ-2024-999"), grade=(2, "极好"))  # two error-level failures
    here = run_suite("evaluations_x", frame, _suite(), tmp_path / "here")
    pids = tmp_path / "pids"
    ahead.offer(
        "run-a", "evaluations_x", tmp_path / "child", _validation("evaluations_x", frame, tmp_path / "child", pids)
    )
    assert ahead.states("run-a") == {"evaluations_x": "in a child"}
    got = ahead.results("run-a", "evaluations_x")
    ahead.finish("run-a")
    assert pids.read_text().split() != [str(os.getpid())], "validated in the run's process, not a child"
    pd.testing.assert_frame_equal(got, here)
    assert (~got["success"]).sum() == 2
    # the run's process renders the child's validation as it renders its own
    assert build_docs(tmp_path / "child") == ["evaluations_x"] == build_docs(tmp_path / "here")
    child_page, here_page = (
        _page_text(tmp_path / "child", "evaluations_x"),
        _page_text(tmp_path / "here", "evaluations_x"),
    )
    suite_pages = [
        sorted(p.name for p in (tmp_path / d).rglob("*.html") if "expectations" in p.parts) for d in ("child", "here")
    ]
    assert suite_pages[0] == suite_pages[1] == ["evaluations_x_suite.html"]
    for text in ("极好", "project_id_is_known", "evaluation_id"):
        assert (text in child_page) == (text in here_page) == True, text  # noqa: E712


def test_one_child_at_a_time_the_next_suite_starting_when_it_ends(tmp_path):
    go = tmp_path / "go"
    frame, docs = _evaluations(), tmp_path / "docs"

    def held() -> pd.DataFrame:
        while not go.exists():
            time.sleep(0.01)
        return run_suite("first", frame, _suite(), docs)

    ahead.offer("run-b", "first", docs, held)
    ahead.offer("run-b", "second", docs, _validation("second", frame, docs))
    assert ahead.states("run-b") == {"first": "in a child", "second": "waiting"}
    ahead.advance("run-b")
    assert ahead.states("run-b") == {"first": "in a child", "second": "waiting"}
    go.touch()
    ahead.results("run-b", "first")  # taken, and the second started
    assert ahead.states("run-b") == {"first": "taken", "second": "in a child"}
    assert set(ahead.every_result("run-b")) == {"first", "second"}
    ahead.finish("run-b")
    assert build_docs(docs) == ["first", "second"]


def test_a_child_that_dies_leaves_its_suite_to_the_run(tmp_path):
    run, frame, docs = os.getpid(), _evaluations(), tmp_path / "docs"

    def dies_in_a_child() -> pd.DataFrame:
        if os.getpid() != run:
            os._exit(3)  # as if killed, out of memory
        return run_suite("evaluations_y", frame, _suite(), docs)

    ahead.offer("run-c", "evaluations_y", docs, dies_in_a_child)
    got = ahead.results("run-c", "evaluations_y")
    ahead.finish("run-c")
    pd.testing.assert_frame_equal(got, run_suite("evaluations_y", frame, _suite(), tmp_path / "here"))
    assert build_docs(docs) == ["evaluations_y"]


def test_what_validating_raises_in_the_child_is_raised_in_the_run_and_the_next_suite_starts(tmp_path):
    def broken() -> pd.DataFrame:
        raise ValueError("a suite that cannot run")

    frame, docs = _evaluations(), tmp_path / "docs"
    ahead.offer("run-d", "broken", docs, broken)
    ahead.offer("run-d", "next", docs, _validation("next", frame, docs))
    deadline = time.monotonic() + 60
    while ahead.states("run-d")["broken"] == "in a child" and time.monotonic() < deadline:
        ahead.advance("run-d")  # as the hook after each step does: never raises
        time.sleep(0.01)
    assert ahead.states("run-d") == {"broken": "failed", "next": "in a child"}
    with pytest.raises(ValueError, match="a suite that cannot run"):
        ahead.results("run-d", "broken")
    with pytest.raises(ValueError, match="a suite that cannot run"):
        ahead.every_result("run-d")
    assert ahead.states("run-d") == {"broken": "failed", "next": "taken"}
    ahead.finish("run-d")
    assert build_docs(docs) == ["next"]


def test_with_one_worker_a_suite_is_validated_in_the_run_when_asked_for(tmp_path):
    # SANSHE_WORKERS=1 keeps everything in the run's process: no child is started
    frame, docs, pids = _evaluations(), tmp_path / "docs", tmp_path / "pids"
    ahead.offer("run-e", "alone", docs, _validation("alone", frame, docs, pids), fork=False)
    ahead.advance("run-e")
    assert ahead.states("run-e") == {"alone": "waiting"}
    assert passed(ahead.results("run-e", "alone")) == (True, "ok")
    ahead.finish("run-e")
    assert pids.read_text().split() == [str(os.getpid())]


def test_a_run_with_one_worker_forks_no_child_for_its_suites(tmp_path, monkeypatch):
    forked = []

    def no_fork(*args, **kwargs):
        forked.append(args)  # noted: Dagster logs an error raised in a hook and goes on
        raise AssertionError("a suite was validated in a forked child with SANSHE_WORKERS=1")

    monkeypatch.setattr(ahead, "Forked", no_fork)
    outcome = run_pipeline(Settings(SAMPLE_DIR, tmp_path / "out", workers=1))
    assert not forked
    assert outcome.success and outcome.checks_passed, outcome.failures
    assert sum(c["check"] == "expectations" for c in outcome.checks) == len(SUITES)


def test_a_suite_validated_alone_is_rendered_by_its_child_and_the_run_loads_nothing(tmp_path):
    """`alone`, in a process that has not made the docs folder's context: the child validates,
    renders the suite's pages and hands over the result rows, those of the suite validated
    here; the run's process makes no context. Offered alone where the context is made, the
    suite is handed over for this process to render, as any."""
    from pipelines.quality import gx

    frame = _evaluations(project_id=(0, "MZ-2024-999"))
    here = run_suite("evaluations_x", frame, _suite(), tmp_path / "here")
    docs = tmp_path / "alone"
    assert not gx.loaded(docs)
    ahead.offer("run-c", "evaluations_x", docs, _validation("evaluations_x", frame, docs), alone=True)
    got = ahead.results("run-c", "evaluations_x")
    ahead.finish("run-c")
    pd.testing.assert_frame_equal(got, here)
    assert not gx.loaded(docs) and build_docs(docs) == []  # nothing left to render here
    assert "project_id_is_known" in _page_text(docs, "evaluations_x")

    ahead.offer(
        "run-d", "evaluations_x", tmp_path / "here", _validation("evaluations_x", frame, tmp_path / "here"), alone=True
    )
    pd.testing.assert_frame_equal(ahead.results("run-d", "evaluations_x"), here)
    ahead.finish("run-d")
    assert build_docs(tmp_path / "here") == ["evaluations_x"]  # the context made here renders it


def test_pages_a_child_validating_alone_fails_to_render_stop_nothing(tmp_path, monkeypatch):
    """The pages are not the check: rendering that fails in the child is logged there, and the
    suite's result rows still come back."""
    from pipelines.quality import gx

    def broken(docs_dir):
        raise OSError(28, "No space left on device")

    frame = _evaluations(project_id=(0, "MZ-2024-999"))
    here = run_suite("evaluations_x", frame, _suite(), tmp_path / "here")
    monkeypatch.setattr(gx, "build_docs", broken)  # before the fork: the child has it too
    docs = tmp_path / "alone"
    ahead.offer("run-e", "evaluations_x", docs, _validation("evaluations_x", frame, docs), alone=True)
    got = ahead.results("run-e", "evaluations_x")
    ahead.finish("run-e")
    pd.testing.assert_frame_equal(got, here)
