"""Which column is which. A file's header cells are matched to a contract's fields by the
field's alias (the register's Chinese header), its English name, and the variants the contract
lists in `aliases`. Headers are compared half-width, without spaces, `*` required-markers or
case, so `合同金额(元)`, `合同金额（元）` and ` 合同金额 （元）*` are one header.

An amount column may name its unit: `合同金额（万元）` is the same field as `合同金额（元）`,
its plain numbers read as 10,000 yuan each (a unit written in the cell still wins).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from .base import Contract
from .values import UNITS, compact

_UNIT_SUFFIX = re.compile(r"\((?:万元|万|元)\)\Z")


#: headers a clerk mapped to fields in manifest.yaml (pipelines/common/mapping.py), for the
#: file being read: normalised header -> field. They win over the contract's own spellings.
_MAPPED: ContextVar[dict[str, str] | None] = ContextVar("mapped_headers", default=None)


@contextmanager
def mapped(headers: dict[str, str]) -> Iterator[None]:
    """Read with these extra header spellings (header as written -> field name)."""
    token = _MAPPED.set({header_key(h): f for h, f in headers.items()})
    try:
        yield
    finally:
        _MAPPED.reset(token)


def header_key(text: str) -> str:
    return compact(str(text)).replace("*", "").rstrip(":").lower()


def _amount_field(model: type[Contract], name: str) -> bool:
    return bool(_UNIT_SUFFIX.search(header_key(model.header(name))))


_SPELLINGS: dict[type, dict[str, tuple[str, int]]] = {}


def spellings(model: type[Contract]) -> dict[str, tuple[str, int]]:
    """Every accepted spelling of every header (normalised) -> (field, yuan per unit). Raises
    when one spelling would name two fields: the contract is inconsistent."""
    if model in _SPELLINGS:
        return _SPELLINGS[model]
    out: dict[str, tuple[str, int]] = {}

    def add(key: str, name: str, factor: int) -> None:
        if key in out and out[key][0] != name:
            raise ValueError(f"{model.__name__}: header {key!r} would name both {out[key][0]} and {name}")
        out.setdefault(key, (name, factor))

    for name in model.model_fields:
        for text in [model.header(name), name, name.replace("_", " "), *model.aliases.get(name, ())]:
            k = header_key(text)
            if _amount_field(model, name):
                base = _UNIT_SUFFIX.sub("", k)
                add(base, name, 1)
                for unit, factor in UNITS.items():
                    add(f"{base}({unit})", name, factor)
            else:
                add(k, name, 1)
    _SPELLINGS[model] = out
    return out


@dataclass
class HeaderMatch:
    #: cell position -> the field's canonical header (its alias), for the columns recognised
    columns: dict[int, str] = field(default_factory=dict)
    #: field -> yuan per unit, for amount columns whose header named a unit
    units: dict[str, int] = field(default_factory=dict)
    #: header cells no field claims: reported, never silently dropped
    unknown: list[str] = field(default_factory=list)
    #: header cells naming a field an earlier column already holds: reported, not read
    repeated: list[str] = field(default_factory=list)
    #: canonical headers of required fields with no column
    missing: list[str] = field(default_factory=list)

    @property
    def fields_found(self) -> int:
        return len(self.columns)


def match(model: type[Contract], cells: Sequence[object]) -> HeaderMatch:
    known = spellings(model)
    if extra := _MAPPED.get():
        known = {**known, **{k: (f, 1) for k, f in extra.items() if f in model.model_fields}}
    out = HeaderMatch()
    taken: set[str] = set()
    for i, cell in enumerate(cells):
        text = "" if cell is None else str(cell).strip()
        if not text:
            continue
        hit = known.get(header_key(text))
        if hit is None:
            out.unknown.append(text)
        elif hit[0] in taken:
            out.repeated.append(text)
        else:
            taken.add(hit[0])
            out.columns[i] = model.header(hit[0])
            if hit[1] != 1:
                out.units[hit[0]] = hit[1]
    out.missing = [model.header(f) for f in model.required_columns() if f not in taken]
    return out


def aliases_doc(models: list[type[Contract]]) -> str:
    """docs/columns.md: the headers every register accepts."""
    out = [
        "<!-- Generated from data_contracts/ by `sanshe schema generate`. Do not edit. -->",
        "# Column headers each register accepts",
        "",
        "Headers are matched half-width, ignoring spaces, a `*` marker and case. An amount column",
        "may name its unit in the header (`（元）` or `（万元）`); a unit written in a cell wins.",
        "Columns no register knows are reported in the accounting (`note`) and not loaded.",
        "`column` says whether a file must have the column (required), may leave it out (optional),",
        "or may leave it out because sanshe derives it, and from what (derived); a derived value is",
        "counted per file and column in the accounting's `note`.",
        "",
    ]
    for model in models:
        out += [
            f"## `{model.source}` · folder `{model.folder}/` (file name `{model.files}` only when no header fits)",
            "",
            "| field | header | also accepted | column |",
            "|---|---|---|---|",
        ]
        for name, info in model.model_fields.items():
            extra = [name, *model.aliases.get(name, ())]
            if _amount_field(model, name):
                base = _UNIT_SUFFIX.sub("", model.header(name).replace("（", "(").replace("）", ")"))
                extra += [base, f"{base}（万元）"]
            shown = ", ".join(f"`{a}`" for a in extra)
            if name in model.derived:
                need = f"derived when absent: {model.derived[name]}"
            else:
                need = "required" if info.is_required() else "optional"
            out.append(f"| `{name}` | {model.header(name)} | {shown} | {need} |")
        out.append("")
    return "\n".join(out)
