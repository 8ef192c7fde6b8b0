"""`sanshe export neo4j-import`: headers ready for neo4j-admin, every relationship's ends
exist, every typed value parses as its type, and the command line names every file."""

import csv
import datetime as dt
import filecmp
import re

import pytest

from graph_schema import schema
from graph_schema.generate import neo4j_constraints
from pipelines.graph.neo4j_import import write_bundle

PARSERS = {
    "long": int,
    "double": float,
    "date": dt.date.fromisoformat,
    "string": str,
    "boolean": lambda v: {"true": True, "false": False}[v],
}


@pytest.fixture(scope="module")
def bundle(store, tmp_path_factory):
    out = tmp_path_factory.mktemp("bundle")
    write_bundle(store, out)
    return out


def _rows(path):
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def test_every_file_has_import_ready_headers_and_typed_values(bundle):
    ids: dict[str, set[str]] = {}
    s = schema()
    for path in sorted((bundle / "nodes").glob("*.csv")):
        header, *rows = _rows(path)
        label = path.stem
        assert header[0] == f"{s.node(label).key}:ID({label})" and header[-1] == ":LABEL"
        assert len(rows) > 0, label
        for i, field in enumerate(header[1:-1], start=1):
            name, type_ = field.split(":")
            assert type_ in PARSERS, field
            for r in rows:
                if r[i] != "":
                    PARSERS[type_](r[i])
        assert all(r[-1] == label for r in rows)
        ids[label] = {r[0] for r in rows}
        assert len(ids[label]) == len(rows), f"{label}: duplicate IDs"
    for path in sorted((bundle / "relationships").glob("*.csv")):
        header, *rows = _rows(path)
        start = re.fullmatch(r":START_ID\((\w+)\)", header[0]).group(1)
        end = re.fullmatch(r":END_ID\((\w+)\)", header[1]).group(1)
        assert header[-1] == ":TYPE" and header[-2] == "rel_key:string"
        for r in rows:
            assert r[0] in ids[start] and r[1] in ids[end], f"{path.name}: dangling {r[:2]}"
            for i, field in enumerate(header[2:-1], start=2):
                if r[i] != "":
                    PARSERS[field.split(":")[1]](r[i])
        assert len({r[-2] for r in rows}) == len(rows), f"{path.name}: rel_key not unique"
    assert len(ids) == len(s.nodes)


def test_counts_match_the_graph(bundle, sample_run):
    counts = sample_run[1].graph_counts
    for label in schema().nodes:
        assert len(_rows(bundle / "nodes" / f"{label}.csv")) - 1 == counts[label]
    for rtype in schema().rels:
        n = sum(len(_rows(p)) - 1 for p in (bundle / "relationships").glob(f"{rtype}__*.csv"))
        assert n == counts[rtype], rtype


def test_import_script_and_constraints(bundle):
    script = (bundle / "import.sh").read_text(encoding="utf-8")
    assert 'neo4j-admin database import full "$DB"' in script
    for path in [*(bundle / "nodes").glob("*.csv"), *(bundle / "relationships").glob("*.csv")]:
        assert path.relative_to(bundle).as_posix() in script
    assert (bundle / "constraints.cypher").read_text(encoding="utf-8") == neo4j_constraints(schema())


def test_same_graph_same_bundle(store, bundle, tmp_path):
    write_bundle(store, tmp_path)
    for path in bundle.rglob("*"):
        if path.is_file():
            assert filecmp.cmp(path, tmp_path / path.relative_to(bundle), shallow=False), path
