"""fields_read: the fields a rule reads, or None where its source does not show them plainly.

The column pass runs a rule once per distinct combination of the fields named here, so a
field missed would judge rows by another row's values; None keeps the rule on every row."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

import pandas as pd
from pydantic import BaseModel, model_validator

from data_contracts import CONTRACTS
from data_contracts.base import Contract, Finding, fail
from data_contracts.column_pass import checks_for
from data_contracts.fields_read import fields_read
from data_contracts.validation import validate_frame

LIMIT = 3


def _helper(row):
    return row.b


class Row(BaseModel):
    a: int = 0
    b: int = 0
    c: int = 0

    KIND: ClassVar[str] = "constant"

    def plain(self):
        if self.a > LIMIT and self.KIND:
            raise ValueError
        return self

    def through_method(self):
        return self.total()

    def total(self):
        return self.a + self.b

    def handed_on(self):
        return _helper(self)

    def through_super(self):
        return super().__repr__()

    @property
    def doubled(self):
        return 2 * self.c

    def through_property(self):
        return self.doubled

    seen: ClassVar[set[int]] = set()

    def through_dict(self):
        if any(v < 0 for v in self.__dict__.values()):
            raise ValueError
        return self

    def with_memory(self):
        if self.a in self.seen:
            raise ValueError
        self.seen.add(self.a)
        return self

    def nested(self):
        return [x for x in (self.a, self.c) if (lambda: self.b)()]


def test_a_rule_that_reads_fields_plainly_names_them():
    assert fields_read(Row.plain, Row) == {"a"}
    assert fields_read(Row.nested, Row) == {"a", "b", "c"}


def test_a_rule_that_could_read_any_field_gives_none():
    for rule in (
        Row.through_method,
        Row.handed_on,
        Row.through_super,
        Row.through_property,
        Row.through_dict,
        Row.with_memory,
    ):
        assert fields_read(rule, Row) is None, rule.__name__
    assert fields_read(len, Row) is None  # no Python source


def test_every_contracts_rules_are_read_plainly():
    # a contract whose rules fall back to every row is still right, but loses the speed-up
    for model in CONTRACTS.values():
        checks = checks_for(model)
        assert checks is not None
        if checks.row_rules:
            assert checks.row_fields, model.source
        if model.findings is not Contract.findings:
            assert checks.finding_fields, model.source


class Pair(Contract):
    source = "pairs"
    key = ("pair_id",)

    pair_id: str
    low: int
    high: int
    note: str | None = None

    @model_validator(mode="after")
    def _order(self) -> Pair:
        if self.high < self.low:
            raise fail("end_before_start", at="high")
        return self

    def findings(self, snapshot: dt.date) -> list[Finding]:
        return [Finding("high", "contract_above_budget", {})] if self.high > 9 else []


def test_rows_alike_in_the_fields_read_are_judged_alike_and_the_rest_apart():
    # rows repeat (low, high) pairs among distinct ids: each row keeps its own verdict and findings
    pairs = [("1", "2"), ("5", "3"), ("2", "12"), ("1", "2"), ("5", "3"), ("2", "12"), ("x", "1"), ("0", "0")]
    raw = pd.DataFrame(
        {
            "pair_id": [f"P{i}" for i in range(len(pairs))],
            "low": [p[0] for p in pairs],
            "high": [p[1] for p in pairs],
            "_file": "pairs.csv",
            "_row": range(2, 2 + len(pairs)),
        }
    )
    got = validate_frame(raw, Pair, dt.date(2025, 1, 1))
    assert list(got.accepted["pair_id"]) == ["P0", "P2", "P3", "P5", "P7"]
    errors = got.issues[got.issues["severity"] == "error"]
    assert list(zip(errors["row"], errors["rule"], strict=True)) == [
        (3, "end_before_start"),
        (6, "end_before_start"),
        (8, "integer_format"),
    ]
    warned = got.issues[got.issues["severity"] == "warning"]
    assert list(warned["row"]) == [4, 7]
