"""The whole run on the shipped sample: accounting, quarantine, reports, privacy, idempotence."""

import csv
from pathlib import Path

import pandas as pd
import pytest
import yaml

from data_contracts import CONTRACTS
from data_contracts.identifiers import find_personal
from pipelines.common.claiming import files_of
from pipelines.graph.store import EmbeddedGraphStore
from pipelines.settings import SAMPLE_DIR, Settings
from sanshe.run import run_pipeline


def _read(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def test_accounting_adds_up_for_every_register_and_file(sample_run):
    _, outcome = sample_run
    acc = outcome.accounting
    assert set(acc["register"]) == set(CONTRACTS)
    assert (acc["rows_read"] == acc["rows_accepted"] + acc["rows_quarantined"]).all()
    # and the files it counts are all the files there are, with every line read
    files = sorted(p.relative_to(SAMPLE_DIR).as_posix() for p in SAMPLE_DIR.glob("*/*.csv"))
    assert sorted(acc["file"]) == files
    for f, n in zip(acc["file"], acc["rows_read"], strict=True):
        assert n == len(_read(SAMPLE_DIR / f)) - 1


def test_all_checks_ran_and_passed(sample_run):
    _, outcome = sample_run
    # a suite per register, the check that they all passed, and the accounting's
    assert len(outcome.checks) == len(CONTRACTS) + 2
    assert all(c["passed"] for c in outcome.checks), outcome.checks


def test_every_planted_defect_is_quarantined_with_its_rule(sample_run):
    settings, _ = sample_run
    quarantine = pd.read_csv(settings.quarantine_dir / "quarantine.csv", dtype={"row": int})
    found = set(zip(quarantine["source"], quarantine["file"], quarantine["row"], quarantine["rule"], strict=True))
    defects = yaml.safe_load((SAMPLE_DIR / "planted_defects.yaml").read_text(encoding="utf-8"))
    for d in defects:
        model = CONTRACTS[d["register"]]
        header = model.header(d["key"])
        hits = []
        for path in files_of(SAMPLE_DIR, model):
            rows = _read(path)
            col = rows[0].index(header)
            hits += [
                (path.relative_to(SAMPLE_DIR).as_posix(), i + 1)
                for i, r in enumerate(rows)
                if i and r[col] == d["value"]
            ]
        assert hits, d
        # the defect's row (the first, for a duplicate that a later row supersedes)
        file, row = hits[0]
        assert (d["register"], file, row, d["rule"]) in found, d


def test_quarantine_points_at_the_cell_a_clerk_must_fix(sample_run):
    """For every non-personal issue, file + row + column lead back to the reported value."""
    settings, _ = sample_run
    quarantine = pd.read_csv(settings.quarantine_dir / "quarantine.csv", dtype=str, keep_default_na=False)
    cache: dict[str, list[list[str]]] = {}
    checked = 0
    for rec in quarantine.to_dict("records"):
        if rec["field"] in CONTRACTS[rec["source"]].personal or rec["rule"] == "missing_column":
            continue
        rows = cache.setdefault(rec["file"], _read(SAMPLE_DIR / rec["file"]))
        cell = rows[int(rec["row"]) - 1][rows[0].index(rec["column"])]
        assert cell == rec["value"], rec
        assert rec["message_zh"] and rec["message_en"]
        checked += 1
    assert checked >= 20


def test_reports_and_data_docs_are_in_the_output_folder(sample_run):
    settings, _ = sample_run
    for name in ("quarantine.csv", "warnings.csv", "accounting.csv", "index.html"):
        assert (settings.quarantine_dir / name).is_file()
    index = settings.data_docs_dir / "index.html"
    assert index.is_file()
    pages = list((settings.data_docs_dir / "validations").rglob("*.html"))
    suites = {p.parts[len((settings.data_docs_dir / "validations").parts)] for p in pages}
    assert {f"{r}_suite" for r in CONTRACTS} <= suites


def test_graph_holds_every_accepted_record(sample_run, store, tables):
    counts = sample_run[1].graph_counts
    assert counts["Community"] == len(tables["communities"])
    assert counts["SocialOrganisation"] == len(tables["organisations"])
    assert counts["Hub"] == len(tables["hubs"])
    assert counts["AnnualInspection"] == len(tables["annual_inspections"])
    assert counts["SocialWorker"] == len(tables["workers"])
    assert counts["Project"] == len(tables["projects"])
    assert counts["Evaluation"] == len(tables["evaluations"])
    assert counts["DELIVERED_IN"] == tables["projects"]["served_communities"].map(len).sum()
    assert counts["District"] == 2 and counts["Street"] == 14 and counts["Dataset"] == 1
    # every organisation has had at least one membership period unless it never joined
    assert 0 < counts["MEMBER_OF"] >= len(tables["hub_memberships"])


def _personal_values() -> tuple[set[str], set[str]]:
    rows = _read(SAMPLE_DIR / "workers" / "social_workers.csv")
    head = rows[0]
    names = {r[head.index("姓名")] for r in rows[1:]}
    certs = {r[head.index("证书编号")] for r in rows[1:]}
    return names, certs


def _scan_text(text: str, names: set[str], certs: set[str]) -> list[str]:
    hits = find_personal(text)
    hits += [n for n in names if len(n) >= 2 and n in text]
    hits += [c for c in certs if c in text]
    return hits


def test_no_personal_data_in_graph_tables_or_reports(sample_run, store):
    settings, _ = sample_run
    names, certs = _personal_values()
    graph_text = "\n".join(df.to_csv(index=False) for df in store.dump().values())
    assert _scan_text(graph_text, names, certs) == []
    for path in [*settings.tables_dir.glob("*.parquet")]:
        assert _scan_text(pd.read_parquet(path).to_csv(index=False), names, certs) == [], path
    for path in [*settings.quarantine_dir.glob("*"), *settings.data_docs_dir.rglob("*.html")]:
        assert _scan_text(path.read_text(encoding="utf-8"), names, certs) == [], path
    summary = (settings.output_dir / "run_summary.json").read_text(encoding="utf-8")
    assert _scan_text(summary, names, certs) == []


def test_the_privacy_scan_can_fail():
    from data_contracts.identifiers import id_number_check_char

    names, certs = _personal_values()
    id_number = "00000019900101123" + id_number_check_char("00000019900101123")
    assert _scan_text(f"name: {sorted(names)[0]}", names, certs)
    assert _scan_text(f"x,{id_number},y", names, certs) == [id_number]
    assert _scan_text("tel 13912345678", names, certs) == ["13912345678"]
    assert _scan_text(f"cert {sorted(certs)[0]}", names, certs)
    assert _scan_text("uscc 513101065232813900", names, certs) == []  # checksum-valid, no birth date


def test_a_second_run_gives_the_same_graph(sample_run, store, tmp_path):
    before = store.fingerprint()
    again = run_pipeline(Settings(SAMPLE_DIR, tmp_path / "again"))
    assert again.success
    assert EmbeddedGraphStore(tmp_path / "again" / "graph.lbug").fingerprint() == before
    # and in place: re-running into the same folder swaps in an identical graph
    assert run_pipeline(sample_run[0]).success
    assert store.fingerprint() == before


def _write(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


@pytest.mark.parametrize("damage", ["undecodable", "missing_column"])
def test_a_bad_file_never_stops_the_good_files(inbox, tmp_path, damage):
    bad = inbox / "projects" / "projects_2025.csv"
    lines = len(_read(bad)) - 1
    if damage == "undecodable":  # a byte no supported encoding (UTF-8, GBK, GB18030) has
        bad.write_bytes(bad.read_bytes().replace(b"\n", b"\xff\n", 1))
    else:
        rows = _read(bad)
        col = rows[0].index("合同金额（元）")
        _write(bad, [r[:col] + r[col + 1 :] for r in rows])
    out = run_pipeline(Settings(inbox, tmp_path / "out"))
    assert out.success
    acc = out.accounting.set_index("file")
    assert (acc["rows_read"] == acc["rows_accepted"] + acc["rows_quarantined"]).all()
    assert acc.loc["projects/projects_2024.csv", "rows_accepted"] > 100  # the good files loaded
    row = acc.loc["projects/projects_2025.csv"]
    # every line of the bad file is counted and quarantined, none is lost
    assert row["rows_read"] == lines and row["rows_quarantined"] == lines and row["rows_accepted"] == 0
    q = pd.read_csv(tmp_path / "out" / "quarantine" / "quarantine.csv")
    rules = set(q.loc[q["file"] == "projects/projects_2025.csv", "rule"])
    assert rules == ({"unreadable_file"} if damage == "undecodable" else {"missing_column"})
    assert out.graph_counts["Project"] > 800


def test_line_level_damage_costs_only_that_line_and_rows_keep_their_numbers(inbox, tmp_path):
    path = inbox / "evaluations" / "evaluations.csv"
    rows = _read(path)
    status = rows[0].index("评估等级")
    rows[12][status] = "较好"  # spreadsheet row 13: a bad value
    rows[5] = rows[5] + ["多余"]  # spreadsheet row 6: a stray extra cell
    text = "\n".join(",".join(r) for r in rows[:10]) + "\n\n" + "\n".join(",".join(r) for r in rows[10:]) + "\n"
    # a blank line after row 10 (so row 13 becomes line 14), and a BOM as Excel writes it
    path.write_bytes("\ufeff".encode() + text.encode("utf-8"))
    out = run_pipeline(Settings(inbox, tmp_path / "out"))
    q = pd.read_csv(tmp_path / "out" / "quarantine" / "quarantine.csv")
    q = q[q["file"] == "evaluations/evaluations.csv"]
    assert (6, "wrong_cell_count") in set(zip(q["row"], q["rule"], strict=True))
    assert (14, "value_not_allowed") in set(zip(q["row"], q["rule"], strict=True))
    acc = out.accounting.set_index("file").loc["evaluations/evaluations.csv"]
    assert acc["rows_read"] == len(rows) - 1 == acc["rows_accepted"] + acc["rows_quarantined"]


def test_files_no_register_takes_are_reported(inbox, tmp_path):
    (inbox / "projects" / "projects_2025.csv").rename(inbox / "projects" / "projcts_2025.csv")  # misspelt: read
    (inbox / "projects" / "projects_2024.csv").rename(inbox / "projects" / "projects_2024.pdf")  # not a table
    (inbox / "projects" / "projects_2023.csv").rename(inbox / "projects" / "projects_2023.CSV")  # read: any case
    (inbox / "说明.csv").write_text("序号,备注\n1,见附件\n", encoding="utf-8")  # at the root, no register's header
    out = run_pipeline(Settings(inbox, tmp_path / "out"))
    unclaimed = out.accounting[out.accounting["register"] == "(unclaimed)"]
    assert list(unclaimed["file"]) == ["projects/projects_2024.pdf", "说明.csv"]
    assert (
        "fits no register" in unclaimed.set_index("file").at["说明.csv", "note"]
        or "no header" in unclaimed.set_index("file").at["说明.csv", "note"]
    )
    taken = out.accounting.set_index("file")["register"]
    assert taken["projects/projects_2023.CSV"] == taken["projects/projcts_2025.csv"] == "projects"


@pytest.mark.parametrize("io_manager", ["ours", "dagster_default"])
def test_no_personal_data_in_dagster_storage(tmp_path, io_manager):
    """Registers pass between steps in memory: nothing personal is pickled to DAGSTER_HOME.
    Dagster's default (filesystem) IO manager would leak, which shows the scan can fail."""
    from dagster import DagsterInstance, FilesystemIOManager

    from pipelines.definitions import JOB_NAME, build_definitions

    home = tmp_path / "home"
    home.mkdir()
    settings = Settings(SAMPLE_DIR, tmp_path / "out")
    defs = (
        build_definitions(settings)
        if io_manager == "ours"
        else build_definitions(settings, FilesystemIOManager(base_dir=str(home / "storage")))
    )
    with DagsterInstance.local_temp(str(home)) as instance:
        assert defs.resolve_job_def(JOB_NAME).execute_in_process(instance=instance).success
    names, certs = _personal_values()
    hits = []
    for path in home.rglob("*"):
        if path.is_file():
            hits += _scan_text(path.read_bytes().decode("utf-8", "ignore"), names, certs)
    assert (hits == []) == (io_manager == "ours")
