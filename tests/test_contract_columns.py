"""The column pass of `validate_frame` against the row-by-row validation it replaced.

`rowwise_validate_frame` is the earlier implementation: every row through the whole model.
The column pass must give the same accepted table and the same issues, in the same order, on
the sample, on the messy corpus, and on the sample with cells damaged at random.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from data_contracts import CONTRACTS
from data_contracts.base import (
    _LIST_SEPARATORS,
    Contract,
    _split_list,
    inner_types,
    list_fields,
    split_lists,
)
from data_contracts.column_pass import ColumnPass, RowValues, checks_for
from data_contracts.identifiers import gb2260_codes, make_uscc
from data_contracts.lists import TEXT_LISTS
from data_contracts.projects.contract import MAX_TERM_DAYS
from data_contracts.rules import Severity
from data_contracts.validation import (
    Validated,
    _issue_of,
    issue,
    issues_frame,
    missing_columns,
    unknown_columns,
    validate_frame,
)
from pipelines.common.register import read_register
from pipelines.settings import SAMPLE_DIR
from tests.corpus import messy

SNAPSHOT = dt.date(2024, 12, 31)


def rowwise_validate_frame(
    raw: pd.DataFrame,
    model: type[Contract],
    snapshot: dt.date,
    units: dict[str, int] | None = None,
    synthetic: bool = False,
) -> Validated:
    """Every row through `model.model_validate`, cells cleaned one by one."""
    by_alias = {model.header(f): f for f in model.model_fields}
    issues, rows = [], []
    context = {"snapshot": snapshot, "units": units or {}, "synthetic": synthetic}
    columns = [c for c in raw.columns if c in by_alias]
    if (whole_file := missing_columns(raw, model)) is not None:  # the same before and after
        return whole_file
    for _, rec in raw.iterrows():
        file, row = rec["_file"], int(rec["_row"])
        data = {c: (None if pd.isna(rec[c]) else rec[c]) for c in columns}
        try:
            obj = model.model_validate(data, context=context)
        except ValidationError as err:
            found = [_issue_of(model, by_alias, file, row, data, e) for e in err.errors()]
            soft = {i["field"] for i in found} <= model.soft
            if soft:
                try:
                    obj = model.model_validate(
                        {k: v for k, v in data.items() if by_alias.get(k) not in model.soft}, context=context
                    )
                except ValidationError:
                    soft = False
            issues.extend({**i, "severity": Severity.WARNING} if soft else i for i in found)
            if not soft:
                continue
        for f in obj.warnings(snapshot):
            issues.append(
                issue(
                    model, file, row, f.field, f.rule, getattr(obj, f.field, None), severity=Severity.WARNING, **f.ctx
                )
            )
        rows.append({**obj.__dict__, "_file": file, "_row": row, "_asof": rec.get("_asof")})
    accepted = pd.DataFrame(rows, columns=[*model.model_fields, "_file", "_row", "_asof"])
    for f in list_fields(model):  # an accepted table's list column is typed as the contract says
        accepted[f] = pd.array(accepted[f].tolist(), dtype=TEXT_LISTS)
    quarantined = {(i["file"], i["row"]) for i in issues if i["severity"] == Severity.ERROR}
    return Validated(accepted, issues_frame(issues), len(raw), len(quarantined), unknown_columns(raw, model))


def _same(raw: pd.DataFrame, model: type[Contract], units: dict[str, int], synthetic: bool = True) -> int:
    """Both validations of one table agree; returns the number of issues, so a caller can see
    that its damage was found at all. The sample and the corpora are synthetic inboxes (their
    made-up ID numbers carry the test address code), judged as a run judges them."""
    asof = raw["_asof"].iloc[0] if len(raw) else SNAPSHOT
    got = validate_frame(raw, model, asof, units, synthetic=synthetic)
    want = rowwise_validate_frame(raw, model, asof, units, synthetic=synthetic)
    if len(want.accepted):
        pd.testing.assert_frame_equal(got.accepted, want.accepted)
    else:
        assert got.accepted.empty
    pd.testing.assert_frame_equal(got.issues, want.issues)
    assert (got.rows_read, got.rows_quarantined, got.unknown_columns) == (
        want.rows_read,
        want.rows_quarantined,
        want.unknown_columns,
    )
    return len(want.issues)


def _tables(inbox: Path):
    for model in CONTRACTS.values():
        for f in read_register(inbox, model, SNAPSHOT).values():
            yield model, f


def test_every_contract_takes_the_column_pass():
    # a contract the column pass cannot reproduce falls back to row by row: correct, but slow
    assert all(checks_for(m) is not None for m in CONTRACTS.values())


def test_the_sample_is_judged_alike():
    for model, f in _tables(SAMPLE_DIR):
        _same(f.frame, model, f.units)
        if model.source == "workers":  # as a bureau's inbox, every made-up number is refused
            assert _same(f.frame, model, f.units, synthetic=False) >= len(f.frame)


def test_the_messy_corpus_is_judged_alike(tmp_path):
    messy.build(tmp_path / "inbox")
    found = sum(_same(f.frame, model, f.units) for model, f in _tables(tmp_path / "inbox"))
    assert found > 20


#: what a clerk's slip or a broken export leaves in a cell
DAMAGE = [
    "",
    " ",
    "abc",
    "-5",
    "１２３",
    "2099-01-01",
    "2014年13月1日",
    "是",
    "否",
    "5A",
    "AAAA",
    "x" * 40,
    "12.5万元",
    "N/A",
    "0",
    "110101001000",
    "310106",
    "2008",
    "2030",
    "HUB-ST-001",
    "SW000001",
    "MZ-2024-001",
    "EV-2024-00001",
    "一级",
    "社会团体",
    "正常",
    "撤销",
    "合格",
    "优秀",
    "30",
    # list cells, invisible characters and text guards: what the whole-column fast paths skip
    "310106001001；310106001001",
    "、310106001001 310106001002",
    "\u200b名称",
    "'310106001001",
    "张\u3000三",
    "\u00a0a",
    "13912345678",
]


def damaged(frame: pd.DataFrame, rng: random.Random, share: int = 5) -> pd.DataFrame:
    """A copy of `frame` with one cell in `share` damaged: replaced by a clerk's slip (DAMAGE),
    swapped in from another row (a wrong but well-formed value), lower-cased, or its last
    character mistyped (a code's check character)."""
    raw = frame.copy()
    cols = [c for c in raw.columns if not c.startswith("_")]
    for _ in range(max(1, len(raw) // share)):
        at, col = rng.randrange(len(raw)), rng.choice(cols)
        cell, r = str(raw[col].iloc[at] or ""), rng.random()
        raw.iat[at, raw.columns.get_loc(col)] = (
            rng.choice(DAMAGE)
            if r < 0.5
            else raw[col].iloc[rng.randrange(len(raw))]
            if r < 0.7
            else cell.lower()
            if r < 0.8
            else cell[:-1] + rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY")
        )
    return raw


@pytest.mark.parametrize("seed", range(4))
def test_randomly_damaged_cells_are_judged_alike(seed):
    rng = random.Random(seed)
    found = 0
    for model, f in _tables(SAMPLE_DIR):
        found += _same(damaged(f.frame, rng), model, f.units)
    assert found > 100


@pytest.mark.parametrize("share", [0.0, 2.0])
def test_cells_coded_by_position_or_by_value_are_judged_alike(share, monkeypatch):
    """The column pass codes a text column whose cells are nearly all distinct by position
    (column_pass._coded), each row's cell its own even where it repeats: every text column
    coded so (share 0), and none (share 2), the pass still gives what the row-by-row validation
    gives, on the sample with cells damaged (some swapped in from other rows: repeats)."""
    from data_contracts import column_pass

    monkeypatch.setattr(column_pass, "DISTINCT_SHARE", share)
    rng = random.Random(7)
    found = sum(_same(damaged(f.frame, rng), model, f.units) for model, f in _tables(SAMPLE_DIR))
    assert found > 100


def test_only_text_whose_cells_are_nearly_all_distinct_is_coded_by_position():
    """IDs are coded by position (an empty cell -1, the present cells in row order); a column
    whose cells repeat, each only twice one after the other or four times spread over the
    rows, and one that is not text, by value as pandas' factorize codes them."""
    from data_contracts.column_pass import SAMPLE_ROWS, _coded

    n = 3 * SAMPLE_ROWS
    ids = pd.Series([f"E{i:07d}" for i in range(n)], dtype="str")
    ids.iloc[5] = None
    codes, cells = _coded(ids)
    assert codes[5] == -1 and codes[:5].tolist() == list(range(5)) and codes[6] == 5
    assert list(cells) == [v for v in ids.tolist() if isinstance(v, str)]
    for column in (
        pd.Series([f"P{i // 2:07d}" for i in range(n)], dtype="str"),  # each twice
        pd.Series([f"P{(i * 7919) % (n // 4):07d}" for i in range(n)], dtype="str"),  # each four times, spread
        pd.Series(np.arange(n, dtype=float)),  # not text
    ):
        codes, cells = _coded(column)
        want_codes, want_cells = pd.factorize(column, use_na_sentinel=True)
        assert codes.tolist() == want_codes.tolist() and list(cells) == list(want_cells)


#: the contracts that clear rows a column at a time (Contract.clear_rows)
CLEARING = [source for source, model in CONTRACTS.items() if "clear_rows" in vars(model)]


#: (rule, field) of every issue only a contract's cross-field rules and findings give: each
#: must be met by the rows the test makes, or a rule left out of clear_rows would go unseen
CROSS_FIELD = {
    "projects": {
        ("end_before_start", "end_date"),
        ("required", "served_communities"),
        ("contract_above_budget", "contract_amount"),
        ("term_over_3_years", "end_date"),
    },
    "communities": {
        ("division_nesting", "street_code"),
        ("division_nesting", "community_code"),
        ("division_kind_mismatch", "street_kind"),
        ("division_kind_mismatch", "community_kind"),
    },
    "organisations": {
        ("uscc_not_civil_affairs", "uscc"),
        ("uscc_type_mismatch", "uscc"),
        ("foundation_authority_level", "uscc"),
        ("missing_companion", "grade_date"),
        ("missing_companion", "listed_on"),
        ("end_before_start", "removed_on"),
        ("end_before_start", "abnormal_removed_on"),
        ("end_before_start", "serious_removed_on"),
        ("end_before_start", "status_date"),
        ("status_date_while_active", "status_date"),
    },
}


def shuffled(frame: pd.DataFrame, model: type[Contract], rng: random.Random) -> pd.DataFrame:
    """A copy of `frame` whose every column's cells are shuffled among its rows on their own,
    then, on a third of the rows, swapped between two columns of one kind (two dates, two
    amounts): cells that each pass their field's check, in rows that break the cross-field
    rules (an end before its start, a contract above its budget, a status date while active)."""
    raw = frame.copy()
    for col in raw.columns:
        if not col.startswith("_"):
            cells = raw[col].tolist()
            rng.shuffle(cells)
            raw[col] = pd.Series(cells, index=raw.index, dtype=raw[col].dtype)
    kinds: dict[type, list[str]] = {}
    for f, info in model.model_fields.items():
        kind = next((t for t in (dt.date, float) if t in inner_types(info.annotation)), None)
        if kind is not None and model.header(f) in raw.columns:
            kinds.setdefault(kind, []).append(model.header(f))
    for columns in kinds.values():
        for at in range(len(raw)):
            if len(columns) > 1 and rng.random() < 1 / 3:
                a, b = rng.sample(columns, 2)
                ia, ib = raw.columns.get_loc(a), raw.columns.get_loc(b)
                raw.iat[at, ia], raw.iat[at, ib] = raw.iat[at, ib], raw.iat[at, ia]
    return raw


#: cells on the edges of each contract's cross-field rules, a row of them each
EDGES = {
    "projects": [
        {"开始日期": "2020-01-01", "结束日期": "2020-01-01"},
        {"开始日期": "2020-01-02", "结束日期": "2020-01-01"},
        {"开始日期": "2020-01-01", "结束日期": (dt.date(2020, 1, 1) + dt.timedelta(days=MAX_TERM_DAYS)).isoformat()},
        {
            "开始日期": "2020-01-01",
            "结束日期": (dt.date(2020, 1, 1) + dt.timedelta(days=MAX_TERM_DAYS + 1)).isoformat(),
        },
        {"预算金额（元）": "100000", "合同金额（元）": "120000"},
        {"预算金额（元）": "100000", "合同金额（元）": "120000.01"},
        {"预算金额（元）": "0", "合同金额（元）": "5"},
        {"服务社区代码": ""},
    ],
    "communities": [
        # the sample's first row: district 310106, street 310106006000 (街道), committee 001 (居委会)
        {"区县代码": "310107"},  # a street outside its district
        {"街道代码": "310106006001", "社区代码": "310106006002"},  # a street code naming a committee
        {"街道代码": "310106600000", "社区代码": "310106600001"},  # township part 600: no kind
        {"社区代码": "310106007001"},  # a committee of another street
        {"社区代码": "310106006000"},  # a committee code naming its street
        {"街道类型": "镇"},
        {"街道代码": "310106106000", "社区代码": "310106106001", "街道类型": "镇"},  # a town: kept
        {"社区类型": "村委会"},
        {"社区代码": "310106006201", "社区类型": "村委会"},  # a village committee: kept
        {"社区代码": "310106006401"},  # committee part 401: no kind
    ],
    "organisations": [
        # a foundation registered by a county; an organisation registered by another authority
        {"社会组织类型": "基金会", "统一社会信用代码": make_uscc("5", "3", "310106", "MA1K4L7X")},
        {"社会组织类型": "社会团体", "统一社会信用代码": make_uscc("1", "1", "310106", "MA1K4L7X")},
        {"登记状态": "正常", "注销撤销日期": "2020-01-01"},
        {"登记状态": "注销", "注销撤销日期": "1980-01-01"},
        {"评估等级": "3A", "评估日期": ""},
        {"信用名单": "活动异常名录", "列入日期": ""},
        {"列入日期": "2021-01-02", "移出日期": "2021-01-01", "信用名单": "活动异常名录"},
        {"异常活动名录_列入时间": "2021-01-02", "异常活动名录_移出时间": "2021-01-01"},
        {"严重违法失信名单_列入时间": "2021-01-02", "严重违法失信名单_移出时间": "2021-01-01"},
        {"异常活动名录_列入时间": "2021-01-01", "异常活动名录_移出时间": "2021-01-01"},
    ],
}


def with_edge_columns(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """`frame` with an empty column for each header EDGES writes that it lacks (the national
    platform's per-list credit columns are not in the sample)."""
    missing = {h for row in EDGES[source] for h in row} - set(frame.columns)
    return frame.assign(**{h: pd.Series([""] * len(frame), index=frame.index, dtype="str") for h in sorted(missing)})


def edges(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """Copies of the first row of `frame`, each with one row of EDGES written over it."""
    cells = EDGES[source]
    rows = pd.concat([frame.iloc[:1]] * len(cells), ignore_index=True)
    for at, row in enumerate(cells):
        for header, cell in row.items():
            rows.iat[at, rows.columns.get_loc(header)] = cell  # KeyError: a header the frame lacks
    return rows


def test_some_contracts_clear_rows_a_column_at_a_time():
    assert set(CLEARING) >= {"projects", "organisations", "communities"}


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("source", CLEARING)
def test_rows_cleared_a_column_at_a_time_are_judged_alike(source, seed):
    # clear_rows says the rules a second time: rows it clears skip them, so a row it clears
    # wrongly would lose its issue here (the row by row validation still names it)
    model, rng = CONTRACTS[source], random.Random(seed)
    f = next(iter(read_register(SAMPLE_DIR, model, SNAPSHOT).values()))
    frame = with_edge_columns(f.frame, source)
    raw = pd.concat(
        [shuffled(frame, model, rng), damaged(shuffled(frame, model, rng), rng), edges(frame, source)],
        ignore_index=True,
    )
    found = validate_frame(raw, model, SNAPSHOT, f.units, synthetic=True).issues
    met = set(zip(found["rule"], found["field"], strict=True))
    assert CROSS_FIELD[source] <= met, CROSS_FIELD[source] - met
    _same(raw, model, f.units)


@pytest.mark.parametrize("source", CLEARING)
def test_clear_rows_clears_the_rows_that_keep_the_rules(source):
    # not idle: the sample's rows keep their contract's rules, and nearly all are cleared
    # without asking the rules (those that carry a finding, or a few edge cases, are not)
    model = CONTRACTS[source]
    f = next(iter(read_register(SAMPLE_DIR, model, SNAPSHOT).values()))
    context = {"snapshot": SNAPSHOT, "units": f.units, "synthetic": True}
    columns = [c for c in f.frame.columns if c in {model.header(x) for x in model.model_fields}]
    cols = ColumnPass.run(model, f.frame, columns, context)
    rows = np.flatnonzero(~cols.whole)
    clear = model.clear_rows(RowValues(cols, rows), SNAPSHOT)
    assert clear is not None and len(clear) == len(rows) > 100
    assert clear.mean() > 0.8


def test_type_warnings_and_row_findings_are_judged_alike():
    # an unknown county code (a type's warning) on rows that also carry their contract's own
    # findings, or break a cross-field rule: the same issues, in the same order, both ways
    for source in ("projects", "workers", "communities", "organisations"):
        model = CONTRACTS[source]
        f = next(iter(read_register(SAMPLE_DIR, model, dt.date(2025, 12, 31)).values()))  # the sample's date
        raw = f.frame.copy()
        for col in raw.columns:
            if "代码" in col and "信用" not in col:
                raw[col] = raw[col].where(raw.index % 3 != 0, raw[col].str.replace("310106", "310199", n=1))
        if model.source == "projects":  # every other row also above its budget
            col = next(c for c in raw.columns if c.startswith("合同金额"))
            raw.loc[raw.index % 2 == 0, col] = "99999999"
        issues = validate_frame(raw, model, raw["_asof"].iloc[0], f.units, synthetic=True).issues
        assert "division_code_unknown" in set(issues["rule"]), model.source
        _same(raw, model, f.units)


def test_each_whole_column_type_vouches_only_for_its_own_values():
    # a cell a type's WholeColumn vouches for skips the type's validators in the column pass:
    # its value must be the one the type itself gives (pydantic, cell alone), and a cell the
    # type refuses must not be vouched for
    from pydantic import ConfigDict, TypeAdapter

    from data_contracts import base

    rng = random.Random(11)
    codes = ["310106001001", "310106001200", "310106000000", "990106001001", "310106700001", "310106000001"]
    codes += ["31010600100", "3101060010011", "٣10106001001", "abc"]
    separators = [";", "；", ",", "，", "、", " ", "\n", ";;", " ; "]
    lists = [
        "".join(rng.choice(codes) + rng.choice(separators) for _ in range(rng.randrange(1, 4))) for _ in range(3000)
    ]
    lists += [rng.choice(separators) + c for c in lists[:300]] + [";", "、 、"]
    phones = ["13912345678", "1391234567", "12912345678", "139123456789", "139l2345678", "+8613912345678"]
    context = {"snapshot": SNAPSHOT, "units": {}, "synthetic": True}

    # codes of 12 and 6 digits, each digit drawn so that every part (province, township,
    # committee) is sometimes well formed and sometimes not
    def code(width: int) -> str:
        return "".join(rng.choice("0123456789" if rng.random() < 0.8 else "01239") for _ in range(width))

    twelve = codes + [rng.choice(["3101060", "1101010", "6501020"]) + code(5) for _ in range(3000)]
    twelve += [code(12) for _ in range(1000)] + [c + " " for c in codes] + ["", "31010600100１"]
    six = ["310106", "110101", "990101", "000000", "31010", "3101061", " 310106", "31010６"]
    six += [rng.choice(["31", "11", "65", "99", "00"]) + code(4) for _ in range(3000)]
    kinds = [("Division12List", lists), ("TextList", lists), ("Mobile", phones)]
    kinds += [("Division12", twelve), ("Division6", six)]
    for name, cells in kinds:
        annotation = getattr(base, name)
        marker = annotation.__metadata__[-1]
        assert isinstance(marker, base.WholeColumn), name
        adapter = TypeAdapter(annotation, config=ConfigDict(str_strip_whitespace=True))
        vouched = 0
        for cell, value in zip(cells, marker.judge(cells, context), strict=True):
            try:
                own = adapter.validate_python(cell, context=context)
            except ValidationError:
                assert value is None, (name, cell)
                continue
            if value is not None:
                assert value == own, (name, cell)
                vouched += 1
        assert vouched > len(cells) // 10, name  # not idle


def test_warnings_found_at_once_are_the_types_own():
    # a type that says at once which values warn (Warns.warned) has `check` asked only of those:
    # it must name every value `check` warns of, and no other
    from data_contracts import base

    rng = random.Random(5)
    known = sorted(gb2260_codes())
    counties = known[:50] + [rng.choice(["31", "11", "99"]) + f"{rng.randrange(10_000):04d}" for _ in range(2000)]
    codes12 = [c + f"{rng.randrange(1, 600):03d}{rng.randrange(1000):03d}" for c in counties]
    lists = [[rng.choice(codes12) for _ in range(rng.randrange(1, 5))] for _ in range(2000)]
    for name, values in [("Division6", counties), ("Division12", codes12), ("Division12List", lists)]:
        warns = next(m for m in base.__dict__[name].__metadata__ if isinstance(m, base.Warns))
        assert warns.warned is not None, name
        flags = warns.warned(values)
        own = [warns.check(v) is not None for v in values]
        assert flags == own, name
        assert 0 < sum(own) < len(values), name  # not idle: both kinds met


@pytest.mark.parametrize("share", [0.0, 2.0])
def test_repeated_and_empty_list_cells_give_each_row_its_list(share, monkeypatch):
    # rows that wrote the same list cell, or left it empty or blank, share one value in the
    # pass; the accepted table holds each row's list as Arrow (lists.TEXT_LISTS), taken by the
    # rows' codes: each row's list must be the one row-by-row validation gives, and the empty
    # cell's default (one object checks_for keeps for the process) must stay empty; whether the
    # pass coded the cells by value or by position (share 0: column_pass._coded)
    from data_contracts import column_pass

    monkeypatch.setattr(column_pass, "DISTINCT_SHARE", share)
    model = CONTRACTS["projects"]
    f = next(iter(read_register(SAMPLE_DIR, model, SNAPSHOT).values()))
    raw = pd.concat([f.frame] * 3, ignore_index=True)
    raw.loc[raw.index % 4 == 0, model.header("staffed_workers")] = None
    raw.loc[raw.index % 4 == 1, model.header("staffed_workers")] = " "
    table = validate_frame(raw, model, SNAPSHOT, f.units, synthetic=True).accepted
    want = rowwise_validate_frame(raw, model, SNAPSHOT, f.units, synthetic=True).accepted
    assert len(table) > 2 * len(f.frame)
    for field in list_fields(model):
        assert table[field].dtype == TEXT_LISTS, field
        assert table[field].tolist() == want[field].tolist(), field
    assert sum(v == [] for v in table["staffed_workers"]) > len(f.frame)
    assert checks_for(model).empty["staffed_workers"] == []


def test_list_cells_split_at_once_are_split_as_one_at_a_time():
    # split_lists (pyarrow's RE2) must cut where _split_list (Python's re) cuts: every
    # separator the pattern knows, Unicode spaces included, repeated, leading and trailing,
    # and items named twice
    seps = [chr(c) for c in range(0x10000) if _LIST_SEPARATORS.fullmatch(chr(c))]
    assert {";", "；", "、", "\u3000", "\u00a0", "\u2028"} <= set(seps)
    assert not any(_LIST_SEPARATORS.fullmatch(chr(c)) for c in range(0x10000, 0x110000))
    rng = random.Random(3)
    items = ["310106001001", "310106001002", "名称", "A", "x\u200by", "-", "·", "１２"]
    cells = ["", "；", "a"] + [
        "".join(
            rng.choice(items) if k % 2 == 0 else "".join(rng.choice(seps) for _ in range(rng.randrange(1, 3)))
            for k in range(rng.randrange(0, 9))
        )
        for _ in range(5000)
    ]
    cells.append("a;\udcff；b")  # a lone surrogate: pyarrow cannot take it, Python splits it
    got = split_lists(cells)[0]
    assert got == [_split_list(c) for c in cells]
    assert sum(len(g) != len(set(g)) for g in got) == 0
    assert sum(len(g) > 2 for g in got) > 1000  # cells of several items


def test_cells_that_are_not_text_are_left_to_the_model():
    # a caller's frame may hold values no reader gives: a number in a list column, bytes in a
    # code column; the column pass vouches for none of them and judges them as the model does
    model = CONTRACTS["projects"]
    f = next(iter(read_register(SAMPLE_DIR, model, SNAPSHOT).values()))
    lists, code = model.header("staffed_workers"), model.header("provider_uscc")
    raw = f.frame.astype({lists: object, code: object})
    raw.iat[0, raw.columns.get_loc(lists)] = 5
    raw.iat[1, raw.columns.get_loc(code)] = str(raw[code].iloc[1]).encode("ascii")
    assert _same(raw, model, f.units) > 0


def test_what_each_row_holds_is_found_a_column_at_a_time():
    # ColumnPass._text takes a row's text from the column as read only where the value is the
    # cell itself: `_kinds` (a column at a time) must say what a value at a time says
    from data_contracts.column_pass import _AS_READ, _BROKEN, _NOT_TEXT, _NOTHING, _OTHER_TEXT, _kinds

    def _kind(value, cell):
        if value is None or value is _BROKEN:
            return _NOTHING
        if type(value) is not str:
            return _NOT_TEXT
        return _AS_READ if value == cell else _OTHER_TEXT

    values = ["a", "a", "b", "", None, _BROKEN, dt.date(2024, 1, 1), ["a"], 1.5, float("nan"), "b", "3"]
    cells = ["a", " a", "b", "", None, "x", "2024-01-01", "a", "1.5", float("nan"), None, 3]
    held = np.empty(len(values), dtype=object)
    held[:] = values
    assert _kinds(held, cells).tolist() == [_kind(v, c) for v, c in zip(values, cells, strict=True)]
    assert len(set(_kinds(held, cells).tolist())) == 4  # every kind met
