"""Rows done inside a long step, for whoever watches the run.

A step that works through many rows (the graph load) calls `rows_done(done, total)` as it goes;
`sanshe run` listens (sanshe/progress.py) and shows rows and rows per second. Nobody listening
(`dagster dev`, the tests) costs nothing. The job runs in process (pipelines/definitions.py), so
the listener and the step share this module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

#: (rows done so far in the running step, rows it will do in all or None when unknown, and when
#: the work on them began (time.monotonic()) if before the step started, else None)
Listener = Callable[[int, "int | None", "float | None"], None]

_listeners: list[Listener] = []


def rows_done(done: int, total: int | None = None, began: float | None = None) -> None:
    """Tell whoever listens that the running step has done `done` rows of `total` (None: not
    known). `began`: time.monotonic() when the work on these rows began, when that was before
    the step started (a graph load started ahead, pipelines/graph/load_ahead.py), so that a rate
    is not taken over the step's seconds alone."""
    for listener in list(_listeners):
        listener(done, total, began)


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    _listeners.append(listener)
    try:
        yield
    finally:
        _listeners.remove(listener)
