"""What the two benchmark scripts (run.py, neo4j_bench.py) share: the scale's inputs, the
machine they ran on and the results file they write (report.py renders docs/performance.md
from it)."""

from __future__ import annotations

import json
import os
import platform
import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]


def scale_inputs(scale: str, data: Path | None = None) -> tuple[Path, bool]:
    """The inbox of `scale` (default benchmarks/data/<scale>, kept between runs) and whether it
    was generated now: when missing, or written by a generator older than the made-up ID
    numbers' test address code (its manifest lacks `synthetic`, so its workers would all be
    refused)."""
    from sanshe.generator.scale import generate_scale

    data = data or REPO / "benchmarks" / "data" / scale
    manifest = data / "manifest.yaml"
    if manifest.exists() and "synthetic" in (yaml.safe_load(manifest.read_text(encoding="utf-8")) or {}):
        return data, False
    generate_scale(data, scale)
    return data, True


def commit(repo: Path = REPO) -> str | None:
    """The short hash of the checked-out commit of `repo` (None outside a git checkout), so a
    results file says which code it measured."""
    import subprocess

    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=repo, capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip() or None


#: what a benchmark writes into the checkout, and its generated inputs: not the code it measures
OWN_OUTPUTS = ("benchmarks/results/", "benchmarks/data/", "docs/performance.md")


def tree_state(repo: Path = REPO) -> str | None:
    """SHA-256 of the checked-out commit and of each file that differs from it or that git
    does not track (nor ignore), by name and bytes, OWN_OUTPUTS left out: the code a benchmark
    measures. None outside a git checkout. A partial run is a process of its own that reads the
    code as it is when it starts (its code digests among it: pipelines/graph/incremental.py), so
    code edited while a benchmark runs is measured half old, half new; a 2026-12-06 run edited
    so rebuilt its whole graph for a 1% change (57 s)."""
    import hashlib
    import subprocess

    head = commit(repo)
    if head is None:
        return None
    try:
        status = subprocess.run(
            ["git", "status", "--porcelain=v1", "-z", "--untracked-files=all"],
            cwd=repo,
            capture_output=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    h = hashlib.sha256(head.encode())
    entries = iter(status.stdout.decode("utf-8", "surrogateescape").split("\0"))
    names = set()
    for entry in entries:  # "XY name"; a rename's or copy's old name follows it, as an entry alone
        if len(entry) > 3:
            names.add(entry[3:])
            if entry[0] in "RC":
                names.add(next(entries, ""))
    for name in sorted(names - {""}):
        if name.startswith(OWN_OUTPUTS):
            continue
        path = repo / name
        data = path.read_bytes() if path.is_file() else b"<not a file>"
        h.update(name.encode("utf-8", "surrogateescape") + b"\0" + hashlib.sha256(data).digest())
    return h.hexdigest()


def machine() -> dict:
    """CPUs, memory (bytes), Python and platform of the machine a benchmark ran on."""
    return {
        "cpus": os.cpu_count(),
        "memory_bytes": os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def write_results(results_dir: Path, name: str, results: dict) -> Path:
    """`results` as `<results_dir>/<name>.json` (UTF-8, indented, as report.py reads it). A file
    of that name already there (an earlier run of the same day) is kept under the commit it
    measured (`keep_earlier`): report.py renders the plain name, the day's latest, and lists
    the others of its day beside it."""
    results_dir.mkdir(parents=True, exist_ok=True)
    path = results_dir / f"{name}.json"
    if path.exists():
        print(f"kept the earlier {path.name} as {keep_earlier(path).name}")
    path.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {path}")
    return path


def keep_earlier(path: Path) -> Path:
    """Rename the results file `path` (`<name>.json`) to `<name>-<its commit>.json`, the first of
    `-2`, `-3`... after it that is free when that name is taken (the same commit run twice in a
    day), `-earlier` for a file that names no commit; returns the new path. The name sorts
    before `<name>.json`, so the plain name stays the day's latest (report.py `latest`)."""
    try:
        measured = json.loads(path.read_text(encoding="utf-8")).get("commit")
    except (OSError, ValueError, AttributeError):
        measured = None
    # a hand-edited commit could name no file: only the characters a short hash has are kept
    stem = f"{path.stem}-{re.sub(r'[^0-9A-Za-z]+', '_', str(measured)) if measured else 'earlier'}"
    target, n = path.with_name(f"{stem}.json"), 1
    while target.exists():
        n += 1
        target = path.with_name(f"{stem}-{n}.json")
    path.rename(target)
    return target
