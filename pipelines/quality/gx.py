"""Run a declarative suite (data_contracts/*/expectations.py) with Great Expectations, and build
the run's Data Docs into its output folder once, after the last suite.

One ephemeral GE context per output folder and process: the job runs in process, so every
suite's results land in the same context and the site's index lists them all (a suite validated
in a forked child is taken into it: `outcome`, `adopt`; ahead.py). `run_suite` only validates;
`build_docs` renders what the run validated, once, when Dagster tears the run's
`ahead.DataDocsResource` down. Built after each suite instead, by a checkpoint's UpdateDataDocsAction,
the site (its index, and a second default site nobody reads) was rendered nine times a run: two
thirds of the time Great Expectations took.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from data_contracts.expectations import Expect
from data_contracts.lists import arrow_lists, is_text_lists
from data_contracts.rules import ERROR, WARNING

from ..common.collector import collector_paused
from ..common.references import is_known
from . import data_docs_index

#: the Data Docs site in OUTPUT/data_docs; the ephemeral context's own default site is never built
SITE = "sanshe"

#: what GE works out of each expectation it validates: whether it passed, how many values it did
#: not expect, and up to 20 of them (what `run_suite` reads and the Data Docs show). Its default,
#: SUMMARY, also finds the index of every unexpected row and a query selecting them, and counts
#: the 20 values shown: GE's own positions in the accepted table, which no clerk can look up (the
#: quarantine report names file and row). Validating the nine national suites took 12.2-12.7 CPU s
#: with SUMMARY and 9.1 with BASIC, the same result rows (2026-12-05, in one process after
#: resolved_registers, two rounds); the whole national run, 1.9 s and 2.95 CPU s less (medians
#: of 4 pairs of `benchmarks/ab.py 448a54a 45239ee`). (great_expectations/expectations/
#: expectation.py, `get_validation_dependencies`: BASIC stops before the index list and the query.)
RESULT_FORMAT: Final = "BASIC"


@dataclass(frozen=True)
class _Validated:
    """A suite validated since the site was last built: its result rows, and GE's identifiers of
    the pages to render (the validation result and the suite)."""

    results: pd.DataFrame
    pages: list[Any]


#: docs folder -> register -> its suite's outcome, waiting for `build_docs`
_PENDING: dict[str, dict[str, _Validated]] = {}


@cache
def _context(docs_dir: str):
    # loading the library makes some hundred thousand objects; in the run's process, which
    # holds millions by the first suite, each collection of the oldest generation meanwhile
    # walked them all (three, 0.9 s of the 3.0 s the first suite's offer took at national scale)
    with collector_paused():
        return _made_context(docs_dir)


def _made_context(docs_dir: str):
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    _no_fingerprint()
    Path(docs_dir).mkdir(parents=True, exist_ok=True)
    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    ctx.add_data_docs_site(
        site_name=SITE,
        site_config={
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": docs_dir},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        },
    )
    _MADE.add(docs_dir)
    return ctx


def ready(docs_dir: Path) -> None:
    """Load Great Expectations and make the context of `docs_dir` now (about 4 s the first time
    in a process), so that a child forked after this starts with both."""
    _context(str(docs_dir))


#: the docs folders whose context this process has made (`loaded`)
_MADE: set[str] = set()


def loaded(docs_dir: Path) -> bool:
    """Whether this process has made the context of `docs_dir` (and so loaded Great Expectations)."""
    return str(docs_dir) in _MADE


def _no_fingerprint() -> None:
    """GE hashes every cell of a pandas batch under 1 GB for a `pandas_data_fingerprint` batch
    marker that no expectation reads (a quarter of the validation time; a pickle of the whole
    frame when a column holds lists). GE 1.24 has no setting for it, only this module constant:
    no batch is smaller than a threshold of 0. tests/test_expectations.py notices a GE that
    fingerprints again."""
    from great_expectations.execution_engine import pandas_execution_engine

    pandas_execution_engine.HASH_THRESHOLD = 0


def reset() -> None:
    """Forget earlier runs' contexts (and so their results) in this process."""
    _context.cache_clear()
    _MADE.clear()
    _PENDING.clear()


def _read_columns(suite: list[Expect]) -> set[str]:
    """The columns the suite's expectations compare values of; a table-level expectation only
    reads the column names."""
    out: set[str] = set()
    for e in suite:
        out.update(e.kwargs.get("column_list", []))
        if "column" in e.kwargs:
            out.add(e.kwargs["column"])
    return out


def _scalars(col: pd.Series) -> pd.Series | None:
    """GE compares scalars: lists become text (joined by pyarrow: 1.5 million rows in a national
    register), Python dates become timestamps; None when the column needs neither."""
    at = col.first_valid_index()
    first = None if at is None else col.at[at]
    # Arrow lists (lists.TEXT_LISTS), or Python ones: a register stored by an earlier version
    if is_text_lists(col) or isinstance(first, list):
        lists = arrow_lists(col)
        joined = pc.binary_join(lists, pa.scalar(";", lists.type.value_type))
        return pd.Series(joined.to_pylist(), index=col.index, dtype=object)
    if hasattr(first, "isoformat") and not isinstance(first, pd.Timestamp):
        return pd.to_datetime(col)
    return None


def _for_ge(frame: pd.DataFrame, read: set[str]) -> pd.DataFrame:
    """The frame as the suite sees it: the snapshot date as `asof`, without the other
    bookkeeping columns, and only the columns the suite `read`s made scalar. Every other column
    is the frame's own (pandas' copy-on-write shares it): converting, say, a list column no
    expectation reads cost a Python list per row for nothing."""
    out = frame.rename(columns={"_asof": "asof"})
    out = out.drop(columns=[c for c in out.columns if c.startswith("_")])
    for col in sorted(read & set(out.columns)):
        converted = _scalars(out[col])
        if converted is not None:
            out[col] = converted
    return out


def _batch(frame: pd.DataFrame, suite: list[Expect]) -> pd.DataFrame:
    batch = _for_ge(frame, _read_columns(suite))
    for e in suite:
        if e.derive:
            new, source, keys = e.derive
            # from the frame as read, where a list field is still a list
            batch[new] = is_known(frame[source], keys).to_numpy()
    return batch


def _expectations(suite: list[Expect]) -> list[Any]:
    """The GE expectation of each `Expect`, in order."""
    import great_expectations as gx

    derived = [e.derive[0] for e in suite if e.derive]
    out = []
    for e in suite:
        kwargs = e.kwargs
        if e.kind == "ExpectTableColumnsToMatchSet":  # the derived reference columns are part of the batch
            kwargs = {**kwargs, "column_set": [*kwargs["column_set"], *derived]}
        out.append(getattr(gx.expectations, e.kind)(**kwargs))
    return out


def _checkpoint(ctx, name: str, suite: list[Expect]) -> tuple[Any, dict[str, Expect]]:
    """The register's GE suite and a checkpoint running it with no action (the Data Docs wait
    for `build_docs`), and which declared `Expect` each GE expectation id stands for."""
    import great_expectations as gx

    source = ctx.data_sources.add_or_update_pandas(f"{name}_source")
    batch_def = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe("all")
    # the whole suite in one store write (adding expectations one by one writes it each time); it
    # replaces an earlier run's suite of the same name
    gx_suite = ctx.suites.add_or_update(gx.ExpectationSuite(name=f"{name}_suite", expectations=_expectations(suite)))
    declared = dict(zip((x.id for x in gx_suite.expectations), suite, strict=True))
    vd = ctx.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=f"{name}_validation", data=batch_def, suite=gx_suite)
    )
    checkpoint = ctx.checkpoints.add_or_update(
        gx.Checkpoint(name=f"{name}_checkpoint", validation_definitions=[vd], actions=[], result_format=RESULT_FORMAT)
    )
    return checkpoint, declared


def _forget_batches(ctx, name: str) -> None:
    """Let go of the frames the register's data source keeps once validated: GE 1.24's execution
    engine caches each batch's data (BatchManager.batch_data_cache) for as long as the data source
    lives, which is the run, so every register's batch (its lists joined into text, its dates
    converted) stayed in memory through the graph load, where the run peaks. The Data Docs
    render the validation results, not the batches (tests/test_expectations.py)."""
    manager = ctx.data_sources.get(f"{name}_source").get_execution_engine().batch_manager
    manager.batch_data_cache.clear()
    manager.reset_batch_cache()


def run_suite(name: str, frame: pd.DataFrame, suite: list[Expect], docs_dir: Path) -> pd.DataFrame:
    """Validate `frame`; one result row per expectation (kind, column, severity, success,
    unexpected count). Its Data Docs pages are rendered by the next `build_docs(docs_dir)`."""
    from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier

    ctx = _context(str(docs_dir))
    checkpoint, declared = _checkpoint(ctx, name, suite)
    result = checkpoint.run(batch_parameters={"dataframe": _batch(frame, suite)})
    _forget_batches(ctx, name)
    rows, pages = [], []
    for result_id, run in result.run_results.items():
        pages += [result_id, ExpectationSuiteIdentifier(name=run.suite_name)]
        for er in run.results:
            e = declared[er.expectation_config.id]
            rows.append(
                {
                    "expectation": e.kind,
                    "column": e.derive[1] if e.derive else e.kwargs.get("column", ""),
                    "severity": e.severity,
                    "success": bool(er.success),
                    "unexpected": int(er.result.get("unexpected_count") or 0),
                }
            )
    out = pd.DataFrame(rows)
    _PENDING.setdefault(str(docs_dir), {})[name] = _Validated(out, pages)
    return out


@dataclass(frozen=True)
class Outcome:
    """A suite's validation as one process hands it to another (pickled): the result rows
    (`run_suite`'s), the GE suite and each validation result with its GE identifier."""

    results: pd.DataFrame
    suite: Any
    validations: list[tuple[Any, Any]]


def outcome(name: str, docs_dir: Path, results: pd.DataFrame) -> Outcome:
    """The outcome of the suite `run_suite` validated last for `name` into `docs_dir` in this
    process, which returned `results`; KeyError when none was."""
    from great_expectations.data_context.types.resource_identifiers import ValidationResultIdentifier

    ctx, done = _context(str(docs_dir)), _PENDING[str(docs_dir)][name]
    ids = [page for page in done.pages if isinstance(page, ValidationResultIdentifier)]
    return Outcome(results, ctx.suites.get(f"{name}_suite"), [(i, ctx.validation_results_store.get(i)) for i in ids])


def adopt(name: str, docs_dir: Path, got: Outcome) -> pd.DataFrame:
    """Take the outcome of a suite validated in another process into this process's context, as
    if `run_suite` had validated it here: its pages are rendered by the next `build_docs`.
    Returns the result rows."""
    from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier

    ctx = _context(str(docs_dir))
    ctx.suites.add_or_update(got.suite)
    pages: list[Any] = []
    for result_id, validation in got.validations:
        ctx.validation_results_store.set(result_id, validation)
        pages += [result_id, ExpectationSuiteIdentifier(name=validation.suite_name)]
    _PENDING.setdefault(str(docs_dir), {})[name] = _Validated(got.results, pages)
    return got.results


def build_docs(docs_dir: Path) -> list[str]:
    """Render the pages of the suites validated into `docs_dir` since its last build, GE's index
    of every result this process holds, and the offline index, which keeps the suites of earlier
    runs and their pages. The registers built, [] when no suite ran (nothing is rendered, GE is
    not loaded)."""
    pending = _PENDING.pop(str(docs_dir), {})
    if not pending:
        return []
    pages = [page for v in pending.values() for page in v.pages]
    data_docs_index.set_aside(docs_dir)
    try:
        _context(str(docs_dir)).build_data_docs(site_names=[SITE], resource_identifiers=pages)
        outcomes = {name: (v.results, passed(v.results)[1]) for name, v in pending.items()}
        data_docs_index.record(docs_dir, outcomes)
    finally:  # the pages the record names, put back: built and recorded, or as they were
        data_docs_index.restore(docs_dir)
    return sorted(pending)


def passed(results: pd.DataFrame) -> tuple[bool, str]:
    """(no error-level failure, the worst severity seen)."""
    failed = results[~results["success"]]
    if (failed["severity"] == ERROR).any():
        return False, ERROR
    return True, WARNING if len(failed) else "ok"
