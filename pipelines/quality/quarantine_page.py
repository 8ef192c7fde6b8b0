"""OUTPUT/quarantine/index.html: the quarantine report as a clerk reads it.

Errors first (those rows were not loaded), then warnings (those rows were loaded, but should be
checked), each grouped by register, file and rule with a count, the rule's fix beside it; a
filter by register, rule and severity (the page's own script, no network). Laid out to fit a
1366 px wide screen: fixed column widths, long messages wrap, headers do not.
"""

from __future__ import annotations

import html

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from data_contracts.rules import RULES, Severity

CSS = """body{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;margin:1em auto;max-width:1320px;
padding:0 10px;color:#222;font-size:14px}h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.4em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;width:100%;table-layout:fixed}td,th{border-bottom:1px solid #e4e4e4;padding:3px 6px;
text-align:left;vertical-align:top;overflow-wrap:anywhere}th{background:#f4f4f4;white-space:nowrap;overflow:hidden;
text-overflow:ellipsis}td.n{text-align:right}.acc td:nth-child(n+5):nth-child(-n+8){text-align:right}
details{border:1px solid #ddd;border-radius:4px;margin:6px 0;padding:4px 8px}summary{cursor:pointer}
.error summary b.sev{color:#b00020}.warning summary b.sev{color:#8a5a00}.fix{color:#444;margin:4px 0}
.bar{position:sticky;top:0;background:#fff;padding:6px 0;border-bottom:1px solid #ddd;z-index:1}
.bar label{margin-right:14px;white-space:nowrap}.k{color:#666}select{max-width:260px}"""
SCRIPT = """function sansheFilter(){var f={};['register','rule','severity'].forEach(function(k){
f[k]=document.getElementById('f-'+k).value});var shown=0;document.querySelectorAll('details.g').forEach(function(d){
var ok=(!f.register||d.dataset.register===f.register)&&(!f.rule||d.dataset.rule===f.rule)&&
(!f.severity||d.dataset.severity===f.severity);d.style.display=ok?'':'none';if(ok){shown+=+d.dataset.count}});
document.getElementById('shown').textContent=shown}
document.querySelectorAll('.bar select').forEach(function(s){s.addEventListener('change',sansheFilter)});"""
#: the columns of one issue row, with their widths in a 1300 px table
ROW_COLUMNS = [
    ("row", "行 Row", 70),
    ("sheet", "工作表 Sheet", 120),
    ("column", "列 Column", 150),
    ("value", "值 Value", 170),
    ("message_zh", "说明", 350),
    ("message_en", "Message", 440),
]
SEVERITY: dict[str, tuple[str, str]] = {
    Severity.ERROR: ("错误", "error: row not loaded"),
    Severity.WARNING: ("警告", "warning: row loaded, check it"),
}


def _e(v: object) -> str:
    return html.escape("" if v is None or (isinstance(v, float) and v != v) else str(v))


def _select(name: str, label: str, values: list[str]) -> str:
    options = "".join(f'<option value="{_e(v)}">{_e(v)}</option>' for v in values)
    return f'<label>{label} <select id="f-{name}"><option value="">全部 all</option>{options}</select></label>'


def _escaped(values: pd.Series) -> pd.Series:
    """`_e` of each value, the escaping done on the whole column (pyarrow): the national
    quarantine page escaped 139,000 cells one call each, a third of its 0.7 s."""
    # missing as `_e` has it once pandas' records box a missing value (pd.NA included)
    texts = pa.array(
        ["" if v is None or v is pd.NA or (isinstance(v, float) and v != v) else str(v) for v in values], pa.string()
    )
    for char, entity in _ENTITIES:
        texts = pc.replace_substring(texts, char, entity)
    return pd.Series(texts.to_numpy(zero_copy_only=False), index=values.index, dtype=object)


#: what html.escape(quote=True) replaces, `&` first
_ENTITIES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("'", "&#x27;"))


def _table_rows(issues: pd.DataFrame) -> pd.Series:
    """Each issue's table row (`<tr>` with a cell per ROW_COLUMNS column), by the issues' index,
    made a column at a time."""
    out = pd.Series("<tr>", index=issues.index, dtype=object)
    for c, _, _ in ROW_COLUMNS:
        out = out + f"<td{' class=n' if c == 'row' else ''}>" + _escaped(issues[c]) + "</td>"
    return out + "</tr>"


def _group(severity: str, source: str, file: str, rule: str, rows: pd.Series) -> str:
    """One group's details element; `rows`: its issues' table rows (`_table_rows`)."""
    zh, en = SEVERITY[severity]
    r = RULES.get(rule)
    fix = f'<p class="fix">修正 · Fix: {_e(r.fix)}</p>' if r is not None and r.fix else ""
    cols = "".join(f'<col style="width:{w}px">' for _, _, w in ROW_COLUMNS)
    head = "".join(f"<th>{h}</th>" for _, h, _ in ROW_COLUMNS)
    body = "".join(rows)
    return (
        f'<details class="g {_e(severity)}" data-register="{_e(source)}" data-rule="{_e(rule)}" '
        f'data-severity="{_e(severity)}" data-count="{len(rows)}"{" open" if severity == Severity.ERROR else ""}>'
        f'<summary><b class="sev">{zh} {en.split(":")[0]}</b> · <b>{len(rows)}</b> · {_e(source)} · '
        f"<code>{_e(file)}</code> · <code>{_e(rule)}</code></summary>{fix}"
        f"<table><colgroup>{cols}</colgroup><tr>{head}</tr>{body}</table></details>"
    )


def render(acc: pd.DataFrame, issues: pd.DataFrame) -> str:
    """The page. `acc` is the accounting (one row per register and file), `issues` every issue
    (errors and warnings) in `report_issues` order and columns."""
    order = {Severity.ERROR: 0, Severity.WARNING: 1}
    ranked = issues.assign(_sev=issues["severity"].map(order).fillna(2), _tr=_table_rows(issues))
    groups = []
    for (_, source, file, rule), rows in ranked.groupby(["_sev", "source", "file", "rule"], sort=True):
        groups.append(_group(rows["severity"].iloc[0], source, file, rule, rows["_tr"]))
    n_err = int((issues["severity"] == Severity.ERROR).sum())
    n_warn = int((issues["severity"] == Severity.WARNING).sum())
    acc_table = acc.to_html(index=False, escape=True, border=0, classes="acc", na_rep="")
    bar = (
        f'<div class="bar">{_select("severity", "严重程度 Severity", [Severity.ERROR, Severity.WARNING])}'
        f"{_select('register', '登记册 Register', sorted(issues['source'].unique()))}"
        f"{_select('rule', '规则 Rule', sorted(issues['rule'].unique()))}"
        f'显示 shown: <b id="shown">{len(issues)}</b></div>'
    )
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width"><title>隔离报告 Quarantine report</title><style>{CSS}</style>
</head><body>
<h1>隔离报告 · Quarantine report</h1>
<p>错误 <b>{n_err}</b> 条：所在行<b>未导入</b>，请修正源文件后重新运行。警告 <b>{n_warn}</b> 条：所在行<b>已导入</b>，但请核对。<br>
<b>{n_err}</b> errors: those rows were <b>not loaded</b>; fix the source file and run again.
<b>{n_warn}</b> warnings: those rows <b>were loaded</b>, but should be checked.
Each group is one file and one rule; the rows give sheet, row, column and a plain message.</p>
{bar}
<h2>问题（先错误后警告） · Issues, errors first</h2>
{"".join(groups) or "<p>没有问题 · no issues</p>"}
<h2>核对 · Accounting (rows read = accepted + quarantined)</h2>{acc_table}
<script>{SCRIPT}</script>
</body></html>
"""
