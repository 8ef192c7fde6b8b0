"""The run's quality pages read with no network: the Data Docs index lists every suite with its
result in plain HTML, also after a partial run that re-ran one suite, the site is built once a
run, and the quarantine page puts errors (rows not loaded) before warnings (rows loaded),
grouped by register, file and rule with counts that add up to the CSVs."""

from __future__ import annotations

import csv
import json
import os
import re

from dagster import DagsterInstance
from great_expectations.data_context import AbstractDataContext

from pipelines.definitions import ASSETS, JOB_NAME, build_definitions
from pipelines.quality import gx
from pipelines.quality.checks import SUITES
from pipelines.quality.data_docs_index import MARK
from pipelines.sensors import plan
from pipelines.settings import Settings
from sanshe.run import run_pipeline


def test_data_docs_index_lists_every_suite_with_its_result_without_scripts(sample_run):
    docs = sample_run[0].data_docs_dir
    text = (docs / "index.html").read_text(encoding="utf-8")
    assert text.count(MARK) == 2
    section = text.split(MARK)[1]
    assert "<script" not in section and "http" not in section
    recorded = json.loads((docs / "sanshe_suites.json").read_text(encoding="utf-8"))
    assert set(recorded) == set(SUITES)
    checks = {
        c["asset"].removesuffix("_resolved"): c
        for c in json.loads((sample_run[0].output_dir / "run_summary.json").read_text(encoding="utf-8"))["checks"]
    }
    for name, suite in recorded.items():
        row = re.search(rf'<a href="([^"]+)">{name}</a></td><td[^>]*><b>([^<]+)</b>', section)
        assert row and (docs / row.group(1)).is_file(), name
        assert ("passed" in row.group(2)) == (suite["result"] == "ok")
        assert (suite["failed"] == 0) == checks[name]["passed"], name


def _listed(docs) -> dict[str, str]:
    """Suite -> the page its row in the offline index links to (checked to exist)."""
    section = (docs / "index.html").read_text(encoding="utf-8").split(MARK)[1]
    links = dict((name, page) for page, name in re.findall(r'<td><a href="([^"]+)">(\w+)</a></td>', section))
    for name, page in links.items():
        assert (docs / page).is_file(), name
    return links


def test_data_docs_are_built_once_a_run_and_keep_every_suite_after_a_partial_run(inbox, tmp_path, monkeypatch):
    # each build noted in a file: a partial run's suite is rendered by the child validating it
    noted = tmp_path / "builds"
    real = AbstractDataContext.build_data_docs

    class Builds:
        def __len__(self) -> int:
            return len(noted.read_text().split()) if noted.exists() else 0

        def clear(self) -> None:
            noted.unlink(missing_ok=True)

    builds = Builds()

    def build(self, *args, **kwargs):
        with noted.open("a") as fh:
            fh.write(f"{os.getpid()}\n")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(AbstractDataContext, "build_data_docs", build)
    settings = Settings(inbox, tmp_path / "out", workers=2)  # the suites validated in forked children
    assert run_pipeline(settings).success
    assert len(builds) == 1, "the Data Docs site was built more than once in one run"
    full = _listed(settings.data_docs_dir)
    assert set(full) == set(SUITES)

    # the sensor's partial run after evaluations changed, in a process of its own (a fresh GE context)
    gx.reset()
    builds.clear()
    path = inbox / "evaluations" / "evaluations.csv"
    path.write_text("".join(path.read_text(encoding="utf-8").splitlines(keepends=True)[:-30]), encoding="utf-8")
    job = build_definitions(settings).resolve_job_def(JOB_NAME)
    with DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(instance=instance, asset_selection=plan(["evaluations"], ASSETS))
    assert result.success
    suites = [
        c.asset_key.to_user_string() for c in result.get_asset_check_evaluations() if c.check_name == "expectations"
    ]
    assert suites == ["evaluations_resolved"]
    # the check that blocks the graph load took this run's suite only: the others' registers were
    # loaded from the run that checked them
    (gate,) = [c for c in result.get_asset_check_evaluations() if c.check_name == "expectations_passed"]
    assert gate.passed and gate.metadata["suites"].value == 1
    assert len(builds) == 1
    # by the child that validated the suite: the run's process did not load Great Expectations
    assert noted.read_text().split() != [str(os.getpid())] and not gx.loaded(settings.data_docs_dir)
    partial = _listed(settings.data_docs_dir)
    assert set(partial) == set(SUITES)
    assert partial["evaluations"] != full["evaluations"]  # this run's page
    assert {k: v for k, v in partial.items() if k != "evaluations"} == {
        k: v for k, v in full.items() if k != "evaluations"
    }
    recorded = json.loads((settings.data_docs_dir / "sanshe_suites.json").read_text(encoding="utf-8"))
    assert {name: s["page"] for name, s in recorded.items()} == partial


def _rows(path):
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_quarantine_page_errors_first_grouped_with_counts(sample_run):
    folder = sample_run[0].quarantine_dir
    text = (folder / "index.html").read_text(encoding="utf-8")
    groups = re.findall(
        r'<details class="g (\w+)" data-register="([^"]*)" data-rule="([^"]*)" '
        r'data-severity="\w+" data-count="(\d+)"',
        text,
    )
    severities = [g[0] for g in groups]
    assert severities == sorted(severities, key=["error", "warning"].index)
    for severity, csv_name in (("error", "quarantine.csv"), ("warning", "warnings.csv")):
        rows = _rows(folder / csv_name)
        assert sum(int(n) for s, _, _, n in groups if s == severity) == len(rows)
        want = {}
        for r in rows:
            want[(r["source"], r["rule"])] = want.get((r["source"], r["rule"]), 0) + 1
        got = {}
        for s, reg, rule, n in groups:
            if s == severity:
                got[(reg, rule)] = got.get((reg, rule), 0) + int(n)
        assert got == want
    assert "未导入" in text and "were <b>not loaded</b>" in text and "<b>were loaded</b>" in text


def test_quarantine_page_cells_are_each_value_escaped_and_a_missing_value_empty():
    """The page's cells, made a column at a time, against each value escaped by the standard
    library one at a time."""
    import html

    import pandas as pd

    from pipelines.quality import quarantine_page

    values = [None, float("nan"), pd.NA, "<b>&\"'</b>", 12, 1.5, "上海市·静安区"]
    issues = pd.DataFrame(
        {
            "source": "projects",
            "file": "projects/项目.xlsx",
            "sheet": ["", "Sheet1", None, "<s>", "", "", ""],
            "row": pd.array([1, None, 3, 4, 5, 6, 7], dtype="Int64"),
            "column": "预算",
            "rule": "budget_range",
            "severity": "warning",
            "value": pd.Series(values, dtype=object),
            "message_zh": "说明 & <提示>",
            "message_en": "it's > 0",
        }
    )
    acc = pd.DataFrame({"register": ["projects"], "rows_read": [7]})
    page = quarantine_page.render(acc, issues)

    def cell(v) -> str:
        return "" if v is None or v is pd.NA or (isinstance(v, float) and v != v) else html.escape(str(v))

    for rec in issues.to_dict("records"):
        want = "<tr>" + "".join(
            f"<td{' class=n' if c == 'row' else ''}>{cell(rec[c])}</td>" for c, _, _ in quarantine_page.ROW_COLUMNS
        )
        assert want + "</tr>" in page, rec
    assert "<b>&" not in page and "&lt;b&gt;&amp;&quot;&#x27;&lt;/b&gt;" in page
