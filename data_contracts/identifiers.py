"""Identifier arithmetic: USCC (GB 32100), organisation code (GB 11714), division codes
(GB/T 2260 and the 12-digit statistical codes) and resident ID numbers (GB 11643).

Pure functions, no pandas: the contracts, the generator and the tests all call these, so a
code the generator makes is checked by exactly the rule the contract applies.

Every character class is ASCII-explicit (`[0-9]`: the regex digit class and `str.isdigit()`
also take Arabic-Indic and other scripts' digits) and every pattern is matched whole
(`fullmatch`: a `$` also matches before a trailing newline). The GB/T 2260 codes come from python-stdnum's list
(`stdnum.cn.loc`, codes with their years of validity, historic ones kept).
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from functools import cache

# --- GB/T 2260 administrative division codes -------------------------------------------------


@cache
def _gb2260() -> tuple[frozenset[str], dict[str, str]]:
    """GB/T 2260 from python-stdnum's list (stdnum/cn/loc.dat, read through its `numdb`): the
    province codes, and every 6-digit code with its names, e.g. `[1986-]房山区` (years of use in
    brackets; several comma-separated when a code was reused). Walked once into a set, as a
    lookup per code through `numdb.info` costs about 40 µs."""
    from stdnum import numdb

    codes: dict[str, str]
    provinces, codes = set(), {}
    for length, low, high, props, children in numdb.get("cn/loc").prefixes:
        for p in _span(length, low, high):
            if "province" in props:
                provinces.add(p)
            for clen, clow, chigh, cprops, _ in children:
                if "county" in cprops:
                    codes.update((p + c, cprops["county"]) for c in _span(clen, clow, chigh))
    return frozenset(provinces), codes


def _span(length: int, low: str, high: str) -> list[str]:
    return [f"{n:0{length}d}" for n in range(int(low), int(high) + 1)]


def province_known(code2: str) -> bool:
    """Whether two ASCII digits are a province-level code of GB/T 2260 (11 Beijing ... 82 Macao)."""
    return code2 in _gb2260()[0]


def county_known(code6: str) -> bool:
    """Whether six ASCII digits are a code GB/T 2260 lists or listed (province, prefecture or
    county level; codes since abolished count: an old register or ID number keeps them)."""
    return code6 in _gb2260()[1]


def current_county_codes() -> list[str]:
    """The county-level codes GB/T 2260 lists as in use today, sorted: real codes for generated
    registers. Not the prefecture and province codes (ending 00), nor a prefecture's summary
    code for its districts (xxxx01 市辖区). A code is in use when one of its names has no end
    year."""
    return sorted(c for c, names in _gb2260()[1].items() if c[4:] != "00" and _in_use(names) and "市辖区" not in names)


def _in_use(names: str) -> bool:
    # `[1986-]房山区`, `[-2010]崇文区` or a plain name; a reused code lists several, comma-separated
    return any(not n.startswith("[") or n[1:].split("]")[0].endswith("-") for n in names.split(","))


# --- Unified Social Credit Code (统一社会信用代码) -------------------------------------------

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
_USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]  # 3^(i-1) mod 31 for pos 1..17
_ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]
_USCC_CHARS = frozenset(USCC_ALPHABET)
_DIGITS6 = re.compile(r"[0-9]{6}")

#: GB 32100-2015 Table 1 (登记管理部门代码) and Table 2 (机构类别代码): registering authority
#: (position 1) -> its name and its category codes (position 2). Y (其他) has the one category 1.
USCC_AUTHORITIES: dict[str, tuple[str, dict[str, str]]] = {
    "1": ("机构编制", {"1": "机关", "2": "事业单位", "3": "中央编办直接管理机构编制的群众团体", "9": "其他"}),
    "2": ("外交", {"1": "外国常驻新闻机构", "9": "其他"}),
    "3": (
        "司法行政",
        {
            "1": "律师执业机构",
            "2": "公证处",
            "3": "基层法律服务所",
            "4": "司法鉴定机构",
            "5": "仲裁委员会",
            "9": "其他",
        },
    ),
    "4": ("文化", {"1": "外国在华文化中心", "9": "其他"}),
    "5": ("民政", {"1": "社会团体", "2": "民办非企业单位（社会服务机构）", "3": "基金会", "9": "其他"}),
    "6": ("旅游", {"1": "外国旅游部门常驻代表机构", "2": "港澳台地区旅游部门常驻内地（大陆）代表机构", "9": "其他"}),
    "7": ("宗教", {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"}),
    "8": ("工会", {"1": "基层工会", "9": "其他"}),
    "9": ("工商（市场监管）", {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"}),
    "A": ("中央军委改革和编制办公室", {"1": "军队事业单位", "9": "其他"}),
    "N": ("农业", {"1": "组级集体经济组织", "2": "村级集体经济组织", "3": "乡镇级集体经济组织", "9": "其他"}),
    "Y": ("其他", {"1": "（不再细分）"}),
}
#: every (authority, category) pair the standard defines, as the code's first two characters
USCC_PREFIXES = frozenset(a + c for a, (_, cats) in USCC_AUTHORITIES.items() for c in cats)

#: civil-affairs (民政) category digit (USCC position 2) for each organisation type
ORG_TYPE_DIGIT = {"社会团体": "1", "社会服务机构": "2", "基金会": "3"}
#: GB 32100-2015: the registration authority code (a USCC's first character) of civil affairs
CIVIL_AFFAIRS_AUTHORITY = "5"


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
    """ISO 7064 MOD 31-3 check character over the first 17 characters (GB 32100-2015, 4.4).
    Raises ValueError for characters outside the code's alphabet."""
    return USCC_ALPHABET[(31 - _weighted(_USCC_VALUE, first17, _USCC_WEIGHTS) % 31) % 31]


def org_code_check_char(first8: str) -> str:
    """GB 11714 check character of an organisation code's first 8 characters (digits and
    capital letters A-Z). Raises ValueError for any other character."""
    c = 11 - _weighted(_ORG_VALUE, first8, _ORG_WEIGHTS) % 11
    return {10: "X", 11: "0"}.get(c, str(c))


def uscc_problems(code: str) -> list[str]:
    """Rule ids broken by a USCC, in the order they are checked (empty list: valid).

    GB 32100-2015: 18 characters of its alphabet (4.1); position 1 a registering authority and
    position 2 one of its categories (Tables 1 and 2); positions 3-8 the authority's GB/T 2260
    division code, digits (4.2); positions 9-17 a GB 11714 organisation code whose own check
    character (position 17) holds; position 18 the MOD 31-3 check character. A part that breaks
    its form is named before the check characters, which it also breaks. Whether the code
    belongs to a civil-affairs organisation of the declared type is a meaning check (see
    :func:`uscc_type_problems`).
    """
    if len(code) != 18:
        return ["uscc_length"]
    if not _USCC_CHARS.issuperset(code):
        return ["uscc_alphabet"]
    if not _DIGITS6.fullmatch(code, 2, 8):
        return ["uscc_division_part"]
    if code[:2] not in USCC_PREFIXES:
        return ["uscc_authority_category"]
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
        prefix = np.zeros(31 * 31, dtype=bool)
        prefix[[_USCC_VALUE[p[0]] * 31 + _USCC_VALUE[p[1]] for p in USCC_PREFIXES]] = True
        values = uscc_value[chars]
        alphabet = (values >= 0).all(axis=1)
        values = np.where(values >= 0, values, 0)  # rows outside the alphabet fail above
        division = ((chars[:, 2:8] >= ord("0")) & (chars[:, 2:8] <= ord("9"))).all(axis=1)
        check = (31 - (values[:, :17] @ np.array(_USCC_WEIGHTS)) % 31) % 31
        org = 11 - (org_value[chars[:, 8:16]] @ np.array(_ORG_WEIGHTS)) % 11
        org_char = np.where(org == 10, ord("X"), np.where(org == 11, ord("0"), ord("0") + org))
        return (
            alphabet
            & division
            & prefix[values[:, 0] * 31 + values[:, 1]]
            & (check == values[:, 17])
            & (org_char == chars[:, 16])
        )

    return _checked_at_once(codes, check)


def _checked_at_once(values: list[str], check, width: int = 18) -> list[bool]:
    """`check` run with numpy on the values of `width` ASCII characters, as one byte matrix (a
    row per value); False for the rest, which `check` never sees. A national register holds
    about two million codes, and the check arithmetic one code at a time was the largest cost
    of its contract; pyarrow then finds the values of that shape and lays their bytes side by
    side, where a Python step per value (its length, its characters, its place) cost more than
    the arithmetic."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if not all(type(v) is str for v in values):  # pyarrow would take bytes as text: none is a code
        values = [v if type(v) is str else "" for v in values]
    try:
        text = pa.array(values, type=pa.large_string())
    except UnicodeEncodeError:  # a lone surrogate, which no reader gives: not ASCII, no code
        text = pa.array([v if v.isascii() else "" for v in values], type=pa.large_string())
    fits = pc.and_(pc.equal(pc.binary_length(text), width), pc.string_is_ascii(text))  # a byte a character
    at = fits.to_numpy(zero_copy_only=False)
    valid = np.zeros(len(values), dtype=bool)
    if at.any():
        chosen = text.filter(fits)  # one after another in a buffer of its own
        offsets = np.frombuffer(chosen.buffers()[1], dtype=np.int64)[chosen.offset : chosen.offset + len(chosen) + 1]
        chars = np.frombuffer(chosen.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]].reshape(-1, width)
        valid[at] = check(chars)
    return valid.tolist()


def uscc_type_problems(code: str, org_type: str) -> list[str]:
    """Meaning checks for a civil-affairs registration: authority 5, category matching type."""
    if code[:1] != CIVIL_AFFAIRS_AUTHORITY:
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

_DIVISION = {6: re.compile(r"[0-9]{6}"), 12: re.compile(r"[0-9]{12}")}
#: GB/T 10114-2003, township segment (positions 7-9): 001-099 streets, 100-199 towns, 200-399
#: townships, 400-599 units that are both government and enterprise (farms, forestry centres)
TOWNSHIP_PARTS = range(1, 600)


def division_problems(code: str, digits: int) -> list[tuple[str, dict[str, str]]]:
    """Errors of a division code of `digits` (6 or 12) digits as (rule, message context); empty
    when well formed. GB/T 2260 (positions 1-6: province 1-2, a province of the standard) and,
    for the National Bureau of Statistics' 12-digit codes, GB/T 10114-2003 (positions 7-9,
    the township part: 000 or 001-599) and the committee part (positions 10-12: 000 for a
    code that names a township or the county itself, else a sequence number). Whether
    GB/T 2260 knows the county-level part is a warning, not an error: see
    :func:`unknown_division`."""
    if not _DIVISION[digits].fullmatch(code):
        return [("division_code_format", {"digits": str(digits)})]
    if not province_known(code[:2]):
        return [("division_province_part", {"part": code[:2]})]
    if digits == 12:
        township, committee = int(code[6:9]), code[9:12]
        if township and township not in TOWNSHIP_PARTS:
            return [("division_township_part", {"part": code[6:9]})]
        if not township and committee != "000":
            return [("division_committee_part", {"part": committee})]
    return []


def valid_divisions(codes: list[str], digits: int) -> list[bool]:
    """Whether each code has no :func:`division_problems` as a code of `digits` (6 or 12)
    digits, judged with numpy on all the codes' digits at once: a national projects register
    names about half a million distinct committees, at about 2 µs each one at a time."""
    import numpy as np

    provinces = np.zeros(100, dtype=bool)
    provinces[[int(p) for p in _gb2260()[0] if re.fullmatch(r"[0-9]{2}", p)]] = True
    townships = np.zeros(1000, dtype=bool)
    townships[list(TOWNSHIP_PARTS)] = True

    def check(chars):
        digit = ((chars >= ord("0")) & (chars <= ord("9"))).all(axis=1)
        d = np.where(digit[:, None], chars.astype(np.int64) - ord("0"), 0)  # others fail above
        ok = digit & provinces[d[:, 0] * 10 + d[:, 1]]
        if digits == 12:
            township = d[:, 6] * 100 + d[:, 7] * 10 + d[:, 8]
            ok &= np.where(township == 0, (d[:, 9:12] == 0).all(axis=1), townships[township])
        return ok

    return _checked_at_once(codes, check, width=digits)


def gb2260_codes() -> dict[str, str]:
    """Every 6-digit code GB/T 2260 lists or listed, with its names (see :func:`county_known`)."""
    return _gb2260()[1]


def unknown_division(code: str) -> bool:
    """Whether a well-formed division code's county-level part (its first 6 digits) is missing
    from GB/T 2260: registers do hold codes newer than any list, so this is a warning."""
    return not county_known(code[:6])


def unknown_divisions(codes: list[str]) -> list[bool]:
    """:func:`unknown_division` of each of many well-formed codes, looked up at once (pyarrow):
    a national list of communities holds over half a million distinct codes."""
    import pyarrow as pa

    return _unknown_counties(pa.array(codes, type=pa.large_string())).tolist()


def lists_with_unknown_division(lists: list[list[str]]) -> list[bool]:
    """Whether each list of well-formed codes holds one :func:`unknown_division` would warn
    of, every item looked up at once."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    items = pa.array(lists, type=pa.list_(pa.large_string()))
    unknown = _unknown_counties(pc.list_flatten(items))
    out = np.zeros(len(lists), dtype=bool)
    out[np.asarray(pc.list_parent_indices(items))[unknown]] = True
    return out.tolist()


def _unknown_counties(codes):
    """Whether each code of an Arrow text array (well formed) has a county-level part GB/T 2260
    does not list, as a numpy bool array."""
    import numpy as np
    import pyarrow.compute as pc

    known = pc.is_in(pc.utf8_slice_codeunits(codes, 0, 6), value_set=_known_counties())
    return ~np.asarray(known.to_numpy(zero_copy_only=False), dtype=bool)


@cache
def _known_counties():
    import pyarrow as pa

    return pa.array(sorted(gb2260_codes()), type=pa.large_string())


#: positions 7-9 of a 12-digit code -> township kind; positions 10-12 -> committee kind
#: (GB/T 10114-2003: first and last number of each range)
TOWNSHIP_KINDS = ((1, 99, "街道"), (100, 199, "镇"), (200, 399, "乡"))
COMMITTEE_KINDS = ((1, 199, "居委会"), (200, 399, "村委会"))


def _by_number(kinds: tuple[tuple[int, int, str], ...]) -> list[str | None]:
    """The kind of each number 0-999 (a list, so a look-up per row costs one index)."""
    out: list[str | None] = [None] * 1000
    for first, last, kind in kinds:
        out[first : last + 1] = [kind] * (last - first + 1)
    return out


#: the kind of each township part and each committee part, 0-999 (None: no kind)
TOWNSHIP_BY_NUMBER, COMMITTEE_BY_NUMBER = _by_number(TOWNSHIP_KINDS), _by_number(COMMITTEE_KINDS)


def township_kind(code12: str) -> str | None:
    """街道 (001-099), 镇 (100-199) or 乡 (200-399) from positions 7-9 of a 12-digit code."""
    return TOWNSHIP_BY_NUMBER[int(code12[6:9])]


def committee_kind(code12: str) -> str | None:
    """居委会 (001-199) or 村委会 (200-399) from the last three digits."""
    return COMMITTEE_BY_NUMBER[int(code12[9:12])]


# --- Resident ID numbers (personal data: detect, never publish) ------------------------------

_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CHECK = "10X98765432"
_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")
ID_NUMBER_PATTERN = re.compile(r"(?<![0-9A-Za-z])([0-9]{17}[0-9Xx])(?![0-9A-Za-z])")
# bounded by anything but ASCII letters and digits, like ID numbers: a hash or a code that merely
# contains such a run is not a phone number
MOBILE_PATTERN = re.compile(r"(?<![0-9A-Za-z])1[3-9][0-9]{9}(?![0-9A-Za-z])")


_DIGIT_VALUE = {d: int(d) for d in "0123456789"}


def id_number_check_char(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character of 17 ASCII digits (GB 11643-1999, 5.4).
    Raises ValueError for anything else."""
    return _ID_CHECK[_weighted(_DIGIT_VALUE, first17, _ID_WEIGHTS) % 11]


def id_birth_date(value: str) -> dt.date | None:
    """The birth date of positions 7-14 (YYYYMMDD, GB 11643-1999 5.3), None when it is no
    calendar day. `value` is already known to be ASCII digits there."""
    try:
        return dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None


#: the address code of made-up ID numbers in test data (DOMAIN.md: test data must not carry
#: real-looking numbers). GB/T 2260 has no such code, so the contract rejects it, except in an
#: inbox whose manifest declares `synthetic: true` (made-up people, never real ones).
TEST_ADDRESS_CODE = "000000"


def address_code_allowed(code: str, synthetic: bool = False) -> bool:
    """Whether a 6-digit ID-number address code is a GB/T 2260 code, or the test code
    000000 in synthetic data."""
    return county_known(code) or (synthetic and code == TEST_ADDRESS_CODE)


def id_number_problems(value: str, snapshot: dt.date | None = None, synthetic: bool = False) -> list[str]:
    """Rule ids broken by a resident ID number (upper-cased first), the first one only; empty
    when valid. GB 11643-1999: 17 digits and a check character 0-9 or X (5.1); the address
    code (positions 1-6) a GB/T 2260 code (5.2), or 000000 when the data is declared
    `synthetic`; the birth date (7-14) a real day, and not after the data's `snapshot` when one
    is given (5.3); the check character (18) right (5.4). A part that is wrong is named before
    the check character, which it also breaks. Whether the address code existed in the birth
    year is not checked: the code records where the number was issued, which may be years
    after the birth."""
    v = value.upper()
    if not _ID_SHAPE.fullmatch(v):
        return ["id_number_format"]
    if not address_code_allowed(v[:6], synthetic):
        return ["id_number_address"]
    born = id_birth_date(v)
    if born is None:
        return ["id_number_birth_date"]
    if snapshot is not None and born > snapshot:
        return ["id_number_birth_future"]
    if id_number_check_char(v[:17]) != v[17]:
        return ["id_number_check_char"]
    return []


def valid_id_numbers(values: list[str], snapshot: dt.date | None = None, synthetic: bool = False) -> list[bool]:
    """Whether each value passes :func:`id_number_problems` unchanged (upper case already):
    the arithmetic on a byte matrix, the address codes looked up once per distinct code."""

    def check(digits):
        import numpy as np

        n = digits.astype(np.int64) - ord("0")
        expected = np.frombuffer(_ID_CHECK.encode("ascii"), dtype=np.uint8)[(n[:, :17] @ np.array(_ID_WEIGHTS)) % 11]
        codes, where = np.unique(np.ascontiguousarray(digits[:, :6]).view("S6").ravel(), return_inverse=True)
        known = np.array([address_code_allowed(c.decode("ascii"), synthetic) for c in codes.tolist()], dtype=bool)[
            where.ravel()
        ]
        year = n[:, 6:10] @ np.array([1000, 100, 10, 1])
        month = n[:, 10] * 10 + n[:, 11]
        day = n[:, 12] * 10 + n[:, 13]
        leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
        days_in = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])[np.clip(month, 0, 12)] + (
            leap & (month == 2)
        )
        real = (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= days_in)
        if snapshot is not None:
            real &= year * 10000 + month * 100 + day <= snapshot.year * 10000 + snapshot.month * 100 + snapshot.day
        # _ID_SHAPE: 17 digits, then a digit or X (the arithmetic above reads any byte safely)
        is_digit = (digits >= ord("0")) & (digits <= ord("9"))
        shaped = is_digit[:, :17].all(axis=1) & (is_digit[:, 17] | (digits[:, 17] == ord("X")))
        return shaped & (expected == digits[:, 17]) & known & real

    return _checked_at_once(values, check)


def looks_like_id_number(value: str) -> bool:
    """A valid check character *and* a real birth date in 1900-2100: how a privacy scan tells
    an ID number from an all-digit USCC (whose checksum matches one time in eleven by chance).
    Broader than the contract on purpose: the address code is not looked up, so a number with
    a code GB/T 2260 does not list (or a test number's 000000) is still caught."""
    v = value.upper()
    if not _ID_SHAPE.fullmatch(v) or id_number_check_char(v[:17]) != v[17]:
        return False
    born = id_birth_date(v)
    return born is not None and 1900 <= born.year <= 2100


def find_personal(text: str) -> list[str]:
    """ID numbers and mobile numbers in free text (the release and report scans use this)."""
    hits = [m for m in ID_NUMBER_PATTERN.findall(text) if looks_like_id_number(m)]
    return hits + MOBILE_PATTERN.findall(text)


def mask(value: str, keep_start: int = 2, keep_end: int = 2) -> str:
    """Masked form of a personal value for reports a clerk reads (never the full value)."""
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[-keep_end:]
