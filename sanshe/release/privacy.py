"""The privacy scan every release passes: no resident ID number (valid check character and a
real birth date), no mobile number, and, when the caller holds the workers register, none of
its names or certificate numbers, in any file of the folder."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from data_contracts.identifiers import find_personal


def scan_text(text: str, names: Iterable[str] = (), others: Iterable[str] = ()) -> list[str]:
    hits = find_personal(text)
    hits += [n for n in names if len(n) >= 2 and n in text]
    hits += [o for o in others if o and o in text]
    return hits


def scan_folder(folder: Path, names: Iterable[str] = (), others: Iterable[str] = ()) -> dict[str, list[str]]:
    """Hits per file (relative path); Parquet and other binary files are read as bytes too."""
    names, others = list(names), list(others)
    found = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        hits = scan_text(path.read_bytes().decode("utf-8", "ignore"), names, others)
        if hits:
            found[path.relative_to(folder).as_posix()] = hits
    return found
