"""The graph stage.

Consumes resolved_registers.
Emits  graph: the embedded store at OUTPUT/graph.lbug (only the parts of the graph whose inputs
       changed since the last load built again: incremental.py; the tables that changed
       bulk-copied again in a copy of the store, swapped in atomically: store.py), or Neo4j
       with SANSHE_GRAPH=neo4j (one node per entity, one relationship per link, as graph_schema/
       declares).
"""

from dagster import AssetExecutionContext, AssetIn, MetadataValue, asset

from ..common.register import RegisterResult
from ..common.resources import SansheResource
from .incremental import load
from .stores import open_store
from .tables import GraphInput


@asset(
    group_name="graph",
    ins={"registers": AssetIn("resolved_registers")},
    description="The knowledge graph, in the embedded store (the parts whose inputs changed "
    "built again, the changed tables bulk-copied into a copy of the store, swapped in) or in Neo4j (batched MERGE, stale "
    "records deleted). One node per entity and one relationship per link declared "
    "in graph_schema/.",
)
def graph(
    context: AssetExecutionContext, sanshe: SansheResource, registers: dict[str, RegisterResult]
) -> dict[str, int]:
    manifest = sanshe.manifest()
    inp = GraphInput.of(
        registers,
        dataset={
            "district_code": str(manifest.get("district_code", "")),
            "district_name": manifest.get("district_name"),
            "snapshot_date": sanshe.snapshot_date(),
        },
    )
    store = open_store(sanshe.settings, progress=context.log.info)
    counts = load(store, inp)
    loaded = getattr(store, "last_load", None) or {"mode": "full"}
    context.add_output_metadata(
        {
            "store": repr(store),
            "counts": MetadataValue.json(counts),
            "rows": sum(counts.values()),
            "load": loaded["mode"],
            "tables_reloaded": MetadataValue.json(loaded.get("reloaded", [])),
            "parts_built": MetadataValue.json(loaded.get("parts", [])),
        }
    )
    return counts
