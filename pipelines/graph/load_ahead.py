"""A full load of the embedded store copied on a thread while the run's other steps go on.

A run that changes most of the graph streams every part into a new store (incremental._streamed).
At national scale that load is the run's longest step, and it used to start after the
expectations check had waited for the last suites and after the accepted tables and, later, the
quarantine report had been written, each of those leaving a core idle: the graph's node and
relationship tables only need the resolved registers. So graph_changes starts the load, into a
staging folder beside the stored graph (store.StagedLoad), as soon as every register is resolved;
the graph step waits for it and swaps it in, once the blocking expectations check has passed. A
check that fails, or a run that stops, never swaps it in: the resource holding it discards it when
the run ends (file_copy.GraphFileCopy), and the graph readers never saw it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TypeVar

from .. import progress
from .store import EmbeddedGraphStore, StagedLoad

T = TypeVar("T")

#: (rows copied so far, rows in all or None): how a staged load reports (store.stage_built)
Report = Callable[[int, "int | None"], None]
#: seconds between the progress lines the graph step passes on while it waits
POLL_SECONDS = 0.5


class LoadStopped(Exception):
    """The load ahead was discarded before it was done (`LoadAhead.discard`)."""


class LoadAhead:
    """`stage(report, stop)`, a function staging a load (returning a StagedLoad; calling
    `report` as it copies, and ending, by raising, once `stop` is set: `until_stopped`), run on
    a thread of its own from now on. `swap_in` waits for it and swaps it in; `discard` stops it
    and removes what it staged. Either of the two once."""

    def __init__(self, stage: Callable[[Report, threading.Event], StagedLoad]):
        self._stop = threading.Event()
        self._rows: tuple[int, int | None] = (0, None)
        #: when the load started (time.monotonic()): its rows per second are taken from then
        self.began = time.monotonic()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="graph-load-ahead")
        self._staged: Future[StagedLoad] = self._pool.submit(stage, self._report, self._stop)
        self._pool.shutdown(wait=False)  # the one task runs; the thread ends with it

    def _report(self, done: int, total: int | None) -> None:
        self._rows = (done, total)

    def swap_in(
        self, store: EmbeddedGraphStore, report: Callable[[int, int | None, float], None] = progress.rows_done
    ) -> dict[str, int]:
        """Wait for the load, passing its rows copied on to `report` (rows, rows in all or None,
        `began`) as it goes, then swap it into `store` (the store it was staged beside) and
        return its counts per label and type. Raises what staging it raised, and ValueError when
        it was discarded."""
        while True:
            try:
                staged = self._staged.result(timeout=POLL_SECONDS)
                break
            except FutureTimeout:
                report(*self._rows, self.began)
        report(*self._rows, self.began)
        return store.swap_in(staged)

    def discard(self) -> None:
        """Stop the load if it is still going (the part being built ends first), wait for it and
        remove what it staged. Does nothing once swapped in or discarded. Returns None."""
        self._stop.set()
        try:
            staged = self._staged.result()
        except BaseException:  # noqa: BLE001 - stopped or failed: it removed what it staged
            return
        if not staged.spent:
            staged.discard()


def until_stopped(items: Iterable[T], stop: threading.Event) -> Iterator[T]:
    """`items`, raising LoadStopped before the next item once `stop` is set; `items` (a
    generator) is closed when this is, so a build behind it stops too."""
    it = iter(items)
    try:
        for item in it:
            if stop.is_set():
                raise LoadStopped("the graph load ahead was discarded")
            yield item
    finally:
        close = getattr(it, "close", None)
        if close is not None:
            close()
