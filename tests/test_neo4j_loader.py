"""The Neo4j loader's own logic, without a server: batching, retries (with the driver's real
exception classes), relationship identity, value conversion, configuration from the
environment. Loading into a real Neo4j is tests/test_neo4j_integration.py."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from neo4j.exceptions import ClientError, ServiceUnavailable, SessionExpired, TransientError

from data_contracts.errors import ConfigurationError
from graph_schema.keys import rel_key
from pipelines.graph.neo4j_store import (
    Neo4jGraphStore,
    batches,
    node_statement,
    records,
    rel_statement,
    with_retries,
)


def test_batches_cover_every_row_once_in_order():
    rows = list(range(12))
    assert [list(b) for b in batches(rows, 5)] == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9], [10, 11]]
    assert [list(b) for b in batches(rows, 12)] == [rows]
    assert list(batches([], 3)) == []
    with pytest.raises(ConfigurationError):
        list(batches(rows, 0))


@pytest.mark.parametrize("error", [ServiceUnavailable("down"), SessionExpired("gone"), TransientError("deadlock")])
def test_a_dropped_connection_is_retried_with_backoff(error):
    calls, waits = [], []

    def work():
        calls.append(1)
        if len(calls) < 3:
            raise error
        return "done"

    assert with_retries(work, attempts=3, wait=0.5, sleep=waits.append) == "done"
    assert len(calls) == 3 and waits == [0.5, 1.0]


def test_retries_give_up_after_the_last_attempt():
    waits = []
    with pytest.raises(ServiceUnavailable):
        with_retries(lambda: (_ for _ in ()).throw(ServiceUnavailable("down")), attempts=2, wait=1, sleep=waits.append)
    assert waits == [1]


def test_errors_in_the_statement_are_not_retried():
    calls = []

    def work():
        calls.append(1)
        raise ClientError("syntax")

    with pytest.raises(ClientError):
        with_retries(work, attempts=5, sleep=lambda s: None)
    assert len(calls) == 1


def test_relationship_identity_is_stable_and_tells_periods_apart():
    a = rel_key("MEMBER_OF", "org", "HUB-FED", dt.date(2014, 1, 2))
    assert a == rel_key("MEMBER_OF", "org", "HUB-FED", pd.Timestamp("2014-01-02"))
    assert a == rel_key("MEMBER_OF", "org", "HUB-FED", "2014-01-02")
    assert a != rel_key("MEMBER_OF", "org", "HUB-FED", dt.date(2016, 1, 2))
    assert (
        rel_key("IN_STREET", "c", "s")
        == rel_key("IN_STREET", "c", "s", float("nan"))
        == rel_key("IN_STREET", "c", "s", None)
    )


def test_values_are_sent_as_plain_python_of_the_declared_type():
    from graph_schema import Property

    df = pd.DataFrame(
        {
            "n": [np.int64(3), None],
            "x": [np.float64(1.5), float("nan")],
            "d": [pd.Timestamp("2020-01-02"), pd.NaT],
            "s": ["a", None],
        }
    )
    props = tuple(Property(n, t, "", "") for n, t in (("n", "int"), ("x", "float"), ("d", "date"), ("s", "string")))
    rows = records(df, props)
    assert rows == [
        {"n": 3, "x": 1.5, "d": dt.date(2020, 1, 2), "s": "a"},
        {"n": None, "x": None, "d": None, "s": None},
    ]
    assert type(rows[0]["n"]) is int  # the column arrived as float because of its gap


def test_statements_carry_no_values_only_parameters():
    for stmt in (node_statement("Hub", "hub_id"), rel_statement("UNDER", "Hub", "hub_id", "Hub", "hub_id")):
        assert "$rows" in stmt and "'" not in stmt and '"' not in stmt


def test_configuration_comes_from_the_environment_and_hides_the_password(monkeypatch):
    for var in ("NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD", "NEO4J_DATABASE"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(ConfigurationError, match="NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD"):
        Neo4jGraphStore.from_env()
    monkeypatch.setenv("NEO4J_URI", "bolt://127.0.0.1:1")  # nothing listens: the driver connects lazily
    monkeypatch.setenv("NEO4J_USER", "analyst")
    monkeypatch.setenv("NEO4J_PASSWORD", "s3cret-pass")
    monkeypatch.setenv("SANSHE_NEO4J_BATCH_SIZE", "250")
    store = Neo4jGraphStore.from_env()
    try:
        assert store.batch_size == 250 and store.user == "analyst"
        assert "s3cret-pass" not in repr(store) and "s3cret-pass" not in str(vars(store))
    finally:
        store.close()


def test_relationships_to_missing_nodes_are_counted_per_table_not_skipped():
    from graph_schema import schema
    from pipelines.graph.neo4j_store import DanglingRelationshipError, dangling
    from pipelines.graph.tables import GraphTables

    s = schema()
    nodes = {"Street": pd.DataFrame({"code": ["S1", "S2"]}), "District": pd.DataFrame({"code": ["D1"]})}
    ok = pd.DataFrame({"from": ["S1", "S2"], "to": ["D1", "D1"]})
    assert dangling(GraphTables(nodes, {("IN_DISTRICT", "Street", "District"): ok}), s) is None
    bad = pd.DataFrame({"from": ["S1", "S9", "S8"], "to": ["D1", "D1", "D7"]})
    err = dangling(GraphTables(nodes, {("IN_DISTRICT", "Street", "District"): bad}), s)
    assert isinstance(err, DanglingRelationshipError)
    assert err.counts == {"IN_DISTRICT Street->District": (2, 1, 3)}
    assert "S9" in str(err) and "端点" in str(err) and "missing" in str(err)


def test_an_unreachable_server_or_a_bad_address_is_one_clear_error():
    # nothing listens on port 1: the CLI shows the message (SansheError), not the driver's traceback
    from data_contracts.errors import StoreUnavailableError

    store = Neo4jGraphStore("bolt://127.0.0.1:1", "neo4j", "x")
    with pytest.raises(StoreUnavailableError, match=r"(?s)bolt://127.0.0.1:1 cannot be reached.*NEO4J_URI"):
        store.query("RETURN 1 AS one")
    store.close()
    with pytest.raises(ConfigurationError, match="NEO4J_URI 'nonsense' is not a Neo4j address"):
        Neo4jGraphStore("nonsense", "neo4j", "x")
