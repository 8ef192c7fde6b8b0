"""`sanshe release`: a versioned folder the public can read and tools can check.

It holds the tables (CSV and Parquet), `datapackage.json` (Frictionless Data Package v2,
generated from the tables' declarations, which come from graph_schema/), the purchases as an
OCDS 1.1.5 release package, a DCAT 3 catalogue, a quality report, `index.html`, the explorer
(`explore/`, a page per organisation, community, hub, purchaser and project), the Neo4j
import bundle under `neo4j/`, `CHANGES.md` against the previous release beside it, and
`SHA256SUMS`. The folder is scanned for ID and mobile numbers before the checksums are written. Every date comes from the data's snapshot, never the
clock: the same graph gives the same folder, byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from data_contracts.errors import GraphNotLoadedError, PersonalDataFoundError
from graph_schema.types import TYPES, to_text
from pipelines.graph.neo4j_import import write_bundle
from pipelines.graph.protocol import GraphStore
from sanshe.queries.catalogue import execute

from . import changes, dcat, explorer, ocds, page, quality
from .privacy import scan_folder
from .tables import Table, build

DEFAULT_LICENCE = {
    "name": "CC-BY-4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
    "title": "Creative Commons Attribution 4.0",
}


def _write_table(t: Table, folder: Path) -> list[Path]:
    from pipelines.common.csvfile import write_csv

    frame = t.frame[[c.name for c in t.columns]].sort_values(t.primary_key, kind="stable")
    rows = [[to_text(v, c.type) for v, c in zip(rec, t.columns, strict=True)] for rec in frame.itertuples(index=False)]
    csv_path = folder / "csv" / f"{t.name}.csv"
    write_csv(csv_path, [c.name for c in t.columns], rows)
    arrays = [
        pa.array([None if s == "" else TYPES[c.type].from_text(s) for s in col], TYPES[c.type].arrow_type())
        for c, col in zip(t.columns, zip(*rows, strict=True) if rows else [[] for _ in t.columns], strict=True)
    ]
    parquet_path = folder / "parquet" / f"{t.name}.parquet"
    parquet_path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_arrays(arrays, names=[c.name for c in t.columns]), parquet_path)
    return [csv_path, parquet_path]


def resource(t: Table) -> dict:
    fields = []
    for c in t.columns:
        f: dict[str, object] = {
            "name": c.name,
            "type": TYPES[c.type].frictionless,
            "title": f"{c.zh} · {c.en}",
            "description": c.en,
        }
        if c.required or c.name in t.primary_key:
            f["constraints"] = {"required": True}
        fields.append(f)
    schema_: dict = {"fields": fields, "primaryKey": t.primary_key, "missingValues": [""]}
    if t.foreign_keys:
        schema_["foreignKeys"] = [
            {"fields": f, "reference": {"resource": r, "fields": rf}} for f, r, rf in t.foreign_keys
        ]
    return {
        "name": t.name,
        "type": "table",
        "path": f"csv/{t.name}.csv",
        "scheme": "file",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "title": f"{t.zh} · {t.en}",
        "description": t.description,
        "schema": schema_,
    }


def release_name(dataset: dict) -> str:
    """`sanshe-<district code>-<snapshot date>`: the release's Data Package name and id, and
    its folder under OUTPUT/releases/ unless told otherwise. `dataset` is the graph's Dataset
    node (district_code, snapshot_date)."""
    return f"sanshe-{dataset['district_code']}-{str(dataset['snapshot_date'])[:10]}"


def loaded_dataset(store: GraphStore) -> dict:
    """The graph's Dataset node as a dict (district_code, snapshot_date, ...). Raises
    GraphNotLoadedError when the store holds none."""
    found = store.query("MATCH (d:Dataset) RETURN d.district_code AS district_code, d.snapshot_date AS snapshot_date")
    if found.empty:
        raise GraphNotLoadedError("the graph has no Dataset node: run `sanshe run` first")
    return found.iloc[0].to_dict()


def datapackage(tables: list[Table], dataset: dict, licence: dict) -> dict:
    snapshot = str(dataset["snapshot_date"])[:10]
    return {
        "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
        "name": release_name(dataset),
        "id": release_name(dataset),
        "title": f"{dataset['district_name']}三社联动开放数据 · Community services open data, {dataset['district_code']}",
        "description": (
            "社区、社会组织、持证社会工作者、政府购买服务项目及其评估。"
            " Communities, social organisations, certified social workers (as counts), "
            "purchased-service projects and their evaluations."
        ),
        "version": snapshot,
        "created": f"{snapshot}T00:00:00Z",
        "licenses": [licence],
        "sources": [{"title": f"{dataset['district_name']} civil-affairs registers as of {snapshot}"}],
        "contributors": [{"title": "sanshe", "roles": ["creator"]}],
        "keywords": ["三社联动", "社会组织", "政府购买服务", "community services", "open contracting"],
        "resources": [resource(t) for t in tables],
    }


def sha256sums(folder: Path) -> str:
    lines = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "SHA256SUMS"):
        lines.append(f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {path.relative_to(folder).as_posix()}")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class ReleaseOptions:
    licence: dict = field(default_factory=lambda: dict(DEFAULT_LICENCE))
    #: where the release will be published (URIs in OCDS and DCAT are built on it)
    base_uri: str = "https://data.example.org/sanshe"
    #: OCDS ocid prefix; the default is a placeholder (register a real one with the Open
    #: Contracting Partnership), and the release page says so while it is in use
    ocid_prefix: str = ocds.PLACEHOLDER_PREFIX
    #: who publishes the release (an organisation) and where the public can reach it; default:
    #: "sanshe · <district>" and the release's landing page
    publisher: str | None = None
    contact_url: str | None = None
    #: the publisher's e-mail (an office's, never a person's) for the OCDS extension's contact
    #: point; default opendata@<host of base_uri>
    contact_email: str | None = None
    #: the run's output folder, for the quality report (accounting, rules, checks)
    run_dir: Path | None = None


def _json(path: Path, value: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(value, ensure_ascii=False, indent=2, sort_keys=False, default=str) + "\n", encoding="utf-8"
    )


def write_release(store: GraphStore, out: Path, options: ReleaseOptions | None = None) -> Path:
    """Write the release for the graph in `store` to `out` (replaced if it exists)."""
    opts = options or ReleaseOptions()
    dump = store.dump()
    if dump["Dataset"].empty:
        raise GraphNotLoadedError("the graph has no Dataset node: run `sanshe run` first")
    dataset = dump["Dataset"].iloc[0].to_dict()
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    tables = build(dump)
    for t in tables:
        _write_table(t, out)
    frames = {t.name: t.frame for t in tables}
    package = datapackage(tables, dataset, opts.licence)
    _json(out / "datapackage.json", package)
    home = f"{opts.base_uri.rstrip('/')}/{package['name']}"
    publisher = opts.publisher or f"sanshe · {dataset['district_name']}"
    _json(
        out / "ocds" / "release-package.json",
        ocds.release_package(frames, dataset, opts.ocid_prefix, home, opts.licence["path"]),
    )
    _json(out / ocds.EXTENSION_PATH, ocds.extension(home, publisher, opts.contact_email or _email(opts.base_uri)))
    _json(out / "ocds" / "extension" / "release-schema.json", ocds.EXTENSION_SCHEMA)
    _json(
        out / "catalog.jsonld",
        dcat.catalogue(
            package,
            dataset,
            opts.base_uri,
            opts.licence,
            publisher,
            opts.contact_url or f"{home}/index.html",
            first_day(frames, package["version"]),
        ),
    )
    _json(out / "quality" / "report.json", quality.report(frames, opts.run_dir))
    explorer.write(
        out / "explore",
        explorer.Explorer(
            frames, dump, execute(store, "community-linkage"), execute(store, "hub-coverage"), opts.ocid_prefix
        ),
    )
    (out / "index.html").write_text(
        page.render(
            store,
            frames,
            dataset,
            opts.ocid_prefix,
            opts.ocid_prefix == ocds.PLACEHOLDER_PREFIX,
            files(package),
            opts.licence,
        ),
        encoding="utf-8",
    )
    (out / "README.md").write_text(readme(package), encoding="utf-8")
    write_bundle(store, out / "neo4j")
    (out / "CHANGES.md").write_text(changes.changes(out, package), encoding="utf-8")
    leaks = scan_folder(out)
    if leaks:  # nothing personal should ever reach here; refuse to publish if it does
        shutil.rmtree(out)
        raise PersonalDataFoundError(f"personal data found in the release, not written: {sorted(leaks)}")
    (out / "SHA256SUMS").write_text(sha256sums(out), encoding="utf-8")
    return out


def _email(base_uri: str) -> str:
    from urllib.parse import urlsplit

    return f"opendata@{urlsplit(base_uri).hostname or 'example.org'}"


def first_day(frames: dict[str, pd.DataFrame], snapshot: str) -> str:
    """The earliest day the published tables cover (project award or start, evaluation), ISO;
    the snapshot day when there is none."""
    days = [frames["projects"][c].min() for c in ("award_date", "start_date")] + [
        frames["evaluations"]["eval_date"].min()
    ]
    return min((str(pd.Timestamp(d).date()) for d in days if d is not None and not pd.isna(d)), default=snapshot)


def files(package: dict) -> list[tuple[list[str], str]]:
    """([paths], what they are) for every file a reader may want, for the release page."""
    out = [
        (
            ["explore/index.html"],
            "浏览与搜索：每个社会组织、社区、枢纽、购买主体和项目一页 · Explorer: a page per "
            "organisation, community, hub, purchaser and project",
        ),
        (["README.md"], "文件说明 · What each file holds"),
        (["datapackage.json"], "表结构（Frictionless Data Package v2） · Types, keys and foreign keys of every table"),
    ]
    out += [
        ([r["path"], r["path"].replace("csv/", "parquet/").replace(".csv", ".parquet")], r["title"])
        for r in package["resources"]
    ]
    return out + [
        (
            ["ocds/release-package.json", ocds.EXTENSION_PATH],
            "政府购买服务（OCDS 1.1.5）及评估扩展 · Purchases as Open Contracting data, and the evaluation extension",
        ),
        (["catalog.jsonld"], "数据目录（DCAT 3） · Catalogue entry (DCAT 3)"),
        (["quality/report.json"], "数据质量报告（仅计数） · Quality report (counts only)"),
        (["neo4j/import.sh"], "Neo4j 导入脚本 · Neo4j bulk import"),
        (["CHANGES.md"], "与上一版的变化 · Changes since the previous release"),
        (["SHA256SUMS"], "校验和 · Checksums"),
    ]


def readme(package: dict) -> str:
    rows = "\n".join(f"| `{r['path']}` | {r['title']} | {r['description']} |" for r in package["resources"])
    return f"""# {package["title"]}

版本 Version {package["version"]} · 许可 Licence {package["licenses"][0]["name"]} · 数据截止 data as of {package["version"]}

| file | 中文 · English | what one row is |
|---|---|---|
{rows}

- `parquet/`: the same tables as Parquet. `datapackage.json`: types, keys and foreign keys of every table
  (Frictionless Data Package v2; check it with `frictionless validate datapackage.json`).
- `ocds/release-package.json`: the purchased-service projects in the Open Contracting Data Standard 1.1.5;
  evaluation score and grade are in `sansheEvaluation` on `evaluationReports` documents (`ocds/extension/`).
- `neo4j/`: CSVs ready for `neo4j-admin database import full`; run `bash neo4j/import.sh`.
- `catalog.jsonld`: DCAT 3 catalogue. `quality/report.json`: what the registers held and what was rejected (counts only).
- `index.html`: key figures, charts, search and links to every file. `explore/`: a page per organisation, community,
  hub, purchaser and project. `CHANGES.md`: what changed since the previous release. `SHA256SUMS`: checksums.

社会工作者只以人数统计发布，少于3人的单元格不公开；本数据不含任何个人身份信息。
Social workers appear only as counts; cells under 3 are suppressed. No personal data is published.
"""
