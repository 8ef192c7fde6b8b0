"""Which row is a key's current one (RegisterResult.current_positions): found with pyarrow and
numpy, it must be the row pandas' sort and de-duplication find (the oracle, written out below),
on the sample's registers and on rows made to tie, repeat and leave cells empty."""

from __future__ import annotations

import datetime as dt
import random

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from data_contracts import CONTRACTS
from pipelines.common.register import SNAPSHOT_ORDER, RegisterResult


def pandas_positions(register: RegisterResult, key: list[str]) -> np.ndarray:
    """The rows pandas finds: sorted by SNAPSHOT_ORDER (stable, empty cells last), each key's
    last row kept, in that order."""
    order = list(SNAPSHOT_ORDER)
    frame = register.accepted[list(dict.fromkeys([*order, *key]))].reset_index(drop=True)
    kept = frame.sort_values(order, kind="stable").drop_duplicates(key, keep="last")
    return kept.index.to_numpy(dtype=np.int64)


class _Keyed:
    """A stand-in contract: only its key is read."""

    def __init__(self, *key: str):
        self.key = key


def code(rng: random.Random, seed: int) -> str | None:
    """A key cell: from many values (odd seeds) or a few; sometimes empty."""
    if rng.random() < 0.1:
        return None
    if seed % 2:
        return rng.choice(["a", "b", "社区", ""]) + str(rng.randrange(30))
    return rng.choice(["a1", "a2", "社区3", ""])


def made(rows: int, seed: int) -> RegisterResult:
    """Rows of a few snapshots and files, keys repeating across and within them, some snapshot
    dates and key cells empty, rows out of order."""
    rng = random.Random(seed)
    days = [dt.date(2023, 12, 31), dt.date(2024, 12, 31), None]
    accepted = pd.DataFrame(
        {
            "code": pd.array([code(rng, seed) for _ in range(rows)], dtype="str"),
            "year": [rng.choice([2023, 2024]) for _ in range(rows)],
            "_file": pd.array(
                [rng.choice(["x/2024.csv", "x/2023.csv", "x/甲.xlsx[表1]"]) for _ in range(rows)], dtype="str"
            ),
            "_row": [rng.randrange(2, 50) for _ in range(rows)],
            "_asof": [rng.choice(days) for _ in range(rows)],
        }
    )
    return RegisterResult("made", accepted, pd.DataFrame(), rows)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("key", [("code",), ("code", "year")])
def test_current_rows_are_those_pandas_finds(seed, key):
    register = made(400, seed)
    got = register.current_positions(_Keyed(*key))  # type: ignore[arg-type]
    want = pandas_positions(register, list(key))
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, want)
    assert 1 < len(want) < 400  # not idle: keys repeat, and more than one is current


def test_key_text_in_several_arrow_pieces():
    # pandas' Arrow text may be held in several pieces (a concatenation of files' columns): the
    # key is told the same as from one piece
    register = made(400, 1)
    codes = register.accepted["code"].array
    halves = pa.chunked_array([pa.array(codes[:150], pa.large_string()), pa.array(codes[150:], pa.large_string())])
    pieces = pd.Series(pd.arrays.ArrowStringArray(halves), name="code")
    assert pa.array(pieces).num_chunks == 2  # as the run's frames can hold it
    accepted = register.accepted.assign(code=pieces)
    pieced = RegisterResult("made", accepted, pd.DataFrame(), 400)
    np.testing.assert_array_equal(pieced.current_positions(_Keyed("code")), pandas_positions(register, ["code"]))


def test_the_samples_current_rows_are_those_pandas_finds(sample_run):
    from pipelines.common import stored_copy

    stored = sample_run[0].output_dir / "dagster_storage"
    for name, model in CONTRACTS.items():
        register = stored_copy.read(stored / f"{name}_resolved")
        got = RegisterResult.current_positions(register, model)  # found from the columns
        np.testing.assert_array_equal(got, pandas_positions(register, list(model.key)), err_msg=name)
