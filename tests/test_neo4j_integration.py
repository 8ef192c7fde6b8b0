"""Against a real Neo4j 5 server (the `neo4j` fixture in conftest.py): .ci/run starts one from
Maven Central (tests/neo4j_server/); a developer starts the same with
`tests/neo4j_server/server.sh start` and `eval $(tests/neo4j_server/server.sh env)`, or points
NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD (and NEO4J_DATABASE) at a scratch database of their own.
Without a server these are skipped, except under CI=true, where that is a failure.

The database named is overwritten.
"""

import os
import signal
import subprocess
import sys

import pandas as pd
import pytest
from conftest import REPO

from pipelines.graph.dump import normalised, tables_from_dump
from pipelines.graph.neo4j_store import DanglingRelationshipError
from sanshe.queries.catalogue import catalogue, execute

#: parameters beside the defaults, so the optional filters' own texts run too (the oracle tests
#: check the same values against pandas)
FILTERED = {
    "funding-by-street": [{"year": "2024"}, {"category": "养老服务"}, {"year": "2021", "category": "社区治理"}],
    "funding-by-purchaser": [{"year": "2023"}, {"category": "青少年服务"}],
    "provider-concentration": [{"top": "5", "year": "2022"}],
}
#: and each query that takes a scope, scoped to a street of the sample (its filter lines' own text)
SCOPED = {name: [{"scope": "310106006000"}] for name, q in sorted(catalogue().items()) if q.scope}
CASES = [(name, {}) for name in sorted(catalogue())] + [
    (n, p) for cases in (FILTERED, SCOPED) for n, ps in cases.items() for p in ps
]


def test_neo4j_holds_the_same_graph_as_the_embedded_store(neo4j, store):
    assert neo4j.fingerprint() == store.fingerprint()


@pytest.mark.parametrize(("name", "params"), CASES, ids=[f"{n}{p or ''}" for n, p in CASES])
def test_every_query_gives_the_same_answer_on_both_stores(neo4j, store, name, params):
    a, b = execute(store, name, params), execute(neo4j, name, params)
    assert len(a) > 0
    pd.testing.assert_frame_equal(normalised(a), normalised(b), check_dtype=False, rtol=1e-9)


@pytest.mark.parametrize(
    ("code", "says"),
    [
        ("310106006", "communities of this graph are in street 310106006"),
        ("310108", "this graph holds 310108 闸北区 but no community in it"),
        ("310106099", "check the code"),
        ("32", "check the code"),
    ],
)
def test_an_empty_scoped_answer_is_explained_alike_on_both_stores(neo4j, store, code, says):
    from sanshe.queries.catalogue import empty_scope_note

    q, given = catalogue()["unattached-organisations"], {"scope": code}
    assert empty_scope_note(neo4j, q, given) == empty_scope_note(store, q, given)
    assert says in empty_scope_note(store, q, given)


def test_loading_twice_changes_nothing(neo4j, store):
    before = neo4j.fingerprint(), neo4j.counts()
    neo4j.replace_with(tables_from_dump(store.dump()))
    assert (neo4j.fingerprint(), neo4j.counts()) == before


def _without_first_project(store):
    tables = tables_from_dump(store.dump())
    project = tables.nodes["Project"]["project_id"].iloc[0]
    tables.nodes["Project"] = tables.nodes["Project"].iloc[1:]
    for key, df in tables.rels.items():
        if "Project" in key[1:]:
            tables.rels[key] = df[(df["from"] != project) & (df["to"] != project)]
    return tables, project


def test_records_gone_from_the_sources_are_gone_from_the_graph(neo4j, store):
    tables, project = _without_first_project(store)
    neo4j.replace_with(tables)
    assert neo4j.query("MATCH (p:Project {project_id: $id}) RETURN count(p) AS n", {"id": project})["n"].iloc[0] == 0
    assert neo4j.counts()["Project"] == len(tables.nodes["Project"])
    neo4j.replace_with(tables_from_dump(store.dump()))
    assert neo4j.fingerprint() == store.fingerprint()


def test_a_relationship_to_a_missing_node_is_an_error_with_counts_and_writes_nothing(neo4j, store):
    before = neo4j.fingerprint()
    tables = tables_from_dump(store.dump())
    key = ("AWARDED_TO", "Project", "SocialOrganisation")
    rels = tables.rels[key]
    tables.rels[key] = pd.concat([rels, rels.head(2).assign(to=["NO-SUCH-ORG-1", "NO-SUCH-ORG-2"])], ignore_index=True)
    with pytest.raises(DanglingRelationshipError) as err:
        neo4j.replace_with(tables)
    assert err.value.counts == {"AWARDED_TO Project->SocialOrganisation": (0, 2, len(rels) + 2)}
    assert "NO-SUCH-ORG-1" in str(err.value) and "端点" in str(err.value)
    assert neo4j.fingerprint() == before


KILLED_LOAD = """
import math, os, signal, sys
from pipelines.graph.neo4j_store import Neo4jGraphStore
from pipelines.graph.store import EmbeddedGraphStore
from pipelines.graph.dump import tables_from_dump

tables = tables_from_dump(EmbeddedGraphStore(sys.argv[1]).dump())
size = 40
batches = sum(math.ceil(len(df) / size) for df in [*tables.nodes.values(), *tables.rels.values()])
seen = []

def progress(message):
    seen.append(message)
    if len(seen) == batches // 2:  # half way through the batches: the process dies, unwarned
        print(f"killed after {len(seen)} of {batches} batches: {message}", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)

db = Neo4jGraphStore.from_env(progress=progress)
db.batch_size = size
db.replace_with(tables)
"""


def test_a_load_killed_half_way_and_run_again_ends_with_the_same_graph(neo4j, store):
    tables, _ = _without_first_project(store)
    neo4j.replace_with(tables)  # start from a graph that differs, so the killed load has work
    proc = subprocess.run(
        [sys.executable, "-c", KILLED_LOAD, str(store.path)],
        cwd=REPO,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    assert "killed after" in proc.stdout
    assert neo4j.fingerprint() != store.fingerprint()  # it did stop half way
    neo4j.replace_with(tables_from_dump(store.dump()))
    assert neo4j.fingerprint() == store.fingerprint()
