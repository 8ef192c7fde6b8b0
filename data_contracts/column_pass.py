"""The column pass of a contract run: the whole table checked a column at a time.

Registers repeat their values (dates, codes, enumerations, a provider on thousands of rows),
so each distinct cell of a column is cleaned once and checked once against its field's type,
all of a column's distinct cells in one pydantic call. A row whose cells all pass then meets
the model's own cross-field rules (its `mode="after"` model validators) and findings. What the
pass cannot vouch for, a broken cell or a broken cross-field rule, it marks `whole`: those rows
go through the whole model (validation.py), which names every rule they break.

It gives the same accepted rows and issues as validating every row through the model
(tests/test_contract_columns.py compares the two); docs/performance.md has what it costs.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import inspect
import operator
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import repeat
from types import UnionType
from typing import Annotated, Any, Union, cast, get_args, get_origin

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import ConfigDict, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

from .base import (
    CLEANER_KEEPS,
    Contract,
    Finding,
    Warns,
    WholeColumn,
    blank,
    empty_table,
    list_fields,
)
from .fields_read import fields_read
from .lists import TEXT_LISTS
from .values import arrow_text, unchanged

_BROKEN = object()  # a cell that fails its field's check


@dataclass(frozen=True)
class _Checks:
    """A contract taken apart for the column pass."""

    #: per field: a validator of a list of cells, each checked as that field
    adapters: dict[str, TypeAdapter]
    #: per field: the value of an empty cell, or _BROKEN when the field is required
    empty: dict[str, Any]
    #: per field whose type is one WholeColumn type: that type's WholeColumn
    whole_column: dict[str, WholeColumn]
    #: per field whose type carries a warning (base.Warns)
    warns: dict[str, Warns]
    #: the model's cross-field rules
    row_rules: tuple[Any, ...]
    #: the fields the rules read, and the fields the model's findings read (None: any field)
    row_fields: frozenset[str] | None
    finding_fields: frozenset[str] | None
    #: fields of plain text (`str`, nothing added): a cell with nothing to clean is its value
    verbatim: frozenset[str]


@cache
def checks_for(model: type[Contract]) -> _Checks | None:
    """None when the model has validators the pass cannot reproduce exactly (decorated field
    validators, or model validators other than the cell cleaning that run before or around the
    fields): such a contract goes row by row through the whole model."""
    decorators = model.__pydantic_decorators__
    if decorators.field_validators:
        return None
    row_rules = []
    for name, dec in decorators.model_validators.items():
        if name == "_clean_cells":  # done by the pass itself, once per distinct cell
            continue
        if dec.info.mode != "after" or len(inspect.signature(dec.func).parameters) != 1:
            return None
        row_rules.append(dec.func)
    adapters, empty, whole_column = {}, {}, {}
    for f, info in model.model_fields.items():
        if (valid := _whole_column_check(info)) is not None:
            whole_column[f] = valid
        annotation = Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
        adapters[f] = TypeAdapter(cast(Any, list)[annotation], config=ConfigDict(str_strip_whitespace=True))
        empty[f] = _BROKEN if info.is_required() else info.get_default(call_default_factory=True)
    verbatim = frozenset(
        f for f, info in model.model_fields.items() if info.annotation in (str, str | None) and not info.metadata
    )
    read = [fields_read(rule, model) for rule in row_rules]
    row_fields = None if None in read else frozenset().union(*cast(list[frozenset[str]], read))
    return _Checks(
        adapters,
        empty,
        whole_column,
        model.warned_fields(),
        tuple(row_rules),
        row_fields,
        fields_read(model.findings, model),
        verbatim,
    )


def _whole_column_check(info: FieldInfo) -> Any:
    """The WholeColumn check of a field typed `T` or `T | None` with nothing added to `T`:
    the marker is the last item of the type's metadata (constraints added around the type
    come after it, and the check does not know them)."""
    metadata: Sequence[Any] = info.metadata
    if not metadata:
        args = get_args(info.annotation) if get_origin(info.annotation) in (Union, UnionType) else ()
        types = [a for a in args if a is not type(None)]
        metadata = getattr(types[0], "__metadata__", ()) if len(types) == 1 else ()
    return metadata[-1] if metadata and isinstance(metadata[-1], WholeColumn) else None


class ColumnPass:
    """One table after the column pass: every field's values (object arrays, one per field),
    the rows that need the whole model, and the findings of the rows that passed."""

    def __init__(self, model: type[Contract], n: int):
        self.model, self.n = model, n
        self.values: dict[str, np.ndarray] = {}
        self.whole = np.zeros(n, dtype=bool)
        self.findings: list[tuple[int, Finding]] = []
        # per column header: each row's code into its distinct cells, as written and as cleaned
        self._codes: dict[str, np.ndarray] = {}
        self._written: dict[str, list[Any]] = {}
        self._cleaned: dict[str, list[Any]] = {}
        #: per column header: which distinct cells cleaning kept as written (never blank)
        self._kept: dict[str, np.ndarray] = {}
        self._lists: tuple[str, ...] = ()
        #: fields whose column the file lacks: every row holds the field's empty value
        self._absent: set[str] = set()
        #: per field whose type warns (base.Warns): each distinct cell's (rule, context) or
        #: None, and each row's code into them
        self._hits: dict[str, tuple[list[Any], np.ndarray]] = {}
        #: per field read from a column: its value for each distinct cell (`_codes` index it)
        self._distinct: dict[str, np.ndarray] = {}
        #: rows whose values the whole model gave (replace_row)
        self._replaced = np.zeros(n, dtype=bool)
        #: the table as read (`run`), whose columns hold the cells that are their own values
        self._raw = pd.DataFrame()

    @classmethod
    def run(
        cls, model: type[Contract], raw: pd.DataFrame, columns: list[str], context: Mapping[str, Any]
    ) -> ColumnPass:
        """The pass over `columns` of `raw`, judged in the row model's validation `context`
        (`snapshot` date, `units` per amount field, `synthetic`: see validate_frame)."""
        out = cls(model, len(raw))
        out._raw = raw
        for c in columns:
            codes, uniques = _coded(raw[c])
            clean = model.cleaner(c)
            out._codes[c] = codes
            out._written[c] = written = [*uniques.tolist(), None]  # code -1 (an empty cell) is the last
            kept = unchanged(uniques, CLEANER_KEEPS[clean]) if clean in CLEANER_KEEPS else None
            if kept is None:
                out._cleaned[c] = [clean(u) if isinstance(u, str) else u for u in written]
                out._kept[c] = np.zeros(len(written), dtype=bool)
                continue
            # most cells are already clean: a Python call only for the others
            out._kept[c] = kept = np.append(kept, False)
            out._cleaned[c] = cleaned = list(written)
            for k in np.flatnonzero(~kept).tolist():
                if isinstance(u := written[k], str):
                    cleaned[k] = clean(u)
        checks = checks_for(model)
        out._lists = list_fields(model)
        if checks is None:
            out.whole[:] = True
            out.values = {f: np.empty(out.n, dtype=object) for f in model.model_fields}
            return out
        out._check_cells(checks, context)
        out._check_rows(checks, context["snapshot"])
        return out

    def _check_cells(self, checks: _Checks, context: Mapping[str, Any]) -> None:
        for f, adapter in checks.adapters.items():
            c = self.model.header(f)
            if c not in self._codes:  # an optional column the file does not have
                self.values[f] = np.empty(self.n, dtype=object)
                self.values[f].fill(checks.empty[f])
                self._absent.add(f)
                continue
            cells, kept = self._cleaned[c], self._kept[c]
            checked = np.empty(len(cells), dtype=object)
            todo = np.flatnonzero(kept).tolist()  # a kept cell is not blank
            for k in np.flatnonzero(~kept).tolist():
                if blank(cells[k]):
                    checked[k] = checks.empty[f]
                else:
                    todo.append(k)
            if f in checks.verbatim:  # a plain text field: a kept cell is its own value
                at = np.flatnonzero(kept)
                checked[at] = np.array(cells, dtype=object)[at]
                todo = [k for k in todo if not kept[k]]
            if f in checks.whole_column:  # the values of the cells it vouches for
                rest = []
                for k, v in zip(todo, checks.whole_column[f].judge([cells[k] for k in todo], context), strict=True):
                    if v is None:
                        rest.append(k)
                    else:
                        checked[k] = v
                todo = rest
            for k, v in zip(
                todo, _validate_each(adapter, [cells[k] for k in todo], {**context, "field": f}), strict=True
            ):
                checked[k] = v
            self.values[f] = checked[self._codes[c]]
            self._distinct[f] = checked
            broken = _are(checked, _BROKEN)
            if f in checks.warns:  # a type's warning, judged once per distinct value
                self._hits[f] = (_warnings(checks.warns[f], checked, broken), self._codes[c])
            if broken.any():  # code -1 (an empty cell) indexes the last distinct cell, as above
                self.whole |= broken[self._codes[c]]

    def _check_rows(self, checks: _Checks, snapshot: dt.date) -> None:
        self._check_row_rules(checks, snapshot)
        # the types' warnings of the rows that passed: before each row's own findings, in field
        # order, as Contract.warnings gives them (validate_frame's sort by row is stable)
        hit_rows = []
        for order, (f, (hits, codes)) in enumerate(self._hits.items()):
            has = np.fromiter((h is not None for h in hits), bool, len(hits))[codes] & ~self.whole
            hit_rows += [(int(i), order, Finding(f, *hits[codes[i]])) for i in np.flatnonzero(has)]
        if hit_rows:
            hit_rows.sort(key=lambda t: t[:2])
            self.findings[:0] = [(i, finding) for i, _, finding in hit_rows]

    def _check_row_rules(self, checks: _Checks, snapshot: dt.date) -> None:
        """The model's cross-field rules, then its findings on the rows that keep to them, run
        once per distinct combination of the fields they read (fields_read.py): a row's value
        of a field is a function of its distinct cell, so rows alike in those cells are judged
        alike (an evaluation's grade-for-score finding meets a few hundred pairs a million times)."""
        has_findings = self.model.findings is not Contract.findings
        if not (checks.row_rules or has_findings):
            return
        read = checks.row_fields if checks.row_rules else frozenset()
        if read is not None and has_findings:
            read = None if checks.finding_fields is None else read | checks.finding_fields
        rows = np.flatnonzero(~self.whole)
        # only a contract's own clear_rows: one inherited would not know the rules it adds
        own = "clear_rows" in vars(self.model)
        clear = self.model.clear_rows(RowValues(self, rows), snapshot) if own else None
        if clear is not None:  # rows the model's arithmetic on whole columns already clears
            rows = rows[~np.asarray(clear, dtype=bool)]
        fields, at, reps = self._alike(read, rows)
        view = _view(self.model)
        broken = np.zeros(len(reps), dtype=bool)
        found: list[list[Finding]] = []
        for k, values in enumerate(self._rows(fields, reps)):
            object.__setattr__(view, "__dict__", values)
            try:
                for rule in checks.row_rules:
                    rule(view)
            except (PydanticCustomError, ValueError, AssertionError):
                broken[k] = True
            found.append(view.findings(snapshot) if has_findings and not broken[k] else [])
        self.whole[rows[broken[at]]] = True
        has = np.fromiter(map(bool, found), bool, len(found))[at]
        for i, k in zip(rows[has].tolist(), at[has].tolist(), strict=True):
            self.findings.extend((i, f) for f in found[k])

    def _rows(self, fields: list[str], rows: np.ndarray) -> Iterator[dict[str, Any]]:
        """The values of `fields` in each of `rows`, as a dict per row."""
        if not fields:
            return iter([{} for _ in range(len(rows))])
        return (
            dict(zip(fields, v, strict=True))
            for v in zip(*(self.values[f][rows].tolist() for f in fields), strict=True)
        )

    def _alike(self, read: frozenset[str] | None, rows: np.ndarray) -> tuple[list[str], np.ndarray, np.ndarray]:
        """The fields a rule reads (every field when `read` is None), each of `rows`' position in
        the distinct combinations of those fields' cells, and one row of each combination."""
        fields = list(self.values) if read is None else [f for f in self.values if f in read]
        if read is None or not len(rows):
            return fields, np.arange(len(rows)), rows
        key = np.zeros(len(rows), dtype=np.int64)
        for f in fields:
            if f in self._absent:  # one value on every row
                continue
            codes = self._codes[self.model.header(f)][rows]
            width = int(codes.max()) + 2
            if int(key.max()) >= np.iinfo(np.int64).max // width:  # renumber before it overflows
                key = np.unique(key, return_inverse=True)[1].astype(np.int64)
            key = key * width + (codes + 1)
        _, first, at = np.unique(key, return_index=True, return_inverse=True)
        return fields, at.reshape(-1), rows[first]

    def _per_row(self, field: str, rows: np.ndarray, each: Callable[[Any], Any], dtype: Any) -> np.ndarray:
        """`each(value)` of `field` for each of `rows`, as an array of `dtype`: asked once per
        distinct cell (a field the file lacks: once), then taken by the rows' codes."""
        if not len(rows):
            return np.empty(0, dtype=dtype)
        if field in self._absent:  # one value on every row
            return np.repeat(np.fromiter([each(self.values[field][0])], dtype, 1), len(rows))
        distinct = self._distinct[field]
        # code -1 (an empty cell) indexes the last distinct cell, as in _check_cells
        return np.fromiter(map(each, distinct), dtype, len(distinct))[self._codes[self.model.header(field)][rows]]

    # --- for the rows that go through the whole model -----------------------------------

    def clean_row(self, i: int) -> dict[str, Any]:
        return {c: cells[self._codes[c][i]] for c, cells in self._cleaned.items()}

    def written_row(self, i: int) -> dict[str, Any]:
        return {c: cells[self._codes[c][i]] for c, cells in self._written.items()}

    def value(self, field: str, i: int) -> Any:
        return self.values[field][i]

    def replace_row(self, i: int, fields: dict[str, Any]) -> None:
        self._replaced[i] = True
        for f, v in fields.items():
            self.values[f][i] = v

    def table(self, keep: np.ndarray, files: pd.Series, rows: pd.Series, asofs: pd.Series | None) -> pd.DataFrame:
        """The kept rows, in file order, as the accepted table (typed by the contract when no
        row is kept)."""
        if not keep.any():
            return empty_table(self.model)
        table: dict[str, Any] = {
            f: self._list(f, keep) if f in self._lists else self._text(f, keep) for f in self.values
        }
        table.update({f: a[keep].tolist() for f, a in self.values.items() if table[f] is None})
        # taken as columns, not as a Python value per row (what that costs: `_text`)
        table["_file"] = pd.array(files.array[keep], dtype="str")
        table["_row"] = rows.to_numpy()[keep].astype(np.int64)
        table["_asof"] = asofs.to_numpy(dtype=object)[keep] if asofs is not None else [None] * int(keep.sum())
        return pd.DataFrame(table, columns=[*self.model.model_fields, "_file", "_row", "_asof"])

    def _list(self, f: str, keep: np.ndarray) -> pd.api.extensions.ExtensionArray:
        """List field `f` of the kept rows as Arrow lists of text (base.TEXT_LISTS), taken by the
        rows' codes from the field's distinct values, so that no row's list is a Python object
        of its own; the rows the whole model judged hold the lists it gave."""
        if f in self._distinct:
            codes, replaced = self._kept_codes(f, keep)
            arrow = self._by_code(
                f, codes, replaced, self._kept_values(f, keep, replaced), TEXT_LISTS.pyarrow_dtype, list
            )
            return pd.array(arrow, dtype=TEXT_LISTS)
        # a column the file lacks: every row holds the field's empty value
        values = [v if isinstance(v, list) else None for v in self.values[f][keep].tolist()]
        return pd.array(pa.array(values, TEXT_LISTS.pyarrow_dtype), dtype=TEXT_LISTS)

    def _kept_codes(self, f: str, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The kept rows' codes into field `f`'s distinct values (an empty cell's -1 as the
        last of them), and the positions, among the kept rows, of those the whole model judged:
        they hold the value it gave (a broken cell's rows are not kept unless replaced)."""
        codes = self._codes[self.model.header(f)][keep]
        codes = np.where(codes < 0, len(self._distinct[f]) - 1, codes)
        return codes, np.flatnonzero(self._replaced[keep])

    def _kept_values(self, f: str, keep: np.ndarray, at: np.ndarray) -> np.ndarray:
        """Field `f`'s values of the kept rows at `at` (positions or a mask among the kept rows),
        taken alone: the column masked by `keep` first would copy a reference to every row's
        value (23 ms for 1.5 million rows against under 1 ms, measured once)."""
        return self.values[f][np.flatnonzero(keep)[at]]

    def _by_code(
        self, f: str, codes: np.ndarray, replaced: np.ndarray, held: np.ndarray, kind: pa.DataType, holds: type
    ) -> pa.Array:
        """Field `f` of the kept rows as an Arrow array of `kind`, taken by their `codes` from
        the field's distinct values, the rows at `replaced` holding `held` (`_kept_codes`,
        `_kept_values`; `codes` is changed in place); a value not of type `holds` is missing."""
        distinct = self._distinct[f]
        codes[replaced] = np.arange(len(distinct), len(distinct) + len(replaced))
        values = distinct.tolist() + held.tolist()
        return pa.array([v if isinstance(v, holds) else None for v in values], type=kind).take(codes)

    def _text(self, f: str, keep: np.ndarray) -> pd.api.extensions.ExtensionArray | None:
        """Field `f` of the kept rows as pandas' Arrow text, when they hold text (at least one)
        or nothing; None otherwise: the column is then made from a list, as pandas infers its
        type. pandas makes Arrow text from a Python string per row (1.5 s per million rows on
        the benchmark machine), so none is made here: when the rows repeat their values, they
        are taken by their codes from the distinct values; else from the column as read, which
        holds every row's value already where the cell was its own value (a name, an ID),
        and only the other rows' values are handed to Arrow."""
        if f not in self._distinct:
            return None
        header = self.model.header(f)
        distinct, written = self._distinct[f], self._written[header]
        codes, replaced = self._kept_codes(f, keep)
        # what each row holds: nothing, its cell as read, other text, or no text
        kinds = _kinds(distinct, written)[codes]
        held = self._kept_values(f, keep, replaced)
        kinds[replaced] = _kinds(held, [None] * len(held))
        if (kinds == _NOT_TEXT).any() or not (kinds >= _AS_READ).any():
            return None
        if 2 * len(distinct) <= len(keep):  # a few thousand values, taken by a million rows
            # the type pandas gives a list of str
            return pd.array(self._by_code(f, codes, replaced, held, pa.large_string(), str), dtype="str")
        column = _text_as_read(self._raw[header])
        if column is None:  # not text as read: every row's value is handed over
            column, kinds[:] = pa.chunked_array([pa.nulls(len(keep), pa.large_string())]), _OTHER_TEXT
        arrow = column.filter(pa.array(keep)).combine_chunks()
        other = kinds != _AS_READ
        if other.any():
            others = self._kept_values(f, keep, other).tolist()
            arrow = pc.replace_with_mask(
                arrow, pa.array(other), pa.array([v if isinstance(v, str) else None for v in others], pa.large_string())
            )
        return pd.array(arrow, dtype="str")


#: the rows of a text column sampled to tell whether its cells are nearly all distinct
#: (`_coded`), in SAMPLE_BLOCKS runs of consecutive rows spread evenly over it, and the share of
#: the sample's cells that must be distinct. Repeats show in a sample only as pairs within it:
#: the runs find the repeats of a file sorted by the column (a provider's projects one after
#: another), and the sample is large for the repeats spread over the file: a column of 1.5M
#: cells each four times (the national projects' providers) shows 0.4% of repeats in 4,096
#: rows and about 6% in 65,536 (a birthday count: s*s*(k-1)/(2n) pairs in s of n rows)
SAMPLE_ROWS = 65_536
SAMPLE_BLOCKS = 64
DISTINCT_SHARE = 0.995


def _coded(column: pd.Series) -> tuple[np.ndarray, Any]:
    """Each row's code into the column's distinct cells (-1 for an empty cell) and those cells,
    as `pd.factorize` gives them; except for Arrow text whose cells are nearly all distinct (IDs,
    names: at least DISTINCT_SHARE of a sample of SAMPLE_ROWS rows), where each present cell is
    a cell of its own, coded by its place among them. Hashing such a column finds almost nothing
    to share and was the larger part of its check: the national evaluations' two ID columns took
    0.18-0.41 s each to factorize, of 1,022,146 cells all distinct (one process). The pass is
    the same either way: it judges each distinct cell once, and a cell that repeats is judged
    once per row instead (tests/test_contract_columns.py holds both codings to the row-by-row
    validation)."""
    text = arrow_text(column.array) if isinstance(column.dtype, pd.StringDtype) else None
    if text is None or not _nearly_distinct(text):
        return pd.factorize(column, use_na_sentinel=True)
    present = pc.is_valid(text).to_numpy(zero_copy_only=False)
    codes = np.full(len(column), -1, dtype=np.intp)
    codes[present] = np.arange(int(present.sum()), dtype=np.intp)
    return codes, (column.array if present.all() else column.array[present])


def _nearly_distinct(text: pa.Array | pa.ChunkedArray) -> bool:
    """Whether at least DISTINCT_SHARE of the present cells of a sample of `text` (every row,
    up to SAMPLE_ROWS; else SAMPLE_BLOCKS runs of consecutive rows spread evenly) are distinct
    (False when the sample holds none)."""
    n = len(text)
    if n > SAMPLE_ROWS:
        # slices, not `take`: a column read in pieces (457 for the national projects) made
        # `take` of the sample's rows cost up to 0.1 s a column, slicing a few ms
        run = SAMPLE_ROWS // SAMPLE_BLOCKS
        runs = [text.slice(int(start), run) for start in np.linspace(0, n - run, SAMPLE_BLOCKS).astype(np.int64)]
        chunks = [c for r in runs for c in (r.chunks if isinstance(r, pa.ChunkedArray) else [r])]
        text = pa.chunked_array(chunks, type=text.type)
    sample = text.drop_null()
    return len(sample) > 0 and len(pc.unique(sample)) >= DISTINCT_SHARE * len(sample)


def _text_as_read(column: pd.Series) -> pa.ChunkedArray | None:
    """A column as read, as Arrow large_string (the readers give pandas' Arrow text); None
    when it does not hold text."""
    arrow = arrow_text(column.array)
    if arrow is None:
        return None
    return (arrow if isinstance(arrow, pa.ChunkedArray) else pa.chunked_array([arrow])).cast(pa.large_string())


#: what a row of a text field holds (ColumnPass._text)
_NOTHING, _AS_READ, _OTHER_TEXT, _NOT_TEXT = 0, 1, 2, 3


def _are(values: np.ndarray, marker: Any) -> np.ndarray:
    """Whether each of `values` (an object array) is `marker`, None or the pass's own marker
    object, as a bool array, compared in C by numpy's elementwise `==`: for these two, a value
    of any type a field gives (text, numbers, dates, lists) is equal only when it is the
    marker itself, and a Python step per value cost more than the rest of a column's check."""
    return np.asarray(values == marker, dtype=bool)


def _kinds(values: np.ndarray, cells: list[Any]) -> np.ndarray:
    """What each of `values` holds, given the cell it was read from (int8): _NOTHING (None, a
    broken cell), _NOT_TEXT (a value of another type), _AS_READ (text equal to its cell) or
    _OTHER_TEXT; found a column at a time: national registers hold about a million distinct
    cells per text field."""
    n = len(values)
    kinds = np.full(n, _OTHER_TEXT, dtype=np.int8)
    text = np.fromiter(map(operator.is_, map(type, values), repeat(str)), bool, n)
    at = np.flatnonzero(text)
    read = np.fromiter(cells, object, n)  # one slot a cell, whatever it holds
    kinds[at[np.asarray(np.equal(values[at], read[at]), dtype=bool)]] = _AS_READ
    kinds[~text] = _NOT_TEXT
    kinds[_are(values, None) | _are(values, _BROKEN)] = _NOTHING
    return kinds


class RowValues:
    """Some rows of a column pass, a field at a time, for a contract's `clear_rows`: each field's
    values as numpy arrays, worked out once per distinct cell, so that the contract's rules can
    be said as arithmetic on whole columns. No value (None) and a value not of the type asked
    for read alike, as NaN or False: a contract must make neither count for clearing a row
    where the rule would reject the value (`truthy` tells a value from none)."""

    def __init__(self, columns: ColumnPass, rows: np.ndarray):
        self._columns, self._rows = columns, rows

    def each(self, field: str, fn: Callable[[Any], Any], dtype: Any = bool) -> np.ndarray:
        """`fn(value)` of `field` on each row, as `dtype`. `fn` is asked once per distinct cell
        of the column, broken cells and the empty cell's value among them, so it must take any
        value (a broken cell is a marker object, not of the field's type)."""
        return self._columns._per_row(field, self._rows, fn, dtype)

    def days(self, field: str) -> np.ndarray:
        """A date field as its proleptic Gregorian day numbers (`date.toordinal`, float64), NaN
        where it holds no `datetime.date` (None, or any other type, a subclass included): a
        difference of two is what `(b - a).days` gives."""
        return self.each(field, lambda v: v.toordinal() if type(v) is dt.date else np.nan, np.float64)

    def numbers(self, field: str) -> np.ndarray:
        """A number field as float64 (Python's floats are IEEE doubles: the same arithmetic),
        NaN where it holds no number."""
        return self.each(field, lambda v: float(v) if type(v) in (int, float) else np.nan, np.float64)

    def truthy(self, field: str) -> np.ndarray:
        """Whether the field's value is true as `if row.field:` reads it (None, "" and [] are
        not); False for a broken cell."""
        return self.each(field, lambda v: v is not _BROKEN and bool(v), bool)


def _warnings(warns: Warns, values: np.ndarray, broken: np.ndarray) -> list[Any]:
    """`warns.check` of each of a field's distinct `values` (None for no value and a `broken`
    cell); where the type says which warn at once (`warns.warned`), asked only of those."""
    hits: list[Any] = [None] * len(values)
    at = np.flatnonzero(~broken & ~_are(values, None))
    if warns.warned is not None and len(at):
        at = at[np.asarray(warns.warned(values[at].tolist()), dtype=bool)]
    for k in at.tolist():
        hits[k] = warns.check(values[k])
    return hits


def _validate_each(adapter: TypeAdapter, cells: list[Any], context: dict[str, Any]) -> list[Any]:
    """Each cell's value, or _BROKEN: one call for the list, a second for the cells that passed."""
    if not cells:
        return []
    try:
        return adapter.validate_python(cells, context=context)
    except ValidationError as err:
        bad = {e["loc"][0] for e in err.errors() if e["loc"]}
    good = [k for k in range(len(cells)) if k not in bad]
    out = [_BROKEN] * len(cells)
    try:
        for k, v in zip(good, adapter.validate_python([cells[k] for k in good], context=context), strict=True):
            out[k] = v
    except ValidationError:  # an error without a position: judge each cell alone
        for k in good:
            with contextlib.suppress(ValidationError):
                out[k] = adapter.validate_python([cells[k]], context=context)[0]
    return out


def _view(model: type[Contract]) -> Contract:
    """An instance whose fields are set by assigning its `__dict__`, for running the model's own
    rules and findings on values already checked (model_construct costs 25 times as much and
    checks nothing more)."""
    obj = model.__new__(model)
    object.__setattr__(obj, "__pydantic_fields_set__", set(model.model_fields))
    object.__setattr__(obj, "__pydantic_extra__", None)
    object.__setattr__(obj, "__pydantic_private__", None)
    return obj
