"""Which graph store a run or a query uses: the embedded store by default, Neo4j with
SANSHE_GRAPH=neo4j (and NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD, NEO4J_DATABASE)."""

from __future__ import annotations

from collections.abc import Callable

from ..settings import Settings


def open_store(settings: Settings, progress: Callable[[str], None] | None = None):
    if settings.graph == "neo4j":
        from .neo4j_store import Neo4jGraphStore

        return Neo4jGraphStore.from_env(progress=progress)
    from .store import EmbeddedGraphStore

    return EmbeddedGraphStore(settings.graph_path)
