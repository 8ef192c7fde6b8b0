"""The benchmark's results files (benchmarks/results_file.py): a run never overwrites an earlier
run's file of the same day, it keeps it under the commit that file measured."""

from __future__ import annotations

import json

from benchmarks.results_file import write_results


def _write(results_dir, commit: str | None, full: float) -> None:
    write_results(results_dir, "2026-12-04-national", {"commit": commit, "full_run": {"seconds": full}})


def _read(path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_an_earlier_results_file_of_the_day_is_kept_under_its_commit(tmp_path):
    _write(tmp_path, "aaa1111", 150.0)
    _write(tmp_path, "bbb2222", 140.0)
    _write(tmp_path, "bbb2222", 130.0)  # the same commit again
    _write(tmp_path, None, 120.0)
    _write(tmp_path, "ccc3333", 110.0)
    files = {p.name: _read(p)["full_run"]["seconds"] for p in tmp_path.glob("*.json")}
    assert files == {
        "2026-12-04-national-aaa1111.json": 150.0,
        "2026-12-04-national-bbb2222.json": 140.0,
        "2026-12-04-national-bbb2222-2.json": 130.0,
        "2026-12-04-national-earlier.json": 120.0,
        "2026-12-04-national.json": 110.0,
    }
    # the plain name, the latest, sorts last of its day (report.py takes the last file per scale)
    assert sorted(files)[-1] == "2026-12-04-national.json"


def test_a_results_file_whose_commit_names_no_file_is_kept_too(tmp_path):
    _write(tmp_path, "a/b", 150.0)
    _write(tmp_path, "ccc3333", 110.0)
    assert sorted(p.name for p in tmp_path.glob("*.json")) == [
        "2026-12-04-national-a_b.json",
        "2026-12-04-national.json",
    ]
