"""The embedded graph store (ladybug): bulk load by COPY into a fresh database beside the
current one (or, when only some tables changed, into a copy of it, those tables dropped and
copied again or their changed rows set in place), then an atomic swap, so a crashed load never
leaves a half-written graph and a re-run on the same input gives the same graph.

The store takes one read-write process at a time: the pipeline loads in a single in-process
step, and queries open the database read-only.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import threading
import time
import weakref
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar, cast

import blake3
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from data_contracts.errors import GraphNotLoadedError
from graph_schema import Schema, schema
from graph_schema.generate import ladybug_ddl

from .. import progress
from ..common.malloc import trim
from ..common.ordering import in_order
from ..common.state_files import read_state, write_state
from ..common.threads import ThreadPool
from .arrow import STRING_BYTES_MAX, c_allocator, typed_table
from .dump import dump, fingerprint
from .late_columns import LateColumns, OffsetsNotPacked, assembled, decoded, decoded_schema, scan_text
from .protocol import ExportOrder
from .tables import GraphTables, RelKey

if TYPE_CHECKING:
    import ladybug

T = TypeVar("T")
U = TypeVar("U")

#: rows copied before a commit (see replace_with)
COMMIT_ROWS = 250_000
#: the rows of an exported file's row groups, at least (`EmbeddedGraphStore.export_parquet`)
EXPORT_CHUNK_ROWS = 1_000_000
#: the most the buffer pool of the database kept open for queries may take
#: (`EmbeddedGraphStore._reader`, `read_buffer_pool_bytes`)
READ_BUFFER_POOL_MAX = 10 << 30


def read_buffer_pool_bytes() -> int:
    """The buffer pool of the database kept open for queries: half the memory this process may
    use (the machine's, or a lower cgroup v2 limit), at most READ_BUFFER_POOL_MAX; 0 (ladybug's
    default, 80% of the machine) where neither can be read. At national scale the largest
    answer (5.4M rows of poorly-evaluated-still-funded, exported) did not fit a 4 GiB pool;
    with 10 GiB every catalogue query, scoped and exported, ran in one process of 7.0 GiB peak
    resident memory."""
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # no sysconf (Windows)
        return 0
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text(encoding="ascii").strip()
        if re.fullmatch(r"[0-9]+", limit):  # ASCII digits; "max" = no limit
            memory = min(memory, int(limit))
    except (OSError, ValueError):  # no cgroup v2 file, or not text
        pass
    return min(READ_BUFFER_POOL_MAX, memory // 2)


def _statements(ddl: str) -> list[str]:
    body = "\n".join(line for line in ddl.splitlines() if not line.lstrip().startswith("//"))
    return [s.strip() for s in body.split(";") if s.strip()]


@dataclass(frozen=True)
class LoadTable:
    """One table to bulk-copy: into `label` (a node label or a relationship type), with the
    COPY option naming the endpoints of a relationship type that has several."""

    label: str
    option: str
    table: pa.Table


@dataclass(eq=False)
class PreparedLoad:
    """A load of the embedded store decided and not yet carried out (EmbeddedGraphStore.prepare,
    then .apply): decided against the stored graph at `path` as its digest file described it
    (`known`, None when it could not be trusted), so that it can be decided in one step of a run
    and carried out in a later one (the graph_changes asset builds and compares while the run
    waits for the expectations check; the graph asset loads)."""

    path: Path
    known: dict | None
    s: Schema
    ddl: list[str]
    ddl_digest: str
    #: every table's digest once loaded, and the part digests kept beside them
    digests: dict[str, str]
    parts: dict[str, str] | None
    #: the copy of the graph file being made for the load (`copy_ahead`), if any
    ahead: CopyAhead | None = None
    #: the tables to copy (None: the stored graph is already this graph)
    copies: list[tuple[str, LoadTable]] | None = None
    #: the labels and types to drop before the copies (None: a new store of every table)
    drop: tuple[set[str], set[str]] | None = None
    #: node label -> its changed rows, set in place
    updates: dict[str, pa.Table] = field(default_factory=dict)
    #: with nothing to copy: whether the digests kept beside the graph are to be rewritten
    write_digests: bool = False
    #: carried out or discarded: its tables let go of, not to be carried out again
    spent: bool = False

    def discard(self) -> None:
        """Not to be carried out: its tables let go of, its copy of the graph file, if any,
        removed. Returns None."""
        self.spent, self.copies, self.updates = True, [], {}
        if self.ahead is not None:
            self.ahead.discard()


def _ddl(s: Schema) -> tuple[list[str], str]:
    """The schema's DDL statements and their digest (digests of tables in another schema are
    not trusted)."""
    ddl = _statements(ladybug_ddl(s))
    return ddl, hashlib.sha256("\n".join(ddl).encode()).hexdigest()


def table_labels(s: Schema) -> dict[str, str]:
    """Every table of the schema by the name `_load_tables` gives it (`Label`, `TYPE_From_To`),
    with the node label or relationship type it is copied into."""
    rels = {f"{r}_{a}_{b}": r for r, rel in s.rels.items() for a, b in rel.endpoints}
    return {**{label: label for label in s.nodes}, **rels}


def _load_tables(tables: GraphTables, s: Schema) -> dict[str, LoadTable]:
    """Every node and relationship table typed by the schema, named `Label` or
    `TYPE_From_To`: nodes first, so a relationship's endpoints exist when it is copied."""
    items: list[tuple[str | RelKey, pd.DataFrame]] = [*tables.nodes.items(), *tables.rels.items()]
    return dict(_load_table(key, df, s) for key, df in items)


def _load_table(key: str | RelKey, df: pd.DataFrame, s: Schema) -> tuple[str, LoadTable]:
    """The table of node label `key` or relationship key `key` (type, from, to) typed by the
    schema, with the name `_load_tables` gives it."""
    if isinstance(key, str):
        return key, LoadTable(key, "", typed_table(df, s.node(key).properties))
    rtype, a, b = key
    rel = s.rel(rtype)
    option = f" (from='{a}', to='{b}')" if len(rel.endpoints) > 1 else ""
    return f"{rtype}_{a}_{b}", LoadTable(rtype, option, typed_table(df, rel.properties, key_cols=["from", "to"]))


class _Hasher:
    """A write-only file for pyarrow's IPC writer that hashes what it is given (BLAKE3).

    Why BLAKE3 (the `blake3` package, the BLAKE3 team's bindings of their Rust crate) and not
    hashlib's SHA-256: both are cryptographic, so equal digests still mean equal tables, and on
    the benchmark machine BLAKE3 hashed 4.7 GB/s on one thread against SHA-256's 1.8 GB/s (with
    the CPU's SHA extensions; 256 MiB of random bytes, measured once). A national run hashes
    3.1 GB of tables and inputs for the incremental load's digests: 2.7 s of its graph step
    with SHA-256 (one run, 2026-12-07)."""

    closed = False

    def __init__(self):
        self.h = blake3.blake3()

    def write(self, data) -> int:
        self.h.update(data)
        return len(data)

    def flush(self) -> None:
        pass


def table_digest(table: pa.Table) -> str:
    """BLAKE3 (`_Hasher`) of the table's Arrow IPC stream: its schema, lengths and buffers, so equal
    digests mean equal tables. The same rows held differently (another chunking) may digest
    differently; that reloads a table needlessly, never keeps a stale one."""
    sink = _Hasher()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.h.hexdigest()


def reload_plan(changed: set[str], s: Schema) -> tuple[set[str], set[str]]:
    """(node labels, relationship types) to drop and load again when the tables named in
    `changed` (`Label` or `TYPE_From_To`, as `_load_tables` names them) differ: each changed
    node table; each relationship type with a changed table (a type is one table in the store,
    whatever its endpoints); and every relationship type touching a reloaded node table, whose
    rows go when the node table is dropped."""
    nodes = {n for n in changed if n in s.nodes}
    rels = {r for r, rel in s.rels.items() for a, b in rel.endpoints if f"{r}_{a}_{b}" in changed}
    rels |= {r for r, rel in s.rels.items() for a, b in rel.endpoints if a in nodes or b in nodes}
    return nodes, rels


#: a changed node table whose keys are the stored table's is updated in place when at most this
#: share of its rows changed (EmbeddedGraphStore._row_updates); with more, dropping and copying it
#: again with the relationships touching it is the cheaper. Measured after a 1% change of the
#: national evaluations: setting 10,039 rows by key took 0.3 s; dropping and copying the 1M
#: rows of Evaluation and the 1M of EVALUATES, with their commits, 3.2 s, about as long as
#: setting a tenth of them would (a table of many relationships leans further to setting)
ROW_UPDATE_SHARE_MAX = 0.1


def by_key(table: pa.Table, key: str) -> pa.Table:
    """`table` sorted by its column `key`, ascending, missing keys last; itself when already so
    (`ordering.in_order`), as a node table built for the graph is (tables.py sorts it by key):
    one comparison of neighbouring keys instead of a sort, 6-16 ms for the 1M national
    evaluations against 0.11-0.35 s sorting them again (three tries). Raises what pyarrow
    raises for a column it cannot sort."""
    if in_order(table.select([key])):
        return table
    return table.take(pc.sort_indices(table, [(key, "ascending")]))


def _row_changes(old: pa.Table, new: pa.Table, key: str) -> pa.Table | None:
    """The rows of the node table `new` (key column `key`) that differ from the stored table
    `old` (the same columns, as the store gives them back), sorted by key, with the key and the
    columns where some of them differ (the key first, then in `new`'s order): only those are
    set, and the store's checkpoint rewrites what was set (after a 1% change of the national
    evaluations, setting the key and the three columns that changed of seven, then closing
    the store, took 0.26 s against 0.45-0.53 s setting all seven; one and two tries). None when `new` is
    not `old` with some rows changed: other keys, other columns, or a column pyarrow does not
    compare (lists). Missing equals missing."""
    if old.num_rows != new.num_rows or old.column_names != new.column_names:
        return None
    try:
        old, new = by_key(old, key), by_key(new, key)
        if not old.column(key).cast(new.schema.field(key).type).equals(new.column(key)):
            return None
        differs = pa.array(np.zeros(new.num_rows, bool))
        changed = []
        for name in new.column_names:
            a = new.column(name)
            if pa.types.is_nested(a.type):
                return None
            if name == key:  # equal: compared above
                continue
            b = old.column(name).cast(a.type)
            unequal = pc.or_(pc.fill_null(pc.not_equal(a, b), False), pc.xor(pc.is_null(a), pc.is_null(b)))
            if pc.any(unequal).as_py():
                changed.append(name)
                differs = pc.or_(differs, unequal)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return None
    return new.filter(differs).select([key, *changed])


def _set_rows(conn, label: str, rows: pa.Table) -> None:
    """Set the properties of the nodes `label` named by the key (first column) of `rows` to
    the rows' other columns, one statement for all."""
    if not rows.num_rows:
        return
    key, *props = rows.column_names
    # LOAD FROM makes each column a variable: named k, v0, v1, ..., none is taken for a property
    # or for the node `n`
    given = rows.rename_columns(["k", *[f"v{i}" for i in range(len(props))]])
    sets = ", ".join(f"n.{p} = v{i}" for i, p in enumerate(props))
    conn.execute(f"LOAD FROM $t MATCH (n:{label} {{{key}: k}}) SET {sets}", {"t": given})


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
        #: how the last `replace_with` went: mode full, incremental or unchanged, the tables it
        #: copied (`reloaded`) and, when any, the rows it set in place per label (`updated`)
        self.last_load: dict = {}
        self._read_db: ladybug.Database | None = None
        self._read_key: tuple[int, int, int] | None = None
        self._reader_lock = threading.RLock()
        #: where the last `export_parquet` spent its time (seconds by phase)
        self.last_export: dict[str, float] = {}

    def __repr__(self) -> str:
        return f"EmbeddedGraphStore({self.path})"

    # -- writing ------------------------------------------------------------------------
    def replace_with(
        self, tables: GraphTables, s: Schema | None = None, parts: dict[str, str] | None = None
    ) -> dict[str, int]:
        """Make the stored graph exactly `tables`; returns the loaded counts per label and type.

        Only the tables that differ from the last load are reloaded: each table's digest
        (`table_digest`) is kept beside the graph (`<graph>.tables.json`), and a table whose
        digest changed is dropped and bulk-copied again, with the relationship tables that touch
        a reloaded node table (`reload_plan`); a changed node table whose keys are the stored
        ones, with at most ROW_UPDATE_SHARE_MAX of its rows changed, has those rows set in place
        instead and its relationships stay (`_row_updates`). The work is done in a copy of the store, swapped
        in atomically, as a full rebuild is: readers see the old graph or the new one, and a load
        killed half way leaves the old graph. With no digests to trust (first load, a changed
        schema, a graph file the digests do not describe) the graph is rebuilt whole.
        `self.last_load` says which way the last call went and what it reloaded.

        `tables` may hold some tables only, when the stored graph's digests can be trusted: the
        others stay as they are (incremental.py builds only the parts whose inputs changed).
        `parts` (part name -> digest of its inputs) is kept with the digests, for the next
        load to tell what changed (`loaded_parts`). It is `prepare` then `apply`; ValueError
        when only some tables are given and the stored graph's digests cannot say what the
        others hold, or a table the reload drops is not given."""
        counts = self.apply(self.prepare(tables, s, parts))
        if counts is None:  # another process swapped a graph in between the two
            raise GraphNotLoadedError(f"the graph at {self.path} changed while it was being loaded")
        return counts

    def prepare(
        self,
        tables: GraphTables,
        s: Schema | None = None,
        parts: dict[str, str] | None = None,
        ahead: CopyAhead | None = None,
    ) -> PreparedLoad:
        """What `replace_with(tables, s, parts)` would do to the stored graph as it is now, decided
        without writing anything: the tables typed and digested, compared with the stored
        digests, and the rows of a changed node table read back and compared (`_row_updates`).
        `apply` carries it out. `ahead`: a copy of the graph file being made (`copy_ahead`),
        taken by the load if it needs one (else removed). Raises as `replace_with` does."""
        s = s or schema()
        self.close()  # hands the kept pool's memory back before the load needs its own
        ddl, ddl_digest = _ddl(s)
        state = self._known_state(ddl_digest)
        loads = _load_tables(tables, s)
        digests = {name: table_digest(ld.table) for name, ld in loads.items()}
        known = None if state is None else state.get("tables")
        labels = table_labels(s)
        if set(loads) != set(labels):
            if known is None or set(known) != set(labels):
                raise ValueError("only some tables given, and no stored graph whose digests say what the others hold")
            digests = {**known, **digests}  # the tables not given: as loaded last time
        changed: set[str] = set()
        updates: dict[str, pa.Table] = {}
        if known is not None:
            changed = {n for n in loads if digests[n] != known.get(n)}
            updates = self._row_updates(sorted(changed & set(s.nodes)), loads, s)
        drop = None if known is None else reload_plan(changed - set(updates), s)
        prepared = PreparedLoad(self.path, state, s, ddl, ddl_digest, digests, parts, ahead=ahead)
        if drop == (set(), set()) and not any(rows.num_rows for rows in updates.values()):
            # the same tables, or tables holding the stored rows in another order: the same graph
            prepared.write_digests = bool(changed) or parts != (state or {}).get("parts")
            return prepared
        if drop is not None:
            lost = {n for n, label in labels.items() if label in drop[0] | drop[1]} - set(loads)
            if lost:  # dropped with a reloaded table, and not given to be copied again
                raise ValueError(f"tables the reload drops but that were not given: {sorted(lost)}")
        if drop is None:
            prepared.copies = list(loads.items())
        else:
            prepared.copies = [(n, ld) for n, ld in loads.items() if ld.label in drop[0] or ld.label in drop[1]]
        prepared.drop, prepared.updates = drop, updates
        return prepared

    def apply(self, prepared: PreparedLoad) -> dict[str, int] | None:
        """Carry out a load `prepare` decided, once (its tables are let go of as copied); returns
        the loaded counts per label and type, or None, having written nothing, when the stored
        graph is no longer the one it was decided against (another load swapped in meanwhile,
        or the load is another store's). Either way it is spent: ValueError if given again."""
        if prepared.spent:
            raise ValueError("a prepared load is carried out once")
        try:
            if prepared.path != self.path or self._known_state(prepared.ddl_digest) != prepared.known:
                return None
            if prepared.copies is None:
                if prepared.write_digests:
                    counts = (prepared.known or {}).get("counts")
                    self._write_digests(prepared.ddl_digest, prepared.digests, prepared.parts, counts)
                self.last_load = {"mode": "unchanged", "reloaded": []}
                return self.counts()
            copies, prepared.copies = prepared.copies, []
            total = sum(ld.table.num_rows for _n, ld in copies)
            state = (prepared.ddl_digest, prepared.digests, lambda: prepared.parts)
            return self._load(
                _drained(copies),
                prepared.drop,
                prepared.ddl,
                state,
                prepared.s,
                total,
                prepared.updates,
                prepared.ahead,
            )
        finally:
            prepared.discard()

    def _row_updates(self, labels: list[str], loads: dict[str, LoadTable], s: Schema) -> dict[str, pa.Table]:
        """Of the changed node tables `labels`, those the stored graph can take as updates of
        some rows, by label: the rows of the new table that differ from the stored ones
        (`_row_changes`), when its keys are the stored table's and at most ROW_UPDATE_SHARE_MAX
        of its rows changed. Such a table is not dropped, so neither are the relationships
        touching it: after a 1% change of the national evaluations, dropping and copying again
        the Evaluation table and its EVALUATES relationships (1M rows each) took 3.2 s with their
        commits; reading the stored table back took 1.0 s, comparing 0.4 s, setting the 10,039
        changed rows 0.3 s. A table of another row count is not read back. Tables whose rows
        are the stored ones (in another order) come back with no rows. Rows set in place leave
        little space behind, unlike deleted ones (why tables are dropped rather than emptied):
        five updates of 10,000 evaluations, text changed, grew the national graph file by
        1.4 MB of its 1,287 MB, and the next full load starts afresh."""
        out: dict[str, pa.Table] = {}
        for label in labels:
            rows = self._changed_rows(label, loads[label].table, s)
            if rows is not None and rows.num_rows <= ROW_UPDATE_SHARE_MAX * loads[label].table.num_rows:
                out[label] = rows
        return out

    def _changed_rows(self, label: str, new: pa.Table, s: Schema) -> pa.Table | None:
        """`_row_changes` of the node table `label` given anew against the stored one; None,
        without reading it back, when their row counts differ (other keys for sure). The reader
        is closed after: its pool holds what the read filled."""
        try:
            with self._reading(f"MATCH (n:{label}) RETURN count(n)", None) as result:
                if int(result.get_as_df().iloc[0, 0]) != new.num_rows:
                    return None
            names = [p.name for p in s.node(label).properties]
            with self._reading(
                f"MATCH (n:{label}) RETURN " + ", ".join(f"n.{c} AS {c}" for c in names), None
            ) as result:
                old = _as_arrow(result, new.num_rows)
        finally:
            self.close()
        return _row_changes(old, new, s.node(label).key)

    def load_built(
        self,
        tables: Iterable[tuple[str | RelKey, pd.DataFrame]],
        s: Schema | None = None,
        parts: Callable[[], dict[str, str]] | None = None,
    ) -> dict[str, int]:
        """Rebuild the stored graph whole from `tables` (node label or relationship key, frame)
        as they come, each bulk-copied as soon as it is given, while the caller builds the next
        (tables.build_in_order: at national scale the build and the copy overlap instead of
        following each other); returns the loaded counts per label and type. A relationship
        table must come after the node tables of its ends. Every table of the schema must come,
        once; else ValueError, and the stored graph stays as it was (the load is swapped in as
        `replace_with`'s is). `parts()` gives the part digests kept for the next load
        (`loaded_parts`), asked for once every table is copied."""
        s = s or schema()
        self.close()
        ddl, ddl_digest = _ddl(s)
        digests: dict[str, str] = {}  # filled as the tables come, written once all are copied

        def typed(item: tuple[str | RelKey, pd.DataFrame]) -> tuple[str, LoadTable]:
            name, ld = _load_table(*item, s)
            del item  # typed: the frame goes (the caller holds no other reference)
            digests[name] = table_digest(ld.table)
            return name, ld

        # Each table typed and digested while the one before it is copied: done between the
        # copies, they kept the store waiting (at national scale the copy of the last part's
        # tables, alone at the end of the load, is the load's longest stretch).
        copies = _one_ahead(tables, typed)
        try:
            return self._load(copies, None, ddl, (ddl_digest, digests, parts or dict), s, None)
        finally:
            copies.close()
            if isinstance(tables, Generator):  # a failed load stops the build behind it now
                tables.close()

    def _load(
        self,
        copies: Iterable[tuple[str, LoadTable]],
        drop: tuple[set[str], set[str]] | None,
        ddl: list[str],
        state: tuple[str, dict[str, str], Callable[[], dict[str, str] | None]],
        s: Schema,
        total: int | None,
        updates: dict[str, pa.Table] | None = None,
        ahead: CopyAhead | None = None,
    ) -> dict[str, int]:
        """The load `replace_with` or `load_built` decided on, in a staging folder, swapped in:
        a new store of every table of `copies` when `drop` is None, else a copy of the current
        store with the node labels and relationship types of `drop` (`reload_plan`) dropped and
        copied again from `copies` (name, LoadTable; each let go of once copied). `state` (DDL
        digest, table digests, a function giving the part digests, asked once every table is
        copied) is written beside the new store. `total`: the rows to copy, when known.
        `updates` (node label -> its changed rows, key first; only with `drop`): rows of node
        tables not dropped, set in place before the copies. `ahead`: a copy of the graph file
        made ahead, taken instead of copying it here when it is of the graph file as it is."""
        import ladybug

        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._remove_abandoned_loads()
        staging = Path(tempfile.mkdtemp(prefix=f".load-{os.getpid()}-", dir=self.path.parent))
        ddl_digest, digests, part_digests = state
        known_state = None if drop is None else self._known_state(ddl_digest)
        try:
            new_db = staging / self.path.name
            if drop is None:
                db = ladybug.Database(str(new_db))
                conn = ladybug.Connection(db)
                for stmt in ddl:
                    conn.execute(stmt)
            else:
                nodes, rels = drop
                if not (ahead is not None and ahead.take(self.path, new_db)):
                    shutil.copyfile(self.path, new_db)
                db = ladybug.Database(str(new_db))
                conn = ladybug.Connection(db)
                # Dropped and created again rather than emptied with DELETE: deleted rows leave
                # their space behind (the city graph grew 3% a load), a dropped table does not.
                # Relationship tables first: a node table is dropped once nothing refers to it.
                conn.execute("BEGIN TRANSACTION")
                for label in [*sorted(rels), *sorted(nodes)]:
                    conn.execute(f"DROP TABLE {label}")
                for stmt in ddl:  # `IF NOT EXISTS`: creates only what was dropped
                    conn.execute(stmt)
                for label, rows in sorted((updates or {}).items()):
                    _set_rows(conn, label, rows)
            if drop is None:
                conn.execute("BEGIN TRANSACTION")
            # Several COPYs to a commit: a commit costs about 0.1 s (the 37 tables of the city
            # graph in 2.1 s instead of 5.1 s), while a transaction holds what it copied in
            # memory (peak +250 MB with 1M rows in one, +70 MB with 200k, over a commit per
            # table, on an 8x city graph): committed once COMMIT_ROWS rows are pending, so
            # never more commits than tables and the national graph's memory stays as it was.
            done, pending, reload = 0, 0, []
            # the seconds the store's own statements took (what bounds a load: the floor is them)
            spent = {"copy_seconds": 0.0, "commit_seconds": 0.0}

            def timed(what: str, *statement) -> None:
                started = time.perf_counter()
                conn.execute(*statement)
                spent[what] += time.perf_counter() - started

            progress.rows_done(0, total)
            # the seconds the copy waited for its next table (being built, typed or digested)
            waited = 0.0
            tables = iter(copies)
            while True:
                started = time.perf_counter()
                item = next(tables, None)
                waited += time.perf_counter() - started
                if item is None:
                    break
                name, ld = item
                del item
                if name in reload:
                    raise ValueError(f"table {name} given twice")
                reload.append(name)
                rows = ld.table.num_rows
                if rows:
                    timed("copy_seconds", f"COPY {ld.label} FROM $t{ld.option}", {"t": ld.table})
                del ld  # copied: the store has it, this process need not
                done, pending = done + rows, pending + rows
                if pending >= COMMIT_ROWS:
                    timed("commit_seconds", "COMMIT")
                    trim()  # what the copy freed, back to the system before the next (malloc.py)
                    conn.execute("BEGIN TRANSACTION")
                    pending = 0
                progress.rows_done(done, total)
            timed("commit_seconds", "COMMIT")
            if drop is None and (missing := set(table_labels(s)) - set(reload)):
                raise ValueError(f"no table given for {sorted(missing)}: the graph was not replaced")
            # a table neither dropped nor copied holds the rows it held: its count is the one kept
            # with the digests (at national scale, counting all 37 tables took 0.26 s of a 1%
            # change's load), when they can be trusted: they describe the file copied
            kept = None if drop is None else (known_state or {}).get("counts")
            counts = self._counts(conn, s, kept=kept, recount=set(drop[0] | drop[1]) if drop else None)
            conn.close()
            db.close()
            # The swap: os.replace is atomic on one file system, so readers see the old graph
            # or the new one, never a mixture. A leftover write-ahead log belongs to the old file.
            # The digests go first and come back after: a run killed in between finds none and
            # rebuilds whole, never trusts digests of another graph.
            self._digest_path.unlink(missing_ok=True)
            for suffix in (".wal",):
                Path(str(self.path) + suffix).unlink(missing_ok=True)
            retired = self._retire(self.path)
            try:
                os.replace(new_db, self.path)
                self._write_digests(ddl_digest, digests, part_digests(), counts)
            finally:  # a second name left behind would hold the old file's blocks until the process ends
                if retired is not None:
                    _remove_later(retired)
            self.last_load = {
                "mode": "full" if drop is None else "incremental",
                "reloaded": reload,
                "statements": {k: round(v, 3) for k, v in spent.items()},
                "waited_for_tables_seconds": round(waited, 3),
            }
            if updates:
                self.last_load["updated"] = {label: rows.num_rows for label, rows in sorted(updates.items())}
            return counts
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def copy_ahead(self) -> CopyAhead | None:
        """Start copying the stored graph file, on a thread, into a staging folder beside it, for
        a load to take (`prepare`'s `ahead`), to start before building the tables to reload: the
        copy lets go of the GIL, and made in the load it took 2.7 s of the graph step after a 1%
        change of the national evaluations, beside 1.8 s of building. A reload
        takes it provided the graph file is still the one copied (inode, size and modification
        time the same before, after and at use), else copies as ever. None when there is no graph file.
        A copy not taken is removed by its `discard`, or once it is garbage (at the latest when
        the process ends)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._remove_abandoned_loads()
        if not self.path.is_file():
            return None
        staging = Path(tempfile.mkdtemp(prefix=f".load-{os.getpid()}-", dir=self.path.parent))
        return CopyAhead(self.path, staging / self.path.name)

    @property
    def _digest_path(self) -> Path:
        return Path(str(self.path) + ".tables.json")

    def _known_state(self, ddl_digest: str) -> dict | None:
        """What the digest file says of the stored graph (`tables`, `parts`), or None when it
        cannot be trusted: no graph or no digests, another schema, a write-ahead log beside the
        graph, or a graph file other than the one they were written for (size and modification
        time differ)."""
        if not self.path.is_file() or Path(str(self.path) + ".wal").exists():
            return None
        state = read_state(self._digest_path)
        st = self.path.stat()
        if state.get("ddl") != ddl_digest or state.get("file") != [st.st_size, st.st_mtime_ns]:
            return None
        return state

    def _known_digests(self, ddl_digest: str) -> dict[str, str] | None:
        """The digests of the tables in the stored graph, or None when they cannot be trusted."""
        state = self._known_state(ddl_digest)
        return None if state is None else state.get("tables")

    def _known_parts(self, ddl_digest: str) -> dict[str, str] | None:
        state = self._known_state(ddl_digest)
        return None if state is None else state.get("parts")

    def loaded_parts(self, s: Schema | None = None) -> dict[str, str] | None:
        """The digests of the parts the stored graph was built from (part name -> digest of its
        inputs, as `replace_with` was given them; empty when it was not), or None when the
        stored graph's digests cannot be trusted and a load must be given every table."""
        state = self._known_state(_ddl(s or schema())[1])
        if state is None or not isinstance(state.get("tables"), dict):
            return None
        return state.get("parts") or {}

    def _write_digests(
        self,
        ddl_digest: str,
        digests: dict[str, str],
        parts: dict[str, str] | None = None,
        counts: dict[str, int] | None = None,
    ) -> None:
        """Keep beside the graph file what describes it: the DDL's digest, the file's size and
        modification time, each table's digest, the part digests and, when given, the count of
        each label and type. `_known_state` trusts them for this file only: the same size, time
        and DDL, and no write-ahead log beside it."""
        st = self.path.stat()
        state = {"ddl": ddl_digest, "file": [st.st_size, st.st_mtime_ns], "tables": digests, "parts": parts or {}}
        if counts is not None:
            state["counts"] = counts
        write_state(self._digest_path, state)

    def _remove_abandoned_loads(self) -> None:
        """A load killed before its swap leaves its staging folder (`.load-<pid>-...`): the old
        graph is untouched, and the folder is removed once its process is gone; so is a graph
        file replaced by a load whose process ended before removing it (`.retired-<pid>-...`)."""
        for d in [*self.path.parent.glob(".load-*"), *self.path.parent.glob(".retired-*")]:
            pid = d.name.split("-")[1]
            if re.fullmatch(r"[0-9]+", pid) and not _alive(int(pid)):  # ASCII digits only
                if d.is_dir():
                    shutil.rmtree(d, ignore_errors=True)
                else:
                    d.unlink(missing_ok=True)

    def _retire(self, path: Path) -> Path | None:
        """A second name for the graph file about to be replaced (`.retired-<pid>-...` beside
        it), so that the swap does not free its blocks: freeing the national graph's 1.3 GB took
        0.25-0.31 s of the swap; the caller removes the second name on a thread
        (`_remove_later`). None when there is no file, or the link cannot be made (the swap
        then frees it as before)."""
        retired = path.parent / f".retired-{os.getpid()}-{os.urandom(6).hex()}"
        try:
            os.link(path, retired)
        except OSError:
            return None
        return retired

    @staticmethod
    def _counts(conn, s: Schema, kept: dict[str, int] | None = None, recount: set[str] | None = None) -> dict[str, int]:
        """Nodes per label and relationships per type, counted; with `kept` (counts known to
        hold) and `recount` (the labels and types that may differ from them), only those of
        `recount` and those `kept` lacks are counted."""
        kept = kept if isinstance(kept, dict) else {}
        asks = {label: f"MATCH (n:{label}) RETURN count(n)" for label in s.nodes}
        asks |= {rtype: f"MATCH ()-[r:{rtype}]->() RETURN count(r)" for rtype in s.rels}
        out = {}
        for name, cypher in asks.items():
            if recount is not None and name not in recount and isinstance(kept.get(name), int):
                out[name] = kept[name]
            else:
                out[name] = int(conn.execute(cypher).get_as_df().iloc[0, 0])
        return out

    def counts(self, s: Schema | None = None) -> dict[str, int]:
        """Nodes per label and relationships per type in the stored graph: the counts kept
        beside the graph file by its load, where its digest file still describes the file
        (`_known_state`) and holds one for every label and type; else counted. Every national
        export asks for them (catalogue._late), as does every empty answer's note: counting
        the 37 tables took 0.29 s in a fresh process at national scale and 0.07 s after, the
        kept counts 0.06 s and under 0.01 s (one try each, 2026-12-07)."""
        import ladybug

        s = s or schema()
        kept = (self._known_state(_ddl(s)[1]) or {}).get("counts")
        names = [*s.nodes, *s.rels]
        if isinstance(kept, dict) and all(isinstance(kept.get(name), int) for name in names):
            return {name: kept[name] for name in names}
        return self._counts(ladybug.Connection(self._reader()), s)

    # -- reading ------------------------------------------------------------------------
    def dump(self, s: Schema | None = None) -> dict[str, pd.DataFrame]:
        return dump(self, s)

    def fingerprint(self) -> str:
        return fingerprint(self)

    @contextmanager
    def _reading(
        self, cypher: str, params: dict | None, db: ladybug.Database | None = None
    ) -> Iterator[ladybug.QueryResult]:
        """The result of one read query on the stored graph (on `db`, an open handle of it,
        where given), valid while the block runs."""
        import ladybug

        # one statement gives one result (a list only for several `;`-separated ones)
        yield cast("ladybug.QueryResult", ladybug.Connection(db or self._reader()).execute(cypher, params or {}))

    def _reader(self) -> ladybug.Database:
        """The stored graph opened read-only, kept open between queries and opened again once
        a load has swapped in another graph file (its inode, size or time differ).

        Kept because opening costs more than most answers: at national scale a look-up of one
        community by code took 0.11 s with the database opened for it and 2 ms with it kept
        open (the store reads its indexes again on each open). Its buffer pool is capped at
        `read_buffer_pool_bytes()`: uncapped (80% of the machine's memory, ladybug's default), one
        database kept open for every catalogue query ran the national benchmark out of 24 GiB,
        as the pool keeps what the large queries read. Raises GraphNotLoadedError with no graph."""
        import ladybug

        try:
            st = self.path.stat()
        except FileNotFoundError:
            raise GraphNotLoadedError(f"no graph at {self.path}: run `sanshe run` first") from None
        key = (st.st_ino, st.st_size, st.st_mtime_ns)
        with self._reader_lock:
            if self._read_db is None or self._read_key != key:
                self.close()
                self._read_db = ladybug.Database(
                    str(self.path), read_only=True, buffer_pool_size=read_buffer_pool_bytes()
                )
                self._read_key = key
            return self._read_db

    def close(self) -> None:
        """Close the read-only database kept open for queries, if any (it is opened again by
        the next query). Queries from several threads share that database, but a result still
        being read (`batches`) must be read before this store loads a graph or is closed: the
        store's callers read one answer at a time."""
        with self._reader_lock:
            if self._read_db is not None:
                self._read_db.close()
                self._read_db, self._read_key = None, None

    def query(self, cypher: str, params: dict | None = None) -> pd.DataFrame:
        with self._reading(cypher, params) as result:
            return result.get_as_df()

    def batches(self, cypher: str, params: dict | None = None, size: int = 50_000) -> Iterator[pd.DataFrame]:
        """The answer to one read query as frames of at most `size` rows, typed as `query`
        types them (dates as datetime64[us]). The store holds the whole result while it is read
        (ladybug materialises a result), but Python converts one batch at a time."""
        with self._reading(cypher, params) as result:
            for batch in _as_arrow(result, size).to_batches():
                df = batch.to_pandas(date_as_object=False)
                for col in df.columns:
                    if pd.api.types.is_datetime64_any_dtype(df[col]):
                        df[col] = df[col].astype("datetime64[us]")
                yield df

    def export_parquet(
        self,
        cypher: str,
        params: dict | None,
        out: Path,
        size: int = 50_000,
        order: ExportOrder | None = None,
        late: LateColumns | None = None,
    ) -> int:
        """Write the answer to one read query into the Parquet file `out`, in row groups of
        `size` rows or EXPORT_CHUNK_ROWS, whichever is more; returns its rows. ladybug
        materialises a result before it is read, so the store holds the whole answer while it is
        written; no row passes through pandas. It is handed over as Arrow in one piece where its
        text fits (`_as_arrow`): gathering rows from one piece is the faster (the national
        poorly-evaluated-still-funded, 5.4M rows: gathering and writing 1.1-1.4 s against
        1.8-2.4 s from 1M-row pieces, ordering 0.9 s against 1.0-1.5 s, three tries each in one
        process). `order` (see ExportOrder), when given, puts the
        whole answer in its order before it is written, so `cypher` needs no ORDER BY: at
        national scale ladybug's ORDER BY of the largest answer (5.4M rows, three text keys)
        took about 8 s of its 14 s, pyarrow's sort about 1 s. The rows are then gathered in
        slices on two threads while the slices before them are written (pyarrow lets go of the
        GIL in both). (`COPY (query) TO` would write the file in the store, but ladybug 0.22
        fails on several catalogue queries there, "Cannot evaluate expression with type
        PROPERTY", drops the filter of others, and wrote that answer unordered in 8 s.)
        With `late` (see late_columns.py), `cypher` answers some nodes' positions instead of
        their columns, and those columns are taken from their node tables, each read once, on
        a thread while the store computes the answer (`query_seconds` then includes the reads'
        share of the cores, `arrow_seconds` any wait for them and joining their columns to the
        rows); the file is the one the plain query gives.
        `self.last_export` then says where the time went, in seconds: `query_seconds` (the
        store computing the whole answer), `arrow_seconds` (handing it over as Arrow),
        `order_seconds` (finding the order) and `write_seconds` (gathering and writing)."""
        import pyarrow.parquet as pq

        started = time.perf_counter()
        # one handle for the answer and its node tables: a load swapping another graph file in
        # meanwhile would otherwise pair one graph's positions with the other's values
        db = self._reader()
        with ThreadPool(max_workers=1, thread_name_prefix="export-nodes") as pool:
            # the node tables are read while the store computes the answer, whose query lets go
            # of the GIL that their hand-over holds (national poorly-evaluated-still-funded: the
            # answer and its three node tables in 2.6-2.8 s against 3.0-3.5 s one after the
            # other, two tries each in one process, 2026-12-07)
            scanned = pool.submit(self._node_tables, late.scans(), db) if late is not None else None
            with _overflow_unpacked(late), self._reading(cypher, params, db) as result:
                answered = time.perf_counter()
                table = _as_arrow(result, result.get_num_tuples())
            if late is not None and scanned is not None:
                read = scanned.result()
                table = assembled(table, late, lambda label, props: read[label])
        converted = time.perf_counter()
        with c_allocator():  # pyarrow's work on the whole answer: faster from malloc
            indices = order(table) if order is not None else None
            ordered = time.perf_counter()
            with pq.ParquetWriter(out, decoded_schema(table.schema)) as writer:
                for part in _in_slices(table, indices, max(size, EXPORT_CHUNK_ROWS)):
                    writer.write_table(part)
        self.last_export = {
            "query_seconds": answered - started,
            "arrow_seconds": converted - answered,
            "order_seconds": ordered - converted,
            "write_seconds": time.perf_counter() - ordered,
        }
        return table.num_rows

    def _node_tables(self, scans: dict[str, tuple[str, ...]], db: ladybug.Database) -> dict[str, pa.Table]:
        """`_node_columns` of each label of `scans` (LateColumns.scans), one after another."""
        return {label: self._node_columns(label, props, db) for label, props in scans.items()}

    def _node_columns(self, label: str, props: tuple[str, ...], db: ladybug.Database) -> pa.Table:
        """Every node of `label` with its position and `props` (late_columns.scan_text), read
        through `db`, the handle the answer was read through."""
        with self._reading(scan_text(label, props), None, db) as result:
            return _as_arrow(result, result.get_num_tuples())


@contextmanager
def _overflow_unpacked(late: LateColumns | None) -> Iterator[None]:
    """Raise OffsetsNotPacked for the store's overflow error where `late` packs positions two to a
    column: ladybug's int64 arithmetic is checked (`x * 4294967296` for x >= 2**31 raises
    "Overflow exception"), so a high half past PACKED_OFFSET_MAX fails the query itself before
    `assembled` could tell. Any other error, or one from a query packing nothing, passes as it is."""
    try:
        yield
    except RuntimeError as error:
        if late is None or not late.packed_labels or "overflow" not in str(error).lower():
            raise
        raise OffsetsNotPacked(f"positions too large to pack two to a column: {error}") from error


class _Exhausted(Exception):
    """`_one_ahead`'s items have all been taken."""


def _one_ahead(items: Iterable[T], make: Callable[[T], U]) -> Generator[U, None, None]:
    """`make(item)` for each of `items`, in order, each item taken from `items` and made on a
    thread of its own while the caller works on the one yielded before (at most one made ahead,
    so at most two held at once). What taking or making raises is raised here, where its result
    would have been yielded. Closed early (the caller stopped, or raised), it waits for the
    one being made and makes no more; closing `items` is the caller's (once this is closed, no
    thread is inside it)."""
    it = iter(items)
    end = object()

    def taken() -> T:
        item = next(it, end)
        if item is end:
            raise _Exhausted
        return item  # type: ignore[return-value]

    def next_made() -> U | object:
        try:
            # passed on unnamed, the item is held by `make` alone, which may let it go (a name
            # here, or `map`, would keep a table's frame alive while it is digested: test_one_ahead)
            return make(taken())
        except _Exhausted:
            return end

    with ThreadPool(max_workers=1, thread_name_prefix="sanshe-ahead") as pool:
        # leaving the pool (closed early, or raising) waits for the item being made
        pending = pool.submit(next_made)
        while (made := pending.result()) is not end:
            pending = pool.submit(next_made)
            yield made  # type: ignore[misc]
            del made  # the caller is done with it: let it go before the next is made


def _as_arrow(result: ladybug.QueryResult, rows: int) -> pa.Table:
    """The whole of a ladybug query result as an Arrow table, in pieces of at most `rows` rows
    (at least 1), fewer where a piece's text would not fit 32-bit offsets.

    ladybug (0.22) hands text over as Arrow `string` whatever its size. A piece whose text
    spans 2 to 4 GiB comes back with its offsets wrapped past 2**31, without an error, and
    reading it crashed the process (tests/test_store_arrow.py); past 4 GiB it would write
    beyond its own buffer (read in its source, not tried: src/common/arrow/arrow_row_batch.cpp
    keeps offsets as uint32 and sizes the text buffer from them), which no check after the
    hand-over could help. Hence two guards:
    - before: the first TEXT_SAMPLE_ROWS rows, read as Python values, give the text bytes per
      row of the widest column, and a piece takes at most as many rows as would span
      STRING_BYTES_MAX / TEXT_MARGIN bytes at that rate (`_rows_within`);
    - after: each text array's span is read from its offsets (`_text_span`, correct across
      the wrap); a result with a piece over the limit (rows far longer than the sample's) is
      handed over again in proportionally fewer rows (half again), until every piece fits.
    One value of more than STRING_BYTES_MAX bytes never fits: ValueError."""
    rows = _rows_within(result, max(rows, 1))
    while True:
        table = result.get_as_arrow(rows)
        span = max((_text_span(piece) for column in table.columns for piece in column.chunks), default=0)
        if span <= STRING_BYTES_MAX:
            return table
        if rows == 1:
            raise ValueError(f"a value of {span:,} bytes: more than one Arrow piece of text holds")
        del table  # not whole: let it go before the result is handed over again
        result.reset_iterator()
        rows = max(1, min(rows // 2, rows * STRING_BYTES_MAX // (2 * span)))


#: the rows `_rows_within` reads of a result to tell its text bytes per row
TEXT_SAMPLE_ROWS = 1_000
#: how many times longer than the sample's a piece's rows may be, on average, before its text
#: passes STRING_BYTES_MAX (checked after, `_as_arrow`); twice that before 4 GiB
TEXT_MARGIN = 8


def _rows_within(result: ladybug.QueryResult, rows: int) -> int:
    """`rows`, or fewer: as many as hold STRING_BYTES_MAX / TEXT_MARGIN bytes of the widest
    column's text at the rate of the result's first TEXT_SAMPLE_ROWS rows (read as Python
    values, then the result rewound); at least 1."""
    sample = result.get_n(TEXT_SAMPLE_ROWS)
    result.reset_iterator()
    if not sample:
        return rows
    columns = zip(*(row.values() if isinstance(row, dict) else row for row in sample), strict=True)
    widest = max((sum(map(_text_bytes, column)) for column in columns), default=0)
    if not widest:
        return rows
    return max(1, min(rows, STRING_BYTES_MAX * len(sample) // (TEXT_MARGIN * widest)))


def _text_bytes(value: object) -> int:
    """The UTF-8 bytes of the text in a Python value as ladybug gives it (text, bytes, lists,
    maps and structs of them); 0 for anything else."""
    if isinstance(value, str):
        return len(value.encode("utf-8", "surrogatepass"))
    if isinstance(value, bytes):
        return len(value)
    if isinstance(value, list | tuple):
        return sum(map(_text_bytes, value))
    if isinstance(value, dict):
        return sum(_text_bytes(k) + _text_bytes(v) for k, v in value.items())
    return 0


def _text_span(array: pa.Array) -> int:
    """The bytes the values of a text array with 32-bit offsets (`string`, `binary`) span,
    each value's length read from its offsets modulo 2**32, so that the true span is read even
    where the offsets wrapped; for a list, map or struct array, the largest span of the text
    inside the rows it holds (read in place: flattening a list with empty rows would copy the
    text by its offsets); 0 for other arrays."""
    kind = array.type
    if not len(array):
        return 0
    if pa.types.is_string(kind) or pa.types.is_binary(kind):
        return _offsets_span(np.frombuffer(array.buffers()[1], np.int32)[array.offset : array.offset + len(array) + 1])
    if pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_map(kind):
        first, last = array.offsets[0].as_py(), array.offsets[-1].as_py()  # of this slice's rows
        return _text_span(array.values.slice(first, last - first))
    if pa.types.is_fixed_size_list(kind):
        return _text_span(array.values.slice(array.offset * kind.list_size, len(array) * kind.list_size))
    if pa.types.is_struct(kind):
        return max((_text_span(array.field(i)) for i in range(kind.num_fields)), default=0)  # sliced as `array`
    return 0


def _offsets_span(offsets: np.ndarray) -> int:
    """The bytes 32-bit `offsets` (int32, one more than the values) span, each value's length
    taken modulo 2**32: offsets that wrapped past 2**31 give the true span, provided no one
    value is of 4 GiB or more."""
    # int32 differences wrap as the offsets did: as uint32, each is the value's true length
    return int(np.diff(offsets).view(np.uint32).sum(dtype=np.int64))


def _in_slices(table: pa.Table, indices: pa.Array | None, rows: int) -> Iterator[pa.Table]:
    """`table` as consecutive tables of at most `rows` rows; with `indices`, the rows they name
    in their order, each slice gathered on one of two threads while the caller writes the one
    before it (at most two slices ahead, so that a gathered copy of the whole answer is never
    held at once). Dictionary columns (late_columns.py) come out decoded to their values."""
    if indices is None:
        yield from (decoded(pa.Table.from_batches([b])) for b in table.to_batches(rows))
        return

    def gathered(start: int) -> pa.Table:
        return decoded(table.take(indices.slice(start, rows)))

    starts = iter(range(0, len(indices), rows))
    with ThreadPool(2, thread_name_prefix="export-take") as pool:
        ahead = [pool.submit(gathered, start) for start in islice(starts, 2)]
        while ahead:
            part = ahead.pop(0).result()
            start = next(starts, None)
            if start is not None:
                ahead.append(pool.submit(gathered, start))
            yield part


def _remove_later(path: Path) -> None:
    """Remove the file `path` on a thread of its own. Not a daemon: the process waits for it
    before it ends, and one ended first leaves the file to the next load
    (`_remove_abandoned_loads`)."""
    threading.Thread(target=path.unlink, kwargs={"missing_ok": True}, name="remove retired graph").start()


def _file_key(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def _drained(items: list[T]) -> Iterator[T]:
    """The items, each taken out of `items` as it is given: once the caller lets go of one,
    nothing holds it."""
    while items:
        yield items.pop(0)


def _discard(thread: threading.Thread, staging: Path) -> None:
    thread.join()
    shutil.rmtree(staging, ignore_errors=True)


def _flush(path: Path) -> None:
    """Write the file's pages out to disk now (fsync). The store's checkpoint, closing a load,
    fsyncs its file: a graph file freshly copied is all unwritten pages then, and at national
    scale (1.29 GB) the graph step after a 1% change of the evaluations took 2.3-2.4 s with
    them written out there, 0.75-0.79 s with them flushed on the copy's thread beforehand
    (the benchmark's runs at 978b4d1 and 11124f2)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class CopyAhead:
    """A copy of the graph file `source` into `target`, made on a thread (EmbeddedGraphStore.
    copy_ahead)."""

    def __init__(self, source: Path, target: Path):
        self.source, self.target = source, target
        self.key = _file_key(source)
        self.copied = False
        self.thread = threading.Thread(target=self._copy, name="copy graph file", daemon=True)
        self.thread.start()
        # the staging folder goes with the copy: when discarded, or when it is garbage (a run
        # stopped before its load, by the expectations check or a failure)
        self._finalizer = weakref.finalize(self, _discard, self.thread, target.parent)

    def _copy(self) -> None:
        try:
            shutil.copyfile(self.source, self.target)
            _flush(self.target)
            self.copied = _file_key(self.source) == self.key
        except OSError:  # copied again where it is needed, and failing there says why
            self.copied = False

    def wait(self) -> None:
        self.thread.join()

    def is_of(self, source: Path) -> bool:
        """Whether this is a copy of `source` as it is now (the same file, unchanged since the
        copy started); the copy itself may still be under way."""
        return source == self.source and _file_key(source) == self.key

    def discard(self) -> None:
        """Wait for the copy, then remove it (if not taken) and its staging folder."""
        self._finalizer()

    def take(self, source: Path, dest: Path) -> bool:
        """Move the copy to `dest` once made, if it is a copy of `source` as it is now; False
        when it is not (the caller copies it itself)."""
        self.wait()
        try:
            if self.copied and self.is_of(source):
                os.replace(self.target, dest)
                return True
            self.target.unlink(missing_ok=True)  # not of this graph: no second copy on disk
        except OSError:
            pass  # the caller copies, and says why should that fail too
        finally:
            self.copied = False  # taken, or of no use
        return False
