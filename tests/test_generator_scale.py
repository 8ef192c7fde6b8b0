"""The generator at named scales: deterministic, with the sample's invariants (valid codes,
nesting, made-up ID numbers), realistic skew, and registers the contracts accept whole. Checked
at the district and city scales; national is the same code with more districts."""

from __future__ import annotations

import datetime as dt
import filecmp
from collections import Counter

import pandas as pd
import pytest

from data_contracts import CONTRACTS
from data_contracts.identifiers import (
    ORG_TYPE_DIGIT,
    TEST_ADDRESS_CODE,
    id_number_problems,
    unknown_division,
    uscc_problems,
)
from data_contracts.validation import validate_frame
from pipelines.common.register import read_register
from pipelines.inbox import is_synthetic, read_manifest
from sanshe.generator.scale import SCALES, SNAPSHOT, PerDistrict, ScaleGenerator, generate_scale


@pytest.fixture(scope="module")
def city():
    return ScaleGenerator(SCALES["city"], seed=7).build()


def test_same_seed_same_files(tmp_path):
    generate_scale(tmp_path / "a", "district", seed=3)
    generate_scale(tmp_path / "b", "district", seed=3)
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert files and filecmp.cmpfiles(tmp_path / "a", tmp_path / "b", [str(f) for f in files], shallow=False)[0] == [
        str(f) for f in files
    ]


def test_counts_follow_the_per_district_calibration(city):
    per, n = PerDistrict(), SCALES["city"]
    comm = city["communities"]
    assert comm["district_code"].nunique() == n
    assert comm["street_code"].nunique() == n * (per.streets + per.towns)
    assert len(comm) == n * (per.streets * per.street_committees + per.towns * (per.town_committees + per.villages))
    assert len(city["organisations"]) == n * per.organisations and len(city["workers"]) == n * per.workers
    assert len(city["projects"]) == n * per.projects
    # national: 2,800 districts give ~650k committees, 890k organisations, 930k workers
    assert abs(SCALES["national"] * per.organisations - 890_000) < 10_000
    assert abs(SCALES["national"] * per.workers - 930_000) < 10_000


def test_codes_are_valid_and_nested(city):
    comm = city["communities"]
    assert (comm["street_code"].str[:6] == comm["district_code"]).all()
    assert (comm["community_code"].str[:9] == comm["street_code"].str[:9]).all()
    village = comm["community_code"].str[9:].astype(int) >= 200
    assert ((comm["community_kind"] == "村委会") == village).all()
    orgs = city["organisations"]
    assert not [u for u in orgs["uscc"] if uscc_problems(u)]
    assert (orgs["uscc"].str[1] == orgs["org_type"].map(ORG_TYPE_DIGIT)).all()
    assert orgs["uscc"].is_unique and orgs["name"].is_unique
    workers = city["workers"]
    # made-up numbers under the test address code, valid in a synthetic inbox only
    assert (workers["id_number"].str[:6] == TEST_ADDRESS_CODE).all()
    assert workers["id_number"].is_unique
    assert not [i for i in workers["id_number"] if id_number_problems(i, SNAPSHOT, synthetic=True)]
    assert {tuple(id_number_problems(i, SNAPSHOT)) for i in workers["id_number"]} == {("id_number_address",)}
    assert not [d for d in comm["district_code"].unique() if unknown_division(d)]


def test_skew_few_large_providers_and_unserved_communities(city):
    wins = Counter(city["projects"]["provider_uscc"])
    top = sum(n for _, n in wins.most_common(len(wins) // 10))
    assert top / len(city["projects"]) > 0.4  # the top tenth of providers hold over 40% of contracts
    served = {c for cs in city["projects"]["served_communities"] for c in cs.split(";")}
    served |= {c for cs in city["workers"]["served_communities"] for c in cs.split(";")}
    assert 0 < len(set(city["communities"]["community_code"]) - served) < len(city["communities"])


def test_every_generated_row_passes_its_contract(tmp_path):
    generate_scale(tmp_path, "district", seed=11)
    snapshot = dt.date(2025, 12, 31)
    synthetic = is_synthetic(read_manifest(tmp_path))
    assert synthetic  # the generator declares its people made up
    for model in CONTRACTS.values():
        for part, read in read_register(tmp_path, model, snapshot).items():
            result = validate_frame(read.frame, model, snapshot, read.units, synthetic=synthetic)
            errors = result.issues[result.issues["severity"] == "error"]
            assert errors.empty, (part, errors.head(3).to_dict("records"))
            assert len(result.accepted) == len(read.frame) and not read.broken, part
    assert isinstance(pd.read_csv(tmp_path / "projects" / "projects.csv"), pd.DataFrame)
