"""`sanshe run`: materialise the whole Dagster job in process, then summarise it."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field

import pandas as pd

from pipelines.settings import Settings


@dataclass
class RunOutcome:
    success: bool
    accounting: pd.DataFrame
    graph_counts: dict[str, int]
    checks: list[dict] = field(default_factory=list)

    @property
    def checks_passed(self) -> bool:
        return all(c["passed"] for c in self.checks if c["severity"] == "ERROR")


def run_pipeline(settings: Settings) -> RunOutcome:
    import warnings

    from dagster import (
        AssetKey,
        BetaWarning,
        DagsterEventType,
        DagsterInstance,
        IOManagerDefinition,
        materialize,
    )

    # raised while the job's asset selection is built; not ours to act on
    warnings.filterwarnings("ignore", category=BetaWarning)

    from pipelines.common.handover import HandOverIOManager, consumers
    from pipelines.common.mapping import MappingError, load

    try:  # a mistake in the clerk's mapping is one message, before any step runs
        load(settings.source_dir)
    except MappingError as err:
        print(f"sanshe run: {err}")
        return RunOutcome(False, pd.DataFrame(), {}, [])
    from pipelines.common.resources import PUBLIC_IO, SansheResource
    from pipelines.definitions import ASSETS, CHECKS
    from pipelines.quality import gx
    settings.output_dir.mkdir(parents=True, exist_ok=True)
    # a fresh Data Docs site each run: it describes this run, not every run before it
    shutil.rmtree(settings.data_docs_dir, ignore_errors=True)
    gx.reset()
    with DagsterInstance.ephemeral() as instance:
        # one in-memory hand-over for every step, dropping outputs once read; the two read below stay
        handover = IOManagerDefinition.hardcoded_io_manager(HandOverIOManager(
            consumers(ASSETS, CHECKS), keep=frozenset({AssetKey("quarantine_report"), AssetKey("graph")})))
        result = materialize([*ASSETS, *CHECKS], instance=instance, raise_on_error=False,
                             run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
                             resources={"sanshe": SansheResource.from_settings(settings), "io_manager": handover,
                                        PUBLIC_IO: handover})
        checks = []
        for ev in result.get_asset_check_evaluations():
            checks.append({"asset": ev.asset_key.to_user_string(), "check": ev.check_name,
                           "passed": ev.passed, "severity": ev.severity.value})
        if not result.success:
            failures = [e for e in result.all_events if e.event_type == DagsterEventType.STEP_FAILURE]
            for e in failures:
                err = e.step_failure_data.error
                print(f"step {e.step_key} failed: {err.message if err else ''}")
            return RunOutcome(False, pd.DataFrame(), {}, checks)
        acc = result.output_for_node("quarantine_report")
        counts = result.output_for_node("graph")
    summary = {"accounting": acc.to_dict("records"), "graph": counts, "checks": checks}
    (settings.output_dir / "run_summary.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return RunOutcome(True, acc, counts, checks)
