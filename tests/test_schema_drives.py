"""One declaration per fact: a property added to a node's YAML (in a temporary copy of
graph_schema/) reaches the embedded store's DDL and data, the Neo4j constraints and import
headers, the release's table schema and CSV, and the schema reference page, with no other edit."""

from __future__ import annotations

import csv
import json
import shutil

import pytest

import graph_schema.model
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
    assert "district" in s.node("Community").names and "district" not in graph_schema.model.load().node("Community").names
    assert "district STRING" in next(line for line in ladybug_ddl(s).splitlines() if "TABLE IF NOT EXISTS Community(" in line)
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
    assert fields["district"]["type"] == "string" and fields["district"]["title"] == "所属区县名称 · District it lies in"
    with (out / "csv" / "communities.csv").open(encoding="utf-8") as f:
        assert {row["district"] for row in csv.DictReader(f)} == {"静安区"}
