"""The inbox sensor: notices new, changed or removed files and runs only what depends on them.

Consumes the inbox (every register's files, `decisions/`, `manifest.yaml`), and its cursor: the
digest of each register's files at the last run it requested.
Emits  a RunRequest of the sanshe job keyed by the inbox's digest (the same input never runs
       twice), selecting the changed registers' read → validate → resolve steps and everything
       downstream of them. Any other register's resolved output is loaded from the previous
       run's storage (`public_io_manager`: resolved registers hold no personal data); the
       registers' raw and validated rows, which do, are never stored, so a selected resolve
       step brings its own read and validate steps along.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

from dagster import (
    AssetKey,
    AssetsDefinition,
    AssetSelection,
    RunRequest,
    SensorEvaluationContext,
    SkipReason,
    sensor,
)
from dagster._core.definitions.assets.graph.base_asset_graph import BaseAssetGraph

from data_contracts import CONTRACTS

from .common import claiming
from .common.mapping import MappingError
from .common.matching import DECISIONS_FILE
from .common.resources import SansheResource

#: inputs that are not a register's files, and the registers whose resolve step reads them
EXTRA_INPUTS = {"decisions": ["projects"]}
MANIFEST = "manifest"


#: path -> (size, mtime, content hash): a tick re-reads only files that were touched
_HASHES: dict[str, tuple[int, int, bytes]] = {}


def _file_hash(p: Path) -> bytes:
    st = p.stat()
    known = _HASHES.get(str(p))
    if known is None or known[:2] != (st.st_size, st.st_mtime_ns):
        known = _HASHES[str(p)] = (st.st_size, st.st_mtime_ns, hashlib.sha256(p.read_bytes()).digest())
    return known[2]


def _digest(paths: list[Path], root: Path) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(p.relative_to(root).as_posix().encode())
        h.update(_file_hash(p))  # by content: a file saved again unchanged runs nothing
    return h.hexdigest()


def inbox_digests(source_dir: Path) -> dict[str, str]:
    """One digest per register (over its files' names and bytes), the decisions and the manifest."""
    try:
        claims = claiming.claims(source_dir)
    except MappingError:  # the run it asks for reports the mistake (the manifest's digest changed)
        claims = []
    out = {name: _digest([c.path for c in claims if c.register == name], source_dir) for name in CONTRACTS}
    decisions = source_dir / DECISIONS_FILE
    out["decisions"] = _digest([decisions] if decisions.is_file() else [], source_dir)
    manifest = source_dir / "manifest.yaml"
    out[MANIFEST] = _digest([manifest] if manifest.is_file() else [], source_dir)
    return out


def changed_inputs(now: dict[str, str], before: dict[str, str]) -> list[str]:
    return sorted(k for k in now.keys() | before.keys() if now.get(k) != before.get(k))


def plan(
    changed: list[str], graph: BaseAssetGraph | Iterable[AssetsDefinition], first_run: bool = False
) -> list[AssetKey]:
    """The assets a run must materialise when `changed` inputs changed: the changed registers'
    read steps and everything downstream of them in `graph` (Dagster's own selection), plus
    the read and validate steps of every register whose resolve step is selected."""
    if first_run or MANIFEST in changed:  # the snapshot date touches every register
        return sorted(AssetSelection.all().resolve(graph), key=lambda k: k.to_user_string())
    start = {AssetKey(f"{r}_raw") for r in changed if r in CONTRACTS}
    start |= {AssetKey(f"{r}_resolved") for c in changed for r in EXTRA_INPUTS.get(c, [])}
    selected = set(AssetSelection.assets(*start).downstream().resolve(graph)) if start else set()
    # in-memory hand-over: a resolve step needs its own register's validated rows in the run
    for name in CONTRACTS:
        if AssetKey(f"{name}_resolved") in selected:
            selected |= {AssetKey(f"{name}_raw"), AssetKey(f"{name}_validated")}
    return sorted(selected, key=lambda k: k.to_user_string())


@sensor(
    job_name="sanshe",
    minimum_interval_seconds=30,
    description="Runs the parts of the sanshe job that depend on new, changed or removed inbox files.",
)
def inbox_sensor(context: SensorEvaluationContext, sanshe: SansheResource):
    now = inbox_digests(Path(sanshe.source_dir))
    before = json.loads(context.cursor) if context.cursor else {}
    changed = changed_inputs(now, before)
    if not changed:
        return SkipReason("no new, changed or removed files in the inbox")
    context.update_cursor(json.dumps(now, sort_keys=True))
    run_key = hashlib.sha256(json.dumps(now, sort_keys=True).encode()).hexdigest()[:16]
    assert context.repository_def is not None, "the sensor runs inside the sanshe definitions"
    graph = context.repository_def.asset_graph
    return RunRequest(
        run_key=run_key,
        asset_selection=plan(changed, graph, first_run=not before),
        tags={"sanshe/changed": ",".join(changed)[:200]},
    )
