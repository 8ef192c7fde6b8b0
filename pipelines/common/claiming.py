"""Which register a file is: by what it holds, not what it is called.

Consumes the inbox: every readable file (CSV/TSV/TXT, XLSX/XLSM/XLS/ODS) in a register's
folder or at the inbox's root, and the clerk's mapping in manifest.yaml (mapping.py).
Emits  one `Claim` per file: the register that takes it, or none and why.

A file's header decides (its first rows are read, never the whole file):
- in a register's folder, the file is taken whatever its name, by the folder's register whose
  columns its header names best (communities / district changes, organisations / annual
  inspections, hubs / memberships share folders); when the header names none of them, by the
  file-name pattern, else by the folder's first register (its rows are then reported as
  `no_header_row` or `missing_column`, so nothing goes unaccounted);
- at the root or in a folder no register uses, by the one register whose required columns the
  header holds, when exactly one does and names more of its columns than any other; else the
  file is reported as not taken, with the candidates;
- a file the mapping names (`register:`) goes to that register.

A header is "complete" for a register when it has every column the register cannot derive
(Contract.required_columns); the better of two complete registers names the larger share of
the header's cells.
"""

from __future__ import annotations

import csv
import fnmatch
import io
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from data_contracts import CONTRACTS
from data_contracts.base import Contract
from data_contracts.headers import mapped, match

from . import mapping as mappings
from .readers import HEADER_SEARCH_ROWS, SUFFIXES, WORKBOOKS, decode, first_lines

#: bytes of a text file read to find its header (a header sits in the first few lines)
PEEK_BYTES = 64 * 1024
#: files at the inbox root that are the inbox's own, not registers
OWN_FILES = {"manifest.yaml", "planted_defects.yaml"}


@dataclass(frozen=True)
class Score:
    register: str
    #: the header holds every column the register cannot derive
    complete: bool
    #: fields its header names, and their share of the header's filled cells
    found: int
    share: float
    missing: tuple[str, ...]
    #: position (0-based, among the rows peeked) of the header row, and the sheet
    header_row: int
    sheet: str

    @property
    def rank(self) -> tuple[bool, float, int]:
        return (self.complete, self.share, self.found)


@dataclass(frozen=True)
class Claim:
    path: Path
    rel: str
    register: str | None
    how: str  # "header", "file name", "folder", "mapping", or why not taken
    scores: tuple[Score, ...] = ()


def peek(path: Path) -> dict[str, list[list[str]]]:
    """The first rows of each table in a file (sheet name, or "" for a text file), as text.
    An unreadable file gives no tables."""
    if path.suffix.lower() in WORKBOOKS:
        try:
            from python_calamine import CalamineWorkbook

            wb = CalamineWorkbook.from_path(str(path))
            return {
                name: [
                    ["" if v is None else str(v) for v in row]
                    for row in wb.get_sheet_by_name(name).to_python(nrows=HEADER_SEARCH_ROWS + 5)
                ]
                for name in wb.sheet_names
            }
        except Exception:  # a damaged workbook: the reader reports it
            return {}
    try:
        with path.open("rb") as fh:
            raw = fh.read(PEEK_BYTES)
    except OSError:  # unreadable here: the reader reports it
        return {}
    text = _decode_prefix(raw, complete=len(raw) < PEEK_BYTES)
    if text is None:
        return {}
    lines = first_lines(text, HEADER_SEARCH_ROWS + 5)
    first = next((ln for ln in lines if ln.strip()), "")
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    try:
        return {"": list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter))}
    except csv.Error:
        return {}


def _decode_prefix(raw: bytes, complete: bool) -> str | None:
    """The text of a file's first bytes; a character cut at the end is dropped."""
    for cut in range(0, 4 if not complete else 1):
        try:
            return decode(raw[: len(raw) - cut] if cut else raw)[0]
        except UnicodeDecodeError:
            continue
    return None


def score(model: type[Contract], tables: dict[str, list[list[str]]], headers: dict[str, str]) -> Score:
    """How well a file's best header row names this register's columns."""
    best = Score(model.source, False, 0, 0.0, tuple(model.required_columns()), -1, "")
    with mapped(headers):
        for sheet, rows in tables.items():
            for i, cells in enumerate(rows):
                filled = [c for c in cells if c and c.strip()]
                if len(filled) < 2:
                    continue
                m = match(model, cells)
                if m.fields_found < 2:
                    continue
                s = Score(
                    model.source,
                    not m.missing,
                    m.fields_found,
                    m.fields_found / len(filled),
                    tuple(m.missing),
                    i,
                    sheet,
                )
                if s.rank > best.rank:
                    best = s
    return best


def _folders() -> dict[str, list[type[Contract]]]:
    out: dict[str, list[type[Contract]]] = {}
    for m in CONTRACTS.values():
        out.setdefault(m.folder, []).append(m)
    return out


def _candidates(source_dir: Path) -> list[Path]:
    """Readable files in the register folders and at the inbox root."""
    out = (
        [p for p in source_dir.iterdir() if p.is_file() and p.name not in OWN_FILES and p.suffix.lower() in SUFFIXES]
        if source_dir.is_dir()
        else []
    )
    for folder in sorted(_folders()):
        d = source_dir / folder
        if d.is_dir():
            out += [p for p in d.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES]
    return sorted(out)


def claim(path: Path, source_dir: Path, mapping: mappings.Mapping) -> Claim:
    """The register that takes one file, and how it was decided."""
    rel = path.relative_to(source_dir).as_posix()
    named = mapping.register_of(rel)
    tables = peek(path)
    if named:
        return Claim(path, rel, named, "mapping", (score(CONTRACTS[named], tables, mapping.headers_for(named, rel)),))
    folder = path.parent.name if path.parent != source_dir else ""
    local = _folders().get(folder, [])
    pool = local or list(CONTRACTS.values())
    scores = sorted(
        (score(m, tables, mapping.headers_for(m.source, rel)) for m in pool), key=lambda s: s.rank, reverse=True
    )
    best = scores[0] if scores else None
    if local:
        if best is not None and best.found >= 2 and (len(scores) == 1 or best.rank > scores[1].rank):
            return Claim(path, rel, best.register, "header", tuple(scores))
        by_name = [m for m in local if fnmatch.fnmatch(path.stem.lower(), m.files.lower())]
        if by_name:
            return Claim(path, rel, by_name[0].source, "file name", tuple(scores))
        return Claim(path, rel, local[0].source, "folder", tuple(scores))
    complete = [s for s in scores if s.complete]
    if len(complete) == 1 and complete[0].found >= 3:
        return Claim(path, rel, complete[0].register, "header", tuple(scores))
    if len(complete) > 1 and complete[0].rank[1:] > complete[1].rank[1:] and complete[0].found >= 3:
        return Claim(path, rel, complete[0].register, "header", tuple(scores))
    near = ", ".join(f"{s.register} ({s.found} columns)" for s in scores[:3] if s.found)
    why = (
        f"header fits more than one register: {near}"
        if len(complete) > 1
        else f"header fits no register; nearest: {near}"
        if near
        else "no header any register knows"
    )
    return Claim(path, rel, None, why, tuple(scores))


def _signature(source_dir: Path) -> tuple:
    files = _candidates(source_dir)
    manifest = source_dir / "manifest.yaml"
    stats = [(str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in [*files, manifest] if p.exists()]
    return tuple(stats)


@lru_cache(maxsize=8)
def _claims(source_dir: str, signature: tuple) -> tuple[Claim, ...]:
    root = Path(source_dir)
    mapping = mappings.load(root)
    return tuple(claim(p, root, mapping) for p in _candidates(root))


def claims(source_dir: Path) -> list[Claim]:
    """Every readable file's claim, in path order (cached while the inbox is unchanged).
    Raises MappingError when manifest.yaml's mapping has mistakes."""
    source_dir = Path(os.path.abspath(source_dir))
    return list(_claims(str(source_dir), _signature(source_dir)))


def files_of(source_dir: Path, model: type[Contract]) -> list[Path]:
    """The files a register reads, in path order."""
    return [c.path for c in claims(source_dir) if c.register == model.source]


def not_taken(source_dir: Path) -> list[Claim]:
    """Readable files no register takes (at the root or in a folder no register uses)."""
    return [c for c in claims(source_dir) if c.register is None]
