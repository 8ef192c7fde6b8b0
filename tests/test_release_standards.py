"""Each standard's own checker accepts the release: pyshacl with the DCAT-AP 3.0.1 shapes on
catalog.jsonld, libcoveocds (the OCDS Data Review Tool's library) on the OCDS package, and OCDS's
extension schema on extension.json. Everything runs offline from tests/standards/."""

from __future__ import annotations

import collections
import json
import shutil
from pathlib import Path

from sanshe.release import ocds
from sanshe.release.package import ReleaseOptions, write_release

STANDARDS = Path(__file__).resolve().parent / "standards"
DCAT_AP = STANDARDS / "dcat-ap-3.0.1"
OCDS = STANDARDS / "ocds-1.1.5"
SHAPES = ["shapes", "range", "mdr-vocabularies.shape"]

#: DCAT-AP constraints that cannot apply to a Chinese publisher: (what the focus node is, the
#: property) -> why. Every other violation fails the test.
NOT_APPLICABLE = {
    (
        "publisher",
        "http://www.w3.org/2004/02/skos/core#inScheme",
    ): "dct:publisher must come from the EU 'corporate bodies' vocabulary, which lists EU "
    "institutions and bodies; a Chinese district's publisher is not, and cannot be, in it.",
    ("district", None): "dct:spatial must be an EU country, place or continent or a GeoNames IRI; the district is "
    "given as a dct:Location with its name and administrative code (China itself is given as "
    "the EU country CHN), because the registers carry no GeoNames id for it.",
}


# -- DCAT-AP 3 ------------------------------------------------------------------------------


def shacl_violations(catalog: Path) -> collections.Counter:
    """(focus node kind, result path, message) -> count, for every sh:Violation."""
    import pyshacl
    import rdflib

    shapes = rdflib.Graph()
    for name in SHAPES:
        shapes.parse(DCAT_AP / f"dcat-ap-3.0.1-{name}.ttl", format="turtle")
    data = rdflib.Graph().parse(catalog, format="json-ld")
    _, results, _ = pyshacl.validate(data, shacl_graph=shapes, advanced=True, allow_warnings=True)
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    found = collections.Counter()
    for r in results.subjects(rdflib.RDF.type, sh.ValidationResult):
        if results.value(r, sh.resultSeverity) != sh.Violation:
            continue
        focus = str(results.value(r, sh.focusNode))
        kind = focus.rsplit("#", 1)[1] if "#" in focus else focus
        path = results.value(r, sh.resultPath)
        found[(kind, None if path is None else str(path), str(results.value(r, sh.resultMessage)))] += 1
    return found


def test_dcat_catalogue_passes_the_dcat_ap_3_shapes(release):
    found = shacl_violations(release / "catalog.jsonld")
    unexpected = {k: n for k, n in found.items() if k[:2] not in NOT_APPLICABLE}
    assert unexpected == {}
    # the listed exceptions are the only ones, and each is still real (else drop it from the list)
    assert {k[:2] for k in found} == set(NOT_APPLICABLE)


def test_the_shapes_catch_a_distribution_without_access_url(release, tmp_path):
    cat = json.loads((release / "catalog.jsonld").read_text(encoding="utf-8"))
    for node in cat["@graph"]:
        if node.get("@type") == "dcat:Distribution":
            del node["dcat:accessURL"]
            node["dcat:mediaType"] = "text/csv"
    broken = tmp_path / "catalog.jsonld"
    broken.write_text(json.dumps(cat), encoding="utf-8")
    paths = {k[1] for k in shacl_violations(broken)}
    assert {"http://www.w3.org/ns/dcat#accessURL", "http://www.w3.org/ns/dcat#mediaType"} <= paths


def test_catalogue_has_catalog_distributions_coverage_and_contact(release):
    graph = json.loads((release / "catalog.jsonld").read_text(encoding="utf-8"))["@graph"]
    by_type = collections.defaultdict(list)
    for node in graph:
        types = node.get("@type", [])
        for t in types if isinstance(types, list) else [types]:
            by_type[t].append(node)
    (catalog,), (dataset,) = by_type["dcat:Catalog"], by_type["dcat:Dataset"]
    assert {"dct:title", "dct:description", "dct:publisher", "dct:license"} <= set(catalog)
    assert {"dct:temporal", "dct:spatial", "dcat:contactPoint"} <= set(dataset)
    assert dataset["dct:temporal"]["dcat:endDate"]["@value"] == "2025-12-31"
    home = dataset["@id"]
    for d in by_type["dcat:Distribution"]:
        assert d["dcat:mediaType"]["@id"].startswith("http://www.iana.org/assignments/media-types/")
        assert d["dcat:accessURL"]["@id"] == f"{home}/index.html"
        assert (release / d["dcat:downloadURL"]["@id"].removeprefix(home + "/")).is_file()
    assert len(by_type["dcat:Distribution"]) == len(dataset["dcat:distribution"])


# -- OCDS -----------------------------------------------------------------------------------


def cove(release: Path, package: dict, monkeypatch) -> dict:
    """libcoveocds on `package`, offline: the standard from the vendored zip, and the URLs under
    the release's published address answered from the release folder (as a web server would);
    any other request fails."""
    import ocdsextensionregistry.util
    import requests
    from libcoveocds.api import ocds_json_output
    from libcoveocds.config import LibCoveOCDSConfig

    home = package["uri"].rsplit("/ocds/", 1)[0]

    def get(url, **_):
        if not url.startswith(home + "/"):
            raise requests.ConnectionError(f"offline test: {url} was requested")
        path = release / url.removeprefix(home + "/")
        response = requests.Response()
        response.url, response.status_code = url, 200 if path.is_file() else 404
        response._content = path.read_bytes() if path.is_file() else b""
        return response

    monkeypatch.setattr(ocdsextensionregistry.util.session, "get", get)
    monkeypatch.setattr(
        requests.Session,
        "send",
        lambda *a, **k: (_ for _ in ()).throw(requests.ConnectionError("offline test: no network")),
    )
    config = LibCoveOCDSConfig()
    config.config["context"] = "api"
    config.config["standard_zip"] = (OCDS / "standard-1__1__5.zip").as_uri()
    out = release.parent / "cove"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    return ocds_json_output(str(out), json_data=package, lib_cove_ocds_config=config, record_pkg=False)


def _package(release: Path) -> dict:
    return json.loads((release / "ocds" / "release-package.json").read_text(encoding="utf-8"))


def test_libcoveocds_finds_no_error_and_no_undeclared_field(release, monkeypatch):
    pkg = _package(release)
    result = cove(release, pkg, monkeypatch)
    assert result["validation_errors"] == []
    assert result["additional_fields"] == [] and result["all_additional_fields"] == []
    assert result["extensions"]["invalid_extension"] == {}
    assert [e["url"] for e in result["extensions"]["extensions"]] == pkg["extensions"]
    assert result["count"] == len(pkg["releases"]) > 0


def test_libcoveocds_reports_the_evaluations_when_the_extension_is_not_declared(release, monkeypatch):
    pkg = _package(release)
    del pkg["extensions"]
    fields = cove(release, pkg, monkeypatch)["additional_fields"]
    assert {(f["path"], f["field"]) for f in fields} == {
        ("/releases/contracts/implementation/documents", "sansheEvaluation")
    }


def test_extension_json_is_valid_against_the_extension_schema(release):
    import jsonschema

    schema = json.loads((OCDS / "extension-schema.json").read_text(encoding="utf-8"))
    ext = json.loads((release / ocds.EXTENSION_PATH).read_text(encoding="utf-8"))
    checker = jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    assert [e.message for e in checker.iter_errors(ext)] == []
    bad = {**ext, "documentationUrl": {"en": "../../README.md"}}
    assert list(checker.iter_errors({k: v for k, v in bad.items() if k != "contactPoint"}))


def test_ocid_prefix_is_a_setting_and_the_page_flags_the_placeholder(store, release, tmp_path):
    assert all(r["ocid"].startswith(ocds.PLACEHOLDER_PREFIX + "-") for r in _package(release)["releases"])
    assert "ocid" in (release / "index.html").read_text(encoding="utf-8").lower()
    own = write_release(store, tmp_path / "own", ReleaseOptions(ocid_prefix="ocds-a1b2c3"))
    assert all(r["ocid"].startswith("ocds-a1b2c3-") for r in _package(own)["releases"])
    assert ocds.PLACEHOLDER_PREFIX not in (own / "index.html").read_text(encoding="utf-8")
