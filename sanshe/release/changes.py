"""CHANGES.md: what changed since the previous release in the same parent folder, per table:
records added, removed and changed (by primary key)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

SHOWN = 20


def previous_release(out: Path, version: str) -> Path | None:
    """The latest other release beside `out`, by (version, folder name), before this one."""
    here = (version, out.name)
    found = []
    for d in out.parent.iterdir():
        pkg = d / "datapackage.json"
        if d != out and pkg.is_file():
            v = json.loads(pkg.read_text(encoding="utf-8")).get("version", "")
            if (v, d.name) < here:
                found.append(((v, d.name), d))
    return max(found)[1] if found else None


def _table(folder: Path, resource: dict) -> pd.DataFrame:
    return pd.read_csv(folder / resource["path"], dtype=str, keep_default_na=False)


def changes(out: Path, package: dict) -> str:
    prev = previous_release(out, package["version"])
    lines = [f"# Changes · 变更 ({package['name']})", ""]
    if prev is None:
        return "\n".join([*lines, "First release in this folder: nothing to compare with. 首次发布。", ""])
    old_pkg = json.loads((prev / "datapackage.json").read_text(encoding="utf-8"))
    old_res = {r["name"]: r for r in old_pkg["resources"]}
    lines += [
        f"Compared with `{prev.name}` (version {old_pkg.get('version')}). 与上一版比较。",
        "",
        "| table | added | removed | changed |",
        "|---|---|---|---|",
    ]
    details = []
    for r in package["resources"]:
        key = r["schema"]["primaryKey"]
        new = _table(out, r).set_index(key)
        old = _table(prev, old_res[r["name"]]).set_index(key) if r["name"] in old_res else new.iloc[0:0]
        added = sorted(map(str, new.index.difference(old.index)))
        removed = sorted(map(str, old.index.difference(new.index)))
        both = new.index.intersection(old.index)
        cols = [c for c in new.columns if c in old.columns]
        diff = (new.loc[both, cols] != old.loc[both, cols]).any(axis=1) if len(both) else pd.Series(dtype=bool)
        changed = sorted(map(str, diff[diff].index))
        lines.append(f"| {r['name']} | {len(added)} | {len(removed)} | {len(changed)} |")
        for what, keys in (("added", added), ("removed", removed), ("changed", changed)):
            if keys:
                more = f" (and {len(keys) - SHOWN} more)" if len(keys) > SHOWN else ""
                details.append(f"- `{r['name']}` {what}: {', '.join(keys[:SHOWN])}{more}")
    return "\n".join([*lines, "", *details, ""])
