"""Rows done inside a long step, for whoever watches the run.

A step that works through many rows (the graph load) calls `rows_done(done, total)` as it goes;
`sanshe run` listens (sanshe/progress.py) and shows rows and rows per second. Nobody listening
(`dagster dev`, the tests) costs nothing. The job runs in process (pipelines/definitions.py), so
the listener and the step share this module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

#: (rows done so far in the running step, rows it will do in all, or None when unknown)
Listener = Callable[[int, "int | None"], None]

_listeners: list[Listener] = []


def rows_done(done: int, total: int | None = None) -> None:
    for listener in list(_listeners):
        listener(done, total)


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    _listeners.append(listener)
    try:
        yield
    finally:
        _listeners.remove(listener)
