"""Cross-register checks: a row that refers to something another register does not hold (or
rejected) is quarantined with rule `unknown_reference`, naming the column and the value."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from data_contracts.base import Contract, issue, issues_frame


def unknown_references(frame: pd.DataFrame, model: type[Contract], field: str, known: Iterable[str],
                       target_zh: str, target_en: str) -> pd.DataFrame:
    """Issues for rows whose `field` (a value, or a list of values) is not in `known`.
    Empty values are not references and pass."""
    known = set(known)
    out = []
    for file, row, value in zip(frame["_file"], frame["_row"], frame[field], strict=True):
        values = value if isinstance(value, list) else ([] if pd.isna(value) or value == "" else [value])
        missing = [v for v in values if v not in known]
        if missing:
            out.append(issue(model, file, int(row), field, "unknown_reference", ";".join(values),
                             target=target_zh, target_en=target_en, missing="、".join(missing)))
    return issues_frame(out)
