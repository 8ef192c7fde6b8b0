"""Streets and communities written by name, found in the communities register.

Consumes the accepted communities register and names as a file writes them.
Emits  per name: the codes it may mean. A name is compared without spaces and half-width
       (values.compact); a community may also be written with its street before it
       (江宁路街道康定居委会). One code: resolved; several: ambiguous; none: unknown.
"""

from __future__ import annotations

import pandas as pd

from data_contracts.values import compact


def _key(name: object) -> str:
    return compact(str(name)) if isinstance(name, str) else ""


def street_index(communities: pd.DataFrame) -> dict[str, list[str]]:
    """Street name -> the street codes of that name."""
    pairs = communities[["street_code", "street_name"]].drop_duplicates()
    out: dict[str, list[str]] = {}
    for code, name in zip(pairs["street_code"], pairs["street_name"], strict=True):
        out.setdefault(_key(name), []).append(code)
    return {k: sorted(set(v)) for k, v in out.items()}


def community_index(communities: pd.DataFrame) -> dict[str, list[str]]:
    """Community name (alone, or after its street's name) -> the committee codes of that name."""
    rows = communities[["community_code", "community_name", "street_name"]].drop_duplicates("community_code")
    out: dict[str, list[str]] = {}
    for code, name, street in zip(rows["community_code"], rows["community_name"], rows["street_name"], strict=True):
        out.setdefault(_key(name), []).append(code)
        out.setdefault(_key(street) + _key(name), []).append(code)
    return {k: sorted(set(v)) for k, v in out.items()}


def lookup(index: dict[str, list[str]], name: object) -> list[str]:
    return index.get(_key(name), [])
