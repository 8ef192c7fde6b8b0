"""A CSV's lines under its header as Arrow text columns, parsed by pyarrow on every core.

Consumes the decoded text of a CSV or TSV file, the line its records start on, its delimiter
       and its header's width.
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
import pyarrow.csv as pcsv

QUOTE, NEWLINE, RETURN = ord('"'), ord("\n"), ord("\r")


@dataclass(frozen=True)
class Body:
    """The rows under a header: `columns` (one text array per header cell, no nulls, an empty
    cell as "") and `rows` (int64, each row's line number in the file, from 1). Blank lines are
    not rows; a line of empty cells (`,,,`) is."""

    columns: list[pa.ChunkedArray]
    rows: np.ndarray


def offset_of_line(text: str, line: int) -> int | None:
    """Where line `line` (from 1, lines ending in "\\n") starts in `text`; None past its end."""
    at = 0
    for _ in range(line - 1):
        nl = text.find("\n", at)
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


def parse(text: str, first_line: int, delimiter: str, width: int) -> Body | None:
    """The rows of `text` from line `first_line` (from 1) to its end, each split into `width`
    cells at `delimiter` with the csv module's quoting (a value in double quotes, `""` for a
    quote in it). None when the part holds a NUL, starts with a byte-order mark, has a carriage
    return that ends no line, a line with an odd number of quotes or longer than the csv
    module's field size limit, a row of another width than `width` or a line of spaces only:
    the csv module reads those otherwise or reports them, so the caller does."""
    at = offset_of_line(text, first_line)
    if at is None or text[:at].count("\r") != text[:at].count("\r\n"):
        return None  # the lines above were not counted as the csv module counts them
    raw = text[at:].encode("utf-8")
    # pyarrow skips a byte-order mark at the start of what it is given; the csv module keeps it
    if b"\x00" in raw or raw.startswith(codecs.BOM_UTF8):
        return None
    rows = _line_numbers(np.frombuffer(raw, np.uint8), first_line)
    if rows is None:
        return None
    names = [f"c{j}" for j in range(width)]
    odd: list[object] = []

    def refuse(row) -> str:
        odd.append(row)
        return "skip"

    try:
        table = pcsv.read_csv(
            pa.BufferReader(raw),
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
    if odd or table.num_rows != len(rows):
        return None
    return Body([table.column(j) for j in range(width)], rows)
