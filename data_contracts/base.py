"""The shared machinery of every source contract.

A contract is a pydantic model whose fields carry the source's Chinese column header as alias.
`validate_frame` runs it over a raw table (all cells as text) and returns the accepted rows
and one issue per broken rule. A row with any error is quarantined whole; warnings are
reported and the row is kept. Nothing is dropped silently: read = accepted + quarantined.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated, Any, ClassVar, get_args

import pandas as pd
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic_core import PydanticCustomError

from . import identifiers as ids
from . import values
from .rules import RULES, SEVERITY_ERROR, SEVERITY_WARNING, message

ISSUE_COLUMNS = [
    "source", "file", "row", "column", "field", "rule", "severity", "value", "message_zh", "message_en",
]
#: the spreadsheet row of the first data row (row 1 is the header)
FIRST_DATA_ROW = 2


def fail(rule: str, *, at: str | None = None, **ctx: Any) -> PydanticCustomError:
    """The error for a broken rule. `at` names the field when raised from a model validator
    (whose errors carry no location), so the report can still point at a column."""
    return PydanticCustomError(rule, message(rule, **ctx)[1], {**ctx, "_at": at} if at else ctx or None)


# --- field types --------------------------------------------------------------------------

@lru_cache(maxsize=1 << 18)
def _uscc_problems(v: str) -> tuple[str, ...]:
    # providers and purchasers recur on thousands of rows: check each code once
    return tuple(ids.uscc_problems(v))


def _uscc(v: str) -> str:
    v = v.upper()
    for rule in _uscc_problems(v):
        if rule == "uscc_check_char":
            raise fail(rule, expected=ids.uscc_check_char(v[:17]))
        if rule == "uscc_org_code_check":
            raise fail(rule, expected=ids.org_code_check_char(v[8:16]))
        raise fail(rule)
    return v


def _division(digits: int):
    def check(v: str) -> str:
        if not (len(v) == digits and v.isdigit()):
            raise fail("division_code_format", digits=digits)
        return v

    return check


def one_of(values: Iterable[str]):
    allowed = list(values)

    def check(v: str) -> str:
        if v not in allowed:
            raise fail("value_not_allowed", allowed=allowed)
        return v

    return AfterValidator(check)


def _split_list(v: Any) -> Any:
    # a code written twice is one reference, not two (it would double an edge and its share)
    if isinstance(v, str):
        return list(dict.fromkeys(p.strip() for p in re.split(r"[;；,，、\s]+", v) if p.strip()))
    return v


def _parsed(parse, rule: str):
    """A before-validator reading text with one of the `values` parsers; other types pass."""
    def check(v: Any) -> Any:
        if isinstance(v, str):
            try:
                return parse(v)
            except ValueError:
                raise fail(rule) from None
        return v

    return check


def _amount(v: Any, info: ValidationInfo) -> Any:
    # the column header may carry the unit (合同金额（万元）): the reader passes it as context
    factor = ((info.context or {}).get("units") or {}).get(info.field_name, 1)
    if isinstance(v, str):
        try:
            return values.parse_amount(v, factor)
        except ValueError:
            raise fail("number_format") from None
    return v


def _mobile(v: str) -> str:
    if not ids.MOBILE_PATTERN.fullmatch(v):
        raise fail("mobile_format")
    return v


def _id_number(v: str) -> str:
    v = v.upper()
    for rule in ids.id_number_problems(v):
        raise fail(rule)
    return v


Uscc = Annotated[str, AfterValidator(_uscc)]
Division6 = Annotated[str, AfterValidator(_division(6))]
Division12 = Annotated[str, AfterValidator(_division(12))]
Division12List = Annotated[list[Division12], BeforeValidator(_split_list)]
TextList = Annotated[list[str], BeforeValidator(_split_list)]
Amount = Annotated[float, BeforeValidator(_amount), Field(ge=0)]
YesNo = Annotated[bool, BeforeValidator(_parsed(values.parse_bool, "bool_format"))]
Whole = Annotated[int, BeforeValidator(_parsed(values.parse_whole, "integer_format"))]
Day = Annotated[dt.date, BeforeValidator(_parsed(values.parse_date, "date_format"))]
OrgGrade = Annotated[str, BeforeValidator(_parsed(values.parse_org_grade, "value_not_allowed"))]
Mobile = Annotated[str, AfterValidator(_mobile)]
IdNumber = Annotated[str, AfterValidator(_id_number)]


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip()) or (isinstance(v, float) and v != v)


# --- the contract base class --------------------------------------------------------------

#: per contract: column header -> how its cells are cleaned (Contract.cleaner)
_CLEANERS: dict[type, dict[str, Any]] = {}


def _tidy_halfwidth(v: str) -> str:
    return values.tidy(values.halfwidth(v))


def _inner_types(annotation: Any) -> set[Any]:
    """Every type inside an annotation (Optional, Annotated, unions), for telling field kinds."""
    found, todo = set(), [annotation]
    while todo:
        t = todo.pop()
        found.add(t)
        todo.extend(get_args(t))
    return found

@dataclass(frozen=True)
class Finding:
    """A warning a valid row still carries."""

    field: str
    rule: str
    ctx: dict[str, Any]


class Contract(BaseModel):
    """Base of every source record. Subclasses set the class variables below."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore", str_strip_whitespace=True)

    #: register name, e.g. "organisations"
    source: ClassVar[str]
    #: where a bureau's files for this register sit: a folder of the inbox and a file pattern
    folder: ClassVar[str]
    files: ClassVar[str]
    #: field (or fields) that identify a record within its register
    key: ClassVar[tuple[str, ...]]
    #: fields holding personal data: validated, used for matching, then dropped
    personal: ClassVar[frozenset[str]] = frozenset()
    #: fields whose broken value does not quarantine the row: it is reported as a warning, the
    #: field is left empty, and the resolve stage fills it another way (e.g. by name) or
    #: quarantines the row then
    soft: ClassVar[frozenset[str]] = frozenset()
    #: other spellings of each field's column header, beside its alias and its English name
    #: (see data_contracts/headers.py)
    aliases: ClassVar[dict[str, tuple[str, ...]]] = {}

    @model_validator(mode="before")
    @classmethod
    def _clean_cells(cls, data: Any, info: ValidationInfo) -> Any:
        # An empty cell means "not given": dropping it lets pydantic report `missing` for
        # required fields and use the default for optional ones. `validate_frame` cleans whole
        # columns first (once per distinct value) and says so in the context.
        if not isinstance(data, dict):
            return data
        if not (info.context or {}).get("precleaned"):
            data = {k: cls.cleaner(k)(v) if isinstance(v, str) else v for k, v in data.items()}
        return {k: v for k, v in data.items() if not _blank(v)}

    @classmethod
    def cleaner(cls, header: str):
        """How a cell of this column is read: free text (plain `str`, no constraint) keeps its
        characters, only stray spaces and line breaks go; a date keeps the space before a time
        of day; codes, numbers and enumerations are read half-width with no spaces."""
        if cls not in _CLEANERS:
            _CLEANERS[cls] = {
                cls.header(f): values.tidy if info.annotation in (str, str | None) and not info.metadata
                else _tidy_halfwidth if dt.date in _inner_types(info.annotation)
                else values.compact
                for f, info in cls.model_fields.items()}
        return _CLEANERS[cls].get(header, values.compact)

    def findings(self, snapshot: dt.date) -> list[Finding]:
        """Warnings for a row that passed; override per contract."""
        return []

    @classmethod
    def header(cls, field: str) -> str:
        return cls.model_fields[field].alias or field

    @classmethod
    def headers(cls) -> list[str]:
        return [cls.header(f) for f in cls.model_fields]

    @classmethod
    def public_fields(cls) -> list[str]:
        return [f for f in cls.model_fields if f not in cls.personal]


def _not_after_snapshot(value: dt.date, info: ValidationInfo) -> dt.date:
    # "future" means after the date the file describes, never after the clock
    snapshot = (info.context or {}).get("snapshot")
    if snapshot is not None and value > snapshot:
        raise fail("future_date", snapshot=snapshot.isoformat())
    return value


#: a day that cannot lie after the data's snapshot date (registrations, awards, evaluations, ...)
PastDate = Annotated[Day, AfterValidator(_not_after_snapshot)]


# --- running a contract over a table ------------------------------------------------------

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


def issue(model: type[Contract], file: str, row: int, field: str | None, rule: str, value: Any, /,
          severity: str = SEVERITY_ERROR, **ctx: Any) -> dict[str, Any]:
    """One issue row. Positional-only parameters leave every keyword free for message context."""
    zh, en = message(rule, **ctx)
    shown = "" if value is None else str(value)
    if field in model.personal and shown:
        shown = ids.mask(shown)
    return {
        "source": model.source, "file": file, "row": row,
        "column": model.header(field) if field else "", "field": field or "",
        "rule": rule, "severity": severity, "value": shown, "message_zh": zh, "message_en": en,
    }


def validate_frame(raw: pd.DataFrame, model: type[Contract], snapshot: dt.date,
                   units: dict[str, int] | None = None) -> Validated:
    """Validate every row of `raw` (text cells plus `_file` and `_row`) against `model`.
    `units` gives yuan per unit for amount fields whose column header named one (万元)."""
    by_alias = {model.header(f): f for f in model.model_fields}
    issues: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    context = {"snapshot": snapshot, "units": units or {}, "precleaned": True}
    columns = [c for c in raw.columns if c in by_alias]
    unknown = [c for c in raw.columns if c not in by_alias and not c.startswith("_")]
    missing = [model.header(f) for f, info in model.model_fields.items()
               if info.is_required() and model.header(f) not in raw.columns]
    if missing:
        # Without a required column no row can be judged: the whole file is quarantined,
        # one entry per row, so the accounting still adds up.
        for file, row in zip(raw["_file"], raw["_row"], strict=True):
            issues.append(issue(model, file, int(row), by_alias[missing[0]], "missing_column", None,
                                column="、".join(missing)))
        return Validated(pd.DataFrame(columns=[*model.model_fields, "_file", "_row", "_asof"]),
                         issues_frame(issues), len(raw), len(raw), unknown)
    # Each column is cleaned once per distinct value (registers repeat dates, codes and
    # enumerations): the row loop below then only validates. The raw cells stay for the report.
    raw_cols = {c: raw[c].astype(object).where(raw[c].notna(), None).tolist() for c in columns}
    clean_cols = {}
    for c, cells in raw_cols.items():
        clean = model.cleaner(c)
        seen = {v: clean(v) for v in set(cells) if isinstance(v, str)}
        clean_cols[c] = [seen.get(v, v) if isinstance(v, str) else v for v in cells]
    files, row_numbers = raw["_file"].tolist(), raw["_row"].tolist()
    asofs = raw["_asof"].tolist() if "_asof" in raw else [None] * len(raw)
    for i in range(len(raw)):
        file, row = files[i], int(row_numbers[i])
        data = {c: clean_cols[c][i] for c in columns}
        try:
            obj = model.model_validate(data, context=context)
        except ValidationError as err:
            written = {c: raw_cols[c][i] for c in columns}
            found = [_issue_of(model, by_alias, file, row, written, e) for e in err.errors()]
            soft = {i["field"] for i in found} <= model.soft
            if soft:  # only soft fields broke: report them, leave them empty, keep the row
                try:
                    obj = model.model_validate({k: v for k, v in data.items() if by_alias.get(k) not in model.soft},
                                               context=context)
                except ValidationError:
                    soft = False
            issues.extend({**i, "severity": SEVERITY_WARNING} if soft else i for i in found)
            if not soft:
                continue
        for f in obj.findings(snapshot):
            issues.append(issue(model, file, row, f.field, f.rule, getattr(obj, f.field, None),
                                severity=SEVERITY_WARNING, **f.ctx))
        rows.append({**obj.__dict__, "_file": file, "_row": row, "_asof": asofs[i]})
    accepted = pd.DataFrame(rows, columns=[*model.model_fields, "_file", "_row", "_asof"])
    quarantined = {(i["file"], i["row"]) for i in issues if i["severity"] == SEVERITY_ERROR}
    return Validated(accepted, issues_frame(issues), len(raw), len(quarantined), unknown)


def _issue_of(model: type[Contract], by_alias: dict[str, str], file: str, row: int, data: dict[str, Any],
              e: Any) -> dict[str, Any]:
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
    for t in _inner_types(info.annotation) if info else ():
        for meta in getattr(t, "__metadata__", ()):
            if getattr(meta, "examples", None):
                return str(meta.examples[0])
    return "…"


def issues_frame(issues: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(issues, columns=ISSUE_COLUMNS).astype({"row": "int64"})


def drop_duplicates(frame: pd.DataFrame, model: type[Contract], key: tuple[str, ...] | None = None,
                    rule: str = "duplicate_key") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Keep the last record per key (a later line of a register supersedes an earlier one);
    the superseded rows are quarantined, each pointing at the row that was kept."""
    key = key or model.key
    if frame.empty:
        return frame, issues_frame([])
    last = frame.drop_duplicates(list(key), keep="last")
    dropped = frame.loc[~frame.index.isin(last.index)]
    kept = {tuple(k): (f, r) for k, f, r in zip(last[list(key)].itertuples(index=False), last["_file"],
                                                 last["_row"], strict=True)}
    out = []
    for rec in dropped.to_dict("records"):
        kept_file, kept_row = kept[tuple(rec[c] for c in key)]
        out.append(issue(model, rec["_file"], rec["_row"], key[0], rule, rec[key[0]],
                         key=model.header(key[0]), kept_file=kept_file, kept_row=int(kept_row)))
    return last.reset_index(drop=True), issues_frame(out)

