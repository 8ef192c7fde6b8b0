"""The `sanshe` command as a person types it, and `dagster dev` serving the asset graph."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from sanshe.queries.catalogue import catalogue

REPO = Path(__file__).resolve().parents[1]


def sanshe(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sanshe.cli", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, **(env or {})},
        timeout=300,
    )


def test_query_list_names_every_query():
    out = sanshe("query", "--list")
    assert out.returncode == 0
    for name in catalogue():
        assert name in out.stdout


@pytest.mark.parametrize("name", sorted(catalogue()))
def test_every_query_answers_from_the_command_line(sample_run, name):
    out = sanshe("query", name, "--format", "json", "--output", str(sample_run[0].output_dir))
    assert out.returncode == 0, out.stderr
    assert len(json.loads(out.stdout)) > 0


def test_every_query_declares_its_order_and_answers_the_same_every_time(store):
    from sanshe.queries.catalogue import execute

    for name, q in catalogue().items():
        assert q.order_by, f"{name}: declare order_by in catalogue.yaml"
        first = execute(store, name)
        for _ in range(3):
            assert execute(store, name).equals(first), name


def test_list_says_each_querys_scopes_and_bound():
    out = sanshe("query", "--list").stdout
    for name, q in catalogue().items():
        line, bound = out.split(name, 1)[1].splitlines()[:2]
        assert ("--scope" in line) == bool(q.scope), name
        assert not q.scope or f"--scope {'|'.join(q.scope.levels)}" in line, name
        assert bound.strip() == q.bound.describe(), name


def test_a_bounded_answer_says_how_many_rows_it_leaves_out(sample_run, store):
    from sanshe.queries.catalogue import execute

    o = str(sample_run[0].output_dir)
    whole = execute(store, "community-linkage")
    top = catalogue()["community-linkage"].bound.top
    assert len(whole) > top  # the sample has more communities than the bound shows
    table = sanshe("query", "community-linkage", "--output", o)
    assert table.returncode == 0
    assert f"{len(whole) - top:,} more rows not shown ({top} of {len(whole)})" in table.stdout.splitlines()[-1]
    # json and csv keep stdout for the rows; the note goes to stderr
    rows = sanshe("query", "community-linkage", "--format", "json", "--output", o)
    assert len(json.loads(rows.stdout)) == top and "more rows not shown" in rows.stderr
    scoped = sanshe("query", "community-linkage", "--scope", "310106006000", "--format", "json", "--output", o)
    assert scoped.returncode == 0 and not scoped.stderr
    assert {r["community_code"][:9] for r in json.loads(scoped.stdout)} == {"310106006"}


def test_an_empty_scoped_answer_says_whether_the_scope_is_in_the_graph(sample_run, tmp_path):
    import pandas as pd

    o = sample_run[0].output_dir
    # the communities of the sample, read from the accepted table rather than the graph
    codes = pd.read_parquet(o / "tables" / "communities.parquet")["community_code"].drop_duplicates()
    street = sorted(codes.str[:9])[0]
    assert not codes.str.startswith("310106099").any()  # no such street in the sample
    # a code the graph does not hold: said so, with the graph's districts named
    table = sanshe("query", "unattached-organisations", "--scope", "310106099", "--output", str(o))
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0] == "(no rows)"
    assert "no division of this graph has a code starting with 310106099" in lines[1]
    assert "310106 静安区" in lines[1] and "请核对代码" in lines[1]
    # a district the graph holds (310108 Zhabei, merged away in 2015) with no community in it
    held = sanshe("query", "unattached-organisations", "--scope", "310108", "--output", str(o))
    assert not codes.str.startswith("310108").any()
    assert "this graph holds 310108 闸北区 but no community in it" in held.stdout
    assert "check the code" not in held.stdout
    # one community: said in the singular
    first = sorted(codes)[0]
    one = sanshe("query", "funding-by-purchaser", "--param", "year=1990", "--scope", first, "--output", str(o))
    assert one.stdout.startswith("(no rows)")
    assert f"1 community of this graph is in community {first}, but funding-by-purchaser has no rows" in one.stdout
    # a street the graph holds, where the query has no rows (no project in 1990): counted
    empty = sanshe(
        "query", "funding-by-street", "--param", "year=1990", "--scope", street, "--format", "json", "--output", str(o)
    )
    assert empty.returncode == 0 and json.loads(empty.stdout) == []
    n = int(codes.str.startswith(street).sum())
    assert f"No rows: {n:,} communities of this graph are in street {street}" in empty.stderr
    assert "has no rows there with year=1990" in empty.stderr  # the parameter that may empty it
    assert catalogue()["funding-by-street"].scope.by in empty.stderr
    # an export of no rows says the same
    out = sanshe(
        "query",
        "funding-by-street",
        "--param",
        "year=1990",
        "--scope",
        street,
        "--out",
        str(tmp_path / "f.parquet"),
        "--output",
        str(o),
    )
    assert "wrote 0 rows" in out.stdout and f"{n:,} communities" in out.stdout
    assert "What funding-by-street reads, as this graph holds it" in empty.stderr  # and the graph's counts
    # an answer with rows has no such note
    rows = sanshe("query", "funding-by-street", "--scope", street, "--format", "json", "--output", str(o))
    assert json.loads(rows.stdout) and "No rows" not in rows.stderr and "as this graph holds it" not in rows.stderr


def test_an_empty_answer_says_how_much_of_what_it_reads_the_graph_holds(sample_run, store):
    """No scope, no rows (no project in 1990): the note gives the nodes of each label and the
    relationships of each type the query reads, each relationship with the nodes it may start
    from, as the graph's tables (its dump) count them."""
    o = sample_run[0].output_dir
    empty = sanshe("query", "funding-by-purchaser", "--param", "year=1990", "--output", str(o))
    assert empty.returncode == 0, empty.stderr
    lines = empty.stdout.splitlines()
    assert lines[0] == "(no rows)" and len(lines) == 2
    rows: dict[str, int] = {}  # rows per label and per type (a type's tables, one per pair of ends, summed)
    for key, table in store.dump().items():
        name = key.split(":")[0]
        rows[name] = rows.get(name, 0) + len(table)
    assert "What funding-by-purchaser reads, as this graph holds it (nodes; relationships): " in lines[1]
    assert f"Purchaser {rows['Purchaser']:,}" in lines[1] and f"Project {rows['Project']:,}" in lines[1]
    assert f"COMMISSIONED {rows['COMMISSIONED']:,} (from {rows['Purchaser']:,} Purchaser)" in lines[1]
    assert "It holds no" not in lines[1] and "关系数远少于其起点节点数" in lines[1]


class _Counted:
    """A store that only counts: every label and type of the schema `n` times but those given."""

    def __init__(self, n: int, **given: int):
        from graph_schema import schema

        s = schema()
        self.held = {name: n for name in [*s.nodes, *s.rels]} | given

    def counts(self, s=None) -> dict[str, int]:
        return dict(self.held)


def test_the_empty_graph_note_names_what_the_graph_holds_none_of():
    from sanshe.queries.catalogue import empty_graph_note

    q = catalogue()["hub-coverage"]
    note = empty_graph_note(_Counted(7, HAS_PARTY_BRANCH=0, PartyBranch=0), q)
    assert "It holds no HAS_PARTY_BRANCH, PartyBranch: the registers loaded gave nothing for them." in note
    assert "本图谱没有 HAS_PARTY_BRANCH、PartyBranch" in note
    # a type with several start labels: each one's nodes
    assert "HAS_PARTY_BRANCH 0 (from 7 SocialOrganisation + 7 Hub)" in note
    assert "It holds no" not in empty_graph_note(_Counted(7), q) and "Hub 7" in empty_graph_note(_Counted(7), q)


def test_out_writes_the_whole_answer_to_a_parquet_file(sample_run, store, tmp_path):
    import pandas as pd
    import pyarrow.parquet as pq

    from sanshe.queries.catalogue import execute

    o, out = str(sample_run[0].output_dir), tmp_path / "linkage.parquet"
    done = sanshe("query", "community-linkage", "--out", str(out), "--output", o)
    assert done.returncode == 0, done.stderr
    whole = execute(store, "community-linkage")
    table = pq.read_table(out)
    assert table.num_rows == len(whole) and f"wrote {len(whole):,} rows" in done.stdout
    got = table.to_pandas().sort_values(["missing_parties", "community_code"], ascending=[False, True])
    pd.testing.assert_frame_equal(got.reset_index(drop=True), whole, check_dtype=False)
    scoped = tmp_path / "street.parquet"
    sanshe("query", "community-linkage", "--scope", "310106006", "--out", str(scoped), "--output", o)
    assert pq.read_table(scoped).num_rows == len(whole[whole["community_code"].str.startswith("310106006")])
    assert sanshe("query", "community-linkage", "--out", str(tmp_path / "x.csv"), "--output", o).returncode == 2


def test_formats_and_parameters(sample_run):
    o = str(sample_run[0].output_dir)
    csv_out = sanshe("query", "funding-by-street", "--param", "year=2024", "--format", "csv", "--output", o)
    assert csv_out.stdout.splitlines()[0] == "street_code,street,projects,funding_yuan"
    table = sanshe("query", "organisation-density", "--output", o)
    assert "静安区" in table.stdout and "per_10k_residents" in table.stdout
    # --as-of D is --param as_of=D
    as_of = sanshe("query", "hub-coverage", "--as-of", "2014-12-31", "--format", "csv", "--output", o)
    param = sanshe("query", "hub-coverage", "--param", "as_of=2014-12-31", "--format", "csv", "--output", o)
    assert as_of.returncode == 0 and as_of.stdout == param.stdout
    assert as_of.stdout != sanshe("query", "hub-coverage", "--format", "csv", "--output", o).stdout


@pytest.mark.parametrize(
    "args,message",
    [
        (["query", "nope"], "no query named"),
        (["query", "poorly-evaluated-still-funded", "--param", "below=较好"], "must be one of"),
        (["query", "provider-concentration", "--param", "top=0"], "at least 1"),
        (["query", "hub-coverage", "--param", "as_of=2014-13-01"], "must be a date"),
        (["query", "funding-by-street", "--param", "yaer=2020"], "unknown parameter"),
        (["query", "funding-by-street", "--param", "year=abc"], "must be an integer"),
        (["query", "funding-by-street", "--as-of", "2014-12-31"], "unknown parameter(s) as_of"),
        (["query", "hub-coverage", "--as-of", "2014-12-31", "--param", "as_of=2016-12-31"], "disagree"),
        (["query", "hub-coverage", "--scope", "310106006001"], "cannot be scoped to a community"),
        (["query", "community-profile", "--scope", "310106"], "unknown parameter(s) scope"),
        (["query", "community-linkage", "--scope", "3101"], "2, 6, 9 or 12 digits"),
        (["query", "community-linkage", "--scope", "310106", "--param", "scope=31"], "disagree"),
    ],
)
def test_mistakes_get_a_clear_message_and_exit_2(sample_run, args, message):
    out = sanshe(*args, "--output", str(sample_run[0].output_dir))
    assert out.returncode == 2 and message in out.stderr


def test_query_before_any_run_says_what_to_do(tmp_path):
    out = sanshe("query", "hub-coverage", "--output", str(tmp_path))
    assert out.returncode == 1 and "sanshe run" in out.stderr and "Traceback" not in out.stderr


@pytest.mark.parametrize("summary", ["{not json", "[]", ""])
def test_release_with_a_summary_it_cannot_read_says_what_is_missing(tmp_path, summary):
    """A run_summary.json that is not a run's summary refuses nothing by itself: the release goes
    on to say the graph is missing, with no traceback."""
    (tmp_path / "run_summary.json").write_text(summary, encoding="utf-8")
    out = sanshe("release", "--output", str(tmp_path))
    assert out.returncode == 1 and "sanshe run" in out.stderr and "Traceback" not in out.stderr
    assert "the last run into" not in out.stderr


@pytest.mark.parametrize(
    "args,message",
    [
        (["query", "hub-coverage", "--param", "as_of=2014-12-31", "--param", "as_of=2016-12-31"], "given twice"),
        (["query", "hub-coverage", "--param", "as_of"], "K=V"),
        (["release", "--licence", "CC-BY-4.0"], "NAME=URL"),
        (["query", "--format", "xml"], "invalid choice"),
    ],
)
def test_usage_errors_exit_2_with_one_message(sample_run, args, message):
    out = sanshe(*args, "--output", str(sample_run[0].output_dir))
    assert out.returncode == 2 and message in out.stderr
    assert len(out.stderr.strip().splitlines()) <= 4 and "Traceback" not in out.stderr


def test_version_and_help_for_every_argument():
    assert sanshe("--version").stdout.strip().startswith("sanshe ")
    from sanshe.cli import parser

    for action in parser()._subparsers._group_actions[0].choices.values():
        for arg in action._actions:
            assert arg.help, f"{action.prog}: {arg.dest} has no help text"


def test_tables_align_with_chinese_text(sample_run):
    from wcwidth import wcwidth

    lines = sanshe("query", "organisation-density", "--output", str(sample_run[0].output_dir)).stdout.splitlines()
    rule = lines[1]  # ASCII dashes: its gaps are the column boundaries, in display columns
    gaps = [i for i, ch in enumerate(rule) if ch == " "]
    rows = [line for line in lines[2:] if "区" in line or "街道" in line]
    assert rows and gaps
    for line in rows:
        at, cells = 0, {}  # display column -> the character shown there (CJK takes two)
        for ch in line:
            for _ in range(max(wcwidth(ch), 1)):
                cells[at] = ch
                at += 1
        assert all(cells.get(g, " ") == " " for g in gaps), f"misaligned: {line!r}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_dagster_dev_shows_the_asset_graph_and_the_runs_of_sanshe_run(sample_run):
    """`sanshe run` then `dagster dev` on the same instance (what `sanshe ui` starts): the UI
    shows every asset materialised by that run and its checks' results."""
    port = _free_port()
    settings = sample_run[0]
    env = {**os.environ, "DAGSTER_HOME": str(settings.dagster_home), "SANSHE_OUTPUT_DIR": str(settings.output_dir)}
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "dagster"),
            "dev",
            "-m",
            "pipelines.definitions",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        query = json.dumps(
            {
                "query": "{ assetNodes { assetKey { path } assetMaterializations(limit: 1) { runId } "
                "assetChecksOrError { ... on AssetChecks { checks { name "
                "executionForLatestMaterialization { status } } } } } }"
            }
        ).encode()
        deadline, nodes = time.time() + 90, None
        while time.time() < deadline and nodes is None:
            time.sleep(1)
            try:
                req = urllib.request.Request(
                    f"http://127.0.0.1:{port}/graphql", data=query, headers={"Content-Type": "application/json"}
                )
                body = json.loads(urllib.request.urlopen(req, timeout=5).read())
                nodes = body.get("data", {}).get("assetNodes") or None
            except OSError:
                continue
        assert nodes, "dagster dev did not serve the asset graph within 90 s"
        keys = {"/".join(n["assetKey"]["path"]) for n in nodes}
        assert {"communities_raw", "projects_resolved", "resolved_registers", "graph"} <= keys
        assert all(n["assetMaterializations"] for n in nodes), "an asset shows 'never materialized'"
        assert len({n["assetMaterializations"][0]["runId"] for n in nodes}) == 1  # all from the one run
        statuses = [
            c["executionForLatestMaterialization"]["status"] for n in nodes for c in n["assetChecksOrError"]["checks"]
        ]
        assert len(statuses) == len(sample_run[1].checks) and set(statuses) == {"SUCCEEDED"}
        sensors = json.dumps(
            {"query": "{ repositoriesOrError { ... on RepositoryConnection { nodes { sensors { name } } } } }"}
        )
        req = urllib.request.Request(
            f"http://127.0.0.1:{port}/graphql", data=sensors.encode(), headers={"Content-Type": "application/json"}
        )
        repos = json.loads(urllib.request.urlopen(req, timeout=10).read())["data"]["repositoriesOrError"]["nodes"]
        assert "inbox_sensor" in {s["name"] for r in repos for s in r["sensors"]}
    finally:
        # dagster dev starts a webserver, a daemon and a code server: stop the whole group, and
        # kill it when it does not stop, so no process outlives the test
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)


def test_a_reader_that_goes_away_ends_the_command_quietly_and_the_process_keeps_sigpipe():
    # `sanshe query x | head`: the reader closes its end; the command stops with 128 + SIGPIPE
    # and no traceback, by catching the error, not by taking SIGPIPE's default action for the
    # whole process (a forked child's pipe breaking would then kill a run: data_contracts/forked.py)
    read, write = os.pipe()
    os.close(read)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "sanshe.cli", "query", "--list"],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
            timeout=120,
        )
    finally:
        os.close(write)
    assert proc.returncode == 141 and "Traceback" not in proc.stderr and "Exception" not in proc.stderr, proc

    from sanshe.cli import main

    before = signal.getsignal(signal.SIGPIPE)
    assert main(["query", "--list"]) == 0
    assert signal.getsignal(signal.SIGPIPE) == before


class _Divisions:
    """A store that holds divisions only, answering the empty-scope note's reads: `n` districts
    31xxxx and 32xxxx, one street, no community."""

    def __init__(self, districts: list[str]):
        import pandas as pd

        self.frames = {
            "District": pd.DataFrame({"code": districts, "name": [f"区{c}" for c in districts]}, dtype=str),
            "Street": pd.DataFrame({"code": ["310101001000"], "name": ["某街道"]}),
        }

    def query(self, text: str, params: dict):
        import pandas as pd

        if "Community" in text:
            return pd.DataFrame({"n": [0]})
        frame = self.frames["Street" if ":Street" in text else "District"]
        return frame[frame["code"].str.startswith(params["scope"])].sort_values("code").head(params["n"])


def test_the_empty_scope_note_names_districts_of_the_codes_province_first():
    from sanshe.queries.catalogue import DIVISIONS_NAMED, empty_scope_note

    q = catalogue()["unattached-organisations"]
    many = [f"31{i:02d}01" for i in range(1, DIVISIONS_NAMED + 3)] + ["320101"]
    # a street of province 32 the graph does not hold: 32's own district named, not 31's
    note = empty_scope_note(_Divisions(many), q, {"scope": "320102001"})
    assert "check the code" in note and note.endswith("320101 区320101")
    # a province it does not hold: the country's first districts, five of them and "…"
    note = empty_scope_note(_Divisions(many), q, {"scope": "33"})
    assert note.endswith(", ".join(f"{c} 区{c}" for c in many[:DIVISIONS_NAMED]) + " …")
    # a street it holds with no community in it
    assert "this graph holds 310101001000 某街道 but no community" in empty_scope_note(
        _Divisions(many), q, {"scope": "310101001"}
    )
    assert "本图谱没有区县" in empty_scope_note(_Divisions([]), q, {"scope": "33"})
