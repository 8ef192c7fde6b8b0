"""Work on two threads, for steps whose work is mostly pyarrow's or pandas' compiled loops, which
let go of Python's lock (GIL): the machines have two cores (docs/scaling.md)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
U = TypeVar("U")


def in_threads(work: Callable[[T], U], items: list[T]) -> list[U]:
    """`[work(x) for x in items]` on two threads, results in `items`' order; the first error
    raised is raised here. Two: the machines have two cores, and each thread holds its item's
    intermediate frames (the run's memory target is 8 GiB)."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(work, items))
