"""The Dagster resource of sanshe's settings (paths and graph store), built from SANSHE_*. (The other
resource, the run's Data Docs site, is pipelines/quality/ahead.py's DataDocsResource.)"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

from dagster import AssetExecutionContext, AssetKey, ConfigurableResource, InitResourceContext, OpExecutionContext
from pydantic import PrivateAttr

from ..inbox import read_manifest
from ..settings import Settings
from .collector import run_started, thaw
from .malloc import limit_arenas
from .run_lock import OutputLock

#: the IO manager of the `<register>_resolved` assets: they hold no personal data, so they may
#: be stored between runs (the sensor's partial runs load the ones they skip). Everything else
#: passes in memory: raw and validated registers hold personal data, and every step after the
#: resolved registers is downstream of all of them, so a partial run always re-runs it.
PUBLIC_IO = "public_io_manager"


class SansheResource(ConfigurableResource):
    source_dir: str
    output_dir: str
    graph: str = "embedded"
    #: no default of its own: it is the settings' (the CPUs there are, or SANSHE_WORKERS)
    workers: int

    _lock: OutputLock | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: InitResourceContext) -> None:
        # every run needs this resource, so every way of running one (sanshe run, dagster dev,
        # the benchmark) limits the C allocator's heaps before its steps start (malloc.py)
        limit_arenas()
        # and writes its output folder alone (run_lock.py); a sensor's evaluation, which builds
        # this resource outside any run, must not wait for a run to end
        if context.dagster_run is not None:
            self._lock = OutputLock(Path(self.output_dir))
            self._lock.acquire(context.log.info if context.log else print)
            # the run's stages may freeze what they made (collector.py); thawed at its end
            run_started()

    def teardown_after_execution(self, context: InitResourceContext) -> None:
        if context.dagster_run is not None:
            thaw()  # what the run's stages froze (collector.py), seen by the collector again
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    @classmethod
    def from_settings(cls, s: Settings) -> SansheResource:
        return cls(source_dir=str(s.source_dir), output_dir=str(s.output_dir), graph=s.graph, workers=s.workers)

    @property
    def settings(self) -> Settings:
        return Settings(Path(self.source_dir), Path(self.output_dir), self.graph, self.workers)

    def manifest(self) -> dict:
        """The inbox's manifest.yaml: district and data snapshot date (pipelines/inbox.py).
        Raises InboxError, with a plain message, when it is missing or broken."""
        return read_manifest(Path(self.source_dir))

    def snapshot_date(self) -> dt.date:
        # Dates come from the data, never the clock, so re-runs give the same result.
        return self.manifest()["snapshot_date"]


def register_origins(
    context: AssetExecutionContext | OpExecutionContext, names: Iterable[str]
) -> dict[str, str | None]:
    """Per register name, the run that made the resolved register (`<name>_resolved`) the
    running step was given: the stored hand-over's `origin` (pipelines/common/handover.py), None
    when not known (another IO manager under PUBLIC_IO). The step must name PUBLIC_IO in its
    `required_resource_keys`. A step may reuse what it made from a register of the same origin
    in an earlier run: nothing but that run made it (run ids are not reused)."""
    origin = getattr(getattr(context.resources, PUBLIC_IO, None), "origin", None)
    if origin is None:
        return dict.fromkeys(names)
    return {name: origin(AssetKey(f"{name}_resolved"), context.run_id) for name in names}
