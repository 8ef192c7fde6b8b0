"""What `sanshe run` shows while it runs and where it says the time went: the sample run's own
Dagster events, replayed into the progress display, and the step timings it reported."""

from __future__ import annotations

import io
import re

from sanshe.progress import HOOKS, RunProgress, step_seconds, step_windows, time_table
from sanshe.run import open_instance


class Clock:
    """A clock the test moves: one second per event."""

    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _run_logs(sample_run):
    settings, outcome = sample_run
    with open_instance(settings) as instance:
        run_id = outcome.run_id
        return run_id, list(instance.all_logs(run_id)), step_windows(instance, run_id), step_seconds(instance, run_id)


def _replay(logs, tty: bool, rows_in_graph_step: list[tuple[int, int]] = ()) -> str:
    out, clock = io.StringIO(), Clock()
    progress = RunProgress(out, tty=tty, clock=clock)
    for entry in logs:
        clock.now += 1
        progress.on_event(entry)
        if progress.step == "graph":
            for done, total in rows_in_graph_step:
                clock.now += 1
                progress.on_rows(done, total)
            rows_in_graph_step = ()
    progress.close()
    return out.getvalue()


def test_a_log_gets_one_line_per_step_with_rows_and_rate(sample_run):
    outcome = sample_run[1]
    _, logs, windows, _ = _run_logs(sample_run)
    lines = _replay(logs, tty=False).splitlines()
    assert "\r" not in "".join(lines)
    steps = [re.match(r"\s+step\s+\d+ (\S+)\s+done", line).group(1) for line in lines]
    assert sorted(steps) == sorted(windows) and len(steps) == len(set(steps))  # one line per step
    graph = next(line for line in lines if " graph " in line)
    assert f"{sum(outcome.graph_counts.values()):,} rows" in graph and "rows/s" in graph
    raw = next(line for line in lines if " evaluations_raw " in line)
    read = int(outcome.accounting.loc[outcome.accounting["register"] == "evaluations", "rows_read"].sum())
    assert f"{read:,} rows" in raw


def test_a_terminal_gets_one_line_kept_up_to_date_with_a_bar(sample_run):
    _, logs, _, _ = _run_logs(sample_run)
    shown = _replay(logs, tty=True, rows_in_graph_step=[(0, 1000), (500, 1000), (1000, 1000)])
    assert "\n" not in shown  # redrawn in place, never a new line
    frames = shown.split("\r")
    half = next(f for f in frames if "500/1,000 rows" in f)
    assert "graph" in half and "[##########..........]" in half and "rows/s" in half
    assert frames[-1].strip() == ""  # cleared at the end, for the summary that follows


def test_rows_begun_before_their_step_are_rated_from_when_they_began():
    """A graph load started ahead (pipelines/graph/load_ahead.py) is taken by the graph step
    with most of its rows done: its rate is taken from when the load began, not from the step's
    start, and the step's line says it began earlier."""
    from dagster import DagsterEventType

    class Event:
        def __init__(self, kind):
            self.dagster_event = type("E", (), {"event_type": kind, "step_key": "graph"})()

    out, clock = io.StringIO(), Clock()
    progress = RunProgress(out, tty=False, clock=clock)
    clock.now = 100.0
    progress.on_event(Event(DagsterEventType.STEP_START))
    clock.now = 110.0
    progress.on_rows(1_000_000, None, 60.0)  # began 40 s before the step; 50 s in all
    assert "20,000 rows/s" in progress.line()
    progress.on_event(Event(DagsterEventType.STEP_SUCCESS))
    line = out.getvalue()
    assert "1,000,000 rows" in line and "20,000 rows/s" in line and "(begun 40.0 s before the step)" in line
    assert " 10.0 s" in line  # the step's own seconds


def test_where_the_time_went(sample_run):
    settings, outcome = sample_run
    run_id, _, steps, seconds = _run_logs(sample_run)
    with open_instance(settings) as instance:
        windows = step_windows(instance, run_id, hooks=True)
    # every step, and the hooks after each (the suites validated ahead)
    assert set(windows) == set(steps) | {step + HOOKS for step in steps}
    assert outcome.step_seconds == seconds and set(seconds) == set(windows)
    assert list(seconds.values()) == sorted(seconds.values(), reverse=True)
    assert all(end >= start for start, end in windows.values())
    assert sum(seconds.values()) <= outcome.seconds
    table = time_table(seconds, outcome.seconds, top=3).splitlines()
    assert len(table) == 3 + 1 + 2  # the three slowest, the others, all steps, the whole run
    assert table[0].strip().startswith(next(iter(seconds)) + " ")
    assert f"{len(seconds) - 3} other steps" in table[3]


def test_a_broken_display_never_stops_the_run():
    class Full(io.StringIO):
        def write(self, text):
            if text.startswith("\r"):
                raise OSError("no space left on device")
            return super().write(text)

    class Entry:  # an event of an unexpected shape
        dagster_event = property(lambda self: 1 / 0)

    for trouble in (lambda p: p.on_event(Entry()), lambda p: (setattr(p, "step", "graph"), p.on_rows(1, 2))):
        out = Full()
        progress = RunProgress(out, tty=True)
        trouble(progress)  # no exception
        assert progress.broken and "progress display stopped" in out.getvalue()
        progress.on_rows(2, 2)
        progress.on_event(Entry())  # and quiet from then on
        assert out.getvalue().count("stopped") == 1
