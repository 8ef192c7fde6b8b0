"""Work on two threads, for steps whose work is mostly pyarrow's or pandas' compiled loops, which
let go of Python's lock (GIL): the machines have two cores (docs/scaling.md).

Every pool of threads of the run is a `ThreadPool`, whose threads have ended in the kernel's sense
too once it is shut down: the run forks soon after its steps return (the stored copies' writers,
pipelines/common/handover.py; the suites and checks), and a fork must not copy a thread still
ending (data_contracts/ended_threads.py says why)."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
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


#: the niceness (nice(2): 0 normal, 19 the lowest priority) of a thread whose work has slack
#: while other threads' work is on the critical path (`background_priority`)
BACKGROUND_NICENESS = 19


def background_priority() -> None:
    """Lower the calling thread's scheduling priority to BACKGROUND_NICENESS: it then runs on
    the cores the process's other threads leave idle, and yields them when those want them.
    Linux gives each thread a niceness of its own (setpriority(2) with the thread's id); on
    other systems this does nothing. An unprivileged process cannot raise it back, so only a
    thread that ends with its work calls this: a pool's `initializer`
    (`ThreadPool(max_workers=1, initializer=background_priority)`). Threads this one starts
    inherit the niceness (a pool of pyarrow's is started by the first thread that needs it:
    in a run, the reads started them long before). An error setting it (a sandbox refusing
    the call) leaves the priority as it was: only the speed depends on it."""
    if sys.platform != "linux":
        return
    with contextlib.suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), BACKGROUND_NICENESS)


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
