"""The query catalogue: named, parameterised Cypher queries in files, described in
catalogue.yaml. Parameters are always passed to the store as parameters, never pasted into text."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from data_contracts.errors import QueryError
from pipelines.graph.protocol import GraphStore

HERE = Path(__file__).parent
CASTS: dict[str, Callable[[str], Any]] = {"int": int, "float": float, "string": str, "date": dt.date.fromisoformat}
#: how a message names each parameter type
TYPE_WORDS = {"int": "an integer", "float": "a number", "string": "text", "date": "a date (YYYY-MM-DD)"}

#: a line that ends in `// when $name` filters on an optional parameter: it is kept only when
#: that parameter is given (differs from its declared default). Neo4j plans a query text once
#: and caches the plan, so `($year = 0 OR p.year = $year)` gets one plan for both cases, a label
#: scan; leaving the line out when the filter is off gives each case its own text, and the
#: filtered one an index seek. Values are still passed as parameters, never pasted in.
OPTIONAL_LINE = re.compile(r"^(?P<code>.*?)\s*//\s*when \$(?P<param>\w+)\s*\Z")

#: a date parameter whose default is the data's snapshot date, read from the graph's Dataset node
SNAPSHOT_DEFAULT = "snapshot"


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: object
    help: str
    choices: tuple[str, ...] = ()
    min: int | None = None


@dataclass(frozen=True)
class Query:
    name: str
    title_zh: str
    title_en: str
    answers: str
    params: tuple[Param, ...]
    order_by: tuple[str, ...]

    @property
    def cypher(self) -> str:
        """The query in the embedded store's dialect (portable Cypher where that suffices)."""
        return (HERE / f"{self.name}.cypher").read_text(encoding="utf-8")

    @property
    def has_neo4j_variant(self) -> bool:
        return (HERE / f"{self.name}.neo4j.cypher").exists()

    def cypher_for(self, dialect: str) -> str:
        """`<name>.neo4j.cypher` where the embedded store's Cypher is not Neo4j's, else the one file."""
        if dialect == "neo4j" and self.has_neo4j_variant:
            return (HERE / f"{self.name}.neo4j.cypher").read_text(encoding="utf-8")
        return self.cypher

    def text_for(self, dialect: str, params: dict[str, object]) -> str:
        """The query to send: `cypher_for(dialect)` with each optional-filter line (see
        OPTIONAL_LINE) kept, without its marker, when its parameter differs from the default,
        and dropped when not. Raises QueryError for a marker naming an undeclared parameter."""
        defaults = {p.name: p.default for p in self.params}
        out = []
        for line in self.cypher_for(dialect).splitlines():
            m = OPTIONAL_LINE.match(line)
            if not m:
                out.append(line)
                continue
            if m["param"] not in defaults:
                raise QueryError(f"{self.name}: `// when ${m['param']}` names no declared parameter")
            if params.get(m["param"], defaults[m["param"]]) != defaults[m["param"]]:
                out.append(m["code"])
        return "\n".join(out) + "\n"

    def bind(self, given: dict[str, str], snapshot: dt.date | None = None) -> dict[str, object]:
        """Declared parameters with defaults, overridden by `given` (text from the command line).
        `snapshot` fills date parameters whose default is the data's snapshot date."""
        known = {p.name: p for p in self.params}
        unknown = set(given) - set(known)
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
        return out

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
        query = Query(
            q["name"], q["title"]["zh"], q["title"]["en"], q["answers"].strip(), params, tuple(q.get("order_by", []))
        )
        if not (HERE / f"{query.name}.cypher").exists():
            raise QueryError(f"catalogue.yaml names {query.name} but {query.name}.cypher is missing")
        out[query.name] = query
    return out


def get(name: str) -> Query:
    try:
        return catalogue()[name]
    except KeyError:
        raise QueryError(f"no query named {name!r}; `sanshe query --list` shows them") from None


def execute(store: GraphStore, name: str, given: dict[str, str] | None = None) -> pd.DataFrame:
    """Run catalogue query `name` on a graph store with command-line style parameters."""
    query = get(name)
    snapshot = None
    if query.needs_snapshot:
        found = store.query("MATCH (d:Dataset) RETURN d.snapshot_date AS day")
        snapshot = pd.Timestamp(found["day"].iloc[0]).date() if len(found) else None
    params = query.bind(given or {}, snapshot)
    text = query.text_for(getattr(store, "dialect", "ladybug"), params)
    # only the parameters the text still uses: a dropped filter's parameter is not sent
    used = {k: v for k, v in params.items() if re.search(rf"\${k}\b", text)}
    df = store.query(text, used)
    return ordered(df, query.order_by)


KIND_ORDER = {"federation": 0, "street": 1, "industry": 2}


def ordered(df: pd.DataFrame, order_by: tuple[str, ...]) -> pd.DataFrame:
    """Rows in the catalogue's declared order. `kind_order` sorts hub kinds as the network reads
    (federation, street, industry); a leading `-` sorts that column descending."""
    if not order_by or df.empty:
        return df
    keys = df.assign(kind_order=df["hub_kind"].map(KIND_ORDER)) if "hub_kind" in df else df
    cols = [c.lstrip("-") for c in order_by]
    idx = keys.sort_values(cols, ascending=[not c.startswith("-") for c in order_by], kind="stable").index
    return df.loc[idx].reset_index(drop=True)


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
                ),
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
        "`sanshe query NAME [--param k=v ...] [--as-of YYYY-MM-DD] [--format table|json|csv]`",
        "(`--as-of D` is `--param as_of=D`, for the queries that take it); list them with",
        "`sanshe query --list`. Each has an oracle test (tests/test_queries_oracle.py) that",
        "computes the same answer with pandas from the validated tables.",
        "",
    ]
    for q in catalogue().values():
        out += [f"## `{q.name}` · {q.title_zh} · {q.title_en}", "", q.answers, ""]
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
    return "\n".join(out)
