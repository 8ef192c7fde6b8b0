"""Every rule a row can break, with the plain message a clerk reads (zh and en).

A rule id is what the quarantine report's `rule` column holds. Messages may use `{name}`
placeholders filled from the error's context (never from a personal value).
"""

from __future__ import annotations

RULES: dict[str, tuple[str, str]] = {
    # presence and shape
    "required": ("必填项为空", "required value is missing"),
    "number_format": ("不是有效数字", "not a valid number"),
    "integer_format": ("不是有效整数", "not a valid whole number"),
    "date_format": ("日期格式无法识别（应为 YYYY-MM-DD）", "date not recognised (expected YYYY-MM-DD)"),
    "value_not_allowed": ("取值不在允许范围内：{allowed}", "value not among the allowed values: {allowed}"),
    "non_negative": ("数值不能为负", "value must not be negative"),
    "out_of_range": ("数值超出范围 {low}-{high}", "value outside the range {low}-{high}"),
    "bool_format": ("应填 是 或 否", "expected 是 (yes) or 否 (no)"),
    # identifiers
    "uscc_length": ("统一社会信用代码应为18位", "unified social credit code must have 18 characters"),
    "uscc_alphabet": (
        "统一社会信用代码含非法字符（不允许 I、O、S、V、Z）",
        "unified social credit code has characters outside its alphabet (no I, O, S, V, Z)",
    ),
    "uscc_check_char": (
        "统一社会信用代码校验位错误，应为 {expected}",
        "unified social credit code check character is wrong; it should be {expected}",
    ),
    "uscc_org_code_check": (
        "统一社会信用代码中的组织机构代码校验位错误，应为 {expected}",
        "check character of the organisation code inside the USCC is wrong; it should be {expected}",
    ),
    "uscc_not_civil_affairs": (
        "社会组织的统一社会信用代码应以5（民政）开头",
        "a social organisation's code must start with 5 (civil affairs)",
    ),
    "uscc_type_mismatch": (
        "统一社会信用代码第2位与组织类型不符，应为 {expected}",
        "second character of the code does not match the organisation type; it should be {expected}",
    ),
    "foundation_authority_level": (
        "基金会只能由国家或省级民政部门登记",
        "a foundation can only be registered by the national or a provincial civil-affairs authority",
    ),
    "division_code_format": ("区划代码应为{digits}位数字", "division code must be {digits} digits"),
    "division_nesting": (
        "代码 {child} 不在上级区划 {parent} 之下",
        "code {child} does not lie under its parent division {parent}",
    ),
    "division_kind_mismatch": (
        "区划代码的类型段表示“{expected}”，与填报的类型不符",
        "the division code's kind digits say '{expected}', which disagrees with the declared kind",
    ),
    "id_number_format": ("身份证号格式错误", "resident ID number is malformed"),
    "id_number_check_char": ("身份证号校验位错误", "resident ID number check character is wrong"),
    "mobile_format": ("手机号格式错误（应为1[3-9]开头的11位数字）", "mobile number is malformed"),
    "worker_key_format": ("社工编号格式错误（应为 SW 加6位数字）", "worker key must be SW followed by 6 digits"),
    # dates and amounts
    "status_date_while_active": (
        "登记状态为正常时不应填写注销撤销日期", "a deregistration date is given while the status is 正常 (active)"),
    "end_before_start": ("结束日期早于开始日期", "end date is before the start date"),
    "future_date": ("日期晚于数据截止日 {snapshot}", "date is after the data snapshot date {snapshot}"),
    "missing_companion": ("填写了{field}时，本项不能为空", "required when {field} is filled in"),
    "contract_above_budget": (
        "合同金额比预算高出20%以上",
        "contract amount is more than 20% above the budget",
    ),
    "term_over_3_years": ("服务期限超过3年", "service term is longer than 3 years"),
    "grade_score_mismatch": (
        "评估等级与得分区间不一致（优秀≥90，良好≥80，合格≥60）",
        "grade disagrees with the score bands (优秀 >= 90, 良好 >= 80, 合格 >= 60)",
    ),
    "party_branch_required": (
        "党员3人以上应建立党组织",
        "an organisation with 3 or more party members must set up a party organisation",
    ),
    # table and cross-register rules
    "duplicate_key": (
        "编号重复：同一{key}在 {kept_file} 第 {kept_row} 行还有一条记录，以后出现的记录为准，本行不导入",
        "duplicate key: the same {key} appears again in {kept_file} row {kept_row}; the later record wins and this row is not loaded",
    ),
    "duplicate_person": (
        "同一身份证号对应多个社工编号（{kept_file} 第 {kept_row} 行）",
        "one ID number appears under several worker keys ({kept_file} row {kept_row})",
    ),
    "unknown_reference": (
        "引用的{target}不存在或未通过校验：{missing}",
        "refers to a {target_en} that is unknown or was rejected: {missing}",
    ),
    "unreadable_file": (
        "文件无法读取（{detail}），请另存为 UTF-8 编码的 CSV", "the file cannot be read ({detail}); save it as UTF-8 CSV"),
    "wrong_cell_count": (
        "本行的单元格数与表头不一致（{detail}），常见原因是多余的逗号",
        "this line has a different number of cells than the header ({detail}); often a stray comma"),
    "missing_column": ("文件缺少必需的列：{column}", "the file lacks a required column: {column}"),
    "inconsistent_name": (
        "同一代码在本表中对应不同名称（此前写作“{expected}”）",
        "the same code carries another name earlier in this register ('{expected}')",
    ),
}

SEVERITY_WARNING = "warning"
SEVERITY_ERROR = "error"


def message(rule: str, **ctx: object) -> tuple[str, str]:
    zh, en = RULES[rule]
    safe = {k: ("、".join(map(str, v)) if isinstance(v, list | tuple) else v) for k, v in ctx.items()}
    try:
        return zh.format(**safe), en.format(**safe)
    except (KeyError, IndexError):
        return zh, en


def rules_doc() -> str:
    """docs/rules.md: every rule a row can break, as a clerk reads it."""
    out = ["<!-- Generated from data_contracts/rules.py by `sanshe schema generate`. Do not edit. -->",
           "# Quarantine rules", "",
           "Every rule a row can break, with the message the quarantine report shows. A row that",
           "breaks an *error* rule is not loaded; a *warning* rule keeps the row and reports it.",
           "Fix the cell named by file, row and column, and run again.", "",
           "| rule | 中文说明 | meaning |", "|---|---|---|"]
    for rule, (zh, en) in RULES.items():
        out.append(f"| `{rule}` | {zh} | {en} |")
    return "\n".join(out) + "\n"
