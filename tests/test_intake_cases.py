"""The intake cases of issue 13 (tests/intake_cases/, copied from the project's shared cases):
files as bureaus keep them, each a quirk people report with Chinese government spreadsheets.

The oracle is the shipped sample: every case is the sample with some files rewritten in a
bureau's way (a workbook with merged cells, an HTML table named .xls, guarded codes, ...), so
the right outcome is the sample's own: the same accepted tables, the same graph, the same
rows read, accepted and quarantined per file. On top, each case's own promise from
tests/intake_cases/README.md is checked (a hidden sheet named in the accounting, the unit line
noted, the sub-header row not a record, ...).

Cases that touch different files share one inbox, so four runs cover the nine cases.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from data_contracts import CONTRACTS
from pipelines.settings import SAMPLE_DIR, Settings
from sanshe.run import run_pipeline

CASES = Path(__file__).parent / "intake_cases"
#: inboxes: cases that touch different files of the sample share one
GROUPS = {
    "a": [
        "excel-text-guards",
        "invisible-characters",
        "merged-cells",
        "html-disguised-as-xls",
        "pre-2016-org-type-name",
    ],
    "b": ["hidden-stale-sheet", "multi-value-line-breaks"],
    "c": ["unit-banner-wan-yuan"],
    "d": ["two-row-header"],
}
#: a case's file that replaces a sample file of another format: (case file, sample file)
REPLACED = {
    "merged-cells": ("communities/communities.xlsx[社区名录]", "communities/communities.csv"),
    "html-disguised-as-xls": ("hubs/hubs.xls", "hubs/hubs.csv"),
    "hidden-stale-sheet": ("organisations/organisations.xlsx[社会组织名录]", "organisations/organisations.csv"),
    "unit-banner-wan-yuan": ("projects/projects_2024.xlsx[2024年项目清单]", "projects/projects_2024.csv"),
    "two-row-header": ("projects/projects_2024.xlsx[项目清单]", "projects/projects_2024.csv"),
}


def build_inbox(dst: Path, cases: list[str]) -> Path:
    """The sample with each case applied, as tests/intake_cases/apply.sh does."""
    shutil.copytree(SAMPLE_DIR, dst)
    for case in cases:
        remove = CASES / case / "remove.txt"
        if remove.exists():
            for name in remove.read_text(encoding="utf-8").split():
                (dst / name).unlink()
        shutil.copytree(CASES / case / "overlay", dst, dirs_exist_ok=True)
    return dst


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, tuple[Settings, object]]:
    out = {}
    for group, cases in GROUPS.items():
        root = tmp_path_factory.mktemp(f"cases_{group}")
        settings = Settings(build_inbox(root / "inbox", cases), root / "out")
        outcome = run_pipeline(settings)
        assert outcome.success, f"the pipeline failed on cases {cases}: {outcome.error}"
        out[group] = (settings, outcome)
    return out


def _group(case: str) -> str:
    return next(g for g, cases in GROUPS.items() if case in cases)


def _accounting(settings: Settings) -> pd.DataFrame:
    acc = pd.read_csv(settings.quarantine_dir / "accounting.csv", dtype=str, keep_default_na=False)
    acc["part"] = [f"{f}[{s}]" if s else f for f, s in zip(acc["file"], acc["sheet"], strict=True)]
    return acc.set_index("part")


def _table(settings: Settings, name: str) -> pd.DataFrame:
    frame = pd.read_parquet(settings.tables_dir / f"{name}.parquet")
    key = [*CONTRACTS[name].key, "asof"]
    return frame.sort_values(key).reset_index(drop=True)


ALL_CASES = [c for cases in GROUPS.values() for c in cases]


@pytest.mark.parametrize("case", ALL_CASES)
def test_each_case_gives_the_samples_tables_and_graph(case, runs, sample_run):
    """Read the bureau's way, the registers are what the sample's plain CSV files give."""
    settings, outcome = runs[_group(case)]
    want_settings, want = sample_run
    assert outcome.graph_counts == want.graph_counts
    for name in CONTRACTS:
        pd.testing.assert_frame_equal(
            _table(settings, name), _table(want_settings, name), check_dtype=False, obj=f"{case}: {name}"
        )


@pytest.mark.parametrize("case", ALL_CASES)
def test_each_file_of_a_case_reads_accepts_and_quarantines_as_the_sample(case, runs, sample_run):
    acc, want = _accounting(runs[_group(case)][0]), _accounting(sample_run[0])
    numbers = ["rows_read", "rows_accepted", "rows_quarantined", "warnings"]
    for part in {p for p in acc.index if not acc.loc[p, "format"].endswith("(hidden)")}:
        sample_part = next((s for c, (p, s) in REPLACED.items() if p == part), part)
        assert acc.loc[part, numbers].tolist() == want.loc[sample_part, numbers].tolist(), part
    assert (
        acc["rows_read"].astype(int) == acc["rows_accepted"].astype(int) + acc["rows_quarantined"].astype(int)
    ).all()


def test_merged_cells_give_the_csv_samples_numbers(runs):
    row = _accounting(runs["a"][0]).loc["communities/communities.xlsx[社区名录]"]
    assert (row["rows_read"], row["rows_accepted"], row["rows_quarantined"]) == ("266", "265", "1")


def test_a_hidden_sheet_is_not_read_and_is_named(runs):
    settings, _ = runs["b"]
    acc = _accounting(settings)
    hidden = acc.loc["organisations/organisations.xlsx[旧版备份]"]
    assert hidden["rows_read"] == "0" and "hidden sheet not read" in hidden["note"]
    # the visible sheet's values stand: the stale copy said inspection year 2015
    orgs = pd.read_parquet(settings.tables_dir / "organisations.parquet")
    current = orgs[orgs["uscc"] == "523101065788993907"].sort_values("asof").iloc[-1]
    assert current["inspection_year"] == 2024


def test_a_unit_line_reads_amounts_in_wan_yuan_and_says_so(runs):
    settings, _ = runs["c"]
    projects = pd.read_parquet(settings.tables_dir / "projects.parquet").set_index("project_id")
    assert projects.loc["JD-2024-004", "budget"] == 129_900.0
    assert projects.loc["JD-2024-004", "contract_amount"] == 117_200.0
    note = _accounting(settings).loc["projects/projects_2024.xlsx[2024年项目清单]", "note"]
    assert "amounts in 万元" in note and "单位：万元" in note


def test_a_two_row_header_is_one_header_and_its_sub_header_row_no_record(runs):
    row = _accounting(runs["d"][0]).loc["projects/projects_2024.xlsx[项目清单]"]
    assert row["rows_read"] == "140"
    assert "1 upper header row" in row["note"]  # row 2 (金额（元） over 预算金额, 合同金额) is no record


def test_an_html_table_named_xls_is_read_as_a_table(runs):
    row = _accounting(runs["a"][0]).loc["hubs/hubs.xls"]
    assert row["format"] == "html table (named .xls) gbk" and row["rows_read"] == "21"


def test_old_org_type_names_read_as_todays(runs):
    settings, _ = runs["a"]
    orgs = pd.read_parquet(settings.tables_dir / "organisations.parquet")
    assert "民办非企业单位" not in set(orgs["org_type"])
    written = (CASES / "pre-2016-org-type-name/overlay/organisations/organisations_asof_2014-12-31.csv").read_text(
        encoding="utf-8"
    )
    assert "民办非企业单位" in written  # the case does use the old name


def test_list_cells_split_on_line_breaks_and_spaces(runs, sample_run):
    settings, _ = runs["b"]
    got = pd.read_parquet(settings.tables_dir / "projects.parquet").set_index("project_id")
    assert list(got.loc["JD-2024-004", "served_communities"]) == ["310106014002", "310106014010", "310106014013"]
