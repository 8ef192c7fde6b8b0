"""The query catalogue: named, parameterised Cypher queries in files, described in
catalogue.yaml. Parameters are always passed to the store as parameters, never pasted into text."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd
import yaml

HERE = Path(__file__).parent
CASTS = {"int": int, "float": float, "string": str, "date": dt.date.fromisoformat}


class QueryError(ValueError):
    pass


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: object
    help: str


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
        return (HERE / f"{self.name}.cypher").read_text(encoding="utf-8")

    def bind(self, given: dict[str, str]) -> dict[str, object]:
        """Declared parameters with defaults, overridden by `given` (text from the command line)."""
        known = {p.name: p for p in self.params}
        unknown = set(given) - set(known)
        if unknown:
            raise QueryError(f"{self.name}: unknown parameter(s) {', '.join(sorted(unknown))}; "
                             f"it takes: {', '.join(known) or 'none'}")
        out = {}
        for p in self.params:
            raw = given.get(p.name)
            try:
                out[p.name] = CASTS[p.type](raw) if raw is not None else p.default
            except ValueError as err:
                raise QueryError(f"{self.name}: parameter {p.name} must be a {p.type}: {raw!r}") from err
        return out


@cache
def catalogue() -> dict[str, Query]:
    raw = yaml.safe_load((HERE / "catalogue.yaml").read_text(encoding="utf-8"))
    out = {}
    for q in raw:
        params = tuple(Param(p["name"], p["type"], p["default"], p["help"]) for p in q.get("params", []))
        query = Query(q["name"], q["title"]["zh"], q["title"]["en"], q["answers"].strip(), params,
                      tuple(q.get("order_by", [])))
        if not (HERE / f"{query.name}.cypher").exists():
            raise QueryError(f"catalogue.yaml names {query.name} but {query.name}.cypher is missing")
        out[query.name] = query
    return out


def get(name: str) -> Query:
    try:
        return catalogue()[name]
    except KeyError:
        raise QueryError(f"no query named {name!r}; `sanshe query --list` shows them") from None


def execute(store, name: str, given: dict[str, str] | None = None) -> pd.DataFrame:
    """Run catalogue query `name` on a graph store with command-line style parameters."""
    query = get(name)
    df = store.query(query.cypher, query.bind(given or {}))
    if query.order_by:
        df = df.sort_values(list(query.order_by), kind="stable").reset_index(drop=True)
    return df


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
    return shown.to_markdown(index=False, tablefmt="simple", disable_numparse=True)


def catalogue_doc() -> str:
    """docs/queries.md, generated from catalogue.yaml and the .cypher files."""
    out = ["<!-- Generated from sanshe/queries/ by `sanshe schema generate`. Do not edit. -->",
           "# Query catalogue", "",
           "Named, parameterised Cypher queries over the graph. Run one with",
           "`sanshe query NAME [--param k=v ...] [--format table|json|csv]`; list them with",
           "`sanshe query --list`. Each has an oracle test (tests/test_queries_oracle.py) that",
           "computes the same answer with pandas from the validated tables.", ""]
    for q in catalogue().values():
        out += [f"## `{q.name}` · {q.title_zh} · {q.title_en}", "", q.answers, ""]
        if q.params:
            out += ["| parameter | type | default | meaning |", "|---|---|---|---|"]
            out += [f"| `{p.name}` | {p.type} | `{p.default!r}` | {p.help} |" for p in q.params]
            out.append("")
        out += ["```cypher", q.cypher.strip(), "```", ""]
    return "\n".join(out)
