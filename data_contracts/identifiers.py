"""Identifier arithmetic: USCC (GB 32100), organisation code (GB 11714), division codes
(GB/T 2260 and the 12-digit statistical codes) and resident ID numbers (GB 11643).

Pure functions, no pandas: the contracts, the generator and the tests all call these, so a
code the generator makes is checked by exactly the rule the contract applies.
"""

from __future__ import annotations

import operator
import re

# --- Unified Social Credit Code (统一社会信用代码) -------------------------------------------

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
_USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]  # 3^(i-1) mod 31 for pos 1..17
_ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]
_USCC_CHARS = frozenset(USCC_ALPHABET)

#: civil-affairs (民政) category digit (USCC position 2) for each organisation type
ORG_TYPE_DIGIT = {"社会团体": "1", "社会服务机构": "2", "基金会": "3"}


# character values as lookup tables: a national register checks about two million codes
_USCC_VALUE = {ch: i for i, ch in enumerate(USCC_ALPHABET)}
# GB 11714 values letters A=10 ... Z=35, unlike the USCC alphabet
_ORG_VALUE = {ch: int(ch, 36) for ch in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}


def _weighted(values: dict[str, int], chars: str, weights: list[int]) -> int:
    if len(chars) != len(weights):
        raise ValueError(f"{len(weights)} characters expected, got {chars!r}")
    try:
        return sum(map(operator.mul, map(values.__getitem__, chars), weights))
    except KeyError as err:
        raise ValueError(f"not a code character: {err.args[0]!r}") from None


def uscc_check_char(first17: str) -> str:
    """ISO 7064 MOD 31-3 check character over the first 17 characters."""
    return USCC_ALPHABET[(31 - _weighted(_USCC_VALUE, first17, _USCC_WEIGHTS) % 31) % 31]


def org_code_check_char(first8: str) -> str:
    """GB 11714 check character of an organisation code's first 8 characters."""
    c = 11 - _weighted(_ORG_VALUE, first8, _ORG_WEIGHTS) % 11
    return {10: "X", 11: "0"}.get(c, str(c))


def uscc_problems(code: str) -> list[str]:
    """Rule ids broken by a USCC, in the order they are checked (empty list: valid).

    Only structural and checksum rules live here; whether the code belongs to a civil-affairs
    organisation of the declared type is a meaning check (see :func:`uscc_type_problems`).
    """
    if len(code) != 18:
        return ["uscc_length"]
    if not _USCC_CHARS.issuperset(code):
        return ["uscc_alphabet"]
    problems = []
    if uscc_check_char(code[:17]) != code[17]:
        problems.append("uscc_check_char")
    if org_code_check_char(code[8:16]) != code[16]:
        problems.append("uscc_org_code_check")
    return problems


def valid_usccs(codes: list[str]) -> list[bool]:
    """Whether each code passes every rule of :func:`uscc_problems` unchanged."""
    def check(chars):
        import numpy as np

        uscc_value = np.full(256, -1, dtype=np.int64)
        uscc_value[[ord(ch) for ch in USCC_ALPHABET]] = np.arange(len(USCC_ALPHABET))
        org_value = np.zeros(256, dtype=np.int64)
        org_value[[ord(ch) for ch in _ORG_VALUE]] = list(_ORG_VALUE.values())
        values = uscc_value[chars]
        check = (31 - (values[:, :17] @ np.array(_USCC_WEIGHTS)) % 31) % 31
        org = 11 - (org_value[chars[:, 8:16]] @ np.array(_ORG_WEIGHTS)) % 11
        org_char = np.where(org == 10, ord("X"), np.where(org == 11, ord("0"), ord("0") + org))
        return (values >= 0).all(axis=1) & (check == values[:, 17]) & (org_char == chars[:, 16])

    return _checked_at_once(codes, lambda c: True, check)


def _checked_at_once(values: list[str], shaped, check) -> list[bool]:
    """`check` run with numpy on the 18-character ASCII values that are `shaped`, as one byte
    matrix (a row per value); False for the rest. A national register holds about two million
    codes, and the check arithmetic one code at a time was the largest cost of its contract."""
    import numpy as np

    at = [i for i, v in enumerate(values) if len(v) == 18 and v.isascii() and shaped(v)]
    valid = [False] * len(values)
    if at:
        chars = np.frombuffer("".join(values[i] for i in at).encode("ascii"), dtype=np.uint8).reshape(-1, 18)
        for i, good in zip(at, check(chars).tolist(), strict=True):
            valid[i] = good
    return valid


def uscc_type_problems(code: str, org_type: str) -> list[str]:
    """Meaning checks for a civil-affairs registration: authority 5, category matching type."""
    if code[:1] != "5":
        return ["uscc_not_civil_affairs"]
    expected = ORG_TYPE_DIGIT.get(org_type)
    if expected is not None and code[1:2] != expected:
        return ["uscc_type_mismatch"]
    return []


def make_uscc(authority: str, category: str, division: str, org_code8: str) -> str:
    """Assemble a valid USCC from its parts (used by the generator and tests)."""
    body = authority + category + division + org_code8 + org_code_check_char(org_code8)
    return body + uscc_check_char(body)


# --- Division codes ------------------------------------------------------------------------

def township_kind(code12: str) -> str | None:
    """街道 (001-099), 镇 (100-199) or 乡 (200-399) from positions 7-9 of a 12-digit code."""
    n = int(code12[6:9])
    if 1 <= n <= 99:
        return "街道"
    if 100 <= n <= 199:
        return "镇"
    if 200 <= n <= 399:
        return "乡"
    return None


def committee_kind(code12: str) -> str | None:
    """居委会 (001-199) or 村委会 (200-399) from the last three digits."""
    n = int(code12[9:12])
    if 1 <= n <= 199:
        return "居委会"
    if 200 <= n <= 399:
        return "村委会"
    return None


# --- Resident ID numbers (personal data: detect, never publish) ------------------------------

_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CHECK = "10X98765432"
_ID_SHAPE = re.compile(r"^\d{17}[\dX]$")
ID_NUMBER_PATTERN = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx])(?![0-9A-Za-z])")
# bounded by anything but ASCII letters and digits, like ID numbers: a hash or a code that merely
# contains such a run is not a phone number
MOBILE_PATTERN = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")


_DIGIT_VALUE = {d: int(d) for d in "0123456789"}


def id_number_check_char(first17: str) -> str:
    try:
        total = _weighted(_DIGIT_VALUE, first17, _ID_WEIGHTS)
    except ValueError:  # digits of other scripts (٣) count as their value, as int() reads them
        total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def id_number_problems(value: str) -> list[str]:
    v = value.upper()
    if not _ID_SHAPE.match(v):
        return ["id_number_format"]
    if id_number_check_char(v[:17]) != v[17]:
        return ["id_number_check_char"]
    return []


def valid_id_numbers(values: list[str]) -> list[bool]:
    """Whether each value passes :func:`id_number_problems` unchanged (upper case already)."""
    def check(digits):
        import numpy as np

        expected = np.frombuffer(_ID_CHECK.encode("ascii"), dtype=np.uint8)[
            ((digits[:, :17].astype(np.int64) - ord("0")) @ np.array(_ID_WEIGHTS)) % 11]
        return expected == digits[:, 17]

    return _checked_at_once(values, _ID_SHAPE.match, check)


def looks_like_id_number(value: str) -> bool:
    """A valid check character *and* a real birth date: how a privacy scan tells an ID number
    from an all-digit USCC (whose checksum matches one time in eleven by chance)."""
    import datetime as dt

    v = value.upper()
    if id_number_problems(v):
        return False
    try:
        born = dt.date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    except ValueError:
        return False
    return 1900 <= born.year <= 2100


def find_personal(text: str) -> list[str]:
    """ID numbers and mobile numbers in free text (the release and report scans use this)."""
    hits = [m for m in ID_NUMBER_PATTERN.findall(text) if looks_like_id_number(m)]
    return hits + MOBILE_PATTERN.findall(text)


def mask(value: str, keep_start: int = 2, keep_end: int = 2) -> str:
    """Masked form of a personal value for reports a clerk reads (never the full value)."""
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[-keep_end:]
