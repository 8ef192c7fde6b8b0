"""An export's rows are put in the declared order by pyarrow, not by the embedded store's ORDER
BY (sanshe.queries.catalogue.export, arrow_order): the order must be the declared one, total
(the same file whatever order the store returned the rows in), and the query text sent without
its ORDER BY, or the export is as slow as before.

The oracle tests (test_queries_oracle.py) check every query's exported file against its oracle
and that the file is in the declared order; these check the pieces on their own."""

import random

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from pipelines.graph import store as store_module
from sanshe.queries.catalogue import arrow_order, catalogue, without_final_order


@pytest.mark.parametrize("name", sorted(catalogue()))
def test_the_embedded_text_of_every_ordered_query_is_sent_without_its_order_by(name):
    query = catalogue()[name]
    text = query.text_for("ladybug", query.bind({}))
    stripped = without_final_order(text)
    last_return = stripped.rfind("RETURN")
    assert "ORDER BY" not in stripped[last_return:], f"{name}: its final ORDER BY is still sent"
    if "ORDER BY" in text[text.rfind("RETURN") :]:
        assert stripped != text
    # nothing but the ORDER BY line goes
    assert [line for line in text.splitlines() if not line.lstrip().startswith("ORDER BY")] == stripped.splitlines()


def test_an_order_by_that_is_not_the_last_clause_stays():
    text = "MATCH (n) WITH n ORDER BY n.x LIMIT 3\nRETURN n.x AS x\n"
    assert without_final_order(text) == text


def test_the_declared_order_then_every_other_column_whatever_order_the_rows_came_in():
    rows = [
        {"hub_kind": kind, "hub_id": hid, "members": m, "tags": [hid]}
        for kind in ("industry", "street", "federation", "other", None)
        for hid in ("h2", "h1", None)
        for m in (3, None, 1)
    ]
    expected = None
    for seed in range(5):
        shuffled = rows[:]
        random.Random(seed).shuffle(shuffled)
        table = pa.Table.from_pylist(shuffled)
        got = table.take(arrow_order(table, ("kind_order", "-hub_id"))).to_pylist()
        expected = expected or got
        assert got == expected  # one order, whatever the store's
    kinds = [r["hub_kind"] for r in expected]
    # federation, street, industry, then kinds the reading order does not know, then none
    assert kinds == sorted(kinds, key=lambda k: {"federation": 0, "street": 1, "industry": 2}.get(k, 3))
    firsts = [(r["hub_id"], r["members"]) for r in expected if r["hub_kind"] == "street"]
    # hub_id descending, empty last; then members ascending, empty last
    assert firsts == [(h, m) for h in ("h2", "h1", None) for m in (1, 3, None)]


def test_the_embedded_store_writes_the_ordered_answer_in_slices_gathered_ahead(store, tmp_path, monkeypatch):
    monkeypatch.setattr(store_module, "EXPORT_CHUNK_ROWS", 3)  # many slices on the sample
    cypher = "MATCH (p:Project) RETURN p.project_id AS project_id, p.contract_amount AS amount"
    whole = store.query(cypher)
    assert len(whole) > 10

    def descending_amount(table: pa.Table) -> pa.Array:
        return arrow_order(table, ("-amount", "project_id"))

    out = tmp_path / "ordered.parquet"
    assert store.export_parquet(cypher, None, out, 1, descending_amount) == len(whole)
    got = pq.read_table(out)
    assert max(rg.num_rows for rg in (pq.ParquetFile(out).metadata.row_group(i) for i in range(got.num_rows // 3))) == 3
    expect = whole.sort_values(["amount", "project_id"], ascending=[False, True], na_position="last")
    pd.testing.assert_frame_equal(got.to_pandas(), expect.reset_index(drop=True), check_dtype=False)
    assert set(store.last_export) == {"query_seconds", "arrow_seconds", "order_seconds", "write_seconds"}


def test_the_embedded_store_orders_and_writes_an_export_from_the_c_allocator(store, tmp_path):
    """pyarrow allocates from malloc while an export orders and writes its answer (arrow.c_allocator),
    and from its default pool again after."""
    before = pa.default_memory_pool().backend_name
    seen = []

    def order(table: pa.Table) -> pa.Array:
        seen.append(pa.default_memory_pool().backend_name)
        return arrow_order(table, ("project_id",))

    store.export_parquet("MATCH (p:Project) RETURN p.project_id AS project_id", None, tmp_path / "a.parquet", 1, order)
    assert seen == ["system"] and pa.default_memory_pool().backend_name == before


def test_neo4j_writes_the_ordered_answer_when_given_an_order(neo4j, store, tmp_path):
    cypher = "MATCH (p:Project) RETURN p.project_id AS project_id, p.contract_amount AS amount"
    out = tmp_path / "ordered.parquet"
    assert neo4j.export_parquet(cypher, None, out, 4, lambda t: arrow_order(t, ("-amount", "project_id"))) > 10
    expect = store.query(cypher).sort_values(["amount", "project_id"], ascending=[False, True], na_position="last")
    pd.testing.assert_frame_equal(pq.read_table(out).to_pandas(), expect.reset_index(drop=True), check_dtype=False)


def _every_column_sort(table: pa.Table, order_by: tuple[str, ...]) -> pa.Array:
    """The order by comparing every row's values, declared keys then every other column: what
    arrow_order computes faster (text keys but the last by rank, on two threads)."""
    declared = [(c.lstrip("-"), "descending" if c.startswith("-") else "ascending", "at_end") for c in order_by]
    rest = [(f.name, "ascending", "at_end") for f in table.schema if f.name not in {c for c, _, _ in declared}]
    return pc.sort_indices(table, sort_keys=declared + rest)


@pytest.mark.parametrize("seed", range(40))
def test_arrow_order_is_the_order_of_every_value_compared(seed):
    """Random answers in several chunks, with few distinct values (so that rows tie on the
    declared keys, or do not), empty cells, NaN, text outside ASCII and descending keys:
    arrow_order gives the same indices as sorting on every column's values."""
    rng = random.Random(seed)
    rows = rng.randint(0, 60)
    width = rng.choice([2, 5, 1000])  # distinct values per column: many ties, some, almost none

    def text() -> str | None:
        return (
            None
            if rng.random() < 0.1
            else rng.choice(["", "a", "B", "评估", "良好", "a\u0000b", "ab"]) + str(rng.randrange(width))
        )

    def number() -> float | None:
        return None if rng.random() < 0.1 else float("nan") if rng.random() < 0.1 else float(rng.randrange(width))

    columns = {
        "k1": [text() for _ in range(rows)],
        "k2": [number() for _ in range(rows)],
        "k3": [text() for _ in range(rows)],
        "other_text": [text() for _ in range(rows)],
        "other_number": [number() for _ in range(rows)],
    }
    table = pa.table(columns)
    cut = rng.randint(0, rows)
    table = pa.concat_tables([table.slice(0, cut), table.slice(cut)])  # two chunks, as a store hands over
    order_by = tuple(rng.choice(["", "-"]) + name for name in rng.sample(["k1", "k2", "k3"], rng.randint(1, 3)))
    assert arrow_order(table, order_by).to_pylist() == _every_column_sort(table, order_by).to_pylist(), order_by


def test_text_too_long_for_one_string_array_is_ordered_as_large_string(monkeypatch):
    """A text column of more than 2 GiB cannot be one `string` array: it is ranked and compared
    as `large_string` (here with the limit lowered to a few bytes), in the same order."""
    from sanshe.queries import catalogue as module

    table = pa.table({"a": ["b", "a", "b", None, "c"], "b": ["x", "y", "x", "z", "y"], "n": [1, 2, 3, 4, 5]})
    table = pa.concat_tables([table.slice(0, 2), table.slice(2)])
    expected = _every_column_sort(table, ("a", "b")).to_pylist()
    monkeypatch.setattr(module, "STRING_BYTES_MAX", 3)
    assert module._whole(table["a"]).type == pa.large_string()
    assert arrow_order(table, ("a", "b")).to_pylist() == expected


def test_columns_pyarrow_does_not_sort_are_left_out_of_the_order():
    """A list, a dictionary and an interval among the other columns: the answer is put in order
    by the columns pyarrow sorts, as before a store ever returned such a column, and never
    raises (a table's sort refuses those types)."""
    table = pa.table(
        {
            "k": ["b", "a", "b", "a"],
            "n": [2, 1, 1, 1],
            "items": [["x"], [], None, ["y", "z"]],
            "kind": pa.array(["p", "q", "p", "q"]).dictionary_encode(),
            "span": pa.array([(1, 0, 0), (0, 1, 0), (0, 0, 1), (1, 1, 1)], pa.month_day_nano_interval()),
        }
    )
    assert arrow_order(table, ("k",)).to_pylist() == [1, 3, 2, 0]  # ties kept in the store's order
    assert arrow_order(table, ("-n",)).to_pylist() == [0, 1, 3, 2]
    assert arrow_order(table, ()).to_pylist() == [1, 3, 2, 0]
