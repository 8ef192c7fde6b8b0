"""No committed file holds a real-looking resident ID number.

DOMAIN.md: test data must not contain real-looking ID numbers; made-up ones carry the address
code 000000 (data_contracts.identifiers.TEST_ADDRESS_CODE) or an impossible date. "Real-looking"
is what the privacy scan finds (a right check character and a real birth date,
identifiers.looks_like_id_number) under any address code but the test code 000000. The scan reads every
text file of the repository as it would be committed: the ignored folders (the venv, outputs,
generated benchmark data, the resolved Neo4j server) are skipped.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from data_contracts.identifiers import ID_NUMBER_PATTERN, TEST_ADDRESS_CODE, looks_like_id_number

REPO = Path(__file__).resolve().parents[1]
#: .gitignore's folders, for a checkout without git metadata
IGNORED = {
    ".git",
    ".venv",
    "node_modules",
    "output",
    ".neo4j",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    ".mypy_cache",
    "artefacts",
}


def committed_files() -> list[Path]:
    try:
        listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
        return [REPO / p for p in listed.decode("utf-8").split("\0") if p]
    except (OSError, subprocess.CalledProcessError):
        return [
            p
            for p in REPO.rglob("*")
            if p.is_file()
            and not IGNORED & set(p.relative_to(REPO).parts)
            and p.relative_to(REPO).parts[:2] != ("benchmarks", "data")
        ]


def real_looking(text: str) -> list[str]:
    """ID-shaped strings of `text` that could be a real person's (see the module docstring)."""
    return [m for m in ID_NUMBER_PATTERN.findall(text) if looks_like_id_number(m) and m[:6] != TEST_ADDRESS_CODE]


def test_the_scan_finds_what_it_should():
    first = "110102" + "19910101" + "007"
    from data_contracts.identifiers import id_number_check_char

    real = first + id_number_check_char(first)
    test = "000000" + first[6:] + id_number_check_char("000000" + first[6:])
    assert real_looking(f"a,{real},b") == [real]
    assert real_looking(f"a,{test},b") == []


def test_no_committed_file_holds_a_real_looking_id_number():
    files = committed_files()
    assert len(files) > 100  # the listing found the repository
    found = {}
    for path in files:
        if not path.is_file():
            continue
        text = path.read_bytes().decode("utf-8", errors="ignore")
        if hits := real_looking(text):
            found[str(path.relative_to(REPO))] = len(hits)
    assert not found, f"real-looking ID numbers (file: count): {found}"
