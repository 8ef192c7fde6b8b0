"""Helpers the per-source resolve stages share."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from data_contracts.base import Contract
from data_contracts.validation import issue, issues_frame

from .references import unknown_references
from .register import RegisterResult


def check_references(result: RegisterResult, model: type[Contract],
                     refs: list[tuple[str, set[str], str, str]]) -> RegisterResult:
    """Quarantine rows whose reference fields point outside the known keys. `refs` holds
    (field, known keys, target in Chinese, target in English)."""
    for field, known, zh, en in refs:
        result = result.dropping(unknown_references(result.accepted, model, field, known, zh, en))
    return result


def without_personal(result: RegisterResult, model: type[Contract]) -> RegisterResult:
    """Drop personal fields: after resolution nothing downstream may see them."""
    return replace(result, accepted=result.public(model).reset_index(drop=True))


def keys(result: RegisterResult, field: str) -> set[str]:
    return set(result.accepted[field])


def inconsistent_names(frame: pd.DataFrame, model: type[Contract], code: str, name: str) -> pd.DataFrame:
    """Issues for rows whose `name` differs from the first name written for the same `code`."""
    first = frame.drop_duplicates(code).set_index(code)[name]
    bad = frame[frame[name] != frame[code].map(first)]
    return issues_frame([issue(model, f, int(r), name, "inconsistent_name", v, expected=first[c])
                         for f, r, v, c in zip(bad["_file"], bad["_row"], bad[name], bad[code], strict=True)])
