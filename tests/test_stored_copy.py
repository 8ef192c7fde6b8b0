"""The layout of a stored register (pipelines/common/stored_copy.py): read back a part at a time,
it is the register that was written. The oracle is pickle: each sample register made a plain
RegisterResult by pickle's own round trip, then written and read back here, equals it field by
field, frames exactly."""

from __future__ import annotations

import dataclasses
import os
import pickle
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

from data_contracts import CONTRACTS
from pipelines.common import stored_copy
from pipelines.common.register import RegisterResult
from pipelines.common.stored_copy import StoredRegister


@pytest.fixture(scope="module")
def plain_registers(sample_run) -> dict[str, RegisterResult]:
    """The sample run's resolved registers as plain RegisterResults, by register name."""
    stored = sample_run[0].output_dir / "dagster_storage"
    out = {}
    for name in CONTRACTS:
        out[name] = pickle.loads(pickle.dumps(stored_copy.read(stored / f"{name}_resolved")))
        assert type(out[name]) is RegisterResult
    return out


def _written(register: object, path: Path) -> Path:
    with path.open("wb") as fh:
        stored_copy.write(register, fh)
    return path


def _same(got: RegisterResult, want: RegisterResult) -> None:
    for f in dataclasses.fields(RegisterResult):
        a, b = getattr(got, f.name), getattr(want, f.name)
        if isinstance(b, pd.DataFrame):
            pd.testing.assert_frame_equal(a, b, check_exact=True)
            assert a.attrs == b.attrs and type(a.index) is type(b.index)
        elif f.name in ("history", "reports"):
            assert list(a) == list(b)
            for k in b:
                pd.testing.assert_frame_equal(a[k], b[k], check_exact=True)
        else:
            assert a == b, f.name


def test_each_register_reads_back_equal_a_part_at_a_time(plain_registers, tmp_path):
    for name, want in plain_registers.items():
        got = stored_copy.read(_written(want, tmp_path / name))
        assert isinstance(got, StoredRegister) and got.register == name
        assert "accepted" not in vars(got) and "history" not in vars(got)
        # its columns and one column, its current rows of some columns: no rows read
        assert list(got.accepted_columns()) == list(want.accepted.columns)
        pd.testing.assert_series_equal(got.column("_file"), want.accepted["_file"], check_exact=True)
        model = CONTRACTS[name]
        some = [*model.key, "_file"]
        pd.testing.assert_frame_equal(got.current(model, some), want.current(model)[some], check_exact=True)
        with pytest.raises(KeyError):
            got.column("no such column")
        assert "accepted" not in vars(got)
        _same(got, want)  # reads the rows and the histories
        assert got._fh.closed  # both read: the file is let go
        again = pickle.loads(pickle.dumps(got))
        assert type(again) is RegisterResult
        _same(again, want)
        _same(dataclasses.replace(got, rows_read=got.rows_read), want)


def test_threads_asking_at_once_share_one_read(plain_registers, tmp_path):
    got = stored_copy.read(_written(plain_registers["projects"], tmp_path / "projects"))
    with ThreadPoolExecutor(max_workers=4) as pool:
        frames = list(pool.map(lambda _: got.accepted, range(8)))
    assert all(f is frames[0] for f in frames)


def test_a_copy_written_again_after_it_was_read_never_mixes_in(plain_registers, tmp_path):
    """The run that read a copy keeps reading that copy, even when a later run writes the path
    again meanwhile (written aside and renamed into place, as the hand-over does)."""
    old, new = plain_registers["hubs"], plain_registers["workers"]
    path = _written(old, tmp_path / "copy")
    got = stored_copy.read(path)
    os.replace(_written(new, tmp_path / ".copy.partial"), path)
    _same(got, old)
    _same(stored_copy.read(path), new)


def test_anything_else_and_a_copy_of_the_earlier_layout_are_one_pickle(plain_registers, tmp_path):
    frame = pd.DataFrame({"code": ["110101001"], "served": [3]})
    pd.testing.assert_frame_equal(stored_copy.read(_written(frame, tmp_path / "frame")), frame)
    earlier = tmp_path / "earlier"
    earlier.write_bytes(pickle.dumps(plain_registers["hubs"]))  # how copies were written before
    got = stored_copy.read(earlier)
    assert type(got) is RegisterResult
    _same(got, plain_registers["hubs"])


def test_a_frame_whose_column_names_repeat_is_stored_whole(plain_registers, tmp_path):
    hubs = plain_registers["hubs"]
    twice = pd.concat([hubs.accepted, hubs.accepted[["_file"]]], axis=1)
    want = dataclasses.replace(hubs, accepted=twice)
    got = stored_copy.read(_written(want, tmp_path / "twice"))
    assert list(got.accepted_columns()) == list(twice.columns)
    _same(got, want)


def test_a_cut_copy_is_an_error_never_a_shorter_register(plain_registers, tmp_path):
    whole = _written(plain_registers["organisations"], tmp_path / "whole").read_bytes()
    for keep in (len(whole) - 3, len(whole) // 2, len(stored_copy.MAGIC) + 10):
        cut = tmp_path / f"cut{keep}"
        cut.write_bytes(whole[:keep])
        with pytest.raises(EOFError, match="is not a whole stored copy"):
            stored_copy.read(cut)


def test_a_damaged_copy_is_an_error_never_another_register(plain_registers, tmp_path):
    """A byte changed anywhere after the first line is caught by the CRC-32 of the part it is in
    (or of the header), when that part is read."""
    whole = _written(plain_registers["hubs"], tmp_path / "whole").read_bytes()
    step = max(1, (len(whole) - len(stored_copy.MAGIC)) // 40)
    for at in range(len(stored_copy.MAGIC), len(whole) - len(stored_copy.END), step):
        damaged = tmp_path / f"damaged{at}"
        damaged.write_bytes(whole[:at] + bytes([whole[at] ^ 0x01]) + whole[at + 1 :])
        with pytest.raises((pickle.UnpicklingError, EOFError), match="stored|damaged|ends before"):
            got = stored_copy.read(damaged)
            got.current_positions(CONTRACTS["hubs"])  # read from the copy while its file is open
            got.accepted  # noqa: B018 (reading is the point)
            got.history  # noqa: B018


def test_current_positions_are_read_from_the_copy_and_equal_those_found_again(plain_registers, tmp_path, monkeypatch):
    """The positions stored with a copy are the ones the key columns give (the oracle: found
    again from the register read back whole); read, they spare the partial run finding them,
    so no key column is read for them."""
    for name, want in plain_registers.items():
        model = CONTRACTS[name]
        got = stored_copy.read(_written(want, tmp_path / name))
        at = got.current_positions(model)
        assert got._columns == {}  # no column read to find them
        truth = RegisterResult.current_positions(got, model)  # found from the columns, as before
        assert at.dtype == truth.dtype and (at == truth).all(), name
        pd.testing.assert_frame_equal(got.current(model), want.current(model), check_exact=True)


def test_current_positions_found_by_another_snapshot_order_key_or_code_are_found_again(
    plain_registers, tmp_path, monkeypatch
):
    from pipelines.common import register as register_module

    want = plain_registers["projects"]
    model = CONTRACTS["projects"]
    monkeypatch.setattr(stored_copy, "SNAPSHOT_ORDER", ("_file", "_asof", "_row"))
    path = _written(want, tmp_path / "projects")
    monkeypatch.undo()
    got = stored_copy.read(path)
    got.current_positions(model)
    assert {"project_id", "_asof", "_file", "_row"} <= set(got._columns)  # found again from the columns
    # positions found by another version of the code finding them: found again too
    monkeypatch.setattr(stored_copy, "_current_code", lambda: "another version of current_positions")
    path = _written(want, tmp_path / "projects-other-code")
    monkeypatch.undo()
    got_other = stored_copy.read(path)
    assert (got_other.current_positions(model) == RegisterResult.current_positions(want, model)).all()
    assert {"project_id", "_asof", "_file", "_row"} <= set(got_other._columns)
    other_key = type("OtherKey", (model,), {"key": ("project_name",)})
    assert (got.current_positions(other_key) == RegisterResult.current_positions(want, other_key)).all()
    assert register_module.SNAPSHOT_ORDER == ("_asof", "_file", "_row")


def test_a_register_of_no_rows_or_of_no_contract_stores_what_it_can(plain_registers, tmp_path):
    hubs = plain_registers["hubs"]
    empty = dataclasses.replace(hubs, accepted=hubs.accepted.iloc[:0])
    got = stored_copy.read(_written(empty, tmp_path / "empty"))
    assert len(got.current_positions(CONTRACTS["hubs"])) == 0
    _same(got, empty)
    unknown = dataclasses.replace(hubs, register="not a register")
    got = stored_copy.read(_written(unknown, tmp_path / "unknown"))
    assert got._header["current"] is None
    _same(got, unknown)


def test_positions_that_cannot_be_found_never_cost_the_copy(plain_registers, tmp_path, monkeypatch):
    """Finding the current positions is a saving for later runs: when it fails (a snapshot
    column pandas cannot sort, say), the copy is written without them and found again there."""
    hubs = plain_registers["hubs"]

    def fails(self, model):
        raise TypeError("'<' not supported between instances of 'datetime.date' and 'str'")

    monkeypatch.setattr(RegisterResult, "current_positions", fails)
    path = _written(hubs, tmp_path / "hubs")
    monkeypatch.undo()
    got = stored_copy.read(path)
    assert got._header["current"] is None
    assert (got.current_positions(CONTRACTS["hubs"]) == hubs.current_positions(CONTRACTS["hubs"])).all()
    _same(got, hubs)


def test_a_copy_of_another_layout_version_says_so(tmp_path):
    other = tmp_path / "other"
    other.write_bytes(b"sanshe stored register 1\n" + b"\x00" * 64)
    with pytest.raises(pickle.UnpicklingError, match="another version of sanshe: run the job once"):
        stored_copy.read(other)


def test_a_part_that_fails_to_unpickle_is_never_a_missing_attribute(plain_registers, tmp_path, monkeypatch):
    """pickle's "Can't get attribute" (a library changed between runs) is an AttributeError: out
    of `__getattr__` it would read as "no such field" (hasattr False, getattr's default)."""
    got = stored_copy.read(_written(plain_registers["hubs"], tmp_path / "hubs"))

    def fails(data):
        raise AttributeError("Can't get attribute 'Gone' on <module 'pandas'>")

    monkeypatch.setattr(stored_copy.pickle, "loads", fails)
    with pytest.raises(pickle.UnpicklingError, match="could not be read back"):
        got.accepted  # noqa: B018
    with pytest.raises(pickle.UnpicklingError):
        hasattr(got, "history")


def test_a_column_read_alone_has_the_accepted_rows_index(plain_registers, tmp_path):
    hubs = plain_registers["hubs"]
    shuffled = hubs.accepted.set_axis(pd.Index([f"r{i % 7}" for i in range(len(hubs.accepted))], name="row"))
    got = stored_copy.read(_written(dataclasses.replace(hubs, accepted=shuffled), tmp_path / "hubs"))
    pd.testing.assert_series_equal(got.column("_file"), shuffled["_file"], check_exact=True)
    assert "accepted" not in vars(got)
    pd.testing.assert_frame_equal(got.accepted, shuffled, check_exact=True)
    pd.testing.assert_series_equal(got.column("_file"), shuffled["_file"], check_exact=True)


def test_reading_a_part_leaves_the_file_offset_alone(plain_registers, tmp_path):
    """A forked child (accepted_tables writes in children) shares the open file and its offset
    with the run: a read takes its place without moving it."""
    got = stored_copy.read(_written(plain_registers["hubs"], tmp_path / "hubs"))
    at = os.lseek(got._fh.fileno(), 0, os.SEEK_CUR)
    got.column("_row")
    assert os.lseek(got._fh.fileno(), 0, os.SEEK_CUR) == at


def test_a_copy_tells_its_histories_rows_without_reading_them(plain_registers, tmp_path):
    """The graph build weighs its parts by the rows they read (tables._size), histories
    included: a stored copy's header says each history's rows, so weighing reads none; a copy
    whose header lacks them (written before) reads its histories to count."""
    some = False
    for name, register in plain_registers.items():
        copy = stored_copy.read(_written(register, tmp_path / name))
        assert copy.history_rows() == register.history_rows() == {k: len(v) for k, v in register.history.items()}
        assert "history" not in copy.__dict__
        some = some or bool(register.history)
        older = stored_copy.read(_written(register, tmp_path / f"{name}-older"))
        del older._header["history_rows"]
        assert older.history_rows() == register.history_rows() and "history" in older.__dict__
    assert some  # the sample's registers derive histories


def test_the_graph_input_reads_a_history_only_when_a_part_reads_it(plain_registers, tmp_path):
    """GraphInput.of gives each history by name as the registers hold them, reading a stored
    copy's histories only when one is asked for (a partial run building the evaluations part
    reads none); weighing the parts reads none."""
    from graph_schema import schema
    from pipelines.graph import tables

    copies = {n: stored_copy.read(_written(r, tmp_path / n)) for n, r in plain_registers.items()}
    inp = tables.GraphInput.of(copies, dataset={})
    every = tables.parts(inp, schema())
    eager = {f"{n}.{h}": frame for n, r in plain_registers.items() for h, frame in r.history.items()}
    assert sorted(inp.history) == sorted(eager) and len(inp.history) == len(eager)
    assert {p: tables.part_rows(inp, part) for p, part in every.items()}
    assert not any("history" in c.__dict__ for c in copies.values())
    tables._built(every["evaluations"], inp, schema())
    assert not any("history" in c.__dict__ for c in copies.values())
    for name, frame in eager.items():
        pd.testing.assert_frame_equal(inp.history[name], frame, check_exact=True)
    with pytest.raises(KeyError):
        inp.history["organisations.nothing"]


def test_a_copy_tells_each_files_accepted_rows_without_reading_a_column(plain_registers, tmp_path):
    """The accounting's accepted rows per file: a stored copy's header says them, so a partial
    run reads no rows of an unchanged register for its quarantine report; equal to counting the
    rows by their `_file` (pandas' groupby, the oracle); a copy whose header lacks them (written
    before) reads the column."""
    several = False
    for name, register in plain_registers.items():
        want = {str(k): int(n) for k, n in register.accepted.groupby("_file").size().items()}
        copy = stored_copy.read(_written(register, tmp_path / name))
        assert copy.accepted_per_file() == register.accepted_per_file() == want
        assert sum(want.values()) == len(register.accepted)
        assert "accepted" not in copy.__dict__ and not copy._columns
        several = several or len(want) > 1
        older = stored_copy.read(_written(register, tmp_path / f"{name}-older"))
        del older._header["accepted_per_file"]
        assert older.accepted_per_file() == want and "_file" in older._columns
    assert several  # some register's rows come from more than one file


def test_a_register_without_rows_has_no_file_with_accepted_rows(plain_registers):
    register = next(iter(plain_registers.values()))
    empty = dataclasses.replace(register, accepted=register.accepted.iloc[:0])
    assert empty.accepted_per_file() == {}
    assert dataclasses.replace(register, accepted=pd.DataFrame()).accepted_per_file() == {}
