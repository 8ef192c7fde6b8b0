"""What any graph store's contents are, whichever store holds them: the dump (every node and
relationship table with all properties, in a stable order), its fingerprint, and the tables
that load the same graph into another store. Both stores (store.py, neo4j_store.py) and the
tests and benchmarks that compare them use these; they read a store only through
`GraphStore.query`."""

from __future__ import annotations

import datetime as dt
import hashlib

import pandas as pd

from graph_schema import Schema, schema
from graph_schema.types import missing

from .protocol import GraphStore
from .tables import GraphTables


def dump_queries(s: Schema) -> dict[str, str]:
    """Portable Cypher (ladybug and Neo4j alike) listing every node and relationship table with
    all its properties, in a stable order."""
    out = {}
    for label, node in s.nodes.items():
        cols = ", ".join(f"n.{p} AS {p}" for p in node.names)
        out[label] = f"MATCH (n:{label}) RETURN {cols} ORDER BY n.{node.key}"
    for rtype, rel in s.rels.items():
        for a, b in rel.endpoints:
            ka, kb = s.node(a).key, s.node(b).key
            cols = "".join(f", r.{p} AS {p}" for p in rel.names)
            order = "".join(f", r.{p}" for p in rel.names)
            out[f"{rtype}:{a}->{b}"] = (
                f"MATCH (x:{a})-[r:{rtype}]->(y:{b}) RETURN x.{ka} AS `from`, y.{kb} AS `to`{cols} "
                f"ORDER BY x.{ka}, y.{kb}{order}"
            )
    return out


def dump(store: GraphStore, s: Schema | None = None) -> dict[str, pd.DataFrame]:
    """Every node table and relationship table of a store, all properties, in a stable order:
    what two graphs must share to be the same graph."""
    return {name: store.query(q) for name, q in dump_queries(s or schema()).items()}


def tables_from_dump(tables: dict[str, pd.DataFrame], s: Schema | None = None) -> GraphTables:
    """The node and relationship tables of a loaded graph, ready to load into another store."""
    s = s or schema()
    nodes = {label: tables[label] for label in s.nodes}
    rels = {(rtype, a, b): tables[f"{rtype}:{a}->{b}"] for rtype, rel in s.rels.items() for a, b in rel.endpoints}
    return GraphTables(nodes, rels)


def fingerprint(store: GraphStore) -> str:
    """SHA-256 over the dump: equal fingerprints, equal graphs (keys and properties). Dates are
    written as YYYY-MM-DD and numbers plainly, so the two stores compare."""
    h = hashlib.sha256()
    for name, df in sorted(dump(store).items()):
        h.update(name.encode())
        h.update(normalised(df).to_csv(index=False, lineterminator="\n").encode())
    return h.hexdigest()


def normalised(df: pd.DataFrame) -> pd.DataFrame:
    """`df` with every value in the form both stores give alike: None for missing, dates as
    YYYY-MM-DD, numbers as floats."""
    out = df.copy()
    for col in out.columns:
        out[col] = [
            None
            if missing(v)
            else v.date().isoformat()
            if isinstance(v, pd.Timestamp | dt.datetime)
            else v.isoformat()
            if isinstance(v, dt.date)
            else float(v)
            if isinstance(v, int | float) and not isinstance(v, bool)
            else v
            for v in out[col].tolist()
        ]
    return out
