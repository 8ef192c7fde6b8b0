"""The JSON files a run keeps for later runs: anything not as written reads as nothing known,
and a write replaces the file whole."""

from __future__ import annotations

import os

import pytest

from pipelines.common import state_files
from pipelines.common.state_files import read_state, write_state


@pytest.mark.parametrize("text", ["{", "[]", '"text"', "3", "\xff"])
def test_a_file_not_as_written_reads_as_nothing_known(tmp_path, text):
    path = tmp_path / "state.json"
    path.write_text(text, encoding="latin-1")
    assert read_state(path) == {}
    assert read_state(tmp_path / "missing.json") == {}


def test_the_same_state_gives_the_same_bytes_and_reads_back(tmp_path):
    a, b = tmp_path / "a" / "state.json", tmp_path / "b.json"
    write_state(a, {"z": 1, "a": {"run": "r", "n": [1, 2]}})
    write_state(b, {"a": {"n": [1, 2], "run": "r"}, "z": 1})
    assert a.read_bytes() == b.read_bytes()
    assert read_state(a) == {"z": 1, "a": {"run": "r", "n": [1, 2]}}
    assert sorted(p.name for p in a.parent.iterdir()) == ["state.json"]  # no partial file left


def test_a_write_that_fails_leaves_the_old_file_as_it_was(tmp_path, monkeypatch):
    path = tmp_path / "state.json"
    write_state(path, {"old": 1})

    def refuse(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(state_files.os, "replace", refuse)
    with pytest.raises(OSError):
        write_state(path, {"new": 2})
    assert read_state(path) == {"old": 1}
    assert os.path.exists(path)
