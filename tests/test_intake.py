"""Real-world intake on a messy inbox (tests/corpus/messy.py): several encodings, a workbook with
a banner, a blank row and a totals row, full-width values, every amount and date spelling,
forged check characters, duplicate codes, orphan references, misspelt provider names, damaged
files. Each defect's outcome is checked, and rows read = accepted + quarantined for every file.
Then: the same input gives the same graph, a decisions file changes the matched provider, and
a run killed during the graph load leaves the old graph usable."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from pipelines.common.matching import normalise
from pipelines.graph.store import EmbeddedGraphStore
from pipelines.settings import SAMPLE_DIR, Settings
from sanshe.run import run_pipeline
from tests.corpus.messy import Expected, build


@pytest.fixture(scope="module")
def messy(tmp_path_factory) -> tuple[Path, Settings, Expected]:
    inbox = tmp_path_factory.mktemp("messy") / "inbox"
    expected = build(inbox)
    settings = Settings(inbox, inbox.parent / "out")
    outcome = run_pipeline(settings)
    assert outcome.success, "the pipeline failed on the messy inbox"
    return inbox, settings, expected


def _csv(settings: Settings, name: str) -> pd.DataFrame:
    return pd.read_csv(settings.quarantine_dir / name, dtype=str, keep_default_na=False)


def _awarded_to(settings: Settings, project_id: str) -> list[str]:
    df = EmbeddedGraphStore(settings.graph_path).query(
        "MATCH (p:Project {project_id: $id})-[:AWARDED_TO]->(o:SocialOrganisation) RETURN o.uscc AS uscc",
        {"id": project_id},
    )
    return list(df["uscc"])


def test_every_file_is_read_the_right_way_and_adds_up(messy):
    _, settings, exp = messy
    acc = _csv(settings, "accounting.csv")
    acc["part"] = [f"{f}[{s}]" if s else f for f, s in zip(acc["file"], acc["sheet"], strict=True)]
    acc = acc.set_index("part")
    for part, fmt in exp.formats.items():
        assert acc.loc[part, "format"] == fmt, part
    for part, n in exp.rows.items():
        assert int(acc.loc[part, "rows_read"]) == n, part
    nums = acc[["rows_read", "rows_accepted", "rows_quarantined"]].astype(int)
    assert (nums["rows_read"] == nums["rows_accepted"] + nums["rows_quarantined"]).all()


def test_each_defect_is_quarantined_where_it_is(messy):
    _, settings, exp = messy
    q = _csv(settings, "quarantine.csv")
    found = set(zip(q["source"], q["file"], q["sheet"], q["row"].astype(int), q["rule"], strict=True))
    missing = [d for d in exp.quarantined if d not in found]
    assert not missing, missing
    assert (q["message_zh"] != "").all() and (q["message_en"] != "").all()


def test_kept_rows_carry_their_warnings(messy):
    _, settings, exp = messy
    w = _csv(settings, "warnings.csv")
    found = set(zip(w["source"], w["file"], w["sheet"], w["row"].astype(int), w["rule"], strict=True))
    assert [d for d in exp.warned if d not in found] == []


def test_every_spelling_is_read_as_its_value(messy):
    """Amounts in 万元 (header or cell), with commas and ¥; dates as Chinese forms, slashes,
    dots, Excel date cells and serial numbers; grades as AAAAA and 5A级; yes/no as 有/无 and
    Y/N; full-width codes and digits; a line break inside a name."""
    _, settings, exp = messy
    tables: dict[str, pd.DataFrame] = {}
    wrong = []
    for table, key, value, column, want in exp.accepted:
        if table not in tables:
            df = pd.read_parquet(settings.tables_dir / f"{table}.parquet")
            tables[table] = df[df["asof"] == df["asof"].max()]
        rows = tables[table][tables[table][key] == value]
        assert len(rows) == 1, (table, key, value)
        got = rows.iloc[0][column]
        if isinstance(want, dt.date):
            got = pd.Timestamp(got).date()
        if got != want:
            wrong.append((table, value, column, got, want))
    assert wrong == []


def test_yes_no_spellings_are_read(messy):
    inbox, settings, _ = messy
    mem = pd.read_parquet(settings.tables_dir / "hub_memberships.parquet")
    mem = mem[mem["asof"] == mem["asof"].max()]
    original = pd.read_csv(SAMPLE_DIR / "hubs" / "hub_memberships.csv", dtype=str)
    want = dict(zip(original["统一社会信用代码"], original["是否建立党组织"] == "是", strict=True))
    got = dict(zip(mem["uscc"], mem["has_party_branch"], strict=True))
    assert got and all(bool(v) == want[k] for k, v in got.items())


def test_unknown_columns_and_skipped_rows_are_reported(messy):
    _, settings, exp = messy
    acc = _csv(settings, "accounting.csv")
    notes = dict(zip(acc["file"], acc["note"], strict=True))
    for file, header in exp.unknown.items():
        assert f"unknown columns not loaded: {header}" in notes[file]
    for part, row, why in exp.skipped:
        file = part.split("[")[0]
        assert why in notes[file] and str(row) in notes[file], (part, row, why)


def test_providers_are_matched_by_name_and_listed(messy):
    _, settings, exp = messy
    matches = _csv(settings, "provider_matches.csv")
    assert len(matches) == len(exp.matched)
    for pid, code in exp.matched.items():
        assert _awarded_to(settings, pid) == [code], pid
    assert set(matches["matched_uscc"]) == set(exp.matched.values())


def test_name_normalisation_folds_the_usual_variants():
    places = ["静安区"]
    assert normalise("上海市静安区阳光社会工作服务社", places) == normalise("阳光社工服务社（民办非企业单位）", places)
    assert normalise("静安阳光社工服务中心", places) == normalise("上海市静安区阳光社工中心", places)
    assert normalise("上海市静安区阳光社工服务社", places) != normalise("上海市静安区月光社工服务社", places)


def test_the_reports_are_sorted_for_a_clerk(messy):
    _, settings, _ = messy
    q = _csv(settings, "quarantine.csv")
    key = list(zip(q["source"], q["file"], q["sheet"], q["row"].astype(int), strict=True))
    by_source = {}
    for k in key:
        by_source.setdefault(k[0], []).append(k[1:])
    assert all(v == sorted(v) for v in by_source.values())


def test_same_input_same_graph_and_same_reports(messy, tmp_path):
    inbox, settings, _ = messy
    before = EmbeddedGraphStore(settings.graph_path).fingerprint()
    reports = {p.name: p.read_bytes() for p in settings.quarantine_dir.glob("*.csv")}
    tables = {p.name: p.read_bytes() for p in settings.tables_dir.glob("*")}
    assert run_pipeline(settings).success  # a re-run into the same output folder
    assert EmbeddedGraphStore(settings.graph_path).fingerprint() == before
    assert {p.name: p.read_bytes() for p in settings.quarantine_dir.glob("*.csv")} == reports
    assert {p.name: p.read_bytes() for p in settings.tables_dir.glob("*")} == tables


def test_a_decisions_file_changes_the_matched_provider_on_the_next_run(messy, tmp_path):
    inbox, settings, exp = messy
    review = _csv(settings, "provider_review.csv")
    matches = _csv(settings, "provider_matches.csv")
    # 1. a well-formed code nobody registered: quarantined, its name's candidate under review
    unknown = review[review["written_uscc"] != ""].iloc[0]
    q = _csv(settings, "quarantine.csv")
    file, _, sheet = unknown["file"].rstrip("]").partition("[")
    assert ("projects", file, sheet, unknown["row"], "unknown_reference") in set(
        zip(q["source"], q["file"], q["sheet"], q["row"], q["rule"], strict=True)
    )
    # 2. a confident match a person rejects
    auto = matches[matches["written_uscc"] == ""].iloc[0]
    decided = inbox.parent / "decided"
    shutil.copytree(inbox, decided)
    (decided / "decisions").mkdir()
    # the review file's own layout, with the decision filled in
    rows = [
        {**unknown.to_dict(), "decision": "accept"},
        {
            "register": "projects",
            "written_name": auto["written_name"],
            "candidate_uscc": auto["matched_uscc"],
            "decision": "拒绝",
        },
    ]
    pd.DataFrame(rows).to_csv(decided / "decisions" / "provider_matches.csv", index=False)
    out = Settings(decided, tmp_path / "out")
    assert run_pipeline(out).success
    pid_of = {(f, r): p for f, r, p in _project_rows(settings)}
    accepted_pid = pid_of[(unknown["file"], int(unknown["row"]))]
    rejected_pid = pid_of[(auto["file"], int(auto["row"]))]
    assert _awarded_to(settings, accepted_pid) == []
    assert _awarded_to(out, accepted_pid) == [unknown["candidate_uscc"]]
    assert _awarded_to(settings, rejected_pid) == [auto["matched_uscc"]]
    assert auto["matched_uscc"] not in _awarded_to(out, rejected_pid)
    decided_rows = _csv(out, "provider_matches.csv")
    hit = decided_rows[(decided_rows["file"] == unknown["file"]) & (decided_rows["row"] == unknown["row"])]
    assert list(hit["how"]) == ["decided"]


def _project_rows(settings: Settings) -> list[tuple[str, int, str]]:
    """(part, row, project id) for every project line, from the warnings and reports written:
    the workbook is read again here the way the pipeline reads it."""
    from data_contracts import ProjectRecord
    from pipelines.common.register import read_register

    parts = read_register(settings.source_dir, ProjectRecord, dt.date(2025, 12, 31))
    return [
        (f, int(r), p)
        for fr in parts.values()
        for f, r, p in zip(fr.frame["_file"], fr.frame["_row"], fr.frame["项目编号"], strict=True)
    ]


def test_a_run_killed_during_the_graph_load_leaves_the_old_graph(inbox, tmp_path):
    out = tmp_path / "out"
    env = {**os.environ, "SANSHE_SOURCE_DIR": str(inbox), "SANSHE_OUTPUT_DIR": str(out)}
    cmd = [sys.executable, "-m", "sanshe.cli", "run"]
    subprocess.run(cmd, env=env, check=True, capture_output=True, timeout=600)
    old = EmbeddedGraphStore(out / "graph.lbug").fingerprint()
    # a corrected register arrives, and the run loading it is killed while it copies
    path = inbox / "evaluations" / "evaluations.csv"
    path.write_text("".join(path.read_text(encoding="utf-8").splitlines(keepends=True)[:-40]), encoding="utf-8")
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    killed_while_loading = False
    deadline = time.monotonic() + 600
    while proc.poll() is None and time.monotonic() < deadline:
        if any(d.is_dir() for d in out.glob(".load-*")):
            os.kill(proc.pid, signal.SIGKILL)
            killed_while_loading = True
            break
        time.sleep(0.002)
    proc.wait()
    assert killed_while_loading, "the run finished before its graph load was seen"
    assert list(out.glob(".load-*")), "the killed load left no staging folder: it was not killed mid-load"
    # the old graph still opens, unchanged
    assert EmbeddedGraphStore(out / "graph.lbug").fingerprint() == old
    # the next run completes to the same graph as an uninterrupted run on the same input
    subprocess.run(cmd, env=env, check=True, capture_output=True, timeout=600)
    fresh = tmp_path / "fresh"
    subprocess.run(cmd, env={**env, "SANSHE_OUTPUT_DIR": str(fresh)}, check=True, capture_output=True, timeout=600)
    after = EmbeddedGraphStore(out / "graph.lbug").fingerprint()
    assert after == EmbeddedGraphStore(fresh / "graph.lbug").fingerprint() != old
    assert not list(out.glob(".load-*")), "the abandoned staging folder was not cleaned up"
