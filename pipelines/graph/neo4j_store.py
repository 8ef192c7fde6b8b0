"""Neo4j 5 as the graph store, through the official driver.

Load: constraints and indexes generated from graph_schema/ first, then nodes, then
relationships, each as batched `UNWIND $rows ... MERGE` in managed write transactions (the
driver retries transient errors; a dropped connection is retried per batch). A load makes
Neo4j hold exactly the given tables: records no longer present are deleted afterwards, so
loading the same tables twice changes nothing.

A relationship whose start or end node is not among the given nodes is an error
(`DanglingRelationshipError`, with counts per relationship table), raised before anything is
written: `MATCH ... MERGE` would otherwise drop it in silence, where neo4j-admin's bulk import
fails on the same data. Each batch also checks that the server wrote every row it was sent.

Relationships carry `rel_key`, a hash of type, endpoints and interval start: MERGE needs a
non-null property to tell apart two memberships of one organisation in one hub, and
`valid_from` may be empty.

Credentials come from NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD, NEO4J_DATABASE and are never
logged or shown (`repr` shows the URI and user only).
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar, cast

import pandas as pd

from data_contracts.errors import ConfigurationError, StoreUnavailableError
from graph_schema import Property, Schema, schema
from graph_schema.generate import neo4j_constraints
from graph_schema.keys import rel_key
from graph_schema.types import TYPES, missing

from .dump import dump, fingerprint
from .protocol import ExportOrder
from .tables import GraphTables

T = TypeVar("T")


def batches(rows: Sequence, size: int) -> Iterator[Sequence]:
    if size < 1:
        raise ConfigurationError("SANSHE_NEO4J_BATCH_SIZE must be at least 1")
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


def with_retries(
    work: Callable[[], T], attempts: int = 3, wait: float = 1.0, sleep: Callable[[float], None] = time.sleep
) -> T:
    """Run `work`, again after a dropped connection or an expired session (the driver already
    retries transient errors inside a managed transaction; this covers the batch as a whole)."""
    from neo4j.exceptions import ServiceUnavailable, SessionExpired, TransientError

    for attempt in range(1, attempts + 1):
        try:
            return work()
        except (ServiceUnavailable, SessionExpired, TransientError):
            if attempt == attempts:
                raise
            sleep(wait * 2 ** (attempt - 1))
    raise AssertionError("unreachable")


def _plain(v: object) -> object:
    """Values the driver sends as Neo4j types: no NaN, no numpy scalars, dates as dates."""
    if missing(v):
        return None
    if isinstance(v, pd.Timestamp):
        return v.date()
    if hasattr(v, "item") and not isinstance(v, str | bytes | dt.date):
        return v.item()
    return v


def records(df: pd.DataFrame, props: tuple[Property, ...] = ()) -> list[dict]:
    """Rows as plain Python values, cast to the schema's declared types: an int column with
    gaps arrives from pandas as float, and Neo4j must still store an integer."""
    types = {p.name: p.type for p in props}
    out = []
    for row in df.to_dict("records"):
        rec = {}
        for k, v in row.items():
            v = _plain(v)
            rec[k] = TYPES[types[k]].cast(v) if v is not None and k in types else v
        out.append(rec)
    return out


def node_statement(label: str, key: str) -> str:
    # `SET n = row` replaces every property, so a property emptied in the sources goes too.
    return f"UNWIND $rows AS row MERGE (n:{label} {{{key}: row.{key}}}) SET n = row"


def rel_statement(rtype: str, a: str, ka: str, b: str, kb: str) -> str:
    # each row is [start key, end key, properties]: a list, so no made-up map keys reach Cypher.
    # `count(r)` lets the loader see a row whose ends were not found (MATCH drops it silently).
    return (
        f"UNWIND $rows AS row MATCH (x:{a} {{{ka}: row[0]}}) MATCH (y:{b} {{{kb}: row[1]}}) "
        f"MERGE (x)-[r:{rtype} {{rel_key: row[2].rel_key}}]->(y) SET r = row[2] RETURN count(r) AS written"
    )


def delete_nodes_statement(label: str, key: str) -> str:
    return f"UNWIND $keys AS k MATCH (n:{label} {{{key}: k}}) DETACH DELETE n"


def delete_rels_statement(rtype: str, a: str, b: str) -> str:
    return f"UNWIND $keys AS k MATCH (:{a})-[r:{rtype} {{rel_key: k}}]->(:{b}) DELETE r"


class DanglingRelationshipError(ValueError):
    """Relationships whose start or end node is not in the graph being loaded. `counts` maps
    "TYPE A->B" to (missing start, missing end, rows); `examples` holds a few missing keys
    (node keys are organisation and place codes, never personal data)."""

    def __init__(self, counts: dict[str, tuple[int, int, int]], examples: dict[str, list[str]]):
        self.counts, self.examples = counts, examples
        parts = [
            f"{name}: {s} rows with no start node, {e} with no end node, of {n} (e.g. {', '.join(examples[name])})"
            for name, (s, e, n) in counts.items()
        ]
        super().__init__(
            "关系的端点节点不存在，未写入任何数据 / relationships whose end node is missing; "
            "nothing was written. Fix the node tables or the relationships: " + "; ".join(parts)
        )


def dangling(tables: GraphTables, s: Schema) -> DanglingRelationshipError | None:
    """The relationship rows of `tables` whose ends are not among its nodes, as an error (None
    when every end exists)."""
    keys = {label: set(df[s.node(label).key]) for label, df in tables.nodes.items()}
    counts, examples = {}, {}
    for (rtype, a, b), df in tables.rels.items():
        no_start = ~df["from"].isin(keys.get(a, set()))
        no_end = ~df["to"].isin(keys.get(b, set()))
        if no_start.any() or no_end.any():
            name = f"{rtype} {a}->{b}"
            counts[name] = (int(no_start.sum()), int(no_end.sum()), len(df))
            missing = [*df.loc[no_start, "from"], *df.loc[no_end, "to"]]
            examples[name] = sorted({str(k) for k in missing})[:3]
    return DanglingRelationshipError(counts, examples) if counts else None


def loader_statements(s: Schema) -> list[str]:
    """Every statement the loader sends, for the linter test."""
    out = []
    for label, node in s.nodes.items():
        out += [
            node_statement(label, node.key),
            delete_nodes_statement(label, node.key),
            f"MATCH (n:{label}) RETURN n.{node.key} AS k",
        ]
    for rtype, rel in s.rels.items():
        for a, b in rel.endpoints:
            out += [
                rel_statement(rtype, a, s.node(a).key, b, s.node(b).key),
                delete_rels_statement(rtype, a, b),
                f"MATCH (:{a})-[r:{rtype}]->(:{b}) RETURN r.rel_key AS k",
            ]
    return out


_F = TypeVar("_F", bound=Callable[..., Any])


def _reported(method: _F) -> _F:
    """`method` with the driver's "cannot reach or log in" errors raised as
    StoreUnavailableError naming the server and what to do (the command line shows sanshe's
    errors as messages; the driver's would be tracebacks)."""
    from neo4j.exceptions import AuthError, ServiceUnavailable, SessionExpired

    @functools.wraps(method)
    def wrapper(self: Neo4jGraphStore, *args: Any, **kwargs: Any) -> Any:
        try:
            if not self._reached:  # fails at once, where a transaction would retry for 30 s
                self._driver.verify_connectivity()
                self._reached = True
            return method(self, *args, **kwargs)
        except AuthError as err:
            raise StoreUnavailableError(
                f"Neo4j at {self.uri} refused the login of {self.user!r} ({err.message or err}): check "
                "NEO4J_USER and NEO4J_PASSWORD"
            ) from err
        except (ServiceUnavailable, SessionExpired) as err:
            raise StoreUnavailableError(
                f"Neo4j at {self.uri} cannot be reached ({err}): start the server, or check NEO4J_URI "
                "(tests/neo4j_server/server.sh start runs a local one)"
            ) from err

    return cast(_F, wrapper)


class Neo4jGraphStore:
    dialect = "neo4j"

    def __init__(
        self,
        uri: str,
        user: str,
        password: str,
        database: str | None = None,
        batch_size: int = 5000,
        progress: Callable[[str], None] | None = None,
    ):
        from neo4j import GraphDatabase
        from neo4j.exceptions import ConfigurationError as DriverConfigurationError

        self.uri, self.user, self.database = uri, user, database or None
        self.batch_size = batch_size
        self.progress = progress or (lambda msg: None)
        self._reached = False
        try:
            self._driver = GraphDatabase.driver(uri, auth=(user, password))
        except (DriverConfigurationError, ValueError) as err:
            raise ConfigurationError(
                f"NEO4J_URI {uri!r} is not a Neo4j address ({err}): write it as bolt://host:7687 or neo4j://host:7687"
            ) from err

    @classmethod
    def from_env(cls, **kwargs) -> Neo4jGraphStore:
        env = os.environ
        missing = [v for v in ("NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD") if not env.get(v)]
        if missing:
            raise ConfigurationError(f"SANSHE_GRAPH=neo4j needs {', '.join(missing)} in the environment")
        return cls(
            env["NEO4J_URI"],
            env["NEO4J_USER"],
            env["NEO4J_PASSWORD"],
            env.get("NEO4J_DATABASE"),
            batch_size=int(env.get("SANSHE_NEO4J_BATCH_SIZE", "5000")),
            **kwargs,
        )

    def __repr__(self) -> str:
        return f"Neo4jGraphStore(uri={self.uri!r}, user={self.user!r}, database={self.database!r})"

    def close(self) -> None:
        self._driver.close()

    def _session(self):
        return self._driver.session(database=self.database)

    # -- writing ------------------------------------------------------------------------
    def apply_constraints(self, s: Schema) -> None:
        """The schema's constraints and indexes (graph_schema/generated/neo4j_constraints.cypher)."""
        self.run_script(neo4j_constraints(s))

    @_reported
    def run_script(self, text: str) -> None:
        """Each `;`-ended statement of a Cypher script (`//` comment lines skipped), then wait
        until every index is online. For constraints and index DDL, such as a bundle's
        constraints.cypher; not for data."""
        body = "\n".join(ln for ln in text.splitlines() if not ln.lstrip().startswith("//"))
        with self._session() as session:
            for stmt in (x.strip() for x in body.split(";")):
                if stmt:
                    session.run(stmt).consume()
            # a new index is populated in the background: wait, so the load's MATCHes use it
            session.run("CALL db.awaitIndexes($seconds)", seconds=600).consume()

    def _write(self, statement: str, **params) -> list[dict]:
        def work():
            with self._session() as session:
                return session.execute_write(lambda tx: [r.data() for r in tx.run(statement, params)])

        return with_retries(work)

    def _keys(self, statement: str) -> set:
        with self._session() as session:
            return {r["k"] for r in session.execute_read(lambda tx: list(tx.run(statement)))}

    def _upsert(self, what: str, statement: str, rows: list) -> None:
        done = 0
        for batch in batches(rows, self.batch_size):
            result = self._write(statement, rows=list(batch))
            if result and result[0].get("written", len(batch)) != len(batch):
                raise RuntimeError(
                    f"{what}: the server wrote {result[0]['written']} of {len(batch)} relationships "
                    "in a batch: an end node vanished during the load (another writer?)"
                )
            done += len(batch)
            self.progress(f"{what}: {done}/{len(rows)}")

    @_reported
    def replace_with(self, tables: GraphTables, s: Schema | None = None) -> dict[str, int]:
        s = s or schema()
        error = dangling(tables, s)
        if error:
            raise error
        self.apply_constraints(s)
        rows: list[Any]
        for label, df in tables.nodes.items():
            key = s.node(label).key
            rows = records(df, s.node(label).properties)
            self._upsert(label, node_statement(label, key), rows)
            stale = self._keys(f"MATCH (n:{label}) RETURN n.{key} AS k") - {r[key] for r in rows}
            for batch in batches(sorted(stale), self.batch_size):
                self._write(delete_nodes_statement(label, key), keys=list(batch))
        for (rtype, a, b), df in tables.rels.items():
            rel = s.rel(rtype)
            rows = []
            for rec in records(df, rel.properties):
                props = {p: rec[p] for p in rel.names}
                props["rel_key"] = rel_key(rtype, rec["from"], rec["to"], rec.get("valid_from"))
                rows.append([rec["from"], rec["to"], props])
            self._upsert(f"{rtype} {a}->{b}", rel_statement(rtype, a, s.node(a).key, b, s.node(b).key), rows)
            stale = self._keys(f"MATCH (:{a})-[r:{rtype}]->(:{b}) RETURN r.rel_key AS k") - {
                r[2]["rel_key"] for r in rows
            }
            for batch in batches(sorted(stale), self.batch_size):
                self._write(delete_rels_statement(rtype, a, b), keys=list(batch))
        return self.counts(s)

    def counts(self, s: Schema | None = None) -> dict[str, int]:
        s = s or schema()
        out = {label: int(self.query(f"MATCH (n:{label}) RETURN count(n) AS c")["c"].iloc[0]) for label in s.nodes}
        for rtype in s.rels:
            out[rtype] = int(self.query(f"MATCH ()-[r:{rtype}]->() RETURN count(r) AS c")["c"].iloc[0])
        return out

    # -- reading ------------------------------------------------------------------------
    @_reported
    def query(self, cypher: str, params: dict | None = None) -> pd.DataFrame:
        def work(tx):
            result = tx.run(cypher, params or {})
            keys = result.keys()
            return keys, [[_native(v) for v in rec.values()] for rec in result]

        with self._session() as session:
            keys, rows = session.execute_read(work)
        return pd.DataFrame(rows, columns=keys)

    # _reported checks the server answers when the generator is made; an error while it is read
    # comes from the driver as it is
    @_reported
    def batches(self, cypher: str, params: dict | None = None, size: int = 50_000) -> Iterator[pd.DataFrame]:
        """The answer to one read query as frames of at most `size` rows, read from the server
        as they come (the driver fetches records in batches): a large answer is never held
        whole, on the server's side of the wire or ours. In one auto-commit read, so it is not
        retried half way (a retry would repeat rows already given)."""
        with self._session() as session:
            result = session.run(cypher, params or {})
            keys = result.keys()
            while True:
                chunk = [[_native(v) for v in rec.values()] for rec in _take(result, size)]
                if not chunk:
                    return
                yield pd.DataFrame(chunk, columns=keys)

    @_reported
    def export_parquet(
        self, cypher: str, params: dict | None, out: Path, size: int = 50_000, order: ExportOrder | None = None
    ) -> int:
        """Write the answer to one read query into the Parquet file `out`, `size` rows at a
        time; returns its rows. A column's type is the one Arrow infers from the first batch in
        which it is not empty (batches are held until every column has one); a column empty
        throughout is written as nulls. With `order` (see ExportOrder) every batch is held and
        the whole answer is written in its order; without, the records are written as they
        arrive (the catalogue lets Neo4j order them, so that they stream)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        held: list[pa.Table] = []
        writer, rows = None, 0
        with self._session() as session:
            result = session.run(cypher, params or {})
            keys = list(result.keys())
            try:
                while True:
                    chunk = [[_native(v) for v in rec.values()] for rec in _take(result, size)]
                    if chunk:
                        held.append(pa.Table.from_pylist([dict(zip(keys, r, strict=True)) for r in chunk]))
                        rows += len(chunk)
                    typed = held and all(any(not pa.types.is_null(t.schema.field(k).type) for t in held) for k in keys)
                    if held and (typed and order is None or not chunk):
                        if writer is None:
                            schema = pa.unify_schemas([t.schema for t in held], promote_options="permissive")
                            writer = pq.ParquetWriter(out, schema)
                        whole = pa.concat_tables([t.cast(writer.schema) for t in held])
                        writer.write_table(whole.take(order(whole)) if order is not None else whole)
                        held = []
                    if not chunk:
                        break
            finally:
                if writer is not None:
                    writer.close()
        if writer is None:  # no rows: the columns, without types
            pq.write_table(pa.table({k: pa.array([], pa.null()) for k in keys}), out)
        return rows

    def dump(self, s: Schema | None = None) -> dict[str, pd.DataFrame]:
        return dump(self, s)

    def fingerprint(self) -> str:
        return fingerprint(self)


def _native(v: object) -> object:
    return v.to_native() if hasattr(v, "to_native") else v


def _take(result: Any, n: int) -> list:
    """Up to `n` more records of a driver result (fewer at its end)."""
    out = []
    for rec in result:
        out.append(rec)
        if len(out) == n:
            break
    return out
