"""Tables in an HTML page: what many web systems export under a `.xls` name (Excel opens it,
so nobody notices), and what a page saved from a browser holds.

Consumes the page's text (decoded by the reader's own encoding detection, so a GBK export
reads like a GBK CSV).
Emits  one grid per `<table>`: (row number, cells as text), row numbers counting the table's
       rows from 1; a cell spanning rows or columns (rowspan, colspan) gives its text to every
       position it covers, as a merged workbook cell does.

Parsed with lxml (libxml2's HTML parser): it takes the broken markup such exports hold
(unclosed cells, a missing `<tbody>`) the way browsers do.
"""

from __future__ import annotations

import re

Grid = list[tuple[int, list[str]]]

_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_HTML_START = re.compile(
    r"^\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|table|meta|div|style|title)\b",
    re.IGNORECASE | re.DOTALL,
)


def looks_like_html(text: str) -> bool:
    """Whether a file's text is an HTML page (its first tag is an HTML one)."""
    return bool(_HTML_START.match(text[:4096]))


def tables(text: str) -> list[Grid]:
    """Every `<table>` of the page as a grid of text cells (nested tables are their own)."""
    import lxml.html

    text = _XML_DECLARATION.sub("", text, count=1)  # lxml refuses a declaration in a str
    if not text.strip():
        return []
    root = lxml.html.fromstring(text)
    return [_grid(t) for t in root.iter("table")]


def _cell_text(cell) -> str:
    # a line break inside a cell separates items (a list of codes), as in a workbook cell
    for br in cell.iter("br"):
        br.tail = "\n" + (br.tail or "")
    return cell.text_content().strip()


def _span(cell, name: str) -> int:
    try:
        return max(1, min(int(cell.get(name, "1")), 1000))
    except ValueError:
        return 1


def _grid(table) -> Grid:
    rows = [tr for tr in table.iter("tr") if tr.getparent() is table or tr.getparent().getparent() is table]
    carried: dict[tuple[int, int], str] = {}  # (row, column) -> text of a cell spanning down into it
    out: Grid = []
    for r, tr in enumerate(rows):
        cells: list[str] = []
        col = 0
        for cell in tr:
            if not isinstance(cell.tag, str) or cell.tag.lower() not in ("td", "th"):
                continue
            while (r, col) in carried:
                cells.append(carried.pop((r, col)))
                col += 1
            text = _cell_text(cell)
            down, across = _span(cell, "rowspan"), _span(cell, "colspan")
            for c in range(col, col + across):
                cells.append(text)
                for d in range(1, down):
                    carried[(r + d, c)] = text
            col += across
        while (r, col) in carried:
            cells.append(carried.pop((r, col)))
            col += 1
        out.append((r + 1, cells))
    width = max((len(c) for _, c in out), default=0)
    return [(n, cells + [""] * (width - len(cells))) for n, cells in out]
