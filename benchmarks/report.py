"""Render docs/performance.md from benchmarks/results/*.json (the latest file of each scale, and
the latest benchmarks/neo4j_bench.py file of each scale for the Neo4j section).

    python benchmarks/report.py           # rewrite docs/performance.md
    python benchmarks/report.py --check   # exit 1 when docs/performance.md is stale

Every figure on that page comes from a results file, and each file names the command that made
it; tests/test_docs.py fails when the page and the files disagree.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
PAGE = REPO / "docs" / "performance.md"
#: docs/neo4j.md carries the same Neo4j figures between these markers
NEO4J_PAGE = REPO / "docs" / "neo4j.md"
BEGIN, END = "<!-- neo4j-figures:begin", "<!-- neo4j-figures:end -->"
SCALES = ["district", "city", "province", "national"]
#: what would move each stage, in the order the measurements rank them (docs/scaling.md has more)
REMEDIES = {
    "contract checks": "a column pass already checks each distinct cell once, runs the cross-field rules once per "
    "distinct combination of the fields they read, and sends only failing rows through the pydantic model; a "
    "file of 20,000 rows or more is cut into runs of rows checked in forked processes on both cores "
    "(data_contracts/forked.py), where a child's accepted rows come back through an in-memory file the run maps "
    "(data_contracts/handed_back.py: only the pickle of what is not a column's buffers crosses the pipe). The rules whose fields differ on every row (a project's dates and "
    "amounts, an organisation's USCC and dates, a community's division codes) are said a second time as "
    "arithmetic on whole columns (Contract.clear_rows) and asked only of the rows it does not clear; list cells "
    "are split by pyarrow (base.split_lists), USCCs, division codes and ID numbers laid out as one byte matrix by "
    "pyarrow (identifiers._checked_at_once), the division codes' county parts looked up at once for their "
    "warning (Warns.warned), and a text column whose cells are their own values (names, IDs) is taken "
    "from the column as read rather than from Python strings, and a list field's column is Arrow lists taken by "
    "the rows' codes from its distinct cells (data_contracts/lists.py: no Python list per row, handed back as "
    "buffers). What is left is pandas factorizing each column, each distinct cell made a Python value, and the "
    "child writing its columns into new memory (the file's pages)",
    "read": "a long CSV's rows are parsed by pyarrow as columns on both cores and classified whole-column "
    "(pipelines/common/csv_columns.py, row_kinds.py); a UTF-8 file's rows are parsed from its own bytes, only its "
    "first MiB decoded for the header search, and numbered by counting its lines when none holds a quote or a lone "
    "carriage return; claiming a file for a register reads its first 64 KiB only; what is left is pyarrow's parse "
    "itself, pandas casting each text column to large_string, and for a GBK or GB18030 file decoding it whole and "
    "encoding its rows to UTF-8 again: hand the columns to the contract checks as Arrow",
    "graph load": "the floor copies the same tables in {floor_load:.0f} s; the rest is building the node and "
    "relationship tables from the registers, with the facts the catalogue's answers read (a provider's standing on "
    "each award day, each evaluation's later awards, the totals of streets, committees, hubs and purchasers, the "
    "years each hub membership counts on; pipelines/graph/standing.py). A full load copies each table as soon as "
    "it and the node tables it joins are built (tables.build_in_order, store.load_built): one thread builds the "
    "part that reads the most rows (purchases), the other the rest, both from the start (the rest fewest rows "
    "first, by the rows each register read rather than its current rows made first, but each after the parts "
    "whose nodes its relationships join: tables.build_order), and the copy, which lets go of the GIL, "
    "runs beside them, each table typed and digested on a thread while the one before it is copied; each table "
    "is let go of once copied, and the digests of the parts' inputs (kept for the next "
    "load to compare) are taken on a thread of their own once every part is built, beside the copy of the "
    "tables still waiting for it. ladybug's COPY keeps about one and a half cores busy on "
    "its own, so the build slows it and the overlap saves less than the build takes. What is left is pyarrow "
    "hashing the same key columns again for each look-up, and pandas' groupings, merges and de-duplications on "
    "Arrow-backed text, which factorize each column first: a key dictionary per register, built once, with "
    "integer codes through the build (the streets' funding totals and the purchasers' provider totals group by "
    "integer codes already: 2.1 s to 1.0 s and 1.5 s to 0.9 s of the build, measured once)",
    "resolution": "reference look-ups, list items included, are pyarrow's and only projects with a blank or unknown "
    "provider code meet the name matcher; the stored copy of each resolved register (OUTPUT/dagster_storage, for "
    "the sensor's partial runs; written in the step, it took about 8.7 s of pickling, projects 3.7 s, as "
    "handover.py records) is written by a forked child while the "
    "run goes on (pipelines/common/handover.py), sharing the second core with the steps after it, at most two at "
    "once: a step whose output finds two writers at work waits for the older (handover.WRITERS, for the run's "
    "memory). The snapshot histories and the provider look-up take only the columns they read (sorted whole, "
    "the registers took every column along), and the rows' own start dates and the served-community-name cells "
    "are judged in C; a register's references to other registers are looked up, and its histories found, on "
    "two threads (pyarrow's and numpy's work lets go of Python's lock; the run's process resolves one register "
    "at a time, with the other core mostly idle), a history's text key is taken by position as Arrow text, and "
    "the name matcher makes its Python names only when a project needs matching; what is left is the key "
    "sets made as Python sets, the histories' factorizing of the same key column once per history, and "
    "pandas' look-ups on Arrow text: keep registers as Arrow columns",
    "great expectations": "each register's suite is validated in a forked child as soon as the register and those "
    "it refers to are resolved, one child at a time beside the run's steps (pipelines/quality/ahead.py), batches are "
    "not fingerprinted, each expectation finds its unexpected count and up to 20 values (GE's BASIC result format, "
    "not the index of every unexpected row: pipelines/quality/gx.py RESULT_FORMAT) "
    "and the Data Docs site is built once, at the end; these seconds are what the run itself still "
    "spends on the suites: loading the library (in the hook after the first register resolved, with the cyclic "
    "garbage collector paused as it is while registers are read and checked, and what those stages made frozen "
    "after, so that no later collection walks the registers again: pipelines/common/collector.py) and, in the blocking "
    "check before the graph load, waiting for the suites not yet done (the registers others wait for are read, "
    "checked and resolved first, pipelines/common/resolve.py register_tags, so the projects suite, the largest, "
    "is validated while the registers nothing waits for are checked; its child then shares the cores with those "
    "checks); what is left: a suite's own cost (Great Expectations filters the whole batch for each column "
    "expectation), and splitting the largest suite's expectations between the run and the child",
    "reports": "the accepted tables are written in forked processes, each a group of registers of about equal "
    "rows; what is left is pyarrow converting their Python values (dates) to Arrow: keep the accepted "
    "columns as Arrow",
    "other": "",
}
#: what bounds a catalogue query that misses its target (read from its plan with ladybug's
#: PROFILE), shown when the results show it over
QUERY_BOUNDS = {
    "poorly-evaluated-still-funded": "its first rows join the flagged evaluations' projects, their providers and "
    "every later award of those providers; ladybug reads the columns of a label of a million nodes whole for each "
    "such join (a semi-masked scan), so each join costs a scan of projects or evaluations; a load-time list of the "
    "first rows, or a store that reads node properties by id, would move it",
    "community-profile": "its projects' evaluations: the join from a committee's hundred projects to their "
    "evaluations, extended from the projects by a join-order HINT, still scans the million evaluations' column "
    "once (a semi-masked scan in ladybug's plan); each project's latest grade as a load-time fact would remove the scan, but the evaluations' part of the "
    "graph would then rebuild the projects on every change to evaluations",
    "funding-by-purchaser": "its default answer groups every project by purchaser (an aggregate over 1.5 million "
    "projects per call); purchaser totals at load time would read 42,000 rows, as provider-concentration's do",
    "community-linkage": "its first rows and count read the 650,000 committees' facts and join the first rows to "
    "their streets",
}
STAGE_ORDER = ["read", "contract checks", "resolution", "great expectations", "reports", "graph load", "other"]


def _store_statements(big: dict, load: float) -> str:
    """The store's COPY and COMMIT statements in the run's graph step against the floor's (results
    written since the store timed them), or ""."""
    run, floor = big.get("graph_statements"), big["floor"].get("load_statements")
    if not run or not floor:
        return ""

    def statements(st: dict) -> float:
        return st["copy_seconds"] + st["commit_seconds"]

    def spent(st: dict) -> str:
        return f"{statements(st):.1f} s (COPY {st['copy_seconds']:.1f} s, COMMIT {st['commit_seconds']:.1f} s)"

    said = (
        f" Measured: in the graph step the store's own statements took {spent(run)}, against the "
        f"floor's {spent(floor)}, slower by the build sharing the two cores with them; "
    )
    rest = load - statements(run)
    if (waited := run.get("waited_for_tables_seconds")) is None:  # results written before it was timed
        return said + (
            f"in the other {rest:.1f} s of the step the copy waited for tables still being built, or "
            "the load was starting or ending (the store created, counted and swapped in)"
        )
    return said + (
        f"of the other {rest:.1f} s of the step, the copy waited {waited:.1f} s for its next table to be "
        f"built, and {rest - waited:.1f} s went to starting and ending the load (the first parts built "
        "before the store was opened, the store created, counted and swapped in)"
    )


def _same_day(big: dict) -> list[dict]:
    """Every pipeline results file of `big`'s scale and date, in file order (`big` among them)."""
    out = []
    for path in sorted(RESULTS.glob("*.json")):
        r = json.loads(path.read_text(encoding="utf-8"))
        if r.get("kind", "pipeline") == "pipeline" and r["scale"] == big["scale"] and r["date"] == big["date"]:
            out.append(r)
    return out


def _cores_busy(big: dict, same_day: list[dict] | None = None) -> str:
    """How many of the machine's cores the full run and the floor kept busy (benchmarks/cores.py),
    the CPU time each took, and what the run's CPU time alone bounds its ratio to: its seconds
    with every core busy throughout; with the same day's results (`_same_day`), each one's cores
    busy, CPU time and ratio, since the CPU time moves from run to run too. "" for a results
    file measured before they were recorded."""
    full, fl = big["full_run"], big["floor"]
    if full.get("cores_busy") is None or fl.get("cores_busy") is None:
        return ""
    cpus = big["machine"]["cpus"]
    work, floor_work = _cpu_seconds(full), _cpu_seconds(fl)
    packed = work / cpus / fl["seconds"]  # the ratio were every core busy throughout the run
    target = big["targets"]["ratio_max"]
    return (
        f"Cores busy, of the machine's {cpus} (benchmarks/cores.py: the machine's CPU time spent running "
        "something over each stretch, the machine running nothing else): "
        f"{full['cores_busy']:.2f} over the full run, {fl['cores_busy']:.2f} over the floor "
        f"({fl['load_cores_busy']:.2f} over its bulk copy). The full run took {work:.0f} CPU seconds "
        f"against the floor's {floor_work:.0f}, {work / floor_work:.2f}x, where its seconds are "
        f"{_ratio_text(big)}x. With every core busy throughout, the run's CPU time would "
        f"still take {work / cpus:.0f} s, {_near(packed, target, 2)}x the floor: "
        + (
            f"above the {target}x target, so less work, not only more of the cores kept busy, is what the target needs."
            if not _within(packed, target)
            else (
                f"within the {target}x target, as the run itself is."
                if _within(_ratio(big), target)
                else f"within the {target}x target, so keeping the cores busier alone could meet it"
                + _day_cores(same_day or [])
                + "."
            )
        )
    )


def _kernel_work(big: dict) -> str:
    """What the kernel did for the full run and for the floor (benchmarks/kernel.py: its CPU time,
    the huge pages it faulted in), and what the machine charged for fresh memory in the same run
    (benchmarks/fresh_memory.py): "" for a results file measured before they were recorded."""
    full, fl = big["full_run"], big["floor"]
    if any(st.get(k) is None for st in (full, fl) for k in ("system_seconds", "cores_busy")):
        return ""
    work, floor_work = _cpu_seconds(full), _cpu_seconds(fl)
    text = (
        "Of those CPU seconds, the kernel's (benchmarks/kernel.py: system time, spent on the processes' "
        f"behalf): {full['system_seconds']:.0f} s of the full run's {work:.0f} "
        f"({full['system_seconds'] / work:.0%}), {fl['system_seconds']:.0f} s of the floor's {floor_work:.0f} "
        f"({fl['system_seconds'] / floor_work:.0%})."
    )
    if full.get("huge_page_bytes") is None or fl.get("huge_page_bytes") is None:
        return text
    faulted = full["huge_page_bytes"] / 2**30
    text += (
        f" The kernel faulted in {faulted:.1f} GiB of transparent huge pages during the full run, whose "
        f"memory peaked at {_gib(full['peak_rss_bytes'])}, and {fl['huge_page_bytes'] / 2**30:.1f} GiB during "
        "the floor: memory a process touches for the first time, or again after giving it back, each page "
        "zeroed before it is handed over."
    )
    fresh = big.get("fresh_memory")
    if not fresh:
        return text
    # the probe's two fills, as they are: one moment of a machine whose charge moves (it is not
    # a rate to multiply the run's huge pages by)
    return text + (
        f" The fresh-memory probe at the end of the same benchmark (benchmarks/fresh_memory.py) filled "
        f"{fresh['gib']:g} GiB again in {fresh['again_seconds']:.2f} s at once and in "
        f"{fresh['after_pause_seconds']:.2f} s after a pause of {fresh['pause_seconds']:g} s"
        + (
            f": {fresh['after_pause_seconds'] / fresh['again_seconds']:.0f} times as long, the host taking back "
            "what its guest frees."
            if fresh["after_pause_seconds"] >= 2 * fresh["again_seconds"]
            else ", less than twice as long: at that moment the machine charged little for the pause."
        )
        + " What would move the kernel's share is the run's own allocating: fewer intermediate columns "
        "and frames, each of them memory the kernel fills afresh."
    )


def _stage_kernel(st: dict) -> str:
    """`, N% of the machine's CPU time in the kernel, G GiB of huge pages faulted in` over a stage
    of the run, as much of it as was recorded (benchmarks/kernel.py). Machine-wide, as the cores
    busy are: the forked children working beside the stage (the stored copies' writers, the
    suites) count in it too."""
    out = ""
    if st.get("system_seconds") is not None and st.get("cores_busy"):
        share = st["system_seconds"] / _cpu_seconds(st)
        out += f", {share:.0%} of the machine's CPU time in the kernel"
    if st.get("huge_page_bytes") is not None:
        out += f", {st['huge_page_bytes'] / 2**30:.1f} GiB of huge pages faulted in"
    return out


def _cpu_seconds(stretch: dict) -> float:
    """The CPU seconds a measured stretch (a results file's `full_run` or `floor`) took: its
    seconds times the cores it kept busy."""
    return stretch["seconds"] * stretch["cores_busy"]


def _day_cores(runs: list[dict]) -> str:
    """`, were ...`: cores busy, CPU seconds and ratio of each of the day's runs that recorded them,
    when two or more did; "" otherwise."""
    busy = [(r, _cpu_seconds(r["full_run"])) for r in runs if r["full_run"].get("cores_busy")]
    if len(busy) < 2:
        return ""
    work = [w for _, w in busy]
    return (
        f", were the run's CPU time fixed. It is not: the day's runs took {min(work):.0f}-{max(work):.0f} "
        "CPU seconds (cores busy, CPU seconds, ratio: "
        + "; ".join(
            f"{r['full_run']['cores_busy']:.2f}, {w:.0f} s, {_ratio_text(r)}x (`{r['commit']}`)" for r, w in busy
        )
        + "), and a run that kept the cores busier did not always take fewer seconds"
    )


def _same_day_peaks(same_day: list[dict]) -> list[tuple[str, int]]:
    """(commit, peak bytes) of each of the same day's results (`_same_day`), in file order."""
    return [(r["commit"], r["full_run"]["peak_rss_bytes"]) for r in same_day]


def _same_day_ratios(big: dict, runs: list[dict]) -> str:
    """The full run, floor and their ratio of each of the same day's results (`_same_day`), when
    there is more than one: both move with the machine's speed, and not always together."""
    if len(runs) < 2:
        return ""
    return (
        f"The ratio moves from run to run: {big['scale']} runs of the same day kept in benchmarks/results, "
        "each a ratio within one run: "
        + ", ".join(
            f"{r['full_run']['seconds']:.1f} s against {r['floor']['seconds']:.1f} s "
            f"= {_ratio_text(r)}x (`{r['commit']}`)"
            for r in runs
        )
        + f"; {sum(_within(_ratio(r), big['targets']['ratio_max']) for r in runs)} of these {len(runs)} within the "
        f"{big['targets']['ratio_max']}x target. The runs of code older than `299ef75` were timed while the "
        "benchmark read each forked child's memory from its smaps_rollup, for which the kernel walks the "
        "child's page tables: it slowed the full run, never the floor, so their ratios read high "
        "(benchmarks/memory.py says by how much in the runs measured, and reads the machine's counters instead)."
    )


#: what each probe of machine_speed.py came before, as run.py names them
SPEED_POINTS = {
    "full_run": "before the full run",
    "floor": "before the floor",
    "queries": "before the queries and exports",
    "incremental": "before the 1% changes",
    "end": "at the end",
}


def _machine_speed(big: dict) -> str:
    """How fast the machine was before each measure of the run (benchmarks/machine_speed.py,
    its seconds in the results file's `machine_speed`), each probe slower or quicker than the
    one before the full run by a tenth or more said as a multiple of it: a measure taken while
    the machine was slower than during the full run is not the code's alone. "" for a results
    file measured before the probe was taken."""
    probe = big.get("machine_speed")
    if not probe or not probe.get("seconds", {}).get("full_run"):
        return ""
    seconds = probe["seconds"]
    first = seconds["full_run"]

    def said(point: str, value: float) -> str:
        where = SPEED_POINTS.get(point, f"at {point}")
        times = value / first
        return f"{value:.3f} s {where}" + (f" ({times:.2f}x)" if abs(times - 1) >= 0.1 else "")

    return (
        f"The machine's speed through the run (benchmarks/machine_speed.py: numpy sorting the same "
        f"{probe['sorted']:,} integers on one core, the median of three): "
        + ", ".join(said(point, value) for point, value in seconds.items())
        + (
            "; a probe a tenth slower or more than the one before the full run found the machine slower at "
            "that moment than when the full run started (a probe is one moment, not the stretch after it)."
            if any(v / first >= 1.1 for v in seconds.values())
            else ": no probe found the machine a tenth slower than before the full run."
        )
    )


def _slowest_change(inc: dict) -> str:
    """Where the slowest of the 1% changes spent more than the median one, step by step (from
    `run_steps`), when the results file has them; "" otherwise."""
    runs, steps = inc.get("runs") or [], inc.get("run_steps") or []
    if len(runs) < 2 or len(steps) != len(runs):
        return ""
    at = max(range(len(runs)), key=lambda i: runs[i])
    if runs[at] <= inc["seconds"]:
        return ""
    more = {k: v - inc["steps"].get(k, 0.0) for k, v in steps[at].items()}
    named = [f"`{k}` +{d:.1f} s" for k, d in sorted(more.items(), key=lambda kv: -kv[1]) if d >= 0.1][:5]
    return (
        f" The slowest change (run {at + 1}, {runs[at]:.1f} s) spent more than the median one in "
        + (", ".join(named) if named else "no step by 0.1 s or more (the time between steps)")
        + "."
    )


def _same_day_changes(big: dict, same_day: list[dict]) -> str:
    """The 1% change of each results file of `big`'s scale and date, with its full run, when there
    is more than one: the share moves with both (the machine's speed varies within a day)."""
    runs = [r for r in same_day if r.get("incremental")]
    if len(runs) < 2:
        return ""
    own = [r for r in runs if r["incremental"].get("process") == "own"]
    return (
        f" {big['scale'].capitalize()} runs of the same day kept in benchmarks/results, each a ratio within "
        "one run: "
        + ", ".join(
            f"{r['incremental']['seconds']:.1f} s of a {r['full_run']['seconds']:.1f} s full run "
            f"= {_share_text(r)} (`{r['commit']}`"
            + (", a process of its own" if r in own and len(own) < len(runs) else "")
            + ")"
            for r in runs
        )
        + "."
        + (
            " The others timed the partial run in the benchmark's process, after the full run, where the "
            "libraries a run loads as it goes (Great Expectations) were loaded already."
            if own and len(own) < len(runs)
            else ""
        )
    )


def latest(kind: str = "pipeline") -> list[dict]:
    """The latest results file of each scale: `pipeline` (benchmarks/run.py), `neo4j`
    (benchmarks/neo4j_bench.py, files marked "kind": "neo4j") or `baseline` (benchmarks/run.py
    at an earlier commit, marked "kind": "baseline"; see render_baselines)."""
    found: dict[str, tuple[str, dict]] = {}
    for path in sorted(RESULTS.glob("*.json")):
        r = json.loads(path.read_text(encoding="utf-8"))
        if r.get("kind", "pipeline") == kind:
            found[r["scale"]] = (path.name, r)
    return [{**found[s][1], "_file": found[s][0]} for s in SCALES if s in found]


def render_neo4j(results: list[dict], heading: str = "## Neo4j beside the embedded store") -> list[str]:
    """The Neo4j section: live load, bulk import and every query beside the embedded store."""
    if not results:
        return []
    out = [
        "",
        heading,
        "",
        "Measured with `benchmarks/neo4j_bench.py` on a real Neo4j Community server started by",
        "`tests/neo4j_server/server.sh` (Bolt on 127.0.0.1, the driver in the same machine), the",
        "graph of the same scale's pipeline run. Both stores gave the same graph (fingerprint) and",
        "the same answer to every query in that run, or it would have stopped.",
        "",
    ]
    for r in results:
        n, live, bulk = r["neo4j"], r["live_load"], r["bulk_import"]
        out += [
            f"{'#' * (heading.count('#') + 1)} {r['scale']} ({r['districts']:,} districts), {r['date']}",
            "",
            f"Command: `{r['command']}` (results `{r['_file']}`). Neo4j {n['version']} {n['edition']}, heap "
            f"{n['heap']}, page cache {n['pagecache']}; {r['nodes']:,} nodes and {r['relationships']:,} "
            f"relationships.",
            "",
            "| load | seconds | rows/s | settings |",
            "|---|---|---|---|",
            f"| live load into an empty database (`UNWIND $rows MERGE`) | {live['seconds']:.1f} | "
            f"{live['rows_per_second']:,} | batch size {live['batch_size']:,} |",
            f"| the same live load again (nothing changes) | {live['reload_seconds']:.1f} | "
            f"{live['reload_rows_per_second']:,} | batch size {live['batch_size']:,} |",
            f"| bulk: `neo4j-admin database import full` (the bundle's import.sh) | {bulk['import_seconds']:.1f} | "
            f"{bulk['rows_per_second']:,} | `--max-off-heap-memory={bulk['max_off_heap_memory']}` |",
            f"| bulk: writing the bundle (`sanshe export neo4j-import`) | {bulk['bundle_seconds']:.1f} | | |",
            f"| bulk: constraints.cypher on the imported store | {bulk['constraints_seconds']:.1f} | | |",
            "",
            "| query | embedded p50 | embedded p95 | Neo4j p50 | Neo4j p95 | rows |",
            "|---|---|---|---|---|---|",
        ]
        for name, q in r["queries"].items():
            e, j = q["embedded"], q["neo4j"]
            out.append(
                f"| `{name}` | {e['p50_seconds']:.3f} s | {e['p95_seconds']:.3f} s | {j['p50_seconds']:.3f} s | "
                f"{j['p95_seconds']:.3f} s | {j['rows']:,} |"
            )
    return out


def _workers(r: dict) -> str:
    """How many processes the latest run shared its contract checks among, when it says."""
    if "workers" not in r:
        return ""  # measured before the checks could be shared: one process
    return (
        f" The run shared the contract checks of long files and the writing of the accepted tables among "
        f"{r['workers']} processes (`SANSHE_WORKERS`, default the CPUs there are)."
    )


def _gib(n: int) -> str:
    return f"{n / 2**30:.2f} GiB"


def _verdict(ok: bool) -> str:
    return "met" if ok else "**not met**"


def render(results: list[dict], neo4j_results: list[dict] | None = None, baselines: list[dict] | None = None) -> str:
    out = [
        "<!-- Generated by `python benchmarks/report.py` from benchmarks/results/*.json. Do not edit. -->",
        "# Performance",
        "",
        "Measured with `benchmarks/run.py` (run on purpose, never by the tests): the whole Dagster job on",
        "generated registers of a named scale (`sanshe generate --scale ...`), against the floor measured",
        "in the same run (pyarrow reading the same files, plus a bulk copy of the final node and",
        "relationship tables into an empty embedded store). Ratios compare figures of one run; the",
        "machines are noisy, so compare ratios rather than seconds across runs. A run whose code changed while",
        "it ran (a file edited, added or committed: `results_file.tree_state`) writes no results. To judge a change of",
        "a few seconds, `benchmarks/ab.py A B --runs 4` runs the job with the code of each revision in",
        "turn and compares the runs pair by pair. To work on the graph step alone, `benchmarks/graph_step.py`",
        "loads the graph from the stored copies an earlier run left, printing when each part was built",
        "and each table copied, and how long the copy waited for its next table. One cause of the noise is",
        "the machine: where the host takes back the memory its guest has freed, memory touched again a few",
        "seconds after it was freed costs many times what it costs within the second",
        "(`benchmarks/fresh_memory.py` times it), and the run frees and allocates gigabytes from stage to",
        "stage and in every forked child, not the same amount in every run.",
        "",
    ]
    if not results:
        return "\n".join([*out, "No results yet: run `python benchmarks/run.py --scale city`.", ""])
    m = results[-1]["machine"]
    out += [
        f"Machine: {m['cpus']} CPUs, {_gib(m['memory_bytes'])} memory, Python {m['python']}, {m['platform']}."
        + _workers(results[-1]),
        "",
        "## Summary",
        "",
        "| scale | districts | rows read | full run | peak memory | floor | full / floor | slowest query p95 | 1% incremental | results |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        q95 = max(q["p95_seconds"] for q in r["queries"].values())
        out.append(
            f"| {r['scale']} | {r['districts']:,} | {r['rows_read']:,} | {r['full_run']['seconds']:.1f} s | "
            f"{_gib(r['full_run']['peak_rss_bytes'])} | {r['floor']['seconds']:.1f} s | {_ratio_text(r)} | "
            f"{q95:.3f} s | {r['incremental']['seconds']:.1f} s "
            f"({_share_text(r, 0)}) | "
            f"`{r['_file']}` |"
        )
    big = results[-1]
    same_day = _same_day(big)  # read once for the ratios, the 1% changes and the peaks
    ratios = _same_day_ratios(big, same_day)
    total = sum(st["seconds"] for st in big["stages"].values()) or 1
    out += [
        "",
        f"## What bounds the {big['scale']} run",
        "",
        *([ratios, ""] if ratios else []),
        *([speed, ""] if (speed := _machine_speed(big)) else []),
        *([busy, ""] if (busy := _cores_busy(big, same_day)) else []),
        *([kernel, ""] if (kernel := _kernel_work(big)) else []),
        "Stages by their share of the run, and what would move each:",
        "",
    ]
    for name, st in sorted(big["stages"].items(), key=lambda kv: -kv[1]["seconds"]):
        remedy = REMEDIES.get(name, "").format(floor_load=big["floor"]["load_seconds"])
        measured = _store_statements(big, st["seconds"]) if name == "graph load" else ""
        cores = f", {st['cores_busy']:.1f} cores busy" if st.get("cores_busy") is not None else ""
        cores += _stage_kernel(st)
        out.append(f"- **{name}**, {st['seconds']:.0f} s ({st['seconds'] / total:.0%}{cores}): {remedy}.{measured}")
    if big.get("steps"):
        top = list(big["steps"].items())[:8]
        out += ["", "Slowest steps of that run: " + ", ".join(f"`{k}` {v:.1f} s" for k, v in top) + "."]
    slow = {n: q for n, q in big["queries"].items() if q["p95_seconds"] > big["targets"]["query_p95_seconds_max"]}
    whole = {n: q for n, q in slow.items() if q.get("bound_from", "whole answer") == "whole answer"}
    rest = {n: q for n, q in slow.items() if n not in whole}
    if not _scoped(big):  # measured before the catalogue took scopes: every answer was whole
        if slow:
            out += [
                "",
                "Queries over the p95 target return, at this scale, one row per community, street, hub or "
                "provider pair of the whole country (the row counts below): a national analyst asks them per "
                "district or province, which the catalogue did not offer at the commit measured. Slowest: "
                + ", ".join(
                    f"`{n}` {q['p95_seconds']:.1f} s for {q['rows']:,} rows"
                    for n, q in sorted(slow.items(), key=lambda kv: -kv[1]["p95_seconds"])[:4]
                )
                + ".",
            ]
    else:
        if whole:
            out += [
                "",
                "Queries over the p95 target whose default (bounded) answer still reads the whole country's "
                "answer in the store and keeps the first rows (the bound caps what is shown, not what is "
                "computed): "
                + ", ".join(
                    f"`{n}` {q['p95_seconds']:.1f} s for {q['rows'] + q['rest']:,} rows"
                    for n, q in sorted(whole.items(), key=lambda kv: -kv[1]["p95_seconds"])
                )
                + ".",
            ]
        if rest:
            out += [
                "",
                "Over the target although computed from load-time facts (companions) or already an aggregate: "
                + _slowest_first(rest)
                + ". Their companions read a handful of rows, but the embedded store joins by hashing a whole "
                "table unless a join-order HINT lets it extend from those rows, so each join with organisations "
                "or projects still reads that table.",
            ]
    district_max = big["targets"].get("query_district_p95_seconds_max")
    scoped_slow = {
        n: q["district"]
        for n, q in big["queries"].items()
        if district_max and q.get("district") and q["district"]["p95_seconds"] > district_max
    }
    if scoped_slow:
        out += [
            "",
            "Scoped to one district, over the target: " + _slowest_first(scoped_slow) + ".",
        ]
    bounds = [f"`{n}`: {QUERY_BOUNDS[n]}" for n in [*slow, *scoped_slow] if n in QUERY_BOUNDS]
    if bounds:
        out += ["", "What bounds them, and what would move them:", ""]
        out += [f"- {b}." for b in dict.fromkeys(bounds)]
    inc = big["incremental"]
    load = big["stages"].get("graph load", {}).get("seconds", 0)
    # the graph's load after a change: graph_changes (decided and built ahead) and graph (carried out)
    inc_steps = inc.get("steps", {})
    inc_load = sum(inc_steps[k] for k in ("graph_changes", "graph") if k in inc_steps) if "graph" in inc_steps else None
    inc_digested = [n for n in inc.get("graph_load", {}).get("inputs_digested", []) if n != "dataset"]
    inc_updated = inc.get("graph_load", {}).get("rows_updated", {})
    out += [
        "",
        f"The incremental run ({inc['seconds']:.0f} s, "
        f"{_share_text(big, 0)} of the full run"
        + (
            f"; the median of {len(inc['runs'])} changes of 1% made one after another, "
            + ", ".join(f"{s:.1f} s" for s in inc["runs"])
            + (
                ", each in a process of its own as the sensor's run is"
                if inc.get("process") == "own"
                else ", the process's query reader closed first"
            )
            if len(inc.get("runs", [])) > 1
            else ""
        )
        + ") re-reads and re-checks only the changed register"
        + (
            f"; its graph steps took {inc_load:.0f} s against the full run's {load:.0f} s (only the parts of the "
            "graph whose inputs changed are built, and only the tables whose digest changed are loaded again, "
            "in a copy of the store)."
            if inc_load is not None
            else f"; the full run's graph load takes {load:.0f} s."
        )
        + _same_day_changes(big, same_day),
    ]
    slowest = _slowest_change(inc)
    if slowest:
        out[-1] += slowest
    if inc.get("steps"):
        out += [
            "Its slowest steps: " + ", ".join(f"`{k}` {v:.1f} s" for k, v in list(inc["steps"].items())[:6]) + ". "
            "A partial run reads of each stored register only what its steps use, once however many of them "
            "read it: a register's rows when a step first uses them, one column alone when that is all a step "
            "asks for (the changed register's references, the providers and award "
            "days the evaluations part looks up), and its histories when a part of the graph reads one (the "
            "copy's header says their rows, which is all the parts are weighed by: pipelines/graph/tables.py "
            "Histories; and each file's accepted rows, which the accounting reports: pipelines/common/stored_copy.py), "
            "so an unchanged register no step reads is never read whole; "
            "and `accepted_tables` writes only the tables of the registers made in the run, keeping those "
            "written from the very stored copies it loaded (the run that made each is kept beside it). "
            "The load is decided and built ahead, in `graph_changes`, while the changed register's Great "
            "Expectations suite is validated in a forked child (offered once `resolved_registers` is made; "
            "before, the blocking check waited for it with the run's own core idle, then the graph step "
            "built), and carried out in `graph` once the check passed"
            + (" (here it was)" if inc.get("graph_load", {}).get("built_ahead") else "")
            + ". That child validates alone: it loads Great Expectations and renders the suite's pages itself, "
            "so the partial run's process need not load the library (2.5 s in the hook after "
            "`resolved_registers` before). `graph_changes` digests only the inputs of the registers the run made"
            + (f", here {', '.join(f'`{n}`' for n in inc_digested)}" if inc_digested else "")
            + " (the others' digests are kept with the run that made them), makes the current rows only of the "
            "registers the parts it builds read (where each key's current row is, the copy holds: found by the "
            "child that wrote it; for the changed register, found by sorting its snapshot columns, its key naming "
            "each row once, as the contract step found when it looked for repeated keys, and the run holds beside "
            "the column rather than hashing the keys again: data_contracts/distinct.py), takes the copy of the store file started on a thread when the run "
            "started (pipelines/graph/file_copy.py: its disk work overlaps reading and checking the changed "
            "register, and no longer slows the suite's child loading Great Expectations beside "
            "`graph_changes`), flushed to disk on that thread (else the store's checkpoint writes its 1.3 GB "
            "out in the graph step), and sets the changed rows of a node table whose keys did not change in place (its "
            "relationships stay; only the columns where a changed row differs are set, as the store's checkpoint "
            "at close rewrites what was set: store._row_changes)"
            + (f": {', '.join(f'{n:,} `{k}` rows' for k, n in inc_updated.items())}" if inc_updated else "")
            + "; it counts only the tables it copied again (the others' counts are kept with the digests) and "
            "removes the replaced store file on a thread after the swap (freeing 1.3 GB took 0.25-0.31 s). "
            "`later_awards` hashes the project ids of both registers once, together. "
            "What is left for a 1% change: the changed register is read, checked, resolved and validated "
            "whole rather than its changed rows (its raw and validated rows hold personal data and are never "
            "stored, so there are no earlier rows to compare them with); the parts reading the changed "
            "register are built whole; and the store reads the changed node tables back to compare them (read "
            "on a thread while the parts are built, it slowed the build as much: ladybug hands a result over "
            "as Arrow holding Python's lock)."
        ]
    exports = {n: q["export"] for n, q in big["queries"].items() if q.get("export")}
    floor_rate = big["targets"].get("export_rows_per_second_min")
    if exports and floor_rate:
        name, e = max(exports.items(), key=lambda kv: kv[1]["rows"])
        if e["rows_per_second"] < floor_rate:
            plans = big.get("export_parameter_plans") or {}
            out += ["", _export_narrative(name, e, big.get("export_floor"), floor_rate, plans)]
    out += [
        "",
        "Memory: the stage tables below give the peak while each stage ran. From the resolution on, every "
        "resolved register is held at once (the graph and the suites read them all), with dates as Python "
        "objects and lists as Arrow (data_contracts/lists.py); the graph load adds the intermediate frames of the two parts it builds at once, its "
        "Arrow tables and the store's own memory for the copy. A run limits glibc's malloc to two heaps and gives "
        "their free memory back after each commit of the copy (pipelines/common/malloc.py), Great Expectations "
        "no longer keeps each validated batch to the end of the run (pipelines/quality/gx.py), and the inputs "
        "are digested a column at a time. Arrow dates would shrink the registers further (not measured yet).",
    ]
    peaks = _same_day_peaks(same_day)
    if len(peaks) > 1:
        out[-1] += (
            " The peak moves from run to run: national runs of the same day kept in benchmarks/results peaked at "
            + ", ".join(f"{_gib(peak)} (`{commit}`)" for commit, peak in peaks)
            + "; compare with the target knowing that."
        )
    for r in results:
        t = r["targets"]
        q95 = max(q["p95_seconds"] for q in r["queries"].values())
        # judged from the seconds, not the rounded ratios the results file keeps (10.02% is not 10%)
        ratio, share = _ratio(r), _share(r)
        out += [
            "",
            f"## {r['scale']} ({r['districts']:,} districts), {r['date']}",
            "",
            f"Command: `{r['command']}`. Rows read: {r['rows_read']:,}; graph: {r['graph_rows']:,} nodes and "
            f"relationships.",
            "",
            "| target (issues 6 and 17, national scale) | measured | |",
            "|---|---|---|",
            f"| full run at most {t['full_run_seconds_max']} s | {r['full_run']['seconds']:.1f} s | "
            f"{_verdict(r['full_run']['seconds'] <= t['full_run_seconds_max'])} |",
            f"| peak memory at most {_gib(t['peak_rss_bytes_max'])} | {_gib(r['full_run']['peak_rss_bytes'])} | "
            f"{_verdict(r['full_run']['peak_rss_bytes'] <= t['peak_rss_bytes_max'])} |",
            f"| full run at most {t['ratio_max']} x the floor | {_ratio_text(r)} x | "
            f"{_verdict(_within(ratio, t['ratio_max']))} |",
            f"| every query p95 at most {t['query_p95_seconds_max']} s | slowest {q95:.3f} s | "
            f"{_verdict(q95 <= t['query_p95_seconds_max'])} |",
            *_scoped_targets(r),
            f"| 1% change in at most {t['incremental_share_max']:.0%} of the full run | "
            f"{_share_text(r)} | "
            f"{_verdict(_within(share, t['incremental_share_max']))} |",
            *_rerun_target(r),
            "",
            "| stage | seconds | share | rows/s | peak memory during it |",
            "|---|---|---|---|---|",
        ]
        total = sum(s["seconds"] for s in r["stages"].values()) or 1
        for name in STAGE_ORDER:
            s = r["stages"].get(name)
            if s:
                rate = f"{s['rows_per_second']:,}" if s["rows_per_second"] else ""
                out.append(
                    f"| {name} | {s['seconds']:.1f} | {s['seconds'] / total:.0%} | {rate} | {_gib(s['peak_rss_bytes'])} |"
                )
        fl = r["floor"]
        out += [
            "",
            f"Floor: {fl['seconds']:.1f} s = reading {fl['rows_read']:,} rows with pyarrow {fl['read_seconds']:.1f} s "
            f"+ bulk copy into an empty store {fl['load_seconds']:.1f} s. Incremental: {r['incremental']['changed_rows']:,} "
            f"evaluations changed, the inbox sensor selected {r['incremental']['assets']} assets "
            f"({', '.join(r['incremental']['changed'])} and what depends on it).{_rerun_line(r)}",
            "",
        ]
        out += _query_table(r)
    out += render_baselines(results, baselines if baselines is not None else latest("baseline"))
    out += render_neo4j(neo4j_results if neo4j_results is not None else latest("neo4j"))
    return "\n".join(out) + "\n"


def _rerun_target(r: dict) -> list[str]:
    """The peak target's row for the re-run with 1% of every register changed, where the
    results file measured one (benchmarks/run.py `rerun_every_register`)."""
    rerun, top = r.get("rerun"), r["targets"]["peak_rss_bytes_max"]
    if not rerun:
        return []
    if "error" in rerun:
        return [
            f"| peak memory of a re-run, 1% of every register changed, at most {_gib(top)} | failed | **not met** |"
        ]
    return [
        f"| peak memory of a re-run, 1% of every register changed, at most {_gib(top)} | "
        f"{_gib(rerun['peak_rss_bytes'])} | {_verdict(rerun['peak_rss_bytes'] <= top)} |"
    ]


def _rerun_line(r: dict) -> str:
    """What the re-run changed, how long it took and how it loaded the graph ('' when not
    measured)."""
    rerun = r.get("rerun")
    if not rerun:
        return ""
    if "error" in rerun:
        last = rerun["error"].strip().splitlines()[-1:] or ["no message"]
        return f" Re-run: 1% of every register changed, the sensor's selection failed: `{last[0]}`."
    g = rerun["graph_load"]
    how = (
        "every part built and copied into a new store as it was built (the changed parts read more than "
        "half the rows the graph's parts read: incremental.HELD_SHARE_MAX)"
        if g.get("streamed")
        else f"{g['mode']}, parts built {', '.join(g['parts_built']) or 'none'}"
    )
    return (
        f" Re-run: 1% of every register changed ({sum(rerun['changed_rows'].values()):,} rows in "
        f"{len(rerun['changed_rows'])} files), the sensor's selection ({rerun['assets']} assets) run on the "
        f"full run's output in a process of its own: {rerun['seconds']:.1f} s ({rerun['share_of_full_run']:.0%} "
        f"of the full run), peak {_gib(rerun['peak_rss_bytes'])}; graph load: {how}."
    )


def _scoped(r: dict) -> bool:
    """Whether a results file measured the default (bounded), district-scoped and exported
    answers (benchmarks/run.py since the catalogue took scopes), not only whole answers."""
    return any("export" in q for q in r["queries"].values())


def _scoped_targets(r: dict) -> list[str]:
    """The target rows for district-scoped queries and the export, where the file has them."""
    t = r["targets"]
    if not _scoped(r) or "query_district_p95_seconds_max" not in t:
        return []
    scoped = [q["district"]["p95_seconds"] for q in r["queries"].values() if "district" in q]
    d95 = max(scoped, default=0.0)
    # the export measured on the largest whole-country answer
    big = max((q["export"] for q in r["queries"].values()), key=lambda e: e["rows"])
    return [
        f"| every query scoped to one district p95 at most {t['query_district_p95_seconds_max']} s | "
        f"slowest {d95:.3f} s | {_verdict(d95 <= t['query_district_p95_seconds_max'])} |",
        f"| a whole-country export at least {t['export_rows_per_second_min']:,} rows/s | "
        f"{big['rows_per_second']:,} rows/s ({big['rows']:,} rows{_tries(big)}) | "
        f"{_verdict(big['rows_per_second'] >= t['export_rows_per_second_min'])} |",
    ]


def _query_table(r: dict) -> list[str]:
    """Each query's times: whole answers (older files), or default, district-scoped and export."""
    if not _scoped(r):
        out = ["| query | p50 | p95 | rows |", "|---|---|---|---|"]
        for name, q in r["queries"].items():
            out.append(f"| `{name}` | {q['p50_seconds']:.3f} s | {q['p95_seconds']:.3f} s | {q['rows']:,} |")
        return out
    tries = max((len(q["export"].get("tries_seconds", [0])) for q in r["queries"].values()), default=1)
    written = "once" if tries == 1 else f"{tries} times, the median try shown"
    out = [
        "Default: the bounded answer `sanshe query NAME` prints (rows shown + rows left out); district: the same "
        f"with `--scope` the first district's code; export: the whole answer written by `--out FILE.parquet`, {written}. "
        "Bound from: how the default answer was found (companions: two reads of load-time facts; whole answer: "
        "computed whole and its first rows kept; aggregate: the answer is already small); a district's answer "
        "found by the companions is marked (companions). The queries run one after another in the "
        "benchmark's process, with the store kept open as a long-running service or notebook holds it; "
        "`sanshe query` opens the database on each call, and that open and its cold reads come on top (not "
        "measured here).",
        "",
        "| query | default p50 | default p95 | rows shown + left out | bound from | district p50 | district p95 "
        "| district rows | export rows | export rows/s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, q in r["queries"].items():
        d, e = q.get("district"), q["export"]
        scoped = (
            f"{d['p50_seconds']:.3f} s | {d['p95_seconds']:.3f} s{_companions(d)} | {d['rows'] + d['rest']:,}"
            if d
            else "— | — | —"
        )
        out.append(
            f"| `{name}` | {q['p50_seconds']:.3f} s | {q['p95_seconds']:.3f} s | {q['rows']:,} + {q['rest']:,} | "
            f"{q.get('bound_from', '—')} | {scoped} | {e['rows']:,} | {e['rows_per_second']:,} |"
        )
    return out


def _ratio(r: dict) -> float:
    """The full run's seconds over the floor's, unrounded (the results file keeps it rounded)."""
    return r["full_run"]["seconds"] / r["floor"]["seconds"]


def _share(r: dict) -> float:
    """The 1% change's seconds over the full run's, unrounded."""
    return r["incremental"]["seconds"] / r["full_run"]["seconds"]


def _ratio_text(r: dict, digits: int = 2) -> str:
    """`_ratio` as the page writes it (`_near` its target)."""
    return _near(_ratio(r), r["targets"]["ratio_max"], digits)


def _share_text(r: dict, digits: int = 1) -> str:
    """`_share` as the page writes it, a percentage (`_near` its target)."""
    return _near(_share(r), r["targets"]["incremental_share_max"], digits, percent=True)


def _within(value: float, limit: float) -> bool:
    """`value <= limit`, a value equal to the limit but for float division's last bit included
    (5.105 s / 51.05 s is 10%, computed as 0.10000000000000002)."""
    return value <= limit or math.isclose(value, limit, rel_tol=1e-9)


def _near(value: float, limit: float, digits: int, percent: bool = False) -> str:
    """`value` with `digits` decimals (as a percentage with `percent`), and more where fewer would
    write it as the `limit` it is not: a share of 10.02% against 10% is not written 10.0%, nor
    10.004% as 10.00%. A value equal to the limit (`_within` both ways) is written as it."""
    kind = "%" if percent else "f"

    def text(x: float, n: int) -> str:
        return f"{x:.{n}{kind}}"

    if math.isclose(value, limit, rel_tol=1e-9):
        return text(value, digits)
    for n in range(digits, digits + 8):
        if text(value, n) != text(limit, n):
            return text(value, n)
    return text(value, digits + 8)


def _tries(e: dict) -> str:
    """`, the median of N exports: a, b, c s` where the results file has every try's seconds
    (run.py `exported`), and the first try's rows/s where it was the slowest: the first export
    of a process is the one a user's `sanshe query --out` makes. Nothing for older files, whose
    export was tried once."""
    tries = e.get("tries_seconds") or []
    if len(tries) < 2:
        return ""
    text = f", the median of {len(tries)} exports: " + ", ".join(f"{s:.1f}" for s in tries) + " s"
    if tries[0] > max(tries[1:]) and tries[0] > 0:
        text += f"; the first, the slowest, {round(e['rows'] / tries[0]):,} rows/s"
    return text


def _export_narrative(name: str, e: dict, fl: dict | None, target: int, plans: dict) -> str:
    """Why the largest export is below its target: how its time split (where measured), how
    ladybug planned its query with parameters and with literals (where measured), and the
    export floor, the rate the store hands out rows with nothing to compute."""
    tries = _tries(e)
    tries += tries and " (the figures below are the median export's)"
    text = (
        f"Export: the largest whole answer, `{name}`, {e['rows']:,} rows in {e['seconds']:.1f} s{tries}. The store "
        "computes the whole answer before the first row is written (ladybug materialises a result), so the time "
        "includes the whole query, which the companions' facts do not bound (they bound the first rows)"
    )
    if "query_seconds" not in e:
        return text + "; how it splits between the query and the writing was not measured."
    text += f": {e['query_seconds']:.1f} s computing the answer, {e['arrow_seconds']:.1f} s handing it over as Arrow, "
    if "order_seconds" in e:
        text += (
            f"{e['order_seconds']:.1f} s putting it in the declared order with pyarrow (the store is sent the query "
            f"without its ORDER BY), {e['write_seconds']:.1f} s gathering the rows in that order and writing Parquet."
        )
    else:
        text += f"{e['write_seconds']:.1f} s writing Parquet."
    text += (
        " A national answer with at least as many rows as a node table has nodes (the count companion says how "
        "many before it is computed) is asked for those nodes' positions in their tables (`offset(id(n))`, two to an int64 column where "
        "no node can be empty: the hand-over's cost is by the value) rather than their columns, and each such table is read once: its columns join the rows as Arrow "
        "dictionaries, are ordered by their dictionaries' ranks and decoded as they are written, and the file is "
        "the plain answer's byte for byte (pipelines/graph/late_columns.py, tests/test_export_late.py); those "
        "tables are read on a thread while the store computes the answer, whose query lets go of the GIL their "
        "hand-over holds (the computing above includes their share of the cores, the hand-over any wait for "
        "them and joining their columns to the rows). ladybug hands a result over value by value, so the rows' text, "
        "repeated for every row an organisation or project is on, cost it more than the tables do."
    )
    if plans.get("query") == name:
        given = ", ".join(f"`{k}` = {v}" for k, v in plans["parameters"].items())
        text += (
            f" The same query ({given}) computed in {plans['parameter_query_seconds']:.1f} s with its parameters sent "
            f"as parameters, as the catalogue always sends them, and in {plans['literal_query_seconds']:.1f} s with "
            "them written into the text (measured by the benchmark only). Without the join-order HINTs its national "
            "text carries, ladybug plans a filter on a parameter as if every row passed it: it joins the later "
            "awards first, so the hash joins after them build from every row of the answer rather than from the "
            "evaluations and projects those rows share; the HINTs give the parameterised text the join order the "
            "store finds on its own only with literals, and a scoped text goes without them (`// unless $scope`)."
        )
    if "arrow_seconds" in e:
        store_alone = e["query_seconds"] + e["arrow_seconds"]
        rate = e["rows"] / store_alone
        text += (
            f" The store's own part, computing the answer and handing it over as Arrow, took {store_alone:.1f} s for "
            f"these rows, {rate:,.0f} rows/s before any of sanshe's work (ordering and writing)"
        )
        if rate < target:
            text += f": below the {target:,} rows/s target on its own, so the bound of this export is the store's."
        else:
            text += _ours_in_export(name, e, target, store_alone, plans)
    if fl:
        text += (
            f" The export floor, one label's {fl['rows']:,} rows in as many columns with no join "
            f"(`{fl['query']}`), ran at {fl['rows_per_second']:,} rows/s ({fl['query_seconds']:.1f} s computing, "
            f"{fl['arrow_seconds']:.1f} s as Arrow, {fl['write_seconds']:.1f} s writing)"
        )
        text += (
            ": with no join to compute, the store handing the rows over as Arrow and pyarrow writing them stay "
            "below the target on their own, so no export from this store reaches it on this machine; the largest "
            "answer's own time is mostly the store computing its joins."
            if fl["rows_per_second"] < target
            else "; the rest of the answer's time is its joins."
        )
    return text


def _ours_in_export(name: str, e: dict, target: int, store_alone: float, plans: dict) -> str:
    """The part of the export narrative for an answer the store alone hands over within the
    target: what ordering and writing took, whether the same answer written in no order
    (`unordered_export`, measured with the parameter plans) reaches the target, and how sanshe
    orders and writes."""
    text = (
        f", within the {target:,} rows/s target, leaving {e['rows'] / target - store_alone:.1f} s for ordering and "
        f"writing, which took {e.get('order_seconds', 0.0) + e['write_seconds']:.1f} s."
    )
    unordered = plans.get("unordered_export") if plans.get("query") == name else None
    if unordered:
        text += (
            f" The plain text (every column of every row) written as the store hands it over, in no order, took {unordered['seconds']:.1f} s "
            f"({unordered['query_seconds']:.1f} s computing, {unordered['arrow_seconds']:.1f} s as Arrow, "
            f"{unordered['write_seconds']:.1f} s pyarrow writing it), {unordered['rows_per_second']:,} rows/s: "
            + (
                "the export above, in order, took less than that (the plain text hands every row's columns over; "
                "the export gathers its nodes' columns per node), so the plain answer bounds it no longer, and "
                "what separates it from the target is the ordering and writing"
                if unordered["seconds"] > e["seconds"]
                else "in this run the store and pyarrow's writer alone stayed below the target with nothing of sanshe's "
                "between them, so what separates this export from it is mostly theirs, not the ordering"
                if unordered["rows_per_second"] < target
                else "in this run the store and pyarrow's writer alone reached the target, so sanshe's ordering "
                "and gathering are what keep the export below it"
            )
            + " (not a strict floor: rows in the declared order may encode faster than in the store's, and the "
            "store's own phases move with the machine from one export to the next)."
        )
    text += (
        " Ordering ranks each text key but the last among its distinct "
        "values (pyarrow hashing every row's text once, the keys on two threads; a column gathered per node by "
        "the ranks of its table's values, each table ranked once) and sorts by those ranks, "
        "then by the last key's and the other columns' values, which a sort compares only between rows tied "
        "on every column before them; writing gathers every column's values in that order, from one Arrow "
        "piece per column (the store hands the answer over in one piece where its text fits 32-bit offsets: "
        "store._as_arrow), and encodes them into one Parquet file, which pyarrow's writer does on one thread. "
        "Tried and not kept: the answer asked in two ranges of its first ordering key, each on a connection "
        "and thread of its own, took longer together than the whole asked once (the store's own query uses "
        "both cores already). ladybug hands a result over whole, with no batch before its last row, so the "
        "ordering cannot overlap the hand-over. What would move the writing: the answer encoded on both "
        "cores, by a Parquet writer that encodes columns in parallel (Arrow's C++ writer can, for a row group "
        "it buffers: ArrowWriterProperties' use_threads, which pyarrow 26's ParquetWriter does not expose) or "
        "as several files, one per range of the first ordering key (not tried: `--out` writes one file)."
    )
    return text


def _slowest_first(timings: dict[str, dict]) -> str:
    """`name` p95 (how its answer was bound), for each query timing, slowest first."""
    return ", ".join(
        f"`{n}` {t['p95_seconds']:.2f} s ({t.get('bound_from', 'whole answer')})"
        for n, t in sorted(timings.items(), key=lambda kv: -kv[1]["p95_seconds"])
    )


def _companions(entry: dict) -> str:
    return " (companions)" if entry.get("bound_from") == "companions" else ""


#: the stages an issue's "no slower than before" names
COMPARED = ["read", "contract checks"]


def render_baselines(results: list[dict], baselines: list[dict]) -> list[str]:
    """For each baseline file (benchmarks/run.py run at an earlier commit, its file marked
    "kind": "baseline" with that commit and the issues it is the "before" of), the stages those
    issues name against the latest results of the same scale, measured the same day."""
    after = {r["scale"]: r for r in results}
    out: list[str] = []
    for b in baselines:
        a = after.get(b["scale"])
        if a is None:
            continue
        issues = ", ".join(f"#{n}" for n in b["baseline_of"])
        out += [
            "",
            f"## {b['scale'].capitalize()} read and contract checks before and after {issues}",
            "",
            f"Before: commit `{b['commit']}`, `{b['command']}` ({b['date']}, `{b['_file']}`); after: "
            f"commit `{a.get('commit', '?')}`, `{a['command']}` ({a['date']}, `{a['_file']}`), "
            f"{'the same day' if a['date'] == b['date'] else 'on different days'} on a machine of the same size "
            "(not always in one session: the machines are noisy, so a ratio near 1 is within noise). Each commit "
            f"generated its own registers: {b['rows_read']:,} rows read before, {a['rows_read']:,} after.",
            "",
            "| stage | before | after | after / before | rows/s before | rows/s after |",
            "|---|---|---|---|---|---|",
        ]
        for name in [*COMPARED, "total"]:
            if name == "total":
                sb = sum(b["stages"][n]["seconds"] for n in COMPARED)
                sa = sum(a["stages"][n]["seconds"] for n in COMPARED)
                out.append(f"| **{' + '.join(COMPARED)}** | {sb:.1f} s | {sa:.1f} s | {sa / sb:.2f} | | |")
                continue
            x, y = b["stages"][name], a["stages"][name]
            out.append(
                f"| {name} | {x['seconds']:.1f} s | {y['seconds']:.1f} s | {y['seconds'] / x['seconds']:.2f} | "
                f"{x['rows_per_second']:,} | {y['rows_per_second']:,} |"
            )
    return out


def neo4j_page(text: str, results: list[dict]) -> str:
    """docs/neo4j.md with its figures block replaced by the Neo4j results."""
    start, end = text.index(BEGIN), text.index(END)
    head = text[: text.index("\n", start) + 1]
    body = (
        render_neo4j(results, heading="##")[2:]
        if results
        else ["No results yet: run `python benchmarks/neo4j_bench.py --scale city`."]
    )
    return head + "\n".join(body) + "\n" + text[end:]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    pages = {PAGE: render(latest()), NEO4J_PAGE: neo4j_page(NEO4J_PAGE.read_text(encoding="utf-8"), latest("neo4j"))}
    stale = [path for path, text in pages.items() if not path.exists() or path.read_text(encoding="utf-8") != text]
    if args.check:
        print(f"stale: {', '.join(p.name for p in stale)}: run python benchmarks/report.py" if stale else "up to date")
        return 1 if stale else 0
    for path in stale:
        path.write_text(pages[path], encoding="utf-8")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
