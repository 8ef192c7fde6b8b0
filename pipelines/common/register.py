"""One register as it moves through the pipeline: its rows still accepted, every issue found
so far, and how many rows were read. Each stage that drops a row adds an error issue for it,
so `rows_read == accepted + quarantined` holds at every stage."""

from __future__ import annotations

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
    #: files that could not be read at all, with the reason
    file_errors: dict[str, str] = field(default_factory=dict)
    #: columns a file had that the contract does not know (reported, not loaded)
    unknown_columns: dict[str, list[str]] = field(default_factory=dict)

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

    def public(self, model: type[Contract]) -> pd.DataFrame:
        """Accepted rows without personal fields: what may leave the pipeline's matching steps."""
        return self.accepted[[*model.public_fields(), "_file", "_row"]]


def read_register(source_dir: Path, model: type[Contract]) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """Each file of a register as text cells, with `_file` (path under the inbox) and `_row`
    (the spreadsheet row number, header = row 1). Files are kept apart: each is checked
    against the contract on its own, so one file's missing column never blames another's rows."""
    frames, errors = {}, {}
    for path in sorted((source_dir / model.folder).glob(model.files)):
        rel = path.relative_to(source_dir).as_posix()
        try:
            df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
        except (UnicodeDecodeError, pd.errors.ParserError, OSError) as err:
            errors[rel] = f"{type(err).__name__}: {err}"
            continue
        df.columns = [str(c).strip() for c in df.columns]
        df.insert(0, "_row", range(2, len(df) + 2))
        df.insert(0, "_file", rel)
        frames[rel] = df
    return frames, errors


def empty_issues() -> pd.DataFrame:
    return issues_frame([])
