"""The inbox as a whole: is it there, does it hold anything, and does its manifest.yaml say what
a run needs (the data's snapshot date). Checked before a run starts, so a missing folder or a
broken manifest is one plain message (zh and en) naming the file and what to do, never a
traceback from inside a step.

manifest.yaml (written by `sanshe generate`, or by hand):

    district_code: '310106'     # optional: the district the inbox describes
    district_name: 静安区        # optional
    snapshot_date: '2025-12-31'  # required: the day the registers describe (YYYY-MM-DD)
    synthetic: true              # optional: made-up people (test data), see SYNTHETIC
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

MANIFEST = "manifest.yaml"
_EXAMPLE = "snapshot_date: '2025-12-31'"
#: the manifest key that declares an inbox's people made up (generated samples, test corpora):
#: their ID numbers then carry the test address code 000000, which the contract accepts in such
#: an inbox only (data_contracts.identifiers.TEST_ADDRESS_CODE). Real registers never set it.
SYNTHETIC = "synthetic"


def is_synthetic(manifest: dict) -> bool:
    """Whether a manifest (as read_manifest returns it) declares made-up people."""
    return manifest.get(SYNTHETIC) is True


class InboxError(Exception):
    """A problem with the inbox itself: its folder or its manifest. `str()` gives both languages."""

    def __init__(self, zh: str, en: str):
        super().__init__(f"{en}\n{zh}")
        self.zh, self.en = zh, en


def read_manifest(source_dir: Path) -> dict:
    """The inbox's manifest as a mapping, its snapshot date checked (`snapshot_date` is then a
    `datetime.date`). Raises InboxError when it is missing, not YAML, not a mapping, or has no
    valid snapshot date."""
    path = Path(source_dir) / MANIFEST
    if not path.is_file():
        raise InboxError(
            f"收件箱缺少 {path}：请写入一行 {_EXAMPLE}（数据所描述的日期）",
            f"{path} is missing: write one with the line {_EXAMPLE} (the day the data describes)",
        )
    try:
        text = path.read_bytes().decode("utf-8-sig")
        try:
            data = yaml.safe_load(text)
        except ValueError:  # a date YAML cannot make (2025-13-45): every value read as text
            data = yaml.load(text, Loader=yaml.BaseLoader)  # builds no objects
    except (UnicodeDecodeError, yaml.YAMLError) as err:
        where = getattr(err, "problem_mark", None)
        at = f" (line {where.line + 1})" if where is not None else ""
        raise InboxError(
            f"{path} 不是有效的 YAML 文本{at}：请用文本编辑器按 UTF-8 保存，至少写入 {_EXAMPLE}",
            f"{path} is not valid YAML text{at}: save it as UTF-8 text with at least {_EXAMPLE}",
        ) from None
    if not isinstance(data, dict):
        raise InboxError(
            f"{path} 应为“键: 值”的列表，至少写入 {_EXAMPLE}",
            f"{path} must be a list of `key: value` lines, with at least {_EXAMPLE}",
        )
    value = data.get("snapshot_date")
    day = value if isinstance(value, dt.date) and not isinstance(value, dt.datetime) else None
    if day is None and isinstance(value, str):
        try:
            day = dt.date.fromisoformat(value.strip())
        except ValueError:
            day = None
    if day is None:
        shown = "缺失" if value is None else repr(value)
        raise InboxError(
            f"{path} 中的 snapshot_date（数据所描述的日期）{shown}：请写成 YYYY-MM-DD，例如 {_EXAMPLE}",
            f"{path}: snapshot_date (the day the data describes) is "
            f"{'missing' if value is None else repr(value)}; write it as YYYY-MM-DD, e.g. {_EXAMPLE}",
        )
    if data.get(SYNTHETIC, False) not in (True, False):
        raise InboxError(
            f"{path} 中的 {SYNTHETIC} 只能写 true（虚构的测试数据）或 false，现为 {data[SYNTHETIC]!r}",
            f"{path}: {SYNTHETIC} is true (made-up test data) or false, not {data[SYNTHETIC]!r}",
        )
    return {**data, "snapshot_date": day}


def check_inbox(source_dir: Path) -> dict:
    """The manifest of an inbox that can be run; InboxError when the folder is missing, holds no
    file at all, or its manifest is broken (read_manifest)."""
    source_dir = Path(source_dir)
    if not source_dir.is_dir():
        raise InboxError(
            f"收件箱文件夹 {source_dir} 不存在：请用 --source 或 SANSHE_SOURCE_DIR 指定各登记表所在的文件夹",
            f"the inbox folder {source_dir} does not exist: give the folder holding the registers "
            f"with --source or SANSHE_SOURCE_DIR",
        )
    if not any(p.is_file() for p in source_dir.rglob("*")):
        raise InboxError(
            f"收件箱 {source_dir} 是空的：请放入 {MANIFEST} 和各登记表的文件夹（见 docs/intake.md）",
            f"the inbox {source_dir} is empty: put {MANIFEST} and the registers' folders in it (see docs/intake.md)",
        )
    return read_manifest(source_dir)
