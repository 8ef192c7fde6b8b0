"""Waiting for threads to have ended in the kernel's sense, before the run forks.

Python's `join` (and so a pool's shutdown) returns once a thread's Python state is gone, before
the thread has run its thread-local destructors, where mimalloc (pyarrow's default pool in the
wheels this project installs) gives up the thread's heap under a process-wide lock. Forked in
that moment, the child holds that lock taken by nobody, and its first new thread to allocate
through pyarrow waits for it forever. It happened once in CI (a stored copy's writer forked right
after `organisations_resolved`, stuck in `_mi_theap_init`). The run forks soon after its steps
return (the stored copies' writers, pipelines/common/handover.py; the suites and the contract
checks, forked.py), so every pool of the run, of processes (forked.ProcessPool) or of threads
(pipelines/common/threads.py ThreadPool), returns from `shutdown` only once the threads that
ended in it have left /proc/self/task, which the kernel does after their last instruction.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

log = logging.getLogger(__name__)

#: how long to wait for ended threads to leave the kernel: they take microseconds; a thread
#: still listed after this is logged and the run goes on
_EXIT_WAIT_SECONDS = 5.0


@contextlib.contextmanager
def ended_here(wait: bool = True) -> Iterator[None]:
    """Around a block that ends threads (a pool's shutdown): when the block is left, by return
    or raise, the Python threads that were running at its start and are not at its end have also
    left the kernel (`wait_until_gone`), so a fork after it copies none of them still ending.
    `wait=False`: nothing is waited for (a shutdown that does not wait for its threads)."""
    before = {t.native_id for t in threading.enumerate()}
    try:
        yield
    finally:
        if wait:
            wait_until_gone(before - {t.native_id for t in threading.enumerate()})


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
