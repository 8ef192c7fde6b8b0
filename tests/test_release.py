"""`sanshe release`: the tables and datapackage.json pass the standard validator with their
foreign keys, the purchases validate as OCDS 1.1.5 with codelist values, nothing personal is in
any file, the same graph gives the same folder byte for byte, CHANGES.md records a change of
the input, and index.html renders offline."""

import csv
import filecmp
import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from frictionless import validate

from data_contracts.identifiers import id_number_check_char
from pipelines.settings import SAMPLE_DIR
from sanshe.release.package import ReleaseOptions, write_release
from sanshe.release.privacy import scan_folder
from sanshe.release.tables import MIN_CELL


def _register_people() -> tuple[list[str], list[str]]:
    with (SAMPLE_DIR / "workers" / "social_workers.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [r["姓名"] for r in rows], [r["证书编号"] for r in rows]


def test_datapackage_validates_with_foreign_keys(release):
    report = validate(release / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]
    pkg = json.loads((release / "datapackage.json").read_text(encoding="utf-8"))
    assert pkg["$schema"].endswith("/2.0/datapackage.json") and pkg["licenses"][0]["name"] == "CC-BY-4.0"
    assert sum("foreignKeys" in r["schema"] for r in pkg["resources"]) >= 10


def test_the_validator_catches_a_broken_foreign_key(release, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(release, broken)
    path = broken / "csv" / "projects.csv"
    rows = list(csv.reader(path.open(encoding="utf-8", newline="")))
    rows[1][rows[0].index("provider_uscc")] = "5231010600000000XX"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    report = validate(broken / "datapackage.json")
    assert not report.valid
    assert "foreign-key" in {t[0] for t in report.flatten(["type"])}


def test_no_person_in_any_file_and_the_scan_can_fail(release, tmp_path):
    names, certs = _register_people()
    assert scan_folder(release, names, certs) == {}
    planted = tmp_path / "planted"
    shutil.copytree(release, planted)
    first17 = "00000019850607123"
    with (planted / "csv" / "hubs.csv").open("a", encoding="utf-8") as fh:
        fh.write(f"x,{first17}{id_number_check_char(first17)}\n")
    assert list(scan_folder(planted, names, certs)) == ["csv/hubs.csv"]


def test_organisations_carry_their_org_id_wherever_they_appear(release):
    for name, pairs in (
        ("organisations", [("uscc", "org_id")]),
        ("purchasers", [("uscc", "org_id")]),
        ("hub_memberships", [("uscc", "org_id")]),
        ("worker_counts_by_organisation", [("uscc", "org_id")]),
        ("projects", [("purchaser_uscc", "purchaser_org_id"), ("provider_uscc", "provider_org_id")]),
    ):
        rows = list(csv.DictReader((release / "csv" / f"{name}.csv").open(encoding="utf-8")))
        assert rows and all(r[oid] == "CN-USCI-" + r[code] for r in rows for code, oid in pairs), name


def test_licence_is_configurable(store, tmp_path):
    out = write_release(
        store,
        tmp_path / "odbl",
        ReleaseOptions(
            licence={"name": "ODbL-1.0", "path": "https://opendatacommons.org/licenses/odbl/1-0/", "title": "ODbL"}
        ),
    )
    pkg = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    assert pkg["licenses"][0]["name"] == "ODbL-1.0"
    assert json.loads((out / "ocds" / "release-package.json").read_text(encoding="utf-8"))["license"].startswith(
        "https://opendatacommons.org"
    )
    # the page the public opens names the licence given, not the default
    front = (out / "index.html").read_text(encoding="utf-8")
    assert "licence ODbL (https://opendatacommons.org/licenses/odbl/1-0/)" in front
    assert "CC BY" not in front and "Creative Commons" not in front


def test_the_front_page_names_the_default_licence(release):
    front = (release / "index.html").read_text(encoding="utf-8")
    assert "licence Creative Commons Attribution 4.0 (https://creativecommons.org/licenses/by/4.0/)" in front


def test_small_counts_of_people_are_suppressed(release):
    for name in ("worker_counts_by_organisation", "worker_counts_by_community", "worker_counts_by_street"):
        rows = list(csv.DictReader((release / "csv" / f"{name}.csv").open(encoding="utf-8")))
        assert rows
        for r in rows:
            if r["suppressed"] == "true":
                assert r["workers"] == ""
            else:
                assert r["workers"] != "" and (int(r["workers"]) >= MIN_CELL or int(r["workers"]) == 0)
        assert any(r["suppressed"] == "true" for r in rows) or name == "worker_counts_by_street"


def test_same_graph_same_release_and_checksums_hold(store, sample_run, release, tmp_path):
    again = write_release(store, tmp_path / "again", ReleaseOptions(run_dir=sample_run[0].output_dir))
    files = sorted(p.relative_to(release) for p in release.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    _, mismatch, errors = filecmp.cmpfiles(release, again, [str(f) for f in files], shallow=False)
    assert not mismatch and not errors
    listed = dict(line.split("  ")[::-1] for line in (release / "SHA256SUMS").read_text().splitlines())
    assert set(listed) == {str(f) for f in files} - {"SHA256SUMS"}
    for path, digest in listed.items():
        assert hashlib.sha256((release / path).read_bytes()).hexdigest() == digest


# -- OCDS ------------------------------------------------------------------------------------

OCDS = Path(__file__).resolve().parent / "standards" / "ocds-1.1.5"  # vendored, see standards/README.md


def _codes(name: str) -> set[str]:
    with (OCDS / "codelists" / f"{name}.csv").open(encoding="utf-8") as fh:
        return {r["Code"] for r in csv.DictReader(fh)}


def test_ocds_package_validates_against_the_1_1_5_schemas(release):
    import jsonschema
    from referencing import Registry, Resource

    pkg = json.loads((release / "ocds" / "release-package.json").read_text(encoding="utf-8"))
    release_schema = json.loads((OCDS / "release-schema.json").read_text(encoding="utf-8"))
    registry = Registry().with_resource(
        "https://standard.open-contracting.org/schema/1__1__5/release-schema.json",
        Resource.from_contents(release_schema),
    )
    checker = jsonschema.Draft4Validator.FORMAT_CHECKER
    package_errors = list(
        jsonschema.Draft4Validator(
            json.loads((OCDS / "release-package-schema.json").read_text(encoding="utf-8")),
            registry=registry,
            format_checker=checker,
        ).iter_errors(pkg)
    )
    assert package_errors == []
    deref = jsonschema.Draft4Validator(
        json.loads((OCDS / "dereferenced-release-schema.json").read_text(encoding="utf-8")), format_checker=checker
    )
    errors = [(r["ocid"], e.message) for r in pkg["releases"] for e in deref.iter_errors(r)]
    assert errors == [], errors[:5]
    projects = list(csv.DictReader((release / "csv" / "projects.csv").open(encoding="utf-8")))
    assert len(pkg["releases"]) == len(projects)


def test_ocds_values_come_from_the_codelists(release):
    pkg = json.loads((release / "ocds" / "release-package.json").read_text(encoding="utf-8"))
    seen = {k: set() for k in ("tag", "method", "role", "doc", "award", "contract", "tender", "category", "currency")}
    for r in pkg["releases"]:
        seen["tag"] |= set(r["tag"])
        seen["method"].add(r["tender"]["procurementMethod"])
        seen["tender"].add(r["tender"]["status"])
        seen["category"].add(r["tender"]["mainProcurementCategory"])
        seen["role"] |= {role for p in r["parties"] for role in p["roles"]}
        seen["award"] |= {a["status"] for a in r["awards"]}
        seen["contract"] |= {c["status"] for c in r["contracts"]}
        seen["currency"] |= {a["value"]["currency"] for a in r["awards"]}
        seen["doc"] |= {
            d["documentType"] for c in r["contracts"] for d in c.get("implementation", {}).get("documents", [])
        }
        assert all(
            p["id"] == "CN-USCI-" + p["identifier"]["id"] and p["identifier"]["scheme"] == "CN-USCI"
            for p in r["parties"]
        )
    for key, codelist in (
        ("tag", "releaseTag"),
        ("method", "method"),
        ("role", "partyRole"),
        ("doc", "documentType"),
        ("award", "awardStatus"),
        ("contract", "contractStatus"),
        ("tender", "tenderStatus"),
        ("category", "procurementCategory"),
        ("currency", "currency"),
    ):
        assert seen[key] and seen[key] <= _codes(codelist), (key, seen[key] - _codes(codelist))
    assert seen["doc"] == {"evaluationReports"}


def test_evaluations_travel_as_documented_extension_fields(release):
    pkg = json.loads((release / "ocds" / "release-package.json").read_text(encoding="utf-8"))
    docs = [
        d for r in pkg["releases"] for c in r["contracts"] for d in c.get("implementation", {}).get("documents", [])
    ]
    evaluations = list(csv.DictReader((release / "csv" / "evaluations.csv").open(encoding="utf-8")))
    assert len(docs) == len(evaluations)
    ext = json.loads((release / "ocds" / "extension" / "release-schema.json").read_text(encoding="utf-8"))
    allowed = ext["definitions"]["Document"]["properties"]["sansheEvaluation"]["properties"]["grade"]["enum"]
    assert all(d["sansheEvaluation"]["grade"] in allowed and 0 <= d["sansheEvaluation"]["score"] <= 100 for d in docs)


# -- quality, page, changes (the catalogue: test_release_standards.py) -------------------------------------------------------


def test_quality_report_counts_add_up_and_hold_no_values(release):
    q = json.loads((release / "quality" / "report.json").read_text(encoding="utf-8"))
    for r in q["registers"]:
        assert r["rows_read"] == r["rows_accepted"] + r["rows_quarantined"]
        assert r["register"] == "(unclaimed)" or sum(r["quarantined_by_rule"].values()) >= r["rows_quarantined"]
    assert {u["check"] for u in q["usefulness"]} >= {
        "zero_amounts",
        "end_before_start",
        "provider_two_names",
        "no_served_community",
    }
    assert all(u["count"] is not None for u in q["usefulness"])
    assert len(q["expectation_checks"]) >= 9


def test_index_page_opens_offline(release, tmp_path):
    text = (release / "index.html").read_text(encoding="utf-8")
    assert not re.search(r"(src|href)=\"https?://", text)
    assert re.findall(r"<script src=\"([^\"]+)\"", text) == ["explore/search.js"]
    links = re.findall(r"href=\"([^\"#]+)", text)
    assert {
        "csv/projects.csv",
        "parquet/projects.parquet",
        "ocds/release-package.json",
        "quality/report.json",
        "catalog.jsonld",
        "explore/index.html",
    } <= set(links)
    assert [link for link in links if not (release / link).is_file()] == []
    assert text.count("<svg") >= 5 and "Community services open data" in text and "三社联动" in text
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("headless Chromium is not installed here (.ci/run installs it); the offline checks above ran")
    png = tmp_path / "index.png"
    subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={png}",
            "--window-size=1000,2600",
            (release / "index.html").as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert png.is_file() and png.stat().st_size > 40_000, "the page rendered blank or not at all"


def test_changes_record_a_change_of_the_input(store, sample_run, inbox, tmp_path):
    from pipelines.graph.store import EmbeddedGraphStore
    from pipelines.settings import Settings
    from sanshe.run import run_pipeline

    parent = tmp_path / "releases"
    write_release(store, parent / "a")
    assert "First release" in (parent / "a" / "CHANGES.md").read_text(encoding="utf-8")
    # the corrected registers: one contract amount changed, one evaluation withdrawn
    path = inbox / "projects" / "projects_2024.csv"
    rows = list(csv.reader(path.open(encoding="utf-8", newline="")))
    amount, pid = rows[0].index("合同金额（元）"), rows[1][0]
    rows[1][amount] = str(int(float(rows[1][amount])) + 1000)
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    path = inbox / "evaluations" / "evaluations.csv"
    rows = list(csv.reader(path.open(encoding="utf-8", newline="")))
    withdrawn = rows.pop(5)[0]
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    assert run_pipeline(Settings(inbox, tmp_path / "out")).success
    write_release(EmbeddedGraphStore(tmp_path / "out" / "graph.lbug"), parent / "b")
    text = (parent / "b" / "CHANGES.md").read_text(encoding="utf-8")
    assert "Compared with `a`" in text
    assert "| projects | 0 | 0 | 1 |" in text and f"`projects` changed: {pid}" in text
    assert "| evaluations | 0 | 1 | 0 |" in text and f"`evaluations` removed: {withdrawn}" in text
    assert "| communities | 0 | 0 | 0 |" in text
