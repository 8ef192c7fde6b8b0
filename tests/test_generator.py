"""The sample generator: deterministic, calibrated to DOMAIN.md, and what is shipped."""

import datetime as dt
import filecmp
from collections import Counter

import pandas as pd
import pytest
import yaml

from data_contracts.identifiers import (
    ORG_TYPE_DIGIT,
    TEST_ADDRESS_CODE,
    id_number_problems,
    uscc_problems,
)
from pipelines.settings import SAMPLE_DIR
from sanshe.generator import generate
from sanshe.generator.district import DistrictGenerator

JINGAN_STREETS = {
    "310106006000": "江宁路街道",
    "310106011000": "石门二路街道",
    "310106012000": "南京西路街道",
    "310106013000": "静安寺街道",
    "310106014000": "曹家渡街道",
    "310106015000": "天目西路街道",
    "310106016000": "北站街道",
    "310106017000": "宝山路街道",
    "310106018000": "共和新路街道",
    "310106019000": "大宁路街道",
    "310106020000": "彭浦新村街道",
    "310106021000": "临汾路街道",
    "310106022000": "芷江西路街道",
    "310106100000": "彭浦镇",
}


@pytest.fixture(scope="module")
def regs():
    # the registers before defects are planted: invariants hold for the clean generator output
    g = DistrictGenerator(2015)
    g.communities()
    g.organisations()
    g.hubs()
    g.workers()
    g.projects()  # noqa: E702
    return g.r


@pytest.mark.parametrize("seed", [1, 7, 42, 2015])
def test_any_seed_generates(seed):
    regs = DistrictGenerator(seed).build()
    assert len(regs.organisations) > 1000 and len(regs.projects) > 900


def test_shipped_sample_is_exactly_the_generator_output(tmp_path):
    generate(tmp_path, seed=2015)
    ours = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    shipped = sorted(p.relative_to(SAMPLE_DIR) for p in SAMPLE_DIR.rglob("*") if p.is_file())
    assert ours == shipped
    _, mismatch, errors = filecmp.cmpfiles(tmp_path, SAMPLE_DIR, [str(p) for p in ours], shallow=False)
    assert not mismatch and not errors, f"data/sample is stale: run `sanshe generate --out data/sample` ({mismatch})"


def test_same_seed_same_bytes_other_seed_other_data(tmp_path):
    generate(tmp_path / "a", seed=7)
    generate(tmp_path / "b", seed=7)
    generate(tmp_path / "c", seed=8)
    a = (tmp_path / "a/organisations/organisations.csv").read_bytes()
    assert a == (tmp_path / "b/organisations/organisations.csv").read_bytes()
    assert a != (tmp_path / "c/organisations/organisations.csv").read_bytes()


def test_geography_is_jingan(regs):
    com = pd.DataFrame(regs.communities)
    streets = dict(zip(com["street_code"], com["street_name"], strict=True))
    assert streets == JINGAN_STREETS
    assert com["population"].sum() == 975_707
    kinds = Counter(com["community_kind"])
    assert kinds == {"居委会": 265, "村委会": 1}
    assert all(c[:9] == s[:9] for c, s in zip(com["community_code"], com["street_code"], strict=True))
    assert com["community_code"].is_unique and com["community_name"].is_unique


def test_organisation_codes_pass_the_full_check_and_match_their_type(regs):
    for o in regs.organisations:
        assert uscc_problems(o["uscc"]) == [], o["uscc"]
        assert o["uscc"][0] == "5" and o["uscc"][1] == ORG_TYPE_DIGIT[o["org_type"]]
        if o["org_type"] == "基金会":
            assert o["uscc"][4:8] == "0000"  # national or provincial registration


def test_calibrated_to_reference_figures(regs):
    active = [o for o in regs.organisations if o["status"] == "正常"]
    # 968 registered organisations at the end of 2016 after the merger, growing after
    assert 968 < len(active) <= 1200
    ms = {m["uscc"] for m in regs.hub_memberships}
    # 15 deliberately unattached, plus newly registered organisations that have not joined yet
    assert 15 <= sum(o["uscc"] not in ms for o in active) <= 60
    hubs = Counter(h["hub_kind"] for h in regs.hubs)
    assert hubs["区社会组织联合会"] == 1 and hubs["街道枢纽"] == 14 and hubs["行业枢纽"] >= 3
    special = pd.DataFrame(regs.projects)
    special = special[special["funding_source"] == "区社会组织发展专项资金"]
    per_year = special.groupby(special["award_date"].map(lambda d: d.year))["contract_amount"].sum()
    # Jing'an's special fund is 15 million yuan a year for subsidies, capacity building, rewards
    # and projects: projects take at least a third of it, never more than all of it
    assert per_year.between(5e6, 15e6).all(), per_year.to_dict()


def test_history_is_calibrated_to_the_source_documents(regs):
    from sanshe.generator.district import OLD_JINGAN_POPULATION

    snap = regs.snapshots["organisations"]
    sept14 = [o for o in snap[dt.date(2014, 9, 30)] if o["status"] == "正常"]
    # Sept 2014: 488 organisations in old Jing'an, at 16.5 per 10,000 residents
    assert len(sept14) == 488 and all(o["street_code"] in OLD_JINGAN_POPULATION for o in sept14)
    assert round(488 * 10_000 / sum(OLD_JINGAN_POPULATION.values()), 1) == 16.5
    com = pd.DataFrame(regs.communities)
    assert com.loc[com["street_code"].isin(OLD_JINGAN_POPULATION), "population"].sum() == 296_000
    # end of 2016, after the merger: 968
    assert sum(o["status"] == "正常" for o in snap[dt.date(2016, 12, 31)]) == 968
    # the nine former Zhabei streets moved on one day in October 2015
    moves = pd.DataFrame(regs.district_changes)
    assert len(moves) == 9 and set(moves["from_district_code"]) == {"310108"}
    assert {d.strftime("%Y-%m") for d in moves["change_date"]} == {"2015-10"}


def test_hubs_before_and_after_the_merger(regs):
    def on(day):
        return Counter(
            h["hub_kind"]
            for h in regs.hubs
            if h["established_on"] <= day and (h["dissolved_on"] is None or h["dissolved_on"] > day)
        )

    before, after = on(dt.date(2014, 12, 31)), on(dt.date(2016, 12, 31))
    assert (before["区社会组织联合会"], before["街道枢纽"]) == (1, 5) and before["行业枢纽"] >= 1
    assert (after["区社会组织联合会"], after["街道枢纽"]) == (1, 14) and after["行业枢纽"] >= 1


def test_generated_id_numbers_pass_every_rule_of_the_contract(regs):
    # made up, under the test address code: valid in a synthetic inbox only (as the manifest says)
    for w in regs.workers:
        assert w["id_number"].startswith(TEST_ADDRESS_CODE)
        assert id_number_problems(w["id_number"], dt.date(2025, 12, 31), synthetic=True) == []
        assert id_number_problems(w["id_number"], dt.date(2025, 12, 31)) == ["id_number_address"]


def test_planted_defects_are_recorded():
    defects = yaml.safe_load((SAMPLE_DIR / "planted_defects.yaml").read_text(encoding="utf-8"))
    assert {d["register"] for d in defects} >= {
        "organisations",
        "communities",
        "hub_memberships",
        "workers",
        "projects",
        "evaluations",
    }
