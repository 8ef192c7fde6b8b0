"""What clerks type, read as one value: the spellings of amounts, dates, yes/no and grades found
in real registers (full-width forms, units, Excel serial numbers, Chinese date forms).

Each parser takes the cell's text and returns the value, or raises ValueError; the contract
turns that into the rule's message. Nothing here guesses: a spelling that is not listed fails.
Parsers are pure, so they are memoised: a register repeats its dates and amounts.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from functools import lru_cache

_SPACE = re.compile(r"\s+")
#: characters nobody sees in a cell: Unicode's format characters (category Cf: zero-width
#: space and joiners, byte-order marks, direction marks, soft hyphen, ...; the list is Unicode
#: 14's, held equal to `unicodedata` by tests/test_values.py), the Hangul fillers that render as
#: nothing, and control characters other than tab and line breaks (those are spaces)
INVISIBLE = re.compile(
    "[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
    "\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001"
    "\U000e0020-\U000e007f"
    "\u115f\u1160\u3164\uffa0"
    "\x00-\x08\x0e-\x1f\x7f-\x9f]"
)
#: how people stop Excel reading a long code as a number: `="9131..."` (a formula giving text)
#: or a leading apostrophe; in a CSV both arrive as written
_GUARDED = re.compile(r'^\s*=\s*"(.*)"\s*$', re.DOTALL)
_ASCII_DIGIT = re.compile(r"[0-9]")
_WIDE_OR_ASCII_DIGIT = re.compile(r"[0-9\uff10-\uff19]")


def visible(text: str) -> str:
    """The cell as a clerk sees it: invisible characters (INVISIBLE) removed, an Excel text
    guard (`="…"` or a leading `'`) taken off. Every cleaner starts here."""
    if not (text.isascii() and text.isprintable()):
        text = INVISIBLE.sub("", text)
    s = text.strip()
    if s[:1] == "'":
        return s[1:]
    if s[:1] == "=" and (m := _GUARDED.match(s)):
        return m.group(1)
    return text


def halfwidth(text: str) -> str:
    """Full-width letters, digits, punctuation and the ideographic space as their ASCII forms
    (NFKC). Used on codes, numbers, dates and enumerations, never on names.

    Digits other than ASCII and full-width 0-9 (superscript ², circled ①, mathematical 𝟏, …)
    are kept as written: NFKC would turn them into ASCII digits, and a code written with them
    is not a code (the identifier checks reject it; they must see it as written)."""
    if text.isascii():
        return text
    out = unicodedata.normalize("NFKC", text)
    if len(_ASCII_DIGIT.findall(out)) == len(_WIDE_OR_ASCII_DIGIT.findall(text)):
        return out
    return "".join(
        ch
        if _ASCII_DIGIT.search(nf := unicodedata.normalize("NFKC", ch)) and not _WIDE_OR_ASCII_DIGIT.fullmatch(ch)
        else nf
        for ch in text
    )


#: what tidy() or compact() may change in a printable cell: a space of any kind, a Hangul filler
#: (printable, yet INVISIBLE), an Excel text guard's first character
_NEEDS_TIDY = re.compile("[\\s\u115f\u1160\u3164\uffa0]|\\A\\s*['=]")


def tidy(text: str) -> str:
    """Free text (names, scopes): line breaks, tabs and runs of spaces (the ideographic space
    included) become one space; the ends are trimmed. The characters themselves are kept, less
    the invisible ones and an Excel text guard (`visible`)."""
    # most cells need nothing: one check in C instead of three passes (a national register
    # cleans millions of distinct names); a cell with a format character is not printable
    if text.isprintable() and not _NEEDS_TIDY.search(text):
        return text
    return _SPACE.sub(" ", visible(text).replace("\u3000", " ")).strip()


def compact(text: str) -> str:
    """Codes, numbers, dates and enumerations: half-width, with every space removed (after
    `visible`)."""
    if text.isascii() and text.isprintable() and not _NEEDS_TIDY.search(text):
        return text  # as tidy(): nothing to take away, and ASCII is half-width already
    return _SPACE.sub("", halfwidth(visible(text)))


# --- which cells cleaning leaves as they are, a whole column at once ------------------------

#: characters no cleaner changes, and that are not spaces: ASCII 0x21-0x7E (what `compact`
#: and `halfwidth` keep); for free text (`tidy`) also the CJK ideographs (Unified and
#: Extension A), the full-width forms and the punctuation names are written with. Every one is
#: printable to Python and outside INVISIBLE and _NEEDS_TIDY (tests/test_values.py checks each
#: code point). A first character may not be `'` or `=` (an Excel text guard).
_KEPT_CODE = r"\x{21}-\x{7e}"
_KEPT_TEXT = _KEPT_CODE + r"\x{b7}\x{2014}\x{2018}\x{2019}\x{201c}\x{201d}\x{2026}\x{3001}-\x{3003}\x{3008}-\x{3011}"
_KEPT_TEXT += r"\x{3400}-\x{4dbf}\x{4e00}-\x{9fef}\x{ff01}-\x{ff5e}"
KEPT = {"code": _KEPT_CODE, "text": _KEPT_TEXT}


def _kept_pattern(chars: str) -> str:
    first = chars.replace(r"\x{21}-\x{7e}", r"\x{21}-\x{26}\x{28}-\x{3c}\x{3e}-\x{7e}", 1)
    return f"^[{first}][{chars}]*$"


def arrow_text(cells):
    """`cells` (a pyarrow array, or a pandas array or column) as Arrow text: string or
    large_string, an Array or a ChunkedArray as pandas keeps it (no copy of pandas' Arrow
    text); None when they are not text."""
    import pyarrow as pa

    try:
        arr = cells if isinstance(cells, pa.Array | pa.ChunkedArray) else pa.array(cells, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, UnicodeEncodeError):  # the last: a lone surrogate
        return None
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return None
    return arr


def unchanged(cells, kind: str):
    """Which of `cells` (a pyarrow or pandas string array, one distinct cell each) the cleaner
    of `kind` ("code": `compact` and the date and list cleaners; "text": `tidy`) returns as
    they are and are not blank: one RE2 match over the column instead of a Python call per
    cell. A cell it cannot vouch for (False) is cleaned one at a time. Returns a numpy bool
    array, or None when `cells` is not text (the caller cleans every cell)."""
    import numpy as np
    import pyarrow.compute as pc

    arr = arrow_text(cells)
    if arr is None:
        return None
    hit = pc.match_substring_regex(arr, _kept_pattern(KEPT[kind]))
    return np.asarray(hit.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)


# --- amounts ------------------------------------------------------------------------------

#: yuan per unit written after an amount or in its column header
UNITS = {"万元": 10_000, "万": 10_000, "元": 1}
_AMOUNT = re.compile(
    r"^(?P<sign>-)?(?:¥|RMB|人民币)?(?P<num>[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?)(?P<unit>万元|万|元)?$"
)


@lru_cache(maxsize=1 << 16)
def parse_amount(text: str, header_factor: int = 1) -> float:
    """`125000`, `125,000元`, `¥125000`, `12.5万元` -> 125000.0 yuan. A unit in the cell wins over
    the unit in the column header (`合同金额（万元）` gives `header_factor` 10000)."""
    s = compact(text)
    m = _AMOUNT.match(s)
    if not m:
        raise ValueError(text)
    factor = UNITS[m["unit"]] if m["unit"] else header_factor
    # round to fen: 12.3456万元 is 123456 yuan, not 123455.99999999999
    value = round(float(m["num"].replace(",", "")) * factor, 2)
    return -value if m["sign"] else value  # negative is read, so the contract can say "not negative"


# --- dates --------------------------------------------------------------------------------

#: Excel's day 0 in the 1900 date system (1899-12-31, shifted by Excel's phantom 1900-02-29)
EXCEL_EPOCH = dt.date(1899, 12, 30)
#: serial numbers taken as dates: 1960-01-01 to 2099-12-31 (a year like 2014 is not a serial)
EXCEL_SERIALS = range(21916, 73051)
_DATE_FORMS = [
    re.compile(r"^(?P<y>[0-9]{4})[-/.](?P<m>[0-9]{1,2})[-/.](?P<d>[0-9]{1,2})$"),
    re.compile(r"^(?P<y>[0-9]{4})年(?P<m>[0-9]{1,2})月(?P<d>[0-9]{1,2})[日号]?$"),
    re.compile(r"^(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})$"),
    # month precision: the first of the month (documented in docs/intake.md)
    re.compile(r"^(?P<y>[0-9]{4})年(?P<m>[0-9]{1,2})月份?$"),
    re.compile(r"^(?P<y>[0-9]{4})[-/.](?P<m>[0-9]{1,2})$"),
]


#: a time of day after a date, with an optional zone (`Z`, `+08:00`, `+0800`) as ISO 8601 and
#: web-system exports write it
_TIME = re.compile(
    r"(?P<h>[0-9]{1,2}):(?P<mi>[0-9]{2})(?::(?P<s>[0-9]{2})(?:\.[0-9]+)?)?"
    r"\s*(?P<tz>Z|[+-][0-9]{2}(?::?[0-9]{2})?)?"
)
#: the registers' days are days in China Standard Time (UTC+8, no daylight saving since 1991)
CHINA_TIME = dt.timezone(dt.timedelta(hours=8))


@lru_cache(maxsize=1 << 16)
def parse_date(text: str) -> dt.date:
    """`2014-09-01`, `2014/9/1`, `2014.9.1`, `2014年9月1日`, `20140901`, `2014年9月`, `2014.09`
    (the first of that month) and Excel serial numbers such as `41883`. A time of day after the
    date is dropped; with a time zone (`2014-08-31T16:00:00Z`, `...+08:00`) the instant is read
    as the day it was in China (CHINA_TIME): web systems export Beijing midnight as 16:00Z."""
    # the date part loses its spaces
    day, _, rest = tidy(halfwidth(text)).replace("T", " ").partition(" ")
    clock = _TIME.fullmatch(rest) if rest else None
    if rest and not clock:
        day = day + rest  # `2014 年 9 月`: spaces inside the date, not a time
    s = compact(day)
    if s.isascii() and s.isdigit() and len(s) == 5 and int(s) in EXCEL_SERIALS:
        return EXCEL_EPOCH + dt.timedelta(days=int(s))
    for form in _DATE_FORMS:
        m = form.match(s)
        if m:
            date = dt.date(int(m["y"]), int(m["m"]), int(m.groupdict().get("d") or 1))
            if clock and clock["tz"]:
                return _china_day(date, clock)
            return date
    raise ValueError(text)


def _china_day(date: dt.date, clock: re.Match) -> dt.date:
    """The day in China of `date` at `clock` in the zone `clock` names."""
    tz = clock["tz"]
    if tz == "Z":
        zone = dt.UTC
    else:
        digits = tz[1:].replace(":", "")
        minutes = int(digits[:2]) * 60 + int(digits[2:] or 0)
        zone = dt.timezone(dt.timedelta(minutes=minutes if tz[0] == "+" else -minutes))
    hour, minute, second = int(clock["h"]), int(clock["mi"]), int(clock["s"] or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError(clock.string)
    when = dt.datetime.combine(date, dt.time(hour, minute, second), zone)
    return when.astimezone(CHINA_TIME).date()


# --- yes / no and grades ------------------------------------------------------------------

YES = {"是", "有", "y", "yes", "true", "1", "√", "已建立", "已建"}
NO = {"否", "无", "没有", "n", "no", "false", "0", "×", "未建立", "未建"}


@lru_cache(maxsize=1 << 16)
def parse_bool(text: str) -> bool:
    s = compact(text).lower()
    if s in YES:
        return True
    if s in NO:
        return False
    raise ValueError(text)


_GRADE = re.compile(r"^(?:(?P<n>[1-5])A|(?P<a>A{1,5}))(?:级|等级)?$")


@lru_cache(maxsize=1 << 16)
def parse_org_grade(text: str) -> str:
    """`5A`, `AAAAA`, `5A级`, `５Ａ` -> `5A`."""
    m = _GRADE.match(compact(text).upper())
    if not m:
        raise ValueError(text)
    return f"{m['n'] or len(m['a'])}A"


@lru_cache(maxsize=1 << 16)
def parse_whole(text: str) -> int:
    """`12345`, `12,345`, `12345.0` (as Excel writes a whole number) -> 12345."""
    s = compact(text)
    if re.fullmatch(r"[0-9]{1,3}(,[0-9]{3})+", s):
        s = s.replace(",", "")
    if re.fullmatch(r"-?[0-9]+(\.0+)?", s):
        return int(float(s))
    raise ValueError(text)
