"""The explorer (explore/ in a release): a page for every organisation, community, hub,
purchaser and project, a search entry for each, and pages that agree with the release's tables."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

KINDS = {
    "org": ("organisations", "uscc"),
    "community": ("communities", "code"),
    "hub": ("hubs", "hub_id"),
    "purchaser": ("purchasers", "uscc"),
    "project": ("projects", "project_id"),
}


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_one_page_and_one_search_entry_per_entity(release):
    text = (release / "explore" / "search.js").read_text(encoding="utf-8")
    index = json.loads(re.match(r"var SANSHE_INDEX=(.*);\n", text).group(1))
    for kind, (table, key) in KINDS.items():
        keys = {r[key] for r in _rows(release / "csv" / f"{table}.csv")}
        assert {p.stem for p in (release / "explore" / kind).glob("*.html")} == keys, kind
        assert {e[1] for e in index if e[3].startswith(f"{kind}/")} == keys, kind
    assert all((release / "explore" / e[3]).is_file() for e in index)


def test_an_organisation_page_lists_the_projects_it_won_and_only_those(release):
    projects = _rows(release / "csv" / "projects.csv")
    won: dict[str, set[str]] = {}
    for p in projects:
        won.setdefault(p["provider_uscc"], set()).add(p["project_id"])
    for uscc in sorted(won)[:40] + ["none"]:
        path = release / "explore" / "org" / f"{uscc}.html"
        if not path.exists():
            continue
        page = path.read_text(encoding="utf-8")
        section = page.split("Projects won", 1)[1].split("<h2>", 1)[0]
        assert set(re.findall(r'href="\.\./project/([^".#]+)\.html"', section)) == won[uscc], uscc


def test_worker_counts_shown_are_the_published_ones(release):
    counts = {(r["uscc"], r["level"]): r for r in _rows(release / "csv" / "worker_counts_by_organisation.csv")}
    seen = 0
    for (uscc, level), r in sorted(counts.items())[:300]:
        page = (release / "explore" / "org" / f"{uscc}.html").read_text(encoding="utf-8")
        cell = re.search(rf"<td>{level}</td><td[^>]*>([^<]*)</td>", page).group(1)
        assert cell == ("&lt;3（不公开 not published）" if r["suppressed"] == "true" else r["workers"])
        seen += r["suppressed"] == "true"
    assert seen, "no suppressed cell among those checked: the check did not exercise suppression"
