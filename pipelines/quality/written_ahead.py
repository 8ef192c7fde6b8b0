"""Reports written ahead: a step's files written in a forked child started before the step runs,
while the graph loads, and the step takes what the child returned.

Why: accepted_tables and quarantine_report read resolved_registers only, yet the in-process
executor ran them one at a time around the graph step, on the run's path (national, 2026-12-05:
3.9 s and 1.4 s of a 115 s run), while the graph step, 55 s, left part of the machine's second
core idle (1.6 cores busy on average; the store's COPY statements do not keep both busy). The
job's hook (`quality.assets.write_reports_ahead`) starts each step's work in a child forked once
resolved_registers is made, at a lower CPU priority than the run's own steps, so that it takes
the core the graph step leaves idle rather than the graph step's; the steps run after the graph
(their priority, quality.assets.AFTER_GRAPH) and take the child's result, waiting for it if
need be. Nothing is pickled on the way in (the child starts with the run's memory as it is,
data_contracts/forked.py); only the step's small result comes back.

What a step materializes is the same either way: the files are written whole before the step
ends. A child that raised has the step raise the same error (as if the step had written the
files itself); a child that died without a result (killed, out of memory), or work never started
ahead (SANSHE_WORKERS=1, no fork(2), a job without the hook, a step not in the run), is done in
the step. Only work the run asked for is started: the hook checks the step is in the run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from data_contracts.forked import Forked, can_fork

R = TypeVar("R")

log = logging.getLogger(__name__)

#: the children's CPU priority below the run's (nice(2)): below the suites validated ahead
#: (quality/ahead.py CHILD_NICE, which the blocking expectations check waits for), level with
#: the stored copies' writers (common/handover.py WRITER_NICE)
NICE = 10

#: run id -> step key -> the child doing that step's work
_RUNS: dict[str, dict[str, Forked[Any]]] = {}


def start(run_id: str, step: str, work: Callable[[], R], fork: bool = True) -> bool:
    """Start `work()` (which writes `step`'s files and returns what the step needs of them) in a
    child forked now, unless `fork` is False or the run cannot fork (`can_fork`), or the step's
    work was already started in this run. Returns whether a child was started."""
    steps = _RUNS.setdefault(run_id, {})
    if not (fork and can_fork()) or step in steps:
        return False
    steps[step] = Forked(work, nice=NICE)
    return True


def take(run_id: str, step: str, work: Callable[[], R]) -> R:
    """What `step`'s child returned, waiting for it; `work()` here when none was started in this
    run, or when the child died without a result (logged). Raises what the child's work raised."""
    steps = _RUNS.get(run_id, {})
    child = steps.pop(step, None)
    if not steps:
        _RUNS.pop(run_id, None)
    if child is not None:
        try:
            return child.result()
        except BrokenProcessPool:
            log.warning("the child writing %s ahead ended without a result: written in the step", step)
    return work()


def started(run_id: str) -> list[str]:
    """The steps of the run whose work was started ahead and not yet taken."""
    return sorted(_RUNS.get(run_id, {}))
