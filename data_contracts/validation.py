"""Running a contract over a table: `validate_frame` returns the accepted rows and one issue per
broken rule. A row with any error is quarantined whole; warnings are reported and the row is
kept. Nothing is dropped silently: read = accepted + quarantined.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from . import identifiers as ids
from .base import Contract, empty_table, inner_types
from .column_pass import ColumnPass
from .distinct import distinct_text
from .forked import map_forked
from .rules import RULES, Severity, message

ISSUE_COLUMNS = [
    "source",
    "file",
    "row",
    "column",
    "field",
    "rule",
    "severity",
    "value",
    "message_zh",
    "message_en",
]

_PYDANTIC_RULES = {
    "missing": "required",
    "string_type": "required",
    "float_parsing": "number_format",
    "float_type": "number_format",
    "int_parsing": "integer_format",
    "int_from_float": "integer_format",
    "int_type": "integer_format",
    "date_parsing": "date_format",
    "date_from_datetime_parsing": "date_format",
    "date_from_datetime_inexact": "date_format",
    "date_type": "date_format",
    "greater_than_equal": "non_negative",
    "less_than_equal": "out_of_range",
    "bool_parsing": "bool_format",
    "string_pattern_mismatch": "code_format",
}


@dataclass
class Validated:
    """What a contract run returns: rows kept, rows quarantined, and every issue found."""

    accepted: pd.DataFrame
    issues: pd.DataFrame
    rows_read: int
    rows_quarantined: int
    #: columns in the file that the contract does not know: reported, never dropped silently
    unknown_columns: list[str]


def issue(
    model: type[Contract],
    file: str,
    row: int,
    field: str | None,
    rule: str,
    value: Any,
    /,
    severity: Severity | None = None,
    **ctx: Any,
) -> dict[str, Any]:
    """One issue row. Positional-only parameters leave every keyword free for message context.
    `severity` defaults to the rule's own (rules.py); only a soft field's demotion overrides it."""
    zh, en = message(rule, **ctx)
    shown = "" if value is None else str(value)
    if field in model.personal and shown:
        shown = ids.mask(shown)
    return {
        "source": model.source,
        "file": file,
        "row": row,
        "column": model.header(field) if field else "",
        "field": field or "",
        "rule": rule,
        "severity": severity or RULES[rule].severity,
        "value": shown,
        "message_zh": zh,
        "message_en": en,
    }


#: below this many rows a table is checked in this process alone: forking and handing the result
#: back cost more than the other core saves
SHARED_FROM_ROWS = 20_000
#: this process's share of the rows against one child's: a child also writes what it found into
#: new memory, which this process maps (handed_back.py). A probe on the national projects
#: register (not in benchmarks/, two processes): at 1.15 this process waited 0.7-1.6 s for the
#: child after its own share (the child's writing took 1.9-2.6 s), at 1.35 never, the child done
#: first by an unmeasured margin; this process's share moves by about 0.8 s per 0.2
_OWN_SHARE = 1.25


def validate_frame(
    raw: pd.DataFrame,
    model: type[Contract],
    snapshot: dt.date,
    units: dict[str, int] | None = None,
    synthetic: bool = False,
    workers: int = 1,
    shared_from: int | None = None,
) -> Validated:
    """Validate every row of `raw` (text cells plus `_file` and `_row`) against `model`, as of
    `snapshot` (no date after it). `units` gives yuan per unit for amount fields whose column
    header named one (万元). `synthetic` (the manifest's `synthetic: true`) declares made-up
    people: ID numbers may then carry the test address code 000000.

    The column pass (column_pass.py) checks each distinct cell once and runs the model's
    cross-field rules on the rows whose cells all pass. The rows it cannot vouch for go through
    the whole model here, which names every rule they break: the model stays the one definition
    of the contract, and the column pass only decides which rows need it.

    Rows are judged one by one, so a table of at least `shared_from` rows (default
    SHARED_FROM_ROWS) is cut into `workers` runs of rows, checked in as many processes
    (forked.py) and put back in order: the result is the one a single process gives, column
    types included (tests/test_forked_checks.py)."""
    if (whole_file := missing_columns(raw, model)) is not None:
        return whole_file
    context = {"snapshot": snapshot, "units": units or {}, "synthetic": synthetic}
    shared_from = SHARED_FROM_ROWS if shared_from is None else shared_from
    runs = _runs(len(raw), workers if len(raw) >= shared_from else 1)
    judged = map_forked(lambda run: _judge(raw.iloc[run[0] : run[1]], model, context), runs, workers)
    issues = [i for _, found in judged for i in found]
    accepted = _joined([table for table, _ in judged], model)
    quarantined = {(i["file"], i["row"]) for i in issues if i["severity"] == Severity.ERROR}
    return Validated(accepted, issues_frame(issues), len(raw), len(quarantined), unknown_columns(raw, model))


def _runs(n: int, workers: int) -> list[tuple[int, int]]:
    """`n` rows cut into `workers` runs [start, stop), the first (this process's) a little longer."""
    weights = np.array([_OWN_SHARE] + [1.0] * (max(workers, 1) - 1))
    bounds = np.rint(np.concatenate([[0], np.cumsum(weights)]) / weights.sum() * n).astype(int)
    return [(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:], strict=True) if b > a] or [(0, n)]


def _judge(
    raw: pd.DataFrame, model: type[Contract], context: dict[str, Any]
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """The accepted rows of `raw` and the issues of all its rows, in row order."""
    by_alias = {model.header(f): f for f in model.model_fields}
    columns = [c for c in raw.columns if c in by_alias]
    snapshot = context["snapshot"]
    cols = ColumnPass.run(model, raw, columns, context)
    files, rows = raw["_file"].tolist(), [int(r) for r in raw["_row"].tolist()]
    found: list[tuple[int, dict[str, Any]]] = []  # (position, issue): sorted back into row order
    for i, f in cols.findings:
        found.append((i, issue(model, files[i], rows[i], f.field, f.rule, cols.value(f.field, i), **f.ctx)))
    context = {**context, "precleaned": True}
    keep = ~cols.whole
    for i in np.flatnonzero(cols.whole).tolist():
        fields = _validate_row(
            model, by_alias, context, snapshot, files[i], rows[i], cols.clean_row(i), cols.written_row(i), found, i
        )
        if fields is not None:
            keep[i] = True
            cols.replace_row(i, fields)
    found.sort(key=lambda pair: pair[0])
    accepted = cols.table(keep, raw["_file"], raw["_row"], raw.get("_asof", None))
    return accepted, [i for _, i in found]


def _joined(tables: list[pd.DataFrame], model: type[Contract]) -> pd.DataFrame:
    """The accepted rows of consecutive runs as one table, typed as one run of them all would be:
    a column is made from Python values and pandas infers its type from the values it is given, so
    a run whose amounts are all empty holds objects where the others hold floats. Such a column is
    inferred again from all its values."""
    filled = [t for t in tables if len(t)]
    if len(filled) <= 1:
        return filled[0] if filled else empty_table(model)
    table = pd.concat(filled, ignore_index=True)
    for c in table.columns:
        if len({t[c].dtype for t in filled}) > 1:
            table[c] = pd.Series(table[c].tolist(), dtype=None)
    return table


def unknown_columns(raw: pd.DataFrame, model: type[Contract]) -> list[str]:
    """Columns of the file the contract does not know: reported, never dropped silently."""
    known = set(model.headers())
    return [c for c in raw.columns if c not in known and not c.startswith("_")]


def missing_columns(raw: pd.DataFrame, model: type[Contract]) -> Validated | None:
    """Without a required column no row can be judged: the whole file is quarantined, one entry
    per row, so the accounting still adds up. None when every required column is there."""
    by_alias = {model.header(f): f for f in model.model_fields}
    missing = [model.header(f) for f in model.required_columns() if model.header(f) not in raw.columns]
    if not missing:
        return None
    issues = [
        issue(model, file, int(row), by_alias[missing[0]], "missing_column", None, column="、".join(missing))
        for file, row in zip(raw["_file"], raw["_row"], strict=True)
    ]
    return Validated(empty_table(model), issues_frame(issues), len(raw), len(raw), unknown_columns(raw, model))


def _validate_row(
    model: type[Contract],
    by_alias: dict[str, str],
    context: dict[str, Any],
    snapshot: dt.date,
    file: str,
    row: int,
    data: dict[str, Any],
    written: dict[str, Any],
    found: list[tuple[int, dict[str, Any]]],
    at: int,
) -> dict[str, Any] | None:
    """One row through the whole model: its issues go to `found`; its fields if it is kept."""
    try:
        obj = model.model_validate(data, context=context)
    except ValidationError as err:
        errors = [_issue_of(model, by_alias, file, row, written, e) for e in err.errors()]
        soft = {i["field"] for i in errors} <= model.soft
        if soft:  # only soft fields broke: report them, leave them empty, keep the row
            try:
                obj = model.model_validate(
                    {k: v for k, v in data.items() if by_alias.get(k) not in model.soft}, context=context
                )
            except ValidationError:
                soft = False
        found.extend((at, {**i, "severity": Severity.WARNING} if soft else i) for i in errors)
        if not soft:
            return None
    for f in obj.warnings(snapshot):
        found.append((at, issue(model, file, row, f.field, f.rule, getattr(obj, f.field, None), **f.ctx)))
    return dict(obj.__dict__)


def _issue_of(
    model: type[Contract], by_alias: dict[str, str], file: str, row: int, data: dict[str, Any], e: Any
) -> dict[str, Any]:
    """One pydantic error as an issue row, named by the rule it broke."""
    ctx = dict(e.get("ctx") or {})
    field = str(e["loc"][0]) if e["loc"] else ctx.pop("_at", None)
    ctx.pop("_at", None)
    field = by_alias.get(field, field)
    rule = e["type"] if e["type"] in RULES else _PYDANTIC_RULES.get(e["type"], "value_not_allowed")
    if e["type"] == "greater_than_equal" and ctx.get("ge") not in (0, 0.0):
        rule = "out_of_range"  # "must not be negative" only fits a floor of zero
    if rule == "out_of_range":
        ctx = {"low": ctx.get("ge", ""), "high": ctx.get("le", "")}
    if rule == "code_format":
        ctx = {"example": _example(model, field)}
    raw_value = data.get(model.header(field)) if field else None
    return issue(model, file, row, field, rule, raw_value, **ctx)


def _example(model: type[Contract], field: str | None) -> str:
    """An example of a field's form, from the `examples` its constraint declares."""
    info = model.model_fields.get(field or "")
    for meta in [info, *(info.metadata if info else [])]:
        examples = getattr(meta, "examples", None)
        if examples:
            return str(examples[0])
    for t in inner_types(info.annotation) if info else ():
        for meta in getattr(t, "__metadata__", ()):
            if getattr(meta, "examples", None):
                return str(meta.examples[0])
    return "…"


def issues_frame(issues: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(issues, columns=ISSUE_COLUMNS).astype({"row": "int64"})


def drop_duplicates(
    frame: pd.DataFrame, model: type[Contract], key: tuple[str, ...] | None = None, rule: str = "duplicate_key"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Keep the last record per key (a later line of a register supersedes an earlier one);
    the superseded rows are quarantined, each pointing at the row that was kept."""
    key = key or model.key
    if frame.empty:
        return frame, issues_frame([])
    # a register of one snapshot: its first key column alone repeats no value (with several
    # snapshots it does, and the look (0.2 s for 1.5 million rows) finds nothing to skip)
    if distinct_text(frame[key[0]]):
        return frame.reset_index(drop=True), issues_frame([])
    repeated = frame.duplicated(list(key), keep=False).to_numpy(bool)
    if not repeated.any():  # nearly always: no Python value per row
        return frame.reset_index(drop=True), issues_frame([])
    kept_rows = ~frame.duplicated(list(key), keep="last").to_numpy(bool)  # by position, whatever the index
    last, dropped = frame[kept_rows], frame[~kept_rows]
    holders = frame[kept_rows & repeated]  # the rows kept over another
    kept = {
        tuple(k): (f, r)
        for k, f, r in zip(
            holders[list(key)].itertuples(index=False), holders["_file"].tolist(), holders["_row"].tolist(), strict=True
        )
    }
    out = []
    for rec in dropped.to_dict("records"):
        kept_file, kept_row = kept[tuple(rec[c] for c in key)]
        out.append(
            issue(
                model,
                rec["_file"],
                rec["_row"],
                key[0],
                rule,
                rec[key[0]],
                key=model.header(key[0]),
                kept_file=kept_file,
                kept_row=int(kept_row),
            )
        )
    return last.reset_index(drop=True), issues_frame(out)
