"""The graph schema is the single source of truth: loads, refuses inconsistency, drives the
generated files (which must not be stale) and the shape of every graph table."""

import shutil

import pytest

from graph_schema import SchemaError, load, schema
from sanshe.generated import check

REQUIRED = {
    "District",
    "Street",
    "Community",
    "SocialOrganisation",
    "Hub",
    "SocialWorker",
    "Purchaser",
    "Project",
    "Evaluation",
    "FundingSource",
}


def test_generated_files_are_fresh():
    stale = check()
    assert not stale, f"stale generated files, run `sanshe schema generate`: {stale}"


def test_schema_holds_the_required_labels_and_links():
    s = schema()
    assert set(s.nodes) >= REQUIRED
    for rtype, ends in {
        "IN_STREET": ("Community", "Street"),
        "IN_DISTRICT": ("Street", "District"),
        "MEMBER_OF": ("SocialOrganisation", "Hub"),
        "UNDER": ("Hub", "Hub"),
        "FOR_STREET": ("Hub", "Street"),
        "HAS_PARTY_BRANCH": ("SocialOrganisation", "PartyBranch"),
        "LIAISON_FOR": ("PartyLiaison", "SocialOrganisation"),
        "EMPLOYED_BY": ("SocialWorker", "SocialOrganisation"),
        "SERVES": ("SocialWorker", "Community"),
        "STAFFED_ON": ("SocialWorker", "Project"),
        "COMMISSIONED": ("Purchaser", "Project"),
        "AWARDED_TO": ("Project", "SocialOrganisation"),
        "DELIVERED_IN": ("Project", "Community"),
        "FUNDED_BY": ("Project", "FundingSource"),
        "EVALUATES": ("Evaluation", "Project"),
    }.items():
        assert ends in s.rel(rtype).endpoints, rtype


def test_social_worker_node_has_no_personal_fields():
    names = set(schema().node("SocialWorker").names)
    assert names.isdisjoint({"name", "id_number", "phone", "certificate_no", "birth_date", "address"})


@pytest.mark.parametrize(
    "breakage,message",
    [
        (("nodes/Hub.yaml", "key: hub_id", "key: nope"), "key 'nope'"),
        (("relationships.yaml", "[[Hub, Street]]", "[[Hub, Nowhere]]"), "Nowhere"),
        (("nodes/Project.yaml", "type: float", "type: money"), "unknown type"),
    ],
)
def test_inconsistent_schema_is_refused_at_load(tmp_path, breakage, message):
    from graph_schema.model import HERE

    shutil.copytree(HERE, tmp_path / "gs", ignore=shutil.ignore_patterns("*.py", "__pycache__", "generated"))
    file, old, new = breakage
    path = tmp_path / "gs" / file
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    with pytest.raises(SchemaError, match=message):
        load(tmp_path / "gs")


def test_the_loaded_graph_follows_the_schema(store):
    dump, s = store.dump(), schema()
    for label, node in s.nodes.items():
        assert list(dump[label].columns) == node.names
        assert dump[label][node.key].is_unique and len(dump[label]) > 0, label
    for rtype, rel in s.rels.items():
        for a, b in rel.endpoints:
            assert list(dump[f"{rtype}:{a}->{b}"].columns) == ["from", "to", *rel.names]


def test_temporal_elements_carry_validity():
    s = schema()
    for name in ("District", "Hub", "SocialOrganisation"):
        assert s.node(name).temporal and s.node(name).names[-2:] == ["valid_from", "valid_to"]
    for name in ("IN_DISTRICT", "MEMBER_OF", "HAS_PARTY_BRANCH", "LIAISON_FOR", "ON_CREDIT_LIST", "HAS_GRADE"):
        assert s.rel(name).temporal and s.rel(name).names[-2:] == ["valid_from", "valid_to"]
