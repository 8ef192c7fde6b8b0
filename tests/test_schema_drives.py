"""One declaration per fact: a property added to a node's YAML (in a temporary copy of
graph_schema/) reaches the embedded store's DDL and data, the Neo4j constraints and import
headers, the release's table schema and CSV, and the schema reference page, with no other edit."""

from __future__ import annotations

import csv
import json
import shutil

import pytest

import graph_schema.model
from data_contracts.errors import SchemaError
from graph_schema import schema
from graph_schema.generate import ladybug_ddl, neo4j_constraints, schema_doc
from pipelines.graph.store import EmbeddedGraphStore
from pipelines.settings import SAMPLE_DIR, Settings
from sanshe.release.package import write_release
from sanshe.run import run_pipeline

# Community nodes gain their district's name, read from the register's `district_name` column
ADDED = "  - {name: district, column: district_name, type: string, zh: 所属区县名称, en: District it lies in, index: true}\n"


@pytest.fixture
def changed_schema(tmp_path, monkeypatch):
    folder = tmp_path / "graph_schema"
    shutil.copytree(graph_schema.model.HERE, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__", "generated"))
    path = folder / "nodes" / "Community.yaml"
    path.write_text(path.read_text(encoding="utf-8") + ADDED, encoding="utf-8")
    monkeypatch.setattr(graph_schema.model, "FOLDER", folder)
    return schema()


def test_a_property_added_to_the_yaml_reaches_every_derived_place(changed_schema, tmp_path):
    s = changed_schema
    assert (
        "district" in s.node("Community").names and "district" not in graph_schema.model.load().node("Community").names
    )
    assert "district STRING" in next(
        line for line in ladybug_ddl(s).splitlines() if "TABLE IF NOT EXISTS Community(" in line
    )
    assert "FOR (n:Community) ON (n.district);" in neo4j_constraints(s)
    assert "| `district` | string | 所属区县名称 | District it lies in | `district_name` |" in schema_doc(s)

    settings = Settings(SAMPLE_DIR, tmp_path / "output")
    assert run_pipeline(settings).success
    store = EmbeddedGraphStore(settings.graph_path)
    loaded = store.query("MATCH (c:Community) RETURN DISTINCT c.district AS district")
    assert loaded["district"].tolist() == ["静安区"]  # the sample district, from the register's column

    out = write_release(store, tmp_path / "release")
    with (out / "neo4j" / "nodes" / "Community.csv").open(encoding="utf-8") as f:
        header, first = next(csv.reader(f)), next(csv.reader(f))
    assert "district:string" in header and first[header.index("district:string")] == "静安区"
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    fields = {f["name"]: f for r in package["resources"] if r["name"] == "communities" for f in r["schema"]["fields"]}
    assert (
        fields["district"]["type"] == "string" and fields["district"]["title"] == "所属区县名称 · District it lies in"
    )
    with (out / "csv" / "communities.csv").open(encoding="utf-8") as f:
        assert {row["district"] for row in csv.DictReader(f)} == {"静安区"}


def _with_published(tmp_path, monkeypatch, anchor: str, declaration: str) -> None:
    folder = tmp_path / "graph_schema"
    shutil.copytree(graph_schema.model.HERE, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__", "generated"))
    path = folder / "relationships.yaml"
    text = path.read_text(encoding="utf-8")
    assert anchor in text
    path.write_text(text.replace(anchor, anchor + declaration), encoding="utf-8")
    monkeypatch.setattr(graph_schema.model, "FOLDER", folder)


def test_a_link_published_in_the_yaml_becomes_a_release_column_and_foreign_key(tmp_path, monkeypatch, store):
    # the district federation's district (FOR_DISTRICT) is published nowhere as a column;
    # declared on Hub in relationships.yaml, with no other edit, the hub table gains the column,
    # its labels and a foreign key to districts
    _with_published(
        tmp_path,
        monkeypatch,
        "  endpoints: [[Hub, District]]\n",
        "  published_as: {node: Hub, column: district_code, zh: 所属区县代码, en: District (federation)}\n",
    )
    out = write_release(store, tmp_path / "release")
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    hubs = next(r for r in package["resources"] if r["name"] == "hubs")
    fields = {f["name"]: f for f in hubs["schema"]["fields"]}
    assert fields["district_code"]["title"] == "所属区县代码 · District (federation)"
    assert {"fields": ["district_code"], "reference": {"resource": "districts", "fields": ["code"]}} in hubs["schema"][
        "foreignKeys"
    ]
    expected = store.query("MATCH (h:Hub)-[:FOR_DISTRICT]->(d:District) RETURN h.hub_id AS hub, d.code AS code")
    with (out / "csv" / "hubs.csv").open(encoding="utf-8") as f:
        got = {r["hub_id"]: r["district_code"] for r in csv.DictReader(f) if r["district_code"]}
    assert got == dict(zip(expected["hub"], expected["code"], strict=True)) and got


def test_a_link_with_several_per_node_cannot_be_a_column(tmp_path, monkeypatch, store):
    _with_published(
        tmp_path,
        monkeypatch,
        "  endpoints: [[Project, Community]]\n",
        "  published_as: {node: Community, column: project_id, zh: 项目, en: Project}\n",
    )
    with pytest.raises(SchemaError, match="DELIVERED_IN is published as a column of Community.*several"):
        write_release(store, tmp_path / "release")


def test_published_as_must_name_an_endpoint(tmp_path):
    folder = tmp_path / "graph_schema"
    shutil.copytree(graph_schema.model.HERE, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__", "generated"))
    path = folder / "relationships.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("published_as: {node: Community,", "published_as: {node: Hub,"),
        encoding="utf-8",
    )
    with pytest.raises(SchemaError, match="IN_STREET: published_as.node must be one of its two endpoints"):
        graph_schema.model.load(folder)
