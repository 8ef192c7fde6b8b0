"""The `sanshe` command.

    sanshe run                       run the whole pipeline into the graph
    sanshe ui                        Dagster's UI on the runs `sanshe run` recorded
    sanshe inspect [--source DIR]    what a run would make of an inbox, loading nothing
    sanshe query --list              list the catalogue
    sanshe query NAME [--param k=v]  run one catalogue query (--scope CODE, --out FILE.parquet)
    sanshe export neo4j-import DIR   a bundle for neo4j-admin
    sanshe release                   a versioned open-data release
    sanshe generate --out DIR        a deterministic sample district (or a larger scale)
    sanshe schema generate|check     regenerate derived files / fail when one is stale

Exit codes: 0 done; 1 the run or the data failed a check, or sanshe could not do what was
asked (the message says why); 2 the command was typed wrongly (usage).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from data_contracts.errors import GraphNotLoadedError, QueryError, SansheError
from pipelines.settings import Settings

from . import __version__

#: exit codes (docstring above)
OK, FAILED, USAGE = 0, 1, 2
#: the reader of standard output went away: 128 + SIGPIPE, the status of a Unix tool it ends
CLOSED = 141


class UsageError(SansheError):
    """The command was typed wrongly: exit code 2, like argparse's own usage errors."""


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env(source_dir=getattr(args, "source", None), output_dir=getattr(args, "output", None))


def cmd_run(args: argparse.Namespace) -> int:
    from .progress import RunProgress, time_table
    from .run import run_pipeline

    settings = _settings(args)
    print(f"sanshe run: sources {settings.source_dir}\n            output  {settings.output_dir}", flush=True)
    outcome = run_pipeline(settings, watch=RunProgress(sys.stdout))
    print(
        "\nWhere the time went · 用时 (seconds per step, slowest first; `· hooks`: after the step,"
        " the expectation suites validated ahead started and taken)"
    )
    print(time_table(outcome.step_seconds, outcome.seconds))
    if outcome.stored_copies:  # not a failure of this run: its readers had the registers in memory
        print(f"sanshe run: {outcome.stored_copies}", file=sys.stderr)
    if not outcome.success:
        if outcome.error and not outcome.failures:
            print(f"sanshe run: FAILED · 运行失败\n{outcome.error}", file=sys.stderr)
            return FAILED
        for c in outcome.blocking_failures:
            print(f"sanshe run: check {c['asset']} · {c['check']} failed: {c['reason']}", file=sys.stderr)
        if outcome.blocking_failures:
            print("sanshe run: so the graph was not loaded · 因此未加载图谱", file=sys.stderr)
        if not outcome.accounting.empty:  # written by this run, which the check did not stop
            print(
                f"sanshe run: this run's quarantine report · 本次运行的隔离报告: {settings.quarantine_dir / 'index.html'}",
                file=sys.stderr,
            )
        for f in outcome.failures:
            print(f"sanshe run: {f}", file=sys.stderr)
        print(
            f"sanshe run: FAILED; the reasons are also in {settings.output_dir / 'run_summary.json'}", file=sys.stderr
        )
        return FAILED
    from pipelines.quality.assets import accounting_table

    acc = outcome.accounting
    print("\nAccounting · 核对 (rows read = accepted + quarantined)")
    print(accounting_table(acc))
    print("\nExpectation checks · 数据质量检查")
    for c in outcome.checks:
        state = "passed" if c["passed"] else ("FAILED" if c["severity"] == "error" else "warning")
        print(f"  {c['asset']:<28} {c['check']:<20} {state}")
        if c.get("reason"):
            print(f"      {c['reason']}")
    noted = acc[(acc["note"] != "") & (acc["register"] != "(unclaimed)")]
    if len(noted):
        print("\nFiles to look at · 需要查看的文件 (quarantine/accounting.csv, column note)")
        for f, sheet, note in zip(noted["file"], noted["sheet"], noted["note"], strict=True):
            print(f"  {f or '-'}{f'[{sheet}]' if sheet else ''}: {note}")
    nodes = sum(v for k, v in outcome.graph_counts.items() if k[:1].isupper() and not k.isupper())
    rels = sum(v for k, v in outcome.graph_counts.items() if k.isupper())
    where = settings.graph_path if settings.graph == "embedded" else "Neo4j (NEO4J_URI)"
    unclaimed = acc[acc["register"] == "(unclaimed)"]["file"].tolist()
    if unclaimed:
        print(f"\nNot read · 未读取: no register takes these files: {', '.join(unclaimed)}")
    print(f"\nGraph · 图谱: {nodes} nodes, {rels} relationships in {where}")
    print(f"Quarantine report · 隔离报告: {settings.quarantine_dir / 'index.html'}")
    print(f"Data Docs: {settings.data_docs_dir / 'index.html'}")
    print("Dagster UI: sanshe ui" + (f" --output {settings.output_dir}" if args.output else ""))
    ok = bool((acc["rows_read"] == acc["rows_accepted"] + acc["rows_quarantined"]).all()) and outcome.checks_passed
    return OK if ok else FAILED


def cmd_ui(args: argparse.Namespace) -> int:
    import subprocess

    from .run import open_instance

    settings = _settings(args)
    open_instance(settings).dispose()  # the instance exists, with its dagster.yaml
    # PYTHONWARNINGS: Dagster's own beta and supersession notices are not for a clerk
    env = {
        **os.environ,
        "PYTHONWARNINGS": "ignore",
        "DAGSTER_HOME": str(settings.dagster_home),
        "SANSHE_SOURCE_DIR": str(settings.source_dir),
        "SANSHE_OUTPUT_DIR": str(settings.output_dir),
    }
    cmd = [sys.executable, "-m", "dagster", "dev", "-m", "pipelines.definitions", "-p", str(args.port)]
    print(f"sanshe ui: Dagster on http://127.0.0.1:{args.port} with the runs in {settings.dagster_home}")
    try:
        return subprocess.call(cmd, env=env)
    except KeyboardInterrupt:
        return OK


def cmd_inspect(args: argparse.Namespace) -> int:
    from pipelines.common.mapping import MappingError

    from .inspect import draft_mapping, plan, render

    settings = _settings(args)
    try:
        plans = plan(settings.source_dir)
    except MappingError as err:
        print(f"sanshe inspect: {err}", file=sys.stderr)
        return 2
    print(f"sanshe inspect: {settings.source_dir} (nothing is loaded)\n")
    print(render(plans))
    if args.write_mapping:
        Path(args.write_mapping).write_text(draft_mapping(plans), encoding="utf-8")
        print(f"draft mapping · 映射草稿: {args.write_mapping}")
    return 0


def cmd_query(args: argparse.Namespace) -> int:
    from pipelines.graph.stores import open_store

    from .queries.catalogue import answer, empty_note, export, get, listing, more_note, render

    if args.list or not args.name:
        print(listing())
        return OK
    query = get(args.name)  # an unknown name is a usage error before any store is opened
    given = _params(args.param or [])
    for option, key in ((args.as_of, "as_of"), (args.scope, "scope")):
        if option:
            if given.get(key, option) != option:
                raise UsageError(f"--{key.replace('_', '-')} and --param {key} disagree; give one")
            given[key] = option
    if args.out and not args.out.endswith(".parquet"):
        raise UsageError(f"--out writes Parquet: give a FILE.parquet, got {args.out!r}")
    store = open_store(_settings(args))
    if args.out:
        rows = export(store, args.name, given, Path(args.out))
        print(f"sanshe query: wrote {rows:,} rows of {args.name} to {args.out}")
        if not rows and (note := empty_note(store, query, given)):
            print(note)
        return OK
    found = answer(store, args.name, given)
    print(render(found.rows, args.format), end="" if args.format == "csv" else "\n")
    # json and csv stay the rows alone on stdout, for programs; a person reads the notes
    to = sys.stdout if args.format == "table" else sys.stderr
    if found.rest:
        print(more_note(query, found), file=to)
    if not found.total and (note := empty_note(store, query, given)):
        print(note, file=to)
    return OK


def _params(texts: list[str]) -> dict[str, str]:
    """`--param k=v` options as a dict; a malformed or repeated one is a usage error."""
    out: dict[str, str] = {}
    for text in texts:
        if "=" not in text:
            raise UsageError(f"--param takes K=V, got {text!r}")
        k, v = (part.strip() for part in text.split("=", 1))
        if k in out:
            raise UsageError(f"--param {k} is given twice; give it once")
        out[k] = v
    return out


def cmd_export(args: argparse.Namespace) -> int:
    from pipelines.graph.neo4j_import import write_bundle
    from pipelines.graph.stores import open_store

    files = write_bundle(open_store(_settings(args)), Path(args.out))
    print(f"sanshe export: wrote {len(files)} files to {args.out} (load with: bash {Path(args.out) / 'import.sh'})")
    return OK


def cmd_release(args: argparse.Namespace) -> int:
    from pipelines.common.run_lock import OutputLock

    settings = _settings(args)
    if not settings.output_dir.is_dir():  # nothing to release: the store says so, plainly
        return _release(args, settings)
    # the graph, the quarantine report and the accepted tables of one run, never of two: a run
    # writing the folder (the inbox sensor's) is waited for (pipelines/common/run_lock.py)
    with OutputLock(settings.output_dir):
        return _release(args, settings)


def _refuse_after_a_failed_run(settings: Settings) -> None:
    """Raises GraphNotLoadedError when the last run into the output folder failed: a run its
    checks stopped left the graph and the accepted tables of an earlier run beside its own
    quarantine report and summary, and a release is of one run, never of two. A summary that
    cannot be read refuses nothing (the release's quality report says what it could not read)."""
    summary = settings.output_dir / "run_summary.json"
    try:
        failed = json.loads(summary.read_text(encoding="utf-8")).get("success") is False
    except (OSError, ValueError, AttributeError):  # none, unreadable, or not a summary
        failed = False
    if failed:
        raise GraphNotLoadedError(
            f"the last run into {settings.output_dir} failed ({summary} says why), so its graph was not "
            "loaded: fix what it reports and run `sanshe run` again before releasing · 上次运行失败，"
            "图谱未加载：请按运行摘要修正后重新运行 sanshe run，再发布"
        )


def _release(args: argparse.Namespace, settings: Settings) -> int:
    from pipelines.graph.stores import open_store

    from .release.package import ReleaseOptions, loaded_dataset, release_name, write_release

    _refuse_after_a_failed_run(settings)
    store = open_store(settings)
    try:
        dataset = loaded_dataset(store)
    except GraphNotLoadedError as err:
        raise GraphNotLoadedError(f"{err} (graph in {settings.output_dir})") from None
    out = Path(args.out) if args.out else settings.output_dir / "releases" / release_name(dataset)
    options: dict = {"run_dir": settings.output_dir}
    if args.base_uri:
        options["base_uri"] = args.base_uri
    if args.ocid_prefix:
        options["ocid_prefix"] = args.ocid_prefix
    if args.licence:
        if "=" not in args.licence:
            raise UsageError(f"--licence takes NAME=URL, got {args.licence!r}")
        licence, _, url = args.licence.partition("=")
        options["licence"] = {"name": licence, "path": url, "title": licence}
    write_release(store, out, ReleaseOptions(**options))
    print(f"sanshe release: wrote {out}")
    return OK


def cmd_generate(args: argparse.Namespace) -> int:
    from .generator import generate

    if args.scale != "sample":
        from .generator.scale import generate_scale

        manifest = generate_scale(Path(args.out), args.scale, seed=args.seed)
        print(f"sanshe generate: wrote the {args.scale} scale (seed {args.seed}) to {args.out}")
        return OK
    manifest = generate(Path(args.out), seed=args.seed)
    print(f"sanshe generate: wrote the {manifest['district_name']} sample (seed {args.seed}) to {args.out}")
    return OK


def cmd_schema(args: argparse.Namespace) -> int:
    from . import generated

    if args.action == "check":
        stale = generated.check()
        for p in stale:
            print(f"sanshe schema check: stale {p} (run `sanshe schema generate`)")
        if not stale:
            print(f"sanshe schema check: all {len(generated.artifacts())} generated files are up to date")
        return FAILED if stale else OK
    written = generated.write()
    for p in written:
        print(f"sanshe schema generate: wrote {p}")
    print(
        f"sanshe schema generate: {len(written)} rewritten, "
        f"{len(generated.artifacts()) - len(written)} already up to date"
    )
    return OK


OUTPUT_HELP = "output folder holding the run's graph (default: SANSHE_OUTPUT_DIR or ./output)"


def scope_help() -> str:
    from .queries.catalogue import LEVELS

    return (
        ", ".join(f"{level} {digits} digits" for level, digits in LEVELS.items())
        + " (a 12-digit street code works too)"
    )


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="sanshe",
        description="Community-services registers → knowledge graph "
        "and open data. `sanshe COMMAND --help` describes each command.",
    )
    ap.add_argument("--version", action="version", version=f"sanshe {__version__}")
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run the whole pipeline: read, check, resolve, load the graph")
    run.add_argument("--source", help="inbox folder (default: SANSHE_SOURCE_DIR or the shipped sample)")
    run.add_argument("--output", help="output folder (default: SANSHE_OUTPUT_DIR or ./output)")
    run.set_defaults(func=cmd_run)

    ui = sub.add_parser("ui", help="Dagster's UI on the runs `sanshe run` recorded in the output folder")
    ui.add_argument("--source", help="inbox folder the UI's runs read (default: SANSHE_SOURCE_DIR or the sample)")
    ui.add_argument("--output", help="output folder of the runs (default: SANSHE_OUTPUT_DIR or ./output)")
    ui.add_argument("--port", type=int, default=3000, help="port on 127.0.0.1 (default: 3000)")
    ui.set_defaults(func=cmd_ui)

    q = sub.add_parser(
        "query",
        help="run a catalogue query (`sanshe query --list` names them)",
        # one line, so a mistyped option gets a short message (argparse wraps its own per option)
        usage="%(prog)s [NAME] [--list] [--param K=V ...] [--as-of D] [--scope CODE] [--format F] [--out FILE.parquet]",
    )
    q.add_argument("name", nargs="?", help="the query's name, as `--list` shows it")
    q.add_argument("--list", action="store_true", help="list the catalogue")
    q.add_argument("--param", action="append", metavar="K=V", help="a query parameter; one --param per parameter")
    q.add_argument(
        "--as-of",
        metavar="YYYY-MM-DD",
        help="answer as of this day (queries with an as_of parameter); the same as --param as_of=YYYY-MM-DD",
    )
    q.add_argument(
        "--format",
        choices=["table", "json", "csv"],
        default="table",
        help="table for a terminal (default), json or csv for programs",
    )
    q.add_argument(
        "--scope",
        metavar="CODE",
        help=f"narrow the answer to one division: {scope_help()}; `--list` says which levels each query takes",
    )
    q.add_argument(
        "--out",
        metavar="FILE.parquet",
        help="write the whole answer (not only its default first rows) to a Parquet file, streamed from the store",
    )
    q.add_argument("--output", help=OUTPUT_HELP)
    q.set_defaults(func=cmd_query)

    ins = sub.add_parser(
        "inspect",
        help="show which register each inbox file is, its columns, what is derived "
        "and missing, and the first problems; loads nothing",
    )
    ins.add_argument("--source", help="the inbox (default: SANSHE_SOURCE_DIR or data/sample)")
    ins.add_argument("--write-mapping", metavar="FILE", help="also write a draft of manifest.yaml `mapping:` entries")
    ins.set_defaults(func=cmd_inspect)

    exp = sub.add_parser("export", help="write the graph as a bundle for another tool")
    exp.add_argument(
        "format", choices=["neo4j-import"], help="neo4j-import: CSVs for `neo4j-admin database import full`"
    )
    exp.add_argument("out", help="folder to write (its previous bundle files are replaced)")
    exp.add_argument("--output", help=OUTPUT_HELP)
    exp.set_defaults(func=cmd_export)

    rel = sub.add_parser("release", help="write a versioned open-data release of the graph")
    rel.add_argument("--out", help="release folder (default: OUTPUT/releases/sanshe-<district>-<snapshot date>)")
    rel.add_argument("--output", help=OUTPUT_HELP)
    rel.add_argument(
        "--base-uri", help="where the release will be published (default: https://data.example.org/sanshe)"
    )
    rel.add_argument(
        "--licence",
        metavar="NAME=URL",
        help="licence of the data (default: CC-BY-4.0=https://creativecommons.org/licenses/by/4.0/)",
    )
    rel.add_argument("--ocid-prefix", help="OCDS ocid prefix (default: ocds-sanshe; register your own with OCP)")
    rel.set_defaults(func=cmd_release)

    gen = sub.add_parser("generate", help="write a deterministic sample district, or generic registers for volume")
    gen.add_argument("--seed", type=int, default=2015, help="random seed (default: 2015, the shipped sample's)")
    gen.add_argument(
        "--scale",
        choices=["sample", "district", "city", "province", "national"],
        default="sample",
        help="sample: the Jing'an district with its history (data/sample); the others: 1, 16, 120 or "
        "2,800 generic districts for volume (sanshe/generator/scale.py)",
    )
    gen.add_argument("--out", required=True, help="folder to write the inbox into")
    gen.set_defaults(func=cmd_generate)

    sch = sub.add_parser(
        "schema",
        help="regenerate the files derived from graph_schema/, the query "
        "catalogue and the rule list (DDL, constraints, docs), or check them",
    )
    sch.add_argument(
        "action", choices=["generate", "check"], help="generate: rewrite the stale files; check: exit 1 if one is stale"
    )
    sch.set_defaults(func=cmd_schema)
    return ap


def _stdout_closed() -> bool:
    """Whether standard output is a pipe whose reader has gone (poll(2) reports POLLERR on the
    write end of such a pipe)."""
    import select

    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(events & select.POLLERR for _fd, events in poller.poll(0))
    except (AttributeError, OSError, ValueError):  # no poll (Windows), no file descriptor
        return False


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns the exit code (OK, FAILED or USAGE, or CLOSED when the reader
    of standard output went away, as in `sanshe query x | head`)."""
    args = parser().parse_args(argv)
    try:
        code = args.func(args)
        sys.stdout.flush()  # what is still buffered fails here, not after main has returned
        return code
    except BrokenPipeError:
        # `| head` stops reading: stop quietly, as a Unix tool does. Not by restoring SIGPIPE's
        # default action, which would hold for the whole process: a pipe to a forked child that
        # died (data_contracts/forked.py) would then kill the run instead of raising here.
        if not _stdout_closed():  # another pipe broke: that is an error, not a reader gone
            raise
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # the interpreter's last flush has nowhere to fail
        return CLOSED
    except (UsageError, QueryError) as err:
        print(f"sanshe {args.command}: {err}", file=sys.stderr)
        return USAGE
    except SansheError as err:
        print(f"sanshe {args.command}: {err}", file=sys.stderr)
        return FAILED


if __name__ == "__main__":
    sys.exit(main())
