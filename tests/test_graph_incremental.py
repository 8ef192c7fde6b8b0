"""The embedded store's incremental load: only the tables that changed are copied again, and the
graph it leaves is the graph a full rebuild of the same tables gives (fingerprint equality)."""

from __future__ import annotations

import shutil

import pytest

from graph_schema import schema
from pipelines.graph.dump import tables_from_dump
from pipelines.graph.store import EmbeddedGraphStore, reload_plan


@pytest.fixture
def loaded(store, tmp_path):
    """A store holding the sample graph, loaded by `replace_with` (so its digests are beside
    it), and the tables it was loaded from."""
    tables = tables_from_dump(store.dump())
    mine = EmbeddedGraphStore(tmp_path / "inc" / "graph.lbug")
    mine.replace_with(tables)
    assert mine.last_load["mode"] == "full"
    return mine, tables


def _full(tables, path) -> str:
    fresh = EmbeddedGraphStore(path)
    fresh.replace_with(tables)
    assert fresh.last_load["mode"] == "full"
    return fresh.fingerprint()


def test_unchanged_tables_load_nothing(loaded):
    mine, tables = loaded
    before, stat = mine.fingerprint(), mine.path.stat()
    counts = mine.replace_with(tables)
    assert mine.last_load == {"mode": "unchanged", "reloaded": []}
    assert mine.path.stat().st_mtime_ns == stat.st_mtime_ns  # not even swapped
    assert counts == tables.counts() and mine.fingerprint() == before


def test_a_changed_node_table_reloads_it_and_its_relationships_only(loaded, tmp_path):
    mine, tables = loaded
    ev = tables.nodes["Evaluation"].copy()
    ev.loc[::100, "score"] = ev.loc[::100, "score"] + 0.5  # 1% of the evaluations
    tables.nodes["Evaluation"] = ev
    old = mine.fingerprint()
    counts = mine.replace_with(tables)
    assert mine.last_load["mode"] == "incremental"
    assert mine.last_load["reloaded"] == ["Evaluation", "EVALUATES_Evaluation_Project"]
    assert counts == tables.counts()
    assert mine.fingerprint() == _full(tables, tmp_path / "full" / "graph.lbug") != old


def test_removed_rows_and_a_multi_endpoint_type_reload_as_a_full_rebuild_would(loaded, tmp_path):
    mine, tables = loaded
    # relationships withdrawn from one endpoint pair of a type with two: the type is one table
    key = ("HAS_PARTY_BRANCH", "Hub", "PartyBranch")
    tables.rels[key] = tables.rels[key].iloc[1:].reset_index(drop=True)
    # and nodes withdrawn with the relationships that named them
    gone = set(tables.nodes["SocialWorker"]["worker_key"].iloc[:3])
    tables.nodes["SocialWorker"] = tables.nodes["SocialWorker"].iloc[3:].reset_index(drop=True)
    for k, df in tables.rels.items():
        if "SocialWorker" in k[1:]:
            tables.rels[k] = df[~df["from"].isin(gone)].reset_index(drop=True)
    mine.replace_with(tables)
    assert mine.last_load["mode"] == "incremental"
    assert set(mine.last_load["reloaded"]) == {
        "HAS_PARTY_BRANCH_SocialOrganisation_PartyBranch",
        "HAS_PARTY_BRANCH_Hub_PartyBranch",
        "SocialWorker",
        "EMPLOYED_BY_SocialWorker_SocialOrganisation",
        "SERVES_SocialWorker_Community",
        "STAFFED_ON_SocialWorker_Project",
    }
    assert mine.fingerprint() == _full(tables, tmp_path / "full" / "graph.lbug")


def test_digests_of_another_graph_file_are_not_trusted(loaded, tmp_path):
    mine, tables = loaded
    # a graph put in place by hand (here: an empty one) is rebuilt whole, not patched
    other = EmbeddedGraphStore(tmp_path / "other" / "graph.lbug")
    empty = tables_from_dump({name: df.iloc[:0] for name, df in mine.dump().items()})
    other.replace_with(empty)
    shutil.copyfile(other.path, mine.path)
    mine.replace_with(tables)
    assert mine.last_load["mode"] == "full"
    assert mine.fingerprint() == _full(tables, tmp_path / "full" / "graph.lbug")
    # and a lost digest file means a full rebuild too
    (mine.path.parent / "graph.lbug.tables.json").unlink()
    mine.replace_with(tables)
    assert mine.last_load["mode"] == "full"


def test_reload_plan_follows_the_schema():
    s = schema()
    nodes, rels = reload_plan({"Evaluation"}, s)
    assert nodes == {"Evaluation"} and rels == {"EVALUATES"}
    nodes, rels = reload_plan({"SERVES_SocialWorker_Community"}, s)
    assert nodes == set() and rels == {"SERVES"}
    assert reload_plan({"Hub"}, s) == (
        {"Hub"},
        {"UNDER", "FOR_STREET", "FOR_DISTRICT", "MEMBER_OF", "HAS_PARTY_BRANCH"},
    )
