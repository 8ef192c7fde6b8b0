"""One register as it moves through the pipeline: its rows still accepted, every issue found
so far, and how many rows were read. Each stage that drops a row adds an error issue for it,
so `rows_read == accepted + quarantined` holds at every stage."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from data_contracts.base import Contract
from data_contracts.distinct import kept_distinct, vouched_distinct
from data_contracts.headers import mapped
from data_contracts.rules import Severity

from . import claiming
from . import mapping as mappings
from .ordering import last_positions
from .readers import FileRead, file_asof, read_path

__all__ = ["FileRead", "RegisterResult", "read_register"]


#: the order `current_positions` takes a key's rows in, its current row the last. A stored copy
#: keeps its register's positions with this order, the key and the code they were found by, and
#: they are taken only while all three are the same (stored_copy.py).
SNAPSHOT_ORDER = ("_asof", "_file", "_row")


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
    #: per file: how it was read ("csv gbk", "xlsx sheet 数据") and the rows that were not
    #: records (titles, banners, totals), as (row, why)
    formats: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    #: per file: what a clerk should know that is not a row (a hidden sheet not read, a unit
    #: line applied, an empty file), as the reader wrote it
    notes: dict[str, list[str]] = field(default_factory=dict)
    #: extra tables for the data team, written beside the quarantine report as `<name>.csv`
    #: (e.g. name matches applied and candidates to review)
    reports: dict[str, pd.DataFrame] = field(default_factory=dict)
    #: validity intervals derived while resolving (name -> one row per interval)
    history: dict[str, pd.DataFrame] = field(default_factory=dict)
    #: per file: values derived for a column the file lacked, "field <- source" -> rows
    #: (pipelines/common/derivation.py); shown as `derived_value` in the accounting's note
    derived: dict[str, dict[str, int]] = field(default_factory=dict)

    def history_rows(self) -> dict[str, int]:
        """The rows of each of `history`'s tables, by name (a stored copy tells them without
        reading the tables: pipelines/common/stored_copy.py)."""
        return {name: len(frame) for name, frame in self.history.items()}

    def accepted_per_file(self) -> dict[str, int]:
        """The accepted rows of each part (file, or file and sheet) that has any, by part name
        (the `_file` column): what the accounting reports. A stored copy tells them without
        reading a column (pipelines/common/stored_copy.py)."""
        if "_file" not in self.accepted_columns():
            return {}
        counts = self.column("_file").value_counts(sort=False, dropna=True)
        return {str(part): int(n) for part, n in counts.items()}

    def column(self, name: str) -> pd.Series:
        """One column of the accepted rows (a stored copy reads just that column while its rows
        are not read: pipelines/common/stored_copy.py). Raises KeyError for a column it lacks."""
        return self.accepted[name]

    def accepted_columns(self) -> pd.Index:
        """The columns of the accepted rows, read or not (stored_copy.py)."""
        return self.accepted.columns

    @property
    def quarantined(self) -> int:
        errors = self.issues[self.issues["severity"] == Severity.ERROR]
        return len(errors[["file", "row"]].drop_duplicates())

    def dropping(self, issues: pd.DataFrame) -> RegisterResult:
        """A copy without the rows that `issues` reports as errors, with the issues added."""
        if issues.empty:
            return self
        errors = issues[issues["severity"] == Severity.ERROR]
        keep = ~_row_keys(self.accepted["_file"], self.accepted["_row"]).isin(_row_keys(errors["file"], errors["row"]))
        accepted = self.accepted.loc[keep].reset_index(drop=True)
        kept_distinct(self.accepted, accepted)  # fewer rows: a key column that held each key once still does
        return replace(self, accepted=accepted, issues=pd.concat([self.issues, issues], ignore_index=True))

    def still_accepted(self, issues: pd.DataFrame) -> pd.DataFrame:
        """Those of `issues` (an issues frame) about a row still accepted, by file and row."""
        if issues.empty:
            return issues
        return issues[
            _row_keys(issues["file"], issues["row"]).isin(_row_keys(self.accepted["_file"], self.accepted["_row"]))
        ]

    def deriving(self, notes: dict[str, dict[str, int]]) -> RegisterResult:
        """A copy with more derivation notes (per file, `field <- source` -> rows)."""
        merged = {k: dict(v) for k, v in self.derived.items()}
        for part, counts in notes.items():
            for what, n in counts.items():
                if n:
                    merged.setdefault(part, {})[what] = merged.get(part, {}).get(what, 0) + n
        return replace(self, derived=merged)

    def with_history(self, **tables: pd.DataFrame) -> RegisterResult:
        return replace(self, history={**self.history, **tables})

    def public(self, model: type[Contract]) -> pd.DataFrame:
        """Accepted rows without personal fields: what may leave the pipeline's matching steps."""
        return self.accepted[[*model.public_fields(), "_file", "_row", "_asof"]]

    def current(
        self, model: type[Contract], columns: list[str] | None = None, at: np.ndarray | None = None
    ) -> pd.DataFrame:
        """One row per key: the one from the latest snapshot that holds it (the last in
        `_asof`, `_file`, `_row` order), in that order, index 0..n-1. With `columns`, only those
        columns, read alone (`column`: a stored copy reads no other); `at`, the rows'
        `current_positions` when the caller has them (nothing else: the key column of the rows
        is held distinct, data_contracts/distinct.py). Raises KeyError for a column it lacks."""
        at = self.current_positions(model) if at is None else at
        frame = self.accepted if columns is None else self._columns_alone(columns)
        rows = frame.iloc[at].reset_index(drop=True)
        if len(model.key) == 1 and model.key[0] in rows.columns:
            # one row per key by construction: the graph's parts (`first_per`) need not hash it again
            vouched_distinct(rows[model.key[0]])
        return rows

    def current_positions(self, model: type[Contract]) -> np.ndarray:
        """Where `current`'s rows are among the accepted rows (int64 positions, in `current`'s
        order), found from the key and snapshot columns alone (SNAPSHOT_ORDER): each key's last
        row in that order (ordering.last_positions; tests/test_register.py holds it equal to
        pandas' sort and de-duplication)."""
        order, key = list(SNAPSHOT_ORDER), list(model.key)
        return last_positions(self._columns_alone(list(dict.fromkeys([*order, *key]))), key, order)

    def _columns_alone(self, names: list[str]) -> pd.DataFrame:
        """The accepted rows' columns `names`, each read by `column`, index 0..n-1."""
        return pd.DataFrame({c: self.column(c).reset_index(drop=True) for c in names})


def read_register(source_dir: Path, model: type[Contract], snapshot: dt.date) -> dict[str, FileRead]:
    """Every table of a register, by part name (its path under the inbox, plus `[sheet]` for a
    workbook). Files are kept apart: each is checked against the contract on its own, so one
    file's missing column never blames another's rows, and a file's `_asof` is the date it
    describes. Which files are the register's is decided by their headers (claiming.py); the
    header spellings a clerk mapped in manifest.yaml are read as the fields they name."""
    out: dict[str, FileRead] = {}
    mapping = mappings.load(source_dir)
    for path in claiming.files_of(source_dir, model):
        rel = path.relative_to(source_dir).as_posix()
        with mapped(mapping.headers_for(model.source, rel)):
            out.update(read_path(path, rel, file_asof(path.name, snapshot), model))
    return out


def _row_keys(files: pd.Series, rows: pd.Series) -> pd.MultiIndex:
    """(file, row) of each row: how an issue names the row it is about."""
    return pd.MultiIndex.from_arrays([files.astype(object), rows.astype("int64")])
