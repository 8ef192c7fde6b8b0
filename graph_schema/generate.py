"""Everything derived from the schema: embedded-store DDL, Neo4j 5 constraints and indexes,
and the schema reference page (sanshe/generated.py writes them with the other generated files)."""

from __future__ import annotations

from .model import HERE, TYPES, Schema

ROOT = HERE.parent
GENERATED = HERE / "generated"
HEADER = "// Generated from graph_schema/ by `sanshe schema generate`. Do not edit.\n"


def _cols(props, key: str | None = None) -> str:
    return ", ".join(f"{p.name} {TYPES[p.type].ladybug}" + (" PRIMARY KEY" if p.name == key else "") for p in props)


def ladybug_ddl(s: Schema) -> str:
    lines = [HEADER]
    for n in s.nodes.values():
        lines.append(f"CREATE NODE TABLE IF NOT EXISTS {n.label}({_cols(n.properties, n.key)});")
    for r in s.rels.values():
        ends = ", ".join(f"FROM {a} TO {b}" for a, b in r.endpoints)
        props = (", " + _cols(r.properties)) if r.properties else ""
        lines.append(f"CREATE REL TABLE IF NOT EXISTS {r.type}({ends}{props});")
    return "\n".join(lines) + "\n"


def neo4j_constraints(s: Schema) -> str:
    lines = [HEADER]
    for n in s.nodes.values():
        lines.append(
            f"CREATE CONSTRAINT {n.label.lower()}_{n.key} IF NOT EXISTS FOR (n:{n.label}) REQUIRE n.{n.key} IS UNIQUE;"
        )
    for n in s.nodes.values():
        for p in n.properties:
            if p.index:
                lines.append(
                    f"CREATE INDEX {n.label.lower()}_{p.name} IF NOT EXISTS FOR (n:{n.label}) ON (n.{p.name});"
                )
    # the live loader MERGEs relationships and deletes stale ones by `rel_key`: without an
    # index each of those finds its relationship by scanning every relationship of the type
    for r in s.rels.values():
        lines.append(f"CREATE INDEX {r.type.lower()}_rel_key IF NOT EXISTS FOR ()-[r:{r.type}]-() ON (r.rel_key);")
    return "\n".join(lines) + "\n"


def schema_doc(s: Schema) -> str:
    from data_contracts import CONTRACTS

    out = [
        "<!-- Generated from graph_schema/ by `sanshe schema generate`. Do not edit. -->",
        "# Graph schema reference",
        "",
        "The graph's node labels, keys, properties and relationship types, as declared in",
        "`graph_schema/`. Every key is derived from source keys, so loads are idempotent.",
        "No node or relationship holds personal data (names, ID numbers, phones, certificate numbers).",
        "A property's register column is the column of its source register it is read from;",
        "a derived one is computed in `pipelines/graph/tables.py`.",
        "",
        "## Node labels",
        "",
    ]
    for n in s.nodes.values():
        out += [
            f"### {n.label} · {n.zh}",
            "",
            f"{n.description}",
            "",
            f"Key: `{n.key}` · source register: `{n.source}`",
            "",
            "| property | type | 中文 | meaning | register column |",
            "|---|---|---|---|---|",
        ]
        fields = CONTRACTS[n.source].model_fields
        out += [
            f"| `{p.name}` | {p.type} | {p.zh} | {p.en} | {f'`{p.column}`' if p.column in fields else 'derived'} |"
            for p in n.properties
        ]
        out.append("")
    out += [
        "## Relationship types",
        "",
        "`published as`: the release's column holding the link, on the table of the node named "
        "(`published_as` in relationships.yaml), with a foreign key to the other end's table.",
        "",
        "| type | from → to | 中文 | meaning | properties | published as |",
        "|---|---|---|---|---|---|",
    ]
    for r in s.rels.values():
        ends = "<br>".join(f"{a} → {b}" for a, b in r.endpoints)
        props = ", ".join(f"`{p.name}` ({p.type})" for p in r.properties) or "—"
        pub = f"{r.published_as.node}.`{r.published_as.column}`" if r.published_as else "—"
        out.append(f"| `{r.type}` | {ends} | {r.zh} | {r.en} | {props} | {pub} |")
    return "\n".join(out) + "\n"
