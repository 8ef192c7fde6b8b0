"""The graph step alone, from the stored copies a run left, with its timeline: when each part of
the graph was built and on which thread, when each table was copied and committed, and how long
the copy waited for its next table. For working on the graph step without running the job again.

    python benchmarks/graph_step.py --source INBOX --output OUT [--store DIR]

OUT is the output folder of an earlier `sanshe run --source INBOX` (its dagster_storage holds
the resolved registers; INBOX gives the manifest's snapshot day). The graph is loaded whole into
a new store (`--store`, default a temporary folder), never into OUT. Prints one line per event,
seconds from the load's start, then the load's totals (the store's statements, the waits).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--source", type=Path, required=True, help="the inbox the run read")
    ap.add_argument("--output", type=Path, required=True, help="the run's output folder")
    ap.add_argument("--store", type=Path, help="where to load the graph (default: a temporary folder)")
    args = ap.parse_args()

    import ladybug

    from data_contracts import CONTRACTS
    from graph_schema import schema
    from pipelines.common import stored_copy
    from pipelines.common.resources import SansheResource
    from pipelines.graph import tables
    from pipelines.graph.assets import _input
    from pipelines.graph.incremental import load
    from pipelines.graph.store import EmbeddedGraphStore
    from pipelines.settings import Settings

    settings = Settings.from_env(source_dir=args.source, output_dir=args.output)
    registers: dict[str, Any] = {}  # each a StoredRegister, read as a RegisterResult is
    for name in CONTRACTS:
        path = settings.storage_dir / f"{name}_resolved"
        if not path.is_file():
            print(f"no stored copy {path}: run `sanshe run --source {args.source} --output {args.output}` first")
            return 2
        registers[name] = stored_copy.read(path)
    inp = _input(SansheResource.from_settings(settings), registers)
    for res in registers.values():  # read from disk before the timing: the run holds them in memory
        res.accepted  # noqa: B018

    start = time.perf_counter()
    events: list[tuple[float, float, str, str]] = []  # (start, end, thread, what)

    def timed(what: str, started: float) -> None:
        events.append((started - start, time.perf_counter() - start, threading.current_thread().name, what))

    # instrumentation of this process only: the part builds and the store's statements
    built = tables._built

    def built_timed(part, inp, s):
        started = time.perf_counter()
        try:
            return built(part, inp, s)
        finally:
            timed(f"build {part.name}", started)

    execute = ladybug.Connection.execute

    def execute_timed(self, query, *rest, **kw):
        started = time.perf_counter()
        try:
            return execute(self, query, *rest, **kw)
        finally:
            if query.startswith("COPY") or query == "COMMIT":
                timed(query.split(" FROM")[0], started)

    tables._built = built_timed
    ladybug.Connection.execute = execute_timed  # type: ignore[method-assign]
    where = args.store or Path(tempfile.mkdtemp(prefix="sanshe-graph-step-"))
    try:
        store = EmbeddedGraphStore(where / "graph.lbug")
        start = time.perf_counter()
        load(store, inp, schema())
        seconds = time.perf_counter() - start
    finally:
        tables._built = built
        ladybug.Connection.execute = execute  # type: ignore[method-assign]
        if args.store is None:
            shutil.rmtree(where, ignore_errors=True)
    for a, b, thread, what in sorted(events):
        print(f"{a:7.2f} {b:7.2f} {b - a:6.2f}  {thread:<22} {what}")
    statements = store.last_load.get("statements", {})
    print(
        f"graph step alone: {seconds:.1f} s; the store's COPY {statements.get('copy_seconds', 0):.1f} s, "
        f"COMMIT {statements.get('commit_seconds', 0):.1f} s; the copy waited "
        f"{store.last_load.get('waited_for_tables_seconds', 0):.1f} s for tables being built"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
