"""A messy inbox built from the shipped sample: every kind of defect a bureau's real files have,
each recorded with the outcome the pipeline must give it.

`build(dst)` copies the sample to `dst`, damages it as listed below, and returns the
`Expected` outcomes: a rule at a (file, sheet, row), or a value that must be read correctly.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from data_contracts.identifiers import make_uscc, uscc_check_char, uscc_problems
from pipelines.settings import SAMPLE_DIR

#: a character outside GBK that GB18030 encodes in four bytes
GB18030_ONLY = "\U00020000"


@dataclass
class Expected:
    #: (register, file, sheet, row, rule) that must be in the quarantine report (errors)
    quarantined: list[tuple[str, str, str, int, str]] = field(default_factory=list)
    #: (register, file, sheet, row, rule) that must be in the warnings report
    warned: list[tuple[str, str, str, int, str]] = field(default_factory=list)
    #: (register table, key column, key, column, value) that must be in the accepted tables
    accepted: list[tuple[str, str, str, str, object]] = field(default_factory=list)
    #: file -> how it must be read ("csv gbk", "xlsx sheet 项目清单", ...)
    formats: dict[str, str] = field(default_factory=dict)
    #: file -> the number of records it holds (rows read)
    rows: dict[str, int] = field(default_factory=dict)
    #: unknown columns that must be reported: file -> header
    unknown: dict[str, str] = field(default_factory=dict)
    #: (file, row, why) rows that are not records and must be reported as skipped
    skipped: list[tuple[str, int, str]] = field(default_factory=list)
    #: project id -> provider code it must be matched to by name
    matched: dict[str, str] = field(default_factory=dict)


def _read(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def _csv_text(rows: list[list[str]], delimiter: str = ",") -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n", delimiter=delimiter).writerows(rows)
    return buf.getvalue()


def _forge(code: str) -> str:
    good = uscc_check_char(code[:17])
    return code[:17] + ("0" if good != "0" else "1")


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def build(dst: Path) -> Expected:
    shutil.copytree(SAMPLE_DIR, dst)
    exp = Expected()
    _communities(dst, exp)
    _organisations(dst, exp)
    _memberships(dst, exp)
    _workers(dst, exp)
    _projects(dst, exp)
    _evaluations(dst, exp)
    _broken_files(dst, exp)
    return exp


def _communities(dst: Path, exp: Expected) -> None:
    """GBK, a grouped population and a cell with a line break."""
    path = dst / "communities" / "communities.csv"
    rows = _read(path)
    h = rows[0]
    rows[2][h.index("常住人口")] = f"{int(rows[2][h.index('常住人口')]):,}"
    exp.accepted.append(
        (
            "communities",
            "community_code",
            rows[2][h.index("社区代码")],
            "population",
            int(rows[2][h.index("常住人口")].replace(",", "")),
        )
    )
    name = rows[3][h.index("社区名称")]
    rows[3][h.index("社区名称")] = f" {name[:2]}\n{name[2:]}　"
    exp.accepted.append(
        ("communities", "community_code", rows[3][h.index("社区代码")], "community_name", f"{name[:2]} {name[2:]}")
    )
    path.write_bytes(_csv_text(rows).encode("gbk"))
    exp.formats["communities/communities.csv"] = "csv gbk"
    exp.rows["communities/communities.csv"] = len(rows) - 1


def _organisations(dst: Path, exp: Expected) -> None:
    """UTF-8 with BOM, header variants, an unknown column, grade and date spellings, a
    full-width code, a forged check character, and one code registered twice."""
    f = "organisations/organisations.csv"
    rows = _read(dst / f)
    h = rows[0]
    col = {k: h.index(k) for k in h}
    planted = {d["value"] for d in yaml.safe_load((SAMPLE_DIR / "planted_defects.yaml").read_text(encoding="utf-8"))}
    seen: dict[str, int] = {}
    for r in rows[1:]:
        seen[r[col["统一社会信用代码"]]] = seen.get(r[col["统一社会信用代码"]], 0) + 1
    # rows the sample did not already break, so each change below is the only thing wrong
    clean = [
        i
        for i, r in enumerate(rows)
        if i
        and r[col["社会组织名称"]] not in planted
        and not uscc_problems(r[col["统一社会信用代码"]])
        and seen[r[col["统一社会信用代码"]]] == 1
    ]
    graded = [i for i in clean if rows[i][col["评估等级"]] and rows[i][col["登记状态"]] == "正常"]
    a, b = graded[0], graded[1]
    want_a = rows[a][col["评估等级"]]
    rows[a][col["评估等级"]] = "A" * int(want_a[0])
    exp.accepted.append(("organisations", "uscc", rows[a][col["统一社会信用代码"]], "grade", want_a))
    want_b = rows[b][col["评估等级"]]
    rows[b][col["评估等级"]] = want_b + "级"
    exp.accepted.append(("organisations", "uscc", rows[b][col["统一社会信用代码"]], "grade", want_b))
    c, d, e, forged, twice = [i for i in clean if i not in (a, b) and i > 30][:5]
    day = dt.date.fromisoformat(rows[c][col["成立登记日期"]])
    rows[c][col["成立登记日期"]] = f"{day.year}年{day.month}月{day.day}日"
    exp.accepted.append(("organisations", "uscc", rows[c][col["统一社会信用代码"]], "registration_date", day))
    day = dt.date.fromisoformat(rows[d][col["成立登记日期"]])
    rows[d][col["成立登记日期"]] = f"{day.year}/{day.month}/{day.day}"
    exp.accepted.append(("organisations", "uscc", rows[d][col["统一社会信用代码"]], "registration_date", day))
    code = rows[e][col["统一社会信用代码"]]
    rows[e][col["统一社会信用代码"]] = _fullwidth(code)
    exp.accepted.append(("organisations", "uscc", code, "name", rows[e][col["社会组织名称"]]))
    # a forged check character
    rows[forged][col["统一社会信用代码"]] = _forge(rows[forged][col["统一社会信用代码"]])
    exp.quarantined.append(("organisations", f, "", forged + 1, "uscc_check_char"))
    # the same code twice with different fields: the later line wins
    twin = list(rows[twice])
    twin[col["业务范围"]] = "更正后的业务范围：社区养老服务"
    rows.append(twin)
    exp.quarantined.append(("organisations", f, "", twice + 1, "duplicate_key"))
    exp.accepted.append(
        ("organisations", "uscc", twin[col["统一社会信用代码"]], "business_scope", twin[col["业务范围"]])
    )
    # header variants and a column no register knows
    h[col["统一社会信用代码"]] = "信用代码"
    h[col["社会组织名称"]] = " 名称 "
    for r in rows:
        r.append("备注" if r is h else "")
    exp.unknown[f] = "备注"
    (dst / f).write_bytes(b"\xef\xbb\xbf" + _csv_text(rows).encode("utf-8"))
    exp.formats[f] = "csv utf-8-sig"
    exp.rows[f] = len(rows) - 1

    # an older snapshot in GB18030, with a character GBK does not have
    f = "organisations/organisations_asof_2014-09-30.csv"
    rows = _read(dst / f)
    scope = rows[0].index("业务范围")
    rows[5][scope] = rows[5][scope] + GB18030_ONLY
    (dst / f).write_bytes(_csv_text(rows).encode("gb18030"))
    exp.formats[f] = "csv gb18030"
    exp.rows[f] = len(rows) - 1


def _memberships(dst: Path, exp: Expected) -> None:
    """Yes/no spellings, full-width digits, an unknown hub and an unknown organisation."""
    f = "hubs/hub_memberships.csv"
    rows = _read(dst / f)
    h = rows[0]
    branch, members, hub, code = (h.index(k) for k in ("是否建立党组织", "党员人数", "枢纽编号", "统一社会信用代码"))
    for r in rows[1:40]:
        r[branch] = {"是": "有", "否": "无"}[r[branch]]
    for r in rows[40:80]:
        r[branch] = {"是": "Y", "否": "N"}[r[branch]]
    rows[5][members] = _fullwidth(rows[5][members])
    exp.accepted.append(("hub_memberships", "uscc", rows[5][code], "party_members", int(_read(dst / f)[5][members])))
    rows[90][hub] = "HUB-ST-098"
    exp.quarantined.append(("hub_memberships", f, "", 91, "unknown_reference"))
    rows[91][code] = make_uscc("5", "2", "310106", "57777777")  # well formed, never registered
    exp.quarantined.append(("hub_memberships", f, "", 92, "unknown_reference"))
    (dst / f).write_bytes(_csv_text(rows).encode("utf-8"))
    exp.rows[f] = len(rows) - 1


def _workers(dst: Path, exp: Expected) -> None:
    """Saved by Excel as "Unicode text": UTF-16, tab-separated. Full-width phone digits and an
    employer nobody registered."""
    f = "workers/social_workers.csv"
    rows = _read(dst / f)
    h = rows[0]
    phone, employer = h.index("手机号"), h.index("工作单位统一社会信用代码")
    rows[10][phone] = _fullwidth(rows[10][phone])
    rows[11][employer] = make_uscc("5", "2", "310106", "56666666")
    exp.quarantined.append(("workers", f, "", 12, "unknown_reference"))
    (dst / f).write_bytes(_csv_text(rows, delimiter="\t").encode("utf-16"))
    exp.formats[f] = "tsv utf-16"
    exp.rows[f] = len(rows) - 1


def _projects(dst: Path, exp: Expected) -> None:
    """The 2024 list as a workbook: a notes sheet first, then the data under a merged banner
    and a blank row, a header naming 万元, amounts and dates spelled every way, a blank row
    inside, a totals row at the end; providers with a forged code, no code, a misspelt name."""
    from openpyxl import Workbook

    src = dst / "projects" / "projects_2024.csv"
    rows = _read(src)
    src.unlink()
    f = "projects/projects_2024.xlsx"
    sheet = "项目清单"
    h = rows[0]
    col = {k: h.index(k) for k in h}
    orgs = {r[1]: r[0] for r in _read(dst / "organisations" / "organisations.csv")[1:]}
    wb = Workbook()
    wb.active.title = "填表说明"
    wb.active["A1"] = "本表由街道汇总，金额单位见表头。"
    ws = wb.create_sheet(sheet)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(h))
    ws.cell(1, 1, "2024年度政府购买服务项目清单")
    exp.skipped.append((f"{f}[{sheet}]", 1, "title or banner above the header"))
    header = list(h)
    header[col["合同金额（元）"]] = "合同金额（万元）"
    header[col["预算金额（元）"]] = "预算"
    header[col["承接机构统一社会信用代码"]] = "承接主体统一社会信用代码"
    ws.append([])  # row 2 blank
    ws.append(header)  # row 3
    at = 4
    total = 0.0
    for i, r in enumerate(rows[1:]):
        if i == 5:
            ws.append([])  # a blank row inside the data
            at += 1
        cells: list[object] = list(r)
        pid = r[col["项目编号"]]
        amount = float(r[col["合同金额（元）"]])
        total += amount
        cells[col["合同金额（元）"]] = amount / 10_000  # a number, in 万元 as the header says
        kept = i not in (12, 13)
        if kept:
            exp.accepted.append(("projects", "project_id", pid, "contract_amount", amount))
        budget = int(r[col["预算金额（元）"]])
        cells[col["预算金额（元）"]] = [f"{budget / 10_000}万元", f"{budget:,}元", f"¥{budget}", budget][i % 4]
        if kept:
            exp.accepted.append(("projects", "project_id", pid, "budget", float(budget)))
        award = dt.date.fromisoformat(r[col["签约日期"]])
        start = dt.date.fromisoformat(r[col["开始日期"]])
        end = dt.date.fromisoformat(r[col["结束日期"]])
        cells[col["签约日期"]] = dt.datetime(award.year, award.month, award.day)  # a date cell
        cells[col["开始日期"]] = [
            f"{start.year}年{start.month}月{start.day}日",
            str((start - dt.date(1899, 12, 30)).days),
            start.strftime("%Y.%m.%d"),
        ][i % 3]
        cells[col["结束日期"]] = f"{end.year}/{end.month}/{end.day}"
        if kept:
            exp.accepted.append(("projects", "project_id", pid, "start_date", start))
            exp.accepted.append(("projects", "project_id", pid, "end_date", end))
        provider = r[col["承接机构统一社会信用代码"]]
        if i == 10:  # a forged check character: matched back by name
            cells[col["承接机构统一社会信用代码"]] = _forge(provider)
            exp.warned.append(("projects", f, sheet, at, "uscc_check_char"))
            exp.warned.append(("projects", f, sheet, at, "provider_matched_by_name"))
            exp.matched[pid] = provider
        if i == 11:  # no code, the name written without the city and district
            cells[col["承接机构统一社会信用代码"]] = ""
            cells[col["承接机构"]] = orgs[provider].replace("上海市静安区", "")
            exp.warned.append(("projects", f, sheet, at, "provider_matched_by_name"))
            exp.matched[pid] = provider
        if i == 12:  # no code and a name nobody registered
            cells[col["承接机构统一社会信用代码"]] = ""
            cells[col["承接机构"]] = "无此机构青年空间发展促进会"
            exp.quarantined.append(("projects", f, sheet, at, "provider_unmatched"))
        if i == 13:  # a provider code nobody registered, well formed: never replaced automatically
            cells[col["承接机构统一社会信用代码"]] = make_uscc("5", "2", "310106", "58888888")
            exp.quarantined.append(("projects", f, sheet, at, "unknown_reference"))
        ws.append(cells)
        at += 1
    ws.append(["合计", "", "", "", "", "", "", total / 10_000])
    exp.skipped.append((f"{f}[{sheet}]", at, "total row"))
    wb.save(dst / f)
    exp.formats[f"{f}[{sheet}]"] = f"xlsx sheet {sheet}"
    exp.rows[f"{f}[{sheet}]"] = len(rows) - 1


def _evaluations(dst: Path, exp: Expected) -> None:
    """Full-width score digits and a dotted date."""
    f = "evaluations/evaluations.csv"
    rows = _read(dst / f)
    h = rows[0]
    score, day, key = h.index("评估得分"), h.index("评估日期"), h.index("评估编号")
    exp.accepted.append(("evaluations", "evaluation_id", rows[1][key], "score", float(rows[1][score])))
    rows[1][score] = _fullwidth(rows[1][score])
    when = dt.date.fromisoformat(rows[2][day])
    rows[2][day] = when.strftime("%Y.%m.%d")
    exp.accepted.append(("evaluations", "evaluation_id", rows[2][key], "eval_date", when))
    (dst / f).write_bytes(_csv_text(rows).encode("utf-8"))


def _broken_files(dst: Path, exp: Expected) -> None:
    """Files that cannot be read, or lack a required column: each is reported on its own and
    every other file still loads."""
    # bytes no encoding in the list can read
    f = "evaluations/evaluations_2026.csv"
    (dst / f).write_bytes("评估编号,项目编号\n".encode() + b"\xff\xfe\x80abc\n\xff\x80def\n")
    exp.quarantined += [("evaluations", f, "", 2, "unreadable_file"), ("evaluations", f, "", 3, "unreadable_file")]
    exp.rows[f] = 2
    # a damaged workbook
    f = "projects/projects_2026.xlsx"
    (dst / f).write_bytes(b"PK\x03\x04 not really a workbook")
    exp.quarantined.append(("projects", f, "", 0, "unreadable_file"))
    exp.rows[f] = 1
    # a required column missing: the whole file waits, one entry per row
    f = "organisations/annual_inspections.csv"
    rows = _read(dst / f)
    drop = rows[0].index("年检结论")
    rows = [[c for i, c in enumerate(r) if i != drop] for r in rows]
    (dst / f).write_bytes(_csv_text(rows).encode("utf-8"))
    exp.quarantined += [("annual_inspections", f, "", n, "missing_column") for n in (2, 3, len(rows))]
    exp.rows[f] = len(rows) - 1
