"""The small JSON files a run keeps for later runs (in Settings.storage_dir, or beside the graph):
read as "nothing known" when missing or not as written, and replaced whole, so a run killed
while writing one leaves the old file or the new one, never a torn one to trust."""

from __future__ import annotations

import json
import os
from pathlib import Path


def read_state(path: Path) -> dict:
    """The JSON object in `path`; {} when there is no file, it is not JSON, or not an object
    (hand-edited, or of another version): the caller then knows nothing and does the work."""
    try:
        state = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def write_state(path: Path, state: dict) -> None:
    """Replace `path` with `state` as JSON (keys sorted, so the same state gives the same bytes),
    by way of a partial file beside it renamed into place. Raises OSError when it cannot be
    written; the old file, if any, is then as it was."""
    write_text_whole(path, json.dumps(state, indent=1, sort_keys=True) + "\n")


def write_text_whole(path: Path, text: str) -> None:
    """Replace `path` with `text` (UTF-8) by way of a partial file beside it renamed into place:
    the old file or the new one, never a torn one. Raises OSError when it cannot be written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)
