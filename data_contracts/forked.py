"""Work shared among processes forked from this one, for the steps that are Python per value and
would otherwise keep one core of the machine busy while the other waits.

Why forked processes and not Dagster's multiprocess executor or threads: the job runs in one
process (pipelines/definitions.py) so that the registers, which hold personal data, are handed
from step to step in memory and never pickled into Dagster's storage; threads would not help,
the work holds the GIL. A forked child starts with the parent's memory as it is (the frame to
check is not copied or pickled on the way in) and sends its result back over a pipe, in memory.
The pool is the standard library's (concurrent.futures.ProcessPoolExecutor), which reports a
child's exception with its traceback and notices a child that died.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

#: set in each child before its first task: the function the parent shared (a closure cannot be
#: pickled by reference; forking hands it over as it is)
_task: Callable[[Any], Any] | None = None


def available_cpus() -> int:
    """The CPUs this process may run on (a container's or taskset's limit, not the host's)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    """Linux only: macOS offers fork but its system libraries are not safe after it."""
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


def map_forked(fn: Callable[[T], R], items: Sequence[T], workers: int) -> list[R]:
    """`[fn(x) for x in items]`, the first item in this process and each other one in a forked
    child, at most `workers` processes in all (this one included). The items are handed to the
    children pickled, so keep them small (a slice's bounds, not the slice); each result comes back
    pickled. With one worker, one item or no fork (see `can_fork`) everything runs here.

    An exception raised by `fn` in a child is raised here with the child's traceback. A child that
    dies without one (killed, out of memory) is not fatal: its items are done again here."""
    if workers <= 1 or len(items) <= 1 or not can_fork():
        return [fn(x) for x in items]
    with ProcessPoolExecutor(
        min(workers, len(items)) - 1,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_share,
        initargs=(fn,),
    ) as pool:
        later = [pool.submit(_run, x) for x in items[1:]]
        first = fn(items[0])
        results = [first]
        for x, future in zip(items[1:], later, strict=True):
            try:
                results.append(future.result())
            except BrokenProcessPool:
                results.append(fn(x))
        return results


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


def _share(fn: Callable[[Any], Any]) -> None:
    global _task
    _task = fn


def _run(item: Any) -> Any:
    assert _task is not None, "map_forked's initializer sets the task"
    return _task(item)
