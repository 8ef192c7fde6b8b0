"""A large CSV's rows are parsed as columns (pipelines/common/csv_columns.py) and classified
whole-column (row_kinds.plainly_records); every other file is read record by record. The two
reads must give the same `FileRead` for any text: here they are compared on the sample's and
the messy corpus's CSVs made long, and on CSVs with each quirk the columnar parse has to
decline or get right (banners, two-row headers, totals, footers, blank and empty-cell lines,
quotes, line ends, encodings, widths), and on random text made of the characters that decide
how a line splits and what a row is. The clean ones must take the columnar read, so the
comparison is not between one read and itself."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from data_contracts import CONTRACTS
from pipelines.common import claiming, csv_columns, readers
from pipelines.common.row_kinds import FOOTER_STARTS, not_a_record, plainly_records
from pipelines.settings import SAMPLE_DIR
from tests.corpus.messy import build

ASOF = dt.date(2025, 12, 31)
MODEL = CONTRACTS["projects"]


def _both(path: Path, model) -> tuple[dict, dict, bool]:
    """(columnar read, record-by-record read, whether the columnar parse was taken)."""
    taken = []
    real = readers._read_columns

    def spy(*args, **kwargs):
        out = real(*args, **kwargs)
        taken.append(out is not None)
        return out

    try:
        readers._read_columns = spy
        fast = readers.read_path(path, path.name, ASOF, model)
        readers._read_columns = lambda *a, **k: None
        slow = readers.read_path(path, path.name, ASOF, model)
    finally:
        readers._read_columns = real
    return fast, slow, any(taken)


def _assert_same(fast: dict, slow: dict) -> None:
    assert fast.keys() == slow.keys()
    for part in fast:
        a, b = fast[part], slow[part]
        pd.testing.assert_frame_equal(a.frame, b.frame)
        assert (a.broken, a.units, a.unknown_columns, a.format, a.skipped, a.notes) == (
            b.broken,
            b.units,
            b.unknown_columns,
            b.format,
            b.skipped,
            b.notes,
        )


def _rows(n: int, start: int = 0) -> list[list[str]]:
    width = len(MODEL.headers())
    return [[f"P{start + i:05d}"] + [f"值{i}-{j}" for j in range(1, width)] for i in range(n)]


def _text(lines: list[list[str]], sep: str = ",", end: str = "\n") -> str:
    return end.join(sep.join(cells) for cells in lines) + end


HEADER = MODEL.headers()
W = len(HEADER)

#: name -> (file text, encoding, whether the columnar parse must be taken)
CASES: dict[str, tuple[str, str, bool]] = {
    "clean": (_text([HEADER, *_rows(40)]), "utf-8", True),
    "crlf": (_text([HEADER, *_rows(40)], end="\r\n"), "utf-8", True),
    "gbk": (_text([HEADER, *_rows(40)]), "gbk", True),
    "bom": ("\ufeff" + _text([HEADER, *_rows(40)]), "utf-8", True),
    "tsv": (_text([HEADER, *_rows(40)], sep="\t"), "utf-8", True),
    "no final newline": (_text([HEADER, *_rows(40)]).rstrip("\n"), "utf-8", True),
    "banner and unit line": (
        _text([["某区政府购买服务项目清单"] + [""] * (W - 1), ["单位：万元"] + [""] * (W - 1), HEADER, *_rows(40)]),
        "utf-8",
        True,
    ),
    "totals, subtotals, footers, blanks": (
        _text(
            [
                HEADER,
                *_rows(15),
                ["小计"] + [""] * (W - 1),
                ["P1 汇总"] + [""] * (W - 1),
                [""] * W,
                *_rows(15, 100),
                [" ", "P00999", *["x"] * (W - 2)],
                ["合计", "", "123"] + [""] * (W - 3),
                ["注：金额含税"] + [""] * (W - 1),
                ["填报人：张三"] + [""] * (W - 1),
                ["total"] + [""] * (W - 1),
                ["（一）", *["y"] * (W - 1)],
                ["\u3000P77", *["z"] * (W - 1)],
            ]
        )
        + "\n\n",
        "utf-8",
        True,
    ),
    "quoted commas and quotes": (
        _text([HEADER, *_rows(20), ['"A, B"', '"say ""hi"""', *["q"] * (W - 2)], *_rows(20, 50)]),
        "utf-8",
        True,
    ),
    "quoted line break": (
        _text([HEADER, *_rows(20), ['"A\nB"', *["q"] * (W - 1)], *_rows(20, 50)]),
        "utf-8",
        False,
    ),
    "stray quote": (_text([HEADER, *_rows(20), ['A"B', *["q"] * (W - 1)], *_rows(20, 50)]), "utf-8", False),
    "lone carriage return": (_text([HEADER, *_rows(40)]).replace("\n", "\r", 30), "utf-8", False),
    # a file converted to Windows line ends twice: the csv module counts a line more at each
    "doubled carriage returns": (_text([HEADER]) + _text(_rows(40), end="\r\r\n"), "utf-8", False),
    "a carriage return ending the file": (_text([HEADER, *_rows(40)]).rstrip("\n") + "\r", "utf-8", False),
    "short row": (_text([HEADER, *_rows(20), ["P1", "x"], *_rows(20, 50)]), "utf-8", False),
    "trailing empty cells": (_text([HEADER, *_rows(20), [*_rows(1)[0], "", ""], *_rows(20, 50)]), "utf-8", False),
    "spaces-only line": (_text([HEADER, *_rows(20)]) + "   \n" + _text(_rows(20, 50)), "utf-8", False),
    "NUL byte": (_text([HEADER, *_rows(20)]) + "P\x00," + _text(_rows(20, 50)), "utf-8", False),
    "unclosed quote at the end": (_text([HEADER, *_rows(40)]) + '"P9,x', "utf-8", False),
    "short file": (_text([HEADER, *_rows(10)]), "utf-8", False),
    # found by review (helper-14): pyarrow skips a BOM that starts its part; the csv module
    # refuses a cell over its field size limit, pyarrow reads it
    "BOM on the first line under the header": (_text([HEADER]) + "\ufeff" + _text(_rows(40)), "utf-8", False),
    "BOM alone on the first line under the header": (_text([HEADER]) + "\ufeff,\n" + _text(_rows(40)), "utf-8", False),
    "a cell over the csv module's limit": (
        _text([HEADER, *_rows(20), ["P2", "x" * 131_073, *["y"] * (W - 2)], *_rows(5, 50)]),
        "utf-8",
        False,
    ),
    "no header": (_text(_rows(40)), "utf-8", False),
    # a line over the limit whose cells are all under it: both reads take it
    "a long line of cells under the csv module's limit": (
        _text([HEADER, *_rows(20), ["P3", "x" * 70_000, "y" * 70_000, *["z"] * (W - 3)], *_rows(20, 50)]),
        "utf-8",
        True,
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_the_columnar_read_equals_the_record_by_record_read(name, tmp_path):
    text, encoding, columnar = CASES[name]
    path = tmp_path / "projects.csv"
    path.write_bytes(text.encode(encoding))
    fast, slow, taken = _both(path, MODEL)
    assert taken == columnar
    _assert_same(fast, slow)


def _long(path: Path) -> None:
    """The file with its lines below the first three repeated: long enough for the columnar
    parse, with whatever quirks the file has."""
    raw = path.read_bytes()
    lines = raw.splitlines(keepends=True)
    if lines and not lines[-1].endswith((b"\n", b"\r")):
        lines[-1] += b"\n"
    path.write_bytes(b"".join(lines + lines[3:] * 3))


def test_the_two_reads_agree_on_the_sample_and_the_messy_corpus(tmp_path):
    inbox = tmp_path / "messy"
    build(inbox)
    sample = tmp_path / "sample"
    sample.mkdir()
    for f in SAMPLE_DIR.rglob("*"):
        if f.is_file():
            (sample / f.relative_to(SAMPLE_DIR)).parent.mkdir(parents=True, exist_ok=True)
            (sample / f.relative_to(SAMPLE_DIR)).write_bytes(f.read_bytes())
    taken_somewhere, compared = False, 0
    for root in (inbox, sample):
        for model in CONTRACTS.values():
            for path in claiming.files_of(root, model):
                if path.suffix.lower() not in readers.TEXT_FILES:
                    continue
                _long(path)
                fast, slow, taken = _both(path, model)
                _assert_same(fast, slow)
                taken_somewhere |= taken
                compared += 1
    assert compared >= 10 and taken_somewhere


def test_plainly_records_never_says_record_where_not_a_record_would_not():
    # every character of the ASCII range, the ideographs and what full-width forms there are,
    # as the first character of cells that a total, subtotal or footer check would look at
    chars = [chr(c) for c in (*range(0x20, 0x7F), *range(0x3000, 0x3040), *range(0xFF00, 0xFF60))]
    chars += [chr(c) for c in range(0x4E00, 0xA000, 7)] + sorted(FOOTER_STARTS)
    cells = [c + tail for c in chars for tail in ("", "计", "计 ", "1汇总", "汇总 ", ":", "（盖章）", "abc")]
    plain = plainly_records(pa.array(cells))
    for cell, p in zip(cells, plain, strict=True):
        if p:
            assert cell.strip() and cell.strip()[0] == cell[0], cell
            assert not_a_record(cell.strip()) is None, cell
    assert plain.sum() > len(cells) / 3  # it does say record for most: the fast path is used


#: what random cells are made of: the characters that decide how a line splits, whether a row is
#: blank, a total, a subtotal or a footer, and text around them
PIECES = [
    *("a", "b", "社", "区", "P1", "1", "", "（", "#", "T", "total"),
    *(",", ",", '"', '""', " ", "\u3000", "\t", "\n", "\r\n", "\r"),
    *("合计", "小计", "汇总", "注："),
]


def _random_csv(r: random.Random) -> str:
    """A header and 22-60 rows: records, some with a random cell, and random lines of the
    header's width or another, in proportions that leave some files clean enough for the
    columnar parse and make others decline it."""
    w = len(HEADER)
    lines, noise = [",".join(HEADER)], r.choice([0.0, 0.02, 0.1, 0.3])

    def cell() -> str:
        return "".join(r.choice(PIECES) for _ in range(r.randint(0, 4)))

    for i in range(r.randint(22, 60)):
        if r.random() > noise:
            cells = [f"P{i:04d}"] + [f"v{i}{j}" for j in range(1, w)]
            if r.random() < noise:
                cells[r.randrange(w)] = cell()
        elif r.random() < 0.7:
            cells = [cell() for _ in range(w)]
        else:
            cells = [cell() for _ in range(r.randint(1, w + 1))]
        lines.append(",".join(cells))
    end = r.choice(["\n", "\r\n"])
    return end.join(lines) + r.choice(["", end, end + end])


def test_the_two_reads_agree_on_random_text(tmp_path):
    path, taken = tmp_path / "projects.csv", 0
    for seed in range(150):
        r = random.Random(seed)
        path.write_bytes(_random_csv(r).encode(r.choice(["utf-8", "gb18030"])))
        fast, slow, took = _both(path, MODEL)
        _assert_same(fast, slow)
        taken += took
    assert 20 < taken < 150  # both reads were compared, and the parse declined some files


def test_the_rows_numbered_without_a_scan_and_from_the_files_bytes_are_the_scanned_ones(monkeypatch):
    # `parse` numbers the rows by counting lines when no line holds a quote or a lone carriage
    # return, and reads a UTF-8 file's own bytes: the same `Body` as scanning every line of the
    # text encoded again, for every random file, and both ways taken
    def body(text: str, scan: bool, utf8: bytes | None):
        if scan:
            monkeypatch.setattr(csv_columns, "_plain_lines", lambda data, start: None)
        try:
            return csv_columns.parse(text, 2, ",", W, utf8)
        finally:
            monkeypatch.undo()

    counted = scanned = 0
    for seed in range(300):
        r = random.Random(seed)
        text = ("\ufeff" if r.random() < 0.2 else "") + _random_csv(r)
        data = text.encode("utf-8")
        unscanned, own_bytes, scan = body(text, False, None), body(text, False, data), body(text, True, None)
        for got in (unscanned, own_bytes):
            assert (got is None) == (scan is None), seed
            if got is not None and scan is not None:
                assert got.rows.tolist() == scan.rows.tolist(), seed
                assert [c.to_pylist() for c in got.columns] == [c.to_pylist() for c in scan.columns], seed
        if scan is not None:
            plain = csv_columns._plain_lines(data, csv_columns.offset_of_line(data, 2) or 0)
            counted += plain == len(scan.rows)
            scanned += plain != len(scan.rows)
    assert counted > 20 and scanned > 20, (counted, scanned)


@pytest.mark.parametrize("head_bytes", [4_500, 7_000, 1 << 20])
def test_the_two_reads_agree_when_a_utf8_file_is_read_from_its_head(tmp_path, monkeypatch, head_bytes):
    # `_read_text` decodes a UTF-8 file's head for the header search and parses the rows from
    # the file's bytes; it decodes the whole file when the head ends before the search does, or
    # when a row further down is not UTF-8 (GB18030 here), and then reads it as before
    monkeypatch.setattr(readers, "HEAD_BYTES", head_bytes)
    decoded, real_decode = [], readers.decode

    def counting_decode(raw: bytes):
        decoded.append(len(raw))
        return real_decode(raw)

    monkeypatch.setattr(readers, "decode", counting_decode)
    path, from_head, head_too_short = tmp_path / "projects.csv", 0, 0
    for seed in range(60):
        r = random.Random(seed)
        text = "title " * 700 + "\n" + _random_csv(r).rstrip("\r\n") + "\n"  # a banner of 4,200 characters
        data = text.encode("utf-8")
        if seed % 3 == 0:
            data += ",".join(["P8888", "社区", *["v"] * (W - 2)]).encode("gb18030") + b"\n"
        path.write_bytes(data)
        decoded.clear()
        fast, slow, took = _both(path, MODEL)
        _assert_same(fast, slow)
        from_head += took and len(decoded) == 1  # the slow read decodes; the fast one did not
        head_too_short += took and len(decoded) == 2 and len(data) > head_bytes
    if head_bytes == 4_500:
        assert from_head == 0 and head_too_short > 5
    else:
        assert from_head > 5
