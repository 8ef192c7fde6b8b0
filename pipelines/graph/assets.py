"""The graph stage.

Consumes resolved_registers (and each register resolved, for graph_changes).
Emits  graph_changes: the load decided and built ahead (incremental.prepare): the parts of the
       graph whose inputs changed since the embedded store's last load, built and compared with
       the stored graph, while the run waits for the expectations check; nothing is written.
       None for a full load or Neo4j.
       graph: the embedded store at OUTPUT/graph.lbug (only the parts of the graph whose inputs
       changed since the last load built again: incremental.py; the tables that changed
       bulk-copied again in a copy of the store, swapped in atomically: store.py), or Neo4j
       with SANSHE_GRAPH=neo4j (one node per entity, one relationship per link, as graph_schema/
       declares).
"""

from dagster import AssetExecutionContext, AssetIn, MetadataValue, asset

from ..common.register import RegisterResult
from ..common.resolve import by_register, each_resolved
from ..common.resources import PUBLIC_IO, SansheResource, register_origins
from .file_copy import GRAPH_FILE_COPY, prepares_ahead
from .incremental import Changes, KeptDigests, load, prepare
from .stores import open_store
from .tables import GraphInput

#: the digests of the graph's inputs, each with the run that made its register (in
#: Settings.storage_dir; incremental.KeptDigests)
KEPT_DIGESTS = "graph_input_digests.json"


def _input(sanshe: SansheResource, registers: dict[str, RegisterResult]) -> GraphInput:
    manifest = sanshe.manifest()
    return GraphInput.of(
        registers,
        dataset={
            "district_code": str(manifest.get("district_code", "")),
            "district_name": manifest.get("district_name"),
            "snapshot_date": sanshe.snapshot_date(),
        },
    )


def _kept(context: AssetExecutionContext, sanshe: SansheResource, registers) -> KeptDigests:
    return KeptDigests(sanshe.settings.storage_dir / KEPT_DIGESTS, register_origins(context, registers))


@asset(
    group_name="graph",
    # each register, not resolved_registers: the blocking expectations check on that one would
    # hold this step until every suite is validated, and the point is to build meanwhile
    ins=each_resolved(),
    required_resource_keys={"sanshe", PUBLIC_IO, GRAPH_FILE_COPY},
    # run as soon as the registers are resolved, before the expectations check waits for the
    # suites being validated in a forked child: this step takes the machine's other core then
    op_tags={"dagster/priority": "1"},
    description="The graph's load decided ahead of it: the parts whose inputs changed since the "
    "embedded store's last load, built and compared with the stored graph, while the Great "
    "Expectations suites are validated. Writes nothing: the graph asset loads it, once the "
    "expectations check passed. One load, or none for a full load, Neo4j, or a run that "
    "validates its suites in its own process; nothing built when the changed parts read more "
    "than half the rows the graph's parts read (the graph asset streams every part then).",
)
def graph_changes(context: AssetExecutionContext, **resolved: RegisterResult) -> Changes | None:
    sanshe: SansheResource = context.resources.sanshe
    registers = by_register(resolved)
    changes = None
    # the graph file's copy started with the run, if it was (file_copy.py; only where the load
    # is prepared ahead): taken by the load, or removed by prepare or at the run's end
    early = getattr(context.resources, GRAPH_FILE_COPY).take()
    if prepares_ahead(sanshe.settings):
        store = open_store(sanshe.settings, progress=context.log.info)
        changes = prepare(store, _input(sanshe, registers), kept=_kept(context, sanshe, registers), ahead=early)
    built = changes.parts if changes is not None and changes.load is not None else []
    # too many rows changed to hold the changed parts built: the graph step streams every part
    streams = changes is not None and changes.load is None
    used_early = early is not None and changes is not None and changes.load is not None and changes.load.ahead is early
    context.add_output_metadata(
        {"parts_built": MetadataValue.json(built), "load_streams": streams, "file_copy_from_run_start": used_early}
    )
    return changes


@asset(
    group_name="graph",
    ins={"registers": AssetIn("resolved_registers"), "changes": AssetIn("graph_changes")},
    # the stored hand-over says which run made each register (`register_origins`): a resource
    # asked for by key, since Dagster takes no resource both as a key and as a typed parameter
    required_resource_keys={"sanshe", PUBLIC_IO},
    description="The knowledge graph, in the embedded store (the parts whose inputs changed "
    "built again, the changed tables bulk-copied into a copy of the store, swapped in) or in Neo4j (batched MERGE, stale "
    "records deleted). One node per entity and one relationship per link declared "
    "in graph_schema/.",
)
def graph(
    context: AssetExecutionContext, registers: dict[str, RegisterResult], changes: Changes | None
) -> dict[str, int]:
    sanshe: SansheResource = context.resources.sanshe
    store = open_store(sanshe.settings, progress=context.log.info)
    kept = changes.kept if changes is not None and changes.kept is not None else _kept(context, sanshe, registers)
    counts = load(store, _input(sanshe, registers), kept=kept, changes=changes)
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
            # whether graph_changes' load, built while the expectations were validated, was the one carried out
            "built_ahead": bool(loaded.get("ahead")),
            "inputs_digested": MetadataValue.json(loaded.get("digested", [])),
            # the seconds of the embedded store's COPY and COMMIT statements in this load
            "store_statements": MetadataValue.json(loaded.get("statements", {})),
            # the seconds the store's copy waited for its next table to be built (a full load only)
            "store_waited_for_tables_seconds": loaded.get("waited_for_tables_seconds"),
        }
    )
    return counts
