"""The run's quality pages read with no network: the Data Docs index lists every suite with its
result in plain HTML, and the quarantine page puts errors (rows not loaded) before warnings
(rows loaded), grouped by register, file and rule with counts that add up to the CSVs."""

from __future__ import annotations

import csv
import json
import re

from pipelines.quality.checks import SUITES
from pipelines.quality.data_docs_index import MARK


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
