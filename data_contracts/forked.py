"""Work shared among processes forked from this one, for the steps that are Python per value and
would otherwise keep one core of the machine busy while the other waits.

Why forked processes and not Dagster's multiprocess executor or threads: the job runs in one
process (pipelines/definitions.py) so that the registers, which hold personal data, are handed
from step to step in memory and never pickled into Dagster's storage; threads would not help,
the work holds the GIL. A forked child starts with the parent's memory as it is (the frame to
check is not copied or pickled on the way in) and sends its result back in memory: its columns'
buffers through an in-memory file the parent maps, the rest pickled over a pipe (handed_back.py).
The pool is the standard library's (concurrent.futures.ProcessPoolExecutor), which reports a
child's exception and notices a child that died.

A child holds a copy of the parent's memory, personal data included, so it must not outlive the
parent: it asks the kernel to end it when the parent ends (PR_SET_PDEATHSIG), and it takes the
default action on SIGTERM and SIGINT rather than the handlers the parent had (Dagster's turns
SIGTERM into an exception raised only once a long C call returns). `become_child` does that; the
writers of the stored copies (pipelines/common/handover.py) are set up with it too.

A fork must not copy a thread that is still ending (data_contracts/ended_threads.py says why):
`ProcessPool`, here, returns from `shutdown` only once the threads it ended have left the kernel.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import math
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, Generic, TypeVar

from .ended_threads import WaitsForItsThreads
from .handed_back import Outbox

T = TypeVar("T")
R = TypeVar("R")

log = logging.getLogger(__name__)

#: prctl(2) option: the signal a child gets when the thread that forked it ends
_PR_SET_PDEATHSIG = 1

#: set in each child before its first task: the function the parent shared (a closure cannot be
#: pickled by reference; forking hands it over as it is)
_task: Callable[[Any], Any] | None = None
#: set with `_task`: where each item's result goes back (handed_back.py), by the item's number
_outboxes: list[Outbox] = []


def available_cpus() -> int:
    """The CPUs this process may use: those it may run on (a cpuset or taskset), fewer when a
    cgroup v2 CPU quota allows less time (`docker --cpus=2` on a bigger host: /sys/fs/cgroup/cpu.max,
    rounded up)."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        if quota != "max":
            cpus = min(cpus, max(1, math.ceil(int(quota) / int(period))))
    except (OSError, ValueError):  # no cgroup v2, or not readable: the CPUs as they are
        pass
    return cpus


def can_fork() -> bool:
    """Linux only: macOS offers fork but its system libraries are not safe after it."""
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


def map_forked(fn: Callable[[T], R], items: Sequence[T], workers: int) -> list[R]:
    """`[fn(x) for x in items]`, the first item in this process and each other one in a forked
    child, at most `workers` processes in all (this one included). The items are handed to the
    children pickled, so keep them small (a slice's bounds, not the slice); each result comes back
    as handed_back.py hands it (its buffers mapped, not copied; the rest pickled). With one
    worker, one item or no fork (see `can_fork`) everything runs here.

    An exception raised by `fn` in a child is raised here, as it was raised there (the child's
    traceback goes to this module's debug log, not into the exception, whose message is what a
    clerk reads). A child that dies without one (killed, out of memory) is not fatal: once every
    child has ended, each item without a result yet is done again here."""
    if workers <= 1 or len(items) <= 1 or not can_fork():
        return [fn(x) for x in items]
    results: list[Any] = []
    # one outbox per item handed out, made before the children are forked so that they inherit it
    outboxes = [Outbox.make() for _ in items[1:]]
    try:
        with ProcessPool(
            min(workers, len(items)) - 1,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_share,
            initargs=(fn, os.getpid(), 0, outboxes),
        ) as pool:
            later = [pool.submit(_run, (k, x)) for k, x in enumerate(items[1:])]
            results.append(fn(items[0]))
            with contextlib.suppress(BrokenProcessPool):  # a child died: the pool has ended the others
                for future, outbox in zip(later, outboxes, strict=True):
                    results.append(outbox.take(_result(future)))
    finally:
        for outbox in outboxes:
            outbox.close()
    # leaving the pool waits for every child to end: only then are the items after the last
    # result done here, so no item is ever worked on in two processes at once
    return results + [fn(x) for x in items[len(results) :]]


class Forked(Generic[R]):
    """`fn()` run in a child forked when this is made, which starts with this process's memory as
    it is (nothing handed to it is pickled); only its result comes back (handed_back.py). Only where
    `can_fork`: the caller decides what to do elsewhere.

    `result()` waits for the child and returns what `fn` returned, or raises what it raised (as
    `map_forked` does); a child that died without either (killed, out of memory) raises
    BrokenProcessPool, and the caller decides whether to do the work here. `nice`: as for
    `become_child`. The child collects no reference cycles: a collection would touch every
    object of the run, copying its pages (the stored copies' writers do the same)."""

    def __init__(self, fn: Callable[[], R], nice: int = 0):
        assert can_fork(), "Forked needs fork(2): see can_fork"
        self._outbox = Outbox.make()
        # the child is given `fn` as it forks (`_share`), not pickled; the pool forks it here
        self._pool = ProcessPool(
            1,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_share,
            initargs=(_without_collections(fn), os.getpid(), nice, [self._outbox]),
        )
        self._future: Future = self._pool.submit(_run, (0, None))

    def done(self) -> bool:
        """Whether `result()` would not wait."""
        return self._future.done()

    def result(self) -> R:
        try:
            return self._outbox.take(_result(self._future))
        finally:
            self._pool.shutdown(wait=True)
            self._outbox.close()


class ProcessPool(WaitsForItsThreads, ProcessPoolExecutor):
    """The standard library's pool of processes, whose `shutdown(wait=True)` (and so leaving a
    `with` block) returns only once the threads it ended (its manager thread, its queue's feeder)
    have ended in the kernel too (`ended_threads.WaitsForItsThreads` says why). Arguments as
    for ProcessPoolExecutor."""


def _without_collections(fn: Callable[[], R]) -> Callable[[Any], R]:
    def run(_none: Any) -> R:
        gc.disable()
        return fn()

    return run


def _result(future: Future) -> Any:
    try:
        return future.result()
    except BrokenProcessPool:
        raise
    except BaseException as err:
        # the pool chains the child's traceback as text (_RemoteTraceback) under the error
        if err.__cause__ is not None:
            log.debug("in a forked child: %s", err.__cause__)
            err.__cause__ = None
        raise


def become_child(parent: int, nice: int = 0) -> None:
    """Set up a process just forked from `parent` (its pid, read before the fork): the child
    holds a copy of the parent's memory, so it asks the kernel to end it when the parent ends
    (PR_SET_PDEATHSIG; strictly, when the parent's thread that forked it ends) and takes the
    default action on SIGTERM and SIGINT. Ends the child at once when the parent has already
    gone. Call it first thing in the child. `nice`: how much lower the child's CPU priority is
    than the parent's (nice(2)), for work the run does not wait for: with more processes than
    cores the kernel then gives the run's own steps their core."""
    if nice:
        os.nice(nice)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    with contextlib.suppress(OSError, AttributeError):  # no prctl: it may outlive a killed parent
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent ended before the request was made
        os._exit(1)


def _share(fn: Callable[[Any], Any], parent: int, nice: int, outboxes: list[Outbox]) -> None:
    global _task, _outboxes
    _task, _outboxes = fn, outboxes
    become_child(parent, nice)


def _run(numbered: tuple[int, Any]) -> Any:
    """The task on one item, its result put in the item's outbox (handed_back.py)."""
    assert _task is not None, "map_forked's initializer sets the task"
    k, item = numbered
    return _outboxes[k].put(_task(item))


def balanced(weights: dict[str, int], groups: int) -> list[list[str]]:
    """The keys of `weights` in at most `groups` groups of about equal total weight (the heaviest
    key first, each to the lightest group so far: longest-processing-time-first scheduling), for
    `map_forked` to give one group to each process. Deterministic: ties go by key."""
    out: list[list[str]] = [[] for _ in range(max(1, min(groups, len(weights))))]
    load = [0] * len(out)
    for key in sorted(weights, key=lambda k: (-weights[k], k)):
        lightest = load.index(min(load))
        out[lightest].append(key)
        load[lightest] += weights[key]
    return [g for g in out if g]
