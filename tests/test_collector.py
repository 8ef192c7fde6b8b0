"""The cyclic collector paused while a stage builds millions of objects, what the process holds
frozen after during a run, and given back to the collector at the run's end
(pipelines/common/collector.py)."""

from __future__ import annotations

import gc
import threading
import weakref

import pytest
from dagster import asset, materialize

from pipelines.common import collector, resources
from pipelines.common.collector import collector_paused, run_started, thaw
from pipelines.common.resources import SansheResource


class _Node:
    """An object in a reference cycle: only the cyclic collector frees it."""

    def __init__(self) -> None:
        self.me = self


@pytest.fixture
def in_a_run():
    """A run going on in this process, as SansheResource's setup says one is."""
    run_started()
    yield
    thaw()


def test_a_paused_stage_freezes_what_the_process_holds_during_a_run(in_a_run):
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        made = [[i] for i in range(1000)]
    assert gc.isenabled()
    assert gc.get_freeze_count() >= len(made)


def test_outside_a_run_nothing_is_frozen():
    gc.unfreeze()
    with collector_paused():
        made = [[i] for i in range(1000)]
    assert gc.get_freeze_count() == 0 and gc.isenabled() and made


def test_a_block_that_raised_freezes_nothing(in_a_run):
    gc.unfreeze()
    with pytest.raises(ValueError), collector_paused():
        raise ValueError("a step that failed")
    assert gc.get_freeze_count() == 0 and gc.isenabled()


def test_the_collector_left_off_stays_off(in_a_run):
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_cycles_that_became_garbage_in_the_block_are_collected_not_frozen(in_a_run):
    with collector_paused():
        gone = weakref.ref(_Node())  # garbage at once, in a cycle
    assert gone() is None


def test_a_cycle_alive_when_frozen_is_collected_once_the_run_ends():
    run_started()
    with collector_paused():
        node = _Node()
    alive = weakref.ref(node)
    del node
    gc.collect()
    assert alive() is not None  # frozen: no collection looks at it
    thaw()
    gc.collect()
    assert alive() is None


def test_blocks_on_two_threads_keep_the_collector_off_until_both_ended():
    """Stored copies are read on whichever thread asks: one thread's block ending must not turn
    the collector on under another's."""
    entered, leave = threading.Event(), threading.Event()

    def other() -> None:
        with collector_paused():
            entered.set()
            leave.wait(10)

    thread = threading.Thread(target=other)
    thread.start()
    entered.wait(10)
    with collector_paused():
        pass
    assert not gc.isenabled()  # the other thread's block is still running
    leave.set()
    thread.join()
    assert gc.isenabled()


def test_every_run_starts_and_ends_the_frozen_stretch(tmp_path, monkeypatch):
    """Every run needs SansheResource: its setup says a run began, its teardown, once the run's
    steps ended, gives what they froze back to the collector (also for a run that failed)."""
    calls = []
    monkeypatch.setattr(resources, "run_started", lambda: calls.append("started"))
    monkeypatch.setattr(resources, "thaw", lambda: calls.append("thawed"))

    @asset(required_resource_keys={"sanshe"})
    def step(context) -> int:
        calls.append("step")
        return 1

    @asset(required_resource_keys={"sanshe"})
    def failing(context) -> int:
        raise ValueError("a step that failed")

    sanshe = SansheResource(source_dir=str(tmp_path), output_dir=str(tmp_path / "out"), workers=1)
    assert materialize([step], resources={"sanshe": sanshe}).success
    assert not materialize([failing], resources={"sanshe": sanshe}, raise_on_error=False).success
    assert calls == ["started", "step", "thawed", "started", "thawed"]


def test_great_expectations_is_loaded_with_the_collector_paused(tmp_path, monkeypatch):
    """Loading the library in the run's process (the first suite's offer) makes some hundred
    thousand objects while the run holds millions: no collection walks them meanwhile."""
    from pipelines.quality import gx

    seen = []
    monkeypatch.setattr(gx, "_made_context", lambda docs_dir: seen.append(gc.isenabled()))
    gx._context(str(tmp_path / "docs"))  # a folder of its own: made here, not taken from the cache
    assert seen == [False] and gc.isenabled()


def test_no_run_is_left_going_on():
    """The tests above balance every run they start: later tests freeze nothing."""
    assert collector._state["runs"] == 0 and collector._state["depth"] == 0


def test_decoding_a_gbk_file_leaves_no_cycle_holding_its_text():
    """A file that is not UTF-8 fails that decoding first; the error kept meanwhile must not sit
    in a cycle with the decoding's frame, which holds the file's bytes and text: during a run
    such garbage waits for a collection (and, frozen, for the run's end)."""
    from pipelines.common.readers import decode

    raw = ("社区名称,常住人口\n" * 1000).encode("gb18030")
    gc.collect()
    gc.disable()
    try:
        text, encoding = decode(raw)
        unreachable = gc.collect()
    finally:
        gc.enable()
    assert encoding != "utf-8" and text.startswith("社区名称")
    assert unreachable == 0
