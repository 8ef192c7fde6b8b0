"""Every generated file of the repository and the text it must hold, in one place at the top
layer: the schema's DDL and pages (graph_schema), the rule list and accepted headers
(data_contracts) and the query pages (sanshe.queries). `sanshe schema generate` writes the
stale ones; `sanshe schema check` and tests/test_schema.py fail when one is stale.
"""

from __future__ import annotations

from pathlib import Path

from data_contracts import CONTRACTS
from data_contracts.headers import aliases_doc
from data_contracts.rules import rules_doc
from graph_schema.generate import GENERATED, ROOT, ladybug_ddl, neo4j_constraints, schema_doc
from graph_schema.model import schema

from .queries.catalogue import catalogue_doc, neo4j_cookbook


def artifacts() -> dict[Path, str]:
    """Every generated file (absolute path) and the text it must hold."""
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
    """Rewrite the stale generated files; returns the paths written."""
    written = []
    for path, text in artifacts().items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written


def check() -> list[Path]:
    """Generated files whose content differs from what their sources produce now."""
    return [p for p, text in artifacts().items() if not p.exists() or p.read_text(encoding="utf-8") != text]
