"""Neo4j beside the embedded store, on a real Neo4j 5.26 server (tests/neo4j_server/):

    python benchmarks/neo4j_bench.py --scale city         # district or city; never national here

Generates the scale's registers once (benchmarks/data/<scale>, shared with run.py), runs the
pipeline into the embedded store, then:

1. the live load: `Neo4jGraphStore.replace_with` into an empty database (rows per second, with
   the batch size used), and the same load again (nothing changes: the cost of idempotence);
2. the bulk import: the `sanshe export neo4j-import` bundle through its import.sh
   (`neo4j-admin database import full`) into a fresh home, then the server started on it and
   the bundle's constraints.cypher applied;
3. every catalogue query on both stores, repeated, p50 and p95 (answers compared: the
   benchmark stops if they differ).

Starts its own servers with server.sh (Bolt 127.0.0.1:7687 for the live load, 7688 for the
import; both must be free), with the heap and page cache given here, and stops them.
Writes benchmarks/results/<date>-<scale>-neo4j.json; report.py renders docs/performance.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SERVER = REPO / "tests" / "neo4j_server"
PASSWORD = "sanshe-test-pass"


def sh(args: list[str], env: dict, what: str) -> str:
    proc = subprocess.run(args, env=env, cwd=REPO, capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"{what} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc.stdout


def server_env(home: Path, port: str, heap: str, pagecache: str) -> dict:
    return {
        **os.environ,
        "NEO4J_SERVER_HOME": str(home),
        "NEO4J_BOLT_PORT": port,
        "NEO4J_HOME": str(home),
        "NEO4J_HEAP": heap,
        "NEO4J_PAGECACHE": pagecache,
        "PATH": f"{SERVER / 'bin'}{os.pathsep}{os.environ['PATH']}",
    }


def timed_queries(store, repeat: int, code: str) -> tuple[dict, dict]:
    from sanshe.queries.catalogue import catalogue, execute

    out, answers = {}, {}
    for name, q in catalogue().items():
        params = {"code": code} if any(p.name == "code" for p in q.params) else {}
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            df = execute(store, name, params)
            times.append(time.perf_counter() - t)
        times.sort()
        out[name] = {
            "p50_seconds": round(statistics.median(times), 4),
            "p95_seconds": round(times[min(len(times) - 1, int(0.95 * len(times)))], 4),
            "rows": len(df),
        }
        answers[name] = df
    return out, answers


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", choices=["district", "city"], default="city")
    ap.add_argument("--repeat", type=int, default=5, help="runs of each query (p50/p95)")
    ap.add_argument("--batch-size", type=int, default=5000, help="rows per write transaction of the live load")
    ap.add_argument("--heap", default="1g", help="server heap (-Xms = -Xmx)")
    ap.add_argument("--pagecache", default="512m", help="server page cache")
    ap.add_argument("--import-off-heap", default="1g", help="neo4j-admin import --max-off-heap-memory")
    ap.add_argument("--results", type=Path, default=REPO / "benchmarks" / "results")
    args = ap.parse_args()

    import pandas as pd

    from benchmarks.results_file import machine, scale_inputs, write_results
    from pipelines.graph.dump import normalised, tables_from_dump
    from pipelines.graph.neo4j_import import write_bundle
    from pipelines.graph.neo4j_store import Neo4jGraphStore
    from pipelines.graph.store import EmbeddedGraphStore
    from pipelines.settings import Settings
    from sanshe.generator.scale import SCALES
    from sanshe.run import run_pipeline

    data, _ = scale_inputs(args.scale)
    work = Path(tempfile.mkdtemp(prefix=f"sanshe-neo4j-bench-{args.scale}-"))
    settings = Settings.from_env(source_dir=data, output_dir=work / "out")
    if not run_pipeline(settings).success:
        raise SystemExit("the pipeline failed on the benchmark data")
    store = EmbeddedGraphStore(settings.graph_path)
    tables = tables_from_dump(store.dump())
    counts = tables.counts()
    node_rows = sum(len(df) for df in tables.nodes.values())
    rel_rows = sum(len(df) for df in tables.rels.values())
    print(f"neo4j benchmark: {args.scale}, {node_rows:,} nodes and {rel_rows:,} relationships", flush=True)

    sh([str(SERVER / "server.sh"), "resolve"], dict(os.environ), "resolving Neo4j")
    version = next((REPO / ".neo4j" / "lib").glob("neo4j-5.26.*.jar")).stem.removeprefix("neo4j-")
    live_env = server_env(work / "live", "7687", args.heap, args.pagecache)
    bulk_env = server_env(work / "bulk", "7688", args.heap, args.pagecache)
    out: dict = {}
    try:
        sh([str(SERVER / "server.sh"), "start"], live_env, "starting the live-load server")
        db = Neo4jGraphStore("bolt://127.0.0.1:7687", "neo4j", PASSWORD, "neo4j", batch_size=args.batch_size)
        t = time.perf_counter()
        db.replace_with(tables)
        first = time.perf_counter() - t
        t = time.perf_counter()
        db.replace_with(tables)
        again = time.perf_counter() - t
        if db.fingerprint() != store.fingerprint():
            raise SystemExit("the live-loaded graph differs from the embedded store's")
        rows = node_rows + rel_rows
        out["live_load"] = {
            "batch_size": args.batch_size,
            "rows": rows,
            "seconds": round(first, 3),
            "rows_per_second": round(rows / first),
            "reload_seconds": round(again, 3),
            "reload_rows_per_second": round(rows / again),
        }
        print(f"live load: {first:.1f} s ({rows / first:,.0f} rows/s), again {again:.1f} s", flush=True)

        code = store.query("MATCH (c:Community) RETURN c.code AS code ORDER BY c.code LIMIT 1")["code"].iloc[0]
        embedded_q, a = timed_queries(store, args.repeat, code)
        neo4j_q, b = timed_queries(db, args.repeat, code)
        for name in a:
            pd.testing.assert_frame_equal(normalised(a[name]), normalised(b[name]), check_dtype=False, rtol=1e-9)
        out["queries"] = {name: {"embedded": embedded_q[name], "neo4j": neo4j_q[name]} for name in embedded_q}
        db.close()
        sh([str(SERVER / "server.sh"), "stop"], live_env, "stopping the live-load server")

        bundle = work / "bundle"
        t = time.perf_counter()
        write_bundle(store, bundle)
        written = time.perf_counter() - t
        sh([str(SERVER / "server.sh"), "init"], bulk_env, "server.sh init")
        t = time.perf_counter()
        log = sh(
            ["bash", str(bundle / "import.sh"), "neo4j"],
            {**bulk_env, "MAX_OFF_HEAP_MEMORY": args.import_off_heap},
            "the bundle's import.sh",
        )
        imported = time.perf_counter() - t
        sh([str(SERVER / "server.sh"), "start"], bulk_env, "starting a server on the imported store")
        bulk = Neo4jGraphStore("bolt://127.0.0.1:7688", "neo4j", PASSWORD, "neo4j")
        t = time.perf_counter()
        bulk.run_script((bundle / "constraints.cypher").read_text(encoding="utf-8"))
        constraints = time.perf_counter() - t
        same = bulk.fingerprint() == store.fingerprint()
        bulk.close()
        if not same:
            raise SystemExit("the bulk-imported graph differs from the embedded store's")
        out["bulk_import"] = {
            "rows": rows,
            "bundle_seconds": round(written, 3),
            "import_seconds": round(imported, 3),
            "rows_per_second": round(rows / imported),
            "constraints_seconds": round(constraints, 3),
            "max_off_heap_memory": args.import_off_heap,
            "import_done": "IMPORT DONE" in log,
        }
        print(
            f"bulk import: bundle {written:.1f} s, neo4j-admin {imported:.1f} s, constraints {constraints:.1f} s",
            flush=True,
        )
    finally:
        for env in (live_env, bulk_env):
            subprocess.run([str(SERVER / "server.sh"), "stop"], env=env, cwd=REPO, capture_output=True)

    today = dt.date.today().isoformat()
    result = {
        "kind": "neo4j",
        "scale": args.scale,
        "districts": SCALES[args.scale],
        "date": today,
        "command": (
            f"python benchmarks/neo4j_bench.py --scale {args.scale} --repeat {args.repeat} --batch-size "
            f"{args.batch_size} --heap {args.heap} --pagecache {args.pagecache} --import-off-heap "
            f"{args.import_off_heap}"
        ),
        "neo4j": {"version": version, "edition": "community", "heap": args.heap, "pagecache": args.pagecache},
        "machine": machine(),
        "graph_counts": counts,
        "nodes": node_rows,
        "relationships": rel_rows,
        **out,
    }
    write_results(args.results, f"{today}-{args.scale}-neo4j", result)
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
