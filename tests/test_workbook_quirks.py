"""Workbook and text quirks, each kind at its root (issue 13), on small files made here: merged
cells, hidden and very hidden sheets, unit lines, two-row headers, subtotal and footer rows,
HTML tables and CSV text under a workbook's name, and the cell cleaning (text guards, invisible
characters, repeated byte-order marks, digits of other scripts, zoned timestamps, old names)."""

from __future__ import annotations

import datetime as dt
import sys
import unicodedata
from pathlib import Path

import openpyxl
import pytest

from data_contracts import CONTRACTS, OrganisationRecord, ProjectRecord
from data_contracts.base import empty_table, inner_types
from data_contracts.validation import validate_frame
from data_contracts.values import INVISIBLE, compact, halfwidth, parse_date, parse_whole, tidy
from pipelines.common.readers import decode, read_path

DAY = dt.date(2025, 12, 31)
PROJECT_HEADER = [
    "项目编号",
    "项目名称",
    "购买主体",
    "购买主体统一社会信用代码",
    "目录类别",
    "采购方式",
    "预算金额",
    "合同金额",
    "签约日期",
    "开始日期",
    "结束日期",
    "承接机构",
    "承接机构统一社会信用代码",
    "服务社区代码",
    "资金来源",
    "配置社工编号",
]
PROJECT = [
    "JD-2024-004",
    "扶康助残服务项目",
    "曹家渡街道办事处",
    "11310106006758365E",
    "助残服务",
    "框架协议采购",
    "12.99",
    "11.72",
    "2024-01-17",
    "2024-01-17",
    "2025-01-15",
    "上海市静安区武定仁心商会",
    "51310106536806539B",
    "310106014002",
    "街道财政资金",
    "",
]


def _read(path: Path, model=ProjectRecord):
    return read_path(path, path.name, DAY, model)


def _only(parts):
    assert len(parts) == 1, list(parts)
    return next(iter(parts.values()))


def _csv(path: Path, rows: list[list[str]], encoding="utf-8") -> Path:
    path.write_bytes("\n".join(",".join(r) for r in rows).encode(encoding) + b"\n")
    return path


# --- unit lines -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "above,beside",
    [
        ([["单位：万元"]], None),
        ([["金额单位: 万元"]], None),
        ([["单位：万元人民币"]], None),
        ([["2024年项目清单（单位：万元）"]], None),
        ([], "单位：万元"),
    ],
)
def test_a_unit_line_above_or_beside_the_header_sets_amount_units(tmp_path, above, beside):
    header = PROJECT_HEADER + ([beside] if beside else [])
    row = PROJECT + ([""] if beside else [])
    fr = _only(_read(_csv(tmp_path / "projects.csv", [*above, header, row])))
    assert fr.units == {"budget": 10_000, "contract_amount": 10_000}
    assert fr.notes and "万元" in fr.notes[0]
    assert not [u for u in fr.unknown_columns if "单位" in u]  # a unit line is no unknown column
    checked = validate_frame(fr.frame, ProjectRecord, DAY, fr.units)
    assert checked.accepted["budget"].tolist() == [129_900.0]


def test_a_header_naming_its_unit_wins_over_the_unit_line(tmp_path):
    header = [h if h != "预算金额" else "预算金额（元）" for h in PROJECT_HEADER]
    fr = _only(_read(_csv(tmp_path / "projects.csv", [["单位：万元"], header, PROJECT])))
    assert fr.units == {"contract_amount": 10_000}


def test_no_unit_line_leaves_yuan(tmp_path):
    fr = _only(_read(_csv(tmp_path / "projects.csv", [["项目清单"], PROJECT_HEADER, PROJECT])))
    assert fr.units == {} and fr.notes == []


# --- two-row headers ------------------------------------------------------------------------


def _two_rows(unit: str) -> tuple[list[str], list[str]]:
    parent = [h if h not in ("预算金额", "合同金额", "开始日期", "结束日期") else "" for h in PROJECT_HEADER]
    parent[6], parent[9] = f"金额（{unit}）", "服务期限"
    child = ["" if p and p == h else h for p, h in zip(parent, PROJECT_HEADER, strict=True)]
    return parent, child


def test_a_two_row_header_in_a_csv_is_combined_with_its_parents_unit(tmp_path):
    parent, child = _two_rows("万元")
    fr = _only(_read(_csv(tmp_path / "projects.csv", [parent, child, PROJECT])))
    assert set(fr.frame.columns[3:]) == {ProjectRecord.header(f) for f in ProjectRecord.layout_fields()}
    assert fr.units == {"budget": 10_000, "contract_amount": 10_000}
    assert (1, "upper header row") in fr.skipped and len(fr.frame) == 1


def test_a_two_row_header_in_a_workbook_with_merges(tmp_path):
    parent, child = _two_rows("元")
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in (["清单"] + [""] * 15, parent, child, PROJECT):
        ws.append(r)
    ws.merge_cells("A1:P1")
    ws.merge_cells("G2:H2")
    ws.merge_cells("J2:K2")
    for col in "ABCDEFILMNOP":
        ws[f"{col}3"] = None
        ws.merge_cells(f"{col}2:{col}3")
    wb.save(tmp_path / "projects.xlsx")
    fr = _only(_read(tmp_path / "projects.xlsx"))
    assert len(fr.frame) == 1 and fr.frame["项目编号"].tolist() == ["JD-2024-004"]
    assert fr.frame["预算金额（元）"].tolist() == ["12.99"] and fr.units == {}
    assert [why for _, why in fr.skipped] == ["title or banner above the header", "upper header row"]


# --- merged cells and hidden sheets ---------------------------------------------------------


def test_merged_cells_fill_every_row_they_cover(tmp_path):
    header = [
        "区县代码",
        "区县名称",
        "街道代码",
        "街道名称",
        "街道类型",
        "社区代码",
        "社区名称",
        "社区类型",
        "常住人口",
    ]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header)
    for n in range(1, 4):
        ws.append(
            ["310106", "静安区", "310106006000", "江宁路街道", "街道", f"31010600600{n}", f"社区{n}", "居委会", "100"]
        )
    for col in "ABCDE":
        ws.merge_cells(f"{col}2:{col}4")
    wb.save(tmp_path / "communities.xlsx")
    fr = _only(_read(tmp_path / "communities.xlsx", CONTRACTS["communities"]))
    assert fr.frame["街道名称"].tolist() == ["江宁路街道"] * 3 and fr.frame["区县代码"].tolist() == ["310106"] * 3


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_hidden_sheets_are_not_read_and_are_named(tmp_path, state):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "现行"
    ws.append(PROJECT_HEADER)
    ws.append(PROJECT)
    old = wb.create_sheet("旧版")
    old.append(PROJECT_HEADER)
    old.append([*PROJECT[:6], "1", "1", *PROJECT[8:]])
    old.sheet_state = state
    wb.save(tmp_path / "projects.xlsx")
    parts = _read(tmp_path / "projects.xlsx")
    assert len(parts["projects.xlsx[现行]"].frame) == 1
    hidden = parts["projects.xlsx[旧版]"]
    assert len(hidden.frame) == 0 and hidden.broken == []
    assert hidden.notes and ("very hidden" if state == "veryHidden" else "hidden sheet") in hidden.notes[0]


# --- rows that are not records --------------------------------------------------------------


@pytest.mark.parametrize(
    "first,why",
    [
        ("合计", "total row"),
        ("总计", "total row"),
        ("江宁路街道 汇总", "subtotal row"),
        ("注：金额单位为元", "note or signature line"),
        ("说明:本表由街道填报", "note or signature line"),
        ("填报人：张三", "note or signature line"),
        ("审核人:", "note or signature line"),
        ("填报日期：2025年1月", "note or signature line"),
        ("填报单位（盖章）：", "note or signature line"),
        ("注1. 数据截至年底", "note or signature line"),
    ],
)
def test_totals_subtotals_notes_and_signatures_are_skipped_and_listed(tmp_path, first, why):
    rows = [PROJECT_HEADER, PROJECT, [first] + [""] * 15]
    fr = _only(_read(_csv(tmp_path / "projects.csv", rows)))
    assert len(fr.frame) == 1 and fr.skipped == [(3, why)] and fr.broken == []


@pytest.mark.parametrize("name", ["注册会计师协会", "联系人之家服务中心", "说明书翻译协会", "审核服务社"])
def test_names_that_start_like_a_footer_are_records(tmp_path, name):
    row = [PROJECT[0], name, *PROJECT[2:]]
    fr = _only(_read(_csv(tmp_path / "projects.csv", [PROJECT_HEADER, row])))
    assert len(fr.frame) == 1 and fr.skipped == []


# --- files that are not what their name says -------------------------------------------------


def test_an_html_table_named_xls_with_spans_and_line_breaks(tmp_path):
    cells = "".join(f"<th>{h}</th>" for h in PROJECT_HEADER)
    row = (
        "".join(f"<td>{c}</td>" for c in PROJECT[:13])
        + "<td>310106014002<br>310106014010</td>"
        + "".join(f"<td>{c}</td>" for c in PROJECT[14:])
    )
    row2 = '<td rowspan="1" colspan="1">JD-2024-005</td>' + "".join(f"<td>{c}</td>" for c in PROJECT[1:])
    page = f"<html><meta charset='GBK'><body><table><tr>{cells}</tr><tr>{row}</tr><tr>{row2}</tr></table></body></html>"
    (tmp_path / "projects.xls").write_bytes(page.encode("gbk"))
    fr = _only(_read(tmp_path / "projects.xls"))
    assert fr.format == "html table (named .xls) gbk" and len(fr.frame) == 2
    assert fr.frame["服务社区代码"].tolist()[0] == "310106014002\n310106014010"


def test_html_rowspan_and_colspan_fill_the_cells_they_cover():
    from pipelines.common.html_tables import tables

    grid = tables("<table><tr><td rowspan=2>a</td><td colspan=2>b</td></tr><tr><td>c</td><td>d</td></tr></table>")
    assert grid == [[(1, ["a", "b", "b"]), (2, ["a", "c", "d"])]]


def test_csv_text_named_xls_and_a_workbook_named_csv(tmp_path):
    _csv(tmp_path / "projects.xls", [PROJECT_HEADER, PROJECT], encoding="gbk")
    assert _only(_read(tmp_path / "projects.xls")).format == "csv (named .xls) gbk"
    wb = openpyxl.Workbook()
    wb.active.append(PROJECT_HEADER)
    wb.active.append(PROJECT)
    wb.save(tmp_path / "x.xlsx")
    (tmp_path / "x.xlsx").rename(tmp_path / "projects.csv")
    fr = _only(_read(tmp_path / "projects.csv"))
    assert fr.format.endswith("sheet Sheet") and len(fr.frame) == 1


@pytest.mark.parametrize(
    "content,what",
    [
        (b"%PDF-1.4 ...", "a PDF document"),
        (b"\x00\x01\x02garbage", "binary data, not a table"),
        (b"PK\x03\x04 not a zip", "not a readable workbook"),
    ],
)
def test_a_file_that_is_no_table_is_one_entry(tmp_path, content, what):
    for name in ("projects.csv", "projects.xlsx"):
        (tmp_path / name).write_bytes(content)
        fr = _only(_read(tmp_path / name))
        assert len(fr.frame) == 0 and len(fr.broken) == 1
        row, rule, detail = fr.broken[0]
        assert (row, rule) == (0, "unreadable_file") and what in detail


def test_an_empty_file_is_a_note_not_a_crash(tmp_path):
    (tmp_path / "projects.xlsx").write_bytes(b"")
    fr = _only(_read(tmp_path / "projects.xlsx"))
    assert fr.broken == [] and "empty file" in fr.notes[0]


# --- cells ----------------------------------------------------------------------------------


def test_the_invisible_list_is_unicodes_format_characters():
    """Oracle: every code point of category Cf (Unicode 14, Python 3.11's unicodedata) is in
    INVISIBLE, and nothing printable is, but the Hangul fillers that render as blank."""
    assert unicodedata.unidata_version == "14.0.0" or sys.version_info >= (3, 12)
    fillers = {0x115F, 0x1160, 0x3164, 0xFFA0}
    for cp in range(sys.maxunicode + 1):
        ch = chr(cp)
        cat = unicodedata.category(ch)
        hit = INVISIBLE.fullmatch(ch) is not None
        if cat == "Cf" or cp in fillers or (cat == "Cc" and ch not in "\t\n\r\x0b\x0c"):
            assert hit, hex(cp)
        else:
            assert not hit, hex(cp)


def test_guards_invisible_characters_and_byte_order_marks_are_taken_off():
    assert compact('="52310106519213117A"') == "52310106519213117A"
    assert compact("'000000198001062673") == "000000198001062673"
    assert compact("\t000000197704019458") == "000000197704019458"
    assert compact("52310106533802276J\u200b") == "52310106533802276J"
    assert tidy("\ufeff上海市\u200d静安区\u00ad社区") == "上海市静安区社区"
    assert decode("\ufeff\ufeff项目编号,项目名称".encode())[0] == "项目编号,项目名称"


def test_digits_of_other_scripts_are_not_made_ascii():
    assert halfwidth("３１０１０６") == "310106"  # full-width digits are how IMEs type digits
    for text in ("①２３", "3101⁰⁶", "𝟑𝟏𝟎"):
        assert not compact(text).isascii(), text
    for bad in ("٣١٠", "३१०", "১২৩"):
        with pytest.raises(ValueError):
            parse_whole(bad)


@pytest.mark.parametrize(
    "text,day",
    [
        ("2014-08-31T16:00:00Z", dt.date(2014, 9, 1)),
        ("2014-08-31T16:00:00.000Z", dt.date(2014, 9, 1)),
        ("2014-09-01T08:00:00+08:00", dt.date(2014, 9, 1)),
        ("2014-09-01 23:30:00 -05:00", dt.date(2014, 9, 2)),
        ("2014-09-01T00:00:00+0800", dt.date(2014, 9, 1)),
    ],
)
def test_zoned_timestamps_are_the_day_in_china(text, day):
    assert parse_date(text) == day


def test_old_org_type_names_and_split_lists_in_the_contract():
    import pandas as pd

    row = {
        "社会组织名称": "某服务中心",
        "统一社会信用代码": "52310106533802276J",
        "社会组织类型": "民办非企业单位",
        "登记管理机关": "上海市静安区民政局",
        "成立登记日期": "1996-02-21",
        "登记状态": "正常",
        "住所所在街道代码": "310106012000",
    }
    frame = pd.DataFrame([{"_file": "f", "_row": 2, "_asof": DAY, **row}])
    got = validate_frame(frame, OrganisationRecord, DAY)
    assert got.accepted["org_type"].tolist() == ["社会服务机构"], got.issues.to_dict("records")
    cells = dict(zip(PROJECT_HEADER, PROJECT, strict=True)) | {
        "服务社区代码": "310106014002\n310106014010 310106014013"
    }
    frame = pd.DataFrame([{"_file": "f", "_row": 2, "_asof": DAY, **cells}]).rename(
        columns={"预算金额": "预算金额（元）", "合同金额": "合同金额（元）"}
    )
    got = validate_frame(frame, ProjectRecord, DAY)
    assert got.accepted["served_communities"].tolist() == [["310106014002", "310106014010", "310106014013"]]


def test_empty_tables_are_typed_by_the_contract():
    """A column of no rows is float64 in pandas; only an amount may be float here."""
    for model in CONTRACTS.values():
        table = empty_table(model)
        assert list(table.columns) == [*model.model_fields, "_file", "_row", "_asof"]
        for name, info in model.model_fields.items():
            if float not in inner_types(info.annotation):
                assert table[name].dtype != "float64", (model.__name__, name)


def _xml_cell(v: str, extra: str = "") -> str:
    kind = "Number" if v.replace(".", "").isdigit() and not v.startswith("0") and len(v) < 9 else "String"
    return f'<Cell{extra}><Data ss:Type="{kind}">{v}</Data></Cell>'


def test_an_xml_spreadsheet_2003_named_xls(tmp_path):
    head = "".join(_xml_cell(h) for h in PROJECT_HEADER)
    row = "".join(_xml_cell(c) for c in PROJECT[:15])  # the last cell left out, as Excel does
    page = f"""<?xml version="1.0" encoding="UTF-8"?>
<?mso-application progid="Excel.Sheet"?>
<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"
 xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet" xmlns:x="urn:schemas-microsoft-com:office:excel">
<Worksheet ss:Name="清单"><Table>
<Row>{_xml_cell("2024年项目清单", ' ss:MergeAcross="15"')}</Row>
<Row ss:Index="3">{_xml_cell("单位：万元", ' ss:Index="16"')}</Row>
<Row>{head}</Row><Row>{row}</Row></Table></Worksheet>
<Worksheet ss:Name="旧"><Table><Row>{head}</Row><Row>{row}</Row></Table>
<WorksheetOptions xmlns="urn:schemas-microsoft-com:office:excel"><Visible>SheetHidden</Visible></WorksheetOptions>
</Worksheet></Workbook>"""
    (tmp_path / "projects.xls").write_text(page, encoding="utf-8")
    parts = _read(tmp_path / "projects.xls")
    fr = parts["projects.xls[清单]"]
    assert fr.format == "xml spreadsheet (named .xls) sheet 清单" and len(fr.frame) == 1
    assert fr.frame["预算金额（元）"].tolist() == ["12.99"] and fr.units == {
        "budget": 10_000,
        "contract_amount": 10_000,
    }
    assert fr.skipped == [(1, "title or banner above the header"), (3, "title or banner above the header")]
    assert len(parts["projects.xls[旧]"].frame) == 0 and "hidden" in parts["projects.xls[旧]"].notes[0]
    (tmp_path / "projects.xls").write_text(page[:400], encoding="utf-8")  # cut short
    assert _only(_read(tmp_path / "projects.xls")).broken[0][1] == "unreadable_file"
