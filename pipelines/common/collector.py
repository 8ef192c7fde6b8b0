"""The cyclic garbage collector, paused while a stage builds millions of small objects, and kept
off them for the rest of the run.

Reading and checking a register makes a list per row and a tuple per column; every collection
of the oldest generation walks all of them again: reading the national benchmark's projects
file (1.5 million rows) took 33 s with the collector on and 19 s with it paused, on the
2-core benchmark machine. Reference counting still frees every object at once; only
reference cycles wait.

During a run (`run_started` to `thaw`), the last paused block to end collects the young
generations (the cycles that became garbage meanwhile: nothing was promoted while it ran) and
freezes everything the process then holds (`gc.freeze`), the registers among it: later
collections no longer walk them. In a national run the run's process spent 2.3-2.8 s in
collections, eight of the oldest generation each walking the registers held by then, and
0.45-0.48 s with them frozen (gc.callbacks, one run each). A block that raised freezes nothing
(its exception and traceback would be kept to the run's end), and outside a run nothing is
frozen. At the run's end the frozen objects go back to the collector, so that a cycle among
them that became garbage is collected in a process that runs on (a test session, a process
running several jobs).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
#: paused blocks running, on any thread; whether the collector was on when the first began;
#: runs going on in this process (`run_started`, `thaw`)
_state = {"depth": 0, "resume": False, "runs": 0}


@contextmanager
def collector_paused() -> Iterator[None]:
    """The collector off while the block runs (and while any other thread's paused block does);
    then, during a run, what the process holds frozen once the last such block ended without
    raising; the collector back on if it was on before."""
    with _lock:
        if _state["depth"] == 0:
            _state["resume"] = gc.isenabled()
            gc.disable()
        _state["depth"] += 1
    ended = False
    try:
        yield
        ended = True
    finally:
        with _lock:
            _state["depth"] -= 1
            if _state["depth"] == 0:
                if ended and _state["runs"]:
                    gc.collect(1)  # the block's garbage cycles, before they would be frozen
                    gc.freeze()
                if _state["resume"]:
                    gc.enable()


def run_started() -> None:
    """A run began in this process: paused blocks freeze what the process holds until `thaw`."""
    with _lock:
        _state["runs"] += 1


def thaw() -> None:
    """A run ended: once no other is going on, the frozen objects go back to the collector (those
    that became garbage in a cycle are collected with its next collection of the oldest
    generation) and paused blocks freeze nothing more."""
    with _lock:
        _state["runs"] = max(0, _state["runs"] - 1)
        if _state["runs"] == 0:
            gc.unfreeze()
