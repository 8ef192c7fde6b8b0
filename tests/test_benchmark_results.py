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


def test_the_tree_state_changes_with_any_edit_of_the_code_and_not_with_the_benchmarks_outputs(tmp_path):
    """run.py writes no results when the code changed while it ran: the state sees a tracked
    file edited (twice too), a file added, a commit, a rename, and not a results file or the page."""
    import subprocess

    from benchmarks.results_file import tree_state

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    git("config", "user.email", "t@example.org")
    git("config", "user.name", "t")
    (tmp_path / "code.py").write_text("a = 1\n")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "performance.md").write_text("page\n")
    git("add", ".")
    git("commit", "-q", "-m", "one")
    states = [tree_state(tmp_path)]
    (tmp_path / "code.py").write_text("a = 2\n")
    states.append(tree_state(tmp_path))
    (tmp_path / "code.py").write_text("a = 3\n")  # edited again: the same status, other bytes
    states.append(tree_state(tmp_path))
    (tmp_path / "new.py").write_text("b = 1\n")
    states.append(tree_state(tmp_path))
    git("add", ".")
    git("commit", "-q", "-m", "two")
    states.append(tree_state(tmp_path))
    git("mv", "new.py", "moved.py")  # a rename's two names, the old one an entry alone
    states.append(tree_state(tmp_path))
    git("commit", "-q", "-m", "three")
    states.append(tree_state(tmp_path))
    assert None not in states and len(set(states)) == len(states)
    (tmp_path / "benchmarks" / "results").mkdir(parents=True)
    (tmp_path / "benchmarks" / "results" / "2026-12-06-national.json").write_text("{}\n")
    (tmp_path / "docs" / "performance.md").write_text("page rendered again\n")
    assert tree_state(tmp_path) == states[-1]
    plain = tmp_path.parent / f"{tmp_path.name}-plain"  # beside the checkout, not in it
    plain.mkdir()
    assert tree_state(plain) is None
