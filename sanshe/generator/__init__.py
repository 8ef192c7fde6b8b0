"""`sanshe generate`: deterministic source registers, written as a bureau hands them over."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

from data_contracts import CONTRACTS
from pipelines.common.csvfile import write_csv

from .district import DISTRICT, SNAPSHOT, DistrictGenerator
from .inbox_files import FILE_NAMES as BASE_FILE_NAMES
from .inbox_files import write_manifest

#: projects are split by year, as purchasers file them
FILE_NAMES = {**BASE_FILE_NAMES, "projects": "projects_{year}.csv"}
PLANTED_DEFECTS = "planted_defects.yaml"


def _cell(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


def generate(out: Path, seed: int = 2015) -> dict:
    """Write the sample district's registers under `out`; returns the manifest."""
    regs = DistrictGenerator(seed).build()
    out.mkdir(parents=True, exist_ok=True)
    for register, pattern in FILE_NAMES.items():
        model = CONTRACTS[register]
        folder = model.folder
        fields = model.layout_fields()
        files: dict[str, list[list[str]]] = {}
        for rec in getattr(regs, register):
            name = pattern.format(year=rec.get("project_id", "x-0000").split("-")[1])
            files.setdefault(name, []).append([_cell(rec.get(f)) for f in fields])
        for asof, rows in regs.snapshots.get(register, {}).items():
            name = pattern.replace(".csv", f"_asof_{asof.isoformat()}.csv")
            files[name] = [[_cell(rec.get(f)) for f in fields] for rec in rows]
        for name, table in sorted(files.items()):
            write_csv(out / folder / name, [model.header(f) for f in fields], table)
    manifest = write_manifest(out, DISTRICT[0], DISTRICT[1], SNAPSHOT.isoformat(), seed, "district")
    (out / PLANTED_DEFECTS).write_text(
        "# Rows the generator broke on purpose, with the rule that must quarantine each.\n"
        + yaml.safe_dump(regs.defects, allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    return manifest
