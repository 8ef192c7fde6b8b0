"""An index of the run's Data Docs that reads offline.

Great Expectations draws its index's list of suites with scripts from CDNs, so opened from the
folder with no network it shows nothing. Once the run's Data Docs are built (gx.build_docs),
the outcome of each suite it ran is recorded in `data_docs/sanshe_suites.json`, and a plain
table of every suite recorded so far (result, expectations, failures, a link to its validation
page) is put at the top of GE's index.html: no script, no network. GE rewrites the index on
every build, so the table is put back each time.
"""

from __future__ import annotations

import html
import json
import os
import shutil
from pathlib import Path

import pandas as pd

RECORD = "sanshe_suites.json"
MARK = "<!-- sanshe offline index -->"
STYLE = (
    "font-family:sans-serif;margin:12px;padding:10px 14px;border:1px solid #ccc;background:#fff;"
    "color:#222;max-width:1100px"
)
RESULT = {
    "ok": ("通过", "passed", "#1b7f3b"),
    "warning": ("有警告", "warnings", "#8a5a00"),
    "error": ("未通过", "failed", "#b00020"),
}


def record(docs_dir: Path, outcomes: dict[str, tuple[pd.DataFrame, str]]) -> None:
    """Remember how each suite of `outcomes` did, register -> (results with one row per
    expectation (`success`), worst severity: "ok", "warning" or "error"), beside the suites
    recorded before (a partial run re-runs only some), and write the index once."""
    suites = recorded(docs_dir)
    for name, (results, worst) in outcomes.items():
        pages = sorted((docs_dir / "validations" / f"{name}_suite").rglob("*.html"))
        suites[name] = {
            "result": worst,
            "expectations": len(results),
            "failed": int((~results["success"]).sum()),
            "page": pages[-1].relative_to(docs_dir).as_posix() if pages else "",
        }
    (docs_dir / RECORD).write_text(
        json.dumps(suites, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    write_index(docs_dir, suites)


def recorded(docs_dir: Path) -> dict[str, dict]:
    """Every suite recorded so far: register -> result, expectations, failed, page."""
    path = docs_dir / RECORD
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


#: where `set_aside` sets the recorded pages aside on disk, under the Data Docs folder, until
#: `restore` has put back those the record names: a build that dies in between (its process
#: killed while GE renders) leaves them there, and the next build puts them back first
ASIDE = ".earlier-pages"


def _recorded_pages(docs_dir: Path) -> set[Path]:
    """The validation and suite pages the record names (`record`): what the offline index links to."""
    suites = recorded(docs_dir)
    pages = {docs_dir / s["page"] for s in suites.values() if s.get("page")}
    return pages | {docs_dir / "expectations" / f"{name}_suite.html" for name in suites}


def set_aside(docs_dir: Path) -> list[Path]:
    """Every validation and suite page the record names, set aside on disk (hard-linked, or
    copied, into ASIDE) before GE's build runs: GE's index builder deletes every page whose
    result its context does not hold, and a run in a process of its own (the sensor's partial
    runs, a child validating its suite alone) holds only the suites it re-ran (whose earlier
    pages it replaces). `restore` puts back those the record still names once the build is
    recorded, or, the build failed, all of them. Pages a build that died left aside are put
    back first. Returns the pages set aside. One build at a time: the run's lock of its output
    folder (pipelines/common/run_lock.py) keeps another run's build out."""
    restore(docs_dir)
    pages = sorted(p for p in _recorded_pages(docs_dir) if p.is_file())
    for page in pages:
        aside = docs_dir / ASIDE / page.relative_to(docs_dir)
        aside.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(page, aside)  # the page's content stays when GE unlinks its name
        except OSError:  # a file system without hard links
            shutil.copyfile(page, aside)
    return pages


def restore(docs_dir: Path) -> None:
    """Put back each page set aside in ASIDE (`set_aside`) that the record names and GE's build
    deleted, whether by this build or by one that died before putting its pages back; then drop
    ASIDE. A page rendered again is kept as rendered; a re-run suite's earlier page, which the
    record no longer names once the build is recorded, goes."""
    aside_dir = docs_dir / ASIDE
    if not aside_dir.is_dir():
        return
    named = _recorded_pages(docs_dir)
    for aside in sorted(p for p in aside_dir.rglob("*") if p.is_file()):
        page = docs_dir / aside.relative_to(aside_dir)
        if page in named and not page.exists():
            page.parent.mkdir(parents=True, exist_ok=True)
            os.replace(aside, page)
    shutil.rmtree(aside_dir, ignore_errors=True)


def table(suites: dict[str, dict]) -> str:
    rows = []
    for name, s in sorted(suites.items()):
        zh, en, colour = RESULT.get(s["result"], (s["result"], s["result"], "#222"))
        link = f'<a href="{html.escape(s["page"])}">{html.escape(name)}</a>' if s["page"] else html.escape(name)
        rows.append(
            f'<tr><td>{link}</td><td style="color:{colour}"><b>{zh} {en}</b></td>'
            f'<td style="text-align:right">{s["expectations"]}</td><td style="text-align:right">{s["failed"]}</td></tr>'
        )
    cell = "padding:2px 10px;border-bottom:1px solid #ddd;text-align:left"
    return (
        f'{MARK}<section id="sanshe-suites" style="{STYLE}"><h2 style="margin:0 0 6px">数据质量检查 · Expectation '
        f'suites ({len(suites)})</h2><p style="margin:0 0 6px">每个登记册一套检查；点名称看详情。One suite per register; '
        f'open a name for its expectations and results.</p><table style="border-collapse:collapse">'
        f'<tr><th style="{cell}">套件 Suite</th><th style="{cell}">结果 Result</th><th style="{cell}">检查 Expectations'
        f'</th><th style="{cell}">未通过 Failed</th></tr>{"".join(rows)}</table></section>{MARK}'
    )


def write_index(docs_dir: Path, suites: dict[str, dict]) -> None:
    """Put the table at the top of docs_dir/index.html (replacing an earlier one), or write a
    page holding only the table if GE wrote none."""
    index = docs_dir / "index.html"
    text = index.read_text(encoding="utf-8") if index.exists() else "<!doctype html><html><body></body></html>"
    if MARK in text:
        before, _, rest = text.partition(MARK)
        text = before + rest.partition(MARK)[2]
    at = text.find(">", text.find("<body")) + 1
    index.write_text(text[:at] + table(suites) + text[at:], encoding="utf-8")
