"""How many heaps the C allocator may keep: fewer than its default, for a run's peak memory.

glibc's malloc gives each thread that meets a busy heap a heap (an "arena") of its own, up to
eight per core, and a freed block goes back to the heap it came from, where it stays for that
heap's later allocations rather than going back to the system. A run allocates from many threads
(pyarrow's and ladybug's pools, the graph build's two threads, Dagster's), so memory freed by
one stage sits in heaps the next stage's threads do not use. Before this module, the national
job (benchmarks/run.py's `run_job`, 2 CPUs) peaked at 8.07 GiB with MALLOC_ARENA_MAX=2 in its
environment against 8.49 GiB without, one run each on the same machine, with the run's time
within the machine's noise (158 s and 169 s). MALLOC_ARENA_MAX is read only as a process starts;
`mallopt` sets the same limit at run time, for the heaps made after it.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable

#: glibc's mallopt parameter M_ARENA_MAX (malloc.h)
M_ARENA_MAX = -8
#: the heaps a run may use: one per core of the benchmark machine
ARENAS = 2


def limit_arenas(arenas: int = ARENAS) -> bool:
    """Ask glibc's malloc to keep at most `arenas` heaps from now on. True when it took the
    setting; False elsewhere (not Linux, another C library without mallopt, or a C library
    that refused it): the run is the same, only its memory may peak higher."""
    mallopt = _glibc("mallopt", ctypes.c_int, ctypes.c_int)
    return mallopt is not None and mallopt(M_ARENA_MAX, arenas) == 1


def trim() -> bool:
    """Give the C allocator's free memory back to the system (glibc's malloc_trim): a heap keeps
    the blocks freed in it for its own later use. True when glibc released some. A bulk copy
    into the embedded store frees as much as it takes: the national graph's copy, with a trim
    after each commit, peaked 1.36 GiB above what it started from against 1.62 GiB without, and
    held 0.68 GiB more once done against 0.95 GiB (pipelines/graph/store.py; the copy of the
    national graph's tables into an empty store, one run each, same machine, two heaps)."""
    malloc_trim = _glibc("malloc_trim", ctypes.c_size_t)
    return malloc_trim is not None and malloc_trim(0) == 1


def _glibc(name: str, *argtypes: type) -> Callable[..., int] | None:
    """The C library's function `name` (taking `argtypes`, returning an int) in the library this
    process already uses; None off Linux or where it has no such function (musl, say)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = getattr(ctypes.CDLL(None), name)
    except (OSError, AttributeError):
        return None
    function.argtypes, function.restype = list(argtypes), ctypes.c_int
    return function
