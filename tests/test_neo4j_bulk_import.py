"""The bulk bundle through Neo4j's real importer: `sanshe export neo4j-import` writes it, the
bundle's own import.sh runs `neo4j-admin database import full` (the Neo4j 5.26 jars that
tests/neo4j_server/ resolves from Maven Central) into a fresh server home, a server starts on
that store (Bolt on 127.0.0.1:7688, beside the tests' main server on 7687), the bundle's
constraints.cypher is applied, and the graph must be the embedded store's graph: same
fingerprint, same answer to every catalogue query.

Needs Java and the resolved jars (`tests/neo4j_server/server.sh resolve`); skipped without them
on a developer's machine, a failure under CI=true.
"""

import os
import shutil
import subprocess

import pandas as pd
import pytest
from conftest import NEO4J_LIB, NEO4J_SERVER, REPO, need
from test_neo4j_integration import CASES

from pipelines.graph.dump import normalised
from pipelines.graph.neo4j_store import Neo4jGraphStore

PORT = "7688"
PASSWORD = "sanshe-test-pass"  # the fixed password of tests/neo4j_server/server.sh


def _run(cmd, env, what, timeout=900):
    proc = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{what} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module")
def imported(store, tmp_path_factory):
    need(
        shutil.which("java") is not None and any(NEO4J_LIB.glob("neo4j-5.26.*.jar")),
        "no Neo4j jars: run tests/neo4j_server/server.sh resolve (needs Java 17 and Maven)",
    )
    work = tmp_path_factory.mktemp("bulk")
    bundle, home = work / "bundle", work / "home"
    _run(
        [
            str(REPO / ".venv" / "bin" / "sanshe") if (REPO / ".venv" / "bin" / "sanshe").exists() else "sanshe",
            "export",
            "neo4j-import",
            str(bundle),
            "--output",
            str(store.path.parent),
        ],
        os.environ.copy(),
        "sanshe export neo4j-import",
    )
    env = {
        **os.environ,
        "NEO4J_SERVER_HOME": str(home),
        "NEO4J_BOLT_PORT": PORT,
        "NEO4J_HOME": str(home),
        "PATH": f"{NEO4J_SERVER / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "MAX_OFF_HEAP_MEMORY": "256m",
    }
    _run([str(NEO4J_SERVER / "server.sh"), "init"], env, "server.sh init")
    imported = _run(["bash", str(bundle / "import.sh"), "neo4j"], env, "the bundle's import.sh")
    started = False
    try:
        _run([str(NEO4J_SERVER / "server.sh"), "start"], env, "starting a server on the imported store")
        started = True
        db = Neo4jGraphStore(f"bolt://127.0.0.1:{PORT}", "neo4j", PASSWORD, "neo4j")
        db.run_script((bundle / "constraints.cypher").read_text(encoding="utf-8"))
        yield db, imported.stdout
        db.close()
    finally:
        if started or (home / "run" / "neo4j.pid").exists():
            _run([str(NEO4J_SERVER / "server.sh"), "stop"], env, "stopping the bulk-import server")


def test_neo4j_admin_imported_every_node_and_relationship(imported, sample_run):
    db, log = imported
    assert "IMPORT DONE" in log, log[-2000:]
    assert db.counts() == sample_run[1].graph_counts


def test_the_imported_graph_is_the_embedded_graph(imported, store):
    assert imported[0].fingerprint() == store.fingerprint()


def test_constraints_and_indexes_are_online_on_the_imported_store(imported):
    db = imported[0]
    expected = (REPO / "graph_schema" / "generated" / "neo4j_constraints.cypher").read_text(encoding="utf-8")
    names = {line.split()[2] for line in expected.splitlines() if line.startswith("CREATE ")}
    found = db.query("SHOW INDEXES YIELD name, state RETURN name, state")
    online = set(found.loc[found["state"] == "ONLINE", "name"])
    assert names <= online, sorted(names - online)


@pytest.mark.parametrize(("name", "params"), CASES, ids=[f"{n}{p or ''}" for n, p in CASES])
def test_every_query_gives_the_same_answer_on_the_imported_graph(imported, store, name, params):
    from sanshe.queries.catalogue import execute

    a, b = execute(store, name, params), execute(imported[0], name, params)
    assert len(a) > 0
    pd.testing.assert_frame_equal(normalised(a), normalised(b), check_dtype=False, rtol=1e-9)
