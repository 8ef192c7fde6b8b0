"""A district's registers as a bureau hands them over, built from the shipped sample's ground
truth: Chinese file names, the national platform's and common bureau headers, and none of the
columns sanshe can derive or do without.

`build(dst, accepted)` takes the sample's accepted tables (OUTPUT/tables of a run on
data/sample: every good row, current snapshot) and the sample's raw files (for the personal
columns a bureau's file holds and the tables drop), writes the inbox, and returns `Bureau`:
the rows the pipeline must accept (as OUTPUT/tables would hold them: the ground truth the
query oracles run on) and each planted defect's (register, file, sheet, row, rule).

What the bureau writes, and what sanshe must make of it:
- communities/社区名录.csv: the NBS division-code layout (统计用区划代码, 名称, 上级区划代码,
  城乡分类代码): district, street and committee rows in one table; street and district columns
  and both kinds are derived; communities/区划调整.csv beside it (the header says which is which);
- organisations/社会组织名录.xlsx: platform headers, the street as a name (所属街道), a free-text
  住所, credit lists in the platform's per-list columns; 年检结果.csv (GBK) at the inbox root,
  recognised by its header;
- hubs/枢纽成员.csv: memberships naming their hub (所属枢纽, 枢纽类别), 是否建立党支部 as 是/否/Y/N,
  a liaison's name: no hub register and no ids;
- workers/持证社工.csv: no worker key (derived, a pseudonym of the certificate number);
- projects/政府购买服务项目.csv (2019-2022 and 2025) with purchaser codes; 政府购买服务项目_2023-2024.xlsx
  without purchaser codes (matched by name), signing dates (the start date stands in) or
  community codes (names instead); no worker keys in either;
- evaluations/项目评估.csv: no evaluation id (derived from project and date).
Workbook quirks (merged cells, unit banners, hidden sheets) are the quirks corpus's: see
`_workbook_quirks`, the hook where they are to be added.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from data_contracts.identifiers import id_number_check_char, make_uscc
from pipelines.common.derivation import DEFAULT_PSEUDONYM_KEY, hub_id, pseudonym
from pipelines.settings import SAMPLE_DIR

SNAPSHOT = pd.Timestamp("2025-12-31").date()


@dataclass
class Bureau:
    #: register -> the rows it must accept, as OUTPUT/tables/<register>.parquet holds them
    truth: dict[str, pd.DataFrame] = field(default_factory=dict)
    #: (register, file, sheet, row, rule) that must be quarantined
    quarantined: list[tuple[str, str, str, int, str]] = field(default_factory=list)
    #: (register, file, sheet, row, rule) that must be warned about (row kept)
    warned: list[tuple[str, str, str, int, str]] = field(default_factory=list)
    #: files and the register that must take them
    claims: dict[str, str] = field(default_factory=dict)


def _text(v: object) -> str:
    if v is None or (isinstance(v, float) and v != v) or v is pd.NaT:
        return ""
    if hasattr(v, "isoformat"):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _write_csv(path: Path, header: list[str], rows: list[list[object]], encoding: str = "utf-8") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    w.writerows([[_text(v) for v in r] for r in rows])
    path.write_bytes(buf.getvalue().encode(encoding))


def _write_xlsx(path: Path, sheet: str, header: list[str], rows: list[list[object]]) -> None:
    from openpyxl import Workbook

    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(header)
    for r in rows:
        ws.append([_text(v) or None for v in r])
    wb.save(path)


def _current(accepted: Path, name: str) -> pd.DataFrame:
    df = pd.read_parquet(accepted / f"{name}.parquet")
    return df[df["asof"] == df["asof"].max()].reset_index(drop=True)


def _raw(path: str) -> pd.DataFrame:
    return pd.read_csv(SAMPLE_DIR / path, dtype=str, keep_default_na=False)


def build(dst: Path, accepted: Path) -> Bureau:
    dst.mkdir(parents=True, exist_ok=True)
    (dst / "manifest.yaml").write_text((SAMPLE_DIR / "manifest.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    b = Bureau()
    com = _communities(dst, accepted, b)
    _district_changes(dst, accepted, b)
    _organisations(dst, accepted, com, b)
    _inspections(dst, accepted, b)
    _memberships(dst, accepted, com, b)
    _workers(dst, accepted, b)
    _projects(dst, accepted, com, b)
    _evaluations(dst, accepted, b)
    _workbook_quirks(dst, b)
    return b


def _workbook_quirks(dst: Path, b: Bureau) -> None:
    """HOOK for the quirks corpus (merged cells, unit banners, hidden sheets, two-row headers):
    rewrite a file of this inbox with a quirk and record its expected outcome in `b`. Nothing is
    added here yet: those readers are another branch's work."""


def _communities(dst: Path, accepted: Path, b: Bureau) -> pd.DataFrame:
    com = _current(accepted, "communities")
    f = "communities/社区名录.csv"
    rows: list[list[object]] = []
    for dcode, dname in com[["district_code", "district_name"]].drop_duplicates().itertuples(index=False):
        rows.append([dcode + "000000", dname, dcode[:4] + "00000000", "", ""])
    for scode, sname, dcode in (
        com[["street_code", "street_name", "district_code"]].drop_duplicates().itertuples(index=False)
    ):
        rows.append([scode, sname, dcode + "000000", "", ""])
    for r in com.itertuples(index=False):
        rows.append(
            [
                r.community_code,
                r.community_name,
                r.street_code,
                "111" if r.community_kind == "居委会" else "220",
                r.population,
            ]
        )
    rows.sort(key=lambda r: str(r[0]))
    # a committee code one digit short: its row, and only it, is quarantined
    bad = ["31010600601", "坏代码居委会", "310106006000", "111", 100]
    rows.append(bad)
    _write_csv(dst / f, ["统计用区划代码", "名称", "上级区划代码", "城乡分类代码", "常住人口"], rows)
    b.quarantined.append(("communities", f, "", len(rows) + 1, "division_code_format"))
    b.claims[f] = "communities"
    b.truth["communities"] = com.assign(
        parent_code=com["street_code"], urban_rural_code=com["community_kind"].map({"居委会": "111", "村委会": "220"})
    )
    return com


def _district_changes(dst: Path, accepted: Path, b: Bureau) -> None:
    ch = _current(accepted, "district_changes")
    f = "communities/区划调整.csv"
    _write_csv(
        dst / f,
        ["街道代码", "原区县代码", "原区县名称", "现区县代码", "调整日期"],
        ch[
            ["street_code", "from_district_code", "from_district_name", "to_district_code", "change_date"]
        ].values.tolist(),
    )
    b.claims[f] = "district_changes"
    b.truth["district_changes"] = ch


PLATFORM_LISTS = {"活动异常名录": "异常活动名录", "严重违法失信名单": "严重违法失信名单"}


def _organisations(dst: Path, accepted: Path, com: pd.DataFrame, b: Bureau) -> None:
    org = _current(accepted, "organisations")
    streets = com.drop_duplicates("street_code").set_index("street_code")["street_name"]
    f, sheet = "organisations/社会组织名录.xlsx", "社会组织"
    header = [
        "社会组织名称",
        "统一社会信用代码",
        "社会组织类型",
        "登记管理机关",
        "成立登记日期",
        "登记状态",
        "注销撤销日期",
        "年检年度",
        "年检结论",
        "评估等级",
        "评估日期",
        "业务范围",
        "所属街道",
        "住所",
    ]
    for prefix in PLATFORM_LISTS.values():
        header += [f"{prefix}_列入时间", f"{prefix}_列入事由", f"{prefix}_移出时间"]
    rows = []
    for r in org.itertuples(index=False):
        row = [
            r.name,
            r.uscc,
            r.org_type,
            r.registration_authority,
            r.registration_date,
            r.status,
            r.status_date,
            r.inspection_year,
            r.inspection_result,
            r.grade,
            r.grade_date,
            r.business_scope,
            streets.get(r.street_code, ""),
            "上海市静安区某路1号",
        ]
        for name in PLATFORM_LISTS:
            on = r.credit_list == name
            row += [r.listed_on if on else None, r.listing_reason if on else None, r.removed_on if on else None]
        rows.append(row)
    good = rows[0]
    # a forged check character: quarantined
    forged = list(good)
    forged[0], forged[1] = "上海市静安区伪码测试服务中心", good[1][:17] + ("0" if good[1][17] != "0" else "1")
    rows.append(forged)
    b.quarantined.append(("organisations", f, sheet, len(rows) + 1, "uscc_check_char"))
    # a street the communities register does not name: kept without a street, with a warning
    code = make_uscc("5", "2", "310106", "MA1X0001")
    lost = list(good)
    lost[0], lost[1], lost[2], lost[12] = "上海市静安区无街道测试服务中心", code, "社会服务机构", "不存在街道"
    rows.append(lost)
    b.warned.append(("organisations", f, sheet, len(rows) + 1, "street_name_unmatched"))
    _write_xlsx(dst / f, sheet, header, rows)
    b.claims[f] = "organisations"
    extra = org.iloc[[0]].assign(name=lost[0], uscc=code, org_type="社会服务机构", street_code=None)
    # the truth keeps each credit-list entry in the register's own columns (what it means); the
    # file writes it in the platform's per-list columns
    b.truth["organisations"] = pd.concat([org, extra], ignore_index=True)


def _known(b: Bureau, register: str, column: str) -> set[str]:
    return set(b.truth[register][column])


def _inspections(dst: Path, accepted: Path, b: Bureau) -> None:
    # the corpus holds the current register only: rows about organisations known from the
    # sample's older snapshots alone are left out (they would be unknown references here)
    ins = _current(accepted, "annual_inspections")
    ins = ins[ins["uscc"].isin(_known(b, "organisations", "uscc"))].reset_index(drop=True)
    f = "年检结果.csv"  # at the inbox root: taken by its header
    _write_csv(
        dst / f,
        ["统一社会信用代码", "年度", "年检结果"],
        ins[["uscc", "year", "result"]].values.tolist(),
        encoding="gbk",
    )
    b.claims[f] = "annual_inspections"
    b.truth["annual_inspections"] = ins


def _memberships(dst: Path, accepted: Path, com: pd.DataFrame, b: Bureau) -> None:
    mem = _current(accepted, "hub_memberships")
    mem = mem[mem["uscc"].isin(_known(b, "organisations", "uscc"))].reset_index(drop=True)
    hubs = _current(accepted, "hubs").set_index("hub_id")
    raw = _raw("hubs/hub_memberships.csv").set_index("统一社会信用代码")
    names = raw["党建联络员姓名"]
    f = "hubs/枢纽成员.csv"
    yes = ["是", "Y", "是", "y"]
    no = ["否", "N", "否", "n"]
    rows = []
    for i, r in enumerate(mem.itertuples(index=False)):
        rows.append(
            [
                r.uscc,
                r.org_name,
                hubs.at[r.hub_id, "hub_name"],
                hubs.at[r.hub_id, "hub_kind"],
                r.joined_on,
                r.party_members,
                (yes if r.has_party_branch else no)[i % 4],
                names.get(r.uscc, "") if isinstance(r.liaison_id, str) else "",
            ]
        )
    # an organisation no register holds: quarantined as an unknown reference
    stranger = make_uscc("5", "1", "310106", "MA1X0002")
    rows.append([stranger, "上海市静安区不存在协会", rows[0][2], rows[0][3], "2020-01-01", 0, "否", ""])
    b.quarantined.append(("hub_memberships", f, "", len(rows) + 1, "unknown_reference"))
    _write_csv(
        dst / f,
        [
            "统一社会信用代码",
            "社会组织名称",
            "所属枢纽",
            "枢纽类别",
            "加入日期",
            "党员人数",
            "是否建立党支部",
            "党建联络员",
        ],
        rows,
    )
    b.claims[f] = "hub_memberships"
    ids = {h: hub_id(hubs.at[h, "hub_name"], hubs.at[h, "hub_kind"]) for h in hubs.index}
    liaison = {
        u: f"LN-{int(pseudonym(DEFAULT_PSEUDONYM_KEY, 'liaison', n, 8), 16) % 10**8:08d}" for u, n in names.items() if n
    }
    truth = mem.assign(
        hub_id=mem["hub_id"].map(ids),
        hub_name=mem["hub_id"].map(hubs["hub_name"]),
        hub_kind=mem["hub_id"].map(hubs["hub_kind"]),
        liaison_id=[
            liaison.get(u) if isinstance(x, str) else None for u, x in zip(mem["uscc"], mem["liaison_id"], strict=True)
        ],
    )
    b.truth["hub_memberships"] = truth
    # the hubs the memberships name, as sanshe must make them (no hub register)
    named = hubs.loc[sorted(set(mem["hub_id"]))].reset_index()
    fed = [ids[h] for h in named["hub_id"] if hubs.at[h, "hub_kind"] == "区社会组织联合会"]
    b.truth["hubs"] = pd.DataFrame(
        {
            "hub_id": named["hub_id"].map(ids),
            "hub_name": named["hub_name"],
            "hub_kind": named["hub_kind"],
            "district_code": [
                com["district_code"].iloc[0] if k == "区社会组织联合会" else None for k in named["hub_kind"]
            ],
            "street_code": named["street_code"].where(named["hub_kind"] == "街道枢纽", None),
            "industry": None,
            "parent_hub_id": [
                None if k == "区社会组织联合会" else (fed[0] if len(fed) == 1 else None) for k in named["hub_kind"]
            ],
            "has_party_branch": False,
            "established_on": None,
            "dissolved_on": None,
            "asof": mem["asof"].iloc[0],
        }
    )


def _workers(dst: Path, accepted: Path, b: Bureau) -> None:
    wrk = _current(accepted, "workers")
    wrk = wrk[wrk["employer_uscc"].isin(_known(b, "organisations", "uscc"))].reset_index(drop=True)
    raw = _raw("workers/social_workers.csv").set_index("社工编号")
    f = "workers/持证社工.csv"
    cols = ["姓名", "身份证号", "手机号", "证书编号"]
    rows = [
        [
            *raw.loc[r.worker_key, cols].tolist(),
            r.level,
            r.certified_year,
            r.employer_uscc,
            ";".join(r.served_communities),
        ]
        for r in wrk.itertuples(index=False)
    ]
    # an ID number with a wrong check character: quarantined
    bad = list(rows[0])
    good_id = "000000198001010011"  # the test address code (synthetic inbox): only the check character is wrong
    wrong = "0" if id_number_check_char(good_id[:17]) != "0" else "1"
    bad[0], bad[1], bad[3] = "测试员", good_id[:17] + wrong, "ZS0000000001"
    rows.append(bad)
    b.quarantined.append(("workers", f, "", len(rows) + 1, "id_number_check_char"))
    _write_csv(dst / f, [*cols, "职业水平等级", "取得证书年份", "工作单位统一社会信用代码", "服务社区代码"], rows)
    b.claims[f] = "workers"
    keys = {
        k: "SW-" + pseudonym(DEFAULT_PSEUDONYM_KEY, "certificate", raw.at[k, "证书编号"].upper())
        for k in wrk["worker_key"]
    }
    b.truth["workers"] = wrk.assign(worker_key=wrk["worker_key"].map(keys))


def _community_names(com: pd.DataFrame) -> dict[str, str]:
    """How a bureau names each committee: its name, or street + name where the name repeats."""
    dup = com["community_name"].duplicated(keep=False)
    return dict(zip(com["community_code"], (com["street_name"].where(dup, "") + com["community_name"]), strict=True))


def _projects(dst: Path, accepted: Path, com: pd.DataFrame, b: Bureau) -> None:
    prj = _current(accepted, "projects")
    prj = prj[prj["provider_uscc"].isin(_known(b, "organisations", "uscc"))].reset_index(drop=True)
    # the workbook leaves out signing dates: its projects must not start after the snapshot
    # (the start date stands in for the signing date, and a signing date cannot be in the future)
    year = pd.to_datetime(prj["award_date"]).dt.year
    early, late = prj[(year <= 2022) | (year == 2025)], prj[(year > 2022) & (year < 2025)]
    f1, f2, sheet = "projects/政府购买服务项目.csv", "projects/政府购买服务项目_2023-2024.xlsx", "项目清单"
    _write_csv(
        dst / f1,
        [
            "项目编号",
            "项目名称",
            "购买主体",
            "购买主体统一社会信用代码",
            "目录类别",
            "采购方式",
            "预算金额（元）",
            "合同金额（元）",
            "签订日期",
            "开始日期",
            "结束日期",
            "承接机构",
            "承接机构统一社会信用代码",
            "服务社区代码",
            "资金来源",
        ],
        [
            [
                r.project_id,
                r.project_name,
                r.purchaser_name,
                r.purchaser_uscc,
                r.category,
                r.procurement_method,
                r.budget,
                r.contract_amount,
                r.award_date,
                r.start_date,
                r.end_date,
                r.provider_name,
                r.provider_uscc,
                ";".join(r.served_communities),
                r.funding_source,
            ]
            for r in early.itertuples(index=False)
        ],
    )
    names = _community_names(com)
    rows = [
        [
            r.project_id,
            r.project_name,
            r.purchaser_name,
            r.category,
            r.procurement_method,
            r.budget,
            r.contract_amount,
            r.start_date,
            r.end_date,
            r.provider_name,
            r.provider_uscc,
            "、".join(names[c] for c in r.served_communities),
            r.funding_source,
        ]
        for r in late.itertuples(index=False)
    ]
    model = list(rows[0])
    unknown = list(model)
    unknown[0], unknown[11] = "MZ-2025-901", "无名社区"
    rows.append(unknown)
    b.quarantined.append(("projects", f2, sheet, len(rows) + 1, "community_name_unmatched"))
    backwards = list(model)
    backwards[0], backwards[7], backwards[8] = "MZ-2025-902", "2025-06-01", "2025-01-01"
    rows.append(backwards)
    b.quarantined.append(("projects", f2, sheet, len(rows) + 1, "end_before_start"))
    _write_xlsx(
        dst / f2,
        sheet,
        [
            "项目编号",
            "项目名称",
            "购买主体",
            "目录类别",
            "采购方式",
            "预算金额（元）",
            "合同金额（元）",
            "开始日期",
            "结束日期",
            "承接机构",
            "承接机构统一社会信用代码",
            "服务社区",
            "资金来源",
        ],
        rows,
    )
    b.claims[f1] = b.claims[f2] = "projects"
    # a purchaser written without a code takes the one code other rows give its name
    coded = early.drop_duplicates(["purchaser_name", "purchaser_uscc"])
    single = coded.drop_duplicates("purchaser_name", keep=False).set_index("purchaser_name")["purchaser_uscc"]
    late = late.assign(purchaser_uscc=late["purchaser_name"].map(single), award_date=late["start_date"])
    truth = pd.concat([early, late], ignore_index=True)
    b.truth["projects"] = truth.assign(
        staffed_workers=[[] for _ in range(len(truth))], served_community_names=[[] for _ in range(len(truth))]
    )


def _evaluations(dst: Path, accepted: Path, b: Bureau) -> None:
    ev = _current(accepted, "evaluations")
    ev = ev[ev["project_id"].isin(_known(b, "projects", "project_id"))].reset_index(drop=True)
    f = "evaluations/项目评估.csv"
    rows = ev[["project_id", "evaluator", "eval_date", "score", "grade"]].values.tolist()
    rows.append(["MZ-2024-999", "某评估中心", "2025-03-01", 85, "良好"])
    b.quarantined.append(("evaluations", f, "", len(rows) + 1, "unknown_reference"))
    _write_csv(dst / f, ["项目编号", "评估单位", "评估时间", "得分", "评估结果"], rows)
    b.claims[f] = "evaluations"
    ids = "EV-" + ev["project_id"] + "-" + pd.to_datetime(ev["eval_date"]).dt.strftime("%Y%m%d")
    b.truth["evaluations"] = ev.assign(evaluation_id=ids)
