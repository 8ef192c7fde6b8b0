"""Load `graph_schema/` (one YAML file per node label, plus relationships.yaml) into typed
objects, and refuse an inconsistent schema at load time."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from data_contracts.errors import SchemaError

from .types import TYPES

HERE = Path(__file__).parent


#: what `temporal: true` adds to a node label or relationship type: a half-open interval
VALIDITY = (
    {
        "name": "valid_from",
        "type": "date",
        "zh": "起始日期（含）",
        "en": "Holds from this day (inclusive); empty: since before the registers say",
    },
    {
        "name": "valid_to",
        "type": "date",
        "zh": "终止日期（不含）",
        "en": "No longer holds on this day (exclusive); empty: still holds",
    },
)


@dataclass(frozen=True)
class Property:
    name: str
    type: str
    zh: str
    en: str
    index: bool = False
    #: the column of the node's source register this property is read from (default: its
    #: name); a property the register does not hold is computed in pipelines/graph/tables.py
    column: str = ""

    def __post_init__(self) -> None:
        if not self.column:
            object.__setattr__(self, "column", self.name)


@dataclass(frozen=True)
class NodeType:
    label: str
    zh: str
    en: str
    description: str
    source: str
    key: str
    properties: tuple[Property, ...]
    temporal: bool = False

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.properties]


@dataclass(frozen=True)
class LinkColumn:
    """A relationship published as a column of the table of `node` (one endpoint): the other
    endpoint's key, named `column`, titled zh/en."""

    node: str
    column: str
    zh: str
    en: str


@dataclass(frozen=True)
class RelType:
    type: str
    zh: str
    en: str
    endpoints: tuple[tuple[str, str], ...]
    properties: tuple[Property, ...] = ()
    temporal: bool = False
    published_as: LinkColumn | None = None

    def other_end(self, label: str) -> str:
        """The endpoint label across from `label` (a relationship of one endpoint pair)."""
        a, b = self.endpoints[0]
        return b if label == a else a

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.properties]


@dataclass(frozen=True)
class Schema:
    nodes: dict[str, NodeType]
    rels: dict[str, RelType] = field(default_factory=dict)

    def node(self, label: str) -> NodeType:
        return self.nodes[label]

    def rel(self, type_: str) -> RelType:
        return self.rels[type_]


def _props(raw: list[dict] | None, where: str) -> tuple[Property, ...]:
    out, seen = [], set()
    for p in raw or []:
        if p.get("type") not in TYPES:
            raise SchemaError(f"{where}: property {p.get('name')!r} has unknown type {p.get('type')!r}")
        if p["name"] in seen:
            raise SchemaError(f"{where}: property {p['name']!r} declared twice")
        seen.add(p["name"])
        out.append(Property(p["name"], p["type"], p["zh"], p["en"], bool(p.get("index", False)), p.get("column", "")))
    return tuple(out)


def load(folder: Path = HERE) -> Schema:
    nodes: dict[str, NodeType] = {}
    for path in sorted((folder / "nodes").glob("*.yaml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        label = raw["label"]
        if path.stem != label:
            raise SchemaError(f"{path.name}: file name must be the label {label!r}")
        temporal = bool(raw.get("temporal", False))
        props = _props([*raw["properties"], *(VALIDITY if temporal else ())], label)
        node = NodeType(label, raw["zh"], raw["en"], raw["description"], raw["source"], raw["key"], props, temporal)
        if node.key not in node.names:
            raise SchemaError(f"{label}: key {node.key!r} is not one of its properties")
        if node.properties[0].name != node.key:
            raise SchemaError(f"{label}: the key must be the first property (bulk loads rely on it)")
        nodes[label] = node
    rels: dict[str, RelType] = {}
    for raw in yaml.safe_load((folder / "relationships.yaml").read_text(encoding="utf-8")):
        ends = tuple(tuple(e) for e in raw["endpoints"])
        for a, b in ends:
            for end in (a, b):
                if end not in nodes:
                    raise SchemaError(f"{raw['type']}: endpoint {end!r} is not a declared node label")
        if raw["type"] in rels:
            raise SchemaError(f"{raw['type']}: relationship type declared twice")
        temporal = bool(raw.get("temporal", False))
        props = _props([*(raw.get("properties") or []), *(VALIDITY if temporal else ())], raw["type"])
        link = None
        if (pub := raw.get("published_as")) is not None:
            if len(ends) != 1 or pub.get("node") not in ends[0]:
                raise SchemaError(
                    f"{raw['type']}: published_as.node must be one of its two endpoints "
                    f"(a relationship of one endpoint pair), not {pub.get('node')!r}"
                )
            link = LinkColumn(pub["node"], pub["column"], pub["zh"], pub["en"])
        rels[raw["type"]] = RelType(raw["type"], raw["zh"], raw["en"], ends, props, temporal, link)
    return Schema(nodes, rels)


#: the folder `schema()` reads (a test points it at a changed copy of graph_schema/)
FOLDER = HERE


def schema() -> Schema:
    """The schema in `FOLDER`, loaded once per folder."""
    return _cached(FOLDER)


@cache
def _cached(folder: Path) -> Schema:
    return load(folder)
