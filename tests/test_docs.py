"""Docs that match the repo: the README's commands are the ones CI runs, and the numbers the
docs quote are the numbers a run produces."""

import re
from pathlib import Path

from pipelines.quality.assets import accounting_table

REPO = Path(__file__).resolve().parents[1]


def _commands(text: str) -> list[str]:
    return [b.strip() for b in re.findall(r"```bash\n(.*?)```", text, flags=re.S)]


def test_readme_opens_with_setup_and_test_commands_and_ci_runs_the_test_command():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    setup, test = _commands(readme)[:2]
    assert "pip install -e '.[dev]'" in setup and "sanshe run" in setup
    assert "pytest" in test
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert test in ci.splitlines()
    assert "pip install --quiet -e '.[dev]'" in ci


def test_getting_started_quotes_the_real_accounting(sample_run):
    doc = (REPO / "docs" / "getting-started.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- accounting:begin -->\n```\n(.*?)\n```\n<!-- accounting:end -->", doc, flags=re.S)
    assert block, "accounting block markers missing"
    assert block.group(1) == accounting_table(sample_run[1].accounting)


def test_query_outputs_quoted_in_docs_are_what_the_queries_print(store):
    """A block after `<!-- output: sanshe query NAME [--param k=v ...] [| head -N] -->` must be
    exactly what that command prints on the shipped sample."""
    import shlex

    from sanshe.queries.catalogue import answer, get, more_note, render

    found = 0
    for doc in sorted((REPO / "docs").glob("*.md")):
        text = doc.read_text(encoding="utf-8")
        for command, block in re.findall(r"<!-- output: (.*?) -->\n```\n(.*?)\n```", text, flags=re.S):
            cmd, _, tail = command.partition("|")
            words = shlex.split(cmd)
            assert words[:2] == ["sanshe", "query"], command
            rest = " ".join(words[3:]).replace("--as-of ", "--param as_of=").split()
            params = dict(w.split("=", 1) for w in rest if w != "--param")
            got = answer(store, words[2], params)  # what the command prints: the bounded answer
            out = render(got.rows, "table") + (f"\n{more_note(get(words[2]), got)}" if got.rest else "")
            if tail.strip().startswith("head -"):
                out = "\n".join(out.splitlines()[: int(tail.strip()[6:])])
            assert block == out, f"{doc.name}: `{command}` prints something else now"
            found += 1
    assert found >= 3


def _bench_report():
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_report", REPO / "benchmarks" / "report.py")
    report = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(report)
    return report


def test_performance_page_is_rendered_from_the_results_files():
    """docs/performance.md holds no figure that a benchmarks/results/*.json file does not."""
    report = _bench_report()
    results = report.latest()
    assert results, "no benchmark results committed"
    assert (REPO / "docs" / "performance.md").read_text(encoding="utf-8") == report.render(results)
    neo4j_doc = (REPO / "docs" / "neo4j.md").read_text(encoding="utf-8")
    assert neo4j_doc == report.neo4j_page(neo4j_doc, report.latest("neo4j"))


def test_a_slow_scoped_query_is_explained_by_how_its_answer_was_bounded():
    """A results file with scoped queries explains a slow default answer by its bound only; the
    explanation for files measured before the catalogue took scopes stays out of it."""
    import copy

    report = _bench_report()
    results = copy.deepcopy(report.latest())
    big = results[-1]
    assert any("export" in q for q in big["queries"].values()), "the national results measured scopes"
    limit = big["targets"]["query_p95_seconds_max"]
    slow = next(iter(big["queries"]))  # any query: made the one slow answer, bounded from the whole
    for name, q in big["queries"].items():
        q["p95_seconds"] = limit + 1 if name == slow else min(q["p95_seconds"], limit)
    big["queries"][slow]["bound_from"] = "whole answer"
    page = report.render(results)
    assert f"`{slow}` {limit + 1:.1f} s" in page
    assert "still reads the whole country's answer" in page
    assert "did not offer at the commit measured" not in page


def test_the_store_statements_of_the_graph_step_are_set_against_the_floors():
    """Where a results file has the store's COPY and COMMIT seconds of the run's graph step and of
    the floor, the graph load's bound says both, and what else the step spent."""
    import copy

    report = _bench_report()
    results = copy.deepcopy(report.latest())
    big = results[-1]
    big["graph_statements"] = {"copy_seconds": 20.0, "commit_seconds": 10.0}
    big["floor"]["load_statements"] = {"copy_seconds": 17.0, "commit_seconds": 11.0}
    page = report.render(results)
    load = big["stages"]["graph load"]["seconds"]
    assert "statements took 30.0 s (COPY 20.0 s, COMMIT 10.0 s), against the floor's 28.0 s" in page
    assert f"in the other {load - 30:.1f} s of the step the copy waited" in page
    big["graph_statements"]["waited_for_tables_seconds"] = 4.0  # timed since: said apart
    page = report.render(results)
    assert f"of the other {load - 30:.1f} s of the step, the copy waited 4.0 s for its next table" in page
    assert f"and {load - 34:.1f} s went to starting and ending the load" in page
    del big["graph_statements"]  # measured before the store timed them: not said
    assert "statements took" not in report.render(results)


def test_targets_are_judged_from_the_seconds_not_the_rounded_ratios():
    """A 1% change of 10.02 s after a 100 s full run misses the 10% target, though the results
    file rounds its share to 0.1; the page writes it finely enough to show why. The same for
    the ratio to the floor."""
    import copy

    report = _bench_report()
    results = copy.deepcopy(report.latest())
    big = results[-1]
    big["full_run"]["seconds"] = 100.0
    big["incremental"].update(seconds=10.02, share_of_full_run=0.1)
    big["floor"]["seconds"] = 39.98  # 2.5013x, kept as 2.5
    big["ratio_full_to_floor"] = 2.5
    page = report.render(results)
    assert "| 1% change in at most 10% of the full run | 10.02% | **not met** |" in page
    assert "| full run at most 2.5 x the floor | 2.501 x | **not met** |" in page
    big["incremental"]["seconds"] = 10.004  # finer still: written 10.00% it would read as the limit
    big["floor"]["seconds"] = 39.999
    page = report.render(results)
    assert "| 1% change in at most 10% of the full run | 10.004% | **not met** |" in page
    assert "| full run at most 2.5 x the floor | 2.5001 x | **not met** |" in page
    big["full_run"]["seconds"], big["incremental"]["seconds"], big["floor"]["seconds"] = 51.05, 5.105, 20.42
    page = report.render(results)  # exactly at the limits, though float division gives a last bit more
    assert "| 1% change in at most 10% of the full run | 10.0% | met |" in page
    assert "| full run at most 2.5 x the floor | 2.50 x | met |" in page
    big["full_run"]["seconds"], big["incremental"]["seconds"], big["floor"]["seconds"] = 100.0, 9.6, 41.0
    page = report.render(results)
    assert "| 1% change in at most 10% of the full run | 9.6% | met |" in page
    assert "| full run at most 2.5 x the floor | 2.44 x | met |" in page


def test_the_export_says_whether_the_libraries_alone_reach_the_target():
    """Where a results file has the largest export written in no order (`unordered_export`, the
    store and pyarrow's writer alone), the page says whether that reached the target in that run
    (within it, sanshe's ordering and gathering are what keep the export below) and that it is
    no strict floor; only of the answer it was measured of. Older files say neither."""
    import copy

    report = _bench_report()
    results = copy.deepcopy(report.latest())
    big = results[-1]
    name = max(big["queries"], key=lambda n: big["queries"][n]["export"]["rows"])
    e = big["queries"][name]["export"]
    e.update(
        rows=5_000_000,
        seconds=8.0,
        rows_per_second=625_000,
        query_seconds=1.5,
        arrow_seconds=2.5,
        order_seconds=1.0,
        write_seconds=3.0,
    )
    plans = big.setdefault("export_parameter_plans", {})
    plans.update(query=name, parameters={"below": "良好"}, parameter_query_seconds=1.5, literal_query_seconds=1.5)
    plans.pop("unordered_export", None)
    page = report.render(results)
    assert "written as the store hands it over" not in page
    phases = {"query_seconds": 1.5, "arrow_seconds": 2.5, "order_seconds": 0.0, "write_seconds": 1.5}
    plans["unordered_export"] = {"rows": 5_000_000, "seconds": 5.5, "rows_per_second": 909_091, **phases}
    page = report.render(results)
    assert "in no order, took 5.5 s (1.5 s computing, 2.5 s as Arrow, 1.5 s pyarrow" in page
    assert "909,091 rows/s: in this run the store and pyarrow's writer alone stayed below the target" in page
    assert "(not a strict floor:" in page
    plans["unordered_export"].update(seconds=4.5, rows_per_second=1_111_111, write_seconds=0.5)
    page = report.render(results)
    assert "1,111,111 rows/s: in this run the store and pyarrow's writer alone reached the target" in page
    assert "stayed below the target" not in page
    plans["unordered_export"].update(seconds=9.0, rows_per_second=555_556, write_seconds=5.0)
    page = report.render(results)  # slower than the export itself (its nodes gathered late): no bound
    assert "555,556 rows/s: the export above, in order, took less than that" in page
    assert "stayed below the target" not in page
    plans["query"] = "another-query"  # measured of another answer than the largest: not said of it
    assert "written as the store hands it over" not in report.render(results)


def test_the_cores_busy_are_said_with_the_cpu_time_they_give():
    """Where a results file has the machine's cores busy over the full run, the floor and each
    stage, the bound says them, the CPU time ratio they give and what the run's CPU time alone
    bounds its ratio to; older files say nothing of it."""
    import copy

    report = _bench_report()
    results = copy.deepcopy(report.latest())
    big = results[-1]
    big["machine"]["cpus"] = 2
    big["full_run"].update(seconds=150.0, cores_busy=1.6)
    big["floor"].update(seconds=50.0, cores_busy=1.5, load_cores_busy=1.7)
    big["ratio_full_to_floor"] = 3.0
    for st in big["stages"].values():
        st["cores_busy"] = 1.25
    page = report.render(results)
    assert "1.60 over the full run, 1.50 over the floor (1.70 over its bulk copy)" in page
    # 150 s x 1.6 = 240 CPU seconds against 50 s x 1.5 = 75: 3.20x, where the seconds are 3.00x;
    # on 2 cores 240 CPU seconds take at least 120 s, 2.40x the floor's 50 s
    assert "took 240 CPU seconds against the floor's 75, 3.20x, where its seconds are 3.00x" in page
    assert "would still take 120 s, 2.40x the floor: within the 2.5x target" in page
    load = big["stages"]["graph load"]["seconds"]
    assert f"**graph load**, {load:.0f} s (" in page and "%, 1.2 cores busy" in page
    # the day's other runs: their CPU time moves too, and is said with their cores busy and ratio
    other = copy.deepcopy(big)
    other["commit"], other["ratio_full_to_floor"] = "abc1234", 3.2
    other["full_run"].update(seconds=160.0, cores_busy=1.7)  # 272 CPU seconds
    same_day = report._same_day
    report._same_day = lambda b: [big, other]
    try:
        page = report.render(results)
    finally:
        report._same_day = same_day
    assert (
        "were the run's CPU time fixed. It is not: the day's runs took 240-272 CPU seconds (cores busy, "
        f"CPU seconds, ratio: 1.60, 240 s, 3.00x (`{big['commit']}`); 1.70, 272 s, 3.20x (`abc1234`)), and a "
        "run that kept the cores busier did not always take fewer seconds." in page
    )
    assert f"= 3.00x (`{big['commit']}`), 160.0 s against 50.0 s = 3.20x (`abc1234`); 0 of these 2 within" in page
    big["full_run"]["seconds"], big["ratio_full_to_floor"] = 110.0, 2.2  # the run itself within the target
    report._same_day = lambda b: [other, big]
    try:
        page = report.render(results)
    finally:
        report._same_day = same_day
    assert "; 1 of these 2 within the 2.5x target." in page
    assert "would still take 88 s, 1.76x the floor: within the 2.5x target, as the run itself is." in page
    assert "keeping the cores busier alone could meet it" not in page
    big["full_run"]["seconds"], big["ratio_full_to_floor"] = 150.0, 3.0
    big["full_run"]["cores_busy"] = 1.8  # 270 CPU seconds: 135 s on 2 cores, 2.70x
    assert "would still take 135 s, 2.70x the floor: above the 2.5x target" in report.render(results)
    del big["full_run"]["cores_busy"]  # a file measured before they were recorded
    assert "Cores busy" not in report.render(results)


def test_the_kernels_work_is_said_with_the_fresh_memory_probe():
    """Where a results file has the kernel's CPU time and the huge pages it faulted in (full run,
    floor, stages) and the fresh-memory probe, the bound says them, and the probe's two fills as
    they are; older files say nothing of it."""
    import copy

    report = _bench_report()
    results = copy.deepcopy(report.latest())
    big = results[-1]
    big["full_run"].update(seconds=100.0, cores_busy=1.8, system_seconds=72.0, huge_page_bytes=18 * 2**30)
    big["full_run"]["peak_rss_bytes"] = int(7.5 * 2**30)
    big["floor"].update(seconds=40.0, cores_busy=1.5, system_seconds=6.0, huge_page_bytes=2**29)
    big["fresh_memory"] = {
        "gib": 1.0,
        "pause_seconds": 5.0,
        "first_seconds": 3.1,
        "again_seconds": 0.15,
        "after_pause_seconds": 2.5,
    }
    load = big["stages"]["graph load"]
    load.update(cores_busy=1.6, system_seconds=0.25 * load["seconds"] * 1.6, huge_page_bytes=6 * 2**30)
    page = report.render(results)
    # 100 s x 1.8 = 180 CPU seconds, 72 of them the kernel's; the floor 40 s x 1.5 = 60, 6 of them
    assert (
        "system time, spent on the processes' behalf): 72 s of the full run's 180 (40%), 6 s of the floor's 60 (10%)"
        in page
    )
    assert "faulted in 18.0 GiB of transparent huge pages during the full run, whose memory peaked at 7.50 GiB" in page
    assert "and 0.5 GiB during the floor" in page
    # the probe's two fills as they are, with what they say of the machine at that moment
    assert "filled 1 GiB again in 0.15 s at once and in 2.50 s after a pause of 5 s: 17 times as long" in page
    big["fresh_memory"]["after_pause_seconds"] = 0.16
    assert "less than twice as long: at that moment the machine charged little" in report.render(results)
    assert "cores busy, 25% of the machine's CPU time in the kernel, 6.0 GiB of huge pages faulted in):" in page
    del big["fresh_memory"]  # no probe: the kernel's work is said without the charge
    page = report.render(results)
    assert "faulted in 18.0 GiB" in page and "fresh-memory probe" not in page
    for stretch in (big["full_run"], big["floor"], *big["stages"].values()):
        stretch.pop("system_seconds", None), stretch.pop("huge_page_bytes", None)
    page = report.render(results)  # a file measured before they were recorded
    assert "the kernel's" not in page and "huge pages" not in page


def test_the_machines_speed_through_the_run_is_said_where_it_was_probed():
    """Where a results file has machine_speed.py's probes (before each measure and at the end),
    the bound says each, and a probe a tenth slower or quicker than the one before the full run
    as a multiple of it; older files say nothing of it. The probe itself times the same sort."""
    import copy
    import importlib.util

    import pytest

    report = _bench_report()
    results = copy.deepcopy(report.latest())
    big = results[-1]
    seconds = {"full_run": 0.24, "floor": 0.25, "queries": 0.24, "incremental": 0.42, "end": 0.2}
    big["machine_speed"] = {"sorted": 4_000_000, "seconds": seconds}
    page = report.render(results)
    assert (
        "numpy sorting the same 4,000,000 integers on one core, the median of three): 0.240 s before the full run, "
        "0.250 s before the floor, 0.240 s before the queries and exports, 0.420 s before the 1% changes (1.75x), "
        "0.200 s at the end (0.83x); a probe a tenth slower or more than the one before the full run found the "
        "machine slower at that moment" in page
    )
    seconds["incremental"] = 0.25
    assert "0.250 s before the 1% changes, 0.200 s at the end (0.83x): no probe found the machine a tenth slower" in (
        report.render(results)
    )
    del big["machine_speed"]  # a file measured before the probe was taken
    assert "machine_speed.py" not in report.render(results)

    spec = importlib.util.spec_from_file_location("machine_speed", REPO / "benchmarks" / "machine_speed.py")
    probe = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(probe)
    assert probe.speed(times=3, n=10_000) >= 0 and probe.sort_seconds(10_000) > 0
    with pytest.raises(ValueError, match="at least 1"):
        probe.speed(times=0)
