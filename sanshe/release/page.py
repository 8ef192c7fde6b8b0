"""index.html: the release for a person. Key figures and charts in Chinese and English, drawn as
inline SVG from the catalogue queries' answers, links to every file of the release and a search
box into the explorer (explore/). No CDN: opens from the folder; only the search needs scripts,
which are the release's own (explore/search.js)."""

from __future__ import annotations

import html

import pandas as pd

from pipelines.graph.protocol import GraphStore
from sanshe.queries.catalogue import execute

from . import explorer

CSS = """body{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;margin:2em auto;max-width:980px;color:#222}
h1{font-size:1.6em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd}
.figs{display:flex;flex-wrap:wrap;gap:12px}.fig{border:1px solid #ddd;border-radius:6px;padding:10px 14px;min-width:140px}
.fig b{display:block;font-size:1.5em}#q{font-size:1.1em;padding:6px 10px;width:min(560px,100%)}
.warn{background:#fff4e5;border-left:4px solid #d69e2e;padding:6px 10px}.k{color:#777;font-size:.85em}
.files td:first-child{white-space:nowrap}.note{color:#666;font-size:.9em}table{border-collapse:collapse}td,th{padding:2px 8px;border-bottom:1px solid #eee}"""
COLOURS = ["#2b6cb0", "#38a169", "#d69e2e", "#c53030"]


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.1f}".rstrip("0").rstrip(".")


def text_width(text: str, size: int = 12) -> float:
    """About how wide `text` is drawn at `size` px: a CJK character is one em, others about 0.6."""
    return sum(size if ord(ch) > 0x2E80 else 0.6 * size for ch in text)


def bars(rows: list[tuple[str, list[float]]], series: list[str], unit: str = "", links: list[str] | None = None) -> str:
    """Horizontal (stacked) bar chart as SVG: one bar per row, one colour per series; the label
    column is as wide as the longest label; with `links`, each row's label links there."""
    width, bar_h, gap = 900, 18, 6
    label_w = max(120, round(max((text_width(label) for label, _ in rows), default=0)) + 12)
    top = 24
    total = max((sum(v) for _, v in rows), default=0) or 1
    h = top + len(rows) * (bar_h + gap) + 10
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{h}" role="img" font-size="12">']
    for i, name in enumerate(series):
        out.append(
            f'<rect x="{label_w + i * 180}" y="4" width="12" height="12" fill="{COLOURS[i]}"/>'
            f'<text x="{label_w + i * 180 + 16}" y="14">{html.escape(name)}</text>'
        )
    for r, (label, values) in enumerate(rows):
        y = top + r * (bar_h + gap)
        text = f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end">{html.escape(label)}</text>'
        if links and links[r]:
            text = f'<a href="{html.escape(links[r])}" fill="#1a4f8b">{text}</a>'
        out.append(text)
        x: float = label_w
        for i, v in enumerate(values):
            w = (width - label_w - 90) * v / total
            out.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{COLOURS[i]}"/>')
            x += w
        out.append(f'<text x="{x + 4:.1f}" y="{y + 13}">{_fmt(sum(values))}{unit}</text>')
    out.append("</svg>")
    return "".join(out)


def render(
    store: GraphStore,
    tables: dict[str, pd.DataFrame],
    dataset: dict,
    ocid_prefix: str,
    placeholder: bool,
    files: list[tuple[list[str], str]],
    licence: dict,
) -> str:
    """The page. `files` are ([paths in the release], description) to link to; `placeholder` says
    the OCDS ocid prefix is still the default one; `licence` is the release's (a Data Package
    licence: `name`, `path`, `title`), named with its address as text (the page links only
    to files of the release, so that it opens offline)."""
    snapshot = str(dataset["snapshot_date"])[:10]
    projects = tables["projects"]
    orgs = tables["organisations"]
    active = orgs[orgs["valid_to"].isna()]
    figures = [
        ("社区", "communities", len(tables["communities"])),
        ("在册社会组织", "active organisations", len(active)),
        ("枢纽", "hubs", int(tables["hubs"]["valid_to"].isna().sum())),
        ("购买服务项目", "projects", len(projects)),
        ("合同金额（万元）", "contract value (10,000 yuan)", round(projects["contract_amount"].sum() / 10_000)),
        ("项目评估", "evaluations", len(tables["evaluations"])),
    ]
    street = execute(store, "funding-by-street")
    by_year = projects.assign(year=projects["year"].astype(int)).groupby("year")["contract_amount"].sum()
    hubs = execute(store, "hub-coverage")
    linkage = execute(store, "community-linkage")
    grades = tables["evaluations"]["grade"].value_counts().reindex(["优秀", "良好", "合格", "不合格"], fill_value=0)
    missing = linkage["missing"].replace("", "none").value_counts()
    miss_rows = [
        (f"{zh} · {en}", [float(missing.get(key, 0))])
        for key, zh, en in (
            ("organisation+social_worker", "缺社会组织和社工", "no organisation, no social worker"),
            ("organisation", "缺社会组织", "no organisation"),
            ("social_worker", "缺社工", "no social worker"),
            ("none", "三方齐备", "all three present"),
        )
    ]
    sections = [
        (
            "各街道购买服务资金（万元）",
            "Purchased-service funding by street (10,000 yuan)",
            "Each project's contract value is split equally among the communities it serves.",
            bars(
                [(r["street"], [r["funding_yuan"] / 10_000]) for r in street.to_dict("records")],
                ["funding"],
                links=[f"explore/index.html#street-{r['street_code']}" for r in street.to_dict("records")],
            ),
        ),
        (
            "历年购买服务资金（万元）",
            "Funding by award year (10,000 yuan)",
            "",
            bars([(str(y), [v / 10_000]) for y, v in by_year.items()], ["funding"]),
        ),
        (
            "枢纽党建覆盖",
            "Hub coverage: member organisations by party-building coverage",
            f"As of {snapshot}; active member organisations of each hub.",
            bars(
                [
                    (r["hub_name"], [r["with_party_branch"], r["with_liaison_only"], r["with_neither"]])
                    for r in hubs.to_dict("records")
                ],
                ["有党组织 party branch", "有联络员 liaison only", "都没有 neither"],
                links=[f"explore/{explorer.href('hub', r['hub_id'], 0)}" for r in hubs.to_dict("records")],
            ),
        ),
        (
            "三社联动缺位的社区",
            "Communities missing one of the three parties",
            f"As of {snapshot}: serving organisations are providers of projects running that day.",
            bars(
                miss_rows,
                ["communities"],
                links=[
                    f"explore/index.html#linkage-{k}"
                    for k in ("organisation-social_worker", "organisation", "social_worker", "none")
                ],
            ),
        ),
        (
            "项目评估等级",
            "Project evaluation grades",
            "",
            bars(
                [(g, [float(n)]) for g, n in grades.items()],
                ["evaluations"],
                links=[f"explore/index.html#grade-{g}" for g in grades.index],
            ),
        ),
    ]
    figs = "".join(
        f'<div class="fig">{html.escape(zh)}<br><span class="note">{html.escape(en)}</span><b>{v:,}</b></div>'
        for zh, en, v in figures
    )
    body = "".join(
        f"<h2>{html.escape(zh)} · {html.escape(en)}</h2><p class='note'>{html.escape(note)}</p>{svg}"
        for zh, en, note, svg in sections
    )
    links = "".join(
        "<tr><td>"
        + " · ".join(f'<a href="{html.escape(p)}">{html.escape(p)}</a>' for p in paths)
        + f"</td><td>{html.escape(what)}</td></tr>"
        for paths, what in files
    )
    warn = (
        f'<p class="warn">OCDS 标识前缀 ocid prefix <code>{html.escape(ocid_prefix)}</code> 是默认占位值：正式发布前请向'
        f" Open Contracting Partnership 申请前缀。The OCDS ocid prefix is the default placeholder; register a prefix "
        f"with the Open Contracting Partnership before publishing (<code>sanshe release --ocid-prefix</code>).</p>"
        if placeholder
        else ""
    )
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape(dataset["district_name"])}三社联动开放数据 · {snapshot}</title>
<style>{CSS}</style></head><body>
<h1>{html.escape(dataset["district_name"])}三社联动开放数据 · Community services open data</h1>
<p>数据截止 Data as of <b>{snapshot}</b> · 区县代码 district {html.escape(str(dataset["district_code"]))} ·
许可 licence {html.escape(licence.get("title") or licence["name"])} ({html.escape(licence["path"])}) · OCDS ocid prefix <code>{html.escape(ocid_prefix)}</code></p>
{warn}
<h2>查找 · Look up</h2>
<p>社会组织、社区、枢纽、购买主体或项目：输入名称或代码。Organisation, community, hub, purchaser or project: type a
name or a code. <a href="explore/index.html">全部浏览 Browse everything</a></p>
<input id="q" type="search" placeholder="名称或代码 name or code" autocomplete="off">
<ul id="hits"></ul>
<script src="explore/search.js"></script>
<script>var q=document.getElementById('q');q.addEventListener('input',function(){{sansheSearch(q,document.getElementById('hits'),'explore/')}});</script>
<div class="figs">{figs}</div>
{body}
<h2>文件 · Files</h2>
<table class="files">{links}</table>
<p class="note">社会工作者只以人数统计发布，少于3人的单元格不公开。Social workers are published only as counts; cells under 3 are suppressed.</p>
</body></html>
"""
