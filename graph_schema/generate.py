"""Everything derived from the schema: embedded-store DDL, Neo4j 5 constraints and indexes,
and the schema reference page. `check()` lists the generated files that are stale."""

from __future__ import annotations

from pathlib import Path

from .model import HERE, TYPES, Schema, schema

ROOT = HERE.parent
GENERATED = HERE / "generated"
HEADER = "// Generated from graph_schema/ by `sanshe schema generate`. Do not edit.\n"


def _cols(props, key: str | None = None) -> str:
    return ", ".join(
        f"{p.name} {TYPES[p.type][0]}" + (" PRIMARY KEY" if p.name == key else "") for p in props
    )


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
            f"CREATE CONSTRAINT {n.label.lower()}_{n.key} IF NOT EXISTS "
            f"FOR (n:{n.label}) REQUIRE n.{n.key} IS UNIQUE;"
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
        lines.append(
            f"CREATE INDEX {r.type.lower()}_rel_key IF NOT EXISTS FOR ()-[r:{r.type}]-() ON (r.rel_key);"
        )
    return "\n".join(lines) + "\n"


def schema_doc(s: Schema) -> str:
    out = [
        "<!-- Generated from graph_schema/ by `sanshe schema generate`. Do not edit. -->",
        "# Graph schema reference",
        "",
        "The graph's node labels, keys, properties and relationship types, as declared in",
        "`graph_schema/`. Every key is derived from source keys, so loads are idempotent.",
        "No node or relationship holds personal data (names, ID numbers, phones, certificate numbers).",
        "",
        "## Node labels",
        "",
    ]
    for n in s.nodes.values():
        out += [f"### {n.label} · {n.zh}", "", f"{n.description}", "",
                f"Key: `{n.key}` · source register: `{n.source}`", "",
                "| property | type | 中文 | meaning |", "|---|---|---|---|"]
        out += [f"| `{p.name}` | {p.type} | {p.zh} | {p.en} |" for p in n.properties]
        out.append("")
    out += ["## Relationship types", "", "| type | from → to | 中文 | meaning | properties |",
            "|---|---|---|---|---|"]
    for r in s.rels.values():
        ends = "<br>".join(f"{a} → {b}" for a, b in r.endpoints)
        props = ", ".join(f"`{p.name}` ({p.type})" for p in r.properties) or "—"
        out.append(f"| `{r.type}` | {ends} | {r.zh} | {r.en} | {props} |")
    return "\n".join(out) + "\n"


def artifacts() -> dict[Path, str]:
    """Every generated file and the text it must hold."""
    from data_contracts import CONTRACTS
    from data_contracts.headers import aliases_doc
    from data_contracts.rules import rules_doc
    from sanshe.queries.catalogue import catalogue_doc, neo4j_cookbook  # generated the same way

    s = schema()
    return {
        GENERATED / "ladybug.cypher": ladybug_ddl(s),
        GENERATED / "neo4j_constraints.cypher": neo4j_constraints(s),
        ROOT / "docs" / "schema.md": schema_doc(s),
        ROOT / "docs" / "queries.md": catalogue_doc(),
        ROOT / "docs" / "rules.md": rules_doc(),
        ROOT / "docs" / "columns.md": aliases_doc(list(CONTRACTS.values())),
        ROOT / "docs" / "neo4j-queries.md": neo4j_cookbook(),
    }


def write() -> list[Path]:
    written = []
    for path, text in artifacts().items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written


def check() -> list[Path]:
    """Generated files whose content differs from what the schema produces now."""
    return [p for p, text in artifacts().items() if not p.exists() or p.read_text(encoding="utf-8") != text]
