"""Reading a bureau's files as they come.

Consumes one file of the inbox: CSV (comma or tab separated) in UTF-8 with or without BOM,
UTF-16, GBK or GB18030, detected and never configured; or a workbook (XLSX, XLSM, XLS, ODS,
read with calamine) with the data on any sheet.
Emits  one `FileRead` per table found: the rows as text cells under the contract's canonical
       headers, each with its spreadsheet row number, plus what was skipped (title or merged
       banner rows above the header, total rows, blank rows) and what could not be read.

The header is the row among the first few that names the most of the contract's columns, so
a title above it is skipped and reported, not taken for the header. Nothing is dropped
unreported: a line that cannot be taken apart is a `broken` row with its rule.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import fnmatch
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from data_contracts.base import Contract
from data_contracts.headers import HeaderMatch, header_key, match

WORKBOOKS = {".xlsx", ".xlsm", ".xls", ".ods"}
TEXT_FILES = {".csv", ".tsv", ".txt"}
SUFFIXES = WORKBOOKS | TEXT_FILES
#: tried in this order; GBK before its superset GB18030 only to name the encoding precisely
ENCODINGS = ("utf-8", "gbk", "gb18030")
#: how far down a sheet the header may sit below titles and banners
HEADER_SEARCH_ROWS = 20
#: a row whose first filled cell starts with one of these is a total, not a record
TOTAL_WORDS = ("合计", "总计", "小计", "共计", "total")
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


def claimed(folder: Path, model: type[Contract]) -> list[Path]:
    """The files of a register: names matching its pattern, any readable suffix, any case."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES
                  and fnmatch.fnmatch(p.stem.lower(), model.files.lower()))


def file_asof(name: str, snapshot: dt.date) -> dt.date:
    """The date a file describes: `..._asof_YYYY-MM-DD.csv` is a dated snapshot of the register;
    any other file is the register as of the inbox's snapshot date."""
    m = SNAPSHOT_FILE.search(name)
    return dt.date.fromisoformat(m.group(1)) if m else snapshot


def read_path(path: Path, rel: str, asof: dt.date, model: type[Contract]) -> dict[str, FileRead]:
    """Every table in one file, by part name: the path, plus `[sheet]` for a workbook."""
    if path.suffix.lower() in WORKBOOKS:
        return _read_workbook(path, rel, asof, model)
    return {rel: _read_text(path, rel, asof, model)}


# --- text files ---------------------------------------------------------------------------

def decode(raw: bytes) -> tuple[str, str]:
    """The text and the encoding it was in; UnicodeDecodeError when none of them fits."""
    if raw.startswith(codecs.BOM_UTF8):
        return raw[len(codecs.BOM_UTF8):].decode("utf-8"), "utf-8-sig"
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16"), "utf-16"
    last: UnicodeDecodeError | None = None
    for enc in ENCODINGS:
        try:
            return raw.decode(enc), enc
        except UnicodeDecodeError as err:
            last = err
    assert last is not None
    raise last


def _read_text(path: Path, rel: str, asof: dt.date, model: type[Contract]) -> FileRead:
    raw = path.read_bytes()
    try:
        text, encoding = decode(raw)
    except UnicodeDecodeError as err:
        # Nothing in the file can be trusted: every line is reported, so nothing goes uncounted.
        lines = [ln for ln in raw.splitlines()[1:] if ln.strip()]
        detail = f"not UTF-8, GBK or GB18030 ({err.reason} at byte {err.start})"
        return FileRead(_empty(model), [(i + 2, "unreadable_file", detail) for i in range(len(lines))],
                        format="csv (unknown encoding)")
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    grid, line = [], 1
    for record in reader:
        start, line = line, reader.line_num + 1
        grid.append((start, record))
    kind = "tsv" if delimiter == "\t" else "csv"
    return _table(grid, rel, asof, model, f"{kind} {encoding}", strict_width=True)


# --- workbooks ----------------------------------------------------------------------------

def _cell(v: object) -> str:
    """A workbook cell as the text a clerk sees (whole numbers without `.0`, dates as ISO)."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time() else v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


def _read_workbook(path: Path, rel: str, asof: dt.date, model: type[Contract]) -> dict[str, FileRead]:
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(path))
        sheets = {name: [(i + 1, [_cell(v) for v in row])
                         for i, row in enumerate(wb.get_sheet_by_name(name).to_python(skip_empty_area=False))]
                  for name in wb.sheet_names}
    except Exception as err:  # calamine raises its own errors for damaged or encrypted files
        detail = f"not a readable workbook ({type(err).__name__}: {str(err)[:120]})"
        return {rel: FileRead(_empty(model), [(0, "unreadable_file", detail)], format=path.suffix.lower()[1:])}
    # the data may sit on any sheet: read every sheet whose header has all required columns,
    # or else the one that comes closest (its missing columns are then reported)
    found = {name: _find_header(grid, model) for name, grid in sheets.items()}
    complete = [n for n, (_, m) in found.items() if m is not None and not m.missing]
    best = max(found, key=lambda n: (found[n][1].fields_found if found[n][1] else 0), default=None)
    chosen = complete or ([best] if best is not None else [])
    kind = path.suffix.lower()[1:]
    return {f"{rel}[{name}]": _table(sheets[name], f"{rel}[{name}]", asof, model, f"{kind} sheet {name}", found[name])
            for name in chosen}


# --- one table ----------------------------------------------------------------------------

def _empty(model: type[Contract]) -> pd.DataFrame:
    return pd.DataFrame(columns=["_file", "_row", "_asof", *model.headers()])


def _blank(cells: list[str]) -> bool:
    return not any(c.strip() for c in cells)


def _find_header(grid: list[tuple[int, list[str]]], model: type[Contract]) -> tuple[int, HeaderMatch | None]:
    """Position in `grid` of the header row and its match: the row among the first
    HEADER_SEARCH_ROWS filled ones that names the most fields (at least two)."""
    best: tuple[int, HeaderMatch | None] = (-1, None)
    seen = 0
    for i, (_, cells) in enumerate(grid):
        if _blank(cells):
            continue
        seen += 1
        if seen > HEADER_SEARCH_ROWS:
            break
        m = match(model, cells)
        if m.fields_found >= 2 and (best[1] is None or m.fields_found > best[1].fields_found):
            best = (i, m)
    return best


def _is_total(first: str) -> bool:
    """Whether a row whose first filled cell is `first` is a total row."""
    ch = first[0]
    # most rows start with a code or a name: a letter, digit or ideograph that no total word
    # starts with, and that header_key keeps as it is, so the normalisation can be skipped
    if (ch.isascii() and ch.isalnum() and ch not in "tT") or ("\u4e00" <= ch <= "\u9fff" and ch not in "合总小共"):
        return False
    return header_key(first).startswith(TOTAL_WORDS)


def _table(grid: list[tuple[int, list[str]]], part: str, asof: dt.date, model: type[Contract], fmt: str,
           found: tuple[int, HeaderMatch | None] | None = None, strict_width: bool = False) -> FileRead:
    """The records under the header row (`found`, when the caller already looked for it)."""
    at, header = found or _find_header(grid, model)
    if header is None:
        # No row looks like this register's header: a wrong file, sheet or encoding. Every
        # filled row is reported so that the accounting still adds up.
        expected = "、".join(model.headers()[:3])
        return FileRead(_empty(model), [(row, "no_header_row", expected) for row, cells in grid if not _blank(cells)],
                        format=fmt)
    width = len(grid[at][1])
    skipped = [(row, "title or banner above the header") for row, cells in grid[:at] if not _blank(cells)]
    kept, rows, broken = [], [], []  # the records are gathered row-wise and handed on as columns
    for row, cells in grid[at + 1:]:
        first = cells[0] if cells and cells[0].strip() else next((c for c in cells if c.strip()), None)
        if first is None:
            continue  # a blank row
        if _is_total(first.strip()):
            skipped.append((row, "total row"))
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
    names = ["_file", "_row", "_asof", *header.columns.values()]
    if kept:
        columns = list(zip(*kept, strict=True))
        frame = pd.DataFrame({"_file": part, "_row": rows, "_asof": asof,
                              **{name: columns[i] for i, name in header.columns.items()}}, columns=names)
    else:
        frame = pd.DataFrame([], columns=names)
    unknown = header.unknown + [f"{h} (repeats a column)" for h in header.repeated]
    return FileRead(frame, broken, header.units, unknown, fmt, skipped)
