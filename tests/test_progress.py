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
