"""The Great Expectations suites catch what they declare: a suite run on a table with a
duplicate key, an unknown reference, a value outside its set and an extra column fails exactly
those expectations, and passes on the same table once it is mended. GE validates the frame's own
columns (only those its expectations compare are converted) and does not fingerprint them."""

from __future__ import annotations

import datetime as dt
import gc
import weakref

import pandas as pd
import pandas._testing as tm
from great_expectations.checkpoint import Checkpoint
from great_expectations.execution_engine import pandas_execution_engine

from data_contracts import EvaluationRecord
from data_contracts.evaluations import expectations as evaluations_x
from data_contracts.expectations import columns_exactly, references, unique_per_snapshot
from pipelines.quality.gx import build_docs, passed, run_suite


def _evaluations(**changes) -> pd.DataFrame:
    rows = pd.DataFrame(
        {
            "evaluation_id": ["EV-2024-00001", "EV-2024-00002", "EV-2024-00003"],
            "project_id": ["MZ-2024-001", "MZ-2024-002", None],
            "evaluator": ["甲评估所", "乙评估所", "甲评估所"],
            "eval_date": [dt.date(2024, 6, 1)] * 3,
            "score": [91.0, 75.5, 60.0],
            "grade": ["优秀", "良好", "合格"],
            "_file": ["evaluations/evaluations.csv"] * 3,
            "_row": [2, 3, 4],
            "_asof": [dt.date(2024, 12, 31)] * 3,
        }
    )
    for column, (at, value) in changes.items():
        rows[column] = rows[column].astype(object)
        rows.at[at, column] = value
    return rows


def _suite() -> list:
    return [*evaluations_x.suite(), *references(EvaluationRecord, {"project_id": {"MZ-2024-001", "MZ-2024-002"}})]


def _failed(frame: pd.DataFrame, tmp_path, extra=()) -> set[tuple[str, str]]:
    suite = [*_suite(), *extra]
    results = run_suite("evaluations_test", frame, suite, tmp_path / "docs")
    return {(r.expectation, r.column) for r in results.itertuples() if not r.success}


def test_a_clean_table_passes(tmp_path):
    frame = _evaluations()
    assert _failed(frame, tmp_path) == set()
    assert passed(run_suite("evaluations_ok", frame, _suite(), tmp_path / "docs")) == (True, "ok")


def test_each_broken_expectation_is_named(tmp_path):
    frame = _evaluations(evaluation_id=(1, "EV-2024-00001"), project_id=(0, "MZ-2024-999"), grade=(2, "极好"))
    columns = [c for c in frame.columns if not c.startswith("_")] + ["asof"]
    failed = _failed(frame.assign(phone="13800000000"), tmp_path, [columns_exactly(columns)])
    assert failed == {
        ("ExpectColumnValuesToBeUnique", "evaluation_id"),
        ("ExpectColumnValuesToBeInSet", "project_id"),  # the derived project_id_is_known column
        ("ExpectColumnValuesToBeInSet", "grade"),
        ("ExpectTableColumnsToMatchSet", ""),
    }


def test_ge_validates_the_frames_own_columns_without_fingerprinting_them(tmp_path, monkeypatch):
    batches, hashed = [], []
    real_run = Checkpoint.run

    def run(self, *args, batch_parameters=None, **kwargs):
        batches.append(batch_parameters["dataframe"])
        return real_run(self, *args, batch_parameters=batch_parameters, **kwargs)

    monkeypatch.setattr(Checkpoint, "run", run)
    monkeypatch.setattr(pandas_execution_engine, "hash_pandas_dataframe", lambda df: hashed.append(df) or "")
    frame = _evaluations().assign(reviewers=[["甲", "乙"], ["丙"], []])  # a list column no expectation reads
    suite = [*_suite(), unique_per_snapshot("evaluation_id")]  # compares the snapshot dates
    assert passed(run_suite("evaluations_shared", frame, suite, tmp_path / "docs")) == (True, "ok")
    (batch,) = batches
    assert not hashed, "GE hashed every column of the batch for its fingerprint"
    for column in ("score", "eval_date", "reviewers", "evaluator"):  # read by no expectation, or already scalar
        assert tm.shares_memory(batch[column], frame[column]), column
    assert batch["reviewers"].tolist() == [["甲", "乙"], ["丙"], []]
    assert str(batch["asof"].dtype).startswith("datetime64")


def test_a_validated_batch_is_not_kept_once_its_suite_has_run(tmp_path, monkeypatch):
    """GE's data source caches each batch's data for as long as it lives (the run): every
    register's batch would stay in memory through the graph load. run_suite lets it go."""
    batches = []
    real_run = Checkpoint.run

    def run(self, *args, batch_parameters=None, **kwargs):
        batches.append(weakref.ref(batch_parameters["dataframe"]))
        return real_run(self, *args, batch_parameters=batch_parameters, **kwargs)

    monkeypatch.setattr(Checkpoint, "run", run)
    frame = _evaluations()
    results = run_suite("evaluations_forgotten", frame, _suite(), tmp_path / "docs")
    assert passed(results) == (True, "ok")
    gc.collect()
    assert [b() for b in batches] == [None]
    # and the Data Docs, rendered from the validation results, still show the suite
    assert build_docs(tmp_path / "docs") == ["evaluations_forgotten"]
    assert any("evaluations_forgotten" in p.name for p in (tmp_path / "docs").rglob("*.html"))


def test_the_data_docs_of_a_failed_suite_show_how_many_values_were_unexpected_and_which(tmp_path):
    """What GE works out (RESULT_FORMAT, BASIC) is still what a clerk reads on the page: each
    failed expectation's unexpected count and a sample of the values (BOOLEAN_ONLY fails this)."""
    frame = _evaluations(evaluation_id=(1, "EV-2024-00001"), grade=(2, "极好"))
    results = run_suite("evaluations_shown", frame, _suite(), tmp_path / "docs")
    assert dict(zip(results["column"], results["unexpected"], strict=True))["grade"] == 1
    assert build_docs(tmp_path / "docs") == ["evaluations_shown"]
    (page,) = (tmp_path / "docs" / "validations").rglob("*.html")
    text = page.read_text(encoding="utf-8")
    assert "2 unexpected values found" in text and "EV-2024-00001" in text  # the duplicated key
    assert "1 unexpected values found" in text and "极好" in text  # the grade outside the set


def test_list_cells_reach_the_suites_as_the_same_text_arrow_or_python():
    """A list column is joined by ";" for Great Expectations (it compares scalars): Arrow lists,
    as a run's registers hold them, and Python lists, as a register stored by an earlier version
    holds them, give the same text, a missing list None and an empty one ""."""
    import pandas as pd

    from data_contracts.lists import TEXT_LISTS
    from pipelines.quality.gx import _scalars

    cells = [["110101001001", "110101001002"], None, [], ["甲"]]
    arrow = _scalars(pd.Series(pd.array(cells, dtype=TEXT_LISTS), index=[4, 5, 6, 7]))
    python = _scalars(pd.Series(cells, dtype=object, index=[4, 5, 6, 7]))
    assert arrow.tolist() == python.tolist() == ["110101001001;110101001002", None, "", "甲"]
    assert list(arrow.index) == [4, 5, 6, 7]
