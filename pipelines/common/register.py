"""One register as it moves through the pipeline: its rows still accepted, every issue found
so far, and how many rows were read. Each stage that drops a row adds an error issue for it,
so `rows_read == accepted + quarantined` holds at every stage."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from data_contracts.base import Contract, issues_frame
from data_contracts.rules import SEVERITY_ERROR


@dataclass(frozen=True)
class RegisterResult:
    register: str
    accepted: pd.DataFrame
    issues: pd.DataFrame
    rows_read: int
    #: rows read per file, so the accounting can be checked per file too
    rows_per_file: dict[str, int] = field(default_factory=dict)
    #: columns a file had that the contract does not know (reported, not loaded)
    unknown_columns: dict[str, list[str]] = field(default_factory=dict)
    #: validity intervals derived while resolving (name -> one row per interval)
    history: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def quarantined(self) -> int:
        errors = self.issues[self.issues["severity"] == SEVERITY_ERROR]
        return len(errors[["file", "row"]].drop_duplicates())

    def dropping(self, issues: pd.DataFrame) -> RegisterResult:
        """A copy without the rows that `issues` reports as errors, with the issues added."""
        if issues.empty:
            return self
        bad = set(zip(issues.loc[issues["severity"] == SEVERITY_ERROR, "file"],
                      issues.loc[issues["severity"] == SEVERITY_ERROR, "row"], strict=True))
        keep = [(f, r) not in bad for f, r in zip(self.accepted["_file"], self.accepted["_row"], strict=True)]
        return replace(self, accepted=self.accepted.loc[keep].reset_index(drop=True),
                       issues=pd.concat([self.issues, issues], ignore_index=True))

    def with_history(self, **tables: pd.DataFrame) -> RegisterResult:
        return replace(self, history={**self.history, **tables})

    def public(self, model: type[Contract]) -> pd.DataFrame:
        """Accepted rows without personal fields: what may leave the pipeline's matching steps."""
        return self.accepted[[*model.public_fields(), "_file", "_row", "_asof"]]

    def current(self, model: type[Contract]) -> pd.DataFrame:
        """One row per key: the one from the latest snapshot that holds it."""
        ordered = self.accepted.sort_values(["_asof", "_file", "_row"], kind="stable")
        return ordered.drop_duplicates(list(model.key), keep="last").reset_index(drop=True)


SNAPSHOT_FILE = re.compile(r"_asof_(\d{4}-\d{2}-\d{2})\.csv$")


def file_asof(name: str, snapshot: dt.date) -> dt.date:
    """The date a file describes: `..._asof_YYYY-MM-DD.csv` is a dated snapshot of the register;
    any other file is the register as of the inbox's snapshot date."""
    m = SNAPSHOT_FILE.search(name)
    return dt.date.fromisoformat(m.group(1)) if m else snapshot


@dataclass
class FileRead:
    """One file as read: its rows as text cells (with `_file`, `_row`, `_asof`), and the rows
    that could not be taken apart, with the reason (a wrong number of cells, undecodable bytes)."""

    frame: pd.DataFrame
    broken: list[tuple[int, str, str]]  # (spreadsheet row, rule, detail)


def read_file(path: Path, rel: str, asof: dt.date) -> FileRead:
    """Read one CSV with the csv module: exact physical line numbers (blank lines and quoted
    line breaks included), a BOM tolerated, and a bad line costing that line only."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        # Nothing in the file can be trusted: every line is reported, so nothing goes uncounted.
        lines = [ln for ln in raw.splitlines()[1:] if ln.strip()]
        detail = f"not UTF-8 ({err.reason} at byte {err.start})"
        return FileRead(pd.DataFrame(columns=["_file", "_row", "_asof"]),
                        [(i + 2, "unreadable_file", detail) for i in range(len(lines))])
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    rows, broken, line = [], [], 1
    for record in reader:
        start, line = line, reader.line_num + 1
        if not any(cell.strip() for cell in record):
            continue  # a blank line is not a record
        if header is None:
            header = [c.strip() for c in record]
            continue
        if len(record) != len(header):
            broken.append((start, "wrong_cell_count", f"{len(record)} cells, header has {len(header)}"))
            continue
        rows.append({"_file": rel, "_row": start, "_asof": asof, **dict(zip(header, record, strict=True))})
    return FileRead(pd.DataFrame(rows, columns=["_file", "_row", "_asof", *(header or [])]), broken)


def read_register(source_dir: Path, model: type[Contract], snapshot: dt.date) -> dict[str, FileRead]:
    """Every file of a register, by its path under the inbox. Files are kept apart: each is
    checked against the contract on its own, so one file's missing column never blames
    another's rows, and a file's `_asof` is the date it describes."""
    return {
        path.relative_to(source_dir).as_posix(): read_file(path, path.relative_to(source_dir).as_posix(),
                                                           file_asof(path.name, snapshot))
        for path in sorted((source_dir / model.folder).glob(model.files))
    }


def empty_issues() -> pd.DataFrame:
    return issues_frame([])
