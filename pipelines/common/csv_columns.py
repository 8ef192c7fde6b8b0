"""A CSV's lines under its header as Arrow text columns, parsed by pyarrow on every core.

Consumes the decoded text of a CSV or TSV file (of a UTF-8 file, its first lines are enough,
       with the file's bytes), the line its records start on, its delimiter and its header's
       width.
Emits  the cells column by column with the line number of each row (`Body`), or None when the
       text holds anything this parse might read otherwise than Python's csv module does: the
       reader (readers.py) then reads the file record by record, as it reads every small file.

Why: reading the national benchmark's 1.5M-row projects file record by record took 27 s, most
of it one Python list per row; pyarrow's parser takes its columns in about a second. The two
reads are held equal by tests/test_csv_columns.py.
"""

from __future__ import annotations

import codecs
import csv
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

QUOTE, NEWLINE, RETURN = ord('"'), ord("\n"), ord("\r")


@dataclass(frozen=True)
class Body:
    """The rows under a header: `columns` (one text array per header cell, no nulls, an empty
    cell as "") and `rows` (int64, each row's line number in the file, from 1). Blank lines are
    not rows; a line of empty cells (`,,,`) is."""

    columns: list[pa.ChunkedArray]
    rows: np.ndarray


def offset_of_line(text: str | bytes, line: int) -> int | None:
    """Where line `line` (from 1, lines ending in "\\n") starts in `text` (characters, or bytes
    of UTF-8, where no other character holds the byte of "\\n"); None past its end."""
    newline = "\n" if isinstance(text, str) else b"\n"
    at = 0
    for _ in range(line - 1):
        nl = text.find(newline, at)  # type: ignore[arg-type]  # str with str, bytes with bytes
        if nl < 0:
            return None
        at = nl + 1
    return at


def _line_numbers(data: np.ndarray, first_line: int) -> np.ndarray | None:
    """The line number of every line of `data` (UTF-8 bytes) that is not empty (nothing, or a
    lone "\\r" before its "\\n"), or None when a "\\r" ends a line on its own (the csv module
    counts it as a line, pyarrow may not), a line holds an odd number of quotes (a quoted
    value going on past the line's end, or a stray quote) or a line is longer than the csv
    module's field size limit: read record by record."""
    returns = np.flatnonzero(data == RETURN)
    if len(returns) and (returns[-1] == len(data) - 1 or (data[returns + 1] != NEWLINE).any()):
        return None
    ends = np.flatnonzero(data == NEWLINE)
    starts = np.concatenate(([0], ends + 1))
    stops = np.concatenate((ends, [len(data)]))
    if starts[-1] == len(data):  # the file ends with a newline: no line after it
        starts, stops = starts[:-1], stops[:-1]
    quotes = np.flatnonzero(data == QUOTE)
    if len(quotes) and (np.bincount(np.searchsorted(stops, quotes), minlength=len(starts)) % 2).any():
        return None
    width = stops - starts
    if len(width) and width.max() > csv.field_size_limit():
        return None  # a cell may be longer than the csv module takes: it reports the line, pyarrow reads it
    blank = (width == 0) | ((width == 1) & (data[np.minimum(starts, len(data) - 1)] == RETURN))
    return first_line + np.flatnonzero(~blank)


def _plain_lines(data: bytes, start: int) -> int | None:
    """How many lines `data[start:]` has when no line needs looking at to be numbered: no quote
    anywhere and every "\\r" ending a line before its "\\n". Then, when the parse gives as many
    rows as that (no blank line skipped), row k is line k. None when the lines must be scanned
    (`_line_numbers`). Each test is one pass of `bytes.find`/`count` (national projects file,
    478 MB, in one profile: 0.18 s for the three, where the scan took 1.6 s)."""
    if data.find(b'"', start) >= 0:
        return None
    if data.find(b"\r", start) >= 0 and data.count(b"\r", start) != data.count(b"\r\n", start):
        return None
    return data.count(b"\n", start) + (0 if len(data) == start or data.endswith(b"\n") else 1)


def _longest_cell(table: pa.Table) -> int:
    """The most bytes in any cell of `table` (text columns); 0 for no rows."""
    return max((pc.max(pc.binary_length(c)).as_py() or 0 for c in table.columns), default=0)


def parse(text: str, first_line: int, delimiter: str, width: int, utf8: bytes | None = None) -> Body | None:
    """The rows of `text` from line `first_line` (from 1) to its end, each split into `width`
    cells at `delimiter` with the csv module's quoting (a value in double quotes, `""` for a
    quote in it). `utf8`: the file's own bytes when `text` is their UTF-8 (a byte-order mark
    before line 1 allowed), handed to pyarrow as they are instead of `text` encoded again
    (0.46 s for the national projects file). None when the part holds a NUL, starts with a
    byte-order mark, has a carriage return that ends no line, a line with an odd number of
    quotes, a line (a cell, when no line holds a quote) longer than the csv module's field
    size limit, a row of another width than `width` or a line of spaces only: the csv module
    reads those otherwise or reports them, so the caller does."""
    at = offset_of_line(text, first_line)
    if at is None or text[:at].count("\r") != text[:at].count("\r\n"):
        return None  # the lines above were not counted as the csv module counts them
    if utf8 is None:
        data, start = text[at:].encode("utf-8"), 0
    else:
        found = offset_of_line(utf8, first_line)
        assert found is not None  # the same lines as `text`'s
        data, start = utf8, found
    # pyarrow skips a byte-order mark at the start of what it is given; the csv module keeps it
    if data.find(b"\x00", start) >= 0 or data.startswith(codecs.BOM_UTF8, start):
        return None
    body = memoryview(data)[start:]
    plain = _plain_lines(data, start)
    rows = None
    if plain is None:
        rows = _line_numbers(np.frombuffer(body, np.uint8), first_line)
        if rows is None:
            return None
    names = [f"c{j}" for j in range(width)]
    odd: list[object] = []

    def refuse(row) -> str:
        odd.append(row)
        return "skip"

    try:
        table = pcsv.read_csv(
            pa.BufferReader(pa.py_buffer(body)),
            read_options=pcsv.ReadOptions(column_names=names),
            parse_options=pcsv.ParseOptions(
                delimiter=delimiter,
                quote_char='"',
                double_quote=True,
                escape_char=False,
                newlines_in_values=False,
                ignore_empty_lines=True,
                invalid_row_handler=refuse,
            ),
            convert_options=pcsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, ValueError):
        return None
    if odd:
        return None
    if rows is None:
        assert plain is not None  # `rows` is scanned before the parse otherwise
        if table.num_rows == plain:
            if _longest_cell(table) > csv.field_size_limit():
                return None  # the csv module reports a cell that long
            rows = first_line + np.arange(plain, dtype=np.int64)
        else:  # blank lines were skipped: number the lines by looking at each
            rows = _line_numbers(np.frombuffer(body, np.uint8), first_line)
            if rows is None:
                return None
    if table.num_rows != len(rows):
        return None
    return Body([table.column(j) for j in range(width)], rows)
