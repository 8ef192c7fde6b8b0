"""The embedded graph store (ladybug): bulk load by COPY into a fresh database beside the
current one, then an atomic swap, so a crashed load never leaves a half-written graph and a
re-run on the same input gives the same graph.

The store takes one read-write process at a time: the pipeline loads in a single in-process
step, and queries open the database read-only.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from data_contracts.errors import GraphNotLoadedError
from graph_schema import Schema, schema
from graph_schema.generate import ladybug_ddl
from graph_schema.types import missing

from .arrow import typed_table
from .tables import GraphTables


def _statements(ddl: str) -> list[str]:
    body = "\n".join(line for line in ddl.splitlines() if not line.lstrip().startswith("//"))
    return [s.strip() for s in body.split(";") if s.strip()]


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
            out[f"{rtype}:{a}->{b}"] = (f"MATCH (x:{a})-[r:{rtype}]->(y:{b}) RETURN x.{ka} AS `from`, y.{kb} AS `to`{cols} "
                                        f"ORDER BY x.{ka}, y.{kb}{order}")
    return out


def dump(store, s: Schema | None = None) -> dict[str, pd.DataFrame]:
    """Every node table and relationship table of a store, all properties, in a stable order:
    what two graphs must share to be the same graph."""
    return {name: store.query(q) for name, q in dump_queries(s or schema()).items()}


def tables_from_dump(tables: dict[str, pd.DataFrame], s: Schema | None = None) -> GraphTables:
    """The node and relationship tables of a loaded graph, ready to load into another store."""
    s = s or schema()
    nodes = {label: tables[label] for label in s.nodes}
    rels = {(rtype, a, b): tables[f"{rtype}:{a}->{b}"] for rtype, rel in s.rels.items() for a, b in rel.endpoints}
    return GraphTables(nodes, rels)


def fingerprint(store) -> str:
    """SHA-256 over the dump: equal fingerprints, equal graphs (keys and properties). Dates are
    written as YYYY-MM-DD and numbers plainly, so the two stores compare."""
    import hashlib

    h = hashlib.sha256()
    for name, df in sorted(dump(store).items()):
        h.update(name.encode())
        h.update(normalised(df).to_csv(index=False, lineterminator="\n").encode())
    return h.hexdigest()


def normalised(df: pd.DataFrame) -> pd.DataFrame:
    import datetime as dt

    out = df.copy()
    for col in out.columns:
        out[col] = [
            None if missing(v)
            else v.date().isoformat() if isinstance(v, pd.Timestamp | dt.datetime)
            else v.isoformat() if isinstance(v, dt.date)
            else float(v) if isinstance(v, int | float) and not isinstance(v, bool)
            else v
            for v in out[col].tolist()
        ]
    return out


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class EmbeddedGraphStore:
    """The zero-setup store: one file, no server."""

    dialect = "ladybug"

    def __init__(self, path: Path):
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"EmbeddedGraphStore({self.path})"

    # -- writing ------------------------------------------------------------------------
    def replace_with(self, tables: GraphTables, s: Schema | None = None) -> dict[str, int]:
        """Build a new database from `tables` and swap it in; returns the loaded counts."""
        import ladybug

        s = s or schema()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._remove_abandoned_loads()
        staging = Path(tempfile.mkdtemp(prefix=f".load-{os.getpid()}-", dir=self.path.parent))
        try:
            new_db = staging / self.path.name
            db = ladybug.Database(str(new_db))
            conn = ladybug.Connection(db)
            for stmt in _statements(ladybug_ddl(s)):
                conn.execute(stmt)
            for label, df in tables.nodes.items():
                self._copy(conn, staging, label, typed_table(df, s.node(label).properties), "")
            for (rtype, a, b), df in tables.rels.items():
                rel = s.rel(rtype)
                option = f" (from='{a}', to='{b}')" if len(rel.endpoints) > 1 else ""
                table = typed_table(df, rel.properties, key_cols=["from", "to"])
                self._copy(conn, staging, f"{rtype}_{a}_{b}", table, option, target=rtype)
            counts = self._counts(conn, s)
            conn.close()
            db.close()
            # The swap: os.replace is atomic on one file system, so readers see the old graph
            # or the new one, never a mixture. A leftover write-ahead log belongs to the old file.
            for suffix in (".wal",):
                Path(str(self.path) + suffix).unlink(missing_ok=True)
            os.replace(new_db, self.path)
            return counts
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def _remove_abandoned_loads(self) -> None:
        """A load killed before its swap leaves its staging folder (`.load-<pid>-...`): the old
        graph is untouched, and the folder is removed once its process is gone."""
        for d in self.path.parent.glob(".load-*"):
            pid = d.name.split("-")[1]
            if re.fullmatch(r"[0-9]+", pid) and not _alive(int(pid)):  # ASCII digits only
                shutil.rmtree(d, ignore_errors=True)

    @staticmethod
    def _copy(conn, staging: Path, name: str, table, option: str, target: str | None = None) -> None:
        if table.num_rows == 0:
            return
        file = staging / f"{name}.parquet"
        pq.write_table(table, file)
        conn.execute(f"COPY {target or name} FROM '{file.as_posix()}'{option}")

    @staticmethod
    def _counts(conn, s: Schema) -> dict[str, int]:
        out = {}
        for label in s.nodes:
            out[label] = int(conn.execute(f"MATCH (n:{label}) RETURN count(n)").get_as_df().iloc[0, 0])
        for rtype in s.rels:
            out[rtype] = int(conn.execute(f"MATCH ()-[r:{rtype}]->() RETURN count(r)").get_as_df().iloc[0, 0])
        return out

    # -- reading ------------------------------------------------------------------------
    def dump(self, s: Schema | None = None) -> dict[str, pd.DataFrame]:
        return dump(self, s)

    def fingerprint(self) -> str:
        return fingerprint(self)

    def query(self, cypher: str, params: dict | None = None) -> pd.DataFrame:
        import ladybug

        if not self.path.exists():
            raise GraphNotLoadedError(f"no graph at {self.path}: run `sanshe run` first")
        # Opened per query, not kept: with one connection kept open for every catalogue query,
        # the national benchmark ran out of 24 GiB (the store's buffer pool keeps what the
        # large queries read); closing the database hands that memory back.
        db = ladybug.Database(str(self.path), read_only=True)
        try:
            conn = ladybug.Connection(db)
            return conn.execute(cypher, params or {}).get_as_df()
        finally:
            db.close()
