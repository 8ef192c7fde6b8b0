"""index.html: the release for a person. Key figures and charts in Chinese and English, drawn as
inline SVG from the catalogue queries' answers: no script, no CDN, opens from the folder."""

from __future__ import annotations

import html

import pandas as pd

from sanshe.queries.catalogue import execute

CSS = """body{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;margin:2em auto;max-width:980px;color:#222}
h1{font-size:1.6em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd}
.figs{display:flex;flex-wrap:wrap;gap:12px}.fig{border:1px solid #ddd;border-radius:6px;padding:10px 14px;min-width:140px}
.fig b{display:block;font-size:1.5em}.note{color:#666;font-size:.9em}table{border-collapse:collapse}td,th{padding:2px 8px;border-bottom:1px solid #eee}"""
COLOURS = ["#2b6cb0", "#38a169", "#d69e2e", "#c53030"]


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.1f}".rstrip("0").rstrip(".")


def bars(rows: list[tuple[str, list[float]]], series: list[str], unit: str = "") -> str:
    """Horizontal (stacked) bar chart as SVG: one bar per row, one colour per series."""
    width, label_w, bar_h, gap = 900, 260, 18, 6
    top = 24
    total = max((sum(v) for _, v in rows), default=0) or 1
    h = top + len(rows) * (bar_h + gap) + 10
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{h}" role="img" font-size="12">']
    for i, name in enumerate(series):
        out.append(f'<rect x="{label_w + i * 180}" y="4" width="12" height="12" fill="{COLOURS[i]}"/>'
                   f'<text x="{label_w + i * 180 + 16}" y="14">{html.escape(name)}</text>')
    for r, (label, values) in enumerate(rows):
        y = top + r * (bar_h + gap)
        out.append(f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end">{html.escape(label)}</text>')
        x = label_w
        for i, v in enumerate(values):
            w = (width - label_w - 90) * v / total
            out.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{COLOURS[i]}"/>')
            x += w
        out.append(f'<text x="{x + 4:.1f}" y="{y + 13}">{_fmt(sum(values))}{unit}</text>')
    out.append("</svg>")
    return "".join(out)


def render(store, tables: dict[str, pd.DataFrame], dataset: dict) -> str:
    snapshot = str(dataset["snapshot_date"])[:10]
    projects = tables["projects"]
    orgs = tables["organisations"]
    active = orgs[orgs["valid_to"].isna()]
    figures = [("社区", "communities", len(tables["communities"])),
               ("在册社会组织", "active organisations", len(active)),
               ("枢纽", "hubs", int(tables["hubs"]["valid_to"].isna().sum())),
               ("购买服务项目", "projects", len(projects)),
               ("合同金额（万元）", "contract value (10,000 yuan)", round(projects["contract_amount"].sum() / 10_000)),
               ("项目评估", "evaluations", len(tables["evaluations"]))]
    street = execute(store, "funding-by-street")
    by_year = projects.assign(year=projects["year"].astype(int)).groupby("year")["contract_amount"].sum()
    hubs = execute(store, "hub-coverage")
    linkage = execute(store, "community-linkage")
    grades = tables["evaluations"]["grade"].value_counts().reindex(["优秀", "良好", "合格", "不合格"], fill_value=0)
    missing = linkage["missing"].replace("", "none").value_counts()
    miss_rows = [(f"{zh} · {en}", [float(missing.get(key, 0))]) for key, zh, en in (
        ("organisation+social_worker", "缺社会组织和社工", "no organisation, no social worker"),
        ("organisation", "缺社会组织", "no organisation"), ("social_worker", "缺社工", "no social worker"),
        ("none", "三方齐备", "all three present"))]
    sections = [
        ("各街道购买服务资金（万元）", "Purchased-service funding by street (10,000 yuan)",
         "Each project's contract value is split equally among the communities it serves.",
         bars([(r["street"], [r["funding_yuan"] / 10_000]) for r in street.to_dict("records")], ["funding"])),
        ("历年购买服务资金（万元）", "Funding by award year (10,000 yuan)", "",
         bars([(str(y), [v / 10_000]) for y, v in by_year.items()], ["funding"])),
        ("枢纽党建覆盖", "Hub coverage: member organisations by party-building coverage",
         f"As of {snapshot}; active member organisations of each hub.",
         bars([(r["hub_name"], [r["with_party_branch"], r["with_liaison_only"], r["with_neither"]])
               for r in hubs.to_dict("records")], ["有党组织 party branch", "有联络员 liaison only", "都没有 neither"])),
        ("三社联动缺位的社区", "Communities missing one of the three parties",
         f"As of {snapshot}: serving organisations are providers of projects running that day.",
         bars(miss_rows, ["communities"])),
        ("项目评估等级", "Project evaluation grades", "",
         bars([(g, [float(n)]) for g, n in grades.items()], ["evaluations"])),
    ]
    figs = "".join(f'<div class="fig">{html.escape(zh)}<br><span class="note">{html.escape(en)}</span><b>{v:,}</b></div>'
                   for zh, en, v in figures)
    body = "".join(f"<h2>{html.escape(zh)} · {html.escape(en)}</h2><p class='note'>{html.escape(note)}</p>{svg}"
                   for zh, en, note, svg in sections)
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape(dataset['district_name'])}三社联动开放数据 · {snapshot}</title>
<style>{CSS}</style></head><body>
<h1>{html.escape(dataset['district_name'])}三社联动开放数据 · Community services open data</h1>
<p>数据截止 Data as of <b>{snapshot}</b> · 区县代码 district {html.escape(str(dataset['district_code']))} ·
许可 licence CC BY 4.0 · 文件说明见 <a href="README.md">README.md</a> · 表结构见 <a href="datapackage.json">datapackage.json</a></p>
<div class="figs">{figs}</div>
{body}
<p class="note">社会工作者只以人数统计发布，少于3人的单元格不公开。Social workers are published only as counts; cells under 3 are suppressed.</p>
</body></html>
"""
