"""Shared fixtures: one pipeline run on the shipped sample for the whole session."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from pipelines.graph.store import EmbeddedGraphStore
from pipelines.settings import SAMPLE_DIR, Settings
from sanshe.run import RunOutcome, run_pipeline

REPO = Path(__file__).resolve().parents[1]
NEO4J_SERVER = REPO / "tests" / "neo4j_server"
NEO4J_LIB = REPO / ".neo4j" / "lib"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("true", "1", "yes")


def need(ready: bool, reason: str) -> None:
    """Skip a test for want of a Neo4j server on a developer's machine; under CI=true the same
    want is a failure (.ci/run starts a real server, so a missing one means that went wrong)."""
    if ready:
        return
    if in_ci():
        pytest.fail(f"{reason} (CI=true: .ci/run starts a Neo4j server, so its absence is a failure)")
    pytest.skip(reason)


def pytest_report_header(config):
    """The Neo4j server the tests run against, as the server itself reports it."""
    if not os.environ.get("NEO4J_URI"):
        return "neo4j: no server configured (NEO4J_URI unset)"
    try:
        from neo4j import GraphDatabase

        auth = (os.environ.get("NEO4J_USER", ""), os.environ.get("NEO4J_PASSWORD", ""))
        with GraphDatabase.driver(os.environ["NEO4J_URI"], auth=auth) as driver:
            rec = driver.execute_query(
                "CALL dbms.components() YIELD name, versions, edition RETURN name, versions[0] AS version, edition"
            ).records[0]
        return f"neo4j: {rec['name']} {rec['version']} {rec['edition']} at {os.environ['NEO4J_URI']}"
    except Exception as err:  # the header must not stop the run; the tests report the failure
        return f"neo4j: {os.environ['NEO4J_URI']} does not answer: {type(err).__name__}: {err}"


@pytest.fixture(scope="session")
def neo4j(store):
    """The Neo4j server named by NEO4J_URI (NEO4J_USER, NEO4J_PASSWORD, NEO4J_DATABASE), loaded
    with the sample's graph. The database named is overwritten: point the tests at a scratch one.
    Tests that change the graph put it back before they end."""
    need(
        bool(os.environ.get("NEO4J_URI")),
        "no Neo4j server: run tests/neo4j_server/server.sh start, then "
        "eval $(tests/neo4j_server/server.sh env) (or set NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD)",
    )
    from pipelines.graph.dump import tables_from_dump
    from pipelines.graph.neo4j_store import Neo4jGraphStore

    db = Neo4jGraphStore.from_env()
    try:
        db._driver.verify_connectivity()
    except Exception as err:
        db.close()
        pytest.fail(f"the Neo4j server at {db.uri} does not answer: {type(err).__name__}: {err}")
    db.replace_with(tables_from_dump(store.dump()))
    yield db
    db.close()


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory) -> tuple[Settings, RunOutcome]:
    settings = Settings(SAMPLE_DIR, tmp_path_factory.mktemp("run") / "output")
    outcome = run_pipeline(settings)
    assert outcome.success, "the pipeline failed on the shipped sample"
    return settings, outcome


@pytest.fixture(scope="session")
def store(sample_run) -> EmbeddedGraphStore:
    return EmbeddedGraphStore(sample_run[0].graph_path)


@pytest.fixture(scope="session")
def release(store, sample_run, tmp_path_factory) -> Path:
    """The release of the sample run's graph, written once; tests only read it (one that
    changes a release copies it first)."""
    from sanshe.release.package import ReleaseOptions, write_release

    return write_release(
        store, tmp_path_factory.mktemp("release") / "release", ReleaseOptions(run_dir=sample_run[0].output_dir)
    )


@pytest.fixture(scope="session")
def snapshots(sample_run) -> dict[str, pd.DataFrame]:
    """Every accepted row the run wrote (OUTPUT/tables), one per key and snapshot (`asof`):
    the oracles' input. Derived histories (`x__y.parquet`) are left out on purpose."""
    folder = sample_run[0].tables_dir
    return {p.stem: pd.read_parquet(p) for p in sorted(folder.glob("*.parquet")) if "__" not in p.stem}


def as_of(frame: pd.DataFrame, key: list[str], day) -> pd.DataFrame:
    """The register as the data team knew it on `day`: per key, the latest accepted line from a
    snapshot dated on or before that day."""
    known = frame[frame["asof"] <= day].sort_values("asof", kind="stable")
    return known.drop_duplicates(key, keep="last").reset_index(drop=True)


@pytest.fixture(scope="session")
def tables(snapshots) -> dict[str, pd.DataFrame]:
    """The current view: per key, its latest accepted line."""
    from data_contracts import CONTRACTS

    return {name: as_of(df, list(CONTRACTS[name].key), df["asof"].max()) for name, df in snapshots.items()}


@pytest.fixture
def inbox(tmp_path) -> Path:
    """A writable copy of the sample inbox, for tests that damage files."""
    dst = tmp_path / "inbox"
    shutil.copytree(SAMPLE_DIR, dst)
    return dst
