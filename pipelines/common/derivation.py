"""Values a bureau's file does not write but sanshe can work out, filled in before the contract
check (so the contract still checks them) and counted per file and column.

Consumes one table as read (text cells under the contract's canonical headers, `_file`, `_row`)
and what the inbox says beside it (`Context`: the manifest's district, a pseudonym key, the
clerk's extra value spellings).
Emits  `Derived`: the table with the missing columns filled, the rows that are not records
       (a division list's street and district rows, which only give names) and, per derived
       column, how many rows got a value (`"field <- source"` -> rows).

Only a column the file lacks is derived; a value the file writes is never replaced. Every
derivation works a column at a time on the distinct values (a national register has a million
rows, most of them sharing a few thousand codes). The rules and their sources:
- communities: district/street codes from the committee's 12-digit code (GB/T 10114 layout:
  6 county + 3 township + 3 committee digits, ../shared/DOMAIN.md §3), names from the list's own
  district and street rows (or the manifest's district name), street kind from the township
  digits and committee kind from the committee digits (001-199 居委会, 200-399 村委会);
- hub memberships: a hub id from the hub's name and kind; a liaison id from the liaison's name
  (a keyed pseudonym: the name itself is dropped with the other personal fields);
- workers: the key is a keyed pseudonym of the certificate number, else of the ID number;
- evaluations: the id from the project id and the evaluation date;
- projects: the signing date falls back to the start date; names written in the served
  communities column go to the names column (resolved against the communities register later).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from data_contracts import (
    CommunityRecord,
    EvaluationRecord,
    HubMembershipRecord,
    ProjectRecord,
    SocialWorkerRecord,
)
from data_contracts.base import Contract
from data_contracts.identifiers import committee_kind, township_kind
from data_contracts.values import arrow_text, compact, halfwidth, parse_date

#: the key of the pseudonyms (workers, liaisons): SANSHE_PSEUDONYM_KEY, else manifest.yaml's
#: `pseudonym_key`, else this fixed default (deterministic, but then anyone holding the
#: numbers could recompute the keys: set your own for production)
DEFAULT_PSEUDONYM_KEY = "sanshe-pseudonym-v1"
HUB_KIND_CODES = {"区社会组织联合会": "F", "街道枢纽": "ST", "行业枢纽": "IN"}


@dataclass(frozen=True)
class Context:
    district_code: str = ""
    district_name: str = ""
    pseudonym_key: str = DEFAULT_PSEUDONYM_KEY
    #: field -> {as written: as the contract reads it} (manifest.yaml mapping values)
    values: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def from_manifest(cls, manifest: dict, values: dict[str, dict[str, str]] | None = None) -> Context:
        key = os.environ.get("SANSHE_PSEUDONYM_KEY") or manifest.get("pseudonym_key") or DEFAULT_PSEUDONYM_KEY
        return cls(
            str(manifest.get("district_code") or ""), str(manifest.get("district_name") or ""), str(key), values or {}
        )


@dataclass
class Derived:
    frame: pd.DataFrame
    skipped: list[tuple[int, str]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def pseudonym(key: str, kind: str, value: str, length: int = 12) -> str:
    """A keyed pseudonym (HMAC-SHA256, upper-case hex) of a personal value: the same value and
    key give the same pseudonym; the value cannot be read back without the key."""
    return hmac.new(key.encode(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:length].upper()


def hub_id(name: str, kind: str | None) -> str:
    """A hub's id from its name and kind (what memberships write): HUB-<kind>-<8 hex>."""
    code = HUB_KIND_CODES.get(kind or "", "X")
    return f"HUB-{code}-{hashlib.sha256(f'{kind}|{compact(name)}'.encode()).hexdigest()[:8].upper()}"


def _by_distinct(col: pd.Series, fn: Callable[[str], object]) -> pd.Series:
    """fn over the distinct cells of a column (blank and missing cells give None)."""
    codes, uniques = pd.factorize(col, use_na_sentinel=True)
    out = np.array([*(fn(u) if isinstance(u, str) and u.strip() else None for u in uniques), None], dtype=object)
    return pd.Series(out[codes], index=col.index, dtype=object)


def _has(frame: pd.DataFrame, model: type[Contract], f: str) -> bool:
    return model.header(f) in frame.columns


def _fill(out: Derived, model: type[Contract], f: str, values: pd.Series) -> None:
    out.frame[model.header(f)] = values
    n = int(values.notna().sum())
    if n:
        out.counts[f"{f} <- {model.derived.get(f, 'derived')}"] = n


def _code12(v: str) -> str | None:
    c = halfwidth(compact(v))
    return c if len(c) == 12 and _ascii_digits(c) else (c if len(c) == 6 and _ascii_digits(c) else None)


def _communities(out: Derived, ctx: Context) -> None:
    m, f = CommunityRecord, out.frame
    derivable = ("district_code", "street_code", "district_name", "street_name", "street_kind", "community_kind")
    if not _has(f, m, "community_code") or all(_has(f, m, name) for name in derivable):
        return  # nothing to derive (and no division rows to find: they matter for missing names)
    needs_names = not _has(f, m, "street_name") or not _has(f, m, "district_name")
    code = _by_distinct(f[m.header("community_code")], _code12)
    names = f[m.header("community_name")] if _has(f, m, "community_name") else pd.Series(None, index=f.index)
    if needs_names:
        # a division list: the streets' and the district's own rows give names; they are not
        # committees, so they leave the table (listed in the accounting as not records)
        district_row = code.str.len().eq(6) | code.str.endswith("000000", na=False)
        street_row = ~district_row & code.str.endswith("000", na=False)
        divisions = district_row | street_row
        street_names = dict(zip(code[street_row], names[street_row].map(_tidy), strict=True))
        district_names = dict(zip(code[district_row].str[:6], names[district_row].map(_tidy), strict=True))
        out.skipped += [
            (int(r), f"division row {c} (gives the name of a {'district' if d else 'street'})")
            for r, c, d in zip(f.loc[divisions, "_row"], code[divisions], district_row[divisions], strict=True)
        ]
        f = out.frame = f.loc[~divisions].reset_index(drop=True)
        code = code[~divisions].reset_index(drop=True)
    else:
        street_names, district_names = {}, {}
    street = code.where(code.str.len().eq(12)).str[:9] + "000"
    if ctx.district_code and ctx.district_name:
        district_names.setdefault(ctx.district_code, ctx.district_name)
    if not _has(f, m, "district_code"):
        _fill(out, m, "district_code", code.str[:6])
    if not _has(f, m, "street_code"):
        _fill(out, m, "street_code", street)
    if not _has(f, m, "district_name"):
        dcode = _by_distinct(f[m.header("district_code")], compact)
        _fill(out, m, "district_name", dcode.map(district_names))
    if not _has(f, m, "street_name"):
        scode = _by_distinct(f[m.header("street_code")], compact)
        _fill(out, m, "street_name", scode.map(street_names))
    if not _has(f, m, "street_kind"):
        scode = f[m.header("street_code")]
        _fill(out, m, "street_kind", _by_distinct(scode, lambda v: _kind(township_kind, v)))
    if not _has(f, m, "community_kind"):
        _fill(out, m, "community_kind", _by_distinct(code, lambda v: _kind(committee_kind, v)))


def _tidy(v: object) -> object:
    return " ".join(v.split()) if isinstance(v, str) else v


def _kind(fn: Callable[[str], str | None], v: str) -> str | None:
    c = compact(v)
    return fn(c) if len(c) == 12 and _ascii_digits(c) else None


def _memberships(out: Derived, ctx: Context) -> None:
    m, f = HubMembershipRecord, out.frame
    if not _has(f, m, "hub_id") and _has(f, m, "hub_name"):
        kinds = f[m.header("hub_kind")] if _has(f, m, "hub_kind") else pd.Series("", index=f.index)
        pairs = f[m.header("hub_name")].fillna("").astype(str) + "\x1f" + kinds.fillna("").astype(str).map(compact)
        _fill(out, m, "hub_id", _by_distinct(pairs, lambda p: _hub_id_of(*p.split("\x1f"))))
    if not _has(f, m, "liaison_id") and _has(f, m, "liaison_name"):
        _fill(
            out,
            m,
            "liaison_id",
            _by_distinct(
                f[m.header("liaison_name")],
                lambda v: f"LN-{int(pseudonym(ctx.pseudonym_key, 'liaison', compact(v), 8), 16) % 10**8:08d}",
            ),
        )


def _hub_id_of(name: str, kind: str) -> str | None:
    return hub_id(name, kind or None) if name.strip() else None


def _workers(out: Derived, ctx: Context) -> None:
    m, f = SocialWorkerRecord, out.frame
    if _has(f, m, "worker_key"):
        return

    def key_of(kind: str) -> Callable[[str], str]:
        return lambda v: "SW-" + pseudonym(ctx.pseudonym_key, kind, halfwidth(compact(v)).upper())

    cert = (
        _by_distinct(f[m.header("certificate_no")], key_of("certificate"))
        if _has(f, m, "certificate_no")
        else pd.Series(None, index=f.index, dtype=object)
    )
    ids = (
        _by_distinct(f[m.header("id_number")], key_of("id_number"))
        if _has(f, m, "id_number")
        else pd.Series(None, index=f.index, dtype=object)
    )
    _fill(out, m, "worker_key", cert.where(cert.notna(), ids))


def _evaluations(out: Derived, ctx: Context) -> None:
    m, f = EvaluationRecord, out.frame
    if _has(f, m, "evaluation_id") or not (_has(f, m, "project_id") and _has(f, m, "eval_date")):
        return
    day = _by_distinct(f[m.header("eval_date")], _yyyymmdd)
    project = _by_distinct(f[m.header("project_id")], lambda v: halfwidth(compact(v)).upper())
    _fill(out, m, "evaluation_id", ("EV-" + project + "-" + day).where(project.notna() & day.notna()))


def _yyyymmdd(v: str) -> str | None:
    try:
        return parse_date(v).strftime("%Y%m%d")
    except ValueError:
        return None


def _projects(out: Derived, ctx: Context) -> None:
    m, f = ProjectRecord, out.frame
    if not _has(f, m, "award_date") and _has(f, m, "start_date"):
        _fill(out, m, "award_date", f[m.header("start_date")].where(f[m.header("start_date")].notna()))
    # a name has a character no list of codes has (codes are digits, full-width ones included);
    # checked over the column at once, since most registers write codes only
    if (
        _has(f, m, "served_communities")
        and not _has(f, m, "served_community_names")
        and _names_written(f[m.header("served_communities")])
    ):
        split = _by_distinct(f[m.header("served_communities")], _split_codes_names)
        if split.map(lambda p: bool(p and p[1]), na_action="ignore").fillna(False).any():
            f[m.header("served_communities")] = split.map(lambda p: p[0] if p else None, na_action="ignore")
            names = split.map(lambda p: p[1] if p else None, na_action="ignore")
            _fill(out, m, "served_community_names", names.where(names.astype(bool)))
            out.counts = {
                (
                    "served_community_names <- names written in the 服务社区代码 column"
                    if k.startswith("served_community_names")
                    else k
                ): v
                for k, v in out.counts.items()
            }


#: a character of none of the codes a served-communities cell lists, nor of their separators;
#: read by Python's `re` and by RE2 (pyarrow) alike, the full-width digits written as themselves.
#: RE2's `\s` is [\t\n\f\r ] only: a cell with other white space (\v, U+3000, ...) matches in
#: RE2 and not in Python, and goes to `_split_codes_names`, which finds no name in it (same
#: answer; tests/test_derivation.py)
_NOT_IN_CODES = "[^0-9\uff10-\uff19;；,，、\\s]"


def _names_written(column: pd.Series) -> bool:
    """Whether any cell of a served-communities column holds a character of none of its codes:
    over the column as Arrow text by one RE2 match in C++ (Python's `re` through pandas took
    0.61 s of the national benchmark's 1.5 million projects' derivation, 0.16 s so); a column
    Arrow does not take as text (numbers among the cells) as Python reads it."""
    arr = arrow_text(column.array)
    if arr is None:
        return any(re.search(_NOT_IN_CODES, str(cell)) for cell in column.dropna())
    return bool(pc.any(pc.match_substring_regex(arr, _NOT_IN_CODES)).as_py())


def _split_codes_names(cell: str) -> tuple[str, str]:
    """A served-communities cell as (codes, names), each `;`-joined."""
    parts = [p.strip() for p in re.split(r"[;；,，、\s]+", cell) if p.strip()]
    codes = [p for p in parts if _ascii_digits(halfwidth(p))]
    names = [p for p in parts if not _ascii_digits(halfwidth(p))]
    return ";".join(codes), ";".join(names)


DERIVE: dict[str, Callable[[Derived, Context], None]] = {
    "communities": _communities,
    "hub_memberships": _memberships,
    "workers": _workers,
    "evaluations": _evaluations,
    "projects": _projects,
}


def derive(model: type[Contract], frame: pd.DataFrame, ctx: Context) -> Derived:
    """The table with the columns it lacks derived (see the module docstring), after the clerk's
    extra value spellings are applied. The input frame is not changed."""
    out = Derived(frame.copy(deep=False))  # columns are added or replaced, never changed in place
    for f, spellings in ctx.values.items():
        if f in model.model_fields and _has(out.frame, model, f):
            h = model.header(f)
            out.frame[h] = out.frame[h].replace(spellings)
    step = DERIVE.get(model.source)
    if step is not None and len(out.frame):
        step(out, ctx)
    return out


_ASCII_DIGITS = re.compile("[0-9]+")


def _ascii_digits(text: str) -> bool:
    """ASCII 0-9 only: `str.isdigit()` also takes ٣ and ², which are no digits of a code."""
    return _ASCII_DIGITS.fullmatch(text) is not None
