"""The public tables of a release, built from the loaded graph (either store).

Column names are English snake_case; titles and descriptions in Chinese and English come from
graph_schema/ (see `datapackage.py`). Social workers appear only as counts by level per
organisation, community and street; a count under MIN_CELL is suppressed and marked.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from data_contracts import CONTRACTS
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


#: table -> (node label it publishes, register whose rows it carries, list-field items)
PUBLISHES: dict[str, tuple[str | None, str | None, dict[str, str]]] = {
    "districts": ("District", None, {}), "streets": ("Street", None, {}), "communities": ("Community", None, {}),
    "organisations": ("SocialOrganisation", "organisations", {}), "hubs": ("Hub", "hubs", {}),
    "hub_memberships": (None, "hub_memberships", {}), "purchasers": ("Purchaser", None, {}),
    "projects": ("Project", "projects", {}),
    "project_communities": (None, "projects", {"served_communities": "community_code"}),
    "funding_sources": ("FundingSource", None, {}), "evaluations": ("Evaluation", "evaluations", {}),
}


def _node_columns(label: str, rename: dict[str, str] | None = None) -> list[Column]:
    node = schema().node(label)
    rename = rename or {}
    return [Column(rename.get(p.name, p.name), p.type, p.zh, p.en, p.name == node.key) for p in node.properties]


def _linked(g: dict[str, pd.DataFrame], label: str, key: str, rel: str, column: str, current: bool = False) -> pd.DataFrame:
    """The `label` node table with the target of its (single) `rel` link as `column`."""
    links = _current(g[rel]) if current else g[rel]
    return g[label].assign(**{column: g[label][key].map(links.set_index("from")["to"])})


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
    streets = _linked(g, "Street", "code", "IN_DISTRICT:Street->District", "district_code", current=True)
    communities = _linked(g, "Community", "code", "IN_STREET:Community->Street", "street_code")
    return [
        Table("districts", "区县", "Districts", "One row per district, including districts merged away.",
              _node_columns("District"), ["code"], g["District"]),
        Table("streets", "街道（镇）", "Streets and towns", "One row per street or town, with its current district.",
              [*_node_columns("Street"), Column("district_code", "string", "区县代码", "Current district")],
              ["code"], streets, [(["district_code"], "districts", ["code"])]),
        Table("communities", "社区", "Communities", "One row per residents' or village committee.",
              [*_node_columns("Community"), Column("street_code", "string", "街道代码", "Street or town")],
              ["code"], communities, [(["street_code"], "streets", ["code"])]),
    ]


def organisations(g: dict[str, pd.DataFrame]) -> list[Table]:
    """organisations (with their street of residence), hubs (with parent hub and street) and
    hub memberships (one row per membership period, keyed by a stable hash)."""
    orgs = _linked(g, "SocialOrganisation", "uscc", "RESIDES_IN:SocialOrganisation->Street", "street_code")
    parent = g["UNDER:Hub->Hub"].set_index("from")["to"]
    hub_street = g["FOR_STREET:Hub->Street"].set_index("from")["to"]
    hubs = g["Hub"].assign(parent_hub_id=lambda d: d["hub_id"].map(parent), street_code=lambda d: d["hub_id"].map(hub_street))
    mem = g["MEMBER_OF:SocialOrganisation->Hub"].rename(columns={"from": "uscc", "to": "hub_id"})
    mem.insert(0, "membership_id", [rel_key("MEMBER_OF", u, h, v) for u, h, v in zip(mem["uscc"], mem["hub_id"], mem["valid_from"], strict=True)])
    mem.insert(2, "org_id", "CN-USCI-" + mem["uscc"])
    return [
        Table("organisations", "社会组织", "Social organisations",
              "One row per registered social organisation; valid_from/valid_to is its active registration.",
              [*_node_columns("SocialOrganisation"), Column("street_code", "string", "住所所在街道代码", "Street of residence")],
              ["uscc"], orgs, [(["street_code"], "streets", ["code"])]),
        Table("hubs", "枢纽型社会组织", "Hubs", 'One row per hub of the "1+14+x" network.',
              [*_node_columns("Hub"), Column("parent_hub_id", "string", "上级枢纽编号", "Parent hub"),
               Column("street_code", "string", "所属街道代码", "Street (street hubs)")],
              ["hub_id"], hubs, [(["parent_hub_id"], "hubs", ["hub_id"]), (["street_code"], "streets", ["code"])]),
        Table("hub_memberships", "枢纽成员", "Hub memberships", "One row per membership period of an organisation in a hub.",
              [Column("membership_id", "string", "编号", "Membership id (stable hash)", True),
               Column("uscc", "string", "统一社会信用代码", "Organisation", True),
               Column("org_id", "string", "开放数据标识", "Organisation (CN-USCI-<code>)"),
               Column("hub_id", "string", "枢纽编号", "Hub", True),
               Column("valid_from", "date", "起始日期", "From (inclusive)"), Column("valid_to", "date", "终止日期", "Until (exclusive)")],
              ["membership_id"], mem.sort_values("membership_id"),
              [(["uscc"], "organisations", ["uscc"]), (["hub_id"], "hubs", ["hub_id"])]),
    ]


def purchases(g: dict[str, pd.DataFrame]) -> list[Table]:
    """purchasers, projects (with purchaser and provider), the communities each serves, funding
    sources, each project's funding and the evaluations."""
    buyer = g["COMMISSIONED:Purchaser->Project"].set_index("to")["from"]
    provider = g["AWARDED_TO:Project->SocialOrganisation"].set_index("from")["to"]
    projects = g["Project"].assign(purchaser_uscc=lambda d: d["project_id"].map(buyer),
                                   provider_uscc=lambda d: d["project_id"].map(provider))
    projects = projects.assign(purchaser_org_id="CN-USCI-" + projects["purchaser_uscc"],
                               provider_org_id="CN-USCI-" + projects["provider_uscc"])
    links = g["DELIVERED_IN:Project->Community"].rename(columns={"from": "project_id", "to": "community_code"})
    funding = g["FUNDED_BY:Project->FundingSource"].rename(columns={"from": "project_id", "to": "funding_source_code"})
    evaluations = _linked(g, "Evaluation", "evaluation_id", "EVALUATES:Evaluation->Project", "project_id")
    return [
        Table("purchasers", "购买主体", "Purchasers", "One row per government body that buys services.",
              _node_columns("Purchaser"), ["uscc"], g["Purchaser"]),
        Table("projects", "政府购买服务项目", "Purchased-service projects", "One row per contract. Amounts in yuan.",
              [*_node_columns("Project"), Column("purchaser_uscc", "string", "购买主体", "Purchaser"),
               Column("purchaser_org_id", "string", "购买主体开放数据标识", "Purchaser (CN-USCI-<code>)"),
               Column("provider_uscc", "string", "承接机构", "Provider"),
               Column("provider_org_id", "string", "承接机构开放数据标识", "Provider (CN-USCI-<code>)")],
              ["project_id"], projects,
              [(["purchaser_uscc"], "purchasers", ["uscc"]), (["provider_uscc"], "organisations", ["uscc"])]),
        Table("project_communities", "项目服务社区", "Project communities", "One row per project and community it serves.",
              [Column("project_id", "string", "项目编号", "Project", True), Column("community_code", "string", "社区代码", "Community", True)],
              ["project_id", "community_code"], links,
              [(["project_id"], "projects", ["project_id"]), (["community_code"], "communities", ["code"])]),
        Table("funding_sources", "资金来源", "Funding sources", "One row per funding source.",
              _node_columns("FundingSource"), ["code"], g["FundingSource"]),
        Table("project_funding", "项目资金", "Project funding", "One row per project and funding source, amount in yuan.",
              [Column("project_id", "string", "项目编号", "Project", True),
               Column("funding_source_code", "string", "资金来源代码", "Funding source", True),
               Column("amount", "float", "金额（元）", "Amount (yuan)")],
              ["project_id", "funding_source_code"], funding,
              [(["project_id"], "projects", ["project_id"]), (["funding_source_code"], "funding_sources", ["code"])]),
        Table("evaluations", "项目绩效评估", "Project evaluations", "One row per performance evaluation.",
              [*_node_columns("Evaluation"), Column("project_id", "string", "项目编号", "Project")],
              ["evaluation_id"], evaluations, [(["project_id"], "projects", ["project_id"])]),
    ]


#: (table, zh, en, what is counted, its key column, the table it refers to, that table's key)
WORKER_COUNTS = [
    ("worker_counts_by_organisation", "社工人数（按机构）", "Certified social workers by employer", "employer", "uscc",
     "organisations", "uscc"),
    ("worker_counts_by_community", "社工人数（按社区）", "Certified social workers by community served", "community",
     "community_code", "communities", "code"),
    ("worker_counts_by_street", "社工人数（按街道）", "Certified social workers by street served", "street",
     "street_code", "streets", "code"),
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
        out.append(Table(name, zh, en,
                         f"One row per {ref[:-1]} and level. Counts under {MIN_CELL} are suppressed (empty, suppressed = true).",
                         [Column(key, "string", "代码", "Code", True), *org_col, Column("level", "string", "职业水平等级", "Level", True),
                          Column("workers", "int", "人数", "Certified workers"),
                          Column("suppressed", "bool", "是否隐去", f"Count under {MIN_CELL}, not published")],
                         [key, "level"], counts, [([key], ref, [ref_key])]))
    return out


def with_references(tables: list[Table]) -> list[Table]:
    """Add a foreign key for every reference the contract of a table's register declares
    whose column the table holds and whose target the release publishes (and that the table
    does not declare already); a table's keys are then in column order."""
    s = schema()
    published = {t.node: t for t in tables if t.node}
    for t in tables:
        if not t.register:
            continue
        columns = [c.name for c in t.columns]
        for field_, ref in CONTRACTS[t.register].references.items():
            column = t.items.get(field_, field_)
            target = _node_keyed_by(s, ref.register, ref.field)
            if column in columns and target in published:
                fk = ([column], published[target].name, list(published[target].primary_key))
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
