"""Run a declarative suite (data_contracts/*/expectations.py) with Great Expectations and build
its Data Docs into the run's output folder.

One ephemeral GE context per output folder and process: the job runs in process, so every
suite's results land in the same Data Docs site and its index lists them all.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from data_contracts.expectations import Expect
from data_contracts.rules import ERROR, WARNING

from ..common.references import is_known
from . import data_docs_index


@cache
def _context(docs_dir: str):
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    ctx.add_data_docs_site(
        site_name="sanshe",
        site_config={
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": docs_dir},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        },
    )
    return ctx


def reset() -> None:
    """Forget earlier runs' contexts (and so their results) in this process."""
    _context.cache_clear()


def _for_ge(frame: pd.DataFrame) -> pd.DataFrame:
    """GE compares scalars: lists become text, Python dates become timestamps. The snapshot
    date stays, as `asof`; the other bookkeeping columns go."""
    out = frame.rename(columns={"_asof": "asof"})
    out = out.drop(columns=[c for c in out.columns if c.startswith("_")])
    for col in out.columns:
        at = out[col].first_valid_index()
        if at is None:
            continue
        first = out[col].at[at]
        if isinstance(first, list):  # joined by pyarrow: 1.5 million rows in a national register
            joined = pc.binary_join(pa.array(out[col].tolist(), type=pa.list_(pa.string())), ";")
            out[col] = pd.Series(joined.to_pylist(), index=out.index, dtype=object)
        elif hasattr(first, "isoformat") and not isinstance(first, pd.Timestamp):
            out[col] = pd.to_datetime(out[col])
    return out


def run_suite(name: str, frame: pd.DataFrame, suite: list[Expect], docs_dir: Path) -> pd.DataFrame:
    """Validate `frame`; one result row per expectation (kind, column, severity, success,
    unexpected count)."""
    import great_expectations as gx

    docs_dir.mkdir(parents=True, exist_ok=True)
    ctx = _context(str(docs_dir))
    source = ctx.data_sources.add_or_update_pandas(f"{name}_source")
    batch_def = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe("all")
    gx_suite = ctx.suites.add_or_update(gx.ExpectationSuite(name=f"{name}_suite"))
    gx_suite.expectations = []  # add_or_update keeps earlier runs' expectations otherwise
    declared = {}
    derived = [e.derive[0] for e in suite if e.derive]
    for e in suite:
        kwargs = e.kwargs
        if e.kind == "ExpectTableColumnsToMatchSet":  # the derived reference columns are part of the batch
            kwargs = {**kwargs, "column_set": [*kwargs["column_set"], *derived]}
        added = gx_suite.add_expectation(getattr(gx.expectations, e.kind)(**kwargs))
        declared[added.id] = e
    vd = ctx.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=f"{name}_validation", data=batch_def, suite=gx_suite)
    )
    checkpoint = ctx.checkpoints.add_or_update(
        gx.Checkpoint(
            name=f"{name}_checkpoint",
            validation_definitions=[vd],
            actions=[gx.checkpoint.UpdateDataDocsAction(name="data_docs")],
        )
    )
    batch = _for_ge(frame)
    for e in suite:
        if e.derive:
            new, source, keys = e.derive
            # from the frame as read, where a list field is still a list
            batch[new] = is_known(frame[source], keys).to_numpy()
    result = checkpoint.run(batch_parameters={"dataframe": batch})
    rows = []
    for run in result.run_results.values():
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
    data_docs_index.record(docs_dir, name, out, passed(out)[1])
    return out


def passed(results: pd.DataFrame) -> tuple[bool, str]:
    """(no error-level failure, the worst severity seen)."""
    failed = results[~results["success"]]
    if (failed["severity"] == ERROR).any():
        return False, ERROR
    return True, WARNING if len(failed) else "ok"
