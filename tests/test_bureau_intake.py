"""Registers as bureaus keep them (tests/corpus/bureau.py): Chinese file names, platform and
bureau headers, no derivable columns. Every good row loads with no mapping, each planted defect
is quarantined at its row, and the catalogue queries give the answers pandas oracles compute
from the corpus's ground truth. Also: the national platform's export, `sanshe inspect`, and the
clerk's mapping in manifest.yaml."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import test_queries_oracle as oracle
import yaml

from data_contracts import CONTRACTS
from pipelines.common import claiming
from pipelines.common.mapping import MappingError, parse
from pipelines.graph.store import EmbeddedGraphStore
from pipelines.settings import SAMPLE_DIR, Settings
from sanshe.cli import main
from sanshe.run import run_pipeline
from tests.corpus.bureau import SNAPSHOT, Bureau, build

HERE = Path(__file__).parent


@pytest.fixture(scope="module")
def bureau(sample_run, tmp_path_factory) -> tuple[Settings, Bureau]:
    root = tmp_path_factory.mktemp("bureau")
    corpus = build(root / "inbox", sample_run[0].tables_dir)
    settings = Settings(root / "inbox", root / "out")
    outcome = run_pipeline(settings)
    assert outcome.success, "the pipeline failed on the bureau's registers"
    return settings, corpus


def _csv(settings: Settings, name: str) -> pd.DataFrame:
    return pd.read_csv(settings.quarantine_dir / name, dtype=str, keep_default_na=False)


def test_every_file_is_taken_by_its_register_whatever_its_name(bureau):
    settings, b = bureau
    acc = _csv(settings, "accounting.csv")
    # a register with no file of its own (hubs: named only in memberships) has a "no file" row
    assert set(acc.loc[acc["file"] == "", "register"]) == {"hubs"}
    taken = acc[acc["file"] != ""].drop_duplicates("file").set_index("file")["register"].to_dict()
    assert taken == b.claims
    nums = acc[["rows_read", "rows_accepted", "rows_quarantined"]].astype(int)
    assert (nums["rows_read"] == nums["rows_accepted"] + nums["rows_quarantined"]).all()


def test_every_planted_defect_is_quarantined_at_its_row_and_nothing_else(bureau):
    settings, b = bureau
    q = _csv(settings, "quarantine.csv")
    found = {
        (r, f, s, int(row), rule)
        for r, f, s, row, rule in q[["source", "file", "sheet", "row", "rule"]].itertuples(index=False)
    }
    assert set(b.quarantined) <= found
    # only the planted rows are quarantined (a defect may break more than one rule)
    assert {(r, f, s, row) for r, f, s, row, _ in found} == {(r, f, s, row) for r, f, s, row, _ in b.quarantined}
    w = _csv(settings, "warnings.csv")
    warned = {
        (r, f, s, int(row), rule)
        for r, f, s, row, rule in w[["source", "file", "sheet", "row", "rule"]].itertuples(index=False)
    }
    assert set(b.warned) <= warned


def test_every_good_row_is_accepted_with_its_derived_values(bureau):
    settings, b = bureau
    for name, truth in b.truth.items():
        got = pd.read_parquet(settings.tables_dir / f"{name}.parquet")
        key = list(CONTRACTS[name].key)
        assert len(got) == len(truth), name
        assert sorted(map(tuple, got[key].astype(str).values)) == sorted(map(tuple, truth[key].astype(str).values)), (
            name
        )
    got = pd.read_parquet(settings.tables_dir / "communities.parquet").set_index("community_code")
    truth = b.truth["communities"].set_index("community_code")
    for col in ("district_code", "district_name", "street_code", "street_name", "street_kind", "community_kind"):
        pd.testing.assert_series_equal(
            got[col].astype(str).sort_index(), truth[col].astype(str).sort_index(), check_names=False
        )
    org = pd.read_parquet(settings.tables_dir / "organisations.parquet").set_index("uscc")
    street = b.truth["organisations"].set_index("uscc")["street_code"]
    assert (org["street_code"].reindex(street.index).fillna("") == street.fillna("")).all()


def test_derivations_are_counted_per_file_not_warned_per_row(bureau):
    settings, _ = bureau
    acc = _csv(settings, "accounting.csv").set_index("file")
    note = acc.loc["communities/社区名录.csv", "note"]
    assert "derived_value: " in note and "street_name <- " in note and "community_kind <- " in note
    assert "division row" in note  # the street and district rows are not records
    assert "award_date <- " in acc.loc["projects/政府购买服务项目_2023-2024.xlsx", "note"]
    assert "worker_key <- " in acc.loc["workers/持证社工.csv", "note"]
    w = _csv(settings, "warnings.csv")
    assert "derived_value" not in set(w["rule"])


@pytest.fixture(scope="module")
def truth_tables(bureau):
    _, b = bureau
    snapshots = {name: df.assign(asof=SNAPSHOT) for name, df in b.truth.items()}
    return snapshots, {name: oracle.as_of(df, list(CONTRACTS[name].key), SNAPSHOT) for name, df in snapshots.items()}


@pytest.fixture(scope="module")
def bureau_store(bureau):
    return EmbeddedGraphStore(bureau[0].graph_path)


def test_queries_match_the_oracles_on_the_ground_truth(bureau_store, truth_tables, tmp_path, monkeypatch):
    snapshots, tables = truth_tables
    store, more = bureau_store, (tmp_path, monkeypatch)  # where check() writes exports, and its patches
    oracle.test_hub_coverage(store, snapshots, tables, SNAPSHOT, *more)
    oracle.test_unattached_organisations(store, snapshots, tables, SNAPSHOT, *more)
    for params in ({}, {"year": 2024}, {"category": "养老服务"}):
        oracle.test_funding_by_street(store, tables, params, *more)
    for params in ({}, {"year": 2020}):
        oracle.test_funding_by_purchaser(store, tables, params, *more)
        oracle.test_provider_concentration(store, tables, params, *more)
    oracle.test_poorly_evaluated_still_funded(store, tables, "优秀", *more)
    oracle.test_community_linkage(store, tables, SNAPSHOT, *more)
    oracle.test_organisation_density(store, snapshots, tables, SNAPSHOT, *more)
    for pick in (0, -1):
        oracle.test_community_profile(store, tables, pick)
    oracle.test_award_eligibility(store, snapshots, tables, "3A", *more)


def test_inspect_prints_the_plan_and_drafts_no_mapping_when_none_is_needed(bureau, capsys, tmp_path):
    settings, _ = bureau
    draft = tmp_path / "draft.yaml"
    assert main(["inspect", "--source", str(settings.source_dir), "--write-mapping", str(draft)]) == 0
    out = capsys.readouterr().out
    assert "== communities/社区名录.csv" in out and "统计用区划代码 -> community_code" in out
    assert "derived · 推导: street_name <- " in out
    assert "== 年检结果.csv" in out and "annual_inspections (by header)" in out
    assert "problem · 问题: row " in out
    assert "no mapping needed" in draft.read_text(encoding="utf-8")


def test_inspect_runs_on_the_sample(capsys):
    assert main(["inspect", "--source", str(SAMPLE_DIR)]) == 0
    out = capsys.readouterr().out
    assert out.count("== ") == sum(1 for p in SAMPLE_DIR.rglob("*.csv"))


# -- the clerk's mapping --------------------------------------------------------------------


def test_a_mapped_header_is_read_as_its_field_and_a_value_spelling_as_its_value(tmp_path):
    inbox = tmp_path / "inbox"
    shutil.copytree(SAMPLE_DIR / "evaluations", inbox / "evaluations")
    f = inbox / "evaluations" / "evaluations.csv"
    f.write_text(
        f.read_text(encoding="utf-8").replace("评估机构", "承办评估的单位").replace(",良好", ",较好"), encoding="utf-8"
    )
    manifest = yaml.safe_load((SAMPLE_DIR / "manifest.yaml").read_text(encoding="utf-8"))
    manifest["mapping"] = {
        "evaluations": {"headers": {"承办评估的单位": "evaluator"}, "values": {"grade": {"较好": "良好"}}}
    }
    (inbox / "manifest.yaml").write_text(yaml.safe_dump(manifest, allow_unicode=True), encoding="utf-8")
    from sanshe.inspect import plan

    p = next(p for p in plan(inbox) if p.register == "evaluations")
    assert ("承办评估的单位", "evaluator") in p.columns
    assert not p.missing and not any("value_not_allowed" in x for x in p.problems)


@pytest.mark.parametrize(
    "section,says",
    [
        ({"evaluations": {"headers": {"机构": "no_such_field"}}}, "no field 'no_such_field'"),
        ({"evaluations": {"headers": {"机构": "evaluator", "单位": "evaluator"}}}, "mapped from two headers"),
        ({"nowhere": {"headers": {}}}, "unknown register 'nowhere'"),
        ({"x/a.csv": {"register": "evaluations", "headers": {"a": "evaluator", "A": "score"}}}, "mapped to two fields"),
    ],
)
def test_a_mapping_mistake_is_one_clear_error(section, says):
    with pytest.raises(MappingError) as err:
        parse(section)
    assert says in str(err.value) and "mapping" in str(err.value)


def test_a_mapping_mistake_stops_inspect_and_run_with_one_message(tmp_path, capsys):
    inbox = tmp_path / "inbox"
    shutil.copytree(SAMPLE_DIR, inbox)
    manifest = yaml.safe_load((inbox / "manifest.yaml").read_text(encoding="utf-8"))
    manifest["mapping"] = {"projects": {"headers": {"金额": "amount"}}}
    (inbox / "manifest.yaml").write_text(yaml.safe_dump(manifest, allow_unicode=True), encoding="utf-8")
    assert main(["inspect", "--source", str(inbox)]) == 2
    assert "header '金额' names no field 'amount'" in capsys.readouterr().err
    assert not run_pipeline(Settings(inbox, tmp_path / "out")).success


# -- claiming --------------------------------------------------------------------------------


def test_a_root_file_is_taken_by_its_header_only_when_unambiguous(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(SAMPLE_DIR / "manifest.yaml", inbox / "manifest.yaml")
    shutil.copy(SAMPLE_DIR / "workers" / "social_workers.csv", inbox / "名单.csv")
    (inbox / "两可.csv").write_text("统一社会信用代码,名称\n51310106MA1X00010G,某\n", encoding="utf-8")
    claims = {c.rel: c for c in claiming.claims(inbox)}
    assert claims["名单.csv"].register == "workers"
    assert claims["两可.csv"].register is None and "register" in claims["两可.csv"].how


def test_a_file_in_a_shared_folder_goes_where_its_header_says(tmp_path):
    inbox = tmp_path / "inbox"
    shutil.copytree(SAMPLE_DIR, inbox)
    (inbox / "organisations" / "annual_inspections.csv").rename(inbox / "organisations" / "社会组织名录（年检）.csv")
    (inbox / "communities" / "district_changes.csv").rename(inbox / "communities" / "communities_changes.csv")
    claims = {c.rel: c.register for c in claiming.claims(inbox)}
    assert claims["organisations/社会组织名录（年检）.csv"] == "annual_inspections"
    assert claims["communities/communities_changes.csv"] == "district_changes"


# -- the national platform's export -----------------------------------------------------------


@pytest.fixture(scope="module")
def platform_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("platform")
    inbox = root / "inbox"
    shutil.copytree(SAMPLE_DIR, inbox)
    src = HERE / "intake_cases" / "national-platform-export" / "organisations" / "organisations.csv"
    text = src.read_text(encoding="utf-8").splitlines()
    # one organisation on the abnormal-activity list, written in the platform's own columns
    header = text[0].split(",")
    row = text[1].split(",")
    row[header.index("异常活动名录_列入时间")] = "2024-05-06"
    row[header.index("异常活动名录_列入事由")] = "未按规定报送年度工作报告"
    text[1] = ",".join(row)
    (inbox / "organisations" / "organisations.csv").write_text("\n".join(text) + "\n", encoding="utf-8")
    settings = Settings(inbox, root / "out")
    outcome = run_pipeline(settings)
    assert outcome.success
    return settings, outcome, row[header.index("统一社会信用代码")], sum(1 for _ in text[1:])


def test_the_national_platform_export_loads_with_a_missing_street_noted_not_rejected(platform_run):
    settings, outcome, _, n = platform_run
    acc = _csv(settings, "accounting.csv").set_index("file")
    line = acc.loc["organisations/organisations.csv"]
    assert int(line["rows_read"]) == n
    assert int(line["rows_accepted"]) >= n - 3  # the sample's two forged codes and one duplicate
    assert "street_code: unknown" in line["note"]
    q = _csv(settings, "quarantine.csv")
    assert "missing_column" not in set(q["rule"])
    status = pd.read_parquet(settings.tables_dir / "organisations__status.parquet")
    assert status["uscc"].nunique() >= int(line["rows_accepted"])


def test_the_national_platform_credit_columns_become_credit_list_entries(platform_run):
    settings, _, uscc, _ = platform_run
    credit = pd.read_parquet(settings.tables_dir / "organisations__credit_lists.parquet")
    mine = credit[credit["uscc"] == uscc]
    assert list(mine["credit_list"]) == ["活动异常名录"]
    assert str(mine["listed_on"].iloc[0]) == "2024-05-06"
    store = EmbeddedGraphStore(settings.graph_path)
    got = store.query(
        "MATCH (o:SocialOrganisation {uscc: $u})-[:ON_CREDIT_LIST]->(c:CreditList) RETURN c.code AS code", {"u": uscc}
    )
    assert list(got["code"]) == ["abnormal_activity"]
