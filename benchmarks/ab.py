"""A/B of two revisions on the same inputs: the whole Dagster job run in turn with the code of
each (A B, B A, A B, ...), every run in a process of its own, and what each run took compared pair
by pair.

Why: national runs of the same code differ by 5-8% from run to run (docs/performance.md lists a
day's runs), more than most single changes save, and they drift through a session as the
machine's memory and disk caches change. Runs in turn, compared pair by pair, share that drift;
a change is worth keeping when B is quicker in (nearly) every pair, not when one run of it was.
The second run of a pair tends to be the quicker (an A/A of one revision, 3 pairs, 2026-12-05:
the second 1.0-1.8 s quicker each time), so the pairs alternate which side runs first (A B,
B A, A B, ...): use an even number of runs to balance it.

    python benchmarks/ab.py 8c82f70 HEAD --runs 4              # national inputs (generated if missing)
    python benchmarks/ab.py main my-branch --scale city --runs 6

A revision is a commit (a branch or tag names one): uncommitted changes are not measured. Each
is checked out as a detached git worktree under one folder of the system's temporary folder
(the same commit on both sides shares one: an A/A, which shows the noise), and run with this
environment's Python and packages (a revision that needs other packages cannot be compared
so). Each run copies the inputs to a work folder of its own, which this process removes even
when the run is stopped (as benchmarks/run.py, it never changes the kept inputs). Printed per
run: the job's seconds (`run_job`'s, as the benchmark reports them), the CPU seconds of the
run's process and its children and the cores the machine kept busy, both from just before
`run_job` (the imports are not counted) to its end (benchmarks/cores.py: the machine should
run nothing else), and the graph step's seconds (a change to the graph's build or load is read
there, spared the noise of the steps before it); then, for the pairs made (also when a run failed or was stopped), each
side's median and B minus A per pair. Run on purpose, never by the tests (they test `paired`
and `order`)."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
#: the fields of one run compared between the sides: job seconds, CPU seconds, cores busy, and
#: the graph step's seconds (a change to the graph's build or load moves it, and it is spared the
#: noise of the steps before it: 4 pairs of whole runs of 2026-12-08 drifted from 88 to 75 s)
FIELDS = ("seconds", "cpu_seconds", "cores_busy", "graph_seconds")


def paired(a: list[dict], b: list[dict]) -> dict:
    """The two sides' runs compared: per field of FIELDS, over the pairs (the i-th run of A with
    the i-th of B, run one after the other), each side's median, B minus A per pair, its median
    and the pairs where B's value was lower. A pair where either run lacks the field (None:
    cores busy where there is no /proc/stat) is left out of that field, both its runs (so the
    medians compare the same pairs); a field no pair has is left out. Raises ValueError when
    the sides have no run or a different number of runs."""
    if not a or len(a) != len(b):
        raise ValueError(f"sides of {len(a)} and {len(b)} runs: each side needs the same number, at least one")
    out = {}
    for field in FIELDS:
        pairs = [
            (x[field], y[field]) for x, y in zip(a, b, strict=True) if x[field] is not None and y[field] is not None
        ]
        if not pairs:
            continue
        diffs = [y - x for x, y in pairs]
        out[field] = {
            "a_median": statistics.median(x for x, _ in pairs),
            "b_median": statistics.median(y for _, y in pairs),
            "b_minus_a": diffs,
            "b_minus_a_median": statistics.median(diffs),
            "b_lower_in": sum(d < 0 for d in diffs),
            "pairs": len(pairs),
        }
    return out


def order(pair: int) -> tuple[str, str]:
    """Which side runs first in pair `pair` (0-based): A then B, then B then A, in turn. A run
    right after another starts with warmer caches (an A/A of one revision had its second runs
    quicker by 1.0-1.8 s in 3 of 3 pairs), so an even number of pairs balances it."""
    return ("A", "B") if pair % 2 == 0 else ("B", "A")


def _one(tree: Path, data: Path, work: Path) -> dict:
    """One run of the job with the code of `tree` (a checkout), on a copy of `data` made in
    `work` (the parent's folder, which the parent removes): runs in the child process."""
    import resource
    import time

    # this checkout's cores.py (this script's folder leads the path; a revision may predate
    # it), then the revision's code for the rest
    import cores

    sys.path[:0] = [str(tree / "benchmarks"), str(tree)]
    import run as bench  # the revision's own benchmark module: its run_job and its settings

    import pipelines.definitions  # noqa: F401  imported before the clocks start: not the job's
    from pipelines.settings import Settings

    inbox = work / "inbox"
    shutil.copytree(data, inbox)
    settings = Settings.from_env(source_dir=inbox, output_dir=work / "out")

    def cpu() -> float:
        own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime

    c0, b0, t0 = cpu(), cores.busy_seconds(), time.time()
    result, instance, seconds = bench.run_job(settings)
    c1, b1, t1 = cpu(), cores.busy_seconds(), time.time()
    busy = None if b0 is None or b1 is None else round((b1 - b0) / (t1 - t0), 2)
    return {
        "seconds": round(seconds, 1),
        "cpu_seconds": round(c1 - c0, 1),
        "cores_busy": busy,
        "graph_seconds": _graph_seconds(instance, result.run_id),
    }


def _graph_seconds(instance, run_id: str) -> float | None:
    """The seconds of the run's `graph` step, from the events Dagster recorded; None when the
    revision has no such step or no sanshe.progress.step_seconds to read them (it predates them)."""
    try:
        from sanshe.progress import step_seconds
    except ImportError:
        return None
    seconds = step_seconds(instance, run_id).get("graph")
    return None if seconds is None else round(seconds, 1)


def _commit(rev: str) -> str:
    """The commit `rev` names. Raises SystemExit with git's message when it names none."""
    done = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], cwd=REPO, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(f"{rev!r} names no commit of {REPO} {done.stderr.strip()}".rstrip())
    return done.stdout.strip()


def _worktree(sha: str, under: Path) -> Path:
    """A detached checkout of commit `sha` under `under` (one for both sides when they are the
    same commit: an A/A). Raises CalledProcessError when git cannot add it."""
    tree = under / sha[:12]
    if not tree.exists():
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(tree), sha], cwd=REPO, check=True, capture_output=True
        )
    return tree


def _run(tree: Path, data: Path, under: Path) -> dict:
    """One run in a process of its own, in a work folder this process makes and removes (an
    interrupted child never gets to remove it). Raises SystemExit when the run fails."""
    work = Path(tempfile.mkdtemp(prefix="run-", dir=under))
    try:
        child = subprocess.run(
            [sys.executable, __file__, "--one", str(tree), str(data), str(work)],
            cwd=tree,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": ""},
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    lines = child.stdout.strip().splitlines()
    if child.returncode or not lines:
        sys.stderr.write(child.stdout + child.stderr)
        raise SystemExit(f"the run with {tree.name} failed: exit status {child.returncode}")
    return json.loads(lines[-1])


def _print(runs: dict[str, list[dict]]) -> None:
    """The pairs made so far, compared (`paired`)."""
    done = min(len(runs["A"]), len(runs["B"]))
    if not done:
        return
    for field, s in paired(runs["A"][:done], runs["B"][:done]).items():
        form = "+.2f" if field == "cores_busy" else "+.1f"
        diffs = ", ".join(format(d, form) for d in s["b_minus_a"])
        print(
            f"{field}: A median {s['a_median']:.2f}, B median {s['b_median']:.2f}; B - A per pair {diffs} "
            f"(median {s['b_minus_a_median']:+.2f}); B lower in {s['b_lower_in']} of {s['pairs']}"
        )


def main() -> int:
    if sys.argv[1:2] == ["--one"]:  # a child's run: --one TREE DATA WORK
        print(json.dumps(_one(Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]))))
        return 0
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("a", help="revision A (the reference): a commit, branch or tag; uncommitted changes are not seen")
    ap.add_argument("b", help="revision B (the change)")
    ap.add_argument(
        "--runs", type=int, default=4, help="runs of each revision, in turn (default 4; even balances the order)"
    )
    ap.add_argument("--scale", choices=["district", "city", "province", "national"], default="national")
    ap.add_argument("--data", type=Path, help="input folder (default benchmarks/data/<scale>, generated if missing)")
    args = ap.parse_args()
    if args.runs < 1:
        ap.error("--runs must be at least 1")
    commits = {"A": _commit(args.a), "B": _commit(args.b)}  # before any input is generated

    sys.path.insert(0, str(REPO))
    from benchmarks.results_file import scale_inputs

    data, _ = scale_inputs(args.scale, args.data.resolve() if args.data else None)
    under = Path(tempfile.mkdtemp(prefix="sanshe-ab-"))
    runs: dict[str, list[dict]] = {"A": [], "B": []}
    trees: dict[str, Path] = {}
    try:
        for side, sha in commits.items():
            trees[side] = _worktree(sha, under)
        for i in range(args.runs):
            for side in order(i):
                run = _run(trees[side], data, under)
                runs[side].append(run)
                print(
                    f"run {i + 1} {side}: {run['seconds']} s, {run['cpu_seconds']} CPU s, cores busy {run['cores_busy']}, "
                    f"graph step {run['graph_seconds']} s",
                    flush=True,
                )
    finally:
        for tree in set(trees.values()):
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=REPO, capture_output=True)
        shutil.rmtree(under, ignore_errors=True)
        subprocess.run(["git", "worktree", "prune"], cwd=REPO, capture_output=True)
        _print(runs)  # the pairs made, also when a run failed or was stopped
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # stopped: the worktrees and work folders are removed, the pairs made printed
        sys.exit(130)
