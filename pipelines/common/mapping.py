"""A clerk's mapping in manifest.yaml: which header is which field, and extra value spellings.

Consumes the `mapping:` section of the inbox's manifest.yaml:

    mapping:
      organisations:                       # for every file of a register
        headers: {所在街道名称: street_name}  # header as written -> field (see docs/columns.md)
        values: {org_type: {民非: 社会服务机构}}   # field -> {as written: as the contract reads it}
      organisations/社会组织名录.xlsx:        # for one file (its path under the inbox)
        register: organisations            # optional: which register the file is
        headers: {单位名称: name}

Emits  a `Mapping` the claiming and reading steps consult. A mistake in it (an unknown
register or field, one field mapped from two headers, a header mapped to two fields) is one
`MappingError` naming every mistake, in Chinese and English, before anything is read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from data_contracts import CONTRACTS
from data_contracts.headers import header_key


class MappingError(ValueError):
    """manifest.yaml's `mapping:` cannot be applied; the message lists every mistake (zh / en)."""


@dataclass(frozen=True)
class Entry:
    """One mapping entry: for a register, or for one file (then `register` may name it)."""

    register: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Mapping:
    registers: dict[str, Entry] = field(default_factory=dict)
    files: dict[str, Entry] = field(default_factory=dict)

    def register_of(self, rel: str) -> str | None:
        """The register a file's entry names, if any (`rel`: path under the inbox)."""
        entry = self.files.get(rel)
        return entry.register if entry else None

    def headers_for(self, register: str, rel: str) -> dict[str, str]:
        """Header as written -> field, for this file read as this register (file entry wins)."""
        out = dict(self.registers.get(register, Entry()).headers)
        entry = self.files.get(rel)
        if entry and (entry.register in (None, register)):
            out.update(entry.headers)
        return out

    def values_for(self, register: str, rel: str) -> dict[str, dict[str, str]]:
        out = {f: dict(v) for f, v in self.registers.get(register, Entry()).values.items()}
        entry = self.files.get(rel)
        if entry and (entry.register in (None, register)):
            for f, v in entry.values.items():
                out.setdefault(f, {}).update(v)
        return out


def _is_file_key(key: str) -> bool:
    return "/" in key or "." in key


def parse(section: Any) -> Mapping:
    """The mapping from manifest.yaml's `mapping:` value; MappingError lists every mistake."""
    if section is None:
        return Mapping()
    problems: list[str] = []
    if not isinstance(section, dict):
        raise MappingError(
            "manifest.yaml mapping: 应为“登记册或文件: 设置”的字典 / must be a dictionary of register or file -> entry"
        )
    registers: dict[str, Entry]
    files: dict[str, Entry]
    registers, files = {}, {}
    for key, raw in section.items():
        key = str(key)
        where = f"mapping.{key}"
        if not isinstance(raw, dict):
            problems.append(f"{where}: 应为字典 / must be a dictionary with headers and values")
            continue
        is_file = _is_file_key(key)
        register = raw.get("register") if is_file else key
        if register is not None and register not in CONTRACTS:
            problems.append(
                f"{where}: 未知登记册 {register!r} / unknown register {register!r} (one of {', '.join(CONTRACTS)})"
            )
            continue
        unknown = set(raw) - {"headers", "values", *(["register"] if is_file else [])}
        if unknown:
            problems.append(f"{where}: 未知设置 {sorted(unknown)} / unknown settings {sorted(unknown)}")
        headers = {str(h): str(f) for h, f in (raw.get("headers") or {}).items()}
        values = {str(f): {str(a): str(b) for a, b in (v or {}).items()} for f, v in (raw.get("values") or {}).items()}
        fields = (
            set(CONTRACTS[register].model_fields)
            if register
            else {f for m in CONTRACTS.values() for f in m.model_fields}
        )
        seen: dict[str, str] = {}
        keys: dict[str, str] = {}
        for h, f in headers.items():
            if f not in fields:
                problems.append(
                    f"{where}.headers: 表头 {h!r} 对应的字段 {f!r} 不存在 / header {h!r} names "
                    f"no field {f!r}" + (f" of {register}" if register else "")
                )
            if f in seen:
                problems.append(
                    f"{where}.headers: 字段 {f!r} 被 {seen[f]!r} 和 {h!r} 两列对应 / field {f!r} "
                    f"is mapped from two headers, {seen[f]!r} and {h!r}"
                )
            seen.setdefault(f, h)
            k = header_key(h)
            if k in keys and keys[k] != f:
                problems.append(
                    f"{where}.headers: 表头 {h!r} 对应两个字段 / header {h!r} is mapped to two "
                    f"fields, {keys[k]!r} and {f!r}"
                )
            keys.setdefault(k, f)
        for f in values:
            if f not in fields:
                problems.append(f"{where}.values: 字段 {f!r} 不存在 / no field {f!r}")
        entry = Entry(register if is_file else None, headers, values)
        (files if is_file else registers)[key] = entry
    if problems:
        raise MappingError(
            "manifest.yaml 的 mapping 有误 / the mapping in manifest.yaml has mistakes:\n  " + "\n  ".join(problems)
        )
    return Mapping(registers, files)


def load(source_dir: Path) -> Mapping:
    """The inbox's mapping (empty without a manifest or a `mapping:` section)."""
    path = Path(source_dir) / "manifest.yaml"
    if not path.is_file():
        return Mapping()
    manifest = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return parse(manifest.get("mapping") if isinstance(manifest, dict) else None)
