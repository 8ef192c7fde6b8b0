"""Every validator with a valid and an invalid example: one valid row per register, then one
change per rule, checked through the same `validate_frame` the pipeline runs."""

import datetime as dt

import pandas as pd
import pytest

from data_contracts import CONTRACTS
from data_contracts.identifiers import id_number_check_char, make_uscc
from data_contracts.validation import drop_duplicates, validate_frame

SNAPSHOT = dt.date(2025, 12, 31)
ORG = make_uscc("5", "2", "310106", "50000017")
GROUP = make_uscc("5", "1", "310106", "50000025")
FOUNDATION_CITY = make_uscc("5", "3", "310000", "50000033")
FOUNDATION_DISTRICT = make_uscc("5", "3", "310106", "50000033")
ENTERPRISE = make_uscc("9", "1", "310106", "50000041")
BUYER = make_uscc("1", "1", "310106", "00000011")


def _id(first17: str) -> str:
    return first17 + id_number_check_char(first17)


ID_OK = _id("31010619900101123")  # Jing'an's address code, a real birth date

VALID = {
    "communities": {
        "区县代码": "310106",
        "区县名称": "静安区",
        "街道代码": "310106006000",
        "街道名称": "江宁路街道",
        "街道类型": "街道",
        "社区代码": "310106006001",
        "社区名称": "示例居民委员会",
        "社区类型": "居委会",
        "常住人口": "3500",
    },
    "district_changes": {
        "街道代码": "310106015000",
        "原区县代码": "310108",
        "原区县名称": "闸北区",
        "现区县代码": "310106",
        "变更日期": "2015-10-31",
    },
    "annual_inspections": {"统一社会信用代码": ORG, "年检年度": "2023", "年检结论": "合格"},
    "organisations": {
        "社会组织名称": "示例社会工作服务社",
        "统一社会信用代码": ORG,
        "社会组织类型": "社会服务机构",
        "登记管理机关": "上海市静安区民政局",
        "成立登记日期": "2015-03-01",
        "登记状态": "正常",
        "年检年度": "2024",
        "年检结论": "合格",
        "评估等级": "4A",
        "评估日期": "2022-06-01",
        "业务范围": "社会工作服务",
        "住所所在街道代码": "310106006000",
    },
    "hubs": {
        "枢纽编号": "HUB-ST-006",
        "枢纽名称": "江宁路街道社会组织服务中心",
        "枢纽类型": "街道枢纽",
        "所属街道代码": "310106006000",
        "上级枢纽编号": "HUB-FED",
        "是否建立党组织": "是",
        "成立日期": "2014-01-01",
    },
    "hub_memberships": {
        "统一社会信用代码": ORG,
        "社会组织名称": "示例社会工作服务社",
        "枢纽编号": "HUB-ST-006",
        "加入日期": "2016-01-01",
        "党员人数": "1",
        "是否建立党组织": "否",
        "党建联络员编号": "LN-0001",
        "党建联络员姓名": "张三",
    },
    "workers": {
        "社工编号": "SW000001",
        "姓名": "李四",
        "身份证号": ID_OK,
        "手机号": "13900000000",
        "证书编号": "ZS2019000001",
        "职业水平等级": "社会工作师",
        "取得证书年份": "2019",
        "工作单位统一社会信用代码": ORG,
        "服务社区代码": "310106006001;310106006002",
    },
    "projects": {
        "项目编号": "MZ-2024-001",
        "项目名称": "示例项目",
        "购买主体": "上海市静安区民政局",
        "购买主体统一社会信用代码": BUYER,
        "目录类别": "养老服务",
        "采购方式": "公开招标",
        "预算金额（元）": "200000",
        "合同金额（元）": "190000",
        "签约日期": "2024-03-01",
        "开始日期": "2024-04-01",
        "结束日期": "2025-03-31",
        "承接机构": "示例社会工作服务社",
        "承接机构统一社会信用代码": ORG,
        "服务社区代码": "310106006001",
        "资金来源": "区社会组织发展专项资金",
        "配置社工编号": "SW000001",
    },
    "evaluations": {
        "评估编号": "EV-2025-00001",
        "项目编号": "MZ-2024-001",
        "评估机构": "示例评估中心",
        "评估日期": "2025-05-01",
        "评估得分": "86.5",
        "评估等级": "良好",
    },
}

# (register, changes, expected rule, column blamed)
INVALID = [
    ("communities", {"区县代码": "31010"}, "division_code_format", "区县代码"),
    ("communities", {"社区代码": "310106011001"}, "division_nesting", "社区代码"),
    ("communities", {"街道代码": "310107006000"}, "division_nesting", "街道代码"),
    ("communities", {"社区类型": "村委会"}, "division_kind_mismatch", "社区类型"),
    ("communities", {"街道类型": "镇"}, "division_kind_mismatch", "街道类型"),
    ("communities", {"社区类型": "社区"}, "value_not_allowed", "社区类型"),
    ("communities", {"常住人口": "-5"}, "non_negative", "常住人口"),
    ("communities", {"常住人口": "三千"}, "integer_format", "常住人口"),
    ("communities", {"社区名称": ""}, "required", "社区名称"),
    (
        "organisations",
        {"统一社会信用代码": ORG[:17] + ("0" if ORG[17] != "0" else "1")},
        "uscc_check_char",
        "统一社会信用代码",
    ),
    ("organisations", {"统一社会信用代码": ORG[:10]}, "uscc_length", "统一社会信用代码"),
    ("organisations", {"统一社会信用代码": "I" + ORG[1:]}, "uscc_alphabet", "统一社会信用代码"),
    ("organisations", {"统一社会信用代码": ENTERPRISE}, "uscc_not_civil_affairs", "统一社会信用代码"),
    ("organisations", {"统一社会信用代码": GROUP}, "uscc_type_mismatch", "统一社会信用代码"),
    (
        "organisations",
        {"统一社会信用代码": FOUNDATION_DISTRICT, "社会组织类型": "基金会"},
        "foundation_authority_level",
        "统一社会信用代码",
    ),
    ("organisations", {"社会组织类型": "民间组织"}, "value_not_allowed", "社会组织类型"),
    ("organisations", {"登记状态": "存续"}, "value_not_allowed", "登记状态"),
    ("organisations", {"年检结论": "优"}, "value_not_allowed", "年检结论"),
    ("organisations", {"评估等级": "6A"}, "value_not_allowed", "评估等级"),
    ("organisations", {"评估日期": ""}, "missing_companion", "评估日期"),
    ("organisations", {"成立登记日期": "2026-01-05"}, "future_date", "成立登记日期"),
    ("organisations", {"成立登记日期": "2015/13/01"}, "date_format", "成立登记日期"),
    ("organisations", {"信用名单": "活动异常名录"}, "missing_companion", "列入日期"),
    (
        "organisations",
        {"信用名单": "活动异常名录", "列入日期": "2023-05-01", "移出日期": "2023-01-01"},
        "end_before_start",
        "移出日期",
    ),
    ("organisations", {"信用名单": "黑名单", "列入日期": "2023-05-01"}, "value_not_allowed", "信用名单"),
    ("district_changes", {"现区县代码": "310108"}, "value_not_allowed", "现区县代码"),
    ("district_changes", {"变更日期": "2026-02-01"}, "future_date", "变更日期"),
    ("district_changes", {"原区县代码": "31010"}, "division_code_format", "原区县代码"),
    ("annual_inspections", {"年检结论": "优秀"}, "value_not_allowed", "年检结论"),
    ("annual_inspections", {"年检年度": "二〇二三"}, "integer_format", "年检年度"),
    ("organisations", {"注销撤销日期": "2020-01-01"}, "status_date_while_active", "注销撤销日期"),
    ("organisations", {"登记状态": "注销", "注销撤销日期": "2010-01-01"}, "end_before_start", "注销撤销日期"),
    ("workers", {"取得证书年份": "2026"}, "future_date", "取得证书年份"),
    ("workers", {"取得证书年份": "2005"}, "out_of_range", "取得证书年份"),
    (
        "hubs",
        {"枢纽类型": "区社会组织联合会", "上级枢纽编号": "", "所属街道代码": ""},
        "missing_companion",
        "所属区县代码",
    ),
    ("hubs", {"撤销日期": "2013-01-01"}, "end_before_start", "撤销日期"),
    ("hubs", {"枢纽类型": "社区枢纽"}, "value_not_allowed", "枢纽类型"),
    ("hubs", {"所属街道代码": ""}, "missing_companion", "所属街道代码"),
    ("hubs", {"上级枢纽编号": ""}, "missing_companion", "上级枢纽编号"),
    ("hubs", {"是否建立党组织": "也许"}, "bool_format", "是否建立党组织"),
    ("hub_memberships", {"党员人数": "-1"}, "non_negative", "党员人数"),
    ("workers", {"身份证号": ID_OK[:17] + ("0" if ID_OK[17] != "0" else "1")}, "id_number_check_char", "身份证号"),
    ("workers", {"身份证号": "12345"}, "id_number_format", "身份证号"),
    ("workers", {"身份证号": ID_OK + "\n1"}, "id_number_format", "身份证号"),
    ("workers", {"身份证号": "٣١٠١٠٦" + ID_OK[6:]}, "id_number_format", "身份证号"),
    ("workers", {"身份证号": _id("99010619900101123")}, "id_number_address", "身份证号"),
    ("workers", {"身份证号": _id("00000019900101123")}, "id_number_address", "身份证号"),
    ("workers", {"身份证号": _id("31010619900229123")}, "id_number_birth_date", "身份证号"),
    ("workers", {"身份证号": _id("31010619901301123")}, "id_number_birth_date", "身份证号"),
    ("workers", {"身份证号": _id("31010600000101123")}, "id_number_birth_date", "身份证号"),
    ("workers", {"身份证号": _id("31010620260101123")}, "id_number_birth_future", "身份证号"),
    ("communities", {"区县代码": "٣١٠١٠٦"}, "division_code_format", "区县代码"),
    ("communities", {"区县代码": "990106"}, "division_province_part", "区县代码"),
    ("communities", {"社区代码": "310106600001"}, "division_township_part", "社区代码"),
    ("organisations", {"住所所在街道代码": "310106000001"}, "division_committee_part", "住所所在街道代码"),
    ("organisations", {"统一社会信用代码": "926323F32Q1W78EF2W"}, "uscc_division_part", "统一社会信用代码"),
    (
        "organisations",
        {"统一社会信用代码": make_uscc("5", "4", "310106", "5ABC1234")},
        "uscc_authority_category",
        "统一社会信用代码",
    ),
    ("workers", {"手机号": "12345678901"}, "mobile_format", "手机号"),
    ("workers", {"职业水平等级": "初级"}, "value_not_allowed", "职业水平等级"),
    ("workers", {"服务社区代码": "310106006001;31010600"}, "division_code_format", "服务社区代码"),
    (
        "workers",
        {"工作单位统一社会信用代码": ORG[:17] + ("0" if ORG[17] != "0" else "1")},
        "uscc_check_char",
        "工作单位统一社会信用代码",
    ),
    ("projects", {"结束日期": "2024-01-01"}, "end_before_start", "结束日期"),
    ("projects", {"签约日期": "2026-02-01"}, "future_date", "签约日期"),
    ("projects", {"合同金额（元）": "-100"}, "non_negative", "合同金额（元）"),
    ("projects", {"合同金额（元）": "十万"}, "number_format", "合同金额（元）"),
    ("projects", {"采购方式": "直接委托"}, "value_not_allowed", "采购方式"),
    ("projects", {"资金来源": "其他"}, "value_not_allowed", "资金来源"),
    ("projects", {"服务社区代码": ""}, "required", "服务社区代码"),
    ("evaluations", {"评估得分": "101"}, "out_of_range", "评估得分"),
    ("evaluations", {"评估等级": "较好"}, "value_not_allowed", "评估等级"),
    ("evaluations", {"评估日期": "2026-01-02"}, "future_date", "评估日期"),
    ("workers", {"社工编号": "SW12"}, "code_format", "社工编号"),
    ("hub_memberships", {"党建联络员编号": "L1"}, "code_format", "党建联络员编号"),
    ("projects", {"项目编号": "mz-2024-1"}, "code_format", "项目编号"),
    ("evaluations", {"评估编号": "EV2024"}, "code_format", "评估编号"),
]

# (register, changes, expected warning rule): kept, but reported
WARNINGS = [
    ("projects", {"合同金额（元）": "260000"}, "contract_above_budget"),
    ("projects", {"结束日期": "2028-06-30"}, "term_over_3_years"),
    ("evaluations", {"评估得分": "95"}, "grade_score_mismatch"),
    ("hub_memberships", {"党员人数": "5"}, "party_branch_required"),
    # a county-level code GB/T 2260 does not list: registers hold codes newer than any list
    ("organisations", {"住所所在街道代码": "310199006000"}, "division_code_unknown"),
    ("workers", {"服务社区代码": "310106006001;310199006001"}, "division_code_unknown"),
]


def _run(register, row):
    frame = pd.DataFrame([{**row, "_file": "f.csv", "_row": 2}])
    return validate_frame(frame, CONTRACTS[register], SNAPSHOT)


@pytest.mark.parametrize("register", list(VALID))
def test_valid_row_passes(register):
    result = _run(register, VALID[register])
    assert result.issues.empty, result.issues.to_dict("records")
    assert len(result.accepted) == 1 and result.rows_quarantined == 0


def test_every_contract_has_a_valid_example():
    assert set(VALID) == set(CONTRACTS)


@pytest.mark.parametrize(
    "register,changes,rule,column", INVALID, ids=[f"{r}-{rule}-{i}" for i, (r, _, rule, _) in enumerate(INVALID)]
)
def test_invalid_row_is_quarantined_with_rule_and_column(register, changes, rule, column):
    result = _run(register, {**VALID[register], **changes})
    errors = result.issues[result.issues["severity"] == "error"]
    assert result.accepted.empty and result.rows_quarantined == 1
    assert (rule, column) in set(zip(errors["rule"], errors["column"], strict=True)), errors.to_dict("records")
    row = errors.iloc[0]
    assert row["file"] == "f.csv" and row["row"] == 2 and row["message_zh"] and row["message_en"]
    # a message never shows a raw placeholder
    assert not any("{" in m for m in [*errors["message_zh"], *errors["message_en"]])
    if rule == "code_format":
        assert any(e in row["message_en"] for e in ("SW000001", "LN-0001", "MZ-2024-001", "EV-2024-00001"))


def test_a_broken_provider_code_is_reported_and_left_for_name_matching():
    """provider_uscc is soft: its error is a warning, the field is left empty, the row is kept
    (pipelines/projects/providers.py then matches the provider by name or quarantines the row)."""
    bad = ORG[:17] + ("0" if ORG[17] != "0" else "1")
    result = _run("projects", {**VALID["projects"], "承接机构统一社会信用代码": bad})
    assert len(result.accepted) == 1 and pd.isna(result.accepted.iloc[0]["provider_uscc"])
    assert list(zip(result.issues["rule"], result.issues["severity"], result.issues["value"], strict=True)) == [
        ("uscc_check_char", "warning", bad)
    ]
    # any other error still quarantines the row, the soft one included in the report
    result = _run("projects", {**VALID["projects"], "承接机构统一社会信用代码": bad, "采购方式": "直接委托"})
    assert result.accepted.empty and set(result.issues["severity"]) == {"error"}


def test_one_code_carries_one_name():
    from pipelines.common.resolve import inconsistent_names

    model = CONTRACTS["communities"]
    frame = pd.DataFrame(
        [
            {"street_code": "310106006000", "street_name": n, "_file": "c.csv", "_row": r}
            for n, r in (("江宁路街道", 2), ("江宁路街道", 3), ("江宁街道", 4))
        ]
    )
    issues = inconsistent_names(frame, model, "street_code", "street_name")
    assert list(zip(issues["row"], issues["rule"], issues["value"], strict=True)) == [
        (4, "inconsistent_name", "江宁街道")
    ]
    assert "江宁路街道" in issues.iloc[0]["message_en"]


@pytest.mark.parametrize("register,changes,rule", WARNINGS)
def test_warnings_keep_the_row(register, changes, rule):
    result = _run(register, {**VALID[register], **changes})
    assert len(result.accepted) == 1
    assert list(result.issues["rule"]) == [rule] and list(result.issues["severity"]) == ["warning"]


def test_personal_values_are_masked_in_issues():
    bad = ID_OK[:17] + ("0" if ID_OK[17] != "0" else "1")
    result = _run("workers", {**VALID["workers"], "身份证号": bad})
    shown = result.issues.iloc[0]["value"]
    assert bad not in shown and shown.startswith("31") and "*" in shown


def test_missing_required_column_quarantines_every_row_with_one_clear_rule():
    row = {k: v for k, v in VALID["projects"].items() if k != "合同金额（元）"}
    frame = pd.DataFrame([{**row, "_file": "p.csv", "_row": 2}, {**row, "_file": "p.csv", "_row": 3}])
    result = validate_frame(frame, CONTRACTS["projects"], SNAPSHOT)
    assert result.rows_quarantined == 2 and set(result.issues["rule"]) == {"missing_column"}
    assert "合同金额（元）" in result.issues.iloc[0]["message_zh"]


def test_unknown_columns_are_reported_not_dropped_silently():
    result = _run("hubs", {**VALID["hubs"], "备注": "x"})
    assert result.unknown_columns == ["备注"] and len(result.accepted) == 1


def test_duplicate_keys_keep_the_later_row_and_point_to_it():
    model = CONTRACTS["organisations"]
    frame = pd.DataFrame(
        [
            {**VALID["organisations"], "社会组织名称": n, "_file": "o.csv", "_row": r}
            for n, r in (("旧名", 2), ("新名", 3))
        ]
    )
    accepted = validate_frame(frame, model, SNAPSHOT).accepted
    kept, issues = drop_duplicates(accepted, model)
    assert list(kept["name"]) == ["新名"]
    assert list(issues["row"]) == [2] and list(issues["rule"]) == ["duplicate_key"]
    assert "3" in issues.iloc[0]["message_en"]
    # the same, on rows whose index repeats (a concatenation without ignore_index): by position
    twice = pd.concat([accepted, accepted.iloc[:1]])
    assert list(twice.index) == [0, 1, 0]
    kept, issues = drop_duplicates(twice, model)
    assert list(kept["name"]) == ["旧名"] and list(issues["row"]) == [2, 3]


@pytest.mark.parametrize("dtype", ["str", object])
def test_duplicate_keys_are_found_whether_the_first_key_column_repeats_or_not(dtype):
    """drop_duplicates takes a first key column of distinct text as no repeat at all: against
    pandas' own `duplicated` of the whole key, with the first column distinct, repeated with
    the rest distinct, and repeated whole; text as pandas' Arrow strings and as objects."""
    model = CONTRACTS["organisations"]
    snap2 = SNAPSHOT.replace(year=SNAPSHOT.year - 1)
    cases = {
        "distinct": [("A", SNAPSHOT), ("B", SNAPSHOT), (None, SNAPSHOT)],
        "two snapshots": [("A", SNAPSHOT), ("A", snap2), ("B", SNAPSHOT)],
        "repeated": [("A", SNAPSHOT), ("B", SNAPSHOT), ("A", SNAPSHOT), (None, SNAPSHOT), (None, SNAPSHOT)],
    }
    for name, keys in cases.items():
        frame = pd.DataFrame(
            {
                "uscc": pd.Series([k for k, _ in keys], dtype=dtype),
                "_asof": [d for _, d in keys],
                "_file": "o.csv",
                "_row": range(2, 2 + len(keys)),
            }
        )
        kept, issues = drop_duplicates(frame, model, key=("uscc", "_asof"))
        dropped = frame.duplicated(["uscc", "_asof"], keep="last").to_numpy(bool)
        assert list(kept["_row"]) == list(frame["_row"][~dropped]), name
        assert list(issues["row"]) == list(frame["_row"][dropped]), name
        assert (name == "repeated") == bool(len(issues))
