"""The run's accounting and reports.

Consumes every `<register>_resolved` asset.
Emits  resolved_registers (all registers together), quarantine_report (files under
       OUTPUT/quarantine/) and accepted_tables (OUTPUT/tables/*.parquet, the validated tables
       that oracle tests and releases read).
"""

import json
import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
from dagster import (
    AssetCheckResult,
    AssetExecutionContext,
    AssetIn,
    MetadataValue,
    asset,
    asset_check,
)

from data_contracts import CONTRACTS
from data_contracts.forked import balanced, map_forked
from data_contracts.lists import arrow_table
from data_contracts.rules import Severity

from ..common import claiming, readers
from ..common.register import RegisterResult
from ..common.resolve import by_register, each_resolved
from ..common.resources import PUBLIC_IO, SansheResource, register_origins
from ..common.state_files import read_state, write_state
from . import quarantine_page

ACCOUNTING_COLUMNS = [
    "register",
    "file",
    "sheet",
    "format",
    "rows_read",
    "rows_accepted",
    "rows_quarantined",
    "warnings",
    "note",
]
_PART = re.compile(
    rf"^(?P<file>.*\.(?:{'|'.join(s[1:] for s in sorted(readers.SUFFIXES))}))\[(?P<sheet>.*)\]\Z", re.IGNORECASE
)


def split_part(part: str) -> tuple[str, str]:
    """`projects/p.xlsx[数据]` -> (`projects/p.xlsx`, `数据`); a text file has no sheet."""
    m = _PART.fullmatch(part)
    return (m["file"], m["sheet"]) if m else (part, "")


def _skipped_note(skipped: list[tuple[int, str]]) -> str:
    if not skipped:
        return ""
    kinds = pd.Series([why for _, why in skipped]).value_counts()
    rows = ", ".join(str(r) for r, _ in skipped[:10]) + (" …" if len(skipped) > 10 else "")
    return "skipped (not records): " + "; ".join(f"{n} {why}" for why, n in kinds.items()) + f" (rows {rows})"


@asset(
    group_name="quality",
    ins=each_resolved(),
    # before graph_changes (priority 1): the job's hook offers, once this is made, the suites of
    # a partial run's registers, validated in a forked child while graph_changes builds
    op_tags={"dagster/priority": "2"},
    description="Every register after resolution, keyed by register name. One entry per register.",
)
def resolved_registers(**registers: RegisterResult) -> dict[str, RegisterResult]:
    return by_register(registers)


UNCLAIMED = "(unclaimed)"


def unclaimed_files(source_dir: Path) -> dict[str, str]:
    """Files in the inbox that no register reads, with why: in a register's folder, a file no
    reader takes (a PDF, a subfolder's file); at the root, a table whose header fits no register
    or more than one (claiming.py). Listed so that nothing handed over is silently ignored."""
    claims = claiming.claims(source_dir)
    taken = {c.path for c in claims if c.register}
    out = {c.rel: f"not read: {c.how} (see docs/intake.md)" for c in claims if c.register is None}
    folders = {m.folder for m in CONTRACTS.values()}
    for f in folders:
        if (source_dir / f).is_dir():
            for p in (source_dir / f).rglob("*"):
                if p.is_file() and p not in taken:
                    out.setdefault(
                        p.relative_to(source_dir).as_posix(),
                        "not read: not a file any register reads (see docs/intake.md)",
                    )
    return dict(sorted(out.items()))


def _derived_note(counts: dict[str, int]) -> str:
    if not counts:
        return ""
    return "derived_value: " + "; ".join(f"{what} ({n} rows)" for what, n in sorted(counts.items()))


#: rules about a whole file rather than a cell: the accounting's note repeats their message
FILE_RULES = ("unreadable_file", "no_header_row", "missing_column")


def _file_problems(errors: pd.DataFrame) -> str:
    """The message of each whole-file rule a part broke, once (en / zh), e.g. why a file could
    not be read at all."""
    seen = errors[errors["rule"].isin(FILE_RULES)].drop_duplicates("rule")
    return "; ".join(
        f"{r}: {en} / {zh}" for r, en, zh in zip(seen["rule"], seen["message_en"], seen["message_zh"], strict=True)
    )


def accounting(registers: dict[str, RegisterResult], unclaimed: dict[str, str] | Sequence[str] = ()) -> pd.DataFrame:
    """Rows read, accepted and quarantined per register and file; the note says what else a
    clerk should know: why a file could not be read, rows that are not records, hidden sheets,
    a unit line applied, unknown columns, a register that had no file at all."""
    rows = []
    for name, res in registers.items():
        accepted = res.accepted_per_file()
        errors = res.issues[res.issues["severity"] == Severity.ERROR]
        warnings = res.issues[res.issues["severity"] == Severity.WARNING]
        if not res.rows_per_file:
            model = CONTRACTS.get(name)
            where = f"{model.folder}/{model.files}" if model else name
            rows.append(
                {
                    "register": name,
                    "file": "",
                    "sheet": "",
                    "format": "",
                    "rows_read": 0,
                    "rows_accepted": 0,
                    "rows_quarantined": 0,
                    "warnings": 0,
                    "note": f"no file: this register has no rows; put its files in {where} (see docs/intake.md) "
                    f"(本登记表没有文件，未读到任何行：请将文件放入 {where})",
                }
            )
        for part, read in sorted(res.rows_per_file.items()):
            unknown = res.unknown_columns.get(part)
            mine = errors[errors["file"] == part]
            notes = [
                _file_problems(mine),
                *res.notes.get(part, []),
                f"unknown columns not loaded: {', '.join(unknown)}" if unknown else "",
                _skipped_note(res.skipped.get(part, [])),
                _derived_note(res.derived.get(part, {})),
            ]
            file, sheet = split_part(part)
            rows.append(
                {
                    "register": name,
                    "file": file,
                    "sheet": sheet,
                    "format": res.formats.get(part, ""),
                    "rows_read": read,
                    # counted once per register; a stored copy's header says them (a partial
                    # run reads none of an unchanged register's rows for the accounting)
                    "rows_accepted": accepted.get(part, 0),
                    "rows_quarantined": len(mine[["file", "row"]].drop_duplicates()),
                    "warnings": int((warnings["file"] == part).sum()),
                    "note": "; ".join(n for n in notes if n),
                }
            )
    why = unclaimed if isinstance(unclaimed, dict) else dict.fromkeys(unclaimed, "not read (see docs/intake.md)")
    for file, note in why.items():
        rows.append(
            {
                "register": UNCLAIMED,
                "file": file,
                "sheet": "",
                "format": "",
                "rows_read": 0,
                "rows_accepted": 0,
                "rows_quarantined": 0,
                "warnings": 0,
                "note": note,
            }
        )
    return pd.DataFrame(rows, columns=ACCOUNTING_COLUMNS)


def totals(acc: pd.DataFrame) -> pd.DataFrame:
    return (
        acc.groupby("register", sort=False)[["rows_read", "rows_accepted", "rows_quarantined", "warnings"]]
        .sum()
        .reset_index()
    )


def accounting_table(acc: pd.DataFrame) -> str:
    """The per-register accounting as `sanshe run` prints it (and docs quote it)."""
    t = totals(acc)
    t["adds_up"] = (t["rows_read"] == t["rows_accepted"] + t["rows_quarantined"]).map({True: "yes", False: "NO"})
    return t.to_markdown(index=False, tablefmt="simple")


def report_issues(issues: pd.DataFrame) -> pd.DataFrame:
    """Issues as a clerk fixes them: file and sheet apart, in file, sheet, row, column order."""
    parts = [split_part(p) for p in issues["file"]]
    out = issues.assign(file=[f for f, _ in parts])
    out.insert(out.columns.get_loc("file") + 1, "sheet", [s for _, s in parts])
    return out.sort_values(["source", "file", "sheet", "row", "column", "rule"], kind="stable").reset_index(drop=True)


@asset(
    group_name="quality",
    # each register, not resolved_registers: the blocking expectations check on that one would
    # skip this step when it fails, and a clerk whose run it stopped needs the report most (which
    # rows were rejected, and where the rows an expectation did not expect are). The step runs
    # once the registers are resolved, while the last suites are still validated in a forked child
    ins=each_resolved(),
    description="The quarantine report and the accounting (rows read = accepted + quarantined) "
    "for every register and file, written to OUTPUT/quarantine/. One row per file. Written also "
    "when the expectations check stops the graph load.",
)
def quarantine_report(
    context: AssetExecutionContext, sanshe: SansheResource, **resolved: RegisterResult
) -> pd.DataFrame:
    registers = by_register(resolved)
    out = sanshe.settings.quarantine_dir
    out.mkdir(parents=True, exist_ok=True)
    issues = report_issues(pd.concat([r.issues for r in registers.values()], ignore_index=True))
    errors = issues[issues["severity"] == Severity.ERROR]
    acc = accounting(registers, unclaimed_files(sanshe.settings.source_dir))
    errors.to_csv(out / "quarantine.csv", index=False, lineterminator="\n")
    issues[issues["severity"] == Severity.WARNING].to_csv(out / "warnings.csv", index=False, lineterminator="\n")
    acc.to_csv(out / "accounting.csv", index=False, lineterminator="\n")
    for res in registers.values():
        for name, frame in sorted(res.reports.items()):
            frame.to_csv(out / f"{name}.csv", index=False, lineterminator="\n")
    (out / "index.html").write_text(quarantine_page.render(acc, issues), encoding="utf-8")
    context.add_output_metadata(
        {
            "quarantined_rows": int(acc["rows_quarantined"].sum()),
            "accounting": MetadataValue.md(totals(acc).to_markdown(index=False)),
            "report": MetadataValue.path(str(out / "index.html")),
        }
    )
    return acc


@asset_check(
    asset="quarantine_report",
    name="accounting_adds_up",
    description="For every register and file: rows read = rows accepted + rows quarantined.",
)
def accounting_adds_up(quarantine_report: pd.DataFrame) -> AssetCheckResult:
    acc = quarantine_report
    bad = acc[acc["rows_read"] != acc["rows_accepted"] + acc["rows_quarantined"]]
    reason = "; ".join(
        f"{f}: read {r}, accepted {a}, quarantined {q}"
        for f, r, a, q in zip(bad["file"], bad["rows_read"], bad["rows_accepted"], bad["rows_quarantined"], strict=True)
    )
    return AssetCheckResult(
        passed=bad.empty, metadata={"files": len(acc), "mismatched_files": len(bad), "reason": reason}
    )


@asset(
    group_name="quality",
    ins={"registers": AssetIn("resolved_registers")},
    # the stored hand-over says which run made each register (`register_origins`): a resource asked for
    # by key, since Dagster takes no resource both as a key and as a typed parameter
    required_resource_keys={"sanshe", PUBLIC_IO},
    description="The accepted (validated and resolved) tables, no personal fields, as Parquet "
    "under OUTPUT/tables/. One row per accepted record and snapshot (column `asof`) "
    "in one file per register; one row per validity period in one file per derived "
    "history (`<register>__<history>.parquet`).",
)
def accepted_tables(context: AssetExecutionContext, registers: dict[str, RegisterResult]) -> dict[str, int]:
    sanshe: SansheResource = context.resources.sanshe
    out = sanshe.settings.tables_dir
    out.mkdir(parents=True, exist_ok=True)
    # A register this run loaded from the stored copy its tables were written from is not
    # written again: in the inbox sensor's partial run after a 1% change of one register, that
    # is every other register (4 s of the national run's 48 s, all of them rewritten).
    state = sanshe.settings.storage_dir / TABLES_MADE
    origins = register_origins(context, registers)
    kept = _unchanged(read_state(state), origins, out)
    todo = {name: res for name, res in registers.items() if name not in kept}
    # each register's files are its own: written in as many processes as the run may use
    rows = {name: len(res.accepted) + sum(len(h) for h in res.history.values()) for name, res in todo.items()}
    groups = balanced(rows, sanshe.settings.workers) if todo else []
    written = map_forked(lambda names: _write_tables(out, {n: registers[n] for n in names}), groups, len(groups))
    tables = {**kept, **{name: files for part in written for name, files in part.items()}}
    counts = {table: n for name in registers for table, n in tables[name].items()}
    (out / "counts.json").write_text(json.dumps(counts, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    write_state(state, {name: {"run": origins[name], "tables": tables[name]} for name in registers if origins[name]})
    context.add_output_metadata(
        {"tables": MetadataValue.json(counts), "registers_kept": MetadataValue.json(sorted(kept))}
    )
    return counts


#: which run made the registers OUTPUT/tables was written from, and the files of each
#: (in Settings.storage_dir: `{register: {"run": run id, "tables": {table: rows}}}`)
TABLES_MADE = "accepted_tables.json"


def _unchanged(state: dict, origins: dict[str, str | None], out: Path) -> dict[str, dict[str, int]]:
    """The registers whose tables in `out` were written from the very register given now (same
    run made it) and are all still there: their tables, by name, with rows."""
    kept = {}
    for name, run in origins.items():
        known = state.get(name)
        if not run or not isinstance(known, dict) or known.get("run") != run:
            continue
        files = known.get("tables")
        if not isinstance(files, dict) or not files or not all(isinstance(n, int) for n in files.values()):
            continue  # not as this step writes it: written again
        if all((out / f"{t}.parquet").is_file() for t in files):
            kept[name] = {str(t): n for t, n in files.items()}
    return kept


def _write_tables(out: Path, registers: dict[str, RegisterResult]) -> dict[str, dict[str, int]]:
    """Each register's accepted rows and histories as Parquet files in `out`; per register, rows
    per file (by table name)."""
    written = {}
    for name, res in registers.items():
        counts = {}
        frame = res.accepted.drop(columns=["_file", "_row"]).rename(columns={"_asof": "asof"})
        pq.write_table(arrow_table(frame), out / f"{name}.parquet")
        counts[name] = len(frame)
        for hname, hist in res.history.items():
            hist.to_parquet(out / f"{name}__{hname}.parquet", index=False)
            counts[f"{name}__{hname}"] = len(hist)
        written[name] = counts
    return written
