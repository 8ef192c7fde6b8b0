"""One composition root: `sanshe run` executes the definitions `dagster dev` loads, records the
run in a persistent instance the UI reads, and an error-level check blocks the graph load (and
not the run's Data Docs)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from dagster import AssetCheckKey, AssetKey

from pipelines.quality import checks
from pipelines.settings import SAMPLE_DIR, Settings
from sanshe.cli import main
from sanshe.run import open_instance


def test_the_run_is_recorded_where_the_ui_reads_it(sample_run):
    settings, outcome = sample_run
    with open_instance(settings) as instance:
        for key in ("communities_raw", "projects_resolved", "resolved_registers", "graph"):
            assert instance.get_latest_materialization_event(AssetKey(key)) is not None, key
        for c in outcome.checks:
            check = AssetCheckKey(AssetKey(c["asset"]), c["check"])
            history = instance.event_log_storage.get_asset_check_execution_history(check, limit=1)
            assert history and history[0].status.value == "SUCCEEDED", c


def test_a_failed_error_check_stops_the_graph_load_and_says_why(tmp_path, monkeypatch, capsys):
    real = checks.run_suite

    def broken_projects_suite(register, frame, suite, docs):
        results = real(register, frame, suite, docs)
        if register == "projects":  # as if a reference to an unknown provider had slipped through
            broken = pd.DataFrame(
                [
                    {
                        "expectation": "ExpectColumnValuesToBeInSet",
                        "column": "provider_uscc",
                        "severity": "error",
                        "success": False,
                        "unexpected": 3,
                    }
                ]
            )
            results = pd.concat([results, broken], ignore_index=True)
        return results

    monkeypatch.setattr(checks, "run_suite", broken_projects_suite)
    out = tmp_path / "out"
    code = main(["run", "--source", str(SAMPLE_DIR), "--output", str(out)])
    err = capsys.readouterr().err
    assert code == 1
    assert "projects_resolved" in err and "ExpectColumnValuesToBeInSet(provider_uscc) error: 3 unexpected" in err
    assert not (out / "graph.lbug").exists(), "the graph was loaded despite a failed error-level check"
    summary = json.loads((out / "run_summary.json").read_text(encoding="utf-8"))
    assert summary["success"] is False
    failed = [c for c in summary["checks"] if not c["passed"]]
    # the register's check says what failed; the check of every suite the run validated, which
    # blocks the graph load, says which register's suite failed
    assert [c["asset"] for c in failed] == ["projects_resolved", "resolved_registers"]
    assert "provider_uscc" in failed[0]["reason"] and failed[1]["reason"].startswith("projects: ")
    assert "so the graph was not loaded" in err
    # the Data Docs are built after a blocked run too, when they matter most
    docs = json.loads((out / "data_docs" / "sanshe_suites.json").read_text(encoding="utf-8"))
    assert "projects" in docs and (out / "data_docs" / docs["projects"]["page"]).is_file()


@pytest.mark.parametrize("severity", ["warning"])
def test_a_failed_warning_check_does_not_stop_the_graph(tmp_path, monkeypatch, severity):
    real = checks.run_suite

    def warned(register, frame, suite, docs):
        results = real(register, frame, suite, docs)
        if register == "workers":
            extra = pd.DataFrame(
                [
                    {
                        "expectation": "ExpectTableRowCountToBeBetween",
                        "column": "",
                        "severity": severity,
                        "success": False,
                        "unexpected": 0,
                    }
                ]
            )
            results = pd.concat([results, extra], ignore_index=True)
        return results

    monkeypatch.setattr(checks, "run_suite", warned)
    from sanshe.run import run_pipeline

    outcome = run_pipeline(Settings(SAMPLE_DIR, tmp_path / "out"))
    assert outcome.success and (tmp_path / "out" / "graph.lbug").exists()
    assert [c["asset"] for c in outcome.checks if not c["passed"]] == ["workers_resolved"]
