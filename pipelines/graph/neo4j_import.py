"""`sanshe export neo4j-import OUT/`: the graph as CSV files with import-ready headers for
`neo4j-admin database import full` (Neo4j 5), its constraints, and the exact command line.

Node files carry `<key>:ID(<Label>)` (one ID space per label, so keys never collide across
labels), typed properties (`population:long`, `valid_from:date`) and `:LABEL`; relationship
files carry `:START_ID(<Label>)`, `:END_ID(<Label>)`, typed properties, `rel_key` (the live
loader's relationship identity, so a bulk-loaded graph can be kept up to date with MERGE) and
`:TYPE`. Written from the loaded graph, rows in key order: the same graph, the same bytes.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from graph_schema import Schema, schema
from graph_schema.generate import neo4j_constraints
from graph_schema.keys import rel_key
from graph_schema.types import TYPES, to_text

from ..common.csvfile import write_csv
from .protocol import GraphStore

NODES, RELS = "nodes", "relationships"


def node_header(s: Schema, label: str) -> list[str]:
    node = s.node(label)
    return [
        f"{p.name}:ID({label})" if p.name == node.key else f"{p.name}:{TYPES[p.type].neo4j_import}"
        for p in node.properties
    ] + [":LABEL"]


def rel_header(s: Schema, rtype: str, a: str, b: str) -> list[str]:
    props = [f"{p.name}:{TYPES[p.type].neo4j_import}" for p in s.rel(rtype).properties]
    return [f":START_ID({a})", f":END_ID({b})", *props, "rel_key:string", ":TYPE"]


def write_bundle(store: GraphStore, out: Path, s: Schema | None = None) -> list[Path]:
    s = s or schema()
    tables = store.dump(s)
    for old in (out / NODES, out / RELS):
        shutil.rmtree(old, ignore_errors=True)
    files, flags = [], []
    for label, node in s.nodes.items():
        df = tables[label]
        path = out / NODES / f"{label}.csv"
        types = [p.type for p in node.properties]
        write_csv(
            path,
            node_header(s, label),
            [
                [to_text(v, t) for v, t in zip(row, types, strict=True)] + [label]
                for row in df[node.names].itertuples(index=False)
            ],
        )
        files.append(path)
        flags.append(f"--nodes={NODES}/{label}.csv")
    for rtype, rel in s.rels.items():
        for a, b in rel.endpoints:
            df = tables[f"{rtype}:{a}->{b}"]
            rows = []
            for rec in df.to_dict("records"):
                vf = (to_text(rec["valid_from"], "date") or None) if rel.temporal else None
                rows.append(
                    [
                        to_text(rec["from"]),
                        to_text(rec["to"]),
                        *(to_text(rec[p.name], p.type) for p in rel.properties),
                        rel_key(rtype, rec["from"], rec["to"], vf),
                        rtype,
                    ]
                )
            path = out / RELS / f"{rtype}__{a}__{b}.csv"
            write_csv(path, rel_header(s, rtype, a, b), rows)
            files.append(path)
            flags.append(f"--relationships={RELS}/{path.name}")
    (out / "constraints.cypher").write_text(neo4j_constraints(s), encoding="utf-8")
    script = out / "import.sh"
    script.write_text(import_script(flags), encoding="utf-8")
    script.chmod(0o755)
    return [*files, out / "constraints.cypher", script]


def import_script(flags: list[str]) -> str:
    lines = " \\\n  ".join(flags)
    return f"""#!/usr/bin/env bash
# Load this bundle into a Neo4j 5 database with neo4j-admin, then apply the constraints.
# Stop the database first; `import full` replaces it. Usage: bash import.sh [DATABASE] (default neo4j)
# with neo4j-admin on PATH and NEO4J_HOME naming the Neo4j home (tests/test_neo4j_bulk_import.py
# runs exactly this script against a Neo4j 5.26 server from Maven Central).
set -euo pipefail
cd "$(dirname "$0")"
DB="${{1:-neo4j}}"
# neo4j-admin's off-heap memory defaults to 90% of RAM: set MAX_OFF_HEAP_MEMORY (e.g. 2G) to cap it.
# The database name comes before the options (neo4j-admin 5.19 and later require it).
neo4j-admin database import full "$DB" \\
  --overwrite-destination=true --delimiter=',' --array-delimiter=';' --ignore-empty-strings=true \\
  --max-off-heap-memory="${{MAX_OFF_HEAP_MEMORY:-90%}}" \\
  {lines}
echo "Imported into $DB. Start Neo4j, then apply the constraints and indexes:"
echo "  cypher-shell -d $DB -f constraints.cypher"
"""
