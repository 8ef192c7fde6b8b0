"""What every generated inbox shares: where each register's rows go, and its manifest.yaml
(the sample district, __init__.py, and the scale registers, scale.py)."""

from __future__ import annotations

from pathlib import Path

import yaml

from pipelines.inbox import MANIFEST, SYNTHETIC

#: the file each register's rows go to, inside the folder its contract names
FILE_NAMES = {
    "communities": "communities.csv",
    "district_changes": "district_changes.csv",
    "organisations": "organisations.csv",
    "annual_inspections": "annual_inspections.csv",
    "hubs": "hubs.csv",
    "hub_memberships": "hub_memberships.csv",
    "workers": "social_workers.csv",
    "projects": "projects.csv",
    "evaluations": "evaluations.csv",
}


def write_manifest(out: Path, district_code: str, district_name: str, snapshot: str, seed: int, scale: str) -> dict:
    """Write `out`/manifest.yaml of a generated inbox and return it: its people are made up
    (`synthetic: true`, pipelines/inbox.py), and it names the generator's seed and scale."""
    manifest = {
        "district_code": district_code,
        "district_name": district_name,
        "snapshot_date": snapshot,
        SYNTHETIC: True,
        "generator": {"seed": seed, "scale": scale},
    }
    (out / MANIFEST).write_text(yaml.safe_dump(manifest, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return manifest
