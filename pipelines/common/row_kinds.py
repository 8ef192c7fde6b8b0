"""Which rows under a header are records, and which are totals, subtotals or footer lines.

Consumes the first filled cell of a row (one at a time, or a whole column of them).
Emits  why a row is not a record (`not_a_record`), or, for a column, the rows that are records
       for certain without looking further (`plainly_records`): the reader checks only the
       others one by one.
"""

from __future__ import annotations

import re
import string

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from data_contracts.headers import header_key

#: a row whose first filled cell starts with one of these is a total, not a record
TOTAL_WORDS = ("合计", "总计", "小计", "共计", "total")
#: ... or ends with this: Excel's Subtotal command labels each group `<value> 汇总`
SUBTOTAL_SUFFIX = "汇总"
#: ... or is a note or a signature line under the table (compared after header_key: half-width,
#: no spaces, lower case): `注：`, `说明：`, `填报人：`, `审核人：`, `填报日期：`, `填报单位（盖章）`
FOOTER = re.compile(
    r"^(?:(?:注|说明|备注|附注)(?:[0-9一二三四五六七八九]|:|$)"
    r"|(?:填报人|填表人|制表人|审核人|复核人|审批人|负责人|单位负责人|分管领导|主管领导|经办人"
    r"|联系人|联系电话|填报日期|填表日期|制表日期|报送日期|填报单位|制表单位|报送单位)"
    r"(?:\(.*?\))?(?::|$))"
)
#: first characters of every word above: a row starting otherwise skips the check
FOOTER_STARTS = frozenset("合总小共注说备附填制审复负单分主经联报")
#: ASCII letters that start a word above (`total`)
ASCII_STARTS = frozenset("tT")
#: the CJK Unified Ideographs block: names start with one, and header_key keeps it as it is
IDEOGRAPHS = ("\u4e00", "\u9fff")


def _plain_start(ch: str) -> bool:
    """Whether a cell starting with `ch` starts no total or footer word, even normalised: an
    ASCII letter or digit, or an ideograph, that no such word starts with."""
    if ch.isascii():
        return ch.isalnum() and ch not in ASCII_STARTS
    return IDEOGRAPHS[0] <= ch <= IDEOGRAPHS[1] and ch not in FOOTER_STARTS


def not_a_record(first: str) -> str | None:
    """Why a row whose first filled cell is `first` (stripped, not empty) is not a record (a
    total, a subtotal, a note or signature line under the table), or None for a record."""
    if first.endswith(SUBTOTAL_SUFFIX):
        return "subtotal row"
    # most rows start with a code or a name, so the normalisation can be skipped
    if _plain_start(first[0]):
        return None
    key = header_key(first)
    if key.startswith(TOTAL_WORDS):
        return "total row"
    return "note or signature line" if FOOTER.match(key) else None


def _class(chars) -> str:
    return "".join(re.escape(c) for c in sorted(chars))


#: `_plain_start` as RE2 patterns (pyarrow compute): a plain start, and the ideographs excluded
_PLAIN = (
    f"^(?:[{_class(c for c in string.ascii_letters + string.digits if c not in ASCII_STARTS)}]"
    f"|[\\x{{{ord(IDEOGRAPHS[0]):x}}}-\\x{{{ord(IDEOGRAPHS[1]):x}}}])"
)
_FOOTER_START = f"^[{_class(FOOTER_STARTS)}]"


def plainly_records(first_cells: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Per row, given its first cell (text, no nulls): True where the row is a record for
    certain, because that cell starts with a plain character (`_plain_start`, so it is the
    row's first filled cell and `not_a_record` of it is None) and holds no SUBTOTAL_SUFFIX.
    False says nothing: such rows are read one by one. Whole-column, no Python per row
    (tests/test_csv_columns.py holds it to `not_a_record`)."""
    plain = pc.and_(
        pc.match_substring_regex(first_cells, _PLAIN),
        pc.invert(pc.match_substring_regex(first_cells, _FOOTER_START)),
    )
    plain = pc.and_(plain, pc.invert(pc.match_substring(first_cells, SUBTOTAL_SUFFIX)))
    return np.asarray(plain, dtype=bool)
