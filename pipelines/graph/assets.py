"""The graph stage.

Consumes resolved_registers.
Emits  graph: the embedded store at OUTPUT/graph.lbug, rebuilt by bulk COPY and swapped in
       atomically (one node per entity, one relationship per link, as graph_schema/ declares).
"""


from dagster import AssetExecutionContext, AssetIn, MetadataValue, asset

from data_contracts import CONTRACTS

from ..common.register import RegisterResult
from ..common.resources import SansheResource
from .store import EmbeddedGraphStore
from .tables import GraphInput, build


@asset(group_name="graph", ins={"registers": AssetIn("resolved_registers")},
       description="The knowledge graph in the embedded store, loaded by bulk copy. One node per "
                   "entity and one relationship per link declared in graph_schema/.")
def graph(context: AssetExecutionContext, sanshe: SansheResource,
          registers: dict[str, RegisterResult]) -> dict[str, int]:
    manifest = sanshe.manifest()
    tables = build(GraphInput(
        current={name: res.current(CONTRACTS[name]) for name, res in registers.items()},
        history={f"{name}.{h}": frame for name, res in registers.items() for h, frame in res.history.items()},
        dataset={"district_code": str(manifest.get("district_code", "")), "district_name": manifest.get("district_name"),
                 "snapshot_date": sanshe.snapshot_date()},
    ))
    counts = EmbeddedGraphStore(sanshe.settings.graph_path).replace_with(tables)
    context.add_output_metadata({"path": MetadataValue.path(str(sanshe.settings.graph_path)),
                                 "counts": MetadataValue.json(counts)})
    return counts
