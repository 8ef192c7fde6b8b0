"""Excel's "XML Spreadsheet 2003" format: what some web systems export under a `.xls` name
(a text file that Excel opens as a workbook, and calamine does not read).

Consumes the file's text.
Emits  a `Workbook` as workbooks.py gives one: the visible worksheets as grids (row number,
       cells as text), merged cells (`ss:MergeAcross`, `ss:MergeDown`) filled, and the hidden
       sheets by name (`<Visible>SheetHidden</Visible>`, `SheetVeryHidden`).

Parsed with lxml, which the HTML reader uses too.
"""

from __future__ import annotations

import re

from .workbooks import Sheet, Workbook

SS = "urn:schemas-microsoft-com:office:spreadsheet"
X = "urn:schemas-microsoft-com:office:excel"
_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)


def looks_like_xml_spreadsheet(text: str) -> bool:
    head = text[:4096]
    return head.lstrip().startswith("<?xml") and (SS in head or 'progid="Excel.Sheet"' in head)


def read_xml_spreadsheet(text: str) -> Workbook:
    """The workbook in the text; raises lxml's XMLSyntaxError for broken XML."""
    from lxml import etree

    root = etree.fromstring(
        _DECLARATION.sub("", text, count=1).encode("utf-8"),
        parser=etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False),
    )
    sheets: list[Sheet]
    hidden: list[tuple[str, str]]
    sheets, hidden = [], []
    for ws in root.iter(f"{{{SS}}}Worksheet"):
        name = ws.get(f"{{{SS}}}Name") or f"Sheet{len(sheets) + len(hidden) + 1}"
        visible = ws.findtext(f"{{{X}}}WorksheetOptions/{{{X}}}Visible") or ""
        if visible in ("SheetHidden", "SheetVeryHidden"):
            hidden.append((name, "very hidden" if visible == "SheetVeryHidden" else "hidden"))
            continue
        sheets.append(_sheet(name, ws))
    return Workbook(sheets, hidden)


def _sheet(name: str, ws) -> Sheet:
    rows: dict[int, dict[int, str]] = {}
    merges: list[tuple[int, int, int, int]] = []
    r = 0
    for row in ws.iter(f"{{{SS}}}Row"):
        r = int(row.get(f"{{{SS}}}Index", r + 1))
        c = 0
        for cell in row.iter(f"{{{SS}}}Cell"):
            c = int(cell.get(f"{{{SS}}}Index", c + 1))
            data = cell.find(f"{{{SS}}}Data")
            text = "".join(data.itertext()).strip() if data is not None else ""
            rows.setdefault(r, {})[c] = _clean_number(text, data)
            across, down = int(cell.get(f"{{{SS}}}MergeAcross", 0)), int(cell.get(f"{{{SS}}}MergeDown", 0))
            if across or down:
                merges.append((r, c, r + down, c + across))
            c += across
    height = max([*rows, *(m[2] for m in merges)], default=0)
    width = max([c for cells in rows.values() for c in cells] + [m[3] for m in merges], default=0)
    grid = [[rows.get(i, {}).get(j, "") for j in range(1, width + 1)] for i in range(1, height + 1)]
    linked = set()
    for r0, c0, r1, c1 in merges:
        for i in range(r0, r1 + 1):
            for j in range(c0, c1 + 1):
                grid[i - 1][j - 1] = grid[r0 - 1][c0 - 1]
            if i > r0:
                linked.add(i - 1)
    return Sheet(name, [(i + 1, cells) for i, cells in enumerate(grid)], linked)


def _clean_number(text: str, data) -> str:
    """A Number cell as Excel shows it: `129900` for `129900.0`; a DateTime cell as its day."""
    kind = data.get(f"{{{SS}}}Type") if data is not None else None
    if kind == "Number" and re.fullmatch(r"-?[0-9]+\.0+", text):
        return text.split(".")[0]
    if kind == "DateTime" and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T00:00:00(?:\.0+)?", text):
        return text[:10]
    return text
