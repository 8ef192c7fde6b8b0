"""A workbook's sheets as grids of text, the way a clerk sees them on screen.

Consumes an XLSX, XLSM, XLS or ODS file (read with calamine).
Emits  `Sheet`s: the visible worksheets as grids (row number, cells as text) with merged
       cells filled, and the sheets that are not data (hidden or very hidden), by name.

Merged cells: calamine gives a merged range's value in its top-left cell only and the others
come back empty, so a district merged down over its streets would be lost on every row but
the first. Each cell of a merged range takes the range's value, as the clerk reads it.

Hidden sheets: a hidden (or "very hidden") sheet is not what the bureau hands over: it is
typically an old copy kept for reference, or a lookup list behind a drop-down. It is not read;
the accounting names it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

Grid = list[tuple[int, list[str]]]


@dataclass
class Sheet:
    name: str
    grid: Grid
    #: rows (grid positions) whose cells are merged with the row above in some column: a
    #: header that spans two rows is told by this
    merged_with_above: set[int] = field(default_factory=set)


@dataclass
class Workbook:
    sheets: list[Sheet]
    #: (sheet name, visibility) of the sheets not read because they are hidden
    hidden: list[tuple[str, str]]


def cell_text(v: object) -> str:
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


def read_workbook(path: Path) -> Workbook:
    """The workbook's visible worksheets, merged cells filled. Raises whatever calamine raises
    for a file that is not a workbook (the reader reports it)."""
    from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

    wb = CalamineWorkbook.from_path(str(path))
    meta = {m.name: m for m in wb.sheets_metadata}
    sheets, hidden = [], []
    for name in wb.sheet_names:
        m = meta.get(name)
        if m is not None and m.visible != SheetVisibleEnum.Visible:
            hidden.append((name, "very hidden" if m.visible == SheetVisibleEnum.VeryHidden else "hidden"))
            continue
        if m is not None and m.typ not in (SheetTypeEnum.WorkSheet,):
            continue  # a chart or macro sheet holds no table
        sheet = wb.get_sheet_by_name(name)
        rows = [[cell_text(v) for v in row] for row in sheet.to_python(skip_empty_area=False)]
        linked = _fill_merges(rows, sheet.merged_cell_ranges or [])
        sheets.append(Sheet(name, [(i + 1, cells) for i, cells in enumerate(rows)], linked))
    return Workbook(sheets, hidden)


def _fill_merges(rows: list[list[str]], ranges: list) -> set[int]:
    """Give every cell of each merged range the range's value (in place); returns the rows
    merged with the row above."""
    linked: set[int] = set()
    for (r0, c0), (r1, c1) in ranges:
        if r0 >= len(rows):
            continue
        top = rows[r0][c0] if c0 < len(rows[r0]) else ""
        for r in range(r0, min(r1, len(rows) - 1) + 1):
            row = rows[r]
            if len(row) <= c1:
                row.extend([""] * (c1 + 1 - len(row)))
            for c in range(c0, c1 + 1):
                row[c] = top
            if r > r0:
                linked.add(r)
    return linked
