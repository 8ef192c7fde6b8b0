"""The spellings clerks type, read as one value; headers matched by alias; encodings detected."""

import datetime as dt

import pytest

from data_contracts import CONTRACTS, ProjectRecord, values
from data_contracts.headers import match, spellings
from data_contracts.values import (
    compact,
    parse_amount,
    parse_bool,
    parse_date,
    parse_org_grade,
    parse_whole,
    tidy,
)
from pipelines.common.readers import decode


@pytest.mark.parametrize(
    "text,factor,want",
    [
        ("125000", 1, 125000.0),
        ("125,000元", 1, 125000.0),
        ("¥125000", 1, 125000.0),
        ("￥125000", 1, 125000.0),
        ("12.5万元", 1, 125000.0),
        ("12.5万", 1, 125000.0),
        ("１２.５万元", 1, 125000.0),
        ("12.5", 10_000, 125000.0),
        ("125000元", 10_000, 125000.0),
        ("12.3456万元", 1, 123456.0),
        ("-100", 1, -100.0),
        (" 1,234,567.5 元", 1, 1234567.5),
    ],
)
def test_amounts(text, factor, want):
    assert parse_amount(text, factor) == want


@pytest.mark.parametrize("text", ["", "abc", "12,34", "1,2345", "12.5千元", "125000美元", "--5", "万元"])
def test_amounts_not_guessed(text):
    with pytest.raises(ValueError):
        parse_amount(text)


@pytest.mark.parametrize(
    "text,want",
    [
        ("2014-09-01", dt.date(2014, 9, 1)),
        ("2014/9/1", dt.date(2014, 9, 1)),
        ("2014.9.1", dt.date(2014, 9, 1)),
        ("2014年9月1日", dt.date(2014, 9, 1)),
        ("2014年9月1号", dt.date(2014, 9, 1)),
        ("20140901", dt.date(2014, 9, 1)),
        ("2014年9月", dt.date(2014, 9, 1)),
        ("2014.09", dt.date(2014, 9, 1)),
        ("2014-09", dt.date(2014, 9, 1)),
        ("41883", dt.date(2014, 9, 1)),
        ("２０１４－０９－０１", dt.date(2014, 9, 1)),
        ("2014-09-01 00:00:00", dt.date(2014, 9, 1)),
        ("2014-09-11 9:30", dt.date(2014, 9, 11)),
        ("2014-09-11T09:30:00", dt.date(2014, 9, 11)),
        ("2014 年 9 月 1 日", dt.date(2014, 9, 1)),
    ],
)
def test_dates(text, want):
    assert parse_date(text) == want


@pytest.mark.parametrize("text", ["2014", "14/9/1", "2014-13-01", "2014-02-30", "九月", "99999", "2014年"])
def test_dates_not_guessed(text):
    with pytest.raises(ValueError):
        parse_date(text)


def test_yes_no_grades_and_whole_numbers():
    assert [parse_bool(t) for t in ("是", "有", "Y", "ｙ", "yes", "1")] == [True] * 6
    assert [parse_bool(t) for t in ("否", "无", "N", "no", "0")] == [False] * 5
    assert [parse_org_grade(t) for t in ("5A", "AAAAA", "5A级", "５Ａ", "aaa", "3A等级")] == [
        "5A",
        "5A",
        "5A",
        "5A",
        "3A",
        "3A",
    ]
    assert [parse_whole(t) for t in ("12345", "12,345", "12345.0", "１２３")] == [12345, 12345, 12345, 123]
    for bad, parse in (
        ("也许", parse_bool),
        ("6A", parse_org_grade),
        ("AAAAAA", parse_org_grade),
        ("12.5", parse_whole),
    ):
        with pytest.raises(ValueError):
            parse(bad)


def test_text_keeps_its_characters_and_codes_lose_their_spaces():
    assert tidy(" 静安\n阳光（中心）　") == "静安 阳光（中心）"
    assert compact(" ５２３１ ０１０６ ") == "52310106"


def test_headers_by_alias_variant_and_unit():
    m = match(
        ProjectRecord, ["项目编号 *", "名称", "合同金额(万元)", "预算", "承接主体统一社会信用代码", "备注", "项目编号"]
    )
    assert m.columns[0] == "项目编号" and m.columns[1] == "项目名称"
    assert m.columns[2] == "合同金额（元）" and m.units == {"contract_amount": 10_000}
    assert m.columns[3] == "预算金额（元）" and "budget" not in m.units
    assert m.columns[4] == "承接机构统一社会信用代码"
    assert m.unknown == ["备注"] and m.repeated == ["项目编号"]
    assert "开始日期" in m.missing and "承接机构统一社会信用代码" not in m.missing
    assert "签约日期" not in m.missing  # derivable from the start date (docs/intake.md)


def test_no_spelling_names_two_fields_in_any_contract():
    for model in CONTRACTS.values():
        spellings(model)  # raises on a conflict


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "gbk", "gb18030"])
def test_encodings_are_detected(encoding):
    text = "社会组织名称,统一社会信用代码\n静安区阳光社工服务社,52310106MJ0000000X\n"
    if encoding == "gb18030":
        text += "\U00020000\n"  # outside GBK
    raw = text.encode(encoding)
    got, name = decode(raw)
    assert got.lstrip("\ufeff") == text
    assert name == encoding


def test_undecodable_bytes_are_refused():
    with pytest.raises(UnicodeDecodeError):
        decode("名称\n".encode() + b"\xff\x80\n")


def test_the_fast_path_of_tidy_and_compact_changes_nothing():
    # tidy() and compact() return a cell that needs nothing as it is; on every string drawn from
    # the characters that matter (spaces of each kind, invisible ones, guards, full-width forms),
    # they must give what the full cleaning gives
    import random

    from data_contracts.values import _SPACE, halfwidth, visible

    rng = random.Random(3)
    pool = [
        "a",
        "Z",
        "1",
        "-",
        "名",
        "社",
        "'",
        "=",
        '"',
        " ",
        "\u3000",
        "\t",
        "\n",
        "\u200b",
        "\ufeff",
        "\u3164",
        "\u115f",
        "\u00ad",
        "Ａ",
        "１",
        "\x07",
        "²",
        "٣",
    ]
    for _ in range(20_000):
        text = "".join(rng.choice(pool) for _ in range(rng.randrange(0, 7)))
        assert values.tidy(text) == _SPACE.sub(" ", visible(text).replace("\u3000", " ")).strip(), repr(text)
        assert values.compact(text) == _SPACE.sub("", halfwidth(visible(text))), repr(text)


def test_every_character_a_whole_column_keeps_is_one_its_cleaner_keeps():
    # values.unchanged vouches for cells made only of KEPT characters: each must be printable
    # and no space, invisible character or text guard (for codes: also ASCII), or a cell holding
    # it would need cleaning after all
    import re

    from data_contracts.values import _NEEDS_TIDY, INVISIBLE, KEPT

    for kind, chars in KEPT.items():
        ranges = re.findall(r"\\x\{([0-9a-f]+)\}(?:-\\x\{([0-9a-f]+)\})?", chars)
        assert "".join(f"\\x{{{a}}}" + (f"-\\x{{{b}}}" if b else "") for a, b in ranges) == chars
        for first, last in ranges:
            for point in range(int(first, 16), int(last or first, 16) + 1):
                ch = chr(point)
                # (`'` and `=` guard a cell only as its first character: the pattern keeps them
                # out of that place, the next test shows it)
                assert ch.isprintable() and not INVISIBLE.search(ch) and not _NEEDS_TIDY.search("a" + ch), hex(point)
                assert kind == "text" or ch.isascii(), hex(point)


def test_a_cell_the_whole_column_keeps_is_one_its_cleaner_returns_unchanged():
    # on strings drawn from kept and troublesome characters alike: a cell `unchanged` vouches
    # for is returned as it is by its cleaner and is not blank; and Arrow's RE2 match agrees
    # with Python's `re` on the same pattern, cell by cell
    import random
    import re

    from data_contracts.base import CLEANER_KEEPS, blank
    from data_contracts.values import KEPT, _kept_pattern

    rng = random.Random(5)
    pool = ["a", "1", "-", ";", "名", "·", "（", "Ａ", "'", "=", " ", "\u3000", "\u00a0", "\u200b", "\u3164", "²", "٣"]
    pool += ["\t", "\n", "\x07", "\ufeff", "\U00020000", "é"]
    cells = sorted({"".join(rng.choice(pool) for _ in range(rng.randrange(0, 6))) for _ in range(30_000)})
    for clean, kind in CLEANER_KEEPS.items():
        kept = values.unchanged(cells, kind)
        assert kept is not None
        python = re.compile(
            re.sub(r"\\x\{([0-9a-f]+)\}", lambda m: f"\\U{int(m[1], 16):08x}", _kept_pattern(KEPT[kind]))
        )
        for cell, ok in zip(cells, kept.tolist(), strict=True):
            assert ok == bool(python.fullmatch(cell)), (kind, repr(cell))
            if ok:
                assert clean(cell) == cell and not blank(cell), (kind, repr(cell))
        assert kept.sum() > 50, kind  # not idle
    assert values.unchanged([1, 2.5], "code") is None  # not text: every cell is cleaned
