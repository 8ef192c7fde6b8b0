"""Work on two threads, for steps whose work is mostly pyarrow's or pandas' compiled loops, which
let go of Python's lock (GIL): the machines have two cores (docs/scaling.md).

Every pool of threads of the run is a `ThreadPool`, whose threads have ended in the kernel's sense
too once it is shut down: the run forks soon after its steps return (the stored copies' writers,
pipelines/common/handover.py; the suites and checks), and a fork must not copy a thread still
ending (data_contracts/ended_threads.py says why)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from data_contracts.ended_threads import WaitsForItsThreads

T = TypeVar("T")
U = TypeVar("U")


class ThreadPool(WaitsForItsThreads, ThreadPoolExecutor):
    """The standard library's pool of threads, whose `shutdown(wait=True)` (and so leaving a
    `with` block) returns only once its threads have ended in the kernel too
    (data_contracts.ended_threads.WaitsForItsThreads). Arguments as for ThreadPoolExecutor."""


def in_threads(work: Callable[[T], U], items: list[T]) -> list[U]:
    """`[work(x) for x in items]` on two threads, results in `items`' order; the first error
    raised is raised here. Two: the machines have two cores, and each thread holds its item's
    intermediate frames (the run's memory target is 8 GiB). Returns only once both threads have
    ended in the kernel too (`ThreadPool`)."""
    with ThreadPool(max_workers=2) as pool:
        return list(pool.map(work, items))


def together(**calls: Callable[[], U]) -> dict[str, U]:
    """Each of `calls` called with no argument on two threads (`in_threads`), the results by
    the calls' names: for a step's independent parts, such as a register's histories."""
    return dict(zip(calls, in_threads(lambda call: call(), list(calls.values())), strict=True))
