"""What is known of a text column's distinctness (data_contracts/distinct.py) is never wrong:
`distinct_text` answers as pandas' `duplicated` does, a finding holds for the very Arrow array
it was made on and for a subset of its rows it is carried to, never for another array; and the
register's current rows picked with a finding are those picked without one."""

from __future__ import annotations

import gc

import numpy as np
import pandas as pd
import pytest

from data_contracts import EvaluationRecord
from data_contracts.distinct import _DISTINCT, distinct_text, kept_distinct, known_distinct, vouched_distinct
from pipelines.common.ordering import last_per, last_positions
from pipelines.common.register import RegisterResult


@pytest.mark.parametrize(
    ("values", "distinct"),
    [
        (["b", "a", "c"], True),
        (["b", None, "c"], True),  # one missing value is a value of its own
        (["b", None, None], False),  # two are one value, as pandas' duplicated has them
        (["b", "a", "b"], False),
        ([], True),
    ],
)
def test_distinct_text_as_pandas_duplicated(values, distinct):
    column = pd.Series(values, dtype="str")
    assert distinct_text(column) is distinct
    assert distinct is not bool(column.duplicated().any())
    assert known_distinct(column) is distinct  # found once: known after, repeats never known


def test_a_column_not_of_arrow_text_is_never_distinct_nor_known():
    column = pd.Series(["a", "b"], dtype=object)
    assert not distinct_text(column)
    assert not known_distinct(column)


def test_a_finding_follows_the_array_through_selection_copies_and_a_new_index():
    """The route a register's key column takes from the contract step to the current rows
    (column selection, `reset_index`, a frame made of columns): pandas hands the same Arrow
    array on, so what was found is known there. Were pandas to copy the text on the way, this
    fails: the shortcut would be lost (never a wrong answer), and its saving with it."""
    frame = pd.DataFrame({"k": pd.Series(["b", "a", "c"], dtype="str"), "x": [1, 2, 3]})
    assert not known_distinct(frame["k"])
    assert distinct_text(frame["k"])
    public = frame[["k"]].reset_index(drop=True)
    alone = pd.DataFrame({"k": public["k"].reset_index(drop=True)})
    assert known_distinct(public["k"]) and known_distinct(alone["k"]) and known_distinct(frame.copy()["k"])


def test_rows_taken_anew_are_not_known_until_carried_over():
    frame = pd.DataFrame({"k": pd.Series(["b", "a", "c", "d"], dtype="str"), "v": pd.Series(list("wxyz"), dtype="str")})
    assert distinct_text(frame["k"])
    some = frame.loc[np.array([True, False, True, True])].reset_index(drop=True)
    doubled = pd.concat([frame, frame], ignore_index=True)
    assert not known_distinct(some["k"]) and not known_distinct(doubled["k"])
    kept_distinct(frame, some)
    assert known_distinct(some["k"])
    assert not known_distinct(some["v"])  # nothing was found of `v`: nothing to carry


def test_a_finding_goes_with_its_array():
    frame = pd.DataFrame({"k": pd.Series([f"k{i}" for i in range(50)], dtype="str")})
    assert distinct_text(frame["k"])
    held = len(_DISTINCT)
    del frame
    gc.collect()
    assert len(_DISTINCT) == held - 1


@pytest.mark.parametrize("seed", range(4))
def test_current_rows_picked_with_a_finding_are_those_picked_without(seed):
    """RegisterResult.dropping carries the contract step's finding to the rows it keeps, and
    last_positions takes it: the current rows are pandas' sort and de-duplication all the same."""
    rng = np.random.default_rng(seed)
    n = 200
    ids = pd.Series([f"EV-{i:05d}" for i in rng.permutation(n)], dtype="str")
    accepted = pd.DataFrame(
        {
            "evaluation_id": ids,
            "_asof": pd.Series([pd.Timestamp("2025-06-30").date()] * n, dtype=object),
            "_file": pd.Series(["evaluations/e.csv"] * n, dtype="str"),
            "_row": rng.permutation(n).astype("int64") + 2,
        }
    )
    assert distinct_text(accepted["evaluation_id"])
    result = RegisterResult("evaluations", accepted, pd.DataFrame(), n)
    dropped = accepted.sample(n=17, random_state=seed)
    issues = pd.DataFrame({"file": dropped["_file"], "row": dropped["_row"], "severity": "error"}).reset_index(
        drop=True
    )
    kept = result.dropping(issues)
    assert len(kept.accepted) == n - 17
    assert known_distinct(kept.accepted["evaluation_id"])
    order = ["_asof", "_file", "_row"]
    want = kept.accepted.sort_values(order, kind="stable").drop_duplicates(["evaluation_id"], keep="last")
    assert list(kept.current_positions(EvaluationRecord)) == list(want.index)
    pd.testing.assert_frame_equal(last_per(kept.accepted, ["evaluation_id"], order), want.reset_index(drop=True))


def test_a_repeated_key_is_found_whatever_was_known_of_another_column():
    frame = pd.DataFrame(
        {"k": pd.Series(["a", "a", "b"], dtype="str"), "t": [3, 1, 2], "u": pd.Series(["x", "y", "z"], dtype="str")}
    )
    assert distinct_text(frame["u"]) and not distinct_text(frame["k"])
    assert list(last_positions(frame, ["k"], ["t"])) == [2, 0]


@pytest.mark.parametrize("seed", range(4))
def test_current_rows_key_is_vouched_for_and_is_distinct(seed):
    """A register's current rows hold one row per key: `current` vouches for its key column,
    which is distinct (pandas' oracle), repeats across snapshots and a missing key included."""
    rng = np.random.default_rng(seed)
    n = 150
    ids = [None if rng.random() < 0.05 else f"EV-{k:03d}" for k in rng.integers(0, 60, n)]
    accepted = pd.DataFrame(
        {
            "evaluation_id": pd.Series(ids, dtype="str"),
            "_asof": pd.Series([pd.Timestamp(f"202{d}-06-30").date() for d in rng.integers(0, 4, n)], dtype=object),
            "_file": pd.Series([f"evaluations/e{d}.csv" for d in rng.integers(0, 3, n)], dtype="str"),
            "_row": np.arange(n, dtype="int64") + 2,
        }
    )
    assert not distinct_text(accepted["evaluation_id"])
    result = RegisterResult("evaluations", accepted, pd.DataFrame(), n)
    for current in (result.current(EvaluationRecord), result.current(EvaluationRecord, ["evaluation_id", "_row"])):
        assert known_distinct(current["evaluation_id"])
        assert not current["evaluation_id"].duplicated().any()
        order = ["_asof", "_file", "_row"]
        want = accepted.sort_values(order, kind="stable").drop_duplicates(["evaluation_id"], keep="last")
        assert list(current["_row"]) == list(want["_row"])


def test_a_frame_under_a_repeated_name_is_neither_known_nor_vouched_for():
    frame = pd.DataFrame([["a", "b"], ["c", "d"]], columns=["k", "k"]).astype("str")
    vouched_distinct(frame["k"])
    assert not known_distinct(frame["k"])
