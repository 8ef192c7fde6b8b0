"""Against a real Neo4j 5, whenever NEO4J_URI (with NEO4J_USER, NEO4J_PASSWORD, and optionally
NEO4J_DATABASE) is set. No Neo4j server can be installed on the CI machines, so these are
skipped there, with this reason; nothing stands in for the database.

The database named is overwritten: point these tests at a scratch database.
"""

import os

import pandas as pd
import pytest

from pipelines.graph.store import normalised, tables_from_dump
from sanshe.queries.catalogue import catalogue, execute

pytestmark = pytest.mark.skipif(not os.environ.get("NEO4J_URI"),
                                reason="no Neo4j server: set NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD to run")


@pytest.fixture(scope="module")
def neo4j(store):
    from pipelines.graph.neo4j_store import Neo4jGraphStore

    db = Neo4jGraphStore.from_env()
    db.replace_with(tables_from_dump(store.dump()))
    yield db
    db.close()


def test_neo4j_holds_the_same_graph_as_the_embedded_store(neo4j, store):
    assert neo4j.fingerprint() == store.fingerprint()


@pytest.mark.parametrize("name", sorted(catalogue()))
def test_every_query_gives_the_same_answer_on_both_stores(neo4j, store, name):
    a, b = execute(store, name), execute(neo4j, name)
    assert len(a) > 0
    pd.testing.assert_frame_equal(normalised(a), normalised(b), check_dtype=False, rtol=1e-9)


def test_loading_twice_changes_nothing(neo4j, store):
    before = neo4j.fingerprint(), neo4j.counts()
    neo4j.replace_with(tables_from_dump(store.dump()))
    assert (neo4j.fingerprint(), neo4j.counts()) == before


def test_records_gone_from_the_sources_are_gone_from_the_graph(neo4j, store):
    tables = tables_from_dump(store.dump())
    project = tables.nodes["Project"]["project_id"].iloc[0]
    tables.nodes["Project"] = tables.nodes["Project"].iloc[1:]
    for key, df in tables.rels.items():
        if "Project" in key[1:]:
            tables.rels[key] = df[(df["from"] != project) & (df["to"] != project)]
    neo4j.replace_with(tables)
    assert neo4j.query("MATCH (p:Project {project_id: $id}) RETURN count(p) AS n", {"id": project})["n"].iloc[0] == 0
    neo4j.replace_with(tables_from_dump(store.dump()))
    assert neo4j.fingerprint() == store.fingerprint()
