"""Every rule a row can break: one record each, with its severity, the plain message a clerk
reads (zh and en) and how to fix it.

A rule id is what the quarantine report's `rule` column holds. Messages may use `{name}`
placeholders filled from the error's context (never from a personal value). A rule's severity is
declared here once: an *error* quarantines the row, a *warning* keeps it and reports it. The one
exception is a soft field (a provider code that name matching can repair), whose errors the
validator demotes to warnings.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    """The one severity vocabulary: contract issues, expectation suites, asset checks, run summary
    and CLI all use these two words."""

    ERROR = "error"
    WARNING = "warning"


ERROR, WARNING = Severity.ERROR, Severity.WARNING


@dataclass(frozen=True)
class Rule:
    """One rule: `id` as the quarantine report shows it; `category` groups rules in docs/rules.md
    (file, shape, identifier, plausibility, register, matching)."""

    id: str
    severity: Severity
    category: str
    zh: str
    en: str
    fix: str


RULES: dict[str, Rule] = {
    r.id: r
    for r in [
        Rule(
            "required",
            ERROR,
            "shape",
            "必填项为空",
            "required value is missing",
            "Fill in the cell; if the value is unknown, ask the unit that keeps the register.",
        ),
        Rule(
            "number_format",
            ERROR,
            "shape",
            "不是有效数字",
            "not a valid number",
            "Write a number: 125000, 125,000元, ¥125000 or 12.5万元.",
        ),
        Rule(
            "integer_format",
            ERROR,
            "shape",
            "不是有效整数",
            "not a valid whole number",
            "Write a whole number (12345 or 12,345).",
        ),
        Rule(
            "date_format",
            ERROR,
            "shape",
            "日期格式无法识别（应为 YYYY-MM-DD）",
            "date not recognised (expected YYYY-MM-DD)",
            "Write a date: 2014-09-01, 2014/9/1, 2014年9月1日, 2014.09 or an Excel date cell.",
        ),
        Rule(
            "value_not_allowed",
            ERROR,
            "shape",
            "取值不在允许范围内：{allowed}",
            "value not among the allowed values: {allowed}",
            "Use one of the listed values exactly (see docs/schema.md for the enumerations).",
        ),
        Rule(
            "non_negative",
            ERROR,
            "shape",
            "数值不能为负",
            "value must not be negative",
            "Amounts and counts cannot be negative; check the sign.",
        ),
        Rule(
            "out_of_range",
            ERROR,
            "shape",
            "数值超出范围 {low}-{high}",
            "value outside the range {low}-{high}",
            "Check the value against its source document; it lies outside the allowed range.",
        ),
        Rule(
            "bool_format",
            ERROR,
            "shape",
            "应填 是 或 否",
            "expected 是 (yes) or 否 (no)",
            "Write 是/否 (also accepted: 有/无, Y/N).",
        ),
        Rule(
            "uscc_length",
            ERROR,
            "identifier",
            "统一社会信用代码应为18位",
            "unified social credit code must have 18 characters",
            "Copy the 18-character code again from the registration certificate.",
        ),
        Rule(
            "uscc_alphabet",
            ERROR,
            "identifier",
            "统一社会信用代码含非法字符（不允许 I、O、S、V、Z）",
            "unified social credit code has characters outside its alphabet (no I, O, S, V, Z)",
            "The code never contains I, O, S, V or Z; a letter O is usually the digit 0.",
        ),
        Rule(
            "uscc_division_part",
            ERROR,
            "identifier",
            "统一社会信用代码第3-8位（登记管理机关行政区划码）应为数字",
            "characters 3-8 of the unified social credit code (the registering authority's division code) must be digits",
            "Positions 3-8 are a GB/T 2260 division code, digits only (GB 32100-2015); a letter O or D is usually the digit 0.",
        ),
        Rule(
            "uscc_authority_category",
            ERROR,
            "identifier",
            "统一社会信用代码第1-2位“{prefix}”不是 GB 32100 规定的登记管理部门码和机构类别码",
            "characters 1-2 of the unified social credit code, '{prefix}', are not a registering authority and category of GB 32100",
            "The first two characters name the registering authority and its category (e.g. 51 social group, 52 social service organisation, 53 foundation, 91 enterprise); copy the code again.",
        ),
        Rule(
            "uscc_check_char",
            ERROR,
            "identifier",
            "统一社会信用代码校验码（第18位）错误，应为 {expected}",
            "unified social credit code check character (character 18) is wrong; it should be {expected}",
            "A character was mistyped; copy the code again from the certificate or the national platform.",
        ),
        Rule(
            "uscc_org_code_check",
            ERROR,
            "identifier",
            "统一社会信用代码中的组织机构代码（第9-17位）校验码错误，第17位应为 {expected}",
            "check character of the organisation code inside the USCC (characters 9-17) is wrong; character 17 should be {expected}",
            "Characters 9-17 were mistyped; copy the code again.",
        ),
        Rule(
            "uscc_not_civil_affairs",
            ERROR,
            "identifier",
            "社会组织的统一社会信用代码应以5（民政）开头",
            "a social organisation's code must start with 5 (civil affairs)",
            "A social organisation's code starts with 5; this may be a company or an agency.",
        ),
        Rule(
            "uscc_type_mismatch",
            ERROR,
            "identifier",
            "统一社会信用代码第2位与组织类型不符，应为 {expected}",
            "second character of the code does not match the organisation type; it should be {expected}",
            "The organisation type or the code is wrong; check the certificate's type.",
        ),
        Rule(
            "foundation_authority_level",
            ERROR,
            "identifier",
            "基金会只能由国家或省级民政部门登记",
            "a foundation can only be registered by the national or a provincial civil-affairs authority",
            "Foundations are registered nationally or provincially; check the type and the code.",
        ),
        Rule(
            "division_code_format",
            ERROR,
            "identifier",
            "区划代码应为{digits}位数字",
            "division code must be {digits} digits",
            "Write the statistical division code with all its digits (12 for streets and committees), in ASCII digits 0-9.",
        ),
        Rule(
            "division_province_part",
            ERROR,
            "identifier",
            "区划代码前2位（省级代码 {part}）不是 GB/T 2260 的省级行政区划代码",
            "the first 2 digits of the division code (province part {part}) are not a province of GB/T 2260",
            "Digits 1-2 name the province (11 Beijing ... 65 Xinjiang, 71, 81, 82); check the code.",
        ),
        Rule(
            "division_township_part",
            ERROR,
            "identifier",
            "区划代码第7-9位（乡级代码 {part}）超出编码规则（000，或001-599）",
            "digits 7-9 of the division code (township part {part}) are outside the coding rules (000 or 001-599)",
            "Digits 7-9 are 001-099 for a street, 100-199 a town, 200-399 a township, 400-599 a farm or similar unit (GB/T 10114-2003).",
        ),
        Rule(
            "division_committee_part",
            ERROR,
            "identifier",
            "区划代码第7-9位为000（县级）时，第10-12位（村级代码 {part}）应为000",
            "digits 10-12 of the division code (committee part {part}) must be 000 when digits 7-9 are 000 (a county)",
            "A committee's code carries its street's or town's digits 7-9; check the code.",
        ),
        Rule(
            "division_code_unknown",
            WARNING,
            "identifier",
            "区划代码 {code} 的前6位（县级代码）不在 GB/T 2260 行政区划代码中",
            "the first 6 digits (county part) of division code {code} are not in GB/T 2260",
            "Kept. Check the code; a division created after the code list the pipeline knows is reported this way.",
        ),
        Rule(
            "division_nesting",
            ERROR,
            "identifier",
            "代码 {child} 不在上级区划 {parent} 之下",
            "code {child} does not lie under its parent division {parent}",
            "The committee's code must start with its street's first 9 digits; one of the two is wrong.",
        ),
        Rule(
            "division_kind_mismatch",
            ERROR,
            "identifier",
            "区划代码的类型段表示“{expected}”，与填报的类型不符",
            "the division code's kind digits say '{expected}', which disagrees with the declared kind",
            "Digits 7-9 say street (001-099) or town (100-199); check the kind or the code.",
        ),
        Rule(
            "id_number_format",
            ERROR,
            "identifier",
            "身份证号格式错误（应为17位数字加1位校验码，校验码为数字或X）",
            "resident ID number is malformed (17 digits and a check character, a digit or X)",
            "Copy the 18-character ID number again (the last may be X), in ASCII digits 0-9.",
        ),
        Rule(
            "id_number_address",
            ERROR,
            "identifier",
            "身份证号的地址码（第1-6位）不是 GB/T 2260 行政区划代码",
            "the resident ID number's address code (digits 1-6) is not a GB/T 2260 division code",
            "A digit of the first six was mistyped; copy the ID number again from the ID card.",
        ),
        Rule(
            "id_number_birth_date",
            ERROR,
            "identifier",
            "身份证号的出生日期码（第7-14位）不是有效日期",
            "the resident ID number's birth date (digits 7-14) is not a real date",
            "Digits 7-14 are the birth date YYYYMMDD; a digit was mistyped there.",
        ),
        Rule(
            "id_number_birth_future",
            ERROR,
            "identifier",
            "身份证号的出生日期码（第7-14位）晚于数据截止日 {snapshot}",
            "the resident ID number's birth date (digits 7-14) is after the data snapshot date {snapshot}",
            "Digits 7-14 are the birth date YYYYMMDD; a digit was mistyped there.",
        ),
        Rule(
            "id_number_check_char",
            ERROR,
            "identifier",
            "身份证号校验码（第18位）错误",
            "resident ID number check character (character 18) is wrong",
            "A digit was mistyped; copy the ID number again from the ID card.",
        ),
        Rule(
            "mobile_format",
            ERROR,
            "identifier",
            "手机号格式错误（应为1[3-9]开头的11位数字）",
            "mobile number is malformed",
            "Write an 11-digit mobile number starting 13-19, or leave the cell empty.",
        ),
        Rule(
            "code_format",
            ERROR,
            "identifier",
            "编号格式不对，应形如 {example}",
            "the identifier has the wrong form; expected one like {example}",
            "Write the identifier in the form of the example (letters in capitals, digits in full).",
        ),
        Rule(
            "status_date_while_active",
            ERROR,
            "plausibility",
            "登记状态为正常时不应填写注销撤销日期",
            "a deregistration date is given while the status is 正常 (active)",
            "Either the status is not 正常 or the deregistration date belongs elsewhere.",
        ),
        Rule(
            "end_before_start",
            ERROR,
            "plausibility",
            "结束日期早于开始日期",
            "end date is before the start date",
            "Swap or correct the dates.",
        ),
        Rule(
            "future_date",
            ERROR,
            "plausibility",
            "日期晚于数据截止日 {snapshot}",
            "date is after the data snapshot date {snapshot}",
            "The date lies after the data's snapshot date (manifest.yaml); correct the date or the snapshot.",
        ),
        Rule(
            "missing_companion",
            ERROR,
            "plausibility",
            "填写了{field}时，本项不能为空",
            "required when {field} is filled in",
            "Fill in the companion cell named in the message.",
        ),
        Rule(
            "contract_above_budget",
            WARNING,
            "plausibility",
            "合同金额比预算高出20%以上",
            "contract amount is more than 20% above the budget",
            "Kept. Check the contract amount and the budget against the contract.",
        ),
        Rule(
            "term_over_3_years",
            WARNING,
            "plausibility",
            "服务期限超过3年",
            "service term is longer than 3 years",
            "Kept. Terms normally run at most 1 year, 3 for recurring services; check the dates.",
        ),
        Rule(
            "grade_score_mismatch",
            WARNING,
            "plausibility",
            "评估等级与得分区间不一致（优秀≥90，良好≥80，合格≥60）",
            "grade disagrees with the score bands (优秀 >= 90, 良好 >= 80, 合格 >= 60)",
            "Kept. Check the grade against the score bands.",
        ),
        Rule(
            "party_branch_required",
            WARNING,
            "plausibility",
            "党员3人以上应建立党组织",
            "an organisation with 3 or more party members must set up a party organisation",
            "Kept. 3 or more party members require a party organisation; check the members count.",
        ),
        Rule(
            "duplicate_key",
            ERROR,
            "register",
            "编号重复：同一{key}在 {kept_file} 第 {kept_row} 行还有一条记录，以后出现的记录为准，本行不导入",
            "duplicate key: the same {key} appears again in {kept_file} row {kept_row}; the later record wins and this row is not loaded",
            "The later line was loaded; delete or correct the earlier one.",
        ),
        Rule(
            "duplicate_person",
            ERROR,
            "register",
            "同一身份证号对应多个社工编号（{kept_file} 第 {kept_row} 行）",
            "one ID number appears under several worker keys ({kept_file} row {kept_row})",
            "One person registered under two worker keys; keep one key.",
        ),
        Rule(
            "unknown_reference",
            ERROR,
            "register",
            "引用的{target}不存在或未通过校验：{missing}",
            "refers to a {target_en} that is unknown or was rejected: {missing}",
            "The code refers to a record the other register lacks or rejected: fix the code, or the other register.",
        ),
        Rule(
            "unreadable_file",
            ERROR,
            "file",
            "文件无法读取（{detail}），请另存为 UTF-8 编码的 CSV 或 XLSX 工作簿",
            "the file cannot be read ({detail}); save it as a UTF-8 CSV or an XLSX workbook",
            "Save the file again as UTF-8 CSV or XLSX; the other files were loaded.",
        ),
        Rule(
            "wrong_cell_count",
            ERROR,
            "file",
            "本行的单元格数与表头不一致（{detail}），常见原因是多余的逗号",
            "this line has a different number of cells than the header ({detail}); often a stray comma",
            "The line has a stray or a missing separator (often a comma inside a value without quotes).",
        ),
        Rule(
            "missing_column",
            ERROR,
            "file",
            "文件缺少必需的列：{column}",
            "the file lacks a required column: {column}",
            "Add the column (see docs/columns.md for the headers accepted); no row of the file was loaded.",
        ),
        Rule(
            "no_header_row",
            ERROR,
            "file",
            "找不到本登记表的表头（应有“{detail}”等列）；请检查是否放错文件夹、选错工作表或文件编码有误",
            "no row looks like this register's header (expected columns such as {detail}); check the folder, the sheet and the file's encoding",
            "Put the file in its register's folder, the data on a sheet with a header row, saved as UTF-8 or XLSX.",
        ),
        Rule(
            "provider_matched_by_name",
            WARNING,
            "matching",
            "承接机构代码缺失或有误，已按名称匹配为 {name}（{uscc}，相似度 {score}），请核对并更正源文件",
            "the provider's code was missing or wrong; matched by name to {name} ({uscc}, similarity {score}): check and correct the file",
            "Kept. Write the matched code into the file so the next list carries it.",
        ),
        Rule(
            "provider_ambiguous",
            ERROR,
            "matching",
            "承接机构代码缺失或有误，按名称有多个可能的社会组织：候选见 provider_review.csv，确认后写入 decisions/provider_matches.csv",
            "the provider's code is missing or wrong and its name fits several organisations: see provider_review.csv and record a decision in decisions/provider_matches.csv",
            "Copy a line of quarantine/provider_review.csv into decisions/provider_matches.csv with decision accept.",
        ),
        Rule(
            "provider_unmatched",
            ERROR,
            "matching",
            "承接机构代码缺失或有误，且按名称找不到已登记的社会组织",
            "the provider's code is missing or wrong and no registered organisation has that name",
            "Write the provider's code, or register the organisation first.",
        ),
        Rule(
            "inconsistent_name",
            ERROR,
            "register",
            "同一代码在本表中对应不同名称（此前写作“{expected}”）",
            "the same code carries another name earlier in this register ('{expected}')",
            "One code, one name: correct the spelling to match the first one.",
        ),
        Rule(
            "street_name_unmatched",
            WARNING,
            "matching",
            "所属街道“{name}”在社区名录中{how}，住所所在街道未知{candidates}",
            "the street '{name}' is {how_en} in the communities register; the organisation's street is left unknown{candidates}",
            "Kept without a street. Write the street as the communities register names it, or its 12-digit code.",
        ),
        Rule(
            "community_name_unmatched",
            ERROR,
            "matching",
            "服务社区“{name}”在社区名录中找不到",
            "the served community '{name}' is not in the communities register",
            "Write the community's name as the communities register has it, or its 12-digit code.",
        ),
        Rule(
            "community_name_ambiguous",
            ERROR,
            "matching",
            "服务社区“{name}”在社区名录中有多个同名社区：{candidates}",
            "the served community '{name}' names several communities of the register: {candidates}",
            "Write the 12-digit code of the community meant (or the street with the name, e.g. 江宁路街道康定社区).",
        ),
    ]
}


def message(rule: str, **ctx: object) -> tuple[str, str]:
    r = RULES[rule]
    zh, en = r.zh, r.en
    safe = _Given({k: ("、".join(map(str, v)) if isinstance(v, list | tuple) else v) for k, v in ctx.items()})
    return zh.format_map(safe), en.format_map(safe)


class _Given(dict):
    """Message context: a placeholder the error did not fill shows as `…`, never as `{name}`."""

    def __missing__(self, key: str) -> str:
        return "…"


def rules_doc() -> str:
    """docs/rules.md: every rule a row can break, as a clerk reads it."""
    out = [
        "<!-- Generated from data_contracts/rules.py by `sanshe schema generate`. Do not edit. -->",
        "# Quarantine rules",
        "",
        "Every rule a row can break, with the message the quarantine report shows. A row that",
        "breaks an *error* rule is not loaded; a *warning* rule keeps the row and reports it.",
        "Fix the cell named by file, row and column, and run again.",
        "",
        "| rule | severity | category | 中文说明 | meaning | how to fix |",
        "|---|---|---|---|---|---|",
    ]
    for r in RULES.values():
        out.append(f"| `{r.id}` | {r.severity} | {r.category} | {r.zh} | {r.en} | {r.fix} |")
    return "\n".join(out) + "\n"
