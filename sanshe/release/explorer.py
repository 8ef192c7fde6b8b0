"""explore/: one static page per organisation, community, hub, purchaser and project, and a
search over names and codes. Opens from the folder (file://), needs no server and no network.

Built from the release's own tables plus the graph's histories that the tables do not carry
(grade, credit-list, annual inspection and party-building links) and the community-linkage
query. People never appear: social workers only as the release's suppressed counts, a party
liaison only as "has one". Every list is sorted, nothing reads the clock: the same graph gives
the same pages, byte for byte.

Layout: explore/index.html (search and lists), explore/search.js (the search index, loaded by a
script tag since file:// pages cannot fetch), explore/style.css, explore/<kind>/<id>.html.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import SupportsFloat

import pandas as pd

KINDS = {
    "org": ("社会组织", "Organisation"),
    "community": ("社区", "Community"),
    "hub": ("枢纽", "Hub"),
    "purchaser": ("购买主体", "Purchaser"),
    "project": ("项目", "Project"),
}
MISSING = {
    "organisation+social_worker": ("缺社会组织和社工", "no organisation, no social worker"),
    "organisation": ("缺社会组织", "no organisation"),
    "social_worker": ("缺社工", "no social worker"),
    "": ("三方齐备", "all three present"),
}
CSS = """body{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;margin:1.5em auto;max-width:1100px;
padding:0 12px;color:#222;line-height:1.45}h1{font-size:1.45em;margin:.3em 0}h2{font-size:1.1em;margin-top:1.6em;
border-bottom:1px solid #ddd}nav{font-size:.9em;margin-bottom:1em}nav a{margin-right:1em}.note{color:#666;font-size:.9em}
table{border-collapse:collapse;margin:.4em 0}td,th{padding:3px 8px;border-bottom:1px solid #eee;text-align:left;
vertical-align:top}th{background:#f6f6f6;white-space:nowrap}td.n{text-align:right;font-variant-numeric:tabular-nums}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px}dt{color:#555}dd{margin:0}
#q{font-size:1.1em;padding:6px 10px;width:min(560px,100%)}#hits li{margin:2px 0}.k{color:#777;font-size:.85em}"""
SEARCH_JS = """function sansheSearch(input,list,prefix){var q=input.value.trim().toLowerCase();list.innerHTML='';
if(!q){return}var n=0;for(var i=0;i<SANSHE_INDEX.length&&n<50;i++){var e=SANSHE_INDEX[i];
if(e[0].toLowerCase().indexOf(q)<0&&e[1].toLowerCase().indexOf(q)<0){continue}n++;
var li=document.createElement('li');var a=document.createElement('a');a.href=prefix+e[3];a.textContent=e[0];
var k=document.createElement('span');k.className='k';k.textContent=' '+e[1]+' · '+e[2];li.appendChild(a);
li.appendChild(k);list.appendChild(li)}if(!n){list.innerHTML='<li>没有结果 · no match</li>'}}"""


def _e(v: object) -> str:
    return html.escape("" if v is None or (isinstance(v, float) and v != v) or v is pd.NaT else str(v))


def _day(v: object) -> str:
    if v is None or v is pd.NaT or (isinstance(v, float) and v != v):
        return ""
    return str(v.date() if isinstance(v, pd.Timestamp) else v)[:10]


def _count(v: object) -> object:
    return int(v) if isinstance(v, float) and v == v and v.is_integer() else v


def _yuan(v: SupportsFloat | None) -> str:
    return "" if v is None or pd.isna(v) else f"{float(v):,.0f}"


def file_name(key: str) -> str:
    """A page's file name for an id: the id itself when it is plain, else a stable hash."""
    return (
        f"{key}.html"
        if re.fullmatch(r"[A-Za-z0-9_.\-]+", key)
        else f"x{hashlib.sha1(key.encode()).hexdigest()[:16]}.html"
    )


def href(kind: str, key: str, depth: int = 1) -> str:
    """Link to an entity page from a page `depth` folders below explore/ (0 = explore/ itself)."""
    return "../" * depth + f"{kind}/{file_name(key)}"


def _a(kind: str, key: str, text: object, depth: int = 1, anchor: str = "") -> str:
    return f'<a href="{href(kind, key, depth)}{_e(anchor)}">{_e(text)}</a>'


def _table(head: list[str], rows: Iterable[list[str]], numeric: Iterable[int] = ()) -> str:
    """Cells are HTML already (escape before); `numeric` columns are right-aligned."""
    numeric = set(numeric)
    rows = list(rows)
    if not rows:
        return '<p class="note">无 · none</p>'
    th = "".join(f"<th>{h}</th>" for h in head)
    body = "".join(
        "<tr>" + "".join(f"<td{' class=n' if i in numeric else ''}>{c}</td>" for i, c in enumerate(r)) + "</tr>"
        for r in rows
    )
    return f"<table><tr>{th}</tr>{body}</table>"


def _dl(pairs: list[tuple[str, str]]) -> str:
    return "<dl>" + "".join(f"<dt>{k}</dt><dd>{v or '—'}</dd>" for k, v in pairs) + "</dl>"


def _sections(*sections: tuple[str, str]) -> str:
    """A page's body: each (heading, HTML) as an <h2> and what follows it."""
    return "".join(f"<h2>{heading}</h2>{html}" for heading, html in sections)


def _page(title: str, kind: str, body: str, depth: int = 1) -> str:
    up = "../" * depth
    zh, en = KINDS.get(kind, ("浏览", "Explorer"))
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{_e(title)} · {zh} {en}</title><link rel="stylesheet" href="{up}style.css"></head><body>
<nav><a href="{up}../index.html">← 发布首页 Release home</a><a href="{up}index.html">浏览与搜索 Explore &amp; search</a></nav>
<p class="k">{zh} · {en}</p><h1>{_e(title)}</h1>
{body}
<p class="note">社会工作者只以人数统计发布，少于3人不公开。Social workers appear only as counts; counts under 3 are not published.</p>
</body></html>
"""


def _by(frame: pd.DataFrame, key: str, order: list[str]) -> dict[str, list[dict]]:
    """Rows of `frame` as records per value of `key`, sorted by `order` (missing values first)."""
    out: dict[str, list[dict]] = {}
    for r in frame.sort_values(order, kind="stable", na_position="first").to_dict("records"):
        out.setdefault(r[key], []).append(r)
    return out


def _names(frame: pd.DataFrame, key: str) -> dict[str, str]:
    return dict(zip(frame[key], frame["name"], strict=True))


def _blank(v: object) -> bool:
    return v is None or v is pd.NaT or (isinstance(v, float) and v != v)


class Explorer:
    """Everything the pages need, indexed once: `frames` are the release's tables by name, `dump`
    the graph's node and relationship tables, `linkage` the community-linkage query's answer at
    the snapshot, `coverage` hub-coverage's."""

    def __init__(
        self,
        frames: dict[str, pd.DataFrame],
        dump: dict[str, pd.DataFrame],
        linkage: pd.DataFrame,
        coverage: pd.DataFrame,
        ocid_prefix: str,
    ):
        self.t = frames
        self.g = dump
        self.ocid_prefix = ocid_prefix
        self.linkage = {r["community_code"]: r for r in linkage.to_dict("records")}
        self.coverage = {r["hub_id"]: r for r in coverage.to_dict("records")}
        self.org_name, self.buyer_name = _names(frames["organisations"], "uscc"), _names(frames["purchasers"], "uscc")
        self.hub_name, self.street_name = _names(frames["hubs"], "hub_id"), _names(frames["streets"], "code")
        self.community_name = _names(frames["communities"], "code")
        self.fund_name = _names(frames["funding_sources"], "code")
        self.projects = frames["projects"].sort_values("project_id")
        self.evals = frames["evaluations"].sort_values(["project_id", "eval_date", "evaluation_id"])
        self.served = frames["project_communities"]
        # records grouped once (a pandas filter per page costs minutes at city scale)
        by = _by
        self.project_of = {r["project_id"]: r for r in self.projects.to_dict("records")}
        self.won = by(self.projects, "provider_uscc", ["award_date", "project_id"])
        self.bought = by(self.projects, "purchaser_uscc", ["award_date", "project_id"])
        self.evals_of = by(self.evals, "project_id", ["eval_date", "evaluation_id"])
        self.communities_of = by(self.served, "project_id", ["community_code"])
        self.projects_in = by(self.served, "community_code", ["project_id"])
        self.member_of = by(frames["hub_memberships"], "uscc", ["valid_from", "hub_id"])
        self.members = by(frames["hub_memberships"], "hub_id", ["valid_to", "valid_from", "uscc"])
        self.sub_hubs = by(frames["hubs"].dropna(subset=["parent_hub_id"]), "parent_hub_id", ["hub_id"])
        self.funding_of = by(frames["project_funding"], "project_id", ["funding_source_code"])
        self.workers = {
            t: by(frames[t], k, ["level"])
            for t, k in (("worker_counts_by_organisation", "uscc"), ("worker_counts_by_community", "community_code"))
        }
        self.history: dict[str, dict[str, list[dict]]] = {
            rel: by(dump[rel], "from", ["valid_from", "to"])
            for rel in (
                "HAS_GRADE:SocialOrganisation->OrgGrade",
                "ON_CREDIT_LIST:SocialOrganisation->CreditList",
                "HAS_PARTY_BRANCH:SocialOrganisation->PartyBranch",
            )
            if rel in dump
        }
        insp = dump["HAS_INSPECTION:SocialOrganisation->AnnualInspection"].merge(
            dump["AnnualInspection"], left_on="to", right_on="key"
        )
        self.inspections = by(insp, "from", ["year"])
        liaison = dump.get("LIAISON_FOR:PartyLiaison->SocialOrganisation")
        self.with_liaison = set() if liaison is None else set(liaison.loc[liaison["valid_to"].isna(), "to"])
        self.list_name = _names(dump["CreditList"], "code") if "CreditList" in dump else {}

    # -- small lookups ------------------------------------------------------------------------

    def _workers(self, table: str, value: str) -> str:
        return _table(
            ["职业水平 Level", "人数 Workers"],
            (
                [_e(r["level"]), "&lt;3（不公开 not published）" if r["suppressed"] else _e(r["workers"])]
                for r in self.workers[table].get(value, [])
            ),
            [1],
        )

    def _project_rows(
        self, projects: list[dict], depth: int, with_provider: bool = True, with_buyer: bool = True
    ) -> str:
        rows = []
        for p in projects:
            grades = " ".join(
                _a("project", p["project_id"], e["grade"], depth, f"#{e['evaluation_id']}")
                for e in self.evals_of.get(p["project_id"], [])
            )
            row = [_a("project", p["project_id"], p["name"], depth), _e(p["category"]), _e(_day(p["award_date"]))]
            if with_buyer:
                row.append(_a("purchaser", p["purchaser_uscc"], self.buyer_name.get(p["purchaser_uscc"], ""), depth))
            if with_provider:
                row.append(_a("org", p["provider_uscc"], self.org_name.get(p["provider_uscc"], ""), depth))
            rows.append([*row, _yuan(p["contract_amount"]), grades or "—"])
        head = [
            "项目 Project",
            "类别 Category",
            "中标 Awarded",
            *(["购买主体 Purchaser"] if with_buyer else []),
            *(["承接机构 Provider"] if with_provider else []),
            "合同金额（元） Amount (yuan)",
            "评估 Evaluations",
        ]
        return _table(head, rows, [len(head) - 2])

    def _history(self, rel: str, uscc: str) -> list[dict]:
        return self.history.get(rel, {}).get(uscc, [])

    # -- pages --------------------------------------------------------------------------------

    def organisation(self, o: dict) -> str:
        uscc = o["uscc"]
        reg = _dl(
            [
                ("统一社会信用代码 USCC", _e(uscc)),
                ("开放数据标识 Org id", _e(o["org_id"])),
                ("类型 Type", _e(o["org_type"])),
                ("登记机关 Registered by", _e(o["registration_authority"])),
                ("成立登记 Registered on", _e(_day(o["registration_date"]))),
                ("状态 Status", f"{_e(o['status'])} {_e(_day(o['status_date']))}"),
                ("住所所在街道 Street", _e(self.street_name.get(o["street_code"], o["street_code"]))),
                ("业务范围 Scope", _e(o["business_scope"])),
                ("党员人数 Party members", _e(_count(o["party_members"]))),
                ("有效期 Active", f"{_e(_day(o['valid_from']))} – {_e(_day(o['valid_to'])) or '至今 now'}"),
            ]
        )
        grades = self._history("HAS_GRADE:SocialOrganisation->OrgGrade", uscc)
        grade_t = _table(
            ["等级 Grade", "评定日期 Graded on", "起 From", "止 Until"],
            (
                [_e(r["to"]), _e(_day(r["graded_on"])), _e(_day(r["valid_from"])), _e(_day(r["valid_to"]))]
                for r in grades
            ),
        )
        credit = self._history("ON_CREDIT_LIST:SocialOrganisation->CreditList", uscc)
        lists = self.list_name
        credit_t = _table(
            ["名录 List", "原因 Reason", "列入 From", "移出 Until"],
            (
                [_e(lists.get(r["to"], r["to"])), _e(r["reason"]), _e(_day(r["valid_from"])), _e(_day(r["valid_to"]))]
                for r in credit
            ),
        )
        insp = self.inspections.get(uscc, [])
        insp_t = _table(
            ["年度 Year", *(_e(r["year"]) for r in insp)], [["结论 Result", *(_e(r["result"]) for r in insp)]]
        )
        mem = self.member_of.get(uscc, [])
        hubs_t = _table(
            ["枢纽 Hub", "起 From", "止 Until"],
            (
                [
                    _a("hub", r["hub_id"], self.hub_name.get(r["hub_id"], r["hub_id"])),
                    _e(_day(r["valid_from"])),
                    _e(_day(r["valid_to"])),
                ]
                for r in mem
            ),
        )
        branch = self._history("HAS_PARTY_BRANCH:SocialOrganisation->PartyBranch", uscc)
        now_branch = any(_blank(r["valid_to"]) for r in branch)
        now_liaison = uscc in self.with_liaison
        party = _dl(
            [
                ("党组织 Party branch", "有 yes" if now_branch else "无 no"),
                ("党建联络员 Party liaison", "有 yes" if now_liaison else "无 no"),
            ]
        )
        won = self.won.get(uscc, [])
        body = _sections(
            ("登记信息 · Registration", reg),
            ("等级评估 · Grade history", grade_t),
            ("信用名录 · Credit lists", credit_t),
            ("年度检查 · Annual inspections", insp_t),
            ("枢纽成员 · Hub membership", hubs_t),
            ("党建覆盖 · Party-building coverage", party),
            (f"承接项目（{len(won)}） · Projects won ({len(won)})", self._project_rows(won, 1, with_provider=False)),
            ("持证社工 · Certified social workers", self._workers("worker_counts_by_organisation", uscc)),
        )
        return _page(o["name"], "org", body)

    def community(self, c: dict) -> str:
        code = c["code"]
        link = self.linkage.get(code)
        missing = "" if link is None else link["missing"]
        zh, en = MISSING.get(missing, (missing, missing))
        facts = _dl(
            [
                ("社区代码 Code", _e(code)),
                ("类型 Kind", _e(c["kind"])),
                ("人口 Population", _e(c["population"])),
                ("街道 Street", _e(self.street_name.get(c["street_code"], c["street_code"]))),
                ("三社联动 Three-way linkage", f"{zh} · {en}"),
                ("服务的社会组织 Serving organisations", _e("" if link is None else link["organisations"])),
                ("正在实施的项目 Projects running", _e("" if link is None else link["projects"])),
            ]
        )
        projects = sorted(
            (self.project_of[r["project_id"]] for r in self.projects_in.get(code, [])),
            key=lambda p: (p["award_date"], p["project_id"]),
        )
        funded = sum(p["contract_amount"] / len(self.communities_of[p["project_id"]]) for p in projects)
        body = _sections(
            (
                "概况 · Facts",
                f"{facts}<p class='note'>As of the snapshot; serving organisations are providers "
                f"of projects running that day.</p>",
            ),
            (
                "持证社工（服务本社区） · Certified social workers serving it",
                self._workers("worker_counts_by_community", code),
            ),
            (
                f"服务本社区的项目（{len(projects)}） · Projects serving it ({len(projects)})",
                f"<p>资金（按服务社区数均分）Funding, each contract split equally among the communities it serves: "
                f"<b>{_yuan(funded)}</b> 元 yuan</p>{self._project_rows(projects, 1)}",
            ),
        )
        return _page(c["name"], "community", body)

    def hub(self, h: dict) -> str:
        hid = h["hub_id"]
        parent = h["parent_hub_id"]
        facts = _dl(
            [
                ("编号 Id", _e(hid)),
                ("类型 Kind", _e(h["kind"])),
                ("行业 Industry", _e(h["industry"])),
                (
                    "上级枢纽 Parent",
                    "" if not isinstance(parent, str) else _a("hub", parent, self.hub_name.get(parent, parent)),
                ),
                (
                    "街道 Street",
                    _e(self.street_name.get(h["street_code"], "")) if isinstance(h["street_code"], str) else "",
                ),
                ("有效期 Active", f"{_e(_day(h['valid_from']))} – {_e(_day(h['valid_to'])) or '至今 now'}"),
            ]
        )
        subs_t = _table(
            ["下级枢纽 Sub-hub", "类型 Kind"],
            ([_a("hub", s["hub_id"], s["name"]), _e(s["kind"])] for s in self.sub_hubs.get(hid, [])),
        )
        cov = self.coverage.get(hid)
        cov_t = (
            ""
            if cov is None
            else _dl(
                [
                    ("在册成员 Active members", _e(cov["members"])),
                    ("有党组织 With a party branch", _e(cov["with_party_branch"])),
                    ("仅有联络员 Liaison only", _e(cov["with_liaison_only"])),
                    ("都没有 Neither", _e(cov["with_neither"])),
                ]
            )
        )
        mem = self.members.get(hid, [])
        mem_t = _table(
            ["成员组织 Member", "起 From", "止 Until"],
            (
                [
                    _a("org", m["uscc"], self.org_name.get(m["uscc"], m["uscc"])),
                    _e(_day(m["valid_from"])),
                    _e(_day(m["valid_to"])) or "至今 now",
                ]
                for m in mem
            ),
        )
        body = _sections(
            ("概况 · Facts", facts),
            ("党建覆盖 · Party-building coverage of members", cov_t),
            ("下级枢纽 · Sub-hubs", subs_t),
            (f"成员（{len(mem)}） · Memberships ({len(mem)})", mem_t),
        )
        return _page(h["name"], "hub", body)

    def purchaser(self, b: dict) -> str:
        mine = self.bought.get(b["uscc"], [])
        by_year: dict[int, list[float]] = {}
        for p in mine:
            by_year.setdefault(int(p["year"]), []).append(p["contract_amount"])
        years = _table(
            ["年度 Year", "项目 Projects", "合同金额（元） Amount (yuan)"],
            ([_e(y), _e(len(v)), _yuan(sum(v))] for y, v in sorted(by_year.items())),
            [1, 2],
        )
        facts = _dl(
            [
                ("统一社会信用代码 USCC", _e(b["uscc"])),
                ("开放数据标识 Org id", _e(b["org_id"])),
                ("项目数 Projects", _e(len(mine))),
                ("合同总额（元） Total (yuan)", _yuan(sum(p["contract_amount"] for p in mine))),
            ]
        )
        body = _sections(
            ("概况 · Facts", facts),
            ("历年 · By year", years),
            ("购买的项目 · Projects commissioned", self._project_rows(mine, 1, with_buyer=False)),
        )
        return _page(b["name"], "purchaser", body)

    def project(self, p: dict) -> str:
        pid = p["project_id"]
        facts = _dl(
            [
                ("项目编号 Id", _e(pid)),
                ("OCDS ocid", _e(f"{self.ocid_prefix}-{pid}")),
                ("类别 Category", _e(p["category"])),
                ("采购方式 Procurement method", _e(p["procurement_method"])),
                (
                    "购买主体 Purchaser",
                    _a("purchaser", p["purchaser_uscc"], self.buyer_name.get(p["purchaser_uscc"], "")),
                ),
                ("承接机构 Provider", _a("org", p["provider_uscc"], self.org_name.get(p["provider_uscc"], ""))),
                ("预算（元） Budget (yuan)", _yuan(p["budget"])),
                ("合同金额（元） Amount (yuan)", _yuan(p["contract_amount"])),
                ("中标日期 Awarded", _e(_day(p["award_date"]))),
                ("服务期 Period", f"{_e(_day(p['start_date']))} – {_e(_day(p['end_date']))}"),
            ]
        )
        codes = [r["community_code"] for r in self.communities_of.get(pid, [])]
        served = _table(
            ["社区 Community", "代码 Code"], ([_a("community", c, self.community_name.get(c, c)), _e(c)] for c in codes)
        )
        fund = self.funding_of.get(pid, [])
        fund_t = _table(
            ["资金来源 Source", "金额（元） Amount (yuan)"],
            (
                [_e(self.fund_name.get(f["funding_source_code"], f["funding_source_code"])), _yuan(f["amount"])]
                for f in fund
            ),
            [1],
        )
        evs = (
            "".join(
                f'<div id="{_e(e["evaluation_id"])}" class="ev"><h3>{_e(e["evaluation_id"])}</h3>'
                + _dl(
                    [
                        ("等级 Grade", _e(e["grade"])),
                        ("得分 Score", _e(e["score"])),
                        ("评估日期 Date", _e(_day(e["eval_date"]))),
                        ("评估机构 Evaluator", _e(e["evaluator"])),
                    ]
                )
                + "</div>"
                for e in self.evals_of.get(pid, [])
            )
            or '<p class="note">尚无 · none yet</p>'
        )
        body = _sections(
            ("概况 · Facts", facts),
            ("服务社区 · Communities served", served),
            ("资金 · Funding", fund_t),
            ("绩效评估 · Evaluations", evs),
        )
        return _page(p["name"], "project", body)

    # -- index --------------------------------------------------------------------------------

    def entries(self) -> list[tuple[str, str, str, str]]:
        """(name, code, kind label, link from explore/) of every page, in page order."""
        t = self.t
        out = [
            (r["name"], r["uscc"], "社会组织 organisation", href("org", r["uscc"], 0))
            for r in t["organisations"].sort_values("uscc").to_dict("records")
        ]
        out += [
            (r["name"], r["code"], "社区 community", href("community", r["code"], 0))
            for r in t["communities"].sort_values("code").to_dict("records")
        ]
        out += [
            (r["name"], r["hub_id"], "枢纽 hub", href("hub", r["hub_id"], 0))
            for r in t["hubs"].sort_values("hub_id").to_dict("records")
        ]
        out += [
            (r["name"], r["uscc"], "购买主体 purchaser", href("purchaser", r["uscc"], 0))
            for r in t["purchasers"].sort_values("uscc").to_dict("records")
        ]
        out += [
            (r["name"], r["project_id"], "项目 project", href("project", r["project_id"], 0))
            for r in self.project_of.values()
        ]
        return out

    def index(self) -> str:
        communities = self.t["communities"].sort_values(["street_code", "code"])
        by_street = []
        for street, grp in communities.groupby("street_code", sort=True):
            links = "、".join(_a("community", c["code"], c["name"], 0) for c in grp.to_dict("records"))
            by_street.append(
                f'<h3 id="street-{_e(street)}">{_e(self.street_name.get(street, street))} '
                f'<span class="k">{_e(street)}</span></h3><p>{links}</p>'
            )
        missing = []
        for key, (zh, en) in MISSING.items():
            codes = sorted(c for c, r in self.linkage.items() if r["missing"] == key)
            anchor = key.replace("+", "-") or "none"
            missing.append(
                f'<h3 id="linkage-{anchor}">{zh} · {en} ({len(codes)})</h3><p>'
                + "、".join(_a("community", c, self.community_name.get(c, c), 0) for c in codes)
                + "</p>"
            )
        grades = []
        for g in ("优秀", "良好", "合格", "不合格"):
            ev = self.evals[self.evals["grade"] == g]
            grades.append(
                f'<h3 id="grade-{g}">{g} ({len(ev)})</h3><p>'
                + "、".join(
                    _a("project", e["project_id"], e["evaluation_id"], 0, f"#{e['evaluation_id']}")
                    for e in ev.sort_values("evaluation_id").to_dict("records")
                )
                + "</p>"
            )
        lists = []
        for kind, table, key in (("hub", "hubs", "hub_id"), ("purchaser", "purchasers", "uscc")):
            rows = self.t[table].sort_values(key).to_dict("records")
            lists.append(
                f"<h2>{KINDS[kind][0]} · {KINDS[kind][1]}s ({len(rows)})</h2><p>"
                + "、".join(_a(kind, r[key], r["name"], 0) for r in rows)
                + "</p>"
            )
        body = f"""<p>按名称或代码搜索社会组织、社区、枢纽、购买主体和项目。Search organisations, communities, hubs,
purchasers and projects by name or code (USCC, community code, project id).</p>
<input id="q" type="search" placeholder="名称或代码 name or code" autocomplete="off" autofocus>
<ul id="hits"></ul>
<script src="search.js"></script>
<script>var q=document.getElementById('q');q.addEventListener('input',function(){{sansheSearch(q,document.getElementById('hits'),'')}});</script>
{"".join(lists)}
<h2>社区（按街道） · Communities by street</h2>{"".join(by_street)}
<h2>三社联动 · Three-way linkage at the snapshot</h2>{"".join(missing)}
<h2>评估等级 · Evaluations by grade</h2>{"".join(grades)}
<p class="note">社会组织 {len(self.t["organisations"])} 家、项目 {len(self.projects)} 个：用上面的搜索框查找。
{len(self.t["organisations"])} organisations and {len(self.projects)} projects: find them with the search box.</p>"""
        return _page("浏览与搜索 · Explore and search", "", body, depth=0)

    def search_js(self) -> str:
        data = json.dumps([list(e) for e in self.entries()], ensure_ascii=False, separators=(",", ":"))
        return f"var SANSHE_INDEX={data};\n{SEARCH_JS}\n"


def write(folder: Path, explorer: Explorer) -> int:
    """Write every page under `folder`; the number of files written."""
    jobs = [
        ("org", "organisations", "uscc", explorer.organisation),
        ("community", "communities", "code", explorer.community),
        ("hub", "hubs", "hub_id", explorer.hub),
        ("purchaser", "purchasers", "uscc", explorer.purchaser),
        ("project", "projects", "project_id", explorer.project),
    ]
    n = 0
    for kind, table, key, render in jobs:
        (folder / kind).mkdir(parents=True, exist_ok=True)
        for row in explorer.t[table].sort_values(key).to_dict("records"):
            (folder / kind / file_name(row[key])).write_text(render(row), encoding="utf-8")
            n += 1
    (folder / "index.html").write_text(explorer.index(), encoding="utf-8")
    (folder / "search.js").write_text(explorer.search_js(), encoding="utf-8")
    (folder / "style.css").write_text(CSS + "\n", encoding="utf-8")
    return n + 3
