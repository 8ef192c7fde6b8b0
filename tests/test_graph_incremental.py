"""The embedded store's incremental load: only the parts of the graph whose inputs changed are
built again and only the tables that changed are copied again, and the graph it leaves is the
graph a full rebuild gives (fingerprint equality)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from conftest import REPO

from data_contracts import CONTRACTS
from graph_schema import schema
from pipelines.common import stored_copy
from pipelines.common.register import RegisterResult
from pipelines.graph import incremental
from pipelines.graph import tables as tables_module
from pipelines.graph.dump import tables_from_dump
from pipelines.graph.incremental import KeptDigests, frame_digest, load, needed, part_digests
from pipelines.graph.store import EmbeddedGraphStore, reload_plan, table_labels
from pipelines.graph.tables import (
    DATASET,
    GraphInput,
    Part,
    Parts,
    build,
    build_in_order,
    build_order,
    part_rows,
    parts,
)


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


def _differs(a: pd.Series, b: pd.Series) -> pd.Series:
    """Per row, whether the values differ, a missing value equal to a missing one only."""
    both = a.isna() & b.isna()
    return ~both & ((a != b).fillna(True).astype(bool) | (a.isna() != b.isna()))


def test_a_node_table_with_some_rows_changed_is_updated_in_place_and_its_relationships_stay(loaded, tmp_path):
    mine, tables = loaded
    before = tables.nodes["Evaluation"]
    ev = before.copy()
    ev.loc[::100, "score"] = ev.loc[::100, "score"] + 0.5  # 1% of the evaluations
    ev.loc[1::100, "later_awards"] = pd.NA  # a value taken away is set too
    ev.loc[2::100, "grade"] = "合格"
    # the rows changed in truth, missing equal to missing (some had those values already)
    changed = _differs(ev["score"], before["score"]) | _differs(ev["later_awards"], before["later_awards"])
    changed |= _differs(ev["grade"], before["grade"])
    tables.nodes["Evaluation"] = ev.iloc[::-1]  # rows in another order: the same rows
    old = mine.fingerprint()
    counts = mine.replace_with(tables)
    assert mine.last_load["mode"] == "incremental" and mine.last_load["reloaded"] == []
    assert mine.last_load["updated"] == {"Evaluation": int(changed.sum())} and changed.sum() > 10
    assert counts == tables.counts()
    assert mine.fingerprint() == _full(tables, tmp_path / "full" / "graph.lbug") != old


def test_a_node_table_with_many_rows_or_other_keys_changed_is_copied_again_with_its_relationships(loaded, tmp_path):
    mine, tables = loaded
    ev = tables.nodes["Evaluation"].copy()
    ev.loc[::5, "score"] = ev.loc[::5, "score"] + 0.5  # 20% of the rows: more than ROW_UPDATE_SHARE_MAX
    tables.nodes["Evaluation"] = ev
    mine.replace_with(tables)
    assert mine.last_load["reloaded"] == ["Evaluation", "EVALUATES_Evaluation_Project"]
    assert "updated" not in mine.last_load
    assert mine.fingerprint() == _full(tables, tmp_path / "full" / "graph.lbug")
    # one evaluation's key changed: no longer the stored rows with some values changed
    ev = tables.nodes["Evaluation"].copy()
    first = ev["evaluation_id"].iloc[0]
    ev.loc[ev.index[0], "evaluation_id"] = first + "X"
    rel = tables.rels[("EVALUATES", "Evaluation", "Project")].copy()
    rel.loc[rel["from"] == first, "from"] = first + "X"
    tables.nodes["Evaluation"], tables.rels[("EVALUATES", "Evaluation", "Project")] = ev, rel
    mine.replace_with(tables)
    assert mine.last_load["reloaded"] == ["Evaluation", "EVALUATES_Evaluation_Project"]
    assert mine.fingerprint() == _full(tables, tmp_path / "full2" / "graph.lbug")


def test_the_replaced_graph_file_is_removed_and_one_an_ended_load_left_too(loaded, monkeypatch):
    """The swap gives the replaced file a second name, removed on a thread; a second name left
    by a process that has ended goes with the next load."""
    from pipelines.graph import store as store_module

    mine, tables = loaded
    folder = mine.path.parent
    old_inode = mine.path.stat().st_ino
    left = folder / ".retired-999999999-0a0b"  # a pid no process has (above Linux's pid_max)
    left.write_bytes(b"an old graph")
    retired: list[tuple[Path, int]] = []
    remove = store_module._remove_later

    def record(path: Path) -> None:
        retired.append((path, path.stat().st_ino))
        remove(path)

    monkeypatch.setattr(store_module, "_remove_later", record)
    ev = tables.nodes["Evaluation"].copy()
    ev.loc[::50, "score"] = ev.loc[::50, "score"] + 1
    tables.nodes["Evaluation"] = ev
    mine.replace_with(tables)
    for thread in threading.enumerate():
        if thread.name == "remove retired graph":
            thread.join()
    # the second name was the replaced file's, and is gone with the one left before
    assert [(p.name.split("-")[:2], ino) for p, ino in retired] == [([".retired", str(os.getpid())], old_inode)]
    assert not left.exists() and not list(folder.glob(".retired-*"))
    assert mine.path.is_file() and mine.path.stat().st_ino != old_inode


def _counted(store) -> dict[str, int]:
    """The store's labels and types counted in the graph itself, not taken from what its load kept."""
    import ladybug

    return EmbeddedGraphStore._counts(ladybug.Connection(store._reader()), schema())


def test_counts_are_the_kept_ones_while_the_digest_file_describes_the_graph(loaded):
    """`counts()` gives the counts the load kept beside the graph (no table counted) while they
    describe its file, and counts the tables when they do not."""
    mine, _tables = loaded
    assert mine.counts() == _counted(mine)
    state_path = Path(f"{mine.path}.tables.json")
    state = json.loads(state_path.read_text())
    state["counts"]["Project"] += 1  # kept, not counted: the kept figure comes back
    state_path.write_text(json.dumps(state))
    assert mine.counts()["Project"] == _counted(mine)["Project"] + 1
    del state["counts"]["Project"]  # one missing: every table counted
    state_path.write_text(json.dumps(state))
    assert mine.counts() == _counted(mine)
    state_path.unlink()  # no digests to trust
    assert mine.counts() == _counted(mine)


def test_kept_counts_hold_through_loads_in_place_and_a_state_file_without_them(loaded):
    """Counts kept with the digests, after a load that sets rows in place, one that copies a
    table again, and one whose state file predates the counts: each as the store counts anew."""
    mine, tables = loaded
    ev = tables.nodes["Evaluation"].copy()
    ev.loc[::40, "score"] = ev.loc[::40, "score"] + 1
    tables.nodes["Evaluation"] = ev
    assert mine.replace_with(tables) == _counted(mine) and mine.last_load.get("updated")
    key = ("HAS_PARTY_BRANCH", "Hub", "PartyBranch")
    tables.rels[key] = tables.rels[key].iloc[1:].reset_index(drop=True)  # a relationship type copied again
    counts = mine.replace_with(tables)
    assert mine.last_load["reloaded"] and counts == _counted(mine)
    state_path = Path(f"{mine.path}.tables.json")
    state = json.loads(state_path.read_text())
    assert state["counts"] == counts
    del state["counts"]  # as a load before the counts were kept wrote it
    state_path.write_text(json.dumps(state))
    tables.rels[key] = tables.rels[key].iloc[1:].reset_index(drop=True)
    counts = mine.replace_with(tables)
    assert mine.last_load["mode"] == "incremental" and counts == _counted(mine)
    assert json.loads(state_path.read_text())["counts"] == counts


def test_row_changes_compare_values_missing_alike_and_refuse_what_is_not_an_update():
    from pipelines.graph.store import _row_changes

    old = pa.table({"k": ["a", "b", "c"], "x": [1, None, 3], "y": ["p", "q", None]})
    same = old.take([2, 0, 1])
    assert _row_changes(old, same, "k").num_rows == 0
    new = pa.table({"k": ["a", "b", "c"], "x": [1, 2, 3], "y": ["p", "q", "r"]})
    assert _row_changes(old, new, "k").column("k").to_pylist() == ["b", "c"]
    # only the key and the columns where a row differs are given to be set, the key first
    assert _row_changes(old, new, "k").column_names == ["k", "x", "y"]
    only_y = old.set_column(2, "y", pa.array(["p", "q", "r"]))
    assert _row_changes(old, only_y, "k").to_pydict() == {"k": ["c"], "y": ["r"]}
    assert _row_changes(old, same, "k").column_names == ["k"]
    assert _row_changes(old, new.set_column(0, "k", pa.array(["a", "b", "d"])), "k") is None  # other keys
    assert _row_changes(old, new.slice(0, 2), "k") is None  # a row fewer
    assert _row_changes(old, new.rename_columns(["k", "x", "z"]), "k") is None
    lists = pa.table({"k": ["a"], "l": [["x"]]})
    assert _row_changes(lists, lists, "k") is None  # lists are not compared: copied again


def test_by_key_sorts_what_is_not_sorted_and_gives_back_what_is():
    from pipelines.graph.store import by_key

    ordered = pa.table({"k": ["a", "b", "b", "c"], "x": [1, 2, 3, 4]})
    assert by_key(ordered, "k") is ordered  # checked, not sorted again
    assert by_key(ordered.take([3, 0, 2, 1]), "k").column("k").to_pylist() == ["a", "b", "b", "c"]
    # in pieces, and a piece's end out of order with the next piece's start
    pieces = pa.Table.from_batches([*ordered.slice(2).to_batches(), *ordered.slice(0, 2).to_batches()])
    assert by_key(pieces, "k").column("k").to_pylist() == ["a", "b", "b", "c"]
    missing = pa.table({"k": ["a", None, "b"]})  # a missing key cannot say it is in order
    assert by_key(missing, "k").column("k").to_pylist() == ["a", "b", None]
    assert by_key(ordered.slice(0, 1), "k").num_rows == 1 and by_key(ordered.slice(0, 0), "k").num_rows == 0


@pytest.mark.parametrize("seed", range(6))
def test_row_changes_are_the_rows_that_differ_in_any_order_of_the_keys(seed):
    """Oracle: the changed rows found by comparing each key's row in plain Python. The new table
    comes in the stored order (compared where the rows stand) or shuffled (sorted first)."""
    from pipelines.graph.store import _row_changes

    rng = np.random.default_rng(seed)
    n = 200
    keys = [f"k{i:03d}" for i in rng.permutation(n)]
    x = [None if v < 10 else int(v) for v in rng.integers(0, 100, n)]
    old = pa.table({"k": keys, "x": pa.array(x, pa.int64()), "y": [f"t{v}" for v in rng.integers(0, 5, n)]})
    new_x = list(x)
    for i in rng.choice(n, 15, replace=False):
        new_x[i] = None if new_x[i] is not None and rng.random() < 0.3 else int(rng.integers(0, 100))
    new = old.set_column(1, "x", pa.array(new_x, pa.int64()))
    expected = sorted(k for k, a, b in zip(keys, x, new_x, strict=True) if a != b)
    for given in (new, new.take(pa.array(rng.permutation(n)))):
        found = _row_changes(old, given, "k")
        assert found.column("k").to_pylist() == expected
        assert found.column_names == ["k", "x"]  # y never changed: not set
        by_key = dict(zip(keys, new_x, strict=True))
        assert found.column("x").to_pylist() == [by_key[k] for k in expected]


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
    counts = mine.replace_with(tables)
    assert mine.last_load["mode"] == "incremental"
    # the reloaded tables counted again, the others as kept with the digests: as counted anew
    assert counts == _counted(mine) and counts["SocialWorker"] == len(tables.nodes["SocialWorker"])
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
        {"UNDER", "FOR_STREET", "FOR_DISTRICT", "MEMBER_OF", "OUTSIDE_NETWORK", "HAS_PARTY_BRANCH"},
    )


# -- building only the parts whose inputs changed (pipelines/graph/incremental.py) --------------


@pytest.fixture(scope="module")
def sample_registers(sample_run) -> dict:
    """The resolved registers the sample run stored, by register name."""
    stored = sample_run[0].output_dir / "dagster_storage"
    registers = {}
    for name in CONTRACTS:
        registers[name] = stored_copy.read(stored / f"{name}_resolved")
    return registers


@pytest.fixture(scope="module")
def sample_input(sample_registers) -> GraphInput:
    """The graph's input on the shipped sample."""
    return GraphInput.of(sample_registers, DATASET_OF_SAMPLE)


DAY = dt.date(2025, 12, 31)
DATASET_OF_SAMPLE = {"district_code": "110101", "district_name": "东城区", "snapshot_date": DAY}


class _Reads(dict):
    """Frames by name that remember which names were read (`seen`). `__iter__` is overridden so
    that `{**d}` goes through `__getitem__` too."""

    def __init__(self, frames: dict, seen: set, as_name: str | None = None):
        super().__init__(frames)
        self.seen, self.as_name = seen, as_name

    def __getitem__(self, key):
        self.seen.add(self.as_name or key)
        return super().__getitem__(key)

    def get(self, key, default=None):
        self.seen.add(self.as_name or key)
        return super().get(key, default)

    def __iter__(self):
        if self.as_name:
            self.seen.add(self.as_name)
        return super().__iter__()


#: builds the sample's graph from the stored registers in the folder given, printing each
#: table's digest as the store takes it (store.table_digest of the typed table)
_DIGESTS_OF_A_BUILD = """
import datetime as dt, json, sys
from pathlib import Path
from data_contracts import CONTRACTS
from graph_schema import schema
from pipelines.common import stored_copy
from pipelines.graph.store import _load_tables, table_digest
from pipelines.graph.tables import GraphInput, build
stored, dataset = Path(sys.argv[1]), json.loads(sys.argv[2])
dataset["snapshot_date"] = dt.date.fromisoformat(dataset["snapshot_date"])
registers = {n: stored_copy.read(stored / f"{n}_resolved") for n in CONTRACTS}
loads = _load_tables(build(GraphInput.of(registers, dataset)), schema())
print(json.dumps({name: table_digest(ld.table) for name, ld in loads.items()}))
"""


def test_tables_do_not_depend_on_the_hash_seed(sample_run):
    """Relationship tables keep the order their part built their rows in (tables._rel_table):
    that order, and so every table's digest and the store file, must be the same for the same
    inputs in every process, whatever Python's string hashing (a set or a dict keyed by
    hashes iterated somewhere in the build would change it)."""
    stored = sample_run[0].output_dir / "dagster_storage"
    dataset = json.dumps({**DATASET_OF_SAMPLE, "snapshot_date": DAY.isoformat()})
    digests = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", _DIGESTS_OF_A_BUILD, str(stored), dataset],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
            timeout=600,
        )
        digests.append(json.loads(done.stdout.strip().splitlines()[-1]))
    assert digests[0] == digests[1]
    assert set(digests[0]) == set(table_labels(schema()))


def _same(a: Parts, b: Parts) -> None:
    for got, want in zip(a, b, strict=True):
        assert set(got) == set(want)
        for key in want:
            pd.testing.assert_frame_equal(got[key], want[key])


def test_each_part_reads_exactly_the_inputs_it_declares(sample_input):
    s = schema()
    todo = parts(sample_input, s)
    assert {"read SocialWorker", "linkage", "evaluations", "dataset"} <= set(todo)
    for name, part in todo.items():
        seen: set[str] = set()
        recording = GraphInput(
            _Reads(sample_input.current, seen),
            _Reads(sample_input.history, seen),
            _Reads(sample_input.dataset, seen, DATASET),
        )
        built = part.make(recording, s)
        assert seen == set(part.reads), name
        assert set(built[0]) == set(part.nodes) and set(built[1]) == set(part.rels), name
        # and with every input it does not declare taken away, it builds the same tables
        alone = GraphInput(
            {k: v for k, v in sample_input.current.items() if k in part.reads},
            {k: v for k, v in sample_input.history.items() if k in part.reads},
            sample_input.dataset if DATASET in part.reads else {},
        )
        _same(part.make(alone, s), built)


def _changed(inp: GraphInput, name: str, change) -> GraphInput:
    """A copy of `inp` with the input `name` (a register or a history) replaced by `change(it)`."""
    current, history = dict(inp.current), dict(inp.history)
    frames = current if name in current else history
    frames[name] = change(frames[name].copy())
    return GraphInput(current, history, dict(inp.dataset))


def _every(step: int, column: str, value):
    def change(df: pd.DataFrame) -> pd.DataFrame:
        rows = df.index[::step]
        df.loc[rows, column] = value(df.loc[rows, column]) if callable(value) else value
        return df

    return change


#: one change per register, and changes to histories only (a part's secondary inputs), with the
#: parts a load must build for it: the parts reading it, and those whose relationship tables go
#: with a node table reloaded (incremental.needed)
CHANGES = {
    "evaluations": (_every(10, "score", lambda v: v + 0.5), {"evaluations"}),
    # projects feed the streets' funding totals and the committees' linkage (standing.py): a
    # reloaded Street or Community drops the relationships that touch it, so their parts build too
    "projects": (_every(5, "contract_amount", lambda v: v * 2), None),
    "projects award dates": (
        _every(7, "award_date", lambda v: v.map(lambda d: d + dt.timedelta(days=400) if d else d)),
        None,
    ),
    "organisations": (_every(5, "name", lambda v: v + "（更名）"), None),
    "organisations.grades": (_every(1, "grade", "5A"), None),  # Project.provider_grade_rank
    "organisations.credit_lists": (lambda df: df.iloc[:0], None),  # Project.provider_on_credit_list
    "annual_inspections": (_every(3, "result", "不合格"), None),  # Project.provider_inspection
    "workers": (_every(4, "level", "高级社会工作师"), None),
    "communities": (_every(6, "community_name", lambda v: v + "社区"), None),
    "hubs": (_every(2, "hub_name", lambda v: v + "（新）"), None),
    "hub_memberships": (_every(3, "party_members", lambda v: v.fillna(0) + 1), None),
    "hub_memberships.liaison": (lambda df: df.iloc[2:], None),
}


#: changes that reach Project through the standing of its provider (standing.py), and the property
STANDING = {
    "organisations.grades": "provider_grade_rank",
    "organisations.credit_lists": "provider_on_credit_list",
    "annual_inspections": "provider_inspection",
}


@pytest.fixture
def held(monkeypatch):
    """Every change's parts built whole before the load, however many rows they read (most of
    the sample's single-register changes read more than incremental.HELD_SHARE_MAX of its rows,
    and would stream every part): what the tests of the incremental load itself need."""
    monkeypatch.setattr(incremental, "HELD_SHARE_MAX", 1.0)


@pytest.mark.parametrize("name", sorted(CHANGES))
def test_a_change_to_one_input_builds_its_parts_and_gives_the_graph_of_a_full_rebuild(
    sample_input, tmp_path, name, held
):
    change, expected = CHANGES[name]
    s = schema()
    mine = EmbeddedGraphStore(tmp_path / "inc" / "graph.lbug")
    load(mine, sample_input, s)
    assert mine.last_load["mode"] == "full" and set(mine.last_load["parts"]) == set(parts(sample_input, s))

    new = _changed(sample_input, name.split(" ")[0], change)
    load(mine, new, s)
    built = set(mine.last_load["parts"])
    readers = {n for n, p in parts(new, s).items() if name.split(" ")[0] in p.reads}
    assert readers <= built < set(parts(new, s))
    if expected is not None:
        assert built == expected
    assert mine.last_load["mode"] == "incremental"
    assert mine.last_load["reloaded"] or sum(mine.last_load.get("updated", {}).values())  # the change shows

    if name in STANDING:  # an input of the provider's standing on each award day: not missed
        column = STANDING[name]
        assert not build(sample_input, s).nodes["Project"][column].equals(build(new, s).nodes["Project"][column])
        assert "Project" in [*mine.last_load["reloaded"], *mine.last_load.get("updated", {})]
    fresh = EmbeddedGraphStore(tmp_path / "full" / "graph.lbug")
    load(fresh, new, s)
    assert fresh.last_load["mode"] == "full"
    assert mine.fingerprint() == fresh.fingerprint()


def test_new_code_streams_every_part_into_a_new_store(sample_input, tmp_path, monkeypatch):
    """New code makes every part's digest differ: every part is to build, more than
    HELD_SHARE_MAX of the rows, so the load streams them into a new store (the file is replaced),
    rather than building the whole graph and comparing it with the stored one, as with `held`
    below; the graph is the same."""
    mine = EmbeddedGraphStore(tmp_path / "graph.lbug")
    load(mine, sample_input)
    before, inode = mine.fingerprint(), mine.path.stat().st_ino
    monkeypatch.setattr(incremental, "code_digest", lambda: "another version of the code")
    load(mine, sample_input)
    assert mine.last_load["mode"] == "full" and set(mine.last_load["parts"]) == set(parts(sample_input, schema()))
    assert mine.path.stat().st_ino != inode and mine.fingerprint() == before


def test_the_same_input_builds_nothing_and_new_code_builds_everything(sample_input, tmp_path, monkeypatch, held):
    mine = EmbeddedGraphStore(tmp_path / "graph.lbug")
    load(mine, sample_input)
    load(mine, sample_input)
    assert mine.last_load == {"mode": "unchanged", "reloaded": [], "parts": []}
    monkeypatch.setattr(incremental, "code_digest", lambda: "another version of the code")
    load(mine, sample_input)
    assert set(mine.last_load["parts"]) == set(parts(sample_input, schema()))
    assert mine.last_load["mode"] == "unchanged"  # the same code in truth: the same tables


@pytest.mark.parametrize("name", ["organisations", "workers", "evaluations", "hubs"])
def test_changed_parts_reading_more_than_the_share_held_stream_every_part_into_a_new_store(
    sample_input, tmp_path, name
):
    """Parts to build that read more than HELD_SHARE_MAX of the rows every part reads are not
    built whole ahead (`prepare` builds nothing, and copies no store file): the load streams
    every part into a new store, as a first load does, keeps the part digests taken deciding
    it, and gives the graph of a full rebuild. Fewer, and the load is incremental."""
    s = schema()
    every = parts(sample_input, s)
    total = sum(tables_module.part_rows(sample_input, p) for p in every.values())
    mine = EmbeddedGraphStore(tmp_path / "inc" / "graph.lbug")
    load(mine, sample_input, s)
    new = _changed(sample_input, name, CHANGES[name][0])
    stale = {n for n, d in part_digests(new, s).items() if mine.loaded_parts(s).get(n) != d}
    todo = needed(stale, parts(new, s), s)
    share = sum(tables_module.part_rows(new, every[n]) for n in todo) / total
    # both ways are taken on the sample: the organisations feed most parts, the evaluations one
    assert (share > incremental.HELD_SHARE_MAX) == (name in {"organisations", "workers"}), share
    changes = incremental.prepare(mine, new, s)
    assert changes is not None and changes.digests == part_digests(new, s)
    if share > incremental.HELD_SHARE_MAX:
        assert changes.load is None and changes.parts == sorted(every)
        assert not list(mine.path.parent.glob(".load-*"))  # no copy of the store made ahead
    else:
        assert changes.load is not None and changes.parts == sorted(todo)
    with pytest.MonkeyPatch.context() as mp:  # carried out with what `prepare` decided: nothing digested again
        mp.setattr(incremental, "part_digests", lambda *a, **k: pytest.fail("digested again"))
        load(mine, new, s, changes=changes)
    assert mine.last_load["mode"] == ("full" if share > incremental.HELD_SHARE_MAX else "incremental")
    load(mine, new, s)  # the digests kept: the same inputs again build nothing
    assert mine.last_load["mode"] == "unchanged" and mine.last_load["parts"] == []
    fresh = EmbeddedGraphStore(tmp_path / "full" / "graph.lbug")
    load(fresh, new, s)
    assert mine.fingerprint() == fresh.fingerprint()


def test_the_share_held_weighs_the_rows_each_part_reads():
    every = {
        "big": Part("big", lambda i, s: ({}, {}), ("a", "b")),
        "small": Part("small", lambda i, s: ({}, {}), ("c",)),
    }
    inp = GraphInput(
        current={
            "a": pd.DataFrame({"x": range(30)}),
            "b": pd.DataFrame({"x": range(30)}),
            "c": pd.DataFrame({"x": range(40)}),
        },
        history={},
        dataset={},
    )
    # big reads 60 of the 100 rows, small 40
    assert incremental.held_whole(inp, {"small"}, every) and incremental.held_whole(inp, set(), every)
    assert not incremental.held_whole(inp, {"big"}, every) and not incremental.held_whole(inp, {"big", "small"}, every)


def test_a_store_without_trusted_digests_is_given_every_table(sample_input, tmp_path):
    mine = EmbeddedGraphStore(tmp_path / "graph.lbug")
    some = build(sample_input, only={"evaluations"})
    with pytest.raises(ValueError, match="only some tables"):
        mine.replace_with(some)
    load(mine, sample_input)
    (tmp_path / "graph.lbug.tables.json").unlink()
    assert mine.loaded_parts() is None
    load(mine, _changed(sample_input, "evaluations", CHANGES["evaluations"][0]))
    assert mine.last_load["mode"] == "full" and set(mine.last_load["parts"]) == set(parts(sample_input, schema()))


def test_a_reloaded_node_table_brings_the_parts_of_the_relationships_touching_it(sample_input, tmp_path):
    s = schema()
    todo = parts(sample_input, s)
    assert needed({"evaluations"}, todo, s) == {"evaluations"}
    # committees are built with their linkage; workers serve them, projects are delivered in them
    # (and are evaluated), streets (built with the purchases' totals) and districts (geography)
    # hold them, organisations reside in the streets, hubs are for a street or a district
    assert needed({"linkage"}, todo, s) == {
        "linkage",
        "geography",
        "workers",
        "purchases",
        "evaluations",
        "organisations",
        "hubs",
        "network_gaps",
    }
    # and a store given a changed node table without those relationships refuses it
    mine = EmbeddedGraphStore(tmp_path / "graph.lbug")
    load(mine, sample_input, s)
    alone = build(sample_input, s, only={"linkage"})
    alone.nodes["Community"] = alone.nodes["Community"].iloc[1:]  # a community less: copied again
    with pytest.raises(ValueError, match="drops but that were not given"):
        mine.replace_with(alone, s)


def test_every_input_digest_sees_a_change_of_value_type_or_order():
    df = pd.DataFrame({"a": ["x", "y"], "b": [1, 2], "c": [["p"], ["q", "r"]]})
    base = frame_digest(df)
    assert frame_digest(df.copy()) == base
    assert frame_digest(df.iloc[::-1]) != base
    assert frame_digest(df.assign(b=[1, 3])) != base
    assert frame_digest(df.assign(b=[1.0, 2.0])) != base
    assert frame_digest(df.assign(c=[["p"], ["q"]])) != base
    assert frame_digest(df.rename(columns={"a": "z"})) != base
    assert frame_digest(df[["b", "a", "c"]]) != base  # digested column by column: their order counts
    assert frame_digest(df.set_axis([5, 6])) != base  # and the index, digested apart
    assert frame_digest(df.iloc[:, :2]) != frame_digest(df.iloc[:, :2].assign(c=None))
    mixed = df.assign(a=pd.Series(["1", 2], dtype=object))  # Arrow takes no mixed column
    assert frame_digest(mixed) != frame_digest(df.assign(a=pd.Series(["1", "2"], dtype=object)))


def test_the_code_digest_covers_what_the_build_imports():
    """A shared module the build calls changes the tables as much as the graph package does: an
    upgrade of it must rebuild every part, so each module of pipelines/ that tables.py reaches
    (through the graph package's own modules) is in incremental.CODE. Imports for type checking
    only are not code the build runs (the walk is tests/test_layers.py's)."""
    from tests.test_layers import _imports, _sources

    sources = _sources()
    covered = {p.resolve() for p in incremental.CODE}
    seen, todo, shared = set(), ["pipelines.graph.tables"], set()
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        names = [name for name, _ in _imports(sources[module]) if name in sources]
        todo += [n for n in names if n.startswith("pipelines.graph.")]
        shared |= {n for n in names if n.startswith("pipelines.") and not n.startswith("pipelines.graph.")}
    assert shared, "the walk found none of the build's shared modules"
    assert sorted(n for n in shared if sources[n].resolve() not in covered) == []


def test_the_code_digest_covers_the_code_the_build_runs(sample_input):
    """What the walk above cannot see: a module outside pipelines/ that a shared module calls
    (ordering.first_per calls data_contracts.values). Every function the build of the sample's
    tables runs, on every thread, is traced; each file of this repository it runs in is in
    incremental.CODE. The registers' current rows are made and their histories read first:
    they are the build's inputs, digested by their content, not code of the build; so are the
    registers' own classes, which hand the build those rows and their column names (register.py,
    stored_copy.py, which reads a history when first used with the collector paused: run alone,
    the test saw collector.py)."""
    import sys
    import threading
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    for name in list(sample_input.current):
        sample_input.current[name]
    for name in list(sample_input.history):  # read from the stored copies when first used
        sample_input.history[name]
    ran: set[str] = set()

    def seen(frame, event, arg):
        if event == "call":
            ran.add(frame.f_code.co_filename)

    threading.setprofile(seen)
    sys.setprofile(seen)
    try:
        build(sample_input, schema())
    finally:
        sys.setprofile(None)
        threading.setprofile(None)  # type: ignore[arg-type]
    packages = [root / name for name in ("pipelines", "data_contracts", "graph_schema", "sanshe")]
    ours = {f for f in map(Path, ran) if any(p in f.resolve().parents for p in packages)}
    ours = {f.resolve() for f in ours}
    inputs = [root / "pipelines" / "common" / name for name in ("register.py", "stored_copy.py")]
    covered = [p.resolve() for p in (*incremental.CODE, *inputs)]
    outside = sorted(str(f.relative_to(root)) for f in ours if not any(f == c or c in f.parents for c in covered))
    assert any(f.name == "standing.py" for f in ours), "the trace saw none of the build's own code"
    assert outside == []


def _slowed(todo: dict[str, Part], seconds: dict[str, float]) -> dict[str, Part]:
    def make(part: Part, delay: float):
        def slow(inp, s):
            time.sleep(delay)
            return part.make(inp, s)

        return slow

    return {name: dataclasses.replace(p, make=make(p, seconds.get(name, 0.0))) for name, p in todo.items()}


def test_a_full_load_copies_each_table_as_built_and_gives_the_graph_of_the_whole_build(sample_input, tmp_path):
    s = schema()
    whole = build(sample_input, s)
    given, built_at = [], []
    for item in build_in_order(sample_input, s, on_built=lambda: built_at.append(len(given))):
        given.append(item)
    assert sorted(map(str, (key for key, _ in given))) == sorted(map(str, [*whole.nodes, *whole.rels]))
    # told once, when every part is built: at the latest just before the node tables of the
    # last part (the largest)
    owner = {label: name for name, p in parts(sample_input, s).items() for label in p.nodes}
    last = owner[[k for k, _ in given if not isinstance(k, tuple)][-1]]
    first_of_last = min(i for i, (k, _) in enumerate(given) if not isinstance(k, tuple) and owner[k] == last)
    assert len(built_at) == 1 and built_at[0] <= first_of_last
    copied: set[str] = set()
    for key, df in given:  # the same frames, every relationship after the nodes it joins
        if isinstance(key, tuple):
            assert {key[1], key[2]} <= copied, key
            pd.testing.assert_frame_equal(df, whole.rels[key])
        else:
            copied.add(key)
            pd.testing.assert_frame_equal(df, whole.nodes[key])

    streamed = EmbeddedGraphStore(tmp_path / "streamed" / "graph.lbug")
    load(streamed, sample_input, s)
    assert streamed.last_load["mode"] == "full"
    # the store's own statements timed (the benchmark compares them with the floor's)
    spent = streamed.last_load["statements"]
    assert set(spent) == {"copy_seconds", "commit_seconds"} and all(v > 0 for v in spent.values())
    assert streamed.last_load["waited_for_tables_seconds"] >= 0
    at_once = EmbeddedGraphStore(tmp_path / "at_once" / "graph.lbug")
    at_once.replace_with(whole, s, parts=part_digests(sample_input, s))
    assert streamed.fingerprint() == at_once.fingerprint()
    # the digests kept beside each are the same, so the next load of either reloads alike
    state = [json.loads(Path(f"{st.path}.tables.json").read_text()) for st in (streamed, at_once)]
    assert state[0]["tables"] == state[1]["tables"] and state[0]["parts"] == state[1]["parts"]


def _joins(todo: list[Part]) -> dict[str, set[str]]:
    """For each part, the other parts of `todo` building a node its relationships join."""
    maker = {label: p.name for p in todo for label in p.nodes}
    return {p.name: {maker[end] for _t, a, b in p.rels for end in (a, b) if end in maker} - {p.name} for p in todo}


def test_each_part_is_copied_after_the_parts_whose_nodes_its_relationships_join(sample_input):
    """The largest part first (built on a thread of its own, its tables copied last), the others
    in the order their rows give, each after the parts its relationships join: at each step the
    part with the fewest rows of those whose joined parts are placed (an order computed here
    from the declarations, step by step)."""
    todo = parts(sample_input, schema())
    largest, rest = build_order(sample_input, todo)
    rows = {name: part_rows(sample_input, p) for name, p in todo.items()}
    assert rows[largest.name] == max(rows.values())
    assert sorted(p.name for p in rest) == sorted(set(todo) - {largest.name})
    joins = _joins(rest)
    assert any(joins.values()), "the sample's parts join none of each other's nodes"
    for i, part in enumerate(rest):
        placed = {p.name for p in rest[:i]}
        assert joins[part.name] <= placed, (part.name, joins[part.name] - placed)
        free = [p for p in rest[i:] if joins[p.name] <= placed]
        assert part is min(free, key=lambda p: (rows[p.name], p.name))
    # the rows alone would have put a part before one it joins (the order is not the rows')
    by_rows = sorted(rest, key=lambda p: (rows[p.name], p.name))
    assert any(joins[p.name] - {q.name for q in by_rows[:i]} for i, p in enumerate(by_rows))


def test_parts_joining_each_other_are_placed_together_fewest_rows_first():
    """Parts whose relationships join each other's nodes, directly or around a cycle, cannot
    wait for one another: they are placed together, fewest rows first, once every part they
    join outside the group is placed, and a part joining one of them comes after them all."""
    rows = {"big": 99, "a": 3, "b": 2, "c": 1, "r": 4, "x": 5, "y": 6, "z": 7}
    inp = GraphInput(current={n: pd.DataFrame({"v": range(k)}) for n, k in rows.items()}, history={}, dataset={})

    def part(name: str, *joined: str) -> Part:
        own = name.upper()
        return Part(name, lambda inp, s: ({}, {}), (name,), (own,), tuple(("R", own, j.upper()) for j in joined))

    def order(*given: Part) -> list[str]:
        largest, rest = build_order(inp, {p.name: p for p in (part("big"), *given)})
        assert largest.name == "big"
        return [p.name for p in rest]

    # a and b join each other; c joins a
    assert order(part("a", "b"), part("b", "a"), part("c", "a", "big")) == ["b", "a", "c"]
    # a and b join each other, and b joins r: the pair waits for r (fewer rows does not split it)
    assert order(part("a", "b"), part("b", "a", "r"), part("r")) == ["r", "b", "a"]
    # a cycle of three, fewest rows first within it, after the part one of them joins
    assert order(part("x", "y"), part("y", "z"), part("z", "x", "c"), part("c")) == ["c", "x", "y", "z"]


def test_the_copy_order_does_not_depend_on_which_part_finishes_first(sample_input, monkeypatch):
    s = schema()
    todo = parts(sample_input, s)
    order = [key for key, _ in build_in_order(sample_input, s)]
    # the parts copied first made slowest, and the one copied last quickest
    first = [p for p in todo if order[0] in todo[p].nodes][0]
    monkeypatch.setattr(tables_module, "parts", lambda inp, s: _slowed(todo, {first: 0.5}))
    assert [key for key, _ in build_in_order(sample_input, s)] == order


def test_every_part_built_is_told_as_the_builds_end_not_when_their_tables_come_up(sample_input, monkeypatch):
    """The largest part is built beside the others and its tables come last; the last of the
    others is built while the copy takes the tables of the one before it. `on_built` is told as
    soon as that last build ends, between two of those tables, not when the last part's own
    tables come up; and only then, with every build ended."""
    s = schema()
    todo = parts(sample_input, s)
    largest, rest = build_order(sample_input, todo)
    before, last = rest[-2], rest[-1]
    go, ended = threading.Event(), set()

    def tracked(part: Part):
        def make(inp, s):
            if part is last:
                assert go.wait(10), "the copy never reached the part before the last"
            out = part.make(inp, s)
            ended.add(part.name)
            return out

        return make

    monkeypatch.setattr(
        tables_module, "parts", lambda inp, s: {n: dataclasses.replace(p, make=tracked(p)) for n, p in todo.items()}
    )
    builds: list = []  # every build's future, as build_in_order submits it

    class Recorded(tables_module.ThreadPool):
        def submit(self, *args, **kwargs):
            builds.append(super().submit(*args, **kwargs))
            return builds[-1]

    monkeypatch.setattr(tables_module, "ThreadPool", Recorded)
    owner = {key: p.name for p in todo.values() for key in (*p.nodes, *p.rels)}  # the part of each table
    seen: list[tuple[int, set[str]]] = []
    given: list = []
    for key, _ in build_in_order(sample_input, s, on_built=lambda: seen.append((len(given), set(ended)))):
        given.append(key)
        if owner[key] == before.name and not go.is_set():
            go.set()  # the last build may now end, while this table is copied
            # every part is submitted by now (one ahead of the copy): the next table is asked
            # for once they have all ended, however long a loaded machine takes (a fixed wait
            # of 0.5 s failed in CI beside another run)
            assert len(builds) == len(todo), "a part is not submitted while the one before it is copied"
            assert not wait(builds, timeout=60).not_done, "the builds did not end"
    runs = [owner[k] for k in given]
    first_of_before, first_of_last = runs.index(before.name), runs.index(last.name)
    assert first_of_last - first_of_before >= 2, "the sample's part before the last has one table only"
    assert len(seen) == 1 and seen[0][1] == set(todo)
    assert seen[0][0] == first_of_before + 1, "told only when the last part's tables came up"


def test_a_failed_build_or_a_table_missing_leaves_the_stored_graph_as_it_was(sample_input, tmp_path, monkeypatch):
    s = schema()
    mine = EmbeddedGraphStore(tmp_path / "graph.lbug")
    load(mine, sample_input, s)
    before = mine.fingerprint()
    (tmp_path / "graph.lbug.tables.json").unlink()  # no digests: the next load is a full one

    def fails(inp, s):
        raise RuntimeError("part failed")

    todo = parts(sample_input, s)
    broken = {**todo, "evaluations": dataclasses.replace(todo["evaluations"], make=fails)}
    monkeypatch.setattr(tables_module, "parts", lambda inp, s: broken)
    with pytest.raises(RuntimeError, match="part failed"):
        load(mine, sample_input, s)
    monkeypatch.undo()
    given = [(k, df) for k, df in build_in_order(sample_input, s) if k != "Dataset"]
    with pytest.raises(ValueError, match="no table given for \\['Dataset'\\]"):
        mine.load_built(given, s)
    with pytest.raises(ValueError, match="given twice"):
        mine.load_built([*given[:3], given[0]], s)
    assert mine.fingerprint() == before
    assert not list(tmp_path.glob(".load-*"))  # no staging folder left behind


def _made(registers: dict, monkeypatch) -> list[str]:
    """The registers whose current rows are made from now on, in order (RegisterResult.current
    spied on)."""
    made: list[str] = []
    real = RegisterResult.current

    def current(self, model, columns=None, at=None):  # whole, or only some columns
        made.append(self.register)
        return real(self, model, columns, at)

    monkeypatch.setattr(RegisterResult, "current", current)
    return made


def test_current_rows_are_made_once_and_only_when_read(sample_registers, monkeypatch):
    made = _made(sample_registers, monkeypatch)
    rows = GraphInput.of(sample_registers, DATASET_OF_SAMPLE).current
    assert "projects" in rows and "nobody" not in rows and len(rows) == len(sample_registers)
    columns = rows.columns("projects")
    assert made == []  # asking whether a register is there, or its columns, makes nothing
    with ThreadPoolExecutor(max_workers=4) as pool:  # asked at once by the build's threads
        got = list(pool.map(lambda _: rows["projects"], range(8)))
    assert made == ["projects"] and all(g is got[0] for g in got)
    pd.testing.assert_frame_equal(got[0], sample_registers["projects"].current(CONTRACTS["projects"]))
    assert list(got[0].columns) == list(columns)
    with pytest.raises(KeyError):
        rows["nobody"]
    # how many rows a register read, at least its current rows, is known without making them
    made.clear()
    assert rows.rows_read("workers") == sample_registers["workers"].rows_read >= len(rows["workers"])
    assert made == ["workers"]  # made by the look-up after it only


def test_a_full_load_starts_building_before_any_current_rows_are_made(sample_registers, monkeypatch):
    """The parts are ordered by the rows they read without making each register's current rows
    first: making them all kept the national copy waiting 2.1-2.7 s for its first table."""
    made = _made(sample_registers, monkeypatch)
    inp = GraphInput.of(sample_registers, DATASET_OF_SAMPLE)
    started: list[int] = []
    real = tables_module._built

    def built(part, inp, s):
        started.append(len(made))
        return real(part, inp, s)

    monkeypatch.setattr(tables_module, "_built", built)
    given = [key for key, _ in build_in_order(inp, schema())]
    assert started[0] == 0 and len(started) == len(parts(inp, schema()))
    assert set(made) <= set(sample_registers)
    assert len(given) == len(table_labels(schema()))


def _registers_changed(registers: dict, name: str, step: int = 10) -> dict:
    """A copy of `registers` whose register `name` has every `step`th accepted row's first
    numeric or text column changed, as a 1% change of one register would."""
    res = registers[name]
    acc = res.accepted.copy()
    column = "score" if "score" in acc.columns else next(c for c in acc.columns if c.endswith("name"))
    acc.loc[acc.index[::step], column] = (
        acc.loc[acc.index[::step], column] + 0.5 if column == "score" else acc.loc[acc.index[::step], column] + "·改"
    )
    return {**registers, name: dataclasses.replace(res, accepted=acc)}


def test_a_partial_load_digests_only_the_registers_made_again_and_gives_the_graph_of_a_full_rebuild(
    sample_registers, tmp_path, monkeypatch
):
    """As the graph step after an inbox sensor's partial run: the registers loaded from their
    stored copies keep the origin of the run that made them, the one register made again has a
    new one. Only its inputs are digested again, only the parts reading it are built, and only
    the current rows those parts read are made; the graph is the one a full rebuild gives."""
    s = schema()
    kept_at = tmp_path / "storage" / "graph_input_digests.json"
    first = dict.fromkeys(sample_registers, "run-1")
    mine = EmbeddedGraphStore(tmp_path / "inc" / "graph.lbug")
    load(mine, GraphInput.of(sample_registers, DATASET_OF_SAMPLE), s, kept=KeptDigests(kept_at, first))
    inputs = {r for p in parts(GraphInput.of(sample_registers, DATASET_OF_SAMPLE), s).values() for r in p.reads}
    assert mine.last_load["mode"] == "full" and set(mine.last_load["digested"]) == inputs

    changed = _registers_changed(sample_registers, "evaluations")
    made = _made(changed, monkeypatch)
    load(
        mine, GraphInput.of(changed, DATASET_OF_SAMPLE), s, kept=KeptDigests(kept_at, {**first, "evaluations": "run-2"})
    )
    assert mine.last_load["digested"] == ["dataset", "evaluations"]
    assert mine.last_load["parts"] == ["evaluations"] and mine.last_load["mode"] == "incremental"
    assert sorted(made) == sorted(parts(GraphInput.of(changed, DATASET_OF_SAMPLE), s)["evaluations"].reads)
    fresh = EmbeddedGraphStore(tmp_path / "full" / "graph.lbug")
    load(fresh, GraphInput.of(changed, DATASET_OF_SAMPLE), s)
    assert mine.fingerprint() == fresh.fingerprint()


def test_a_partial_load_reads_of_the_unchanged_stored_registers_only_the_columns_it_uses(
    sample_run, sample_registers, tmp_path
):
    """The inbox sensor's partial run hands the graph step every unchanged register as read from
    its stored copy (pipelines/common/stored_copy.py). After a change of the evaluations, the
    evaluations part looks up the projects' providers and award days and the organisations'
    codes: those columns alone are read, no register's rows, and the graph is a full rebuild's."""
    s = schema()
    kept_at = tmp_path / "storage" / "graph_input_digests.json"
    first = dict.fromkeys(sample_registers, "run-1")
    mine = EmbeddedGraphStore(tmp_path / "inc" / "graph.lbug")
    load(mine, GraphInput.of(sample_registers, DATASET_OF_SAMPLE), s, kept=KeptDigests(kept_at, first))

    stored = sample_run[0].output_dir / "dagster_storage"
    fresh = {name: stored_copy.read(stored / f"{name}_resolved") for name in CONTRACTS}
    changed = {**fresh, "evaluations": _registers_changed(sample_registers, "evaluations")["evaluations"]}
    load(
        mine, GraphInput.of(changed, DATASET_OF_SAMPLE), s, kept=KeptDigests(kept_at, {**first, "evaluations": "run-2"})
    )
    assert mine.last_load["parts"] == ["evaluations"]
    read_whole = sorted(name for name, reg in fresh.items() if "accepted" in vars(reg))
    assert read_whole == []
    # where each key's current row is, the copy holds: no key or snapshot column is read for it
    assert sorted(fresh["projects"]._columns) == ["award_date", "project_id", "provider_uscc"]
    assert sorted(fresh["organisations"]._columns) == ["uscc"]
    full = EmbeddedGraphStore(tmp_path / "full" / "graph.lbug")
    load(full, GraphInput.of({**sample_registers, "evaluations": changed["evaluations"]}, DATASET_OF_SAMPLE), s)
    assert mine.fingerprint() == full.fingerprint()


def test_some_columns_of_current_rows_are_the_whole_rows_cut(sample_registers):
    """`CurrentRows.some` makes the current rows of a few columns alone; they are the columns of
    the whole current rows, before and after those are made."""
    for name, columns in (("projects", ["project_id", "provider_uscc", "award_date"]), ("organisations", ["uscc"])):
        want = sample_registers[name].current(CONTRACTS[name])[columns]
        rows = GraphInput.of(sample_registers, DATASET_OF_SAMPLE).current
        pd.testing.assert_frame_equal(rows.some(name, columns), want, check_exact=True)
        assert rows[name] is rows[name]  # now made: cut from them
        pd.testing.assert_frame_equal(rows.some(name, columns), want, check_exact=True)
        with pytest.raises(KeyError):
            rows.some(name, ["no such column"])


def test_a_kept_digest_is_taken_only_for_the_same_origin_and_code(sample_registers, tmp_path, monkeypatch):
    inp = GraphInput.of(sample_registers, DATASET_OF_SAMPLE)
    at = tmp_path / "kept.json"
    truth = incremental.input_digest(inp, "hubs")
    first = KeptDigests(at, {"hubs": "run-1", "workers": None})
    assert first.digest(inp, "hubs") == truth and first.digested == ["hubs"]
    first.digest(inp, "workers")  # of no known origin: digested, never kept
    first.save()
    assert set(json.loads(at.read_text(encoding="utf-8"))) == {"hubs"}

    # a digest kept but wrong shows which way each case went: taken, or digested again
    state = json.loads(at.read_text(encoding="utf-8"))
    state["hubs"]["digest"] = "kept"
    at.write_text(json.dumps(state), encoding="utf-8")
    assert KeptDigests(at, {"hubs": "run-1"}).digest(inp, "hubs") == "kept"
    assert KeptDigests(at, {"hubs": "run-2"}).digest(inp, "hubs") == truth  # made by another run
    assert KeptDigests(at, {"hubs": None}).digest(inp, "hubs") == truth  # its maker not known
    monkeypatch.setattr(incremental, "input_code_digest", lambda: "another version of the code")
    assert KeptDigests(at, {"hubs": "run-1"}).digest(inp, "hubs") == truth
    monkeypatch.undo()
    for torn in ("{", "[]", '{"hubs": 3}', '{"hubs": {"run": "run-1", "code": "x"}}'):
        at.write_text(torn, encoding="utf-8")
        assert KeptDigests(at, {"hubs": "run-1"}).digest(inp, "hubs") == truth


def test_the_input_code_digest_covers_how_current_rows_are_made():
    """A kept input digest stands for the current rows made from a register: the code making
    them (RegisterResult.current and the contracts' keys) is in what the digest is kept with."""
    import data_contracts
    import pipelines.common.register as register_module

    covered = {p.resolve() for p in incremental.INPUT_CODE}
    assert Path(register_module.__file__).resolve() in covered
    assert Path(data_contracts.__file__).resolve().parent in covered


def _one_percent_of_evaluations(tables):
    ev = tables.nodes["Evaluation"].copy()
    ev.loc[::100, "score"] = ev.loc[::100, "score"] + 0.5
    tables.nodes["Evaluation"] = ev
    return tables


def _copies(monkeypatch) -> list[str]:
    """The threads that copy a graph file from now on (by name), one entry a copy."""
    from pipelines.graph import store as store_module

    copies: list[str] = []
    real = shutil.copyfile

    def copyfile(src, dst, *a, **k):
        copies.append(threading.current_thread().name)
        return real(src, dst, *a, **k)

    monkeypatch.setattr(store_module.shutil, "copyfile", copyfile)
    return copies


def _load_with_copy_ahead(store: EmbeddedGraphStore, tables) -> None:
    """`replace_with`, the store file's copy started before the load is decided, as
    incremental.prepare starts it before building."""
    assert store.apply(store.prepare(tables, ahead=store.copy_ahead())) is not None


def test_a_reload_takes_the_copy_of_the_store_made_ahead(loaded, tmp_path, monkeypatch):
    mine, tables = loaded
    copies = _copies(monkeypatch)
    _load_with_copy_ahead(mine, _one_percent_of_evaluations(tables))
    assert copies == ["copy graph file"]  # the copy made ahead, none in the load
    assert mine.last_load["mode"] == "incremental"
    assert mine.fingerprint() == _full(tables, tmp_path / "full" / "graph.lbug")
    assert not list(mine.path.parent.glob(".load-*"))


def test_a_copy_made_ahead_of_another_graph_file_is_not_taken(loaded, tmp_path, monkeypatch):
    mine, tables = loaded
    copies = _copies(monkeypatch)
    ahead = mine.copy_ahead()
    assert ahead is not None
    ahead.wait()
    # the graph swapped meanwhile by another load: the copy made ahead is of the old file
    changed = _one_percent_of_evaluations(tables)
    EmbeddedGraphStore(mine.path).replace_with(changed)
    copies.clear()
    gone = dataclasses.replace(changed, nodes=dict(changed.nodes))
    ev = gone.nodes["Evaluation"].copy()
    ev.loc[1::100, "score"] = ev.loc[1::100, "score"] + 0.5
    gone.nodes["Evaluation"] = ev
    mine.apply(mine.prepare(gone, ahead=ahead))
    assert not ahead.target.exists()  # the copy of no use: gone
    assert copies == [threading.current_thread().name]  # copied again in the load
    assert mine.fingerprint() == _full(gone, tmp_path / "full" / "graph.lbug")
    assert not list(mine.path.parent.glob(".load-*"))  # the copy not taken is removed


def test_a_copy_made_ahead_and_not_needed_is_removed(loaded):
    mine, tables = loaded
    before = mine.fingerprint()
    _load_with_copy_ahead(mine, tables)
    assert mine.last_load["mode"] == "unchanged" and mine.fingerprint() == before
    assert not list(mine.path.parent.glob(".load-*"))


def test_a_copy_ahead_that_fails_leaves_the_load_to_copy_for_itself(loaded, tmp_path, monkeypatch):
    from pipelines.graph import store as store_module

    mine, tables = loaded
    real = shutil.copyfile

    def copyfile(src, dst, *a, **k):
        if threading.current_thread().name == "copy graph file":
            raise OSError(28, "No space left on device")
        return real(src, dst, *a, **k)

    monkeypatch.setattr(store_module.shutil, "copyfile", copyfile)
    _load_with_copy_ahead(mine, _one_percent_of_evaluations(tables))
    assert mine.last_load["mode"] == "incremental"
    assert mine.fingerprint() == _full(tables, tmp_path / "full" / "graph.lbug")
    assert not list(mine.path.parent.glob(".load-*"))


def test_tables_holding_the_stored_rows_in_another_order_leave_the_graph_as_it_is(loaded):
    mine, tables = loaded
    before, stat = mine.fingerprint(), mine.path.stat()
    tables.nodes["Evaluation"] = tables.nodes["Evaluation"].iloc[::-1]  # its digest changes, not its rows
    mine.replace_with(tables)
    assert mine.last_load == {"mode": "unchanged", "reloaded": []}
    assert mine.path.stat().st_mtime_ns == stat.st_mtime_ns and mine.fingerprint() == before
    mine.replace_with(tables)  # the digests kept are the new ones: nothing to compare again
    assert mine.last_load == {"mode": "unchanged", "reloaded": []}


def test_a_load_prepared_ahead_is_carried_out_only_on_the_graph_it_was_decided_against(sample_registers, tmp_path):
    """graph_changes prepares the load (parts built, tables compared, the graph file copied)
    before the expectations check passes; the graph step carries it out. Prepared against a
    graph another load has replaced meanwhile, it writes nothing and the load is decided again,
    giving the graph a full rebuild gives; either way no copy of the graph file is left."""
    s = schema()
    mine = EmbeddedGraphStore(tmp_path / "inc" / "graph.lbug")
    load(mine, GraphInput.of(sample_registers, DATASET_OF_SAMPLE), s)
    assert incremental.prepare(mine, GraphInput.of(sample_registers, DATASET_OF_SAMPLE), s) is not None

    changed = GraphInput.of(_registers_changed(sample_registers, "evaluations"), DATASET_OF_SAMPLE)
    before, stat = mine.fingerprint(), mine.path.stat()
    changes = incremental.prepare(mine, changed, s)
    assert changes is not None and changes.parts == ["evaluations"] and changes.load.ahead is not None
    assert mine.fingerprint() == before and mine.path.stat().st_mtime_ns == stat.st_mtime_ns  # nothing written
    load(mine, changed, s, changes=changes)
    assert mine.last_load["ahead"] is True and mine.last_load["mode"] == "incremental"
    fresh = EmbeddedGraphStore(tmp_path / "full" / "graph.lbug")
    load(fresh, changed, s)
    assert mine.fingerprint() == fresh.fingerprint() != before
    assert not list(mine.path.parent.glob(".load-*"))

    # prepared against the graph as it was; another load swaps in first
    again = GraphInput.of(_registers_changed(sample_registers, "evaluations", step=7), DATASET_OF_SAMPLE)
    stale = incremental.prepare(mine, again, s)
    assert stale is not None
    other = EmbeddedGraphStore(mine.path)
    load(other, GraphInput.of(sample_registers, DATASET_OF_SAMPLE), s)
    assert mine.apply(stale.load) is None  # writes nothing
    with pytest.raises(ValueError, match="once"):
        mine.apply(stale.load)
    load(mine, again, s, changes=incremental.prepare(mine, changed, s))  # prepared with other tables
    assert mine.last_load.get("ahead") is not True
    fresh = EmbeddedGraphStore(tmp_path / "full2" / "graph.lbug")
    load(fresh, again, s)
    assert mine.fingerprint() == fresh.fingerprint()
    assert not list(mine.path.parent.glob(".load-*"))


def test_a_load_prepared_with_other_dataset_facts_is_not_carried_out(sample_registers, tmp_path):
    s = schema()
    mine = EmbeddedGraphStore(tmp_path / "inc" / "graph.lbug")
    load(mine, GraphInput.of(sample_registers, DATASET_OF_SAMPLE), s)
    changed = _registers_changed(sample_registers, "evaluations")
    changes = incremental.prepare(mine, GraphInput.of(changed, DATASET_OF_SAMPLE), s)
    assert changes is not None
    later = GraphInput.of(changed, {**DATASET_OF_SAMPLE, "snapshot_date": dt.date(2031, 1, 1)})
    load(mine, later, s, changes=changes)
    assert mine.last_load.get("ahead") is not True
    fresh = EmbeddedGraphStore(tmp_path / "full" / "graph.lbug")
    load(fresh, later, s)
    assert mine.fingerprint() == fresh.fingerprint()
    assert not list(mine.path.parent.glob(".load-*"))


def test_prepare_takes_a_copy_started_earlier_and_removes_one_it_does_not_need(sample_registers, tmp_path, monkeypatch):
    """`prepare(..., ahead=)`: a copy of the graph file started before the load was decided
    (pipelines/graph/file_copy.py, when a run of some registers starts) is the one the load
    takes when it reloads tables, and is removed when the same inputs need no copy or when the
    load streams every part; the graph is a full rebuild's either way."""
    s = schema()
    mine = EmbeddedGraphStore(tmp_path / "inc" / "graph.lbug")
    same = GraphInput.of(sample_registers, DATASET_OF_SAMPLE)
    load(mine, same, s)

    early = mine.copy_ahead()
    unchanged = incremental.prepare(mine, same, s, ahead=early)
    assert unchanged is not None and unchanged.parts == [] and unchanged.load.ahead is None
    assert not early.target.exists() and not list(mine.path.parent.glob(".load-*"))

    changed = GraphInput.of(_registers_changed(sample_registers, "evaluations"), DATASET_OF_SAMPLE)
    copies = _copies(monkeypatch)
    early = mine.copy_ahead()
    changes = incremental.prepare(mine, changed, s, ahead=early)
    assert changes is not None and changes.parts == ["evaluations"] and changes.load.ahead is early
    load(mine, changed, s, changes=changes)
    assert mine.last_load["ahead"] is True and mine.last_load["mode"] == "incremental"
    assert copies == ["copy graph file"]  # the early copy moved in: none made by prepare or the load
    fresh = EmbeddedGraphStore(tmp_path / "full" / "graph.lbug")
    load(fresh, changed, s)
    assert mine.fingerprint() == fresh.fingerprint()
    assert not list(mine.path.parent.glob(".load-*"))

    streamed = GraphInput.of(_registers_changed(sample_registers, "organisations"), DATASET_OF_SAMPLE)
    early = mine.copy_ahead()
    changes = incremental.prepare(mine, streamed, s, ahead=early)
    assert changes is not None and changes.load is None  # more than the share held: streams
    assert not early.target.exists() and not list(mine.path.parent.glob(".load-*"))


def test_a_copy_started_earlier_of_a_graph_file_since_replaced_is_removed_and_the_file_copied_again(
    sample_registers, tmp_path
):
    s = schema()
    mine = EmbeddedGraphStore(tmp_path / "inc" / "graph.lbug")
    load(mine, GraphInput.of(sample_registers, DATASET_OF_SAMPLE), s)
    early = mine.copy_ahead()
    early.wait()
    # another load swaps a graph file in after the copy started
    other = GraphInput.of(_registers_changed(sample_registers, "evaluations", step=7), DATASET_OF_SAMPLE)
    load(EmbeddedGraphStore(mine.path), other, s)
    changed = GraphInput.of(_registers_changed(sample_registers, "evaluations"), DATASET_OF_SAMPLE)
    changes = incremental.prepare(mine, changed, s, ahead=early)
    assert changes is not None and changes.load.ahead is not None and changes.load.ahead is not early
    assert not early.target.exists()
    load(mine, changed, s, changes=changes)
    fresh = EmbeddedGraphStore(tmp_path / "full" / "graph.lbug")
    load(fresh, changed, s)
    assert mine.fingerprint() == fresh.fingerprint()
    assert not list(mine.path.parent.glob(".load-*"))


def test_the_copy_made_ahead_is_flushed_to_disk_on_its_own_thread(loaded, monkeypatch):
    """The store's checkpoint fsyncs its file at the end of a load: the copy's pages are
    written out on the copy's thread, not there (store._flush)."""
    from pipelines.graph import store as store_module

    mine, _tables = loaded
    flushed: list[tuple[str, Path]] = []
    real = store_module._flush

    def flush(path):
        flushed.append((threading.current_thread().name, Path(path)))
        real(path)

    monkeypatch.setattr(store_module, "_flush", flush)
    ahead = mine.copy_ahead()
    ahead.wait()
    assert flushed == [("copy graph file", ahead.target)] and ahead.copied
    ahead.discard()
    assert not list(mine.path.parent.glob(".load-*"))


def _resource_context(selection):
    from types import SimpleNamespace

    return SimpleNamespace(dagster_run=SimpleNamespace(asset_selection=selection), log=None)


def test_the_graph_file_copy_resource_locks_the_output_first_and_removes_its_copy_when_the_run_ends(
    loaded, monkeypatch
):
    """GraphFileCopy (pipelines/graph/file_copy.py): the run's output lock taken before the copy
    starts, the copy handed over once, removed at teardown whether taken or not (a run the
    blocking check stopped prepared a load and never carried it out), and the lock let go of."""
    from dagster import AssetKey

    from pipelines.common import run_lock
    from pipelines.graph.file_copy import GraphFileCopy

    mine, _tables = loaded
    events: list[str] = []
    real_acquire, real_copy = run_lock.OutputLock.acquire, EmbeddedGraphStore.copy_ahead

    def acquire(self, log):
        events.append("lock")
        real_acquire(self, log)

    def copy_ahead(self):
        events.append("copy")
        return real_copy(self)

    monkeypatch.setattr(run_lock.OutputLock, "acquire", acquire)
    monkeypatch.setattr(EmbeddedGraphStore, "copy_ahead", copy_ahead)
    some = frozenset({AssetKey("evaluations_raw"), AssetKey("graph_changes")})
    for taken in (False, True):
        events.clear()
        res = GraphFileCopy(output_dir=str(mine.path.parent), graph_path=str(mine.path), enabled=True)
        res.setup_for_execution(_resource_context(some))
        assert events == ["lock", "copy"]
        assert run_lock._HELD.get(run_lock.OutputLock(mine.path.parent).path) is not None
        if taken:
            copy = res.take()
            assert copy is not None and res.take() is None
            copy.wait()
        res.teardown_after_execution(_resource_context(some))
        assert not list(mine.path.parent.glob(".load-*"))
        assert run_lock.OutputLock(mine.path.parent).path not in run_lock._HELD
    # the whole job, or a store without digests to trust: nothing copied
    events.clear()
    res = GraphFileCopy(output_dir=str(mine.path.parent), graph_path=str(mine.path), enabled=True)
    res.setup_for_execution(_resource_context(None))
    assert events == [] and res.take() is None
    res.teardown_after_execution(_resource_context(None))


def test_a_graph_file_copy_that_cannot_start_leaves_the_run_to_copy_for_itself(loaded, monkeypatch):
    from dagster import AssetKey

    from pipelines.graph.file_copy import GraphFileCopy

    mine, _tables = loaded

    def no_space(self):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(EmbeddedGraphStore, "copy_ahead", no_space)
    some = frozenset({AssetKey("evaluations_raw"), AssetKey("graph_changes")})
    res = GraphFileCopy(output_dir=str(mine.path.parent), graph_path=str(mine.path), enabled=True)
    res.setup_for_execution(_resource_context(some))  # does not raise: the run goes on
    assert res.take() is None
    res.teardown_after_execution(_resource_context(some))


def test_only_a_run_of_some_registers_that_builds_graph_changes_copies_the_graph_file_from_its_start():
    from dagster import AssetKey

    from pipelines.graph.file_copy import copies_early

    every = {AssetKey(f"{name}_raw") for name in CONTRACTS} | {AssetKey("graph_changes")}
    assert copies_early(None) is False  # the whole job
    assert copies_early(every) is False  # every register read again: streams, or nothing changed
    assert copies_early(every - {AssetKey("hubs_raw")}) is True
    assert copies_early({AssetKey("evaluations_raw"), AssetKey("graph_changes")}) is True
    assert copies_early({AssetKey("evaluations_raw"), AssetKey("quarantine_report")}) is False
