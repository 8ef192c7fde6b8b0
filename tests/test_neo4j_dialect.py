"""Every statement sanshe sends to Neo4j passes Neo4j's own Cypher parser and linter
(@neo4j-cypher/language-support, run with Node.js) against a database schema derived from
graph_schema/: no syntax errors, no unknown labels, relationship types, properties or functions.
`.ci/run` installs the linter with `npm ci --prefix tests/neo4j_lint`."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from graph_schema import schema
from graph_schema.generate import neo4j_constraints
from pipelines.graph.dump import dump_queries
from pipelines.graph.neo4j_store import loader_statements
from sanshe.queries.catalogue import COMPANIONS, catalogue

LINT = Path(__file__).parent / "neo4j_lint"


def lint_schema() -> dict:
    s = schema()
    props = {p.name for n in s.nodes.values() for p in n.properties} | {
        p.name for r in s.rels.values() for p in r.properties
    }
    return {"labels": sorted(s.nodes), "relationshipTypes": sorted(s.rels), "propertyKeys": sorted(props | {"rel_key"})}


def lint(statements: dict[str, str]) -> dict[str, list[dict]]:
    node = shutil.which("node")
    assert node, "Node.js is needed to run Neo4j's linter"
    assert (LINT / "node_modules").is_dir(), "install the linter first: npm ci --prefix tests/neo4j_lint"
    payload = {"schema": lint_schema(), "queries": [{"name": k, "text": v} for k, v in statements.items()]}
    proc = subprocess.run(
        [node, str(LINT / "lint.cjs")],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    return {r["name"]: r["diagnostics"] for r in json.loads(proc.stdout)["results"]}


def neo4j_statements() -> dict[str, str]:
    s = schema()
    out = {f"query {q.name}": q.cypher_for("neo4j") for q in catalogue().values()}
    out |= {
        f"query {q.name} ({kind})": q.cypher_for("neo4j", kind)
        for q in catalogue().values()
        if q.has_companions
        for kind in COMPANIONS
    }
    out["query snapshot date"] = "MATCH (d:Dataset) RETURN d.snapshot_date AS day"
    out |= {f"loader {i}": stmt for i, stmt in enumerate(loader_statements(s))}
    out |= {f"dump {name}": q for name, q in dump_queries(s).items()}
    body = "\n".join(ln for ln in neo4j_constraints(s).splitlines() if not ln.startswith("//"))
    out |= {f"constraint {i}": stmt.strip() for i, stmt in enumerate(body.split(";")) if stmt.strip()}
    return out


@pytest.fixture(scope="module")
def diagnostics() -> dict[str, list[dict]]:
    return lint(neo4j_statements())


def test_every_neo4j_statement_passes_the_linter(diagnostics):
    bad = {name: d for name, d in diagnostics.items() if d}
    assert not bad, json.dumps(bad, ensure_ascii=False, indent=1)[:4000]


def test_the_catalogue_and_the_loader_are_all_linted(diagnostics):
    names = set(diagnostics)
    assert {f"query {q}" for q in catalogue()} <= names
    assert sum(n.startswith("loader") for n in names) >= 3 * len(schema().nodes)


def test_the_linter_catches_what_neo4j_would_reject():
    """The harness has teeth: the embedded dialect, a misspelt label and a syntax error fail."""
    q = catalogue()["provider-concentration"]
    found = lint(
        {
            # without its join-order hint (a ladybug clause), so that list_sort is what fails
            "ladybug form": "\n".join(ln for ln in q.cypher.splitlines() if not ln.lstrip().startswith("HINT")),
            "misspelt label": "MATCH (h:Hubb) RETURN h.hub_id",
            "misspelt property": "MATCH (h:Hub) RETURN h.hubid",
            "syntax": "MATCH (h:Hub RETURN h",
        }
    )
    assert any("list_sort" in d["message"] and d["severity"] == "error" for d in found["ladybug form"])
    assert any("Hubb" in d["message"] for d in found["misspelt label"])
    assert any("hubid" in d["message"] for d in found["misspelt property"])
    assert any(d["severity"] == "error" for d in found["syntax"])


def test_queries_without_a_neo4j_form_use_no_embedded_only_functions():
    embedded_only = ("label(", "to_string(", "to_int64(", "to_double(", "string_split(", "list_", "date_part(", "CAST(")
    for q in catalogue().values():
        if not q.has_neo4j_variant:
            assert not any(f in q.cypher for f in embedded_only), q.name
