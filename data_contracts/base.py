"""The shared machinery of every source contract.

A contract is a pydantic model whose fields carry the source's Chinese column header as alias.
`validation.validate_frame` runs it over a raw table (all cells as text).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, cast, get_args, get_origin

import pandas as pd
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

from . import identifiers as ids
from . import values
from .lists import TEXT_LISTS
from .references import Ref
from .rules import message

if TYPE_CHECKING:  # the column pass builds on this module, not the other way round
    import numpy as np

    from .column_pass import RowValues


def fail(rule: str, *, at: str | None = None, **ctx: Any) -> PydanticCustomError:
    """The error for a broken rule. `at` names the field when raised from a model validator
    (whose errors carry no location), so the report can still point at a column."""
    return PydanticCustomError(rule, message(rule, **ctx)[1], {**ctx, "_at": at} if at else ctx or None)


# --- field types --------------------------------------------------------------------------


def _uscc(v: str) -> str:
    v = v.upper()
    for rule in ids.uscc_problems(v):
        if rule == "uscc_check_char":
            raise fail(rule, expected=ids.uscc_check_char(v[:17]))
        if rule == "uscc_org_code_check":
            raise fail(rule, expected=ids.org_code_check_char(v[8:16]))
        if rule == "uscc_authority_category":
            raise fail(rule, prefix=v[:2])
        raise fail(rule)
    return v


def _division(digits: int):
    # registers repeat their codes (a list of served communities names each many times): a
    # well-formed code is remembered, up to a bound
    good: set[str] = set()

    def check(v: str) -> str:
        if v in good:
            return v
        for rule, ctx in ids.division_problems(v, digits):
            raise fail(rule, **ctx)
        if len(good) < 1 << 18:
            good.add(v)
        return v

    return check


def _unknown_division(v: str) -> tuple[str, dict[str, Any]] | None:
    return ("division_code_unknown", {"code": v}) if ids.unknown_division(v) else None


def _unknown_divisions(v: list[str]) -> tuple[str, dict[str, Any]] | None:
    known = ids.gb2260_codes()
    unknown = [c for c in v if c[:6] not in known]
    return ("division_code_unknown", {"code": unknown}) if unknown else None


def one_of(values: Iterable[str], formerly: dict[str, str] | None = None):
    """A value from `values`; `formerly` maps names a value had before (an older law's or
    system's spelling) to today's, so an old register reads as the value it means."""
    allowed = list(values)
    renamed = formerly or {}

    def check(v: str) -> str:
        v = renamed.get(v, v)
        if v not in allowed:
            raise fail("value_not_allowed", allowed=allowed)
        return v

    return AfterValidator(check)


#: what separates the items of a list cell (no item holds a space afterwards)
_LIST_SEPARATORS = re.compile(r"[;；,，、\s]+")


def _split_list(v: Any) -> Any:
    # a code written twice is one reference, not two (it would double an edge and its share)
    if isinstance(v, str):
        items = dict.fromkeys(_LIST_SEPARATORS.split(v))
        items.pop("", None)  # before a leading or after a trailing separator
        return list(items)
    return v


@cache
def _separators_re2() -> str:
    """`_LIST_SEPARATORS` for RE2 (pyarrow's regular expressions), whose `\\s` is ASCII only:
    every character Python's pattern matches, named one by one. Python's `\\s` matches only
    characters of the Basic Multilingual Plane (tests/test_contract_columns.py looks at them all)."""
    chars = [chr(c) for c in range(0x10000) if _LIST_SEPARATORS.fullmatch(chr(c))]
    return "[" + "".join(f"\\x{{{ord(c):x}}}" for c in chars) + "]+"


def split_lists(cells: list[str]) -> tuple[list[list[str]], list[str]]:
    """`[_split_list(c) for c in cells]` for cells of text, split by pyarrow in C++ (a national
    register holds about a million list cells, each about 2 µs through Python's `re`), and
    every item they name, once. A cell that names an item twice is split by `_split_list`
    itself (it keeps the first)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if not cells:
        return [], []
    try:
        text = pa.array(cells, type=pa.large_string())
    except UnicodeEncodeError:  # a lone surrogate, which no reader gives: as Python splits it
        split = [_split_list(c) for c in cells]
        return split, list(dict.fromkeys(i for items in split for i in items))
    split = pc.split_pattern_regex(text, _separators_re2())
    parents = pc.list_parent_indices(split).to_numpy()
    items = pc.list_flatten(split)
    named = pc.not_equal(items, "").to_numpy(zero_copy_only=False)  # "" before a leading separator
    encoded = items.filter(named).dictionary_encode()
    parents, codes = parents[named], encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    distinct = encoded.dictionary.to_pylist()
    twice = np.zeros(len(cells), dtype=bool)
    if len(codes) > 1:  # a cell's items named twice: its (cell, item) pair comes twice
        key = np.sort(parents.astype(np.int64) * len(distinct) + codes)
        twice[key[1:][key[1:] == key[:-1]] // len(distinct)] = True
    flat = np.asarray(distinct, dtype=object)[codes].tolist()
    bounds = np.searchsorted(parents, np.arange(len(cells) + 1)).tolist()
    out = [flat[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    for i in np.flatnonzero(twice).tolist():
        out[i] = _split_list(cells[i])
    return out, distinct


def _lists(items_ok: Callable[[list[str]], list[bool]] | None = None):
    """WholeColumn values of a list type: each cell split as `_split_list` does, vouched when it
    names at least one item and `items_ok` holds for each (asked once, of the distinct items)."""

    def values(cells: list[str], _context: Mapping[str, Any]) -> list[Any]:
        # a cell that is not text is left to the type's validator (not vouched for)
        text = [c for c in cells if type(c) is str]
        split, distinct = split_lists(text)
        if len(text) < len(cells):
            parts = iter(split)
            split = [next(parts) if type(c) is str else [] for c in cells]
        bad = set() if items_ok is None else {i for i, ok in zip(distinct, items_ok(distinct), strict=True) if not ok}
        if not bad:
            return [items or None for items in split]
        return [items if items and bad.isdisjoint(items) else None for items in split]

    return values


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
    # (`field` names the field when one column is checked on its own, see validate_frame)
    ctx = info.context or {}
    factor = (ctx.get("units") or {}).get(info.field_name or ctx.get("field"), 1)
    if isinstance(v, str):
        try:
            return values.parse_amount(v, factor)
        except ValueError:
            raise fail("number_format") from None
    return v


def _non_empty(v: list[Any]) -> list[Any]:
    if not v:
        raise fail("required")
    return v


def _mobile(v: str) -> str:
    if not ids.MOBILE_PATTERN.fullmatch(v):
        raise fail("mobile_format")
    return v


def _id_number(v: str, info: ValidationInfo) -> str:
    v = v.upper()
    ctx = info.context or {}
    snapshot = ctx.get("snapshot")
    for rule in ids.id_number_problems(v, snapshot, ctx.get("synthetic", False)):
        # no part of the number in the message: it is personal data
        raise (
            fail(rule, snapshot=cast(dt.date, snapshot).isoformat()) if rule == "id_number_birth_future" else fail(rule)
        )
    return v


@dataclass(frozen=True)
class WholeColumn:
    """Metadata of a field type whose valid cells a whole column can recognise at once, judged
    in the validation context the row model gets (the data's `snapshot` date, whether it is
    `synthetic`): either `valid(cells, context)`, which cells pass every check of the type and
    are their own value, or `values(cells, context)`, each cell's value where the type would
    give it, else None. The column pass runs the type's validators only on the others
    (column_pass.py); tests/test_contract_columns.py holds each type's vouched values equal to
    the type's own."""

    valid: Callable[[list[str], Mapping[str, Any]], list[bool]] | None = None
    values: Callable[[list[str], Mapping[str, Any]], list[Any]] | None = None

    def judge(self, cells: list[str], context: Mapping[str, Any]) -> list[Any]:
        """Each cell's value, or None where the type must judge it one cell at a time."""
        if self.values is not None:
            return self.values(cells, context)
        assert self.valid is not None
        return [c if ok else None for c, ok in zip(cells, self.valid(cells, context), strict=True)]


@dataclass(frozen=True)
class Warns:
    """Metadata of a field type whose valid values may still carry a warning: `check(value)`
    gives (rule, message context) or None. Each row's warnings come before its contract's own
    findings (Contract.warnings); the column pass judges each distinct value once, and, where
    the type gives `warned(values)` (which of many valid values `check` would warn of, worked
    out at once), asks `check` only of those (tests/test_contract_columns.py holds both alike)."""

    check: Callable[[Any], tuple[str, dict[str, Any]] | None]
    warned: Callable[[list[Any]], list[bool]] | None = None


def field_warns(info: FieldInfo) -> Warns | None:
    """The Warns of a field typed `T`, `T | None` or `Annotated[T, ...]` where T carries one."""
    for meta in info.metadata:
        if isinstance(meta, Warns):
            return meta
    for t in inner_types(info.annotation):
        for meta in getattr(t, "__metadata__", ()):
            if isinstance(meta, Warns):
                return meta
    return None


Uscc = Annotated[str, AfterValidator(_uscc), WholeColumn(lambda cells, _context: ids.valid_usccs(cells))]
#: a GB/T 2260 county-level code; one the standard does not list is kept with a warning
Division6 = Annotated[
    str,
    AfterValidator(_division(6)),
    Warns(_unknown_division, ids.unknown_divisions),
    WholeColumn(lambda cells, _context: ids.valid_divisions(cells, 6)),
]
#: a 12-digit statistical division code (street/town or committee)
Division12 = Annotated[
    str,
    AfterValidator(_division(12)),
    Warns(_unknown_division, ids.unknown_divisions),
    WholeColumn(lambda cells, _context: ids.valid_divisions(cells, 12)),
]
Division12List = Annotated[
    list[Annotated[str, AfterValidator(_division(12))]],
    BeforeValidator(_split_list),
    Warns(_unknown_divisions, ids.lists_with_unknown_division),
    WholeColumn(values=_lists(lambda codes: ids.valid_divisions(codes, 12))),
]
TextList = Annotated[list[str], BeforeValidator(_split_list), WholeColumn(values=_lists())]
Amount = Annotated[float, BeforeValidator(_amount), Field(ge=0)]
YesNo = Annotated[bool, BeforeValidator(_parsed(values.parse_bool, "bool_format"))]
Whole = Annotated[int, BeforeValidator(_parsed(values.parse_whole, "integer_format"))]
Day = Annotated[dt.date, BeforeValidator(_parsed(values.parse_date, "date_format"))]
OrgGrade = Annotated[str, BeforeValidator(_parsed(values.parse_org_grade, "value_not_allowed"))]
Mobile = Annotated[
    str,
    AfterValidator(_mobile),
    WholeColumn(lambda cells, _context: [ids.MOBILE_PATTERN.fullmatch(v) is not None for v in cells]),
]
#: a list that must name at least one item (an empty one reads as "not given")
NonEmpty = AfterValidator(_non_empty)
IdNumber = Annotated[
    str,
    AfterValidator(_id_number),
    WholeColumn(
        lambda cells, context: ids.valid_id_numbers(cells, context.get("snapshot"), context.get("synthetic", False))
    ),
]


def blank(v: Any) -> bool:
    """An empty cell: it means "not given"."""
    return v is None or (isinstance(v, str) and not v.strip()) or (isinstance(v, float) and v != v)


# --- the contract base class --------------------------------------------------------------

#: per contract: column header -> how its cells are cleaned (Contract.cleaner)
_CLEANERS: dict[type, dict[str, Any]] = {}
#: per contract: its fields whose type carries a Warns (Contract.warned_fields)
_WARNED: dict[type, dict[str, Warns]] = {}


def _tidy_halfwidth(v: str) -> str:
    return values.tidy(values.halfwidth(v))


#: per cleaner: the kind of cell it returns unchanged (values.unchanged tells them a column at
#: a time); `_tidy_halfwidth` keeps what `compact` keeps, as both keep printable ASCII
CLEANER_KEEPS = {values.tidy: "text", values.compact: "code", _tidy_halfwidth: "code"}


def _is_list(annotation: Any) -> bool:
    return any(t is list or get_origin(t) is list for t in inner_types(annotation))


@cache
def list_fields(model: type[Contract]) -> tuple[str, ...]:
    """The fields of `model` holding lists (typed TEXT_LISTS in an accepted table)."""
    return tuple(f for f, info in model.model_fields.items() if _is_list(info.annotation))


def inner_types(annotation: Any) -> set[Any]:
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
    #: fields that refer to another register's key (list fields: every item), in the order the
    #: resolve stage checks them; see data_contracts/references.py
    references: ClassVar[dict[str, Ref]] = {}
    #: fields whose broken value does not quarantine the row: it is reported as a warning, the
    #: field is left empty, and the resolve stage fills it another way (e.g. by name) or
    #: quarantines the row then
    soft: ClassVar[frozenset[str]] = frozenset()
    #: other spellings of each field's column header, beside its alias and its English name
    #: (see data_contracts/headers.py)
    aliases: ClassVar[dict[str, tuple[str, ...]]] = {}
    #: fields the pipeline derives when a file has no column for them: field -> where the value
    #: comes from (pipelines/common/derivation.py). A derived field is not a required column,
    #: though the model still checks the derived value.
    derived: ClassVar[dict[str, str]] = {}
    #: fields only other layouts of the register carry, instead of or beside its own columns (a
    #: street's name for its code, the national platform's per-list credit columns): read when a
    #: file has them, left out of the register's own layout (what the generator writes)
    variant: ClassVar[frozenset[str]] = frozenset()

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
        return {k: v for k, v in data.items() if not blank(v)}

    @classmethod
    def cleaner(cls, header: str):
        """How a cell of this column is read: free text (plain `str`, no constraint) keeps its
        characters, only stray spaces and line breaks go; a date keeps the space before a time
        of day, and a list the spaces between its items; codes, numbers and enumerations are read
        half-width with no spaces."""
        if cls not in _CLEANERS:
            _CLEANERS[cls] = {
                cls.header(f): values.tidy
                if info.annotation in (str, str | None) and not info.metadata
                # a list keeps one space between its items: a space or a line break separates them
                else _tidy_halfwidth
                if dt.date in inner_types(info.annotation) or _is_list(info.annotation)
                else values.compact
                for f, info in cls.model_fields.items()
            }
        return _CLEANERS[cls].get(header, values.compact)

    def findings(self, snapshot: dt.date) -> list[Finding]:
        """Warnings for a row that passed; override per contract."""
        return []

    @classmethod
    def clear_rows(cls, rows: RowValues, snapshot: dt.date) -> np.ndarray | None:
        """Which of `rows` (rows whose every cell passed its field's check) surely keep each of
        the contract's cross-field rules and carry none of its `findings` as of `snapshot`: a
        bool array, one per row, worked out a column at a time; None (this default) when the
        contract does not say. The column pass asks the rules and findings themselves only of
        the rows not cleared. A contract whose rules read a field that differs on nearly every
        row (a date, an amount, a code) says them here a second time, as arithmetic on whole
        columns: 1.5 million national projects are then not made into a Python dict each. It
        may leave out a row that is clear (the rules then judge it), never clear one that is
        not; tests/test_contract_columns.py compares both ways on rows made to break each
        rule. Only a contract's own `clear_rows` is asked: a subclass inherits none."""
        return None

    def warnings(self, snapshot: dt.date) -> list[Finding]:
        """Every warning of a row that passed: its fields' types' (Warns, in field order), then
        the contract's own findings."""
        out = []
        for f, w in self.warned_fields().items():
            value = getattr(self, f)
            if value is not None and (hit := w.check(value)) is not None:
                out.append(Finding(f, *hit))
        return [*out, *self.findings(snapshot)]

    @classmethod
    def warned_fields(cls) -> dict[str, Warns]:
        """Fields whose type carries a Warns, in field order."""
        if cls not in _WARNED:
            _WARNED[cls] = {f: w for f, info in cls.model_fields.items() if (w := field_warns(info))}
        return _WARNED[cls]

    @classmethod
    def header(cls, field: str) -> str:
        return cls.model_fields[field].alias or field

    @classmethod
    def layout_fields(cls) -> list[str]:
        """The register's own columns, in order: every field but the variant ones."""
        return [f for f in cls.model_fields if f not in cls.variant]

    @classmethod
    def required_columns(cls) -> list[str]:
        """Fields a file must have a column for: required by the model and not derivable."""
        return [f for f, info in cls.model_fields.items() if info.is_required() and f not in cls.derived]

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


def not_after_snapshot_year(value: int, info: ValidationInfo) -> int:
    """A year that cannot lie after the data's snapshot year."""
    snapshot = (info.context or {}).get("snapshot")
    if snapshot is not None and value > snapshot.year:
        raise fail("future_date", snapshot=snapshot.isoformat())
    return value


def empty_table(model: type[Contract]) -> pd.DataFrame:
    """A table of the contract's accepted rows that holds none, each column typed as a filled
    one would be (text `str`, amounts `float64`, whole numbers `Int64`, yes/no `boolean`,
    dates and lists `object`; `_file` text, `_row` int64, `_asof` object), so that what runs
    on a register's rows runs the same on an empty register (a column of no rows would
    otherwise be float64, and `"CN-USCI-" + codes` would fail on it)."""

    def dtype(annotation: Any) -> Any:
        kinds = inner_types(annotation)
        if _is_list(annotation):
            return TEXT_LISTS
        if dt.date in kinds:
            return object
        if bool in kinds:
            return "boolean"
        if int in kinds:
            return "Int64"
        if float in kinds:
            return "float64"
        return "str" if str in kinds else object

    columns = {f: pd.Series([], dtype=dtype(info.annotation)) for f, info in model.model_fields.items()}
    columns |= {
        "_file": pd.Series([], dtype="str"),
        "_row": pd.Series([], dtype="int64"),
        "_asof": pd.Series([], dtype=object),
    }
    return pd.DataFrame(columns)
