"""One composition root: `sanshe run` executes the definitions `dagster dev` loads, records the
run in a persistent instance the UI reads, and an error-level check blocks the graph load (and
not the run's Data Docs)."""

from __future__ import annotations

import csv
import gc
import json
import shutil

import pandas as pd
import pytest
from dagster import AssetCheckKey, AssetKey

from pipelines.graph.store import EmbeddedGraphStore
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


def _broken_projects_suite(real):
    """`real` (checks.run_suite) with one error-level expectation of the projects suite failed."""

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

    return broken_projects_suite


def test_a_failed_error_check_stops_the_graph_load_and_says_why(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(checks, "run_suite", _broken_projects_suite(checks.run_suite))
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
    # the quarantine report does not wait for the check: a clerk whose run it stopped has it
    assert "this run's quarantine report" in err
    accounting = pd.read_csv(out / "quarantine" / "accounting.csv")
    assert (accounting["rows_read"] == accounting["rows_accepted"] + accounting["rows_quarantined"]).all()
    assert len(summary["accounting"]) == len(accounting) > 0
    # the Data Docs are built after a blocked run too, when they matter most
    docs = json.loads((out / "data_docs" / "sanshe_suites.json").read_text(encoding="utf-8"))
    assert "projects" in docs and (out / "data_docs" / docs["projects"]["page"]).is_file()


def test_a_run_the_check_stops_leaves_the_graph_as_it_was_and_no_copy_of_it(tmp_path, monkeypatch, capsys):
    """graph_changes builds the changed part and copies the graph file before the blocking check
    ends: when the check fails, the graph stays as it was and the copy goes; and no release is
    made of the earlier run's graph beside this run's reports."""
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    shutil.copytree(SAMPLE_DIR, inbox)
    assert main(["run", "--source", str(inbox), "--output", str(out)]) == 0
    before = EmbeddedGraphStore(out / "graph.lbug").fingerprint()
    path = inbox / "evaluations" / "evaluations.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    score = rows[0].index("评估得分")
    rows[1][score] = f"{float(rows[1][score]) - 0.5:.1f}"  # a score a little lower, its grade kept
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)

    monkeypatch.setattr(checks, "run_suite", _broken_projects_suite(checks.run_suite))
    assert main(["run", "--source", str(inbox), "--output", str(out)]) == 1
    with open_instance(Settings(inbox, out)) as instance:
        made = instance.get_latest_materialization_event(AssetKey("graph_changes"))
        assert made is not None and made.asset_materialization is not None
        assert made.asset_materialization.metadata["parts_built"].value == ["evaluations"]
    gc.collect()  # the run's outputs let go of: graph_changes' copy of the graph file with them
    assert EmbeddedGraphStore(out / "graph.lbug").fingerprint() == before
    assert not list(out.glob(".load-*")), "the copy of the graph made for a load that never ran was left"
    capsys.readouterr()
    assert main(["release", "--output", str(out)]) == 1
    assert "the last run into" in capsys.readouterr().err
    assert not (out / "releases").exists()


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
