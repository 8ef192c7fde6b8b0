"""A small declarative form for expectation suites, so contracts stay free of the Great
Expectations import (4 s); `pipelines/quality` turns each `Expect` into the GE expectation of
the same name. `error` expectations guard the graph's integrity; `warning` ones measure quality."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .rules import ERROR, WARNING, Severity

if TYPE_CHECKING:
    from .base import Contract


@dataclass(frozen=True)
class Expect:
    #: Great Expectations class name, e.g. "ExpectColumnValuesToBeUnique"
    kind: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    severity: Severity = ERROR
    #: (new column, source column, keys): a column derived before validation, true where the
    #: source value is one of `keys` and empty where the source is empty
    derive: tuple[str, str, Collection[str]] | None = None


def unique(column: str) -> Expect:
    return Expect("ExpectColumnValuesToBeUnique", {"column": column})


def unique_per_snapshot(*columns: str) -> Expect:
    """A key appears once in each dated snapshot of a register (`asof` is the snapshot's date)."""
    return Expect("ExpectCompoundColumnsToBeUnique", {"column_list": [*columns, "asof"]})


def filled(column: str, mostly: float = 1.0) -> Expect:
    return Expect(
        "ExpectColumnValuesToNotBeNull", {"column": column, "mostly": mostly}, ERROR if mostly >= 1.0 else WARNING
    )


def one_of(column: str, values: Any) -> Expect:
    return Expect("ExpectColumnValuesToBeInSet", {"column": column, "value_set": sorted(values)})


def refers_to(column: str, keys: Collection[str]) -> Expect:
    """Cross-register reference: every value (of a list: every item) is a key the other register
    accepted. Checked on a derived column `<column>_is_known`, so the suite and its Data Docs
    hold the set {true}, not every key of the other register (890,000 codes at national scale)."""
    known = f"{column}_is_known"
    return Expect("ExpectColumnValuesToBeInSet", {"column": known, "value_set": [True]}, derive=(known, column, keys))


def references(model: type[Contract], known: dict[str, Collection[str]]) -> list[Expect]:
    """One `refers_to` per reference the contract declares (`model.references`, see
    data_contracts/references.py); `known[field]` holds the keys the referenced register accepted."""
    return [refers_to(field, known[field]) for field in model.references]


def between(column: str, low: Any = None, high: Any = None, severity: Severity = ERROR) -> Expect:
    return Expect("ExpectColumnValuesToBeBetween", {"column": column, "min_value": low, "max_value": high}, severity)


def rows_at_least(n: int) -> Expect:
    return Expect("ExpectTableRowCountToBeBetween", {"min_value": n}, WARNING)


def columns_exactly(columns: list[str]) -> Expect:
    """The table holds exactly these columns (used to prove personal fields are gone)."""
    return Expect("ExpectTableColumnsToMatchSet", {"column_set": columns, "exact_match": True})
