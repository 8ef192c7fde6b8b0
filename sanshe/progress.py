"""Progress a person can watch during `sanshe run`, and where the time went.

While the job runs, `RunProgress` follows Dagster's events (step started, asset materialised with
its `rows` metadata, step finished) and the rows a long step reports as it goes
(pipelines/progress.py). On a terminal it keeps one line up to date: the running step, its rows,
rows per second and a bar when the total is known. In a log or CI (output not a terminal) it
writes one plain line per finished step. Afterwards `step_seconds` reads each step's start and
end from the run's events in the Dagster instance, and `time_table` says where the time went.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

#: the asset materialisation metadata that counts a step's rows, in order of preference
ROW_KEYS = ("rows", "rows_read")
#: how often (seconds) the terminal line is redrawn at most
REDRAW = 0.1
#: step names are padded to this width in the per-step lines, so the columns line up
STEP_WIDTH = 38


#: the suffix of the window of a step's hooks in `step_windows`
HOOKS = " · hooks"


def step_windows(instance, run_id: str, hooks: bool = False) -> dict[str, tuple[float, float]]:
    """Each finished step of run `run_id`: (start, end) as Unix timestamps in seconds, from the
    STEP_START and STEP_SUCCESS/STEP_FAILURE events the Dagster instance recorded; with `hooks`
    also, as `<step>` + HOOKS, the hooks Dagster ran after it, from its end to their last event
    (the job's hook validates suites ahead: pipelines/quality/checks.py `validate_ahead`)."""
    from dagster import DagsterEventType

    after = (DagsterEventType.HOOK_COMPLETED, DagsterEventType.HOOK_ERRORED, DagsterEventType.HOOK_SKIPPED)
    starts, ends, out = {}, {}, {}
    for entry in instance.all_logs(run_id):
        ev = entry.dagster_event
        if ev is None:
            continue
        if ev.event_type == DagsterEventType.STEP_START:
            starts[ev.step_key] = entry.timestamp
        elif ev.event_type in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE) and ev.step_key in starts:
            out[ev.step_key] = (starts[ev.step_key], entry.timestamp)
            ends[ev.step_key] = entry.timestamp
        elif hooks and ev.event_type in after and ev.step_key in ends:
            out[ev.step_key + HOOKS] = (ends[ev.step_key], entry.timestamp)
    return out


def step_seconds(instance, run_id: str) -> dict[str, float]:
    """Seconds each step of the run took, and the hooks after it, slowest first (`step_windows`)."""
    windows = step_windows(instance, run_id, hooks=True)
    return {k: round(b - a, 3) for k, (a, b) in sorted(windows.items(), key=lambda kv: kv[1][0] - kv[1][1])}


def time_table(seconds: dict[str, float], wall: float | None = None, top: int = 8) -> str:
    """Where the time went: the `top` slowest steps with their share of the steps' total, the
    rest summed on one line; `wall` (seconds, the whole run) adds the time outside any step."""
    steps = sorted(seconds.items(), key=lambda kv: -kv[1])
    total = sum(seconds.values())
    width = max((len(k) for k, _ in steps[:top]), default=10)
    lines = []
    for step, s in steps[:top]:
        lines.append(f"  {step:<{width}}  {s:7.1f} s  {_share(s, total)}")
    rest = steps[top:]
    if rest:
        s = sum(v for _, v in rest)
        lines.append(f"  {f'{len(rest)} other steps':<{width}}  {s:7.1f} s  {_share(s, total)}")
    lines.append(f"  {'all steps':<{width}}  {total:7.1f} s")
    if wall is not None:
        lines.append(f"  {'whole run':<{width}}  {wall:7.1f} s  (starting Dagster, reports and summary included)")
    return "\n".join(lines)


def _share(part: float, total: float) -> str:
    return f"{100 * part / total:3.0f}%" if total else ""


def _rate(rows: int, seconds: float) -> str:
    return f"{rows / seconds:,.0f} rows/s" if seconds > 0 and rows else ""


class RunProgress:
    """Follows one run and writes its progress to `stream` (a bar on a terminal, one line per
    finished step otherwise). Give `on_event` to the instance (`add_event_listener`) and
    `on_rows` to pipelines.progress.listening."""

    def __init__(self, stream: TextIO | None = None, tty: bool | None = None, clock=time.monotonic):
        self.stream = stream or sys.stdout
        self.tty = self.stream.isatty() if tty is None else tty
        self.clock = clock
        self.step: str | None = None
        self.started = 0.0
        self.rows = 0
        self.total: int | None = None
        self.finished = 0
        self._drawn = 0.0
        self._width = 0
        self.broken = False

    # -- what happens --------------------------------------------------------------------
    def on_event(self, entry) -> None:
        """An event log entry of the run (Dagster calls this for each one, inside the run: a
        fault of the display is reported once and never stops the run)."""
        if self.broken:
            return
        try:
            self._on_event(entry)
        except Exception as e:  # noqa: BLE001 - the display is not worth a failed run
            self.broken = True
            self.stream.write(f"\n  (progress display stopped: {type(e).__name__}: {e})\n")

    def _on_event(self, entry) -> None:
        from dagster import DagsterEventType

        ev = entry.dagster_event
        if ev is None:
            return
        if ev.event_type == DagsterEventType.STEP_START:
            self.step, self.started, self.rows, self.total = ev.step_key, self.clock(), 0, None
            self._draw(force=True)
        elif ev.event_type == DagsterEventType.ASSET_MATERIALIZATION:
            meta = ev.event_specific_data.materialization.metadata
            for key in ROW_KEYS:
                if key in meta and isinstance(meta[key].value, int):
                    self.rows = max(self.rows, meta[key].value)
                    break
        elif ev.event_type in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE):
            self.finished += 1
            failed = ev.event_type == DagsterEventType.STEP_FAILURE
            self._step_done(ev.step_key, failed)
            self.step = None

    def on_rows(self, done: int, total: int | None) -> None:
        """Rows done so far in the running step, of `total` (None when unknown)."""
        self.rows, self.total = done, total
        if not self.broken:
            try:
                self._draw()
            except Exception as e:  # noqa: BLE001 - as in on_event
                self.broken = True
                self.stream.write(f"\n  (progress display stopped: {type(e).__name__}: {e})\n")

    def close(self) -> None:
        """Clear the terminal line, so what is printed next starts on a clean line."""
        if self.tty and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0

    # -- what is shown -------------------------------------------------------------------
    def line(self) -> str:
        """The running step's line: step, rows (of the total), rows per second, seconds."""
        elapsed = self.clock() - self.started
        rows = (
            f"{self.rows:,}" + (f"/{self.total:,}" if self.total else "") + " rows" if self.rows or self.total else ""
        )
        bar = ""
        if self.total:
            filled = int(20 * min(self.rows, self.total) / self.total)
            bar = "[" + "#" * filled + "." * (20 - filled) + "] "
        parts = [f"step {self.finished + 1}: {self.step}", bar + rows, _rate(self.rows, elapsed), f"{elapsed:.0f} s"]
        return "  " + "  ".join(p for p in parts if p)

    def _draw(self, force: bool = False) -> None:
        if not self.tty or self.step is None:
            return
        now = self.clock()
        if not force and now - self._drawn < REDRAW:
            return
        self._drawn = now
        text = self.line()
        self.stream.write("\r" + text.ljust(self._width))
        self.stream.flush()
        self._width = max(self._width, len(text))

    def _step_done(self, step: str, failed: bool) -> None:
        if self.tty:  # the running line only: the summary says where the time went
            self._draw(force=True)
            return
        elapsed = self.clock() - self.started
        parts = [
            f"  step {self.finished:>3} {step:<{STEP_WIDTH}}",
            "FAILED" if failed else "done",
            f"{elapsed:6.1f} s",
            f"{self.rows:,} rows" if self.rows else "",
            _rate(self.rows, elapsed),
        ]
        self.stream.write("  ".join(p for p in parts if p) + "\n")
        self.stream.flush()
