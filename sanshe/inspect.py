"""`sanshe inspect`: what a run would make of an inbox, without loading anything.

Consumes an inbox (its register folders, root files and manifest.yaml's mapping).
Emits  a plain-text plan, per file and sheet: the register that takes it and why, the header
       row found, each column -> field (or unknown), the columns that will be derived and from
       what, the required columns missing, and the first problems the contract finds; and, with
       `--write-mapping`, a draft of the manifest.yaml `mapping:` entries for a clerk to edit.

Nothing is written to the graph, the tables or the quarantine report; personal values never
appear (problems show their rule and masked value only).
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from data_contracts import CONTRACTS
from data_contracts.base import Contract
from data_contracts.headers import header_key, mapped, match, spellings
from data_contracts.validation import validate_frame
from pipelines.common import claiming
from pipelines.common import mapping as mappings
from pipelines.common.derivation import Context, derive
from pipelines.common.readers import file_asof, read_path
from pipelines.inbox import is_synthetic

#: problems shown per table
FIRST_PROBLEMS = 5


@dataclass
class TablePlan:
    part: str
    register: str | None
    how: str
    header_row: int | None = None
    columns: list[tuple[str, str | None]] = field(default_factory=list)  # header as written -> field
    derived: list[tuple[str, str]] = field(default_factory=list)  # field -> from what
    missing: list[str] = field(default_factory=list)
    rows: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _snapshot(source_dir: Path) -> tuple[dict, dt.date]:
    path = source_dir / "manifest.yaml"
    manifest = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}) if path.is_file() else {}
    value = manifest.get("snapshot_date")
    day = value if isinstance(value, dt.date) else (dt.date.fromisoformat(str(value)) if value else dt.date.today())
    return manifest, day


def plan(source_dir: Path) -> list[TablePlan]:
    """The plan for every readable file of the inbox. Raises MappingError (zh/en) when the
    manifest's mapping has mistakes."""
    source_dir = Path(source_dir).resolve()
    mapping = mappings.load(source_dir)
    manifest, snapshot = _snapshot(source_dir)
    out = []
    for c in claiming.claims(source_dir):
        if c.register is None:
            out.append(TablePlan(c.rel, None, c.how))
            continue
        model = CONTRACTS[c.register]
        headers = mapping.headers_for(model.source, c.rel)
        best = next((s for s in c.scores if s.register == model.source), None)
        with mapped(headers):
            tables = read_path(c.path, c.rel, file_asof(c.path.name, snapshot), model)
            peeked = claiming.peek(c.path)
            for part, read in tables.items():
                p = TablePlan(part, model.source, c.how)
                sheet = part[len(c.rel) + 1 : -1] if part != c.rel else ""
                rows = peeked.get(sheet, [])
                if best is not None and best.header_row >= 0 and best.sheet == sheet and best.header_row < len(rows):
                    p.header_row = best.header_row + 1
                    cells = rows[best.header_row]
                    m = match(model, cells)
                    names = {model.header(f): f for f in model.model_fields}
                    p.columns = [
                        (str(cell), names.get(m.columns[i]) if i in m.columns else None)
                        for i, cell in enumerate(cells)
                        if str(cell).strip()
                    ]
                    p.missing = m.missing
                present = {f for _, f in p.columns if f}
                p.derived = [(f, src) for f, src in model.derived.items() if f not in present]
                d = derive(model, read.frame, Context.from_manifest(manifest, mapping.values_for(model.source, c.rel)))
                p.rows = len(d.frame) + len(read.broken)
                checked = validate_frame(d.frame, model, snapshot, read.units, synthetic=is_synthetic(manifest))
                problems = checked.issues[checked.issues["severity"] == "error"]
                if (problems["rule"] == "missing_column").any():  # one line, not one per row
                    shown = problems[problems["rule"] == "missing_column"].head(1)
                    p.problems = [f"every row: {shown['column'].iloc[0]} missing_column (the file is not loaded)"]
                else:
                    p.problems = [
                        f"row {r}: {col or '-'} {rule}" + (f" {val!r}" if val else "")
                        for r, col, rule, val in problems[["row", "column", "rule", "value"]]
                        .head(FIRST_PROBLEMS)
                        .itertuples(index=False)
                    ]
                p.problems += [f"row {r}: {rule} {detail}" for r, rule, detail in read.broken[:FIRST_PROBLEMS]]
                if len(problems):
                    p.notes.append(f"{len(problems)} problems in {problems['row'].nunique()} rows")
                p.notes += [f"{what}: {n} rows" for what, n in d.counts.items()]
                if read.skipped or d.skipped:
                    p.notes.append(
                        f"{len(read.skipped) + len(d.skipped)} rows are not records (titles, totals, division rows)"
                    )
                out.append(p)
    return out


def render(plans: list[TablePlan]) -> str:
    lines = []
    for p in plans:
        lines.append(f"== {p.part}")
        if p.register is None:
            lines.append(f"   NOT TAKEN · 未读取: {p.how}")
            lines.append("")
            continue
        lines.append(f"   register · 登记册: {p.register} (by {p.how}); rows: {p.rows}")
        if p.header_row:
            lines.append(f"   header row · 表头行: {p.header_row}")
        for cell, f in p.columns:
            lines.append(f"     {cell} -> {f if f else 'UNKNOWN (not loaded; map it in manifest.yaml)'}")
        for f, src in p.derived:
            lines.append(f"   derived · 推导: {f} <- {src}")
        if p.missing:
            lines.append(f"   MISSING · 缺少必需列: {', '.join(p.missing)}")
        for n in p.notes:
            lines.append(f"   note: {n}")
        for problem in p.problems:
            lines.append(f"   problem · 问题: {problem}")
        lines.append("")
    return "\n".join(lines)


def _guess(model: type[Contract], header: str) -> str | None:
    """The field whose accepted spelling is closest to an unknown header, if any is close."""
    known = spellings(model)
    hit = difflib.get_close_matches(header_key(header), list(known), n=1, cutoff=0.6)
    return known[hit[0]][0] if hit else None


def draft_mapping(plans: list[TablePlan]) -> str:
    """manifest.yaml `mapping:` entries for the files with unknown or missing columns, with
    guesses to check (`?` where there is none); comments list the fields still missing."""
    out = [
        "# Draft by `sanshe inspect --write-mapping`: check every line, replace each ? with a field",
        "# (docs/columns.md lists them), delete lines you do not want, then copy under `mapping:`",
        "# in manifest.yaml.",
        "mapping:",
    ]
    entries = 0
    for p in plans:
        if p.register is None:
            out += [f"  # {p.part}: not taken ({p.how}); name its register:", f"  # {p.part}:", "  #   register: ?", ""]
            continue
        model = CONTRACTS[p.register]
        unknown = [cell for cell, f in p.columns if f is None]
        if not unknown and not p.missing:
            continue
        file = p.part.split("[")[0] if p.part.endswith("]") else p.part
        out += [f"  {file}:", f"    register: {p.register}", "    headers:"]
        for cell in unknown:
            guess = _guess(model, cell)
            out.append(
                f"      {yaml.safe_dump(cell, allow_unicode=True).splitlines()[0]}: {guess or '?'}"
                + ("   # guessed: check" if guess else "")
            )
        if p.missing:
            out.append(f"    # still missing: {', '.join(p.missing)}")
        out.append("")
        entries += 1
    if not entries:
        out.append("  {}  # every column of every file is recognised: no mapping needed")
    return "\n".join(out) + "\n"
