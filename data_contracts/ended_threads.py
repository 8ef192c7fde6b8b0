"""Waiting for threads to have ended in the kernel's sense, before the run forks.

Python's `join` (and so a pool's shutdown) returns once a thread's Python state is gone, before
the thread has run its thread-local destructors, where mimalloc (pyarrow's default pool in the
wheels this project installs) gives up the thread's heap under a process-wide lock. Forked in
that moment, the child holds that lock taken by nobody, and its first new thread to allocate
through pyarrow waits for it forever. It happened once in CI (a stored copy's writer forked right
after `organisations_resolved`, stuck in `_mi_theap_init`). The run forks soon after its steps
return (the stored copies' writers, pipelines/common/handover.py; the suites and the contract
checks, forked.py), so every pool of the run, of processes (forked.ProcessPool) or of threads
(pipelines/common/threads.py ThreadPool), is `WaitsForItsThreads`: it returns from `shutdown`
only once the threads it ended have left /proc/self/task, which the kernel does after their
last instruction.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, Future
from pathlib import Path
from typing import Any, TypeVar

R = TypeVar("R")

log = logging.getLogger(__name__)

#: how long to wait for ended threads to leave the kernel: they take microseconds; a thread
#: still listed after this is logged and the run goes on
_EXIT_WAIT_SECONDS = 5.0


class WaitsForItsThreads(Executor):
    """For a pool of the standard library (`class P(WaitsForItsThreads, ThreadPoolExecutor)`):
    `shutdown(wait=True)`, and so leaving a `with` block, returns only once every thread that
    was running when something was submitted or when the shutdown began, and is not running at
    its end, has left the kernel too (`wait_until_gone`): the pool's own threads, which start on
    a submit, also those that ended before the shutdown (a process pool's manager thread ends
    by itself when a child dies). `wait=False` waits for nothing, as the pool does."""

    _seen: frozenset[int | None] = frozenset()

    def submit(self, fn: Callable[..., R], /, *args: Any, **kwargs: Any) -> Future[R]:
        future = super().submit(fn, *args, **kwargs)
        self._seen = self._seen | _running()  # the threads the submit may have started
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        seen = self._seen | _running()
        super().shutdown(wait, cancel_futures=cancel_futures)
        if wait:
            wait_until_gone(seen - _running())


def _running() -> frozenset[int | None]:
    return frozenset(t.native_id for t in threading.enumerate())


def wait_until_gone(tids: Iterable[int | None], timeout: float = _EXIT_WAIT_SECONDS) -> bool:
    """Wait until none of the threads `tids` (kernel thread ids: `threading.get_native_id()`,
    `Thread.native_id`; None, of a thread never started, is skipped) of this process is in
    /proc/self/task, at most `timeout` seconds. True when they are gone (or there is no /proc to
    ask: not Linux, where `can_fork` says the run does not fork); False, with a warning logged,
    when one was still there at the end."""
    tasks = Path("/proc/self/task")
    if not tasks.is_dir():
        return True
    left = [tasks / str(t) for t in tids if t is not None]
    end = time.monotonic() + timeout
    pause = 0.0001
    while left := [t for t in left if t.exists()]:
        if time.monotonic() > end:
            log.warning("threads %s had not ended %.0f s after their work did", [t.name for t in left], timeout)
            return False
        time.sleep(pause)
        pause = min(pause * 2, 0.01)
    return True
