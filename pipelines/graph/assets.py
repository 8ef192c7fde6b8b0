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
from ..common.resources import PUBLIC_IO, SansheResource, register_origins
from .incremental import KeptDigests, load
from .stores import open_store
from .tables import GraphInput

#: the digests of the graph's inputs, each with the run that made its register (in
#: Settings.storage_dir; incremental.KeptDigests)
KEPT_DIGESTS = "graph_input_digests.json"


@asset(
    group_name="graph",
    ins={"registers": AssetIn("resolved_registers")},
    # the stored hand-over says which run made each register (`register_origins`): a resource
    # asked for by key, since Dagster takes no resource both as a key and as a typed parameter
    required_resource_keys={"sanshe", PUBLIC_IO},
    description="The knowledge graph, in the embedded store (the parts whose inputs changed "
    "built again, the changed tables bulk-copied into a copy of the store, swapped in) or in Neo4j (batched MERGE, stale "
    "records deleted). One node per entity and one relationship per link declared "
    "in graph_schema/.",
)
def graph(context: AssetExecutionContext, registers: dict[str, RegisterResult]) -> dict[str, int]:
    sanshe: SansheResource = context.resources.sanshe
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
    kept = KeptDigests(sanshe.settings.storage_dir / KEPT_DIGESTS, register_origins(context, registers))
    counts = load(store, inp, kept=kept)
    loaded = getattr(store, "last_load", None) or {"mode": "full"}
    context.add_output_metadata(
        {
            "store": repr(store),
            "counts": MetadataValue.json(counts),
            "rows": sum(counts.values()),
            "load": loaded["mode"],
            "tables_reloaded": MetadataValue.json(loaded.get("reloaded", [])),
            "rows_updated": MetadataValue.json(loaded.get("updated", {})),
            "parts_built": MetadataValue.json(loaded.get("parts", [])),
            "inputs_digested": MetadataValue.json(loaded.get("digested", [])),
            # the seconds of the embedded store's COPY and COMMIT statements in this load
            "store_statements": MetadataValue.json(loaded.get("statements", {})),
        }
    )
    return counts
