"""The benchmark: the whole pipeline at a named scale against the bulk-load floor, in one run.

    python benchmarks/run.py --scale national        # or district, city, province

Generates the scale's registers once (benchmarks/data/<scale>, kept between runs), then in one
process and one run of this script:

1. the full Dagster job, timed per stage from its step events (read, contract checks, Great
   Expectations, resolution, reports, graph load), with rows per second, and the peak resident
   memory, the machine's cores busy (cores.py) and the kernel's work (kernel.py: its CPU time,
   the huge pages it faulted in) sampled while each stage ran;
2. the floor: reading the same input files with pyarrow, and bulk-copying the final node and
   relationship tables into an empty embedded store, with nothing else (and the cores it kept
   busy, the kernel's work);
3. every catalogue query, repeated, p50 and p95: its bounded default answer at national level,
   and the same scoped to one district (`--scope`); then its whole answer exported to a
   Parquet file (`--out`) EXPORT_TRIES times, the median try reported in rows per second, with
   the store's time to compute the answer, hand it over as Arrow and write it, and every try's
   seconds; and the export floor, one label's rows with nothing to
   compute (EXPORT_FLOOR), exported the same way, and the largest export's query computed with
   its parameters written into the text instead (how ladybug plans a filter on a parameter);
4. incremental runs: 1% of the evaluations changed, then the inbox sensor's partial run in a
   process of its own (partial_run.py), three times one after another (another 1% each time)
   once this process's query reader is closed; the median is reported, with every run's time
   and steps;
5. a re-run: 1% of every register changed, then the sensor's selection (every asset) on the
   full run's output in a process of its own, with its peak memory and how it loaded the graph;
6. what the machine charges for memory touched again after a pause (fresh_memory.py);
7. how fast the machine was before 1, 2, 3 and 4 and at the end (machine_speed.py: the same
   sort each time), as a virtual machine's speed moves with its host's load.

Writes benchmarks/results/<date>-<scale>.json and prints a summary; when the code changed while it
ran (results_file.tree_state), it keeps the figures in its work folder instead and exits 1.
Never run by the tests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
from functools import partial
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks import fresh_memory, machine_speed, memory  # noqa: E402
from benchmarks.cores import busy_seconds, cores_busy, grown  # noqa: E402  (the repository on the path first)
from benchmarks.kernel import huge_page_bytes, huge_pages_faulted, system_seconds  # noqa: E402
from sanshe.progress import HOOKS  # noqa: E402  (the repository on the path first; a light module)

STAGES = {  # step-key ending -> stage
    # the job's hook: the suites validated ahead (Great Expectations loaded, children started and taken)
    HOOKS: "great expectations",
    "_expectations_passed": "great expectations",
    "_raw": "read",
    "_validated": "contract checks",
    "_resolved_expectations": "great expectations",
    "_resolved": "resolution",
    "graph_changes": "graph load",
    "graph": "graph load",
}
#: a query slower than this (seconds) is run once, not `--repeat` times; `runs` records it
SLOW_QUERY = 20.0
REPORT_STEPS = {"resolved_registers", "quarantine_report", "quarantine_report_accounting_adds_up", "accepted_tables"}


def stage_of(step: str) -> str:
    if step in REPORT_STEPS:
        return "reports"
    for ending, stage in STAGES.items():
        if step.endswith(ending):
            return stage
    return "other"


class RssSampler:
    """Resident memory of the run every `interval` seconds, with timestamps: this process's, plus
    what the processes it forks (the contract checks, the suites, the stored copies' writers) hold
    of their own, read from the machine's counters (benchmarks/memory.py says how, and why not
    from each child's smaps_rollup: the kernel walked their page tables for it, and the run
    waited). (Dagster's own helper processes, if any, count too; so would any other process of
    the machine that allocates meanwhile: the benchmark's machine runs nothing else.)"""

    def __init__(self, interval: float = 0.05):
        self.interval, self.samples, self._stop = interval, [], threading.Event()
        #: (time, the machine's busy CPU seconds: cores.busy_seconds), read with each sample
        self.busy: list[tuple[float, float]] = []
        #: (time, the kernel's CPU seconds: kernel.system_seconds), and (time, the huge pages it
        #: has faulted in: kernel.huge_pages_faulted), read with each sample where there are
        self.system: list[tuple[float, float]] = []
        self.huge_pages: list[tuple[float, float]] = []
        self._memory = memory.Sampler()

    def _rss(self) -> int:
        return self._memory.bytes()

    def _run(self) -> None:
        while not self._stop.is_set():
            # the machine's counters, then the memory (benchmarks/memory.py: a few /proc files)
            t, busy, system, huge = time.time(), busy_seconds(), system_seconds(), huge_pages_faulted()
            self.samples.append((t, self._rss()))
            for into, value in ((self.busy, busy), (self.system, system), (self.huge_pages, huge)):
                if value is not None:
                    into.append((t, value))
            time.sleep(self.interval)

    def __enter__(self) -> RssSampler:
        self._memory.baseline()  # before the run forks anything
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def peak(self, start: float, end: float) -> int:
        return max((r for t, r in self.samples if start <= t <= end), default=0)


def by_stage(windows: dict[str, tuple[float, float]], sampler: RssSampler, rows: int, graph_rows: int) -> dict:
    out: dict[str, dict] = {}
    spans: dict[str, list[tuple[float, float]]] = {}
    for step, (a, b) in windows.items():
        stage = stage_of(step)
        s = out.setdefault(stage, {"seconds": 0.0, "peak_rss_bytes": 0, "steps": 0})
        s["seconds"] += b - a
        s["steps"] += 1
        s["peak_rss_bytes"] = max(s["peak_rss_bytes"], sampler.peak(a, b))
        spans.setdefault(stage, []).append((a, b))
    for name, s in out.items():
        n = graph_rows if name == "graph load" else rows
        s["rows"] = n
        s["rows_per_second"] = round(n / s["seconds"]) if s["seconds"] else None
        s["seconds"] = round(s["seconds"], 3)
        s["cores_busy"] = cores_busy(sampler.busy, spans[name])
        s.update(kernel_work(sampler.system, sampler.huge_pages, spans[name]))
    return out


def kernel_work(system: list, huge_pages: list, windows: list[tuple[float, float]]) -> dict:
    """What the kernel did over `windows` (benchmarks/kernel.py), from samples (time, value) of
    its counters: `system_seconds`, the CPU seconds it spent on the processes' behalf, and
    `huge_page_bytes`, the memory it faulted in as transparent huge pages; each left out where it
    was not counted."""
    out: dict = {}
    if (spent := grown(system, windows)) is not None:
        out["system_seconds"] = round(spent[0], 1)
    if (faulted := grown(huge_pages, windows)) is not None and (size := huge_page_bytes()):
        out["huge_page_bytes"] = int(faulted[0]) * size
    return out


def _mark() -> tuple:
    """(time, the machine's busy CPU seconds, the kernel's CPU seconds, the huge pages it has
    faulted in): cores.py and kernel.py, each None where it is not counted."""
    return time.time(), busy_seconds(), system_seconds(), huge_pages_faulted()


def _series(marks: list[tuple], i: int) -> list[tuple[float, float]]:
    """(time, counter `i` of each mark) where it was counted."""
    return [(m[0], m[i]) for m in marks if m[i] is not None]


def run_job(settings, selection=None):
    from dagster import DagsterInstance

    from pipelines.definitions import JOB_NAME, build_definitions

    job = build_definitions(settings).resolve_job_def(JOB_NAME)
    config = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    instance = DagsterInstance.ephemeral()
    t = time.time()
    result = job.execute_in_process(
        instance=instance, asset_selection=selection, run_config=config, raise_on_error=True
    )
    return result, instance, time.time() - t


def floor(data: Path, store_path: Path, tables) -> dict:
    """Read every input file with pyarrow, then bulk-copy the final graph tables into an empty
    store: what the machine needs at least to turn these files into this graph."""
    import pyarrow.csv as pc

    from pipelines.graph.store import EmbeddedGraphStore

    marks = [_mark()]
    rows = sum(pc.read_csv(p).num_rows for p in sorted(data.rglob("*.csv")))
    marks.append(_mark())
    store = EmbeddedGraphStore(store_path)
    store.replace_with(tables)
    marks.append(_mark())
    start, loading, end = (m[0] for m in marks)
    read, load = loading - start, end - loading
    busy = _series(marks, 1)
    counted = {"cores_busy": cores_busy(busy, [(start, end)]), "load_cores_busy": cores_busy(busy, [(loading, end)])}
    counted.update(kernel_work(_series(marks, 2), _series(marks, 3), [(start, end)]))
    return {
        "read_seconds": round(read, 3),
        "rows_read": rows,
        "load_seconds": round(load, 3),
        # of the load, the store's COPY and COMMIT statements (store.last_load)
        "load_statements": store.last_load.get("statements", {}),
        "seconds": round(read + load, 3),
        **counted,
    }


def timed(call, repeat: int) -> tuple[dict, object]:
    """p50 and p95 seconds of `call()` over `repeat` runs (one when a run exceeds SLOW_QUERY),
    and the last run's result."""
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - t)
        if times[-1] > SLOW_QUERY:  # far off the target already: one run says enough
            break
    times.sort()
    return {
        "p50_seconds": round(statistics.median(times), 4),
        "p95_seconds": round(times[min(len(times) - 1, int(0.95 * len(times)))], 4),
        "runs": len(times),
    }, result


#: exports of each whole answer in one benchmark, the median try reported (`exported`): the
#: national throughput measured once moved with the machine from run to run (the largest
#: answer's 5.4M rows in 4.8-6.8 s in five runs of 2026-12-07, f2c8c46 on), as the incremental runs'
#: times do, which are reported as the median of three too
EXPORT_TRIES = 3


def exported(store, name: str, params: dict, path: Path, tries: int = EXPORT_TRIES) -> dict:
    """The whole answer of catalogue query `name` exported to the Parquet file `path` `tries`
    times (removed after each): the median try's rows, seconds, rows/s and the store's phases
    (`store.last_export`, where the store keeps them), and `tries_seconds`, every try's
    seconds in the order run. Raises ValueError when `tries` is less than 1, and what the
    export raises."""
    from sanshe.queries.catalogue import export

    if tries < 1:
        raise ValueError(f"tries must be at least 1, not {tries}")
    runs = []
    for _ in range(tries):
        t = time.perf_counter()
        rows = export(store, name, params, path)
        seconds = time.perf_counter() - t
        path.unlink()
        runs.append((seconds, rows, dict(getattr(store, "last_export", {}))))
    seconds, rows, phases = sorted(runs, key=lambda r: r[0])[(tries - 1) // 2]
    return {
        "rows": rows,
        "seconds": round(seconds, 3),
        "rows_per_second": round(rows / seconds) if seconds else 0,
        **{k: round(v, 3) for k, v in phases.items()},
        "tries_seconds": [round(s, 3) for s, _r, _p in runs],
    }


def query_times(store, repeat: int, work: Path) -> dict:
    """Per catalogue query: the default answer (p50/p95, rows shown and the rest), the answer
    scoped to the first district (by code) where the query takes a scope, and the whole answer
    exported to Parquet (`exported`: rows, seconds, rows/s of the median of EXPORT_TRIES)."""
    from sanshe.queries.catalogue import answer, catalogue

    code = store.query("MATCH (c:Community) RETURN c.code AS code ORDER BY c.code LIMIT 1")["code"].iloc[0]
    district = code[:6]
    out = {}
    for name, q in catalogue().items():
        params = {"code": code} if any(p.name == "code" for p in q.params) else {}
        default, found = timed(partial(answer, store, name, params), repeat)
        # how the national bound was answered: two companion reads of load-time facts, or the
        # whole answer computed and its first rows kept
        how = "companions" if q.has_companions else "aggregate" if not q.bound.top else "whole answer"
        entry = {**default, "rows": len(found.rows), "rest": found.rest, "bound_from": how}
        if q.scope and "district" in q.scope.levels:
            scoped, got = timed(partial(answer, store, name, {**params, "scope": district}), repeat)
            how = "companions" if q.companions_take({"scope": district}) else "whole answer"
            entry["district"] = {
                **scoped,
                "scope": district,
                "rows": len(got.rows),
                "rest": got.rest,
                "bound_from": how,
            }
        e = entry["export"] = exported(store, name, params, work / f"export-{name}.parquet")
        out[name] = entry
        print(
            f"  {name}: default p95 {entry['p95_seconds']:.3f} s, export {e['rows']:,} rows in {e['seconds']:.1f} s "
            f"(median of {', '.join(f'{s:.1f}' for s in e['tries_seconds'])} s)",
            flush=True,
        )
    return out


#: the floor of an export: one label's rows, no join, as many columns as the widest catalogue
#: answer (poorly-evaluated-still-funded's nine), exported as the catalogue's answers are
EXPORT_FLOOR = (
    "MATCH (p:Project) RETURN p.project_id AS a, p.name AS b, p.category AS c, p.procurement_method AS d, "
    "p.budget AS e, p.contract_amount AS f, p.award_date AS g, p.start_date AS h, p.end_date AS i"
)


def export_floor(store, work: Path) -> dict:
    """How fast the store hands out rows with nothing to compute: EXPORT_FLOOR written to
    Parquet by the store's own export (rows, seconds, rows/s and the phases it records)."""
    from sanshe.queries.catalogue import EXPORT_BATCH_ROWS

    path = work / "export-floor.parquet"
    t = time.perf_counter()
    rows = store.export_parquet(EXPORT_FLOOR, {}, path, EXPORT_BATCH_ROWS)
    seconds = time.perf_counter() - t
    path.unlink()
    return {
        "query": EXPORT_FLOOR,
        "rows": rows,
        "seconds": round(seconds, 3),
        "rows_per_second": round(rows / seconds),
        **{k: round(v, 3) for k, v in getattr(store, "last_export", {}).items()},
    }


def parameter_plans(store, queries: dict, work: Path) -> dict:
    """The largest export's query (as the export sends it, without its ORDER BY) computed by
    the store twice: with its parameters sent as parameters, as the catalogue always sends
    them, and with each written into the text as a literal (here only, to measure how ladybug
    plans a filter on a parameter). Seconds the store took to compute each answer (the
    export's `query_seconds`), the better of two tries; and `unordered_export`, the faster of
    the two exports with parameters, which are written as the store hands the rows over, in no
    order: the libraries' part of an export alone (the store computing the answer and handing it
    over as Arrow, pyarrow writing it), its rows, seconds, rows/s and phases. {} when a
    parameter has no literal form here (text and numbers do)."""
    import re

    from sanshe.queries.catalogue import EXPORT_BATCH_ROWS, catalogue, without_final_order

    name = max(queries, key=lambda n: queries[n]["export"]["rows"])
    q = catalogue()[name]
    params = q.bind({})
    sent = without_final_order(q.text_for(store.dialect, params))
    used = {k: v for k, v in params.items() if re.search(rf"\${k}\b", sent)}
    if not all(isinstance(v, str | int | float) for v in used.values()):
        return {}
    literal = sent
    for k, v in used.items():
        text = "'" + v.replace("\\", "\\\\").replace("'", "\\'") + "'" if isinstance(v, str) else repr(v)
        literal = re.sub(rf"\${k}\b", lambda _m, text=text: text, literal)
    path = work / "export-plan.parquet"
    out: dict = {"query": name, "parameters": {k: str(v) for k, v in used.items()}}
    for how, text, args in (("parameter", sent, used), ("literal", literal, {})):
        tries = []
        for _ in range(2):
            started = time.perf_counter()
            rows = store.export_parquet(text, args, path, EXPORT_BATCH_ROWS)
            # timed as query_times times an export: the whole call
            tries.append((time.perf_counter() - started, dict(store.last_export)))
        path.unlink()
        out[f"{how}_query_seconds"] = round(min(t["query_seconds"] for _, t in tries), 3)
        if how == "parameter":
            # the libraries' part of the export alone: the store computing the answer and handing
            # it over, pyarrow writing it as it came, nothing of sanshe's between (no ordering)
            seconds, phases = min(tries, key=lambda t: t[0])
            out["unordered_export"] = {
                "rows": rows,
                "seconds": round(seconds, 3),
                "rows_per_second": round(rows / seconds) if seconds else 0,
                **{k: round(v, 3) for k, v in phases.items()},
            }
    return out


def _rewrite_every_100th(path: Path, start: int, change) -> int:
    """Rewrite the CSV file `path` (UTF-8) with `change(header, row)` applied to every 100th data
    row from `start` (it edits the row in place); returns the rows it changed."""
    import csv

    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    changed = 0
    for r in rows[start::100]:
        before = list(r)
        change(rows[0], r)
        changed += r != before
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    return changed


def change_one_percent(path: Path, start: int = 1) -> int:
    """Change the score of every 100th evaluation from data row `start` (grade kept consistent):
    1% of that register. Returns the rows whose score changed (a score of 99 stays)."""
    from data_contracts.enums import evaluation_grade_for

    def higher(header: list[str], r: list[str]) -> None:
        score, grade = header.index("评估得分"), header.index("评估等级")
        new = min(99.0, float(r[score]) + 0.5)
        r[score], r[grade] = f"{new:.1f}", evaluation_grade_for(new)

    return _rewrite_every_100th(path, start, higher)


def _plus_one(value: str) -> str:
    # ASCII digits only, as the contracts read a count (str.isdigit takes any script's digits)
    return str(int(value) + 1) if re.fullmatch(r"[0-9]+", value.strip()) else value


def _next_of(values: tuple[str, ...]):
    return lambda value: values[(values.index(value) + 1) % len(values)] if value in values else value


#: the column of each register file changed in 1% of its rows for the re-run
#: (`change_every_register`), and how: each new value is one the register's contract accepts,
#: and each column is one the graph shows (so every register's part digests change)
EVERY_REGISTER_CHANGES = {
    "communities/communities.csv": ("常住人口", _plus_one),
    "hubs/hubs.csv": ("枢纽名称", lambda v: v + "（新）" if v else v),
    "hubs/hub_memberships.csv": ("党员人数", _plus_one),
    "organisations/organisations.csv": ("登记管理机关", lambda v: v + "（新）" if v else v),
    "organisations/annual_inspections.csv": ("年检结论", _next_of(("合格", "基本合格", "不合格"))),
    "projects/projects.csv": ("项目名称", lambda v: v + "（续）" if v else v),
    "workers/social_workers.csv": ("职业水平等级", _next_of(("助理社会工作师", "社会工作师", "高级社会工作师"))),
}


def change_every_register(inbox: Path, start: int = 1) -> dict[str, int]:
    """Change every 100th data row from `start` of every register file of `inbox` (the
    evaluations as `change_one_percent` does, the others as EVERY_REGISTER_CHANGES says): 1% of
    every register, as a bureau's next month's registers might differ. Returns the rows whose
    value changed per file (relative path): a blank or unexpected value is left as it is."""
    changed = {"evaluations/evaluations.csv": change_one_percent(inbox / "evaluations" / "evaluations.csv", start)}
    for name, (column, change) in EVERY_REGISTER_CHANGES.items():

        def one(header: list[str], r: list[str], column=column, change=change) -> None:
            r[header.index(column)] = change(r[header.index(column)])

        changed[name] = _rewrite_every_100th(inbox / name, start, one)
    return changed


def rerun_every_register(settings, inbox: Path) -> dict:
    """Change 1% of every register (`change_every_register`) and run what the inbox sensor
    selects for it (every asset) on the full run's output, in a process of its own
    (partial_run.py): the graph store there holds the digests of the graph loaded before, so the
    load decides how much to rebuild (pipelines/graph/incremental.py). Says how long it took,
    its peak memory (the process and its children) and how it loaded the graph; or, the run
    failed, `error` (the end of what it wrote), so that the benchmark's other figures are kept."""
    return _sensor_run(settings, inbox, functools.partial(change_every_register, inbox), check=False)


#: 1% changes of the evaluations measured one after another (the median is reported): one run
#: of the partial job varied by a third between runs minutes apart on the same machine
INCREMENTAL_RUNS = 3


def one_percent_change(settings, inbox: Path, start: int) -> dict:
    """Change 1% of the evaluations (`change_one_percent` from row `start`), run what the inbox
    sensor selects for it in a process of its own (partial_run.py: as the sensor's run is), and
    say how long it took (seconds), what it selected and how it loaded the graph, with the
    seconds of each of its steps, slowest first. `settings`: the full run's
    (pipelines.settings.Settings). Raises CalledProcessError when the run fails."""
    change = functools.partial(change_one_percent, inbox / "evaluations" / "evaluations.csv", start)
    # in a process of its own, with the modules the full run's process had loaded
    return {**_sensor_run(settings, inbox, change, check=True), "process": "own"}


def _sensor_run(settings, inbox: Path, change, check: bool) -> dict:
    """Make `change()` (it returns the rows it changed) to the files of `inbox`, then run what
    the inbox sensor selects for the registers it changed, on the output of `settings`, in a
    process of its own (partial_run.py). The changed registers, the rows changed, the assets
    selected, the seconds, the peak memory, the graph load's metadata and each step's seconds,
    slowest first. A run that fails raises CalledProcessError (`check`) or comes back as the rows
    changed and `error`, the end of its error output."""
    import json
    import subprocess

    from pipelines.definitions import ASSETS
    from pipelines.sensors import changed_inputs, inbox_digests, plan

    before = inbox_digests(inbox)
    changed_rows = change()
    changed = changed_inputs(inbox_digests(inbox), before)
    selection = plan(changed, ASSETS)
    assets = ",".join(sorted(k.to_user_string() for k in selection))
    command = [sys.executable, str(REPO / "benchmarks" / "partial_run.py"), "--source", str(settings.source_dir)]
    command += ["--output", str(settings.output_dir), "--assets", assets]
    done = subprocess.run(command, check=check, capture_output=True, text=True)
    if done.returncode:
        return {"changed": changed, "changed_rows": changed_rows, "error": done.stderr.strip()[-2000:]}
    run = json.loads(done.stdout.strip().splitlines()[-1])
    windows = run["steps"]
    return {
        "changed": changed,
        "changed_rows": changed_rows,
        "assets": len(selection),
        "seconds": run["seconds"],
        "peak_rss_bytes": run["peak_rss_bytes"],
        "graph_load": run["graph_load"],
        "steps": {k: round(b - a, 3) for k, (a, b) in sorted(windows.items(), key=lambda kv: kv[1][0] - kv[1][1])},
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", choices=["district", "city", "province", "national"], default="national")
    ap.add_argument("--repeat", type=int, default=7, help="runs of each query (p50/p95)")
    ap.add_argument("--data", type=Path, help="input folder (default benchmarks/data/<scale>, generated if missing)")
    ap.add_argument("--results", type=Path, default=REPO / "benchmarks" / "results")
    args = ap.parse_args()

    import pandas as pd

    from benchmarks.results_file import commit, machine, scale_inputs, tree_state, write_results
    from pipelines.graph.dump import tables_from_dump
    from pipelines.graph.store import EmbeddedGraphStore
    from pipelines.settings import Settings
    from sanshe.generator.scale import SCALES
    from sanshe.progress import step_windows

    t = time.time()
    data, fresh = scale_inputs(args.scale, args.data)
    generated = time.time() - t if fresh else 0.0
    work = Path(tempfile.mkdtemp(prefix=f"sanshe-bench-{args.scale}-"))
    inbox = work / "inbox"
    shutil.copytree(data, inbox)  # the incremental step changes a file: never the kept data
    # the copy's writes reach the disk now, not while the full run is timed (a national inbox is
    # 1 GB; the speed probe read 0.310 s after it, unsynced, against 0.235 s before the floor)
    os.sync()
    settings = Settings.from_env(source_dir=inbox, output_dir=work / "out")
    print(f"benchmark: {args.scale} ({SCALES[args.scale]} districts), inputs {inbox}, work {work}", flush=True)
    code = tree_state()  # held to the code at the end: edited meanwhile, the figures mix two versions

    # the machine's speed before each measure (machine_speed.py): figures of one run are read
    # against the speed the machine had when each was taken
    speeds = {"full_run": machine_speed.speed()}
    with RssSampler() as sampler:
        started = time.time()
        result, instance, full = run_job(settings)
        job_window = (started, time.time())  # the job's, not the event log's reading after it
        windows = step_windows(instance, result.run_id, hooks=True)
    acc = pd.read_csv(settings.quarantine_dir / "accounting.csv")
    rows = int(acc["rows_read"].sum())
    counts = result.output_for_node("graph")
    graph_rows = int(sum(counts.values()))
    # the store's COPY and COMMIT statements inside the graph step: against the floor's, what
    # the build adds to the load
    graph_meta = result.asset_materializations_for_node("graph")[0].metadata
    graph_statements = graph_meta["store_statements"].value
    waited = graph_meta.get("store_waited_for_tables_seconds")
    if waited is not None:  # the copy waiting for its next table to be built
        graph_statements = {**graph_statements, "waited_for_tables_seconds": waited.value}
    stages = by_stage(windows, sampler, rows, graph_rows)
    peak = max((r for _, r in sampler.samples), default=0)
    print(f"full run: {full:.1f} s, {rows:,} rows, peak {peak / 2**30:.2f} GiB", flush=True)

    store = EmbeddedGraphStore(settings.graph_path)
    tables = tables_from_dump(store.dump())
    speeds["floor"] = machine_speed.speed()
    fl = floor(inbox, work / "floor" / "graph.lbug", tables)
    print(
        f"floor: {fl['seconds']:.1f} s (read {fl['read_seconds']:.1f} s, load {fl['load_seconds']:.1f} s)", flush=True
    )

    del tables  # the whole graph as frames: the queries need the memory
    speeds["queries"] = machine_speed.speed()
    queries = query_times(store, args.repeat, work)
    print(f"queries: slowest default p95 {max(q['p95_seconds'] for q in queries.values()):.3f} s", flush=True)
    ex_floor = export_floor(store, work)
    print(f"export floor: {ex_floor['rows']:,} rows at {ex_floor['rows_per_second']:,} rows/s", flush=True)
    plans = parameter_plans(store, queries, work)
    if plans:
        print(
            f"{plans['query']}: computed in {plans['parameter_query_seconds']:.1f} s with parameters, "
            f"{plans['literal_query_seconds']:.1f} s with them written as literals",
            flush=True,
        )

    # The sensor's partial run starts in a process of its own: this one's kept reader (its buffer
    # pool filled by the queries above, up to READ_BUFFER_POOL_MAX) is closed first.
    store.close()
    speeds["incremental"] = machine_speed.speed()
    changes = [one_percent_change(settings, inbox, start) for start in range(1, INCREMENTAL_RUNS + 1)]
    for c in changes:
        g = c["graph_load"]
        print(
            f"incremental: {c['seconds']:.1f} s for {c['changed_rows']} changed evaluations "
            f"({', '.join(c['changed'])}); graph load {g['mode']}, tables copied again "
            f"{', '.join(g['tables']) or 'none'}, rows updated {g['rows_updated'] or 'none'}",
            flush=True,
        )
    # the median run, with its steps; every run's time is kept beside it
    inc = sorted(changes, key=lambda c: c["seconds"])[len(changes) // 2]
    rerun = rerun_every_register(settings, inbox)
    if "error" in rerun:
        print(f"re-run, 1% of every register changed: failed\n{rerun['error']}", flush=True)
    else:
        rerun |= {"seconds": round(rerun["seconds"], 3), "share_of_full_run": round(rerun["seconds"] / full, 3)}
        print(
            f"re-run, 1% of every register changed: {rerun['seconds']:.1f} s, peak "
            f"{rerun['peak_rss_bytes'] / 2**30:.2f} GiB, graph load {rerun['graph_load']['mode']}",
            flush=True,
        )

    # what the machine charges for memory touched again after a pause (fresh_memory.py), on the
    # machine as the run left it: beside the huge pages each stage faulted in
    fresh = fresh_memory.cost()
    speeds["end"] = machine_speed.speed()
    print("machine speed (the same sort, seconds): " + ", ".join(f"{k} {v:.3f}" for k, v in speeds.items()), flush=True)
    print(
        f"fresh memory: 1 GiB filled in {fresh['again_seconds']:.2f} s at once, "
        f"{fresh['after_pause_seconds']:.2f} s after a pause of {fresh['pause_seconds']:g} s",
        flush=True,
    )

    today = dt.date.today().isoformat()
    out = {
        "scale": args.scale,
        "districts": SCALES[args.scale],
        "date": today,
        "command": f"python benchmarks/run.py --scale {args.scale} --repeat {args.repeat}",
        "commit": commit(),
        "machine": machine(),
        # processes the run shares its contract checks and accepted tables among (SANSHE_WORKERS)
        "workers": settings.workers,
        "generate_seconds": round(generated, 1) if generated > 1 else None,
        "rows_read": rows,
        "graph_rows": graph_rows,
        "graph_counts": counts,
        "full_run": {
            "seconds": round(full, 3),
            "peak_rss_bytes": peak,
            "rows_per_second": round(rows / full),
            "cores_busy": cores_busy(sampler.busy, [job_window]),
            **kernel_work(sampler.system, sampler.huge_pages, [job_window]),
        },
        "stages": stages,
        # every step of the full run, slowest first: where a stage's time goes
        "steps": {k: round(b - a, 3) for k, (a, b) in sorted(windows.items(), key=lambda kv: kv[1][0] - kv[1][1])},
        "graph_statements": graph_statements,
        "floor": fl,
        "ratio_full_to_floor": round(full / fl["seconds"], 2),
        "queries": queries,
        "export_floor": ex_floor,
        "export_parameter_plans": plans,
        "incremental": {
            **inc,
            "seconds": round(inc["seconds"], 3),
            "share_of_full_run": round(inc["seconds"] / full, 3),
            "runs": [round(c["seconds"], 3) for c in changes],
            # each run's steps, in the order of `runs`: where a slower run's time went
            "run_steps": [c["steps"] for c in changes],
        },
        # the full job again on the full run's output, with 1% of every register changed
        "rerun": rerun,
        "fresh_memory": fresh,
        # seconds of machine_speed.speed() before each measure and at the end, in that order
        "machine_speed": {"sorted": machine_speed.SORTED, "seconds": speeds},
        "targets": {
            "full_run_seconds_max": 150,  # issue #17 (issue #6 asked 300)
            "peak_rss_bytes_max": 8 * 2**30,
            "ratio_max": 2.5,
            "query_p95_seconds_max": 1.0,
            "query_district_p95_seconds_max": 0.3,
            "export_rows_per_second_min": 1_000_000,
            "incremental_share_max": 0.10,
        },
    }
    if tree_state() != code:
        kept = work / f"{today}-{args.scale}.json"
        kept.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(
            "the code changed while the benchmark ran (a file edited, added or committed): its figures "
            f"mix two versions, so they are not written to {args.results}; kept at {kept}",
            file=sys.stderr,
            flush=True,
        )
        return 1
    write_results(args.results, f"{today}-{args.scale}", out)
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
