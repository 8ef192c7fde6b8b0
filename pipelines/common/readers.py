"""Reading a bureau's files as they come.

Consumes one file of the inbox, read as what its bytes are, whatever its name says: CSV
(comma or tab separated) in UTF-8 with or without BOM, UTF-16, GBK or GB18030, detected and
never configured; a workbook (XLSX, XLSM, XLS, ODS, read with calamine, workbooks.py) with the
data on any visible sheet; an HTML table or an XML Spreadsheet 2003 saved as `.xls`
(html_tables.py, xml_spreadsheets.py). The rows under a long CSV's header are parsed as
columns by pyarrow where that reads them exactly as the csv module would (csv_columns.py).
Emits  one `FileRead` per table found: the rows as text cells under the contract's canonical
       headers, each with its spreadsheet row number, plus what was skipped (title or merged
       banner rows above the header, total, subtotal and footer rows) and notes for the
       accounting (hidden sheets not read, a unit line applied, an empty file).

The header is the row among the first few that names the most of the contract's columns, so
a title above it is skipped and reported, not taken for the header; a header over two rows (a
merged parent over its sub-headers) is read as one. A unit line above or beside the header
(`单位：万元`) sets the unit of amount columns whose header names none. Nothing is dropped
unreported: a line that cannot be taken apart is a `broken` row with its rule, and a file that
is no table at all (a PDF, an archive, random bytes) is one `unreadable_file` entry.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import fnmatch
import io
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa

from data_contracts.base import Contract
from data_contracts.headers import HeaderMatch, header_key, match, spellings
from data_contracts.values import UNITS

from . import html_tables
from .csv_columns import Body, parse
from .row_kinds import not_a_record, plainly_records
from .workbooks import Workbook, read_workbook
from .xml_spreadsheets import looks_like_xml_spreadsheet, read_xml_spreadsheet

WORKBOOKS = {".xlsx", ".xlsm", ".xls", ".ods"}
TEXT_FILES = {".csv", ".tsv", ".txt"}
SUFFIXES = WORKBOOKS | TEXT_FILES
#: tried in this order; GBK before its superset GB18030 only to name the encoding precisely
ENCODINGS = ("utf-8", "gbk", "gb18030")
#: how far down a sheet the header may sit below titles and banners
HEADER_SEARCH_ROWS = 20
#: bytes of a UTF-8 file decoded for the header search before its rows are parsed as columns
HEAD_BYTES = 1 << 20
#: a unit line above or beside the header: `单位：万元`, `金额单位：元`, `（单位：万元）`,
#: `单位：万元人民币`
UNIT_LINE = re.compile(r"单位[:：]\s*(?P<unit>万元|元|万)(?:人民币)?(?![\u4e00-\u9fff])")
_UNIT_NAMED = re.compile(r"\((?:万元|万|元)\)")
#: bytes a file starts with, for files whose name says otherwise
_MAGIC = {
    b"PK\x03\x04": "workbook",
    b"\xd0\xcf\x11\xe0": "workbook",
    b"%PDF": "a PDF document",
    b"\x1f\x8b": "a gzip archive",
    b"Rar!": "a RAR archive",
    b"7z\xbc\xaf": "a 7-Zip archive",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"{\\rtf": "an RTF document",
}
SNAPSHOT_FILE = re.compile(r"_asof_(\d{4}-\d{2}-\d{2})\.[A-Za-z]+$")


@dataclass
class FileRead:
    """One table as read: text cells under canonical headers (with `_file`, `_row`, `_asof`),
    the rows that could not be taken apart, and what the reader saw on the way."""

    frame: pd.DataFrame
    broken: list[tuple[int, str, str]]  # (spreadsheet row, rule, detail)
    units: dict[str, int] = field(default_factory=dict)
    unknown_columns: list[str] = field(default_factory=list)
    #: how the file was read, e.g. "csv gbk", "xlsx sheet 项目清单"
    format: str = ""
    #: (row, why) for rows that are not records: titles, banners, totals
    skipped: list[tuple[int, str]] = field(default_factory=list)
    #: what a clerk should know about the table that is not a row: a hidden sheet not read, a
    #: unit line applied, an empty file (written in the accounting's note)
    notes: list[str] = field(default_factory=list)


def claimed(folder: Path, model: type[Contract]) -> list[Path]:
    """The files of a register: names matching its pattern, any readable suffix, any case."""
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in SUFFIXES and fnmatch.fnmatch(p.stem.lower(), model.files.lower())
    )


def file_asof(name: str, snapshot: dt.date) -> dt.date:
    """The date a file describes: `..._asof_YYYY-MM-DD.csv` is a dated snapshot of the register;
    any other file is the register as of the inbox's snapshot date."""
    m = SNAPSHOT_FILE.search(name)
    return dt.date.fromisoformat(m.group(1)) if m else snapshot


def read_path(path: Path, rel: str, asof: dt.date, model: type[Contract]) -> dict[str, FileRead]:
    """Every table in one file, by part name: the path, plus `[sheet]` for a workbook (or
    `[table N]` for a page with several tables). The file is read as what its first bytes say
    it is, so a CSV named `.xls`, an HTML export named `.xls` or a workbook named `.csv` read
    all the same. Never raises for what a file contains: what cannot be read is reported."""
    try:
        raw = path.read_bytes()
    except OSError as err:
        return {rel: _unreadable(model, f"cannot be opened: {err.strerror or err}", "")}
    kind = _sniff(raw, path)
    if kind == "workbook":
        return _read_workbook(path, rel, asof, model)
    if kind == "text":
        return _read_text(raw, rel, asof, model, path.suffix.lower())
    if kind == "empty":
        return {rel: FileRead(_empty(model), [], format="empty", notes=["empty file: no rows (空文件，没有数据行)"])}
    return {rel: _unreadable(model, kind, "")}


def _sniff(raw: bytes, path: Path) -> str:
    """`workbook`, `text`, `empty`, or what the file is when it is no table (for the message)."""
    if not raw or raw.isspace():  # not raw.strip(): that copies the file
        return "empty"
    for magic, kind in _MAGIC.items():
        if raw.startswith(magic):
            return kind
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "text"
    if b"\x00" in raw[:8192]:
        return "binary data, not a table"
    return "text"


def _unreadable(model: type[Contract], what: str, fmt: str) -> FileRead:
    """A file that holds no table: one entry (row 0), so the accounting still adds up."""
    return FileRead(_empty(model), [(0, "unreadable_file", what)], format=fmt or "unreadable")


# --- text files ---------------------------------------------------------------------------


def decode(raw: bytes) -> tuple[str, str]:
    """The text and the encoding it was in; UnicodeDecodeError when none of them fits. Byte-order
    marks repeated at the start (a file saved twice by tools that each add one) are dropped."""
    if raw.startswith(codecs.BOM_UTF8):
        text, enc = raw[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text, enc = raw.decode("utf-16"), "utf-16"
    else:
        last: UnicodeDecodeError | None = None
        for candidate in ENCODINGS:
            try:
                text, enc = raw.decode(candidate), candidate
                break
            except UnicodeDecodeError as err:
                # without its traceback: the traceback's frame holds `last`, a cycle that would
                # keep the file's bytes and text until a collection
                last = err.with_traceback(None)
        else:
            assert last is not None
            raise last
    return text.lstrip("\ufeff"), enc


def first_lines(text: str, n: int | None = None) -> list[str]:
    """`text.splitlines()[:n]`, or with `n` None its lines at least down to the first one that
    is not blank, without splitting a large text whole: the header search and the choice of
    delimiter look at the first lines only, and a national register is hundreds of MB."""
    size = 1 << 16
    while size < len(text):
        lines = text[:size].splitlines()[:-1]  # the last may be cut short
        if n is not None and len(lines) >= n:
            return lines[:n]
        if n is None and any(ln.strip() for ln in lines):
            return lines
        size *= 4
    return text.splitlines()[:n]


class _HeadTooShort(Exception):
    """The decoded head of a file (`_utf8_head`) ends before the header search does."""


@dataclass(frozen=True)
class _Head:
    """The text of a UTF-8 file's first lines (`whole`: all of them), and its encoding as
    `decode` names it."""

    text: str
    encoding: str
    whole: bool


def _utf8_head(raw: bytes) -> _Head | None:
    """The first HEAD_BYTES of `raw`, cut after a line, as `decode` would read them when they
    are UTF-8; None when they are not (or hold no line end). The rows under a header are parsed
    from the file's own bytes, where pyarrow checks that they are UTF-8 (csv_columns.parse):
    the whole file is decoded only when that parse declines. Decoding the national projects
    file took 0.5 s."""
    bom = raw.startswith(codecs.BOM_UTF8)
    part = raw[len(codecs.BOM_UTF8) :] if bom else raw
    whole = len(part) <= HEAD_BYTES
    if not whole:
        cut = part.rfind(b"\n", 0, HEAD_BYTES)
        if cut < 0:
            return None
        part = part[: cut + 1]
    try:
        text = part.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return _Head(text.lstrip("\ufeff"), "utf-8-sig" if bom else "utf-8", whole)


def _plainly_delimited(head: _Head) -> bool:
    """Whether the head is no HTML page or XML spreadsheet, judged from the same first 4096
    characters as the whole text would be."""
    if not head.whole and len(head.text) < 4096:
        return False
    return not (html_tables.looks_like_html(head.text) or looks_like_xml_spreadsheet(head.text))


def _format(delimiter: str, named: str, encoding: str) -> str:
    """The format the accounting names: `csv utf-8`, `tsv (named .xls) gbk`."""
    kind = "tsv" if delimiter == "\t" else "csv"
    return f"{kind}{named} {encoding}"


def _delimiter(text: str) -> str:
    """Tab when the first filled line holds more tabs than commas, else comma."""
    first = next((ln for ln in first_lines(text) if ln.strip()), "")
    return "\t" if first.count("\t") > first.count(",") else ","


def _read_text(raw: bytes, rel: str, asof: dt.date, model: type[Contract], suffix: str = ".csv") -> dict[str, FileRead]:
    named = "" if suffix in TEXT_FILES else f" (named {suffix})"
    head, columns_tried = _utf8_head(raw), False
    if head is not None and _plainly_delimited(head):
        delimiter = _delimiter(head.text)
        try:
            whole = _read_columns(
                head.text, delimiter, rel, asof, model, _format(delimiter, named, head.encoding), raw, head.whole
            )
        except _HeadTooShort:
            pass
        else:
            if whole is not None:
                return {rel: whole}
            columns_tried = True
    try:
        text, encoding = decode(raw)
    except UnicodeDecodeError as err:
        # Nothing in the file can be trusted: every line is reported, so nothing goes uncounted.
        lines = [ln for ln in raw.splitlines()[1:] if ln.strip()]
        detail = f"not UTF-8, GBK or GB18030 ({err.reason} at byte {err.start})"
        return {
            rel: FileRead(
                _empty(model),
                [(i + 2, "unreadable_file", detail) for i in range(len(lines))],
                format="csv (unknown encoding)",
            )
        }
    if html_tables.looks_like_html(text):
        return _read_html(text, rel, asof, model, f"html table{named} {encoding}")
    if looks_like_xml_spreadsheet(text):
        try:
            book = read_xml_spreadsheet(text)
        except Exception as err:  # lxml's XMLSyntaxError: a broken export
            return {
                rel: _unreadable(
                    model, f"an XML spreadsheet that cannot be parsed ({type(err).__name__})", "xml spreadsheet"
                )
            }
        return _read_sheets(book, rel, asof, model, f"xml spreadsheet{named}")
    delimiter = _delimiter(text)
    fmt = _format(delimiter, named, encoding)
    # a UTF-8 file's rows were parsed as columns above, from its head, unless that was too short
    utf8 = encoding in ("utf-8", "utf-8-sig")
    if (
        not (utf8 and columns_tried)
        and (whole := _read_columns(text, delimiter, rel, asof, model, fmt, raw if utf8 else None)) is not None
    ):
        return {rel: whole}
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    grid, line = [], 1
    try:
        for record in reader:
            start, line = line, reader.line_num + 1
            grid.append((start, record))
    except csv.Error as err:  # a NUL byte or an unclosed quote at the end: the rest is one report
        rest = [ln for ln in text.splitlines()[line - 1 :] if ln.strip()]
        fr = _table(grid, rel, asof, model, "csv", strict_width=True)
        fr.broken += [(line + i, "unreadable_file", f"csv: {err}") for i in range(len(rest))]
        return {rel: fr}
    return {rel: _table(grid, rel, asof, model, fmt, strict_width=True)}


def _lines(text: str) -> Iterator[str]:
    """The lines of `text`, each with its "\n", one at a time (no copy of the whole text)."""
    at = 0
    while at < len(text):
        end = text.find("\n", at)
        end = len(text) if end < 0 else end + 1
        yield text[at:end]
        at = end


def _read_columns(
    text: str,
    delimiter: str,
    rel: str,
    asof: dt.date,
    model: type[Contract],
    fmt: str,
    utf8: bytes | None = None,
    complete: bool = True,
) -> FileRead | None:
    """The file read as `_read_text` reads it record by record, with the rows under the header
    parsed as columns (csv_columns.py), or None where that parse declines or the file is
    short: the header is looked for in the first records as always, so the two reads find the
    same one only when the file has more filled rows than the header search looks at.
    `utf8`: the file's bytes when `text` is their UTF-8; with `complete` False `text` is only
    the first lines of them (`_utf8_head`), and _HeadTooShort is raised when the header search
    reaches their end."""
    reader = csv.reader(_lines(text), delimiter=delimiter)
    head: list[tuple[int, list[str]]] = []
    ends: list[int] = []
    filled, line = 0, 1
    try:
        for record in reader:
            head.append((line, record))
            ends.append(reader.line_num)
            line = reader.line_num + 1
            filled += not _blank(record)
            if filled > HEADER_SEARCH_ROWS:
                break
    except csv.Error:  # at the end of a head, a quoted value may go on past it
        if not complete:
            raise _HeadTooShort from None
        return None
    if not complete and (filled <= HEADER_SEARCH_ROWS or line > text.count("\n")):
        raise _HeadTooShort  # the last record read may go on past the head
    found = _find_header(head, model)
    if filled <= HEADER_SEARCH_ROWS or found.match is None:
        return None
    body = parse(text, ends[found.at] + 1, delimiter, len(head[found.at][1]), utf8)
    if body is None:
        return None
    return _table(head, rel, asof, model, fmt, found, strict_width=True, body=body)


def _read_html(text: str, rel: str, asof: dt.date, model: type[Contract], fmt: str) -> dict[str, FileRead]:
    try:
        grids = [g for g in html_tables.tables(text) if any(not _blank(c) for _, c in g)]
    except Exception as err:  # lxml's parser errors: a page too broken to hold a table
        return {rel: _unreadable(model, f"an HTML page that cannot be parsed ({type(err).__name__})", fmt)}
    if not grids:
        return {rel: _unreadable(model, "an HTML page without a table", fmt)}
    found = [_find_header(g, model) for g in grids]
    chosen = _chosen(list(range(len(grids))), lambda i: found[i][1])
    parts = {i: rel if len(chosen) == 1 else f"{rel}[table {i + 1}]" for i in chosen}
    return {parts[i]: _table(grids[i], parts[i], asof, model, fmt, found[i]) for i in chosen}


def _chosen(names: list, header_of) -> list:
    """The tables to read: every one whose header has all required columns, or else the one that
    comes closest (its missing columns are then reported)."""
    complete = [n for n in names if header_of(n) is not None and not header_of(n).missing]
    best = max(names, key=lambda n: header_of(n).fields_found if header_of(n) else 0, default=None)
    return complete or ([best] if best is not None else [])


# --- workbooks ----------------------------------------------------------------------------


def _read_workbook(path: Path, rel: str, asof: dt.date, model: type[Contract]) -> dict[str, FileRead]:
    kind = path.suffix.lower()[1:] or "workbook"
    try:
        wb = read_workbook(path)
    except Exception as err:  # calamine raises its own errors for damaged or encrypted files
        detail = f"not a readable workbook ({type(err).__name__}: {str(err)[:120]})"
        return {rel: _unreadable(model, detail, kind)}
    return _read_sheets(wb, rel, asof, model, kind)


def _read_sheets(wb: Workbook, rel: str, asof: dt.date, model: type[Contract], kind: str) -> dict[str, FileRead]:
    # the data may sit on any visible sheet: read every sheet whose header has all required
    # columns, or else the one that comes closest (its missing columns are then reported)
    sheets = {s.name: s for s in wb.sheets}
    found = {name: _find_header(s.grid, model, s.merged_with_above) for name, s in sheets.items()}
    out = {
        f"{rel}[{name}]": _table(sheets[name].grid, f"{rel}[{name}]", asof, model, f"{kind} sheet {name}", found[name])
        for name in _chosen(list(sheets), lambda n: found[n][1])
    }
    for name, s in sheets.items():
        if f"{rel}[{name}]" not in out and any(not _blank(c) for _, c in s.grid):
            out[f"{rel}[{name}]"] = FileRead(
                _empty(model),
                [],
                format=f"{kind} sheet {name}",
                notes=["sheet not read: no header of this register (未读取：没有本登记表的表头)"],
            )
    for name, visibility in wb.hidden:
        out[f"{rel}[{name}]"] = FileRead(
            _empty(model),
            [],
            format=f"{kind} sheet {name} ({visibility})",
            notes=[
                f"{visibility} sheet not read: hidden sheets are not data; unhide it if it is the register "
                f"(隐藏工作表未读取：如确为登记数据，请取消隐藏)"
            ],
        )
    if not out:
        return {rel: _unreadable(model, "a workbook without a visible sheet holding a table", kind)}
    return out


# --- one table ----------------------------------------------------------------------------


def _empty(model: type[Contract]) -> pd.DataFrame:
    return pd.DataFrame(columns=["_file", "_row", "_asof", *model.headers()])


def _blank(cells: list[str]) -> bool:
    return not any(c.strip() for c in cells)


class Found(NamedTuple):
    """Where a table's header is: its last row `at` (the records start below it), its first row
    `top` (the same, or the row of a parent header above), its cells (a two-row header's
    combined) and how they match the contract."""

    at: int
    match: HeaderMatch | None
    top: int = -1
    cells: list[str] = []


def _find_header(
    grid: list[tuple[int, list[str]]], model: type[Contract], linked: set[int] | frozenset[int] = frozenset()
) -> Found:
    """The header: the row among the first HEADER_SEARCH_ROWS filled ones that names the most
    fields (at least two). A row read together with the row above (a parent header over
    sub-headers, `_combine`) counts when that names more fields, or as many when merged cells
    tie the two rows (`linked`: grid positions merged with the row above)."""
    best = Found(-1, None)
    seen, previous = 0, -2
    for i, (_, cells) in enumerate(grid):
        if _blank(cells):
            continue
        seen += 1
        if seen > HEADER_SEARCH_ROWS:
            break
        here = Found(i, match(model, cells), i, cells)
        if previous == i - 1:
            combined = _combine(grid[i - 1][1], cells, model)
            both = match(model, combined)
            assert here.match is not None  # set from match() just above
            if both.fields_found > here.match.fields_found or (
                i in linked and both.fields_found == here.match.fields_found
            ):
                here = Found(i, both, i - 1, combined)
        assert here.match is not None  # set from match() above
        if here.match.fields_found >= 2 and (best.match is None or here.match.fields_found > best.match.fields_found):
            best = here
        previous = i
    return best


def _combine(parent: list[str], child: list[str], model: type[Contract]) -> list[str]:
    """A two-row header as one row: a sub-header under a parent (`金额（万元）` over `预算金额`,
    `合同金额`) is read as itself with the parent's unit, or as parent and sub-header together
    when only that names a field; a cell merged down over both rows is itself. A parent left
    empty over a sub-header (its merge lost in a CSV) is the parent to its left."""
    known = spellings(model)
    out, group = [], ""
    for j in range(max(len(parent), len(child))):
        p = parent[j].strip() if j < len(parent) else ""
        c = child[j].strip() if j < len(child) else ""
        if p:
            group = p
        elif c:
            p = group
        if not c or not p or p == c:
            out.append(c or p)
            continue
        options = []
        unit = _UNIT_NAMED.search(header_key(p))
        if unit and not _UNIT_NAMED.search(header_key(c)):
            options.append(c + unit.group())
        options += [c, p + c]
        out.append(next((o for o in options if header_key(o) in known), c))
    return out


#: `_why_not_a_record` of a blank row: skipped without a report
BLANK = ""


def _why_not_a_record(cells: list[str]) -> str | None:
    """Why a row under the header is not a record: BLANK for a blank row, else `not_a_record`
    of its first filled cell (None: a record)."""
    first = cells[0] if cells and cells[0].strip() else next((c for c in cells if c.strip()), None)
    return BLANK if first is None else not_a_record(first.strip())


def _records(
    lines: list[tuple[int, list[str]]], width: int, strict_width: bool
) -> tuple[list[int], list[tuple[str, ...]], list[tuple[int, str, str]], list[tuple[int, str]]]:
    """The records among the rows under a header: (their rows, their cells column by column,
    rows broken apart, rows skipped with why). A row of another width than the header's is
    padded or cut where its extra cells are empty, and broken with `strict_width` (a CSV)."""
    kept, rows, broken, skipped = [], [], [], []  # gathered row-wise and handed on as columns
    for row, cells in lines:
        if (why := _why_not_a_record(cells)) is not None:
            if why:  # a blank row is not reported
                skipped.append((row, why))
            continue
        if len(cells) != width:
            if len(cells) > width and _blank(cells[width:]):
                cells = cells[:width]  # trailing empty cells, as some tools save them
            if strict_width and len(cells) != width:
                broken.append((row, "wrong_cell_count", f"{len(cells)} cells, header has {width}"))
                continue
            cells = (cells + [""] * width)[:width]
        kept.append(cells)
        rows.append(row)
    return rows, list(zip(*kept, strict=True)), broken, skipped


def _records_in_columns(
    body: Body, wanted: set[int]
) -> tuple[np.ndarray, dict[int, pd.api.extensions.ExtensionArray], list[tuple[int, str]]]:
    """`_records` for rows parsed as columns (all of the header's width): the rows whose first
    cell is plainly a record's are kept whole-column; only the others are looked at one by one,
    as `_records` looks at every row. Returns the kept rows, the `wanted` columns of them (text)
    and the rows skipped with why."""
    keep = plainly_records(body.columns[0])
    skipped = []
    others = np.flatnonzero(~keep)
    if len(others):
        at = pa.array(others)
        for i, cells in zip(others, zip(*(c.take(at).to_pylist() for c in body.columns), strict=True), strict=True):
            if (why := _why_not_a_record(list(cells))) is None:
                keep[i] = True
            elif why:  # a blank row is not reported
                skipped.append((int(body.rows[i]), why))
    if keep.all():
        return body.rows, {j: pd.array(body.columns[j], dtype="str") for j in wanted}, skipped
    mask = pa.array(keep)
    return body.rows[keep], {j: pd.array(body.columns[j].filter(mask), dtype="str") for j in wanted}, skipped


def _unit_line(grid: list[tuple[int, list[str]]], header: Found) -> tuple[int, str, int] | None:
    """The unit line above the header or among its cells: (row, its text, yuan per unit)."""
    assert header.match is not None  # only called for a header found (_table returns before)
    places = [(row, c) for row, cells in grid[: header.top] for c in cells if c]
    places += [(grid[header.at][0], c) for j, c in enumerate(header.cells) if c and j not in header.match.columns]
    for row, text in places:
        m = UNIT_LINE.search(text.replace(" ", ""))
        if m:
            return row, text.strip(), UNITS[m["unit"]]
    return None


def _units(grid: list[tuple[int, list[str]]], header: Found, model: type[Contract]) -> tuple[dict[str, int], list[str]]:
    """Yuan per unit of each amount field, and a note when a unit line set them: the header's
    own unit (`合同金额（万元）`) wins over the unit line, which sets the others."""
    assert header.match is not None  # only called for a header found (_table returns before)
    units = dict(header.match.units)
    line = _unit_line(grid, header)
    if line is None:
        return units, []
    row, text, factor = line
    amounts = {name for name, f in spellings(model).values() if f != 1}
    field_of = {model.header(f): f for f in model.model_fields}
    applied = []
    for j, canonical in header.match.columns.items():
        name = field_of[canonical]
        if name in amounts and not _UNIT_NAMED.search(header_key(header.cells[j])):
            applied.append(header.cells[j].strip())
            if factor != 1:
                units[name] = factor
    if not applied:
        return units, []
    unit = next(u for u, f in UNITS.items() if f == factor)
    return units, [
        f"amounts in {unit} as the unit line in row {row} says ({text}): {', '.join(applied)} "
        f"(金额单位按第{row}行“{text}”读取)"
    ]


def _table(
    grid: list[tuple[int, list[str]]],
    part: str,
    asof: dt.date,
    model: type[Contract],
    fmt: str,
    found: Found | None = None,
    strict_width: bool = False,
    body: Body | None = None,
) -> FileRead:
    """The records under the header (`found`, when the caller already looked for it): the rows
    of `grid` below it, or, when the caller parsed them as columns, `body` (then `grid` holds
    the rows down to the header at least)."""
    found = found or _find_header(grid, model)
    at, header = found.at, found.match
    if header is None:
        # No row looks like this register's header: a wrong file, sheet or encoding. Every
        # filled row is reported so that the accounting still adds up.
        expected = "、".join(model.headers()[:3])
        return FileRead(
            _empty(model), [(row, "no_header_row", expected) for row, cells in grid if not _blank(cells)], format=fmt
        )
    width = len(grid[at][1])
    skipped = [(row, "title or banner above the header") for row, cells in grid[: found.top] if not _blank(cells)]
    skipped += [(grid[i][0], "upper header row") for i in range(found.top, at)]
    units, notes = _units(grid, found, model)
    rows: Sequence[int] | np.ndarray
    columns: Mapping[int, Sequence[str]] | Sequence[Sequence[str]]
    if body is None:
        rows, columns, broken, more = _records(grid[at + 1 :], width, strict_width)
    else:
        rows, columns, more = _records_in_columns(body, set(header.columns))
        broken = []
    skipped += more
    names = ["_file", "_row", "_asof", *header.columns.values()]
    if len(rows):
        frame = pd.DataFrame(
            {"_file": part, "_row": rows, "_asof": asof, **{name: columns[i] for i, name in header.columns.items()}},
            columns=names,
        )
    else:
        frame = pd.DataFrame({n: pd.Series([], dtype=object) for n in names}, columns=names)
    unknown = [h for h in header.unknown if not UNIT_LINE.search(h.replace(" ", ""))]
    unknown += [f"{h} (repeats a column)" for h in header.repeated]
    return FileRead(frame, broken, units, unknown, fmt, skipped, notes)
