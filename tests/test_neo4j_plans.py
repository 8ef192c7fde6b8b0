"""Neo4j's own plans (EXPLAIN, on the real server of the `neo4j` fixture, with the schema's
constraints and indexes online) for every catalogue query, with and without its optional
filters, and for every statement the loader sends. A plan fails when

- it holds an AllNodesScan, or a CartesianProduct other than the loader's per-row pair of
  unique-key seeks (one node each side: a pattern or an index should join the rest);
- it scans a label (NodeByLabelScan) or a relationship type (…RelationshipTypeScan) for a
  variable that the statement matches on a property the schema indexes for that label or type
  (its key, an `index: true` property, a relationship's `rel_key`): the index should serve.

A scan is fine where the statement wants every node of a label (e.g. every hub), which is what
most catalogue queries aggregate over.
"""

import datetime as dt
import re

import pytest
from test_neo4j_integration import CASES

from graph_schema import schema
from pipelines.graph.neo4j_store import loader_statements
from sanshe.queries.catalogue import catalogue

NEVER = {"CartesianProduct", "AllNodesScan"}
NODE_SCANS = {"NodeByLabelScan"}
REL_SCANS = {"DirectedRelationshipTypeScan", "UndirectedRelationshipTypeScan"}
COMPARE = r"(?:=|<>|<=|>=|<|>|\bIN\b|STARTS WITH|ENDS WITH|CONTAINS)"
#: what an index seek can start from: a parameter, a literal, or the loader's row / key
#: (`i.year = p.year - 1` joins two variables; an index does not start that)
GIVEN = r"(?:\$\w+|'[^']*'|-?\d|row\b|k\b|date\()"


def indexed() -> dict[str, set[str]]:
    """Per label and per relationship type: the properties an index serves."""
    s = schema()
    out = {label: {n.key} | {p.name for p in n.properties if p.index} for label, n in s.nodes.items()}
    out.update({rtype: {"rel_key"} for rtype in s.rels})
    return out


def matched_properties(text: str, var: str) -> set[str]:
    """Properties of `var` the statement compares with something: `var.p = …`, `… < var.p`,
    or `(var:Label {p: …})` / `[var:TYPE {p: …}]`."""
    v = re.escape(var)
    props = set(re.findall(rf"\b{v}\.(\w+)\s*{COMPARE}\s*{GIVEN}", text))
    props |= set(re.findall(rf"{GIVEN}\S*\s*{COMPARE}\s*{v}\.(\w+)", text))
    for body in re.findall(rf"[(\[]{v}:\w+\s*\{{([^}}]*)\}}", text):
        props |= set(re.findall(r"(\w+)\s*:", body))
    return props


def operators(plan: dict):
    children = plan.get("children", [])
    yield plan["operatorType"].split("@")[0], plan.get("args", {}).get("Details", ""), children
    for child in children:
        yield from operators(child)


def unique_seek(plan: dict) -> bool:
    return plan["operatorType"].startswith("NodeUniqueIndexSeek")


def faults(text: str, plan: dict) -> list[str]:
    out, served = [], indexed()
    for op, details, children in operators(plan):
        if op == "CartesianProduct" and all(unique_seek(c) for c in children):
            continue
        if op in NEVER:
            out.append(f"{op} {details} of {[c['operatorType'] for c in children]}")
        elif op in NODE_SCANS:
            var, label = details.split(":", 1)
            hit = matched_properties(text, var) & served.get(label, set())
            if hit:
                out.append(f"{op} {details} though it is matched on indexed {sorted(hit)}")
        elif op in REL_SCANS:
            m = re.search(r"\[(\w+):(\w+)\]", details)
            if m:
                hit = matched_properties(text, m[1]) & served.get(m[2], set())
                if hit:
                    out.append(f"{op} {details} though it is matched on indexed {sorted(hit)}")
    return out


def explain(neo4j, text: str, params: dict) -> dict:
    with neo4j._session() as session:
        return session.run("EXPLAIN " + text, params).consume().plan


def catalogue_text(neo4j, name: str, given: dict) -> tuple[str, dict]:
    query = catalogue()[name]
    params = query.bind(given, snapshot=dt.date(2024, 12, 31))
    text = query.text_for("neo4j", params)
    return text, {k: v for k, v in params.items() if re.search(rf"\${k}\b", text)}


@pytest.mark.parametrize(("name", "params"), CASES, ids=[f"{n}{p or ''}" for n, p in CASES])
def test_catalogue_plans_use_indexes_and_patterns(neo4j, name, params):
    text, bound = catalogue_text(neo4j, name, params)
    assert faults(text, explain(neo4j, text, bound)) == []


def test_every_loader_statement_is_served_by_an_index(neo4j):
    found = {}
    for stmt in loader_statements(schema()):
        bad = faults(stmt, explain(neo4j, stmt, {"rows": [], "keys": []}))
        if bad:
            found[stmt] = bad
    assert found == {}


def test_the_check_catches_the_filters_it_was_written_for(neo4j):
    """The plans this test exists to refuse: an optional filter written as `$year = 0 OR …`,
    a relationship found by rel_key without naming its type's index, two unrelated patterns."""
    refused = {
        "MATCH (p:Project) WHERE ($year = 0 OR p.year = $year) RETURN p": {"year": 2024},
        "MATCH (a:Hub), (b:District) RETURN a, b": {},
        "MATCH (o:SocialOrganisation) WHERE o.status = $s OR $s = '' RETURN o": {"s": "正常"},
    }
    for text, params in refused.items():
        assert faults(text, explain(neo4j, text, params)), text
