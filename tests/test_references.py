"""References between registers are declared once, on the contract (`Contract.references`),
and everything else derives from that declaration: the resolve stage's quarantine, the
expectation suites and the release's foreign keys. The declarations agree with the
relationships in graph_schema/relationships.yaml."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from data_contracts import CONTRACTS, ProjectRecord
from data_contracts.references import ORGANISATION
from data_contracts.validation import issues_frame
from graph_schema import schema
from pipelines.common.references import _suspects, _value_set, is_known, unknown_references
from pipelines.common.register import RegisterResult
from pipelines.common.resolve import check_references
from pipelines.graph.dump import dump
from pipelines.quality.checks import expectations
from sanshe.release.tables import _node_keyed_by, build


def _register(name: str, **columns) -> RegisterResult:
    n = len(next(iter(columns.values())))
    frame = pd.DataFrame({**columns, "_file": [f"{name}.csv"] * n, "_row": range(2, n + 2)})
    return RegisterResult(name, frame, issues_frame([]), n)


def _nodes_of(register: str) -> set[str]:
    return {n.label for n in schema().nodes.values() if n.source == register}


@pytest.mark.parametrize("register", list(CONTRACTS))
def test_each_reference_is_a_relationship_of_the_schema(register):
    """A reference names a register before this one (or this one) and a field that is the key
    of a node read from it; a relationship joins that node to a node of the referring register.
    Where the referring register has no node of its own (memberships, division changes), its
    key's reference names the node it describes, and the other references join that one."""
    model = CONTRACTS[register]
    order = list(CONTRACTS)
    links = {frozenset(ends) for rel in schema().rels.values() for ends in rel.endpoints}
    subject = _nodes_of(register) or {
        _node_keyed_by(schema(), model.references[k].register, model.references[k].field)
        for k in model.key
        if k in model.references
    }
    for field, ref in model.references.items():
        assert order.index(ref.register) <= order.index(register), f"{register}.{field} refers to a later register"
        target = _node_keyed_by(schema(), ref.register, ref.field)
        assert target, f"{register}.{field}: no node is keyed by {ref.register}.{ref.field}"
        if field in model.key and not _nodes_of(register):
            assert any(target in ends for ends in links), f"{target} has no relationship"
        else:
            assert any(frozenset({s, target}) in links for s in subject), (
                f"{register}.{field}: no relationship to {target}"
            )


def test_a_reference_added_to_a_contract_is_checked_everywhere(monkeypatch, store):
    # a made-up reference: a project's purchaser must be a registered social organisation
    monkeypatch.setattr(ProjectRecord, "references", {**ProjectRecord.references, "purchaser_uscc": ORGANISATION})
    orgs = _register("organisations", uscc=["51310106MJ0000001X", "51310106MJ0000002X"])
    projects = _register(
        "projects",
        project_id=["P1", "P2"],
        provider_uscc=["51310106MJ0000001X"] * 2,
        purchaser_uscc=["51310106MJ0000002X", "11310106000000000X"],
        served_communities=[["310106001001"], []],
        staffed_workers=[[], []],
    )
    registers = {
        "organisations": orgs,
        "communities": _register("communities", community_code=["310106001001"]),
        "workers": _register("workers", worker_key=["SW000001"]),
        "projects": projects,
    }

    resolved = check_references(projects, ProjectRecord, registers)
    assert resolved.accepted["project_id"].tolist() == ["P1"]
    assert resolved.issues[["row", "field", "rule"]].values.tolist() == [[3, "purchaser_uscc", "unknown_reference"]]

    suite = expectations("projects", registers)
    checked = {e.derive[1]: e.derive[2] for e in suite if e.derive}
    assert set(checked["purchaser_uscc"]) == set(orgs.accepted["uscc"].tolist())

    tables = {t.name: t for t in build(dump(store))}
    assert (["purchaser_uscc"], "organisations", ["uscc"]) in tables["projects"].foreign_keys


def test_a_row_is_reported_for_its_first_unknown_reference_as_when_each_field_is_checked_in_turn():
    """The references to other registers are looked up together, on two threads; what is dropped
    and reported is what checking each field in declared order on the rows the fields before it
    kept gives (the oracle below): a row unknown in two fields is reported once, for the first."""
    known_org, known_com, known_worker = "51310106MJ0000001X", "310106001001", "SW000001"
    projects = _register(
        "projects",
        project_id=["P1", "P2", "P3", "P4", "P5"],
        provider_uscc=[known_org, "51310106MJ0000009X", "51310106MJ0000009X", known_org, known_org],
        served_communities=[[known_com], ["310106009009"], [known_com], ["310106009009"], [known_com]],
        staffed_workers=[[known_worker], ["SW000009"], [], ["SW000009"], ["SW000009", known_worker]],
    )
    registers = {
        "organisations": _register("organisations", uscc=[known_org]),
        "communities": _register("communities", community_code=[known_com]),
        "workers": _register("workers", worker_key=[known_worker]),
    }
    got = check_references(projects, ProjectRecord, registers)

    oracle = projects
    for field, ref in ProjectRecord.references.items():
        keys = registers[ref.register].accepted[ref.field]
        oracle = oracle.dropping(unknown_references(oracle.accepted, ProjectRecord, field, keys, ref.zh, ref.en))
    pd.testing.assert_frame_equal(got.accepted, oracle.accepted)
    pd.testing.assert_frame_equal(got.issues, oracle.issues)
    assert got.accepted["project_id"].tolist() == ["P1"]
    assert got.issues[["row", "field"]].values.tolist() == [
        [3, "provider_uscc"],
        [4, "provider_uscc"],
        [5, "served_communities"],
        [6, "staffed_workers"],
    ]


def test_list_references_are_checked_item_by_item():
    """The suites check list fields (served communities, staffed workers) too: a list is known
    when every item is; no value is neither known nor unknown."""
    values = pd.Series([["a", "b"], ["a", "z"], [], None, "a", "z", ""], dtype=object)
    assert is_known(values, {"a", "b"}).tolist() == [True, False, True, None, True, False, None]
    text = pd.Series(["a", "z", None, ""], dtype="str")  # pandas' Arrow strings, looked up in Arrow
    assert is_known(text, {"a", "b"}).tolist() == [True, False, None, None]


def test_list_cells_are_judged_by_every_item_whatever_it_holds():
    known = {"A", "B"}
    cells = pd.Series([["A", "B"], ["A", "C"], [], None, "B", "Z", ""], dtype=object)
    assert _suspects(cells, _value_set(known)) == [1, 5]
    # an item that is not text (never from a contract's split cell) is judged one by one, not a crash
    odd = pd.Series([["A", 3], ["B"]], dtype=object)
    assert _suspects(odd, _value_set(known)) == [0]


def test_keys_as_a_text_column_or_a_set_find_the_same_unknowns():
    """`resolve.keys` hands the referenced register's column over as it is (Arrow text, missing
    values dropped); the issues are those a Python set of the same keys gives."""

    rng = np.random.default_rng(7)
    codes = [f"K{i:03d}" for i in range(60)]
    column = pd.Series([*codes[:40], None, codes[3]], dtype="str")  # a missing key and a repeat
    cells = []
    for _ in range(400):
        pick = rng.integers(0, 4)
        if pick == 0:
            cells.append([str(c) for c in rng.choice(codes, rng.integers(0, 4))])
        elif pick == 1:
            cells.append(str(rng.choice(codes)))
        else:
            cells.append(rng.choice([None, "", str(rng.choice(codes))]))
    frame = pd.DataFrame({"served_communities": pd.Series(cells, dtype=object), "_file": "f.csv", "_row": range(400)})
    model = CONTRACTS["projects"]
    by_column = unknown_references(frame, model, "served_communities", column, "社区", "community")
    by_set = unknown_references(frame, model, "served_communities", set(codes[:40]), "社区", "community")
    assert len(by_column) > 20
    pd.testing.assert_frame_equal(by_column, by_set)
    pd.testing.assert_series_equal(
        is_known(frame["served_communities"], column), is_known(frame["served_communities"], set(codes[:40]))
    )


@pytest.mark.parametrize("large", [False, True])
def test_the_items_of_suspect_rows_found_among_the_keys_are_those_a_python_set_finds(large):
    """`_present` looks the keys up among the suspect rows' items (not the items among the
    keys): the same items as Python's set intersection, whatever the keys hold (repeats, a
    missing key, 64-bit offsets) and whatever the cells hold (lists, text, other values)."""
    import pyarrow as pa

    from pipelines.common.references import _present

    rng = np.random.default_rng(5 + large)
    codes = [f"K{i:03d}" for i in range(80)]
    keys = pd.Series([*codes[:50], None, codes[3], codes[3]], dtype="str")
    value_set = _value_set(keys)
    if large:
        value_set = value_set.cast(pa.large_string())
    for _ in range(50):
        cells: list = []
        for _ in range(int(rng.integers(0, 6))):
            pick = rng.integers(0, 4)
            if pick == 0:
                cells.append([str(c) for c in rng.choice(codes, rng.integers(0, 4))] + [None, 3][: rng.integers(0, 3)])
            elif pick == 1:
                cells.append(str(rng.choice(codes)))
            else:
                cells.append(rng.choice([None, "", 7, str(rng.choice(codes))]))
        items = {v for c in cells for v in (c if isinstance(c, list) else [c]) if isinstance(v, str)}
        assert _present(cells, value_set) == items & set(codes[:50]), cells
    assert _present([], value_set) == set() == _present([None, [3]], value_set)


def _known_by_hand(cell, known: set[str]):
    """The rule `is_known` keeps, cell by cell in Python: the oracle of the column-wise look-up."""
    if isinstance(cell, list):
        return all(isinstance(v, str) and v in known for v in cell)
    if cell is None or (isinstance(cell, float) and np.isnan(cell)) or cell == "":
        return None
    return cell in known


@pytest.mark.parametrize("texts", [False, True])
def test_a_column_of_lists_is_judged_as_cell_by_cell(texts):
    """A column whose every cell is a list or nothing is looked up as an Arrow list at once;
    one text cell among them sends it the way of mixed columns. Both give what a look-up of
    each cell in Python gives."""
    rng = np.random.default_rng(11 + texts)
    codes = [f"C{i:02d}" for i in range(30)]
    known = set(codes[:20])
    cells: list = []
    for _ in range(500):
        pick = rng.integers(0, 5)
        if pick == 0:
            cells.append(None)
        elif pick == 1:
            cells.append(np.nan)
        else:
            cells.append([str(c) for c in rng.choice(codes, rng.integers(0, 4))])
    if texts:
        cells[7], cells[300] = "C01", "C29"
    values = pd.Series(cells, dtype=object)
    want = [_known_by_hand(c, known) for c in cells]
    assert is_known(values, known).tolist() == want
    assert is_known(values, pd.Series(sorted(known), dtype="str")).tolist() == want
    assert _suspects(values, _value_set(known)) == [i for i, w in enumerate(want) if w is False]
    assert want.count(False) > 50 and want.count(True) > 50 and want.count(None) > 50
