"""A ladybug result handed over as Arrow (store._as_arrow): whole, and every piece of text within
32-bit offsets, however long the text.

ladybug 0.22 hands text over as Arrow `string` in pieces of the rows asked for, whatever their
bytes: a piece of more than 2 GiB comes back with its offsets wrapped, without an error, and
reading it crashed the process. The last test shows it on the library itself."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from pipelines.graph import store as store_module
from pipelines.graph.arrow import STRING_BYTES_MAX, c_allocator
from pipelines.graph.store import _as_arrow, _offsets_span, _text_span


def _as_int32(true_offsets: list[int]) -> np.ndarray:
    """The int32 offsets a piece of text with these true offsets gets (wrapped past 2**31)."""
    return np.array(true_offsets, dtype=np.int64).astype(np.uint32).view(np.int32)


def test_the_span_of_text_is_read_across_wrapped_offsets():
    assert _offsets_span(_as_int32([0, 3, 3_000_000_000, 3_000_000_005])) == 3_000_000_005
    assert _as_int32([0, 3_000_000_000])[1] < 0  # as the piece holds it
    assert _offsets_span(_as_int32([0, 2**31 - 1])) == STRING_BYTES_MAX
    assert _offsets_span(_as_int32([0, 2**32 + 7])) == 7  # one value of 4 GiB or more: not told apart


def test_the_span_of_text_counts_the_rows_of_a_slice_and_the_text_in_lists_maps_and_structs():
    text = pa.array(["ab", None, "cde", "", "f"])
    assert _text_span(text) == 6
    assert _text_span(text.slice(2, 2)) == 3
    lists = pa.array([["ab", "c"], None, ["defg"]])
    assert _text_span(lists) == 7
    assert _text_span(lists.slice(1)) == 4 and _text_span(lists.slice(0, 1)) == 3
    assert _text_span(pa.array([["a", "bc"], ["def", "g"]], pa.list_(pa.string(), 2)).slice(1)) == 4
    maps = pa.array([[("a", "bb")], None, [("ccc", "d"), ("e", "f")]], pa.map_(pa.string(), pa.string()))
    assert _text_span(maps) == 5  # the keys' 5 bytes; the values' 4 are another piece
    assert _text_span(maps.slice(2)) == 4
    structs = pa.array([{"a": "xy", "n": 1}, {"a": "zzz", "n": 2}, {"a": "q", "n": 3}])
    assert _text_span(structs) == 6 and _text_span(structs.slice(1, 1)) == 3
    assert _text_span(pa.array([1, 2, 3])) == 0
    assert _text_span(pa.array([], pa.string())) == 0
    assert _text_span(pa.array(["x" * 9], pa.large_string())) == 0  # 64-bit offsets: no limit to keep


class _Result:
    """A ladybug result as `_as_arrow` uses it, over `table`: rows read from where its iterator
    stands (`get_n` moves it, `reset_iterator` puts it back), as Arrow in pieces of the rows
    asked for. With STRING_BYTES_MAX lowered, a piece of text over it stands for one over 2 GiB."""

    def __init__(self, table: pa.Table):
        self.table, self.at = table, 0
        self.asked: list[int] = []
        self.resets = 0

    def get_n(self, n: int) -> list[list]:
        rows = self.table.slice(self.at, n).to_pylist()
        self.at += len(rows)
        return [list(row.values()) for row in rows]

    def get_as_arrow(self, rows: int) -> pa.Table:
        self.asked.append(rows)
        rest, self.at = self.table.slice(self.at), self.table.num_rows
        pieces = [rest.slice(start, rows) for start in range(0, rest.num_rows, rows)]
        return pa.concat_tables(pieces) if pieces else rest

    def reset_iterator(self) -> None:
        self.at = 0
        self.resets += 1


def test_a_result_whose_pieces_hold_too_much_text_is_handed_over_again_in_fewer_rows(monkeypatch):
    # the limit lowered to 20 bytes: pieces are checked against it as against 2 GiB
    monkeypatch.setattr(store_module, "STRING_BYTES_MAX", 20)
    monkeypatch.setattr(store_module, "TEXT_SAMPLE_ROWS", 3)
    # the sampled rows' text is short, the rest's long: only the check after the hand-over sees it
    words = ["", "", "", *(f"w{i:03d}" for i in range(97))]
    table = pa.table({"n": list(range(100)), "word": words, "words": [[w, w] for w in words]})
    result = _Result(table)
    got = _as_arrow(result, 100)
    assert got.equals(table)  # every row, in order
    assert all(_text_span(piece) <= 20 for column in got.columns for piece in column.chunks)
    assert result.asked[0] == 100 and result.resets == len(result.asked) >= 2  # the sample's, and each retry's
    # each try asks for fewer rows than the one before
    assert all(later < earlier for earlier, later in zip(result.asked, result.asked[1:], strict=False))


def test_the_rows_of_a_piece_are_bounded_by_the_text_of_the_first_rows(monkeypatch):
    monkeypatch.setattr(store_module, "STRING_BYTES_MAX", 8_000)
    # 10 bytes a row in the widest column (a list of two 5-byte words): 8,000 / (8 x 10) = 100 rows
    table = pa.table({"n": list(range(1_000)), "word": ["abc"] * 1_000, "words": [["abcde", "fghij"]] * 1_000})
    result = _Result(table)
    got = _as_arrow(result, 1_000)
    assert result.asked == [8_000 // (store_module.TEXT_MARGIN * 10)] and result.resets == 1
    assert got.equals(table) and {len(c) for c in got["words"].chunks} == {100}
    # no text at all: the rows asked for
    result = _Result(pa.table({"n": list(range(50))}))
    assert _as_arrow(result, 50).num_rows == 50 and result.asked == [50]


def test_a_result_whose_text_fits_is_handed_over_once_as_asked():
    table = pa.table({"word": ["a", "bc", None] * 10})
    result = _Result(table)
    assert _as_arrow(result, 0).equals(table)  # 0 rows asked: pieces of one row at least
    assert result.asked == [1] and result.resets == 1  # rewound after the sample only
    result = _Result(table)
    assert _as_arrow(result, 30).equals(table) and result.asked == [30]
    result = _Result(pa.table({"word": pa.array([], pa.string())}))
    assert _as_arrow(result, 0).num_rows == 0


def test_one_value_longer_than_a_piece_of_text_holds_is_refused(monkeypatch):
    monkeypatch.setattr(store_module, "STRING_BYTES_MAX", 20)
    with pytest.raises(ValueError, match="21 bytes"):
        _as_arrow(_Result(pa.table({"word": ["x" * 21]})), 5)


def test_a_ladybug_result_sampled_then_handed_over_gives_every_row_in_order(tmp_path):
    import ladybug

    db = ladybug.Database(str(tmp_path / "g.lbug"))
    try:
        result = ladybug.Connection(db).execute("UNWIND range(1, 2500) AS i RETURN i, string(i) AS s, [string(i)] AS l")
        table = _as_arrow(result, 5_000)
        assert table["i"].to_pylist() == list(range(1, 2501))
        assert table["s"].to_pylist() == [str(i) for i in range(1, 2501)]
        assert table["l"].to_pylist() == [[str(i)] for i in range(1, 2501)]
    finally:
        db.close()


def test_ladybug_wraps_text_past_2_gib_and_the_store_hands_it_over_whole(tmp_path):
    """On the library: 2,100 values of 1 MiB each in one piece wrap ladybug's offsets (the
    premise: if a version stops doing so, this says so), and `_as_arrow` gives them whole,
    though its sample (the first rows, short) did not foresee them. About 20 s and 7 GB of
    memory."""
    import ladybug

    short, rows, size = store_module.TEXT_SAMPLE_ROWS, 3_100, 1 << 20
    query = (
        f"UNWIND range(1, {rows}) AS i "
        f"RETURN i, concat(string(i), CASE WHEN i <= {short} THEN '' ELSE repeat('x', {size}) END) AS s"
    )
    db = ladybug.Database(str(tmp_path / "g.lbug"))
    try:
        conn = ladybug.Connection(db)
        result = conn.execute(query)
        wrapped = result.get_as_arrow(rows)
        assert wrapped["s"].num_chunks == 1
        assert _text_span(wrapped["s"].chunk(0)) > STRING_BYTES_MAX  # as the library gives it
        with pytest.raises(pa.ArrowInvalid):
            wrapped.validate()
        del wrapped
        result.reset_iterator()
        table = _as_arrow(result, rows)
        table.validate(full=True)
        assert table.num_rows == rows and table["s"].num_chunks > 1
        assert table["i"].to_pylist() == list(range(1, rows + 1))
        expected = [len(str(i)) + (size if i > short else 0) for i in range(1, rows + 1)]
        assert pc.binary_length(table["s"]).to_pylist() == expected
        last = table["s"].chunk(table["s"].num_chunks - 1)
        assert last[len(last) - 1].as_py() == f"{rows}" + "x" * size
    finally:
        db.close()


def test_the_c_allocator_is_used_while_any_block_runs_and_the_default_put_back_after():
    import threading

    default = pa.default_memory_pool().backend_name
    assert default != "system"  # else this test shows nothing
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen: dict[str, str] = {}

    def first() -> None:
        with c_allocator():
            first_in.set()
            second_in.wait(5)
            seen["first"] = pa.default_memory_pool().backend_name
        first_out.set()

    def second() -> None:
        first_in.wait(5)
        with c_allocator():
            second_in.set()
            first_out.wait(5)  # the first block has ended while this one runs
            seen["second, after the first"] = pa.default_memory_pool().backend_name

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert seen == {"first": "system", "second, after the first": "system"}
    assert pa.default_memory_pool().backend_name == default
    with pytest.raises(RuntimeError), c_allocator():
        raise RuntimeError("a block that fails")
    assert pa.default_memory_pool().backend_name == default
