"""References between registers, declared once on each contract (`Contract.references`).

Everything that checks or publishes a reference derives from that declaration: the resolve
stage's quarantine of unknown references (pipelines/common/resolve.py `check_references`), the
expectation suites' `refers_to` (pipelines/quality/checks.py) and the release's foreign keys
(sanshe/release/tables.py). tests/test_references.py holds the declarations to the
relationships in graph_schema/relationships.yaml.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Ref:
    """A field whose value (or, for a list field, every value) is a key of another register.

    `register` is the referenced register's `source` name, `field` its key field; `zh`/`en`
    name the target in quarantine messages ("unknown 街道 / street")."""

    register: str
    field: str
    zh: str
    en: str

    def named(self, zh: str, en: str) -> Ref:
        """The same target, named for what it is to the referring register (an employer)."""
        return replace(self, zh=zh, en=en)


STREET = Ref("communities", "street_code", "街道", "street")
COMMUNITY = Ref("communities", "community_code", "社区", "community")
ORGANISATION = Ref("organisations", "uscc", "社会组织", "organisation")
HUB = Ref("hubs", "hub_id", "枢纽", "hub")
WORKER = Ref("workers", "worker_key", "社工", "social worker")
PROJECT = Ref("projects", "project_id", "项目", "project")
