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
from pipelines.graph.arrow import STRING_BYTES_MAX
from pipelines.graph.store import _as_arrow, _offsets_span, _text_span


def _as_int32(true_offsets: list[int]) -> np.ndarray:
    """The int32 offsets a piece of text with these true offsets gets (wrapped past 2**31)."""
    return np.array(true_offsets, dtype=np.int64).astype(np.uint32).view(np.int32)


def test_the_span_of_text_is_read_across_wrapped_offsets():
    assert _offsets_span(_as_int32([0, 3, 3_000_000_000, 3_000_000_005])) == 3_000_000_005
    assert _as_int32([0, 3_000_000_000])[1] < 0  # as the piece holds it
    assert _offsets_span(_as_int32([0, 2**31 - 1])) == STRING_BYTES_MAX
    assert _offsets_span(_as_int32([0, 2**32 + 7])) == 7  # one value of 4 GiB or more: not told apart


def test_the_span_of_text_counts_the_rows_of_a_slice_and_the_text_in_lists_and_structs():
    text = pa.array(["ab", None, "cde", "", "f"])
    assert _text_span(text) == 6
    assert _text_span(text.slice(2, 2)) == 3
    assert _text_span(pa.array([["ab", "c"], None, ["defg"]])) == 7
    assert _text_span(pa.array([{"a": "xy", "n": 1}, {"a": "zzz", "n": 2}])) == 5
    assert _text_span(pa.array([1, 2, 3])) == 0
    assert _text_span(pa.array([], pa.string())) == 0


class _Result:
    """A ladybug result as `_as_arrow` uses it, over `table`: pieces of the rows asked for.
    With STRING_BYTES_MAX lowered, a piece of text over it stands for one over 2 GiB."""

    def __init__(self, table: pa.Table):
        self.table = table
        self.asked: list[int] = []
        self.resets = 0

    def get_as_arrow(self, rows: int) -> pa.Table:
        self.asked.append(rows)
        pieces = [self.table.slice(start, rows) for start in range(0, self.table.num_rows, rows)]
        return pa.concat_tables(pieces) if pieces else self.table

    def reset_iterator(self) -> None:
        self.resets += 1


def test_a_result_whose_pieces_hold_too_much_text_is_handed_over_again_in_fewer_rows(monkeypatch):
    # the limit lowered to 20 bytes: pieces are checked against it as against 2 GiB
    monkeypatch.setattr(store_module, "STRING_BYTES_MAX", 20)
    words = [f"w{i:03d}" for i in range(100)]  # 4 bytes each: 400 bytes in all
    table = pa.table({"n": list(range(100)), "word": words, "words": [[w, w] for w in words]})
    result = _Result(table)
    got = _as_arrow(result, 100)
    assert got.equals(table)  # every row, in order
    assert all(_text_span(piece) <= 20 for column in got.columns for piece in column.chunks)
    assert result.asked[0] == 100 and result.resets == len(result.asked) - 1 >= 1
    # each try asks for fewer rows than the one before
    assert all(later < earlier for earlier, later in zip(result.asked, result.asked[1:], strict=False))


def test_a_result_whose_text_fits_is_handed_over_once_as_asked():
    table = pa.table({"word": ["a", "bc", None] * 10})
    result = _Result(table)
    assert _as_arrow(result, 0).equals(table)  # 0 rows asked: pieces of one row at least
    assert result.asked == [1] and result.resets == 0
    result = _Result(table)
    assert _as_arrow(result, 30).equals(table) and result.asked == [30]


def test_one_value_longer_than_a_piece_of_text_holds_is_refused(monkeypatch):
    monkeypatch.setattr(store_module, "STRING_BYTES_MAX", 20)
    with pytest.raises(ValueError, match="21 bytes"):
        _as_arrow(_Result(pa.table({"word": ["x" * 21]})), 5)


def test_ladybug_wraps_text_past_2_gib_and_the_store_hands_it_over_whole(tmp_path):
    """On the library: 2,100 values of 1 MiB each in one piece wrap ladybug's offsets (the
    premise: if a version stops doing so, this says so), and `_as_arrow` gives them whole.
    About 20 s and 7 GB of memory."""
    import ladybug

    rows, size = 2_100, 1 << 20
    db = ladybug.Database(str(tmp_path / "g.lbug"))
    try:
        conn = ladybug.Connection(db)
        result = conn.execute(f"UNWIND range(1, {rows}) AS i RETURN i, concat(string(i), repeat('x', {size})) AS s")
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
        expected = [len(str(i)) + size for i in range(1, rows + 1)]
        assert pc.binary_length(table["s"]).to_pylist() == expected
        last = table["s"].chunk(table["s"].num_chunks - 1)
        assert last[len(last) - 1].as_py() == f"{rows}" + "x" * size
    finally:
        db.close()
