"""What every graph store offers: the embedded store (store.py) and Neo4j (neo4j_store.py).

Functions that take a store type it as `GraphStore`, so either store serves and a type checker
says when a function reaches for something only one of them has.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    import pandas as pd
    import pyarrow as pa

    from graph_schema.model import Schema

    from .tables import GraphTables

#: how an export puts a whole answer in order: the answer, an Arrow table -> its row indices in
#: that order (`GraphStore.export_parquet`; the catalogue's is sanshe.queries.catalogue.arrow_order)
ExportOrder = Callable[["pa.Table"], "pa.Array"]


@runtime_checkable
class GraphStore(Protocol):
    #: the Cypher dialect its queries are written in: "ladybug" or "neo4j"
    dialect: str

    def replace_with(self, tables: GraphTables, s: Schema | None = None) -> dict[str, int]:
        """Make the stored graph exactly `tables`; return the count of each label and type."""
        ...

    def query(self, cypher: str, params: dict | None = None) -> pd.DataFrame:
        """Run one read query with parameters; one row per result record."""
        ...

    def batches(self, cypher: str, params: dict | None = None, size: int = 50_000) -> Iterator[pd.DataFrame]:
        """The answer to one read query as frames of at most `size` rows, one after the other."""
        ...

    def export_parquet(
        self, cypher: str, params: dict | None, out: Path, size: int = 50_000, order: ExportOrder | None = None
    ) -> int:
        """Write the answer to one read query into the Parquet file `out`, streamed; returns its
        rows. With `order`, the rows are written in the order it gives the whole answer (which
        the store then holds whole), not in the order the store answers."""
        ...

    def dump(self, s: Schema | None = None) -> dict[str, pd.DataFrame]:
        """Every node table and relationship table, keyed by label or type."""
        ...

    def counts(self, s: Schema | None = None) -> dict[str, int]:
        """Nodes per label and relationships per type in the stored graph."""
        ...

    def fingerprint(self) -> str:
        """SHA-256 over the normalised dump: equal graphs, equal fingerprints, on either store."""
        ...
