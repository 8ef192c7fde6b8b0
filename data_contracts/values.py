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


def halfwidth(text: str) -> str:
    """Full-width letters, digits, punctuation and the ideographic space as their ASCII forms
    (NFKC). Used on codes, numbers, dates and enumerations, never on names."""
    return unicodedata.normalize("NFKC", text)


def tidy(text: str) -> str:
    """Free text (names, scopes): line breaks, tabs and runs of spaces (the ideographic space
    included) become one space; the ends are trimmed. The characters themselves are kept."""
    return _SPACE.sub(" ", text.replace("\u3000", " ")).strip()


def compact(text: str) -> str:
    """Codes, numbers, dates and enumerations: half-width, with every space removed."""
    return _SPACE.sub("", halfwidth(text))


# --- amounts ------------------------------------------------------------------------------

#: yuan per unit written after an amount or in its column header
UNITS = {"万元": 10_000, "万": 10_000, "元": 1}
_AMOUNT = re.compile(r"^(?P<sign>-)?(?:¥|RMB|人民币)?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?P<unit>万元|万|元)?$")


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
    re.compile(r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})$"),
    re.compile(r"^(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})[日号]?$"),
    re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$"),
    # month precision: the first of the month (documented in docs/intake.md)
    re.compile(r"^(?P<y>\d{4})年(?P<m>\d{1,2})月份?$"),
    re.compile(r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})$"),
]


@lru_cache(maxsize=1 << 16)
def parse_date(text: str) -> dt.date:
    """`2014-09-01`, `2014/9/1`, `2014.9.1`, `2014年9月1日`, `20140901`, `2014年9月`, `2014.09`
    (the first of that month) and Excel serial numbers such as `41883`."""
    # a time of day after the date is dropped; the date part loses its spaces
    day, _, rest = tidy(halfwidth(text)).replace("T", " ").partition(" ")
    if rest and not re.fullmatch(r"\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?", rest):
        day = day + rest  # `2014 年 9 月`: spaces inside the date, not a time
    s = compact(day)
    if s.isdigit() and len(s) == 5 and int(s) in EXCEL_SERIALS:
        return EXCEL_EPOCH + dt.timedelta(days=int(s))
    for form in _DATE_FORMS:
        m = form.match(s)
        if m:
            return dt.date(int(m["y"]), int(m["m"]), int(m.groupdict().get("d") or 1))
    raise ValueError(text)


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
    if re.fullmatch(r"\d{1,3}(,\d{3})+", s):
        s = s.replace(",", "")
    if re.fullmatch(r"-?\d+(\.0+)?", s):
        return int(float(s))
    raise ValueError(text)
