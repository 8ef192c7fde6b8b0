"""`sanshe run`: execute the job of the Dagster definitions, in process, recorded in a persistent
Dagster instance in the output folder, then summarise it.

The definitions are the ones `dagster dev` loads (pipelines/definitions.py): the same assets,
checks, resources and IO managers, so the UI started on the same instance (`sanshe ui`) shows
this run's materialisations and check results.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
import warnings
from contextlib import ExitStack
from dataclasses import dataclass, field

import pandas as pd

from pipelines.settings import Settings

from .progress import RunProgress, step_seconds


@dataclass
class RunOutcome:
    """What a run gives the command line: whether every step ran, the accounting (one row per
    register and file), the graph's counts per label/type, each asset check's result, and the
    reason of each step that failed."""

    success: bool
    accounting: pd.DataFrame
    graph_counts: dict[str, int]
    checks: list[dict] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    #: seconds each step took, slowest first, from the run's step events (sanshe/progress.py)
    step_seconds: dict[str, float] = field(default_factory=dict)
    #: seconds the whole run took, starting Dagster included
    seconds: float = 0.0
    #: the run's id in the Dagster instance under OUTPUT/dagster_home
    run_id: str = ""
    #: why the run could not start or finish, in plain words (zh and en); "" when it ran
    error: str = ""
    #: the stored copies of resolved registers that could not be written, and what that means
    #: (zh and en; pipelines/common/handover.py); "" when every copy was written
    stored_copies: str = ""

    @property
    def checks_passed(self) -> bool:
        return all(c["passed"] for c in self.checks if c["severity"] == "error")

    @property
    def blocking_failures(self) -> list[dict]:
        return [c for c in self.checks if not c["passed"] and c["severity"] == "error"]


def _accounting(result) -> pd.DataFrame:
    """The accounting of the run's quarantine report, also of a run the expectations check
    stopped (the report does not wait for that check); empty when the report was not made."""
    made = result.is_node_success("quarantine_report")
    return result.output_for_node("quarantine_report") if made else pd.DataFrame()


def _quiet_dagster() -> None:
    """Dagster's own beta and deprecation notices are for pipeline authors, not for a clerk."""
    from dagster import BetaWarning, PreviewWarning

    for category in (BetaWarning, PreviewWarning, DeprecationWarning):
        warnings.filterwarnings("ignore", category=category)
    warnings.filterwarnings("ignore", module="dagster")


def _console_logger():
    """Dagster's console logger (its threshold set by the run's config), less the one error
    `sanshe run` says itself in one line: a stored copy not written. Dagster logs that as a
    failed resource teardown, with its stack; the run's event log keeps it whole."""
    from dagster import logger
    from dagster._core.log_manager import LOG_RECORD_METADATA_ATTR
    from dagster._loggers import colored_console_logger

    from pipelines.common.handover import StoredCopyError

    def said_by_sanshe(record: logging.LogRecord) -> bool:
        event = (getattr(record, LOG_RECORD_METADATA_ATTR, None) or {}).get("dagster_event")
        error = getattr(getattr(event, "event_specific_data", None), "error", None)
        return getattr(error, "cls_name", None) == StoredCopyError.__name__

    @logger(colored_console_logger.config_schema, description=colored_console_logger.description)
    def console(init_context):
        log = colored_console_logger.logger_fn(init_context)
        log.addFilter(lambda record: not said_by_sanshe(record))
        return log

    return console


def _stored_copies_not_written(events) -> str:
    """The message of the StoredCopyError the run's teardown raised (Dagster records it as an
    engine event with the error; the run still succeeds), "" when there was none."""
    from dagster import DagsterEventType

    from pipelines.common.handover import StoredCopyError

    for e in events:
        error = e.engine_event_data.error if e.event_type == DagsterEventType.ENGINE_EVENT else None
        if error is not None and error.cls_name == StoredCopyError.__name__:
            # Dagster's message starts with the class's qualified name: the clerk reads what follows
            return error.message.partition(f"{error.cls_name}: ")[2].strip() or error.message.strip()
    return ""


def open_instance(settings: Settings):
    """The persistent Dagster instance under OUTPUT/dagster_home (created on first use)."""
    from dagster import DagsterInstance
    from dagster._core.instance.ref import InstanceRef

    settings.dagster_home.mkdir(parents=True, exist_ok=True)
    config = settings.dagster_home / "dagster.yaml"
    if not config.exists():  # no telemetry, and no welcome banner in a clerk's terminal
        config.write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    return DagsterInstance.from_ref(InstanceRef.from_dir(str(settings.dagster_home)))


def run_pipeline(settings: Settings, watch: RunProgress | None = None) -> RunOutcome:
    """Run the whole job; `watch` (a RunProgress) follows its steps and rows as they happen."""
    started = time.monotonic()
    _quiet_dagster()
    from pipelines.inbox import InboxError, check_inbox

    try:  # a missing inbox or a broken manifest is one message, before any step runs
        check_inbox(settings.source_dir)
    except InboxError as err:
        return RunOutcome(False, pd.DataFrame(), {}, error=str(err))

    from pipelines.common.mapping import MappingError, load

    try:  # a mistake in the clerk's mapping is one message, before any step runs
        load(settings.source_dir)
    except MappingError as err:
        return RunOutcome(False, pd.DataFrame(), {}, error=str(err))

    from pipelines.common.run_lock import OutputLock

    settings.output_dir.mkdir(parents=True, exist_ok=True)
    # the folder is this run's from here on: a run of another process writing it (the inbox
    # sensor's) is waited for, and the job's resource holds the same lock (run_lock.py)
    output_lock = OutputLock(settings.output_dir)
    output_lock.acquire(print)
    try:
        return _locked_run(settings, watch, started)
    finally:
        output_lock.release()


def _locked_run(settings: Settings, watch: RunProgress | None, started: float) -> RunOutcome:
    """`run_pipeline`'s run, once the output folder is this process's (`started`: its
    time.monotonic() at the start)."""
    from dagster import DagsterEventType
    from dagster._core.utils import make_new_run_id

    from pipelines import progress
    from pipelines.definitions import JOB_NAME, build_definitions
    from pipelines.quality import gx

    # a fresh Data Docs site each run: it describes this run, not every run before it
    shutil.rmtree(settings.data_docs_dir, ignore_errors=True)
    gx.reset()
    job = build_definitions(settings).resolve_job_def(JOB_NAME).with_logger_defs({"console": _console_logger()})
    run_id = make_new_run_id()
    with open_instance(settings) as instance, ExitStack() as stack:
        if watch is not None:
            instance.add_event_listener(run_id, watch.on_event)
            stack.enter_context(progress.listening(watch.on_rows))
            stack.callback(watch.close)
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            run_id=run_id,
            run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
        )
        seconds = step_seconds(instance, run_id)
        checks = [
            {
                "asset": ev.asset_key.to_user_string(),
                "check": ev.check_name,
                "passed": ev.passed,
                "severity": "error" if ev.severity.value == "ERROR" else "warning",
                "reason": ev.description or "",
            }
            # by asset and check, not by when each ran: the same run, the same summary
            for ev in sorted(result.get_asset_check_evaluations(), key=lambda e: (e.asset_key.path, e.check_name))
        ]
        failures = []
        for e in result.all_events:
            if e.event_type == DagsterEventType.STEP_FAILURE:
                cause = e.step_failure_data.error
                # the error's own message, never its stack: the cause is what a clerk can act on
                while cause is not None and cause.cause is not None:
                    cause = cause.cause
                failures.append(f"step {e.step_key} failed: {(cause.message if cause else '').strip()}")
        stored_copies = _stored_copies_not_written(result.all_events)
        acc, counts = _accounting(result), {}
        if result.success:
            counts = result.output_for_node("graph")
    summary = {
        "success": result.success,
        "accounting": acc.to_dict("records"),
        "graph": counts,
        "checks": checks,
        "failures": failures,
        "step_seconds": seconds,
        "error": failures,
        "stored_copies": stored_copies,
    }
    (settings.output_dir / "run_summary.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8"
    )
    return RunOutcome(
        result.success,
        acc,
        counts,
        checks,
        failures,
        seconds,
        time.monotonic() - started,
        run_id,
        stored_copies=stored_copies,
    )
