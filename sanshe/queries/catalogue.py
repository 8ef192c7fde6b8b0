"""The query catalogue: named, parameterised Cypher queries in files, described in
catalogue.yaml. Parameters are always passed to the store as parameters, never pasted into text.

Each query declares in catalogue.yaml the division levels it can be scoped to (`scope`) and its
bounded default answer (`bound`): the first N rows by a ranking with a count of the rest, or an
answer that is already a handful of aggregates. `answer()` gives that bounded answer, `execute()`
the whole one, and `export()` streams the whole one into a Parquet file."""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import yaml

from data_contracts.errors import QueryError
from graph_schema import Schema, schema
from pipelines.common.threads import in_threads
from pipelines.graph.arrow import STRING_BYTES_MAX
from pipelines.graph.late_columns import (
    KEY_FIELD,
    NODE_FIELD,
    LateColumns,
    OffsetsNotPacked,
    decoded_column,
    one_piece,
)
from pipelines.graph.protocol import GraphStore
from pipelines.graph.store import EmbeddedGraphStore

from .late import late_columns

HERE = Path(__file__).parent
CASTS: dict[str, Callable[[str], Any]] = {"int": int, "float": float, "string": str, "date": dt.date.fromisoformat}
#: how a message names each parameter type
TYPE_WORDS = {"int": "an integer", "float": "a number", "string": "text", "date": "a date (YYYY-MM-DD)"}

#: a line that ends in `// when $name` filters on an optional parameter: it is kept only when
#: that parameter is given (differs from its declared default). Neo4j plans a query text once
#: and caches the plan, so `($year = 0 OR p.year = $year)` gets one plan for both cases, a label
#: scan; leaving the line out when the filter is off gives each case its own text, and the
#: filtered one an index seek. Values are still passed as parameters, never pasted in.
#: A line that ends in `// unless $name` is kept only when that parameter is not given: the
#: embedded store's join-order HINTs for the national answer, which would force a
#: whole-country walk on a scoped one (the store plans a scoped text well on its own).
OPTIONAL_LINE = re.compile(r"^(?P<code>.*?)\s*//\s*(?P<when>when|unless) \$(?P<param>\w+)\s*\Z")

#: a date parameter whose default is the data's snapshot date, read from the graph's Dataset node
SNAPSHOT_DEFAULT = "snapshot"

#: the division levels a scope names, coarse to fine, and the digits of a code that select one:
#: GB/T 2260 county codes are 6 digits (the province is their first 2), statistical division
#: codes 12 (a street or town is their first 9, a committee all 12). The graph stores a
#: District's 6-digit code and a Street's and Community's 12-digit code, so a scope is a prefix
#: of those codes: the division as the registers code it today (a street moved into another
#: district by a merger keeps its code, and so its prefix).
LEVELS = {"province": 2, "district": 6, "street": 9, "community": 12}
#: the parameter a scope is sent as (a code prefix; the empty text, its default, = the whole country)
SCOPE = "scope"
#: a scope's code: ASCII digits only (a full-width or other Unicode digit is not a division code)
SCOPE_CODE = re.compile(r"[0-9]+")
#: rows per batch in which `answer()` and `export()` read an answer from the store
EXPORT_BATCH_ROWS = 50_000
#: a bounded query may come with two companion files that answer its national bound without
#: computing the whole answer: `<name>.first.cypher`, its first `$first_rows` rows by the
#: bound's ranking (in any order), and `<name>.count.cypher`, one row whose `rows` is the whole
#: answer's length. They read facts computed at load time (pipelines/graph/standing.py); the oracle tests
#: check that they agree with the whole answer. They take the parameters their text names, a
#: scope among them: with another parameter given, the query is read whole.
COMPANIONS = ("first", "count")
#: the parameter a `first` companion takes its row count from (not `top`: provider-concentration
#: has a parameter of that name)
FIRST_ROWS = "first_rows"


def scope_level(code: str) -> tuple[str, str]:
    """(level, prefix) of a division code: 2 digits or a 6-digit code ending 0000 is a province,
    6 digits a district, 9 digits or a 12-digit code ending 000 a street or town, 12 digits a
    committee. The prefix is the code's first LEVELS[level] digits. Raises QueryError otherwise."""
    code = code.strip()
    if not SCOPE_CODE.fullmatch(code):
        raise QueryError(f"a scope is a division code of 2, 6, 9 or 12 digits: {code!r}")
    if len(code) == 2 or (len(code) == 6 and code.endswith("0000")):
        level = "province"
    elif len(code) == 6:
        level = "district"
    elif len(code) == 9 or (len(code) == 12 and code.endswith("000")):
        level = "street"
    elif len(code) == 12:
        level = "community"
    else:
        raise QueryError(f"a scope is a division code of 2, 6, 9 or 12 digits: {code!r} has {len(code)}")
    return level, code[: LEVELS[level]]


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: object
    help: str
    choices: tuple[str, ...] = ()
    min: int | None = None


@dataclass(frozen=True)
class Scope:
    """The levels a query can be scoped to (coarse to fine) and what the scope selects (text for
    the docs, e.g. "the street the organisation resides in")."""

    levels: tuple[str, ...]
    by: str


@dataclass(frozen=True)
class Bound:
    """A query's default answer: `top` > 0 keeps the first `top` rows ranked by `by` (column
    names, a leading - descending) and counts the rest; `top` = 0 means the whole answer is
    already bounded, for the reason `aggregate` gives."""

    top: int = 0
    by: tuple[str, ...] = ()
    aggregate: str = ""

    def describe(self) -> str:
        """The bound in words, for `--list` and the docs."""
        if not self.top:
            return f"the whole answer ({self.aggregate})"
        by = ", ".join(
            "hub kind (federation, street, industry)"
            if c == "kind_order"
            else f"{c.lstrip('-')} {'descending' if c.startswith('-') else 'ascending'}"
            for c in self.by
        )
        return f"the first {self.top} rows by {by}, and how many more there are"


@dataclass(frozen=True)
class Query:
    name: str
    title_zh: str
    title_en: str
    answers: str
    params: tuple[Param, ...]
    order_by: tuple[str, ...]
    bound: Bound = Bound()
    scope: Scope | None = None

    @property
    def cypher(self) -> str:
        """The query in the embedded store's dialect (portable Cypher where that suffices)."""
        return (HERE / f"{self.name}.cypher").read_text(encoding="utf-8")

    @property
    def has_neo4j_variant(self) -> bool:
        return (HERE / f"{self.name}.neo4j.cypher").exists()

    @property
    def has_companions(self) -> bool:
        """Whether the national bounded answer has its own two queries (see COMPANIONS)."""
        return self.bound.top > 0 and all((HERE / f"{self.name}.{kind}.cypher").exists() for kind in COMPANIONS)

    def companions_take(self, given: dict[str, str]) -> bool:
        """Whether the companions can answer with these parameters: each given parameter must be
        one both companions use (a companion reading totals over all years cannot filter by year;
        such a query is then answered whole). A scope is a parameter like the others: taken by
        companions whose text filters on `$scope` (a `// when $scope` line)."""
        given = {k: v for k, v in given.items() if v or k != SCOPE}  # an empty scope is the country
        if not self.has_companions:
            return False
        # what the text sends, not its comments
        texts = [
            re.sub(r"//[^\n]*", "", self.cypher_for(dialect, kind)) for kind in COMPANIONS for dialect in ("", "neo4j")
        ]
        return all(re.search(rf"\${name}\b", t) for name in given for t in texts)

    def cypher_for(self, dialect: str, kind: str = "") -> str:
        """`<name>[.<kind>].neo4j.cypher` where the embedded store's Cypher is not Neo4j's, else
        `<name>[.<kind>].cypher`; `kind` names a companion (see COMPANIONS), "" the query."""
        stem = f"{self.name}.{kind}" if kind else self.name
        variant = HERE / f"{stem}.neo4j.cypher"
        if dialect == "neo4j" and variant.exists():
            return variant.read_text(encoding="utf-8")
        return (HERE / f"{stem}.cypher").read_text(encoding="utf-8")

    def text_for(self, dialect: str, params: dict[str, object], kind: str = "") -> str:
        """The query (or its companion `kind`) to send: `cypher_for(dialect, kind)` with each
        optional line (see OPTIONAL_LINE) kept, without its marker, when its parameter differs
        from the default (`// when`) or does not (`// unless`), and dropped otherwise. Raises
        QueryError for a marker naming an undeclared parameter."""
        defaults = {p.name: p.default for p in self.params}
        if self.scope:
            defaults[SCOPE] = ""
        out = []
        for line in self.cypher_for(dialect, kind).splitlines():
            m = OPTIONAL_LINE.match(line)
            if not m:
                out.append(line)
                continue
            if m["param"] not in defaults:
                raise QueryError(f"{self.name}: `// {m['when']} ${m['param']}` names no declared parameter")
            given = params.get(m["param"], defaults[m["param"]]) != defaults[m["param"]]
            if given == (m["when"] == "when"):
                out.append(m["code"])
        return "\n".join(out) + "\n"

    def bind(self, given: dict[str, str], snapshot: dt.date | None = None) -> dict[str, object]:
        """Declared parameters with defaults, overridden by `given` (text from the command line).
        `snapshot` fills date parameters whose default is the data's snapshot date. A `scope`
        (a division code, see scope_level) is bound as its code prefix, "" when not given.
        Raises QueryError for an unknown parameter, a value of the wrong type or choice, or a
        scope the query does not take."""
        given = dict(given)
        scope = given.pop(SCOPE, None)
        known = {p.name: p for p in self.params}
        unknown = set(given) - set(known) | ({SCOPE} if scope is not None and not self.scope else set())
        if unknown:
            raise QueryError(
                f"{self.name}: unknown parameter(s) {', '.join(sorted(unknown))}; "
                f"it takes: {', '.join(known) or 'none'}"
            )
        out = {}
        for p in self.params:
            raw = given.get(p.name)
            value: Any
            try:
                value = CASTS[p.type](raw) if raw is not None else p.default
            except ValueError as err:
                raise QueryError(f"{self.name}: parameter {p.name} must be {TYPE_WORDS[p.type]}: {raw!r}") from err
            if value == SNAPSHOT_DEFAULT:
                value = snapshot
            if p.choices and value not in p.choices:
                raise QueryError(f"{self.name}: parameter {p.name} must be one of {', '.join(p.choices)}: {raw!r}")
            if p.min is not None and value < p.min:
                raise QueryError(f"{self.name}: parameter {p.name} must be at least {p.min}: {raw!r}")
            out[p.name] = value
        if self.scope:
            out[SCOPE] = self._scope_prefix(scope) if scope else ""
        return out

    def _scope_prefix(self, code: str) -> str:
        assert self.scope
        level, prefix = scope_level(code)
        if level not in self.scope.levels:
            raise QueryError(
                f"{self.name} cannot be scoped to a {level} ({code}); it takes a {' or '.join(self.scope.levels)} code"
            )
        return prefix

    @property
    def needs_snapshot(self) -> bool:
        return any(p.default == SNAPSHOT_DEFAULT for p in self.params)


@cache
def catalogue() -> dict[str, Query]:
    raw = yaml.safe_load((HERE / "catalogue.yaml").read_text(encoding="utf-8"))
    out = {}
    for q in raw:
        params = tuple(
            Param(p["name"], p["type"], p["default"], p["help"], tuple(p.get("choices", ())), p.get("min"))
            for p in q.get("params", [])
        )
        b = q["bound"]
        scope = q.get("scope")
        query = Query(
            q["name"],
            q["title"]["zh"],
            q["title"]["en"],
            q["answers"].strip(),
            params,
            tuple(q.get("order_by", [])),
            Bound(b.get("top", 0), tuple(b.get("by", q.get("order_by", []))), b.get("aggregate", "")),
            Scope(tuple(scope["levels"]), scope["by"]) if scope else None,
        )
        if not (HERE / f"{query.name}.cypher").exists():
            raise QueryError(f"catalogue.yaml names {query.name} but {query.name}.cypher is missing")
        if bool(query.bound.top) == bool(query.bound.aggregate):
            raise QueryError(f"catalogue.yaml: {query.name} needs a bound of either `top` or `aggregate`")
        if query.scope and not set(query.scope.levels) <= set(LEVELS):
            raise QueryError(f"catalogue.yaml: {query.name} scope levels must be among {', '.join(LEVELS)}")
        out[query.name] = query
    return out


def get(name: str) -> Query:
    try:
        return catalogue()[name]
    except KeyError:
        raise QueryError(f"no query named {name!r}; `sanshe query --list` shows them") from None


def _prepared(
    store: GraphStore, name: str, given: dict[str, str] | None, kind: str = ""
) -> tuple[Query, str, dict[str, object]]:
    """The query, the text to send to `store` (the query's, or its companion `kind`'s) and the
    parameters that text uses."""
    query = get(name)
    snapshot = None
    if query.needs_snapshot:
        found = store.query("MATCH (d:Dataset) RETURN d.snapshot_date AS day")
        snapshot = pd.Timestamp(found["day"].iloc[0]).date() if len(found) else None
    params = query.bind(given or {}, snapshot)
    text = query.text_for(getattr(store, "dialect", "ladybug"), params, kind)
    # only the parameters the text still uses: a dropped filter's parameter is not sent
    used = {k: v for k, v in params.items() if re.search(rf"\${k}\b", text)}
    return query, text, used


def execute(store: GraphStore, name: str, given: dict[str, str] | None = None) -> pd.DataFrame:
    """The whole answer of catalogue query `name` on a graph store, with command-line style
    parameters (`scope` among them where the query takes one), rows in the declared order.
    Raises QueryError for a wrong name or parameter."""
    query, text, used = _prepared(store, name, given)
    return ordered(store.query(text, used), query.order_by)


@dataclass(frozen=True)
class Answer:
    """A bounded answer: `rows` (at most the query's `bound.top`, ranked by `bound.by`; every
    row for an aggregate bound) and `rest`, how many rows of the whole answer are not shown."""

    rows: pd.DataFrame
    rest: int

    @property
    def total(self) -> int:
        return len(self.rows) + self.rest


def answer(store: GraphStore, name: str, given: dict[str, str] | None = None) -> Answer:
    """The bounded default answer of `name` (see Bound): the store's rows are read in batches
    and only the best `top` are kept, so a whole-country answer is never one frame in Python.
    Raises QueryError for a wrong name or parameter."""
    query, text, used = _prepared(store, name, given)
    if not query.bound.top:
        return Answer(ordered(store.query(text, used), query.order_by), 0)
    if query.companions_take(given or {}):
        return _from_companions(store, query, given)
    keep, seen = None, 0
    for batch in store.batches(text, used, EXPORT_BATCH_ROWS):
        seen += len(batch)
        keep = batch if keep is None else pd.concat([keep, batch], ignore_index=True)
        keep = ordered(keep, query.bound.by).head(query.bound.top)
    if keep is None:  # no rows at all: the columns still come from the store
        return Answer(ordered(store.query(text, used), query.order_by), 0)
    return Answer(keep.reset_index(drop=True), seen - len(keep))


def _from_companions(store: GraphStore, query: Query, given: dict[str, str] | None) -> Answer:
    """The national bounded answer from the query's companions (see COMPANIONS): two small
    reads of load-time facts instead of the whole answer."""
    _q, first, used = _prepared(store, query.name, given, "first")
    rows = ordered(store.query(first, {**used, FIRST_ROWS: query.bound.top}), query.bound.by).head(query.bound.top)
    _q, count, used = _prepared(store, query.name, given, "count")
    total = int(store.query(count, used)["rows"].iloc[0])
    return Answer(rows.reset_index(drop=True), total - len(rows))


def export(store: GraphStore, name: str, given: dict[str, str] | None, out: Path) -> int:
    """Write the whole answer of `name` to the Parquet file `out`, streamed from the store, rows
    in the declared order (`order_by`, then every other column that sorts, so that rows equal
    in those keys are written in one order however the store returned them). The embedded
    store holds the whole answer anyway (ladybug materialises a result), so it is sent without
    its final ORDER BY and put in order with pyarrow (`arrow_order`), which is several times
    faster at national scale; Neo4j orders the records it streams, in batches of
    EXPORT_BATCH_ROWS, by the query's own ORDER BY, and a query without one (a UNION of
    aggregates) is held and ordered by pyarrow too. The file appears whole or not at all.
    Returns the rows written. Raises QueryError for a wrong name or parameter."""
    query, text, used = _prepared(store, name, given)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    # written beside the target and renamed: a half-written file never takes the target's name
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        order = functools.partial(arrow_order, order_by=query.order_by)
        if getattr(store, "dialect", "ladybug") == "neo4j" and FINAL_ORDER.search(text):
            rows = store.export_parquet(text, used, tmp, EXPORT_BATCH_ROWS)
        elif isinstance(store, EmbeddedGraphStore) and (late := _late(store, query, given, text)):
            try:
                rows = store.export_parquet(late[0], used, tmp, EXPORT_BATCH_ROWS, order, late=late[1])
            except OffsetsNotPacked:  # positions past what two to a column hold: one to a column
                sent, gathered = _late(store, query, given, text, pack=False) or (without_final_order(text), None)
                rows = store.export_parquet(sent, used, tmp, EXPORT_BATCH_ROWS, order, late=gathered)
        else:
            rows = store.export_parquet(without_final_order(text), used, tmp, EXPORT_BATCH_ROWS, order)
        shutil.move(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return rows


def _late(
    store: EmbeddedGraphStore, query: Query, given: dict[str, str] | None, text: str, pack: bool = True
) -> tuple[str, LateColumns] | None:
    """The embedded store's export text with some nodes' columns gathered late, and how to put
    its answer together (sanshe/queries/late.py), where the whole answer's rows are known before
    it is computed: from the count companion, where it answers these parameters (the national
    question with its defaults, and the scopes a companion filters by). None elsewhere, and
    without counting anything where the RETURN is not one the rewrite takes."""
    text = without_final_order(text)
    if not query.companions_take(given or {}) or late_columns(text, rows=1, nodes=lambda label: 1) is None:
        return None
    _q, count, used = _prepared(store, query.name, given, "count")
    rows = int(store.query(count, used)["rows"].iloc[0])
    return late_columns(text, rows, store.counts().__getitem__, node_key, pack)


def node_key(label: str) -> str | None:
    """The key property of node label `label` in the graph schema; None for a label it lacks."""
    node = schema().nodes.get(label)
    return node.key if node is not None else None


#: a query text's last clause when it is an ORDER BY on a line of its own (every catalogue
#: query's is); an ORDER BY of several lines is left in place, and the export orders it again
FINAL_ORDER = re.compile(r"\n[ \t]*ORDER BY\b[^\n]*\n*\Z")


def without_final_order(text: str) -> str:
    """`text` without its final ORDER BY line (see FINAL_ORDER), or `text` itself."""
    return FINAL_ORDER.sub("\n", text)


def arrow_order(table: pa.Table, order_by: tuple[str, ...]) -> pa.Array:
    """Row indices putting an answer (Arrow, as the store returns it) in the declared order,
    as `ordered` does: `kind_order` is the hub kinds' reading order (KIND_ORDER, others after),
    a leading `-` sorts descending, empty cells come last. Then every other column of a type
    pyarrow sorts (`_sorts`: not lists or dictionaries) ascending, so that the order does not
    depend on the store's.
    pyarrow's sort is stable, so rows equal throughout keep the store's order, and are equal.

    Text keys but the last are sorted by their rank among the column's distinct values
    (`_text_ranks`, the keys ranked side by side on two threads: pyarrow lets go of the GIL),
    which orders as the text does. The last key and the other columns are sorted by their
    values: a sort compares a column only between rows tied on every column before it, and
    pyarrow's took as long with the other columns as without them. National answers, the
    middle of three tries in one process: poorly-evaluated-still-funded (5.4M rows, three text
    keys, nine columns) 2.7 s sorted by every column's values, 2.0 s with every text key ranked,
    1.1 s with the other columns sorted only after a look for rows tied on the declared keys,
    0.7 s this way; award-eligibility (1.5M rows, its one key a project id, so nothing ranked)
    0.22 s both ways (0.96 s with that key ranked, measured before).

    A dictionary column (an export's columns gathered per node: pipelines/graph/late_columns.py)
    is sorted by its dictionary's ranks wherever it comes, and left out after its node's key
    (`_after_its_key`): the order is the one its decoded values give (tests/test_export_late.py)."""
    keys = table
    if "kind_order" not in table.column_names and "hub_kind" in table.column_names:
        rank = pc.index_in(decoded_column(table["hub_kind"]), value_set=pa.array(list(KIND_ORDER)))
        keys = table.append_column("kind_order", pc.fill_null(rank, len(KIND_ORDER)))
    declared = [(c, "ascending" if up else "descending", "at_end") for c, up in declared_order(order_by)]
    named = {c for c, _, _ in declared}
    rest = [
        (field.name, "ascending", "at_end")
        for field in table.schema
        if field.name not in named and _sorts(field.type) and not _after_its_key(table.schema, field, named)
    ]
    if not declared and not rest:
        return pa.array(range(table.num_rows), pa.uint64())
    # a sort compares the keys before the last on (almost) every comparison, the last only
    # between rows tied on all the others: too few to pay for hashing every row's text to rank it
    # a dictionary column is ranked wherever it comes: ranking its dictionary is cheap
    ranked = [c for c, _, _ in declared[:-1]] + [
        c for c, _, _ in declared[-1:] + rest if pa.types.is_dictionary(keys.schema.field(c).type)
    ]
    dictionaries = _dictionary_ranks([keys[c] for c in ranked])
    ranks = dict(zip(ranked, in_threads(lambda c: _text_ranks(keys[c], dictionaries), ranked), strict=True))
    columns = {c: ranks.get(c, keys[c]) for c, _, _ in declared + rest}
    return pc.sort_indices(pa.table(columns), sort_keys=declared + rest)


def _after_its_key(table_schema: pa.Schema, field: pa.Field, keys: set[str]) -> bool:
    """Whether `field` is a column gathered per node whose node's key is among the declared
    `keys` (columns of `table_schema` marked with late_columns.NODE_FIELD and KEY_FIELD): rows
    tied on that key are rows of one node, so the column orders nothing more, and ranking it
    would only cost time."""
    node = (field.metadata or {}).get(NODE_FIELD)
    return node is not None and any(
        (table_schema.field(k).metadata or {}).get(NODE_FIELD) == node
        and (table_schema.field(k).metadata or {}).get(KEY_FIELD)
        for k in keys
        if k in table_schema.names
    )


def _sorts(kind: pa.DataType) -> bool:
    """Whether pyarrow's `sort_indices` compares values of `kind` within a table (SORTED_KINDS:
    numbers, text, bytes, days and times). A table's sort refuses the others (lists, maps,
    dictionaries, intervals), and a column of nothing but empty cells would order nothing. A
    dictionary of such values sorts (by ranks: `_text_ranks`)."""
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    return any(check(kind) for check in SORTED_KINDS)


#: the type checks of what `_sorts` lets into an answer's order
SORTED_KINDS = tuple(
    getattr(pa.types, f"is_{name}")
    for name in (
        *("integer", "floating", "decimal", "boolean", "string", "large_string"),
        *("binary", "large_binary", "fixed_size_binary", "date", "time", "timestamp", "duration"),
    )
)


def _dictionary_ranks(columns: list[pa.ChunkedArray]) -> dict[tuple, pa.Array]:
    """The rank (uint64, from 1, equal values equal) of each value of each distinct text
    dictionary among `columns`, empty where the value is, keyed by `_held`: columns sharing a
    dictionary (an export's rated and later projects) are ranked once, the dictionaries side
    by side on two threads."""
    found: dict[tuple, pa.Array] = {}
    for column in columns:
        if pa.types.is_dictionary(column.type) and _is_text(column.type.value_type):
            values = one_piece(column).dictionary
            found.setdefault(_held(values), values)

    def ranked(values: pa.Array) -> pa.Array:
        ranks = pc.rank(values, sort_keys="ascending", tiebreaker="dense")
        return pc.if_else(pc.is_null(values), pa.scalar(None, ranks.type), ranks)

    return dict(zip(found, in_threads(ranked, list(found.values())), strict=True))


def _held(values: pa.Array) -> tuple:
    """What tells one array's values from another's: the memory they are held in."""
    return (values.offset, len(values), *(b.address if b is not None else 0 for b in values.buffers()))


def _is_text(kind: pa.DataType) -> bool:
    return pa.types.is_string(kind) or pa.types.is_large_string(kind)


def _text_ranks(column: pa.ChunkedArray, dictionaries: dict[tuple, pa.Array]) -> pa.ChunkedArray | pa.Array:
    """A text column as each value's rank (uint64, from 1) among its distinct values, empty
    cells staying empty; any other column as it is. Sorting the distinct values once and then
    integers is several times faster than comparing every row's text.

    A dictionary column is ranked by its dictionary, which may hold a value more than once
    (late_columns.py: a node table's values by position), so equal values share a rank: the
    ranks `dictionaries` holds for it (`_dictionary_ranks` of the columns ranked); a dictionary of
    numbers is decoded instead, as a number sorts no slower than its rank and pyarrow places
    NaN apart from the other values where a rank would not."""
    if pa.types.is_dictionary(column.type):
        whole = one_piece(column)
        if not _is_text(whole.dictionary.type):
            return decoded_column(whole)
        return pc.take(dictionaries[_held(whole.dictionary)], whole.indices)
    if not _is_text(column.type):
        return column
    encoded = pc.dictionary_encode(_whole(column))
    return pc.take(pc.rank(encoded.dictionary, sort_keys="ascending"), encoded.indices)


def _whole(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    """`column` as one array; text of more than STRING_BYTES_MAX bytes becomes `large_string`
    first, which one piece of `string` cannot hold."""
    if pa.types.is_string(column.type) and column.nbytes > STRING_BYTES_MAX:
        column = column.cast(pa.large_string())
    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column


def listing() -> str:
    """`sanshe query --list`: each query with its parameters, the scopes it takes and its bound."""
    out = []
    for q in catalogue().values():
        params = " ".join(f"[--param {p.name}=…]" for p in q.params)
        scope = f" [--scope {'|'.join(q.scope.levels)}]" if q.scope else ""
        out += [f"{q.name:<30} {q.title_en} · {q.title_zh} {params}{scope}".rstrip(), f"{'':<30} {q.bound.describe()}"]
    return "\n".join(out)


def more_note(query: Query, found: Answer) -> str:
    """The line after a bounded answer: how many rows are not shown and how to see them."""
    scope = " or --scope CODE to narrow it" if query.scope else ""
    return (
        f"… {found.rest:,} more rows not shown ({len(found.rows):,} of {found.total:,}); "
        f"--out FILE.parquet writes them all{scope}"
    )


#: how many divisions the empty-scope note names (the graph's districts near a code it does not hold)
DIVISIONS_NAMED = 5
#: a division level as the empty-scope note says it in Chinese
LEVELS_ZH = {"province": "省级区划", "district": "区县", "street": "街镇", "community": "社区"}


#: a label or relationship type in a pattern of a query text (`(o:SocialOrganisation)`,
#: `-[:RESIDES_IN]->`): the names of the graph schema's among them are what the query reads
PATTERN_NAME = re.compile(r":\s*`?([A-Za-z_][A-Za-z0-9_]*)")


def empty_graph_note(store: GraphStore, query: Query) -> str:
    """The line after an answer with no rows, in English and Chinese: how many nodes of each label
    and relationships of each type the query reads (named in its text, `PATTERN_NAME`) this
    graph holds, then those it holds none of. A relationship far fewer than the nodes
    it may start from can mean a field the registers mostly left blank: a platform export whose
    organisations carry no street gave two RESIDES_IN for 1,296 organisations, and every
    question of the streets organisations reside in comes back empty, which no row of the
    answer could say. Counts the graph's labels and types (store.counts), asked only when the
    answer is empty; "" for a text naming none of the schema's."""
    s = schema()
    read = [name for name in dict.fromkeys(PATTERN_NAME.findall(query.cypher)) if name in s.nodes or name in s.rels]
    if not read:
        return ""
    counts = store.counts(s)
    labels = [name for name in read if name in s.nodes]
    types = [name for name in read if name in s.rels]
    held = "; ".join(
        part
        for part in (
            ", ".join(f"{name} {counts.get(name, 0):,}" for name in labels),
            ", ".join(f"{name} {counts.get(name, 0):,}{_starts(s, counts, name)}" for name in types),
        )
        if part
    )
    empty = [name for name in read if counts.get(name, 0) == 0]
    none = f" It holds no {', '.join(empty)}: the registers loaded gave nothing for them." if empty else ""
    none_zh = f"本图谱没有 {'、'.join(empty)}：所载入的登记表未提供。" if empty else ""
    return (
        f"What {query.name} reads, as this graph holds it (nodes; relationships): {held}.{none} A relationship "
        "much rarer than the nodes it may start from can mean the registers mostly left its field blank. "
        f"本查询读取的节点与关系在本图谱中的数量如上。{none_zh}关系数远少于其起点节点数时，可能是登记表中相应字段大多为空。"
    )


def _starts(s: Schema, counts: dict[str, int], rtype: str) -> str:
    """ " (from 1,296 SocialOrganisation)": the nodes relationships of `rtype` may start from."""
    froms = list(dict.fromkeys(a for a, _b in s.rels[rtype].endpoints))
    return f" (from {' + '.join(f'{counts.get(label, 0):,} {label}' for label in froms)})"


def empty_note(store: GraphStore, query: Query, given: dict[str, str]) -> str:
    """What to say after an answer with no rows: for a scoped question `empty_scope_note`, then
    for any `empty_graph_note`, one per line (an unscoped answer says only the second)."""
    notes = [empty_scope_note(store, query, given) if given.get(SCOPE) else "", empty_graph_note(store, query)]
    return "\n".join(note for note in notes if note)


def empty_scope_note(store: GraphStore, query: Query, given: dict[str, str]) -> str:
    """The line after an answer with no rows for the parameters `given` (its `scope` a division
    code), in English and Chinese, telling an empty answer from a code the graph does not hold:

    - communities of the graph in the scope: how many, that the query has no rows there (with
      the other parameters given, which may be what empties it), and what its scope selects
      (catalogue.yaml `scope.by`: a query reading the street an organisation resides in finds
      nothing where the organisations give none);
    - no community, but the division itself (a district merged away, a street no committee
      list names): that the graph holds it and no community in it;
    - neither: that no division of the graph has such a code, to check it, with the graph's
      first DIVISIONS_NAMED districts of the code's province (of the country when it has none).

    Parameterised reads only, asked only when the answer is empty. Raises QueryError for a
    `scope` that is not a division code."""
    code = given[SCOPE]
    level, prefix = scope_level(code)
    zh = LEVELS_ZH[level]
    found = store.query("MATCH (c:Community) WHERE c.code STARTS WITH $scope RETURN count(c) AS n", {"scope": prefix})
    n = int(found["n"].iloc[0])
    if n:
        others = ", ".join(f"{k}={v}" for k, v in sorted(given.items()) if k != SCOPE and v)
        by = f" (its scope selects {query.scope.by})" if query.scope else ""
        one = n == 1
        return (
            f"No rows: {n:,} {'community' if one else 'communities'} of this graph {'is' if one else 'are'} "
            f"in {level} {code}, but {query.name} has no rows there{f' with {others}' if others else ''}{by}. "
            f"本图谱在此{zh}（{code}）有 {n:,} 个社区，但本查询{f'（{others}）' if others else ''}在此没有结果。"
        )
    # no community: the division itself may be held (a community code names no division of its own)
    held = _divisions(store, "Street" if level == "street" else "District", prefix) if level != "community" else ()
    if len(held):
        named = _named(held)
        return (
            f"No rows: this graph holds {named} but no community in it (a division merged away, or one "
            f"no committee list names), so {query.name} has nothing there. "
            f"本图谱有 {named}，但其下没有社区，本查询在此没有结果。"
        )
    near = _divisions(store, "District", prefix[:2])
    near = near if len(near) else _divisions(store, "District", "")
    return (
        f"No rows: no division of this graph has a code starting with {prefix} ({level} {code}); check the code. "
        f"本图谱没有代码以 {prefix} 开头的{zh}，请核对代码。"
        + (
            f" Districts of this graph · 本图谱的区县: {_named(near)}"
            if len(near)
            else " The graph holds no district · 本图谱没有区县。"
        )
    )


def _divisions(store: GraphStore, label: str, prefix: str) -> pd.DataFrame:
    """The first DIVISIONS_NAMED + 1 nodes of `label` (District or Street) whose code starts with
    `prefix`, by code: columns code, name."""
    return store.query(
        f"MATCH (d:{label}) WHERE d.code STARTS WITH $scope RETURN d.code AS code, d.name AS name ORDER BY code LIMIT $n",
        {"scope": prefix, "n": DIVISIONS_NAMED + 1},
    )


def _named(divisions: pd.DataFrame) -> str:
    """ "310106 静安区, 310108 闸北区": the first DIVISIONS_NAMED, and "…" when there are more."""
    shown = divisions.head(DIVISIONS_NAMED)
    more = " …" if len(divisions) > DIVISIONS_NAMED else ""
    return ", ".join(f"{c} {nm}" for c, nm in zip(shown["code"], shown["name"], strict=True)) + more


KIND_ORDER = {"federation": 0, "street": 1, "industry": 2}


def ordered(df: pd.DataFrame, order_by: tuple[str, ...]) -> pd.DataFrame:
    """Rows in the catalogue's declared order. `kind_order` sorts hub kinds as the network reads
    (federation, street, industry); a leading `-` sorts that column descending."""
    if not order_by or df.empty:
        return df
    keys = df.assign(kind_order=df["hub_kind"].map(KIND_ORDER)) if "hub_kind" in df else df
    cols, ascending = zip(*declared_order(order_by), strict=True)
    idx = keys.sort_values(list(cols), ascending=list(ascending), kind="stable").index
    return df.loc[idx].reset_index(drop=True)


def declared_order(order_by: tuple[str, ...]) -> list[tuple[str, bool]]:
    """A catalogue `order_by` as (column, ascending) pairs: a leading `-` sorts descending.
    Read by `ordered` (bounded answers) and `arrow_order` (exports) alike."""
    return [(c.removeprefix("-"), not c.startswith("-")) for c in order_by]


def tidy(df: pd.DataFrame) -> pd.DataFrame:
    """Dates as YYYY-MM-DD, money and ratios to 2 decimals, lists as text."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_datetime64_any_dtype(s):
            out[col] = s.dt.strftime("%Y-%m-%d").where(s.notna(), None)
        elif pd.api.types.is_float_dtype(s):
            out[col] = s.round(2)
    return out


def render(df: pd.DataFrame, fmt: str) -> str:
    df = tidy(df)
    if fmt == "json":
        return json.dumps(json.loads(df.to_json(orient="records", force_ascii=False)), ensure_ascii=False, indent=2)
    if fmt == "csv":
        return df.to_csv(index=False, lineterminator="\n")
    if df.empty:
        return "(no rows)"
    shown = df.astype(object).where(df.notna(), "")
    for col in df.columns:
        if pd.api.types.is_float_dtype(df[col]):
            shown[col] = [f"{v:,.2f}".rstrip("0").rstrip(".") if v != "" else "" for v in shown[col]]
    # Chinese takes two terminal columns: tabulate pads by display width when wcwidth (a
    # runtime dependency) is there; the mode is set here so every environment prints the same
    import tabulate

    tabulate.WIDE_CHARS_MODE = True
    return shown.to_markdown(index=False, tablefmt="simple", disable_numparse=True)


def neo4j_cookbook() -> str:
    """docs/neo4j-queries.md: every catalogue query as it runs on Neo4j 5."""
    out = [
        "<!-- Generated from sanshe/queries/ by `sanshe schema generate`. Do not edit. -->",
        "# Query cookbook for Neo4j",
        "",
        "Every catalogue query in the form that runs on Neo4j 5 (Browser, Bloom, cypher-shell, or",
        "`SANSHE_GRAPH=neo4j sanshe query NAME`). Parameters are passed as parameters: in Neo4j",
        "Browser set them first, e.g. `:param as_of => date('2014-12-31')`, `:param year => 2024`.",
        "A line ending in `// when $name` is an optional filter: it is sent only when that",
        "parameter is given (not its default), so Neo4j plans the filtered query with its index.",
        "Queries marked *Neo4j form* differ from the embedded store's Cypher; the others are the",
        "same text for both. All are checked by Neo4j's own linter in the test suite.",
        "`$scope` is a division code prefix (`'31'`, `'310106'`, `'310106006'` or a 12-digit community",
        "code; docs/queries.md says what each query's scope selects); its lines are optional filters.",
        "",
    ]
    for q in catalogue().values():
        tag = "Neo4j form" if q.has_neo4j_variant else "same for both stores"
        out += [f"## `{q.name}` · {q.title_en} ({tag})", "", q.answers, ""]
        if q.params:
            out += [
                "Parameters: "
                + ", ".join(
                    f"`${p.name}` ({p.type}, default {'the snapshot date' if p.default == SNAPSHOT_DEFAULT else repr(p.default)})"
                    for p in q.params
                )
                + (", `$scope` (string, default '')" if q.scope else ""),
                "",
            ]
        out += ["```cypher", q.cypher_for("neo4j").strip(), "```", ""]
    return "\n".join(out)


def catalogue_doc() -> str:
    """docs/queries.md, generated from catalogue.yaml and the .cypher files."""
    out = [
        "<!-- Generated from sanshe/queries/ by `sanshe schema generate`. Do not edit. -->",
        "# Query catalogue",
        "",
        "Named, parameterised Cypher queries over the graph. Run one with",
        "`sanshe query NAME [--param k=v ...] [--as-of YYYY-MM-DD] [--scope CODE] [--format table|json|csv]`",
        "(`--as-of D` is `--param as_of=D`, for the queries that take it); list them with",
        "`sanshe query --list`. Each has an oracle test (tests/test_queries_oracle.py) that",
        "computes the same answer with pandas from the validated tables, whole, scoped and bounded.",
        "",
        "**Scope.** `--scope CODE` narrows a query to one division, by the prefix of the codes the",
        "graph stores: a "
        + ", a ".join(f"{level} is the first {digits} digits" for level, digits in LEVELS.items())
        + " (a 12-digit code ending 000 is a street, a 6-digit one ending 0000 a province).",
        "Codes are the registers' current ones: a street that a merger moved into another district",
        "keeps its code. Each query says which levels it takes and what the scope selects.",
        "An answer with no rows for a scope says why it may be empty: how many communities of the",
        "graph are in the scope, the other parameters given and what the query's scope selects; when",
        "no community is, whether the graph holds the division itself (a district merged away), or",
        "else that no division of the graph has the code (check it), naming districts of its province.",
        "Any answer with no rows, scoped or not, also says how many nodes of each label and",
        "relationships of each type the query reads the graph holds, each type with the nodes it may",
        "start from: a relationship much rarer than those (two RESIDES_IN for 1,296 organisations, from a",
        "platform export giving no street) is a field the registers mostly left blank, and no matching",
        "row could be found for it.",
        "",
        "**Optional lines.** A line ending in `// when $name` is sent only when that parameter is",
        "given (an optional filter), one ending in `// unless $name` only when it is not (the",
        "embedded store's join-order HINTs for a national answer, which a scoped answer is better",
        "planned without). Values are always sent as parameters.",
        "",
        "**Bound.** Without `--out`, a query prints a bounded answer: its first rows by a ranking and",
        "a line saying how many more there are, or, where the answer is a handful of aggregates, all",
        "of it. `sanshe query NAME --out FILE.parquet` writes the whole answer (scoped or not) to a",
        "Parquet file, its rows in the query's declared order (then by every other column, so that",
        "the same graph always gives the same file). Neo4j streams it in batches. The embedded store",
        "holds a whole answer anyway, so it is sent without its ORDER BY and sorted by pyarrow; it is",
        "handed over as Arrow in one piece where its text fits 32-bit offsets (ladybug 0.22 gives a",
        "piece of more than 2 GiB of text back broken, so `store._as_arrow` bounds and checks the",
        "pieces). A national answer with at least as many rows as a node table has nodes (its count",
        "companion says so before it is computed) is asked for those nodes' positions rather than",
        "their columns, and each node table is read once, while the store computes the answer",
        "(pipelines/graph/late_columns.py): the same file, byte for byte, handed over faster, as the",
        "rows repeat each organisation and project.",
        "",
        "**Filters on a relationship in the embedded store.** ladybug 0.22 loses a relationship's",
        "property filter in one MATCH whose pattern goes on past that relationship: the federation's",
        "district, a street in it by IN_DISTRICT on the day and the organisations of that street, in",
        "one pattern, gave unattached-organisations scoped to the sample's district 522 rows instead",
        "of 116 with the relationships copied in another order, and in a small graph of that shape",
        "a street that left the district and came back was answered wrongly with its relationships",
        "sorted by (from, to, valid_from). Which rows it keeps depends",
        "on the order of a node's relationships in the store, so the oracle tests alone cannot show",
        "it. A catalogue text therefore ends a pattern at a filtered relationship's far node and",
        "goes on from it in a MATCH of its own; tests/test_relationship_order.py checks every query,",
        "whole and scoped, on the sample's graph with one street given such a history: its answers",
        "do not change when every relationship table is copied in reverse, nor, on a day, when the",
        "relationships that did not hold that day are taken out. Write your own queries so too.",
        "",
        "**Facts computed at load time.** Some national answers would otherwise walk every",
        "provider's history for each of a million awards, or group a million rows per call. The",
        "graph load computes those facts once (a project's `community_count` and its provider's",
        "standing on the award day, an evaluation's `later_awards`, the totals of streets,",
        "committees, hubs and purchasers, the years each hub membership counts on, who was outside",
        "the hub network; `pipelines/graph/standing.py`), each checked against the detailed",
        "relationships by tests/test_graph_standing.py or the oracle tests. A query whose bound",
        "with its default parameters is answered by two small companion queries",
        "(`NAME.first.cypher`, its first rows, and `NAME.count.cypher`, how many rows the whole",
        "answer has) shows them below; they answer a scope too when their text filters on",
        "`$scope`, and the oracle tests check that they agree with the whole answer.",
        "",
    ]
    for q in catalogue().values():
        out += [f"## `{q.name}` · {q.title_zh} · {q.title_en}", "", q.answers, ""]
        scope = f"({', '.join(q.scope.levels)}): {q.scope.by}" if q.scope else ": none (the query names its community)"
        out += [f"Scope {scope}. Default answer: {q.bound.describe()}.", ""]
        if q.params:
            out += ["| parameter | type | default | meaning |", "|---|---|---|---|"]
            out += [
                f"| `{p.name}` | {p.type} | `{p.default}` | {p.help}"
                + (f" (one of {', '.join(p.choices)})" if p.choices else "")
                + " |"
                for p in q.params
            ]
            out.append("")
        out += ["```cypher", q.cypher.strip(), "```", ""]
        if q.has_companions:
            for kind in COMPANIONS:
                out += [
                    f"Its default bound, `{q.name}.{kind}.cypher`:",
                    "",
                    "```cypher",
                    q.cypher_for("", kind).strip(),
                    "```",
                    "",
                ]
    return "\n".join(out)
