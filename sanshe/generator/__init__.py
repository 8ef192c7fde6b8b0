"""`sanshe generate`: deterministic source registers, written as a bureau hands them over."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

from data_contracts import CONTRACTS
from pipelines.common.csvfile import write_csv
from pipelines.inbox import SYNTHETIC

from .district import DISTRICT, SNAPSHOT, DistrictGenerator

#: the file each register's rows go to, inside the folder its contract names; projects are
#: split by year, as purchasers file them
FILE_NAMES = {
    "communities": "communities.csv",
    "district_changes": "district_changes.csv",
    "organisations": "organisations.csv",
    "annual_inspections": "annual_inspections.csv",
    "hubs": "hubs.csv",
    "hub_memberships": "hub_memberships.csv",
    "workers": "social_workers.csv",
    "projects": "projects_{year}.csv",
    "evaluations": "evaluations.csv",
}
MANIFEST = "manifest.yaml"
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
    manifest = {
        "district_code": DISTRICT[0],
        "district_name": DISTRICT[1],
        "snapshot_date": SNAPSHOT.isoformat(),
        SYNTHETIC: True,
        "generator": {"seed": seed, "scale": "district"},
    }
    (out / MANIFEST).write_text(yaml.safe_dump(manifest, allow_unicode=True, sort_keys=False), encoding="utf-8")
    (out / PLANTED_DEFECTS).write_text(
        "# Rows the generator broke on purpose, with the rule that must quarantine each.\n"
        + yaml.safe_dump(regs.defects, allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    return manifest
