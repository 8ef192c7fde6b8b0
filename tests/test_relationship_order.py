"""The embedded store's catalogue answers against two facts that hold whatever the store does
inside: an answer does not depend on the order the relationships were copied in, and an answer
on a day is the answer of the graph holding only what held on that day.

Why: ladybug 0.22 loses a relationship's property filter in a pattern that goes on past the
relationship (the federation's district, a street in it by IN_DISTRICT on the day, and the
organisations residing in that street, in one MATCH), and which rows it keeps depends on the
order of a street's relationships in the store: the last test shows it on a graph of a dozen
nodes, in the order a build made them and sorted by (from, to, valid_from). Loaded in another
order than sorted, it answered unattached-organisations scoped to the sample's district with 522
rows instead of 116.
The catalogue's texts find the streets first and go on from them in a MATCH of their own
(docs/queries.md, "Filters on a relationship in the embedded store"); these tests hold every
query to both facts on the sample's graph with one street given such a history."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from graph_schema import schema
from graph_schema.types import missing
from pipelines.graph.dump import tables_from_dump
from pipelines.graph.standing import _holds
from pipelines.graph.store import EmbeddedGraphStore
from pipelines.graph.tables import GraphTables
from sanshe.queries.catalogue import catalogue, execute

#: a street of 静安区 (310106) throughout the sample's data, given a history here: in 310106 until
#: LEFT, in 闸北区 (310108) until BACK, then in 310106 again
STREET, LEFT, BACK = "310106006000", dt.date(2010, 6, 30), dt.date(2015, 10, 31)
#: days before, between and after: the oracle tests' days (tests/test_queries_oracle.py) and one
#: while the street was away
DAYS = ["2008-01-01", "2012-09-30", "2014-09-30", "2014-12-31", "2016-12-31", "2025-12-31"]
#: scopes by level (the oracle tests' and the district the sample's streets left)
SCOPES = {"district": ["310106", "310108"], "street": [STREET], "community": ["310106006001"]}


def _with_history(tables: GraphTables) -> GraphTables:
    """`tables` with STREET's one IN_DISTRICT relationship replaced by three (see STREET)."""
    key = ("IN_DISTRICT", "Street", "District")
    rel = tables.rels[key]
    mine = rel["from"] == STREET
    assert mine.sum() == 1 and rel.loc[mine, "to"].iloc[0] == "310106" and missing(rel.loc[mine, "valid_to"].iloc[0])
    history = pd.DataFrame(
        {
            "from": [STREET] * 3,
            "to": ["310106", "310108", "310106"],
            "valid_from": [None, LEFT, BACK],
            "valid_to": [LEFT, BACK, None],
        }
    )
    out = pd.concat([rel[~mine], history.astype(rel.dtypes.to_dict())], ignore_index=True)
    out = out.sort_values(["from", "to", "valid_from"], na_position="first", kind="stable", ignore_index=True)
    return GraphTables(dict(tables.nodes), {**tables.rels, key: out})


def _on(tables: GraphTables, day: dt.date) -> GraphTables:
    """`tables` with every relationship of a temporal type that does not hold on `day` taken out
    (standing._holds: the half-open interval the catalogue's texts test)."""
    s, rels = schema(), {}
    for key, df in tables.rels.items():
        if s.rels[key[0]].temporal:
            df = df[_holds(df, pd.Timestamp(day))].reset_index(drop=True)
        rels[key] = df
    return GraphTables(dict(tables.nodes), rels)


def _loaded(tables: GraphTables, where) -> EmbeddedGraphStore:
    store = EmbeddedGraphStore(where / "graph.lbug")
    store.replace_with(tables)
    return store


@pytest.fixture(scope="module")
def history(store) -> GraphTables:
    return _with_history(tables_from_dump(store.dump()))


@pytest.fixture(scope="module")
def stores(history, tmp_path_factory) -> tuple[EmbeddedGraphStore, EmbeddedGraphStore]:
    """The graph with STREET's history loaded with its relationship tables sorted by (from, to)
    (as the dump gives them) and again with each relationship table's rows reversed."""
    where = tmp_path_factory.mktemp("relationship-order")
    backwards = {key: df.iloc[::-1].reset_index(drop=True) for key, df in history.rels.items()}
    return _loaded(history, where / "sorted"), _loaded(GraphTables(dict(history.nodes), backwards), where / "reversed")


@pytest.fixture(scope="module")
def stores_on(history, tmp_path_factory) -> dict[str, EmbeddedGraphStore]:
    """Per day of DAYS, the graph holding only the relationships that held that day."""
    where = tmp_path_factory.mktemp("relationships-of-a-day")
    return {day: _loaded(_on(history, dt.date.fromisoformat(day)), where / day) for day in DAYS}


def _cases(dated_only: bool = False) -> list[tuple[str, dict[str, str]]]:
    out = []
    for name, query in catalogue().items():
        dated = "as_of" in {p.name for p in query.params}
        if dated_only and not dated:
            continue
        levels = query.scope.levels if query.scope else ()
        for day in DAYS if dated else [None]:
            for scope in ["", *[code for level in levels for code in SCOPES.get(level, [])]]:
                given = {"as_of": day} if day else {}
                if scope:
                    given["scope"] = scope
                out.append((name, given))
    return out


def _id(value) -> str:
    return value if isinstance(value, str) else "-".join(value.values()) or "default"


def _same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    """The same rows, as many times each: rows tied on a query's declared order come in the
    store's order (`execute`), which is what the order test changes."""
    assert list(got.columns) == list(want.columns) and len(got) == len(want)
    assert sorted(_rows(got)) == sorted(_rows(want))


def _rows(df: pd.DataFrame) -> list[tuple[str, ...]]:
    """Each row's values as text (missing values alike), in the frame's order."""
    return [tuple(str(v) for v in row) for row in df.itertuples(index=False)]


@pytest.mark.parametrize(("name", "given"), _cases(), ids=_id)
def test_answers_do_not_depend_on_the_order_relationships_were_copied_in(stores, name, given):
    sorted_store, reversed_store = stores
    _same(execute(reversed_store, name, given), execute(sorted_store, name, given))


@pytest.mark.parametrize(("name", "given"), _cases(dated_only=True), ids=_id)
def test_an_answer_on_a_day_is_that_of_the_graph_of_that_day(stores, stores_on, name, given):
    """Taking out the relationships that did not hold on the day asked about changes nothing."""
    sorted_store, _reversed = stores
    _same(execute(sorted_store, name, given), execute(stores_on[given["as_of"]], name, given))


def test_the_street_is_in_the_district_on_the_days_it_was(stores, stores_on):
    """The history given is the one the tests mean, and the answers differ between its days
    (else the tests above could not tell a filter lost)."""
    text = "MATCH (s:Street {code: $code})-[:IN_DISTRICT]->(d:District) RETURN d.code AS district"
    for day, district in (("2008-01-01", "310106"), ("2012-09-30", "310108"), ("2025-12-31", "310106")):
        assert stores_on[day].query(text, {"code": STREET})["district"].tolist() == [district]
    answers = [len(execute(stores[0], "unattached-organisations", {"as_of": d, "scope": STREET})) for d in DAYS[:3]]
    assert answers[0] > 0 and answers[1] == 0


def test_the_reversed_store_holds_relationships_in_another_order(stores):
    """The order test could not fail if reversing left the store's order as it was: read in
    the store's own order (no ORDER BY), the same IN_DISTRICT relationships come otherwise."""
    text = "MATCH (s:Street)-[r:IN_DISTRICT]->(d:District) RETURN s.code AS street, d.code AS district, r.valid_from AS since"
    a, b = (_rows(st.query(text)) for st in stores)
    assert len(a) > 1 and sorted(a) == sorted(b) and a != b


def _tiny(tmp_path, history: list[tuple[str, dt.date | None, dt.date | None]]):
    """A graph of one hub for district D1, streets S0 and S1 always in D1, S2 and S3 each with
    IN_DISTRICT relationships (district, from, to) as `history` gives them, copied in that
    order, and one organisation residing in each street."""
    import ladybug

    conn = ladybug.Connection(ladybug.Database(str(tmp_path / "tiny.lbug")))
    for ddl in (
        "CREATE NODE TABLE District(code STRING, PRIMARY KEY(code))",
        "CREATE NODE TABLE Hub(id STRING, PRIMARY KEY(id))",
        "CREATE NODE TABLE Street(code STRING, PRIMARY KEY(code))",
        "CREATE NODE TABLE Org(id STRING, PRIMARY KEY(id))",
        "CREATE REL TABLE FOR_DISTRICT(FROM Hub TO District)",
        "CREATE REL TABLE IN_DISTRICT(FROM Street TO District, valid_from DATE, valid_to DATE)",
        "CREATE REL TABLE RESIDES_IN(FROM Org TO Street)",
    ):
        conn.execute(ddl)
    streets = ["S0", "S1", "S2", "S3"]
    conn.execute("COPY District FROM $t", {"t": pd.DataFrame({"code": ["D1", "D2"]})})
    conn.execute("COPY Hub FROM $t", {"t": pd.DataFrame({"id": ["H"]})})
    conn.execute("COPY Street FROM $t", {"t": pd.DataFrame({"code": streets})})
    conn.execute("COPY Org FROM $t", {"t": pd.DataFrame({"id": [f"O{s}" for s in streets]})})
    conn.execute("COPY FOR_DISTRICT FROM $t", {"t": pd.DataFrame({"from": ["H"], "to": ["D1"]})})
    rows = [(s, "D1", None, None) for s in streets[:2]] + [(s, *h) for s in streets[2:] for h in history]
    rel = pd.DataFrame(rows, columns=["from", "to", "valid_from", "valid_to"])
    for col in ("valid_from", "valid_to"):
        rel[col] = pd.to_datetime(rel[col]).astype("datetime64[ms]")
    conn.execute("COPY IN_DISTRICT FROM $t", {"t": rel})
    conn.execute("COPY RESIDES_IN FROM $t", {"t": pd.DataFrame({"from": [f"O{s}" for s in streets], "to": streets})})
    return conn


_A, _B = dt.date(2010, 6, 30), dt.date(2015, 10, 31)


@pytest.mark.xfail(
    strict=True,
    reason="ladybug 0.22 loses the filter on r in one pattern going on past r (see the module's "
    "docstring); passing here means a ladybug release keeps it: the catalogue's workaround may go",
)
@pytest.mark.parametrize(
    ("history", "day", "streets"),
    [
        # moved from D2 to D1, in the order the build made them: on the day only S0 and S1 were in D1
        ([("D2", None, _B), ("D1", _B, None)], dt.date(2014, 9, 30), ["S0", "S1"]),
        # left D1 and came back, sorted by (to, valid_from): all four in D1
        ([("D1", None, _A), ("D1", _B, None), ("D2", _A, _B)], dt.date(2025, 12, 31), ["S0", "S1", "S2", "S3"]),
    ],
    ids=["moved-built-order", "left-and-came-back-sorted"],
)
def test_the_store_keeps_a_filter_on_a_relationship_in_a_longer_pattern(tmp_path, history, day, streets):
    conn = _tiny(tmp_path, history)
    valid = "(r.valid_from IS NULL OR r.valid_from <= $day) AND (r.valid_to IS NULL OR r.valid_to > $day)"
    ended = "MATCH (:Hub)-[:FOR_DISTRICT]->(:District)<-[r:IN_DISTRICT]-(s:Street) WHERE " + valid
    # the pattern ending at the street is answered right: the catalogue's first MATCH
    assert sorted(conn.execute(ended + " RETURN s.code", {"day": day}).get_as_df().iloc[:, 0]) == streets
    longer = ended.replace("(s:Street)", "(s:Street)<-[:RESIDES_IN]-(o:Org)")
    assert sorted(conn.execute(longer + " RETURN s.code", {"day": day}).get_as_df().iloc[:, 0]) == streets
