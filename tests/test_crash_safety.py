"""Nothing a file contains crashes a run (issue 13): a register with no rows, garbage in any
register's folder, a missing or empty inbox, a garbage or invalid manifest.yaml. Each is one
plain message (zh and en) naming the file and what to do; the other registers still load and
the graph is built. The oracle for "the others still load" is the sample's own run."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from pipelines.inbox import InboxError, check_inbox
from pipelines.settings import SAMPLE_DIR, Settings
from sanshe.run import run_pipeline

NUMBERS = ["rows_read", "rows_accepted", "rows_quarantined", "warnings"]


def _garbage(path: Path, kind: str) -> None:
    rng = random.Random(path.name)
    if kind == "random bytes":
        path.write_bytes(bytes(rng.randrange(256) for _ in range(4096)))
    elif kind == "zip":
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("readme.txt", "not a workbook")
    elif kind == "pdf":
        path.write_bytes(b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + bytes(range(256)))
    elif kind == "empty":
        path.write_bytes(b"")


#: (file, what it holds): one for each register's folder and pattern
GARBAGE = [
    ("communities/communities_x.csv", "random bytes"),
    ("communities/district_changes_x.xlsx", "zip"),
    ("organisations/organisations_x.xlsx", "pdf"),
    ("organisations/annual_inspections_x.csv", "pdf"),
    ("hubs/hubs_x.xls", "random bytes"),
    ("hubs/hub_memberships_x.csv", "empty"),
    ("workers/social_workers_x.xlsx", "empty"),
    ("projects/projects_x.xlsx", "zip"),
    ("evaluations/evaluations_x.csv", "random bytes"),
]


def _accounting(out: Path) -> pd.DataFrame:
    acc = pd.read_csv(out / "quarantine" / "accounting.csv", dtype=str, keep_default_na=False)
    acc["part"] = [f"{f}[{s}]" if s else f for f, s in zip(acc["file"], acc["sheet"], strict=True)]
    return acc.set_index("part")


def _sanshe(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SANSHE_")}
    return subprocess.run(
        [sys.executable, "-c", "import sys; from sanshe.cli import main; sys.exit(main())", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


def test_garbage_in_every_registers_folder_is_one_message_each_and_the_rest_loads(inbox, tmp_path, sample_run):
    for name, kind in GARBAGE:
        _garbage(inbox / name, kind)
    (inbox / "decisions").mkdir(exist_ok=True)
    _garbage(inbox / "decisions" / "provider_matches.csv", "pdf")  # a person's decisions, unreadable
    out = tmp_path / "out"
    done = _sanshe("run", "--source", str(inbox), "--output", str(out))
    printed = done.stdout + done.stderr
    assert "Traceback" not in printed
    assert done.returncode == 0, printed
    acc, want = _accounting(out), _accounting(sample_run[0].output_dir)
    for name, kind in GARBAGE:
        row = acc.loc[name]
        if kind == "empty":
            assert row[NUMBERS].tolist() == ["0", "0", "0", "0"] and "empty file" in row["note"], name
        else:  # one entry for the whole file, so read = accepted + quarantined still holds
            assert row[NUMBERS].tolist() == ["1", "0", "1", "0"], name
            assert "unreadable_file" in row["note"] and "文件无法读取" in row["note"], name
        assert name in printed  # the terminal names the file
    decisions = acc.loc["decisions/provider_matches.csv"]
    assert decisions["rows_read"] == "0" and "decisions not read" in decisions["note"]
    q = pd.read_csv(out / "quarantine" / "quarantine.csv", dtype=str, keep_default_na=False)
    for name, kind in GARBAGE:
        if kind != "empty":
            assert q.loc[q["file"] == name, "rule"].tolist() == ["unreadable_file"], name
    # every sample file is read as without the garbage, and the graph is the sample's
    assert acc.loc[want.index, NUMBERS].equals(want[NUMBERS])
    counts = json.loads((out / "run_summary.json").read_text(encoding="utf-8"))["graph"]
    assert counts == sample_run[1].graph_counts


def test_a_register_with_no_rows_or_no_file_leaves_the_others_as_they_are(inbox, tmp_path, sample_run):
    shutil.rmtree(inbox / "evaluations")  # no file at all
    for path in (inbox / "hubs").glob("hub_memberships*.csv"):  # files with a header and no row
        path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    outcome = run_pipeline(Settings(inbox, tmp_path / "out"))
    assert outcome.success, outcome.error
    acc = outcome.accounting
    missing = acc[acc["register"] == "evaluations"]
    assert (
        len(missing) == 1
        and "no file" in missing["note"].iloc[0]
        and "evaluations/evaluations*" in missing["note"].iloc[0]
    )
    assert (acc.loc[acc["register"] == "hub_memberships", "rows_read"] == 0).all()
    want = sample_run[1].accounting
    for register in ("communities", "organisations", "hubs", "workers", "projects"):
        assert (
            acc[acc["register"] == register][NUMBERS].to_numpy().tolist()
            == want[want["register"] == register][NUMBERS].to_numpy().tolist()
        ), register
    assert outcome.graph_counts["Evaluation"] == 0 and outcome.graph_counts["MEMBER_OF"] == 0
    assert outcome.graph_counts["Project"] == sample_run[1].graph_counts["Project"]


def test_every_register_empty_still_builds_a_graph(inbox, tmp_path):
    for path in inbox.rglob("*.csv"):
        if path.parent.name != "decisions":
            path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    outcome = run_pipeline(Settings(inbox, tmp_path / "out"))
    assert outcome.success, outcome.error
    assert outcome.graph_counts["SocialOrganisation"] == 0 and outcome.graph_counts["Dataset"] == 1
    assert (outcome.accounting["rows_read"] == 0).all()
    # a check that did not pass says why, in the outcome and in run_summary.json
    summary = json.loads((tmp_path / "out" / "run_summary.json").read_text(encoding="utf-8"))
    assert summary["checks"] == outcome.checks
    assert all(c["reason"] for c in outcome.checks if not c["passed"])


def test_a_failed_expectation_says_which_and_how_many():
    from pipelines.quality.checks import failure_reason

    results = pd.DataFrame(
        [
            {
                "expectation": "ExpectColumnValuesToBeUnique",
                "column": "uscc",
                "severity": "error",
                "success": False,
                "unexpected": 3,
            },
            {
                "expectation": "ExpectTableRowCountToBeBetween",
                "column": "",
                "severity": "warning",
                "success": False,
                "unexpected": 0,
            },
            {
                "expectation": "ExpectColumnValuesToNotBeNull",
                "column": "name",
                "severity": "error",
                "success": True,
                "unexpected": 0,
            },
        ]
    )
    assert failure_reason(results) == (
        "ExpectColumnValuesToBeUnique(uscc) error: 3 unexpected; ExpectTableRowCountToBeBetween() warning"
    )
    assert failure_reason(results[results["success"]]) == ""


def test_a_missing_inbox_is_one_message(tmp_path):
    outcome = run_pipeline(Settings(tmp_path / "no-such-inbox", tmp_path / "out"))
    assert not outcome.success
    assert "does not exist" in outcome.error and "不存在" in outcome.error and "no-such-inbox" in outcome.error
    done = _sanshe("run", "--source", str(tmp_path / "no-such-inbox"), "--output", str(tmp_path / "out"))
    assert done.returncode == 1 and "Traceback" not in done.stdout + done.stderr
    assert "does not exist" in done.stderr


def test_an_empty_inbox_is_one_message(tmp_path):
    (tmp_path / "inbox" / "projects").mkdir(parents=True)
    with pytest.raises(InboxError, match="is empty") as err:
        check_inbox(tmp_path / "inbox")
    assert "空的" in str(err.value)


@pytest.mark.parametrize(
    "text,says",
    [
        (b"\x89\xff\x00garbage\x9c", "not valid YAML"),
        (b"district_code: [310106\nsnapshot_date: ]]", "not valid YAML"),
        (b"- 310106\n- 2025-12-31\n", "key: value"),
        (b"district_code: '310106'\n", "snapshot_date (the day the data describes) is missing"),
        (b"snapshot_date: 2025-13-45\n", "write it as YYYY-MM-DD"),
        (b"snapshot_date: 31/12/2025\n", "write it as YYYY-MM-DD"),
    ],
)
def test_a_garbage_manifest_is_one_message_naming_it(tmp_path, text, says):
    inbox = tmp_path / "inbox"
    shutil.copytree(SAMPLE_DIR, inbox)
    (inbox / "manifest.yaml").write_bytes(text)
    outcome = run_pipeline(Settings(inbox, tmp_path / "out"))
    assert not outcome.success and says in outcome.error and "manifest.yaml" in outcome.error
    assert any("\u4e00" <= ch <= "\u9fff" for ch in outcome.error)  # and in Chinese


def test_a_missing_manifest_is_one_message(tmp_path):
    inbox = tmp_path / "inbox"
    shutil.copytree(SAMPLE_DIR, inbox)
    (inbox / "manifest.yaml").unlink()
    with pytest.raises(InboxError, match="manifest.yaml is missing"):
        check_inbox(inbox)


def test_a_valid_manifest_gives_its_date():
    assert str(check_inbox(SAMPLE_DIR)["snapshot_date"]) == "2025-12-31"
