"""The Dagster definitions: every source folder's assets, the quality and graph stages, and the
one job. `dagster dev` loads this module (see [tool.dagster] in pyproject.toml).

The job runs in process: the embedded graph store takes a single writer, for a job this size
in-process execution is about 3x faster than one process per step, and in-memory hand-over
keeps personal data out of Dagster's storage.
"""

from dagster import (
    AssetKey,
    AssetSelection,
    Definitions,
    IOManagerDefinition,
    define_asset_job,
    in_process_executor,
    load_assets_from_modules,
)

from . import communities, evaluations, hubs, organisations, projects, workers
from .common.handover import HandOverIOManager, consumers, stored_hand_over
from .common.resources import PUBLIC_IO, SansheResource
from .communities import assets as communities_assets
from .evaluations import assets as evaluations_assets
from .graph import assets as graph_assets
from .graph.file_copy import GRAPH_FILE_COPY, GraphFileCopy
from .hubs import assets as hubs_assets
from .organisations import assets as organisations_assets
from .projects import assets as projects_assets
from .quality import assets as quality_assets
from .quality.ahead import DataDocsResource
from .quality.checks import expectation_checks, validate_ahead
from .sensors import inbox_sensor
from .settings import Settings
from .workers import assets as workers_assets

del communities, evaluations, hubs, organisations, projects, workers

ASSETS = load_assets_from_modules(
    [
        communities_assets,
        organisations_assets,
        hubs_assets,
        workers_assets,
        projects_assets,
        evaluations_assets,
        quality_assets,
        graph_assets,
    ]
)
CHECKS = [*expectation_checks, quality_assets.accounting_adds_up]
JOB_NAME = "sanshe"
#: outputs `sanshe run` reads once the job has run: the accounting and the graph's counts
RESULTS = frozenset({AssetKey("quarantine_report"), AssetKey("graph")})

sanshe_job = define_asset_job(
    JOB_NAME,
    selection=AssetSelection.all(),
    executor_def=in_process_executor,
    # each register's Great Expectations suite validated in a forked child as soon as it can be
    hooks={validate_ahead},
    description="Read, validate and resolve every register, then load the graph.",
)


def build_definitions(settings: Settings | None = None, io_manager=None, public_io_manager=None) -> Definitions:
    """The one composition root: `dagster dev` loads `defs` below, `sanshe run` executes the job
    of `build_definitions(settings)`, the tests build theirs here too."""
    settings = settings or Settings.from_env()
    # raw and validated registers (personal data) pass in memory, dropped once read
    io_manager = io_manager or IOManagerDefinition.hardcoded_io_manager(
        HandOverIOManager(consumers(ASSETS, CHECKS), keep=RESULTS)
    )
    return Definitions(
        assets=ASSETS,
        asset_checks=CHECKS,
        jobs=[sanshe_job],
        sensors=[inbox_sensor],
        resources={
            "sanshe": SansheResource.from_settings(settings),
            # the expectations checks validate into it; its teardown builds the Data Docs once a run
            "data_docs": DataDocsResource(docs_dir=str(settings.data_docs_dir)),
            # the graph file's copy for an incremental load, started when a run of some
            # registers starts (pipelines/graph/file_copy.py)
            GRAPH_FILE_COPY: GraphFileCopy.from_settings(settings),
            # Resolved registers and everything after them hold no personal data: stored under
            # OUTPUT/dagster_storage, so the inbox sensor's partial runs can load what they skip.
            # Forked children write the copies while the run goes on (one process with
            # SANSHE_WORKERS=1); the run's teardown waits for them and reports a failed one.
            PUBLIC_IO: public_io_manager
            or stored_hand_over(consumers(ASSETS, CHECKS), settings.storage_dir, fork=settings.forks),
            # Raw and validated registers hold personal data (names, ID numbers, phones): they
            # stay in memory and are never pickled into Dagster's storage. The price: a single
            # step cannot be re-run on its own from the UI; re-run the job.
            "io_manager": io_manager,
        },
        executor=in_process_executor,
    )


defs = build_definitions()
