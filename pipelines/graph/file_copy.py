"""The stored graph file copied from the start of a run that changes some registers.

An incremental load works in a copy of the embedded store's file, swapped in once loaded
(store.py). `graph_changes` used to start that copy once it knew which parts changed, after
resolved_registers: at national scale the copy (1.29 GB read and written, then flushed to disk)
ran while the changed register's Great Expectations suite loaded the library in its child, and
the blocking check waited 1.1-1.8 s for that child in the benchmark's 1% changes at 11124f2
(0.02 s at 978b4d1, before the flush). Started when the run starts, the copy's disk work
overlaps reading and checking the changed register, which keep the processors busy and the
disk idle.

Only for a run of some registers (the inbox sensor's runs): a run of every register either
changes most of the graph, whose load streams every part into a new store, or changes nothing;
neither takes a copy, and `graph_changes` still copies for the rare run that needs one. A copy
the load needs none of is removed by `incremental.prepare`; one prepared and never carried out,
or never taken, when the run ends.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from pathlib import Path

from dagster import AssetKey, ConfigurableResource, InitResourceContext
from pydantic import PrivateAttr

from data_contracts import CONTRACTS
from data_contracts.forked import can_fork

from ..common.run_lock import OutputLock
from ..settings import Settings
from .store import CopyAhead, EmbeddedGraphStore

#: the resource key of the graph file's copy
GRAPH_FILE_COPY = "graph_file_copy"
#: the step that takes the copy (pipelines/graph/assets.py)
TAKER = AssetKey("graph_changes")


def prepares_ahead(s: Settings) -> bool:
    """Whether a run prepares its graph load ahead, in graph_changes (incremental.prepare):
    the embedded store (Neo4j compares every record itself, in the graph step), with forked
    children (a run that validates its suites in its own process, SANSHE_WORKERS=1 or no fork,
    has nothing running beside that step)."""
    return s.graph == "embedded" and s.forks and can_fork()


def copies_early(selection: AbstractSet[AssetKey] | None) -> bool:
    """Whether a run of the asset selection `selection` (None: the whole job) starts the graph
    file's copy when it starts: it builds graph_changes and does not read every register."""
    if selection is None or TAKER not in selection:
        return False
    return not all(AssetKey(f"{name}_raw") in selection for name in CONTRACTS)


class GraphFileCopy(ConfigurableResource):
    """The embedded store's file at `graph_path`, copied on a thread from the start of a run of
    some registers (`copies_early`) when the store holds part digests to trust (a load of such a
    run is incremental); `take()` hands the copy to graph_changes. `enabled`: the run prepares
    its load ahead (`prepares_ahead`).

    The run's lock on `output_dir` (run_lock.py) is taken before the copy: Dagster sets up a
    run's resources in the order of their keys, this one before SansheResource, which takes the
    lock too (counted in one process), and a copy made while another run loads would be of a
    file about to be replaced, slowing that run's load. The lock is let go of after the copy is
    removed at the end of the run."""

    output_dir: str
    graph_path: str
    enabled: bool

    _copy: CopyAhead | None = PrivateAttr(default=None)
    #: the copy started for the run, taken or not: removed when the run ends (`teardown`)
    _started: CopyAhead | None = PrivateAttr(default=None)
    _lock: OutputLock | None = PrivateAttr(default=None)

    @classmethod
    def from_settings(cls, s: Settings) -> GraphFileCopy:
        return cls(
            output_dir=str(s.output_dir),
            graph_path=str(s.graph_path),
            enabled=prepares_ahead(s),
        )

    def setup_for_execution(self, context: InitResourceContext) -> None:
        run = context.dagster_run
        if not self.enabled or run is None or not copies_early(run.asset_selection):
            return
        self._lock = OutputLock(Path(self.output_dir))
        self._lock.acquire(context.log.info if context.log else print)
        try:
            store = EmbeddedGraphStore(Path(self.graph_path))
            if store.loaded_parts() is not None:
                self._copy = self._started = store.copy_ahead()
        except OSError as err:  # a head start only: graph_changes copies the file itself
            if context.log:
                context.log.warning(f"the graph file was not copied ahead: {err}")

    def take(self) -> CopyAhead | None:
        """The copy started for this run (once; None after, or when none was started)."""
        copy, self._copy = self._copy, None
        return copy

    def teardown_after_execution(self, context: InitResourceContext) -> None:
        # The copy, taken or not: a load carried out moved it (nothing is left to remove); one
        # prepared and never carried out (the blocking check stopped the run before the graph
        # step) or never taken (the run stopped before graph_changes) goes now, not with the process.
        copy, self._copy, self._started = self._started, None, None
        try:
            if copy is not None:
                copy.discard()
        finally:
            if self._lock is not None:
                self._lock.release()
                self._lock = None
