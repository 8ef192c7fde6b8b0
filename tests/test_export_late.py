"""An export with columns gathered per node (late materialisation: pipelines/graph/late_columns.py,
sanshe/queries/late.py) writes the very file the plain query writes.

Oracle: every catalogue query, whole and scoped, exported both ways from the sample's graph
with every node variable the rewrite may take gathered late (whatever the sizes, which at
national scale decide it), compared byte for byte; a graph whose node table has gaps (nodes
deleted); and the order of dictionary columns against the order of their decoded values, with
repeated and empty values, ascending and descending."""

from __future__ import annotations

import functools
import threading

import numpy as np
import pyarrow as pa
import pytest

from pipelines.graph.late_columns import LateColumns, decoded
from pipelines.graph.store import EmbeddedGraphStore
from sanshe.queries.catalogue import _prepared, arrow_order, catalogue, node_key, without_final_order
from sanshe.queries.late import late_columns

#: the sample's district and one of its streets, by the levels a query may be scoped to
SCOPES = {"district": "310106", "street": "310106006000"}
#: the queries whose RETURN the rewrite leaves alone, and why: a UNION (community-profile,
#: organisation-density), aggregates (funding-by-purchaser, funding-by-street, hub-coverage),
#: or no property of a labelled node among its items (hub-network-history)
NOT_REWRITTEN = {
    *("community-profile", "organisation-density", "funding-by-purchaser", "funding-by-street", "hub-coverage"),
    "hub-network-history",
}


def _cases() -> list[tuple[str, dict[str, str]]]:
    out = []
    for name, query in catalogue().items():
        out.append((name, {}))
        levels = query.scope.levels if query.scope else ()
        out += [(name, {"scope": code}) for level, code in SCOPES.items() if level in levels]
    return out


def _everything_late(text: str) -> tuple[str, LateColumns] | None:
    """The rewrite with every variable it may take gathered late (answer larger than any table),
    each with its key as the catalogue gives it (an ordering leaves out the columns after it)."""
    return late_columns(text, rows=10**12, nodes=lambda label: 1, key=node_key)


@pytest.mark.parametrize(("name", "given"), _cases(), ids=lambda v: v if isinstance(v, str) else "-".join(v.values()))
def test_a_late_export_is_the_plain_export_byte_for_byte(store, tmp_path, name, given):
    query, text, used = _prepared(store, name, given)
    text = without_final_order(text)
    late = _everything_late(text)
    if late is None:
        assert name in NOT_REWRITTEN, f"{name}: the rewrite no longer takes its RETURN"
        return
    assert name not in NOT_REWRITTEN
    order = functools.partial(arrow_order, order_by=query.order_by)
    plain, gathered = tmp_path / "plain.parquet", tmp_path / "late.parquet"
    rows = store.export_parquet(text, used, plain, 50_000, order)
    assert store.export_parquet(late[0], used, gathered, 50_000, order, late=late[1]) == rows
    assert gathered.read_bytes() == plain.read_bytes()


def test_the_large_national_answers_are_rewritten(store):
    """The queries whose national answers are the largest must be ones the rewrite takes (else
    the test above checks little): each with its text and the variables it gathers late."""
    taken = {}
    for name in catalogue():
        _q, text, _used = _prepared(store, name, {})
        late = _everything_late(without_final_order(text))
        if late is not None:
            taken[name] = {node.label for node in late[1].nodes}
    assert taken["poorly-evaluated-still-funded"] == {"SocialOrganisation", "Project", "Evaluation"}
    assert taken["award-eligibility"] == {"SocialOrganisation", "Project"}
    assert {"community-linkage", "unattached-organisations"} <= set(taken)


def _late_handed(monkeypatch, store) -> list:
    """The `late` each `export_parquet` of `store`'s class is handed from now on, in order."""
    handed = []
    export_parquet = type(store).export_parquet

    def spied(self, *args, **kwargs):
        handed.append(kwargs.get("late"))
        return export_parquet(self, *args, **kwargs)

    monkeypatch.setattr(type(store), "export_parquet", spied)
    return handed


@pytest.mark.parametrize("name", ["poorly-evaluated-still-funded", "award-eligibility"])
def test_export_takes_the_late_path_where_the_sizes_say_so(store, tmp_path, monkeypatch, name):
    """`export` itself: the national answer, with the rewrite told every table is small enough
    (as at national scale), writes the file the plain export writes; and the sizes it is given
    are the count companion's rows and each label's nodes."""
    from sanshe.queries import catalogue as cat

    seen = []

    def told_small(text, rows, nodes, key=node_key, pack=True):
        seen.append((rows, nodes("Project")))
        return late_columns(text, rows, lambda label: 1, key, pack)

    handed = _late_handed(monkeypatch, store)

    plain = tmp_path / "plain.parquet"
    monkeypatch.setattr(cat, "late_columns", lambda *args, **kwargs: None)
    rows = cat.export(store, name, None, plain)
    monkeypatch.setattr(cat, "late_columns", told_small)
    gathered = tmp_path / "late.parquet"
    assert cat.export(store, name, None, gathered) == rows
    assert gathered.read_bytes() == plain.read_bytes()
    projects = int(store.query("MATCH (p:Project) RETURN count(*) AS n")["n"].iloc[0])
    assert seen[-1] == (rows, projects)
    assert handed[0] is None and isinstance(handed[1], LateColumns), "the second export took the late path"


def test_a_literal_keeps_its_spaces():
    text = "MATCH (o:SocialOrganisation)\nRETURN o.name AS name, 'a  b' AS spaced\n"
    rewritten, _late = _everything_late(text)
    assert rewritten.endswith("RETURN offset(id(o)) AS offset_o, 'a  b' AS spaced\n")


def test_every_aggregate_of_the_store_is_known():
    """An aggregate the rewrite did not know would group by the nodes' positions instead of
    their values: the installed ladybug's aggregates must all be in AGGREGATES."""
    import ladybug

    from sanshe.queries.late import AGGREGATES

    conn = ladybug.Connection(ladybug.Database(":memory:"))
    functions = conn.execute("CALL show_functions() RETURN *").get_as_df()
    aggregates = set(functions[functions["type"].str.contains("AGGREGATE")]["name"].str.lower())
    assert aggregates and aggregates <= set(AGGREGATES)


def test_missing_nodes_and_empty_tables(tmp_path):
    """An OPTIONAL MATCH's missing node has an empty position: its cells stay empty; a node
    table with no nodes is not gathered late (its dictionary would hold nothing)."""
    import ladybug

    path = tmp_path / "optional.lbug"
    conn = ladybug.Connection(ladybug.Database(str(path)))
    conn.execute("CREATE NODE TABLE Org(uscc STRING, name STRING, PRIMARY KEY (uscc))")
    conn.execute("CREATE NODE TABLE Project(pid STRING, PRIMARY KEY (pid))")
    conn.execute("CREATE NODE TABLE Nothing(k STRING, PRIMARY KEY (k))")
    conn.execute("CREATE REL TABLE AWARDED_TO(FROM Project TO Org)")
    conn.execute("CREATE REL TABLE NONE_TO(FROM Project TO Nothing)")
    for i in range(6):
        conn.execute("CREATE (:Org {uscc: $u, name: $n})", {"u": f"U{i}", "n": f"name{i}"})
    for i in range(20):
        conn.execute("CREATE (:Project {pid: $p})", {"p": f"P{i:02d}"})
        if i % 3:
            conn.execute(
                "MATCH (p:Project {pid: $p}), (o:Org {uscc: $u}) CREATE (p)-[:AWARDED_TO]->(o)",
                {"p": f"P{i:02d}", "u": f"U{i % 6}"},
            )
    del conn
    store = EmbeddedGraphStore(path)
    counts = {"Org": 6, "Project": 20, "Nothing": 0}
    text = "MATCH (p:Project)\nOPTIONAL MATCH (p)-[:AWARDED_TO]->(o:Org)\nRETURN p.pid AS project, o.name AS provider\n"
    rewritten, late = late_columns(text, rows=20, nodes=counts.__getitem__)
    assert {node.label for node in late.nodes} == {"Org", "Project"}
    order = functools.partial(arrow_order, order_by=("provider", "project"))
    plain, gathered = tmp_path / "plain.parquet", tmp_path / "late.parquet"
    assert store.export_parquet(text, None, plain, 50_000, order) == 20
    assert store.export_parquet(rewritten, None, gathered, 50_000, order, late=late) == 20
    assert gathered.read_bytes() == plain.read_bytes()
    empty = "MATCH (p:Project)\nOPTIONAL MATCH (p)-[:NONE_TO]->(x:Nothing)\nRETURN x.k AS k\n"
    assert late_columns(empty, rows=20, nodes=counts.__getitem__) is None


@pytest.mark.parametrize(
    "text",
    [
        "MATCH (o:SocialOrganisation) RETURN DISTINCT o.name AS name",
        "MATCH (o:SocialOrganisation) RETURN o.name AS name, percentileDisc(o.score, 0.5) AS med",
        "MATCH (o:SocialOrganisation)-[:RESIDES_IN]->(s:Street) RETURN s.name AS street, count(*) AS n",
        "MATCH (o:SocialOrganisation) RETURN o.name AS name UNION MATCH (p:Project) RETURN p.name AS name",
        "MATCH (o:SocialOrganisation) WITH o.name AS o RETURN o AS name",
        "MATCH (o) RETURN o.name AS name",
        "MATCH (o:SocialOrganisation) RETURN o.name",
        "MATCH ()-[o:AWARDED_TO]->() RETURN o.since AS since",
    ],
)
def test_a_return_the_rewrite_could_change_is_left_alone(text):
    assert _everything_late(text) is None


def test_the_rewrite_keeps_other_items_and_gathers_only_what_pays():
    text = (
        "MATCH (p:Project)-[:AWARDED_TO]->(o:SocialOrganisation)\n"
        "RETURN p.project_id AS project_id, o.name AS provider, coalesce(p.note, '') AS note, o.uscc AS uscc\n"
    )
    counts = {"Project": 1_000, "SocialOrganisation": 10}
    rewritten, late = late_columns(text, rows=100, nodes=counts.__getitem__)
    assert rewritten.endswith(
        "RETURN p.project_id AS project_id, offset(id(o)) AS offset_o, coalesce(p.note, '') AS note\n"
    )
    assert [(n.label, n.columns) for n in late.nodes] == [
        ("SocialOrganisation", (("name", "provider"), ("uscc", "uscc")))
    ]
    assert late.names == ("project_id", "provider", "note", "uscc")
    assert late_columns(text, rows=5, nodes=counts.__getitem__) is None


def _awards_graph(path, orgs: list[tuple[str, str | None]], projects: list[tuple[str, float, str]]):
    """A store at `path` of organisations (USCC, name) and projects (id, amount, the USCC it was
    awarded to), made in the order given; returns its connection, for more changes."""
    import ladybug

    conn = ladybug.Connection(ladybug.Database(str(path)))
    conn.execute("CREATE NODE TABLE Org(uscc STRING, name STRING, PRIMARY KEY (uscc))")
    conn.execute("CREATE NODE TABLE Project(pid STRING, amount DOUBLE, PRIMARY KEY (pid))")
    conn.execute("CREATE REL TABLE AWARDED_TO(FROM Project TO Org)")
    for uscc, name in orgs:
        conn.execute("CREATE (:Org {uscc: $u, name: $n})", {"u": uscc, "n": name})
    for pid, amount, uscc in projects:
        conn.execute("CREATE (:Project {pid: $p, amount: $a})", {"p": pid, "a": amount})
        conn.execute(
            "MATCH (p:Project {pid: $p}), (o:Org {uscc: $u}) CREATE (p)-[:AWARDED_TO]->(o)", {"p": pid, "u": uscc}
        )
    return conn


@pytest.mark.parametrize(
    ("order_by", "keys"),
    [(("-provider", "amount"), {}), (("uscc", "amount"), {"Org": "uscc", "Project": "pid"})],
    ids=["no-keys", "keys"],
)
def test_a_node_table_with_gaps_gives_the_plain_export(tmp_path, order_by, keys):
    """Nodes deleted leave positions no node holds (an incremental load deletes rows); projects
    made out of their ids' order, so that the store's order is not the answer's. With keys, the
    ordering leaves out an organisation's name after its USCC, but not the project, whose key is
    not among the declared ones (rows tied on USCC and amount are ordered by it)."""
    orgs = [(f"U{i}", None if i == 3 else f"name{i % 3}") for i in range(8)]
    made = [(i * 7) % 30 for i in range(30)]
    conn = _awards_graph(tmp_path / "gaps.lbug", orgs, [(f"P{i:02d}", float(i % 4), f"U{(i * 5) % 8}") for i in made])
    conn.execute("MATCH (o:Org) WHERE o.uscc IN ['U0', 'U6'] DETACH DELETE o")
    conn.execute("MATCH (p:Project) WHERE p.pid < 'P05' DETACH DELETE p")
    del conn
    store = EmbeddedGraphStore(tmp_path / "gaps.lbug")
    text = (
        "MATCH (p:Project)-[:AWARDED_TO]->(o:Org)\n"
        "RETURN o.uscc AS uscc, o.name AS provider, p.pid AS project, p.amount AS amount\n"
    )
    rewritten, late = late_columns(text, rows=10**12, nodes=lambda label: 1, key=keys.get)
    order = functools.partial(arrow_order, order_by=order_by)
    plain, gathered = tmp_path / "plain.parquet", tmp_path / "late.parquet"
    rows = store.export_parquet(text, None, plain, 50_000, order)
    assert rows == sum(1 for i in range(5, 30) if (i * 5) % 8 not in (0, 6))
    positions = store.query("MATCH (o:Org) RETURN offset(id(o)) AS at")["at"]
    assert positions.max() + 1 > len(positions), "no gap: the deletes left none to test"
    assert store.export_parquet(rewritten, None, gathered, 50_000, order, late=late) == rows
    assert gathered.read_bytes() == plain.read_bytes()


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("order_by", [("a", "b"), ("-a", "n"), ("n", "-b"), ("-b",)])
def test_dictionary_columns_sort_as_their_values(seed, order_by):
    """`arrow_order` of a table of dictionary columns (values repeated, empty cells, one
    dictionary shared by two columns) equals its order of the decoded table."""
    rng = np.random.default_rng(seed)
    words = pa.array([None if i % 7 == 0 else f"w{rng.integers(0, 6)}" for i in range(40)])
    numbers = pa.array([None if i % 5 == 0 else float(rng.integers(0, 3)) for i in range(40)])
    pick = [pa.array(rng.integers(0, 40, 300)) for _ in range(3)]
    table = pa.table(
        {
            "a": pa.DictionaryArray.from_arrays(pick[0], words),
            "b": pa.DictionaryArray.from_arrays(pick[1], words),
            "n": pa.DictionaryArray.from_arrays(pick[2], numbers),
            "t": pa.DictionaryArray.from_arrays(pick[0], numbers),
        }
    )
    plain = decoded(table)
    assert not any(pa.types.is_dictionary(f.type) for f in plain.schema)
    assert arrow_order(table, order_by).equals(arrow_order(plain, order_by))


def test_the_node_tables_are_read_while_the_store_computes_the_answer(store, tmp_path, monkeypatch):
    """The answer's query lets go of the GIL that the node tables' hand-over holds, so the export
    reads those tables beside it: here the answer is not asked for until a node table's read has
    begun, and no node table is read until the answer has been asked for, so that only reads
    and answer under way together get through (read before or after the answer, on any thread,
    one of them waits in vain); the file is the plain answer's, byte for byte."""
    query, text, used = _prepared(store, "award-eligibility", {})
    rewritten, late = _everything_late(without_final_order(text))
    order = functools.partial(arrow_order, order_by=query.order_by)
    plain = tmp_path / "plain.parquet"
    store.export_parquet(without_final_order(text), used, plain, 50_000, order)
    begun, asked = threading.Event(), threading.Event()
    reading, node_columns = type(store)._reading, type(store)._node_columns

    def scanning(self, label, props, db):
        begun.set()
        assert asked.wait(30), "a node table was read before the answer was asked for"
        return node_columns(self, label, props, db)

    def answered(self, cypher, params, db=None):
        if cypher == rewritten:
            asked.set()
            assert begun.wait(30), "no node table was read before the answer was asked for"
        return reading(self, cypher, params, db)

    monkeypatch.setattr(type(store), "_node_columns", scanning)
    monkeypatch.setattr(type(store), "_reading", answered)
    store.export_parquet(rewritten, used, tmp_path / "beside.parquet", 50_000, order, late=late)
    assert (tmp_path / "beside.parquet").read_bytes() == plain.read_bytes()


def test_the_answer_and_its_node_tables_are_read_from_one_handle(store, tmp_path, monkeypatch):
    """A load may swap another graph file in while an export runs (the reader then opens the new
    one): the positions and the values must come from one graph, so the export opens the
    graph once and reads its node tables through that handle."""
    _q, text, used = _prepared(store, "award-eligibility", {})
    rewritten, late = _everything_late(without_final_order(text))
    opened = []
    reader = type(store)._reader

    def counted(self):
        opened.append(1)
        return reader(self)

    monkeypatch.setattr(type(store), "_reader", counted)
    store.export_parquet(rewritten, used, tmp_path / "late.parquet", 50_000, None, late=late)
    assert len(late.scans()) == 2 and len(opened) == 1


def test_positions_are_packed_two_to_a_column_where_they_may_be():
    """Variables in the order they come, two to a column; the odd one, a label with more nodes
    than PACK_NODES_MAX, and any variable of a text with an OPTIONAL MATCH, one to a column."""
    from sanshe.queries.late import PACK_NODES_MAX

    text = (
        "MATCH (e:Evaluation)-[:EVALUATES]->(p:Project)-[:AWARDED_TO]->(o:SocialOrganisation)\n"
        "RETURN o.uscc AS uscc, p.project_id AS project, e.grade AS grade\n"
    )
    rewritten, late = late_columns(text, rows=10, nodes=lambda label: 1)
    assert rewritten.endswith(
        "RETURN offset(id(o)) * 4294967296 + offset(id(p)) AS offsets_o_p, offset(id(e)) AS offset_e\n"
    )
    assert [(n.label, n.offset, n.half) for n in late.nodes] == [
        ("SocialOrganisation", "offsets_o_p", "high"),
        ("Project", "offsets_o_p", "low"),
        ("Evaluation", "offset_e", ""),
    ]
    big = {"SocialOrganisation": PACK_NODES_MAX + 1, "Project": 1, "Evaluation": 1}
    rewritten, _late = late_columns(text, rows=10**12, nodes=big.__getitem__)
    assert rewritten.endswith(
        "RETURN offset(id(o)) AS offset_o, offset(id(p)) * 4294967296 + offset(id(e)) AS offsets_p_e\n"
    )
    unpacked = "RETURN offset(id(o)) AS offset_o, offset(id(p)) AS offset_p, offset(id(e)) AS offset_e\n"
    assert late_columns(text, rows=10, nodes=lambda label: 1, pack=False)[0].endswith(unpacked)
    optional = text.replace("MATCH (e", "MATCH (p:Project)\nOPTIONAL MATCH (e")
    assert late_columns(optional, rows=10, nodes=lambda label: 1)[0].endswith(unpacked)
    # two pairs whose names would be one (`a` with `b_c`, `a_b` with `c`)
    underscored = (
        "MATCH (a:X)-[:R]->(b_c:X)-[:R]->(a_b:X)-[:R]->(c:X)\nRETURN a.k AS a, b_c.k AS b, a_b.k AS c, c.k AS d\n"
    )
    _text, late = late_columns(underscored, rows=10, nodes=lambda label: 1)
    assert len({node.offset for node in late.nodes}) == 2 and len({node.position for node in late.nodes}) == 4


def test_two_nodes_sharing_a_column_are_still_two_nodes_to_the_order(tmp_path):
    """Rows tied on one node's key may differ in the other node's columns, though both nodes'
    positions come in one column: the order must still sort by them (a mark naming the column
    alone made the project's amount look like a column of the organisation's, left out after
    its key, and the rows tied on it kept the store's order)."""
    # amounts falling as projects are made: the store's order is not theirs
    projects = [(f"P{i:02d}", float(100 - i), f"U{i % 3}") for i in range(12)]
    _awards_graph(tmp_path / "shared.lbug", [(f"U{i}", None) for i in range(3)], projects)  # closed: not kept
    store = EmbeddedGraphStore(tmp_path / "shared.lbug")
    text = "MATCH (p:Project)-[:AWARDED_TO]->(o:Org)\nRETURN p.amount AS amount, o.uscc AS uscc\n"
    rewritten, late = late_columns(text, rows=10**12, nodes=lambda label: 1, key={"Org": "uscc"}.get)
    assert {n.half for n in late.nodes} == {"high", "low"}
    order = functools.partial(arrow_order, order_by=("uscc",))
    plain, gathered = tmp_path / "plain.parquet", tmp_path / "late.parquet"
    assert store.export_parquet(text, None, plain, 50_000, order) == 12
    assert store.export_parquet(rewritten, None, gathered, 50_000, order, late=late) == 12
    assert gathered.read_bytes() == plain.read_bytes()


@pytest.mark.parametrize(
    ("setting", "value", "refusal"),
    [("PACKED_OFFSET_MAX", 0, "holds position"), ("PACKED_SHIFT", 62, "verflow")],
    ids=["found-in-a-node-table", "overflowing-the-query"],
)
def test_positions_too_large_to_pack_are_asked_one_to_a_column(store, tmp_path, monkeypatch, setting, value, refusal):
    """A position too large for two to a column, found two ways: in a node table, past
    PACKED_OFFSET_MAX (here lowered to 0), where `assembled` refuses; or past what the store's
    int64 arithmetic holds in the high half (here the shift raised to 62 bits, so that any
    position from 2 up overflows), where the store reports its overflow. Either way the store
    raises OffsetsNotPacked rather than give a wrong file, and `export` asks again a column
    per position, writing the plain file."""
    from pipelines.graph import late_columns as module
    from sanshe.queries import catalogue as cat

    name = "award-eligibility"
    plain = tmp_path / "plain.parquet"
    monkeypatch.setattr(cat, "late_columns", lambda *args, **kwargs: None)
    cat.export(store, name, None, plain)
    monkeypatch.setattr(
        cat,
        "late_columns",
        lambda text, rows, nodes, key=node_key, pack=True: late_columns(text, rows, lambda label: 1, key, pack),
    )
    monkeypatch.setattr(module, setting, value)
    query, text, used = _prepared(store, name, {})
    rewritten, late = cat._late(store, query, {}, text)
    assert late.packed_labels
    with pytest.raises(module.OffsetsNotPacked, match=refusal):
        store.export_parquet(rewritten, used, tmp_path / "refused.parquet", 50_000, None, late=late)
    handed = _late_handed(monkeypatch, store)
    gathered = tmp_path / "late.parquet"
    cat.export(store, name, None, gathered)
    assert gathered.read_bytes() == plain.read_bytes()
    assert [bool(late.packed_labels) for late in handed] == [True, False]
