"""Writing CSV the one way sanshe writes it: UTF-8, `\\n` line ends, one header row, so the same
rows always give the same bytes."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path


def write_csv(path: Path, header: list[str], rows: Iterable[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
