"""The public tables of a release, built from the loaded graph (either store).

Column names are English snake_case; titles and descriptions in Chinese and English come from
graph_schema/ (see `datapackage.py`). Social workers appear only as counts by level per
organisation, community and street; a count under MIN_CELL is suppressed and marked.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from data_contracts import CONTRACTS
from data_contracts.errors import SchemaError
from graph_schema import Schema, schema
from graph_schema.keys import rel_key

#: counts of people below this are not published (shown empty, `suppressed` = true)
MIN_CELL = 3
LEVELS = ["助理社会工作师", "社会工作师", "高级社会工作师"]


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # graph_schema type: string, int, float, date, bool
    zh: str
    en: str
    required: bool = False


@dataclass
class Table:
    name: str
    zh: str
    en: str
    description: str
    columns: list[Column]
    primary_key: list[str]
    frame: pd.DataFrame
    foreign_keys: list[tuple[list[str], str, list[str]]] = field(default_factory=list)
    #: the node label the table publishes, and the register whose rows (and so whose declared
    #: references, see data_contracts/references.py) it carries; `items` names the column
    #: holding one item of a list field (served_communities -> community_code)
    node: str | None = None
    register: str | None = None
    items: dict[str, str] = field(default_factory=dict)
    #: (column, node label) of each link graph_schema publishes on the table: a foreign key to
    #: the table publishing that label (with_references)
    links: list[tuple[str, str]] = field(default_factory=list)


#: table -> (node label it publishes, register whose rows it carries, list-field items)
PUBLISHES: dict[str, tuple[str | None, str | None, dict[str, str]]] = {
    "districts": ("District", None, {}),
    "streets": ("Street", None, {}),
    "communities": ("Community", None, {}),
    "organisations": ("SocialOrganisation", "organisations", {}),
    "hubs": ("Hub", "hubs", {}),
    "hub_memberships": (None, "hub_memberships", {}),
    "purchasers": ("Purchaser", None, {}),
    "projects": ("Project", "projects", {}),
    "project_communities": (None, "projects", {"served_communities": "community_code"}),
    "funding_sources": ("FundingSource", None, {}),
    "evaluations": ("Evaluation", "evaluations", {}),
}


def _node_columns(label: str, rename: dict[str, str] | None = None) -> list[Column]:
    node = schema().node(label)
    rename = rename or {}
    return [Column(rename.get(p.name, p.name), p.type, p.zh, p.en, p.name == node.key) for p in node.properties]


def _node_table(g: dict[str, pd.DataFrame], label: str) -> tuple[pd.DataFrame, list[Column], list[tuple[str, str]]]:
    """The `label` node table with a column for each relationship graph_schema publishes on it
    (`published_as`: the other end's key; a temporal link's current one), in the order of
    relationships.yaml. Returns (frame, columns, [(link column, label it refers to)])."""
    s = schema()
    key = s.node(label).key
    frame, columns, links = g[label], _node_columns(label), []
    for rel in s.rels.values():
        pub = rel.published_as
        if pub is None or pub.node != label:
            continue
        a, b = rel.endpoints[0]
        other = rel.other_end(label)
        table = g[f"{rel.type}:{a}->{b}"]
        here, there = ("from", "to") if label == a else ("to", "from")
        target = (_current(table) if rel.temporal else table).set_index(here)[there]
        if not target.index.is_unique:
            raise SchemaError(
                f"{rel.type} is published as a column of {label} (relationships.yaml), but a "
                f"{label} has several: publish it as a table of its own"
            )
        frame = frame.assign(**{pub.column: frame[key].map(target)})
        columns.append(Column(pub.column, s.node(other).properties[0].type, pub.zh, pub.en))
        links.append((pub.column, other))
    return frame, columns, links


def _current(rel: pd.DataFrame) -> pd.DataFrame:
    return rel[rel["valid_to"].isna()] if "valid_to" in rel else rel


def _counts(pairs: pd.DataFrame, key: str) -> pd.DataFrame:
    """Workers per key and level; small cells suppressed (empty count, suppressed = true)."""
    grid = pairs.groupby([key, "level"]).size().unstack(fill_value=0).reindex(columns=LEVELS, fill_value=0)
    out = grid.stack().rename("workers").reset_index()
    small = out["workers"] < MIN_CELL
    out["suppressed"] = small & (out["workers"] > 0)
    out["workers"] = out["workers"].astype("Int64").mask(out["suppressed"])
    return out.sort_values([key, "level"]).reset_index(drop=True)


def build(dump: dict[str, pd.DataFrame]) -> list[Table]:
    """The release's tables, in publishing order, from the graph's node and relationship tables
    (`store.dump()`: one frame per label and per `TYPE:From->To`)."""
    tables = [*places(dump), *organisations(dump), *purchases(dump), *worker_counts(dump)]
    for t in tables:
        t.node, t.register, t.items = PUBLISHES.get(t.name, (None, None, {}))
    return with_references(tables)


def places(g: dict[str, pd.DataFrame]) -> list[Table]:
    """districts, streets (with their current district) and communities (with their street)."""
    streets, street_columns, street_links = _node_table(g, "Street")
    communities, community_columns, community_links = _node_table(g, "Community")
    return [
        Table(
            "districts",
            "区县",
            "Districts",
            "One row per district, including districts merged away.",
            _node_columns("District"),
            ["code"],
            g["District"],
        ),
        Table(
            "streets",
            "街道（镇）",
            "Streets and towns",
            "One row per street or town, with its current district.",
            street_columns,
            ["code"],
            streets,
            links=street_links,
        ),
        Table(
            "communities",
            "社区",
            "Communities",
            "One row per residents' or village committee.",
            community_columns,
            ["code"],
            communities,
            links=community_links,
        ),
    ]


def organisations(g: dict[str, pd.DataFrame]) -> list[Table]:
    """organisations (with their street of residence), hubs (with parent hub and street) and
    hub memberships (one row per membership period, keyed by a stable hash)."""
    orgs, org_columns, org_links = _node_table(g, "SocialOrganisation")
    hubs, hub_columns, hub_links = _node_table(g, "Hub")
    mem = g["MEMBER_OF:SocialOrganisation->Hub"].rename(columns={"from": "uscc", "to": "hub_id"})
    mem.insert(
        0,
        "membership_id",
        [rel_key("MEMBER_OF", u, h, v) for u, h, v in zip(mem["uscc"], mem["hub_id"], mem["valid_from"], strict=True)],
    )
    mem.insert(2, "org_id", "CN-USCI-" + mem["uscc"])
    return [
        Table(
            "organisations",
            "社会组织",
            "Social organisations",
            "One row per registered social organisation; valid_from/valid_to is its active registration.",
            org_columns,
            ["uscc"],
            orgs,
            links=org_links,
        ),
        Table(
            "hubs",
            "枢纽型社会组织",
            "Hubs",
            'One row per hub of the "1+14+x" network.',
            hub_columns,
            ["hub_id"],
            hubs,
            links=hub_links,
        ),
        Table(
            "hub_memberships",
            "枢纽成员",
            "Hub memberships",
            "One row per membership period of an organisation in a hub.",
            [
                Column("membership_id", "string", "编号", "Membership id (stable hash)", True),
                Column("uscc", "string", "统一社会信用代码", "Organisation", True),
                Column("org_id", "string", "开放数据标识", "Organisation (CN-USCI-<code>)"),
                Column("hub_id", "string", "枢纽编号", "Hub", True),
                Column("valid_from", "date", "起始日期", "From (inclusive)"),
                Column("valid_to", "date", "终止日期", "Until (exclusive)"),
            ],
            ["membership_id"],
            mem.sort_values("membership_id"),
            [(["uscc"], "organisations", ["uscc"]), (["hub_id"], "hubs", ["hub_id"])],
        ),
    ]


def purchases(g: dict[str, pd.DataFrame]) -> list[Table]:
    """purchasers, projects (with purchaser and provider), the communities each serves, funding
    sources, each project's funding and the evaluations."""
    projects, project_columns, project_links = _node_table(g, "Project")
    # each organisation a project links to also by its open-data identifier, right after its code
    for column, _ in project_links:
        at = next(i for i, c in enumerate(project_columns) if c.name == column)
        org_id = column.removesuffix("_uscc") + "_org_id"
        projects = projects.assign(**{org_id: "CN-USCI-" + projects[column]})
        project_columns.insert(
            at + 1,
            Column(
                org_id, "string", f"{project_columns[at].zh}开放数据标识", f"{project_columns[at].en} (CN-USCI-<code>)"
            ),
        )
    links = g["DELIVERED_IN:Project->Community"].rename(columns={"from": "project_id", "to": "community_code"})
    funding = g["FUNDED_BY:Project->FundingSource"].rename(columns={"from": "project_id", "to": "funding_source_code"})
    evaluations, evaluation_columns, evaluation_links = _node_table(g, "Evaluation")
    return [
        Table(
            "purchasers",
            "购买主体",
            "Purchasers",
            "One row per government body that buys services.",
            _node_columns("Purchaser"),
            ["uscc"],
            g["Purchaser"],
        ),
        Table(
            "projects",
            "政府购买服务项目",
            "Purchased-service projects",
            "One row per contract. Amounts in yuan.",
            project_columns,
            ["project_id"],
            projects,
            links=project_links,
        ),
        Table(
            "project_communities",
            "项目服务社区",
            "Project communities",
            "One row per project and community it serves.",
            [
                Column("project_id", "string", "项目编号", "Project", True),
                Column("community_code", "string", "社区代码", "Community", True),
            ],
            ["project_id", "community_code"],
            links,
            [(["project_id"], "projects", ["project_id"]), (["community_code"], "communities", ["code"])],
        ),
        Table(
            "funding_sources",
            "资金来源",
            "Funding sources",
            "One row per funding source.",
            _node_columns("FundingSource"),
            ["code"],
            g["FundingSource"],
        ),
        Table(
            "project_funding",
            "项目资金",
            "Project funding",
            "One row per project and funding source, amount in yuan.",
            [
                Column("project_id", "string", "项目编号", "Project", True),
                Column("funding_source_code", "string", "资金来源代码", "Funding source", True),
                Column("amount", "float", "金额（元）", "Amount (yuan)"),
            ],
            ["project_id", "funding_source_code"],
            funding,
            [(["project_id"], "projects", ["project_id"]), (["funding_source_code"], "funding_sources", ["code"])],
        ),
        Table(
            "evaluations",
            "项目绩效评估",
            "Project evaluations",
            "One row per performance evaluation.",
            evaluation_columns,
            ["evaluation_id"],
            evaluations,
            links=evaluation_links,
        ),
    ]


#: (table, zh, en, what is counted, its key column, the table it refers to, that table's key)
WORKER_COUNTS = [
    (
        "worker_counts_by_organisation",
        "社工人数（按机构）",
        "Certified social workers by employer",
        "employer",
        "uscc",
        "organisations",
        "uscc",
    ),
    (
        "worker_counts_by_community",
        "社工人数（按社区）",
        "Certified social workers by community served",
        "community",
        "community_code",
        "communities",
        "code",
    ),
    (
        "worker_counts_by_street",
        "社工人数（按街道）",
        "Certified social workers by street served",
        "street",
        "street_code",
        "streets",
        "code",
    ),
]


def worker_counts(g: dict[str, pd.DataFrame]) -> list[Table]:
    """Certified social workers per employer, community served and street served, by level; the
    only form in which workers are published (small cells suppressed, see `_counts`)."""
    levels = g["SocialWorker"].set_index("worker_key")["level"]
    community_street = g["IN_STREET:Community->Street"].set_index("from")["to"]
    serves = g["SERVES:SocialWorker->Community"].assign(level=lambda d: d["from"].map(levels))
    pairs = {  # (worker, place, level), one per worker and place
        "employer": g["EMPLOYED_BY:SocialWorker->SocialOrganisation"].assign(level=lambda d: d["from"].map(levels)),
        "community": serves,
        "street": serves.assign(to=serves["to"].map(community_street))[["from", "to", "level"]].drop_duplicates(),
    }
    out = []
    for name, zh, en, what, key, ref, ref_key in WORKER_COUNTS:
        counts = _counts(pairs[what].rename(columns={"to": key})[[key, "level"]], key)
        org_col = []
        if key == "uscc":
            counts.insert(1, "org_id", "CN-USCI-" + counts["uscc"])
            org_col = [Column("org_id", "string", "开放数据标识", "Organisation (CN-USCI-<code>)")]
        out.append(
            Table(
                name,
                zh,
                en,
                f"One row per {ref[:-1]} and level. Counts under {MIN_CELL} are suppressed (empty, suppressed = true).",
                [
                    Column(key, "string", "代码", "Code", True),
                    *org_col,
                    Column("level", "string", "职业水平等级", "Level", True),
                    Column("workers", "int", "人数", "Certified workers"),
                    Column("suppressed", "bool", "是否隐去", f"Count under {MIN_CELL}, not published"),
                ],
                [key, "level"],
                counts,
                [([key], ref, [ref_key])],
            )
        )
    return out


def with_references(tables: list[Table]) -> list[Table]:
    """Add the foreign keys of each table: one per link graph_schema publishes on it
    (`Table.links`), then one for every reference the contract of its register declares whose
    column the table holds and whose target the release publishes (each key once); a table's
    keys are then in column order."""
    s = schema()
    published = {t.node: t for t in tables if t.node}
    for t in tables:
        columns = [c.name for c in t.columns]
        targets: list[tuple[str, str | None]] = list(t.links)
        if t.register:
            targets += [
                (t.items.get(field_, field_), _node_keyed_by(s, ref.register, ref.field))
                for field_, ref in CONTRACTS[t.register].references.items()
            ]
        for column, label in targets:
            if column in columns and label in published:
                fk = ([column], published[label].name, list(published[label].primary_key))
                if fk not in t.foreign_keys:
                    t.foreign_keys.append(fk)
        t.foreign_keys.sort(key=lambda fk: columns.index(fk[0][0]))
    return tables


def _node_keyed_by(s: Schema, register: str, field_: str) -> str | None:
    """The node label whose key is read from `field_` of `register` (graph_schema/nodes)."""
    for node in s.nodes.values():
        if node.source == register and node.properties[0].column == field_:
            return node.label
    return None
