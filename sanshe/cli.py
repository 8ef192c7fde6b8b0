"""The `sanshe` command.

    sanshe run                       run the whole pipeline into the embedded graph
    sanshe inspect [--source DIR]    what a run would make of an inbox, loading nothing
    sanshe query --list              list the catalogue
    sanshe query NAME [--param k=v]  run one catalogue query
    sanshe generate --seed N --out DIR
    sanshe schema generate|check     regenerate derived files / fail when one is stale
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipelines.settings import Settings


def _settings(args: argparse.Namespace) -> Settings:
    try:
        return Settings.from_env(source_dir=getattr(args, "source", None), output_dir=getattr(args, "output", None))
    except ValueError as err:
        raise SystemExit(f"sanshe: {err}") from None


def cmd_run(args: argparse.Namespace) -> int:
    from .run import run_pipeline

    settings = _settings(args)
    print(f"sanshe run: sources {settings.source_dir}\n            output  {settings.output_dir}")
    outcome = run_pipeline(settings)
    if not outcome.success:
        print("sanshe run: FAILED (see the step errors above)")
        return 1
    from pipelines.quality.assets import accounting_table

    acc = outcome.accounting
    print("\nAccounting · 核对 (rows read = accepted + quarantined)")
    print(accounting_table(acc))
    print("\nExpectation checks · 数据质量检查")
    for c in outcome.checks:
        state = "passed" if c["passed"] else ("FAILED" if c["severity"] == "ERROR" else "warning")
        print(f"  {c['asset']:<28} {c['check']:<20} {state}")
    nodes = sum(v for k, v in outcome.graph_counts.items() if k[:1].isupper() and not k.isupper())
    rels = sum(v for k, v in outcome.graph_counts.items() if k.isupper())
    where = settings.graph_path if settings.graph == "embedded" else "Neo4j (NEO4J_URI)"
    unclaimed = acc[acc["register"] == "(unclaimed)"]["file"].tolist()
    if unclaimed:
        print(f"\nNot read · 未读取: no register takes these files: {', '.join(unclaimed)}")
    print(f"\nGraph · 图谱: {nodes} nodes, {rels} relationships in {where}")
    print(f"Quarantine report · 隔离报告: {settings.quarantine_dir / 'index.html'}")
    print(f"Data Docs: {settings.data_docs_dir / 'index.html'}")
    ok = bool((acc["rows_read"] == acc["rows_accepted"] + acc["rows_quarantined"]).all()) and outcome.checks_passed
    return 0 if ok else 1


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

    from .queries.catalogue import QueryError, catalogue, execute, render

    if args.list or not args.name:
        for q in catalogue().values():
            params = " ".join(f"[--param {p.name}=…]" for p in q.params)
            print(f"{q.name:<30} {q.title_en} · {q.title_zh} {params}")
        return 0
    try:
        given = dict(_kv(p) for p in args.param or [])
        if args.as_of:
            if given.get("as_of", args.as_of) != args.as_of:
                raise QueryError("--as-of and --param as_of disagree; give one")
            given["as_of"] = args.as_of
        df = execute(open_store(_settings(args)), args.name, given)
    except (QueryError, FileNotFoundError, RuntimeError) as err:
        print(f"sanshe query: {err}", file=sys.stderr)
        return 2
    except Exception as err:  # the Neo4j driver's errors: say what failed, never the credentials
        from neo4j.exceptions import DriverError, Neo4jError

        if not isinstance(err, DriverError | Neo4jError):
            raise
        print(f"sanshe query: Neo4j did not answer ({type(err).__name__}): {str(err).splitlines()[0]}", file=sys.stderr)
        return 2
    print(render(df, args.format), end="" if args.format == "csv" else "\n")
    return 0


def _kv(text: str) -> tuple[str, str]:
    if "=" not in text:
        raise SystemExit(f"sanshe query: --param takes k=v, got {text!r}")
    k, v = text.split("=", 1)
    return k.strip(), v.strip()


def cmd_export(args: argparse.Namespace) -> int:
    from pipelines.graph.neo4j_import import write_bundle
    from pipelines.graph.stores import open_store

    try:
        files = write_bundle(open_store(_settings(args)), Path(args.out))
    except FileNotFoundError as err:
        print(f"sanshe export: {err}", file=sys.stderr)
        return 2
    print(f"sanshe export: wrote {len(files)} files to {args.out} (load with: bash {Path(args.out) / 'import.sh'})")
    return 0


def cmd_release(args: argparse.Namespace) -> int:
    from pipelines.graph.stores import open_store

    from .release.package import ReleaseOptions, write_release

    settings = _settings(args)
    store = open_store(settings)
    try:
        snapshot = store.query("MATCH (d:Dataset) RETURN d.district_code AS c, d.snapshot_date AS s")
        if snapshot.empty:
            raise FileNotFoundError("the graph has no Dataset node")
        name = f"sanshe-{snapshot['c'].iloc[0]}-{str(snapshot['s'].iloc[0])[:10]}"
        out = Path(args.out) if args.out else settings.output_dir / "releases" / name
        options = {"run_dir": settings.output_dir}
        if args.base_uri:
            options["base_uri"] = args.base_uri
        if args.ocid_prefix:
            options["ocid_prefix"] = args.ocid_prefix
        if args.licence:
            name, _, url = args.licence.partition("=")
            options["licence"] = {"name": name, "path": url, "title": name}
        write_release(store, out, ReleaseOptions(**options))
    except FileNotFoundError as err:
        print(f"sanshe release: {err}; run `sanshe run` first", file=sys.stderr)
        return 2
    print(f"sanshe release: wrote {out}")
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    from .generator import generate

    if args.scale != "sample":
        from .generator.scale import generate_scale

        manifest = generate_scale(Path(args.out), args.scale, seed=args.seed)
        print(f"sanshe generate: wrote the {args.scale} scale (seed {args.seed}) to {args.out}")
        return 0
    manifest = generate(Path(args.out), seed=args.seed)
    print(f"sanshe generate: wrote the {manifest['district_name']} sample (seed {args.seed}) to {args.out}")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from graph_schema import generate as g

    if args.action == "check":
        stale = g.check()
        for p in stale:
            print(f"stale: {p} (run `sanshe schema generate`)")
        return 1 if stale else 0
    for p in g.write():
        print(f"wrote {p}")
    return 0


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="sanshe", description="Community-services registers → knowledge graph")
    sub = ap.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the whole pipeline into the embedded graph")
    run.add_argument("--source", help="inbox folder (default: SANSHE_SOURCE_DIR or the shipped sample)")
    run.add_argument("--output", help="output folder (default: SANSHE_OUTPUT_DIR or ./output)")
    run.set_defaults(func=cmd_run)

    q = sub.add_parser("query", help="run a catalogue query")
    q.add_argument("name", nargs="?")
    q.add_argument("--list", action="store_true", help="list the catalogue")
    q.add_argument("--param", action="append", metavar="K=V", help="a query parameter (repeatable)")
    q.add_argument("--as-of", metavar="YYYY-MM-DD", help="answer as of this day (queries with an as_of parameter); "
                                                          "the same as --param as_of=YYYY-MM-DD")
    q.add_argument("--format", choices=["table", "json", "csv"], default="table")
    q.add_argument("--output", help="output folder holding graph.lbug (default: SANSHE_OUTPUT_DIR or ./output)")
    q.set_defaults(func=cmd_query)

    ins = sub.add_parser("inspect", help="show which register each inbox file is, its columns, what is derived "
                                         "and missing, and the first problems; loads nothing")
    ins.add_argument("--source", help="the inbox (default: SANSHE_SOURCE_DIR or data/sample)")
    ins.add_argument("--write-mapping", metavar="FILE", help="also write a draft of manifest.yaml `mapping:` entries")
    ins.set_defaults(func=cmd_inspect)

    exp = sub.add_parser("export", help="write the graph as a bundle for another tool")
    exp.add_argument("format", choices=["neo4j-import"], help="neo4j-import: CSVs for `neo4j-admin database import full`")
    exp.add_argument("out", help="folder to write (its previous bundle files are replaced)")
    exp.add_argument("--output", help="output folder holding graph.lbug (default: SANSHE_OUTPUT_DIR or ./output)")
    exp.set_defaults(func=cmd_export)

    rel = sub.add_parser("release", help="write a versioned open-data release of the graph")
    rel.add_argument("--out", help="release folder (default: OUTPUT/releases/sanshe-<district>-<snapshot date>)")
    rel.add_argument("--output", help="output folder holding graph.lbug (default: SANSHE_OUTPUT_DIR or ./output)")
    rel.add_argument("--base-uri", help="where the release will be published (default: https://data.example.org/sanshe)")
    rel.add_argument("--licence", metavar="NAME=URL", help="licence of the data (default: CC-BY-4.0=https://creativecommons.org/licenses/by/4.0/)")
    rel.add_argument("--ocid-prefix", help="OCDS ocid prefix (default: ocds-sanshe; register your own with OCP)")
    rel.set_defaults(func=cmd_release)

    gen = sub.add_parser("generate", help="write a deterministic sample district")
    gen.add_argument("--seed", type=int, default=2015)
    gen.add_argument("--scale", choices=["sample", "district", "city", "province", "national"], default="sample",
                     help="sample: the Jing'an district with its history (data/sample); the others: 1, 16, 120 or "
                          "2,800 generic districts for volume (sanshe/generator/scale.py)")
    gen.add_argument("--out", required=True)
    gen.set_defaults(func=cmd_generate)

    sch = sub.add_parser("schema", help="regenerate the files derived from graph_schema/, the query "
                                        "catalogue and the rule list (DDL, constraints, docs), or check them")
    sch.add_argument("action", choices=["generate", "check"])
    sch.set_defaults(func=cmd_schema)
    return ap


def main(argv: list[str] | None = None) -> int:
    import signal

    # `sanshe query x | head` should stop quietly, as any Unix tool does
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    args = parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
