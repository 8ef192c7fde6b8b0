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
not taken is removed by `incremental.prepare` or when the run ends.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from pathlib import Path

from dagster import AssetKey, ConfigurableResource, InitResourceContext
from pydantic import PrivateAttr

from data_contracts import CONTRACTS
from data_contracts.forked import can_fork

from ..settings import Settings
from .store import CopyAhead, EmbeddedGraphStore

#: the step that takes the copy (pipelines/graph/assets.py)
TAKER = AssetKey("graph_changes")


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
    its load ahead (the embedded store, with forked children: graph_changes' own condition)."""

    graph_path: str
    enabled: bool

    _copy: CopyAhead | None = PrivateAttr(default=None)

    @classmethod
    def from_settings(cls, s: Settings) -> GraphFileCopy:
        return cls(graph_path=str(s.graph_path), enabled=s.graph == "embedded" and s.forks and can_fork())

    def setup_for_execution(self, context: InitResourceContext) -> None:
        run = context.dagster_run
        if not self.enabled or run is None or not copies_early(run.asset_selection):
            return
        store = EmbeddedGraphStore(Path(self.graph_path))
        if store.loaded_parts() is not None:
            self._copy = store.copy_ahead()

    def take(self) -> CopyAhead | None:
        """The copy started for this run (once; None after, or when none was started)."""
        copy, self._copy = self._copy, None
        return copy

    def teardown_after_execution(self, context: InitResourceContext) -> None:
        copy = self.take()  # graph_changes did not run: the run stopped before it
        if copy is not None:
            copy.discard()
