"""In-memory hand-over between steps that forgets an output once its consumers have it.

Dagster's `mem_io_manager` keeps every output until the run ends: at national scale that is
each register three times over (raw, validated, resolved), more than the machine holds. This
one counts, from the asset graph, how many steps read each output (asset checks included),
and drops the output when the last of them has loaded it. Outputs named in `keep` stay (the
caller reads them after the run). Like mem_io_manager it never writes anything: personal
data in raw and validated registers stays in memory.
"""

from __future__ import annotations

import os
import pickle
from collections import Counter
from pathlib import Path

from dagster import AssetKey, InputContext, IOManager, OutputContext


def consumers(assets, checks) -> Counter:
    """How many steps of a full run load each asset's output."""
    out: Counter = Counter()
    for node in [*assets, *checks]:  # every input a step loads, asset checks' extra inputs included
        for key in node.keys_by_input_name.values():
            out[key] += 1
    return out


class HandOverIOManager(IOManager):
    def __init__(self, readers: Counter, keep: frozenset[AssetKey] = frozenset()):
        self.readers, self.keep = readers, keep
        self.values: dict[AssetKey, object] = {}
        self.left: dict[AssetKey, int] = {}
        self.run_id: str | None = None

    def handle_output(self, context: OutputContext, obj: object) -> None:
        if context.run_id != self.run_id:  # a new run: nothing of an earlier one is ever served
            self.values.clear()
            self.left.clear()
            self.run_id = context.run_id
        key = context.asset_key
        self.values[key] = obj
        self.left[key] = self.readers.get(key, 0)

    def load_input(self, context: InputContext) -> object:
        key = context.asset_key
        if context.step_context.run_id != self.run_id or key not in self.values:
            raise KeyError(f"{key.to_user_string()} was not produced in this run: select the steps that make it")
        obj = self.values[key]
        self.left[key] -= 1
        if self.left[key] <= 0 and key not in self.keep:
            del self.values[key]  # the last reader has it: let it go
        return obj


class StoredHandOverIOManager(HandOverIOManager):
    """The hand-over for outputs that are also stored between runs (the public, resolved
    registers): each is written to `base_dir` for the inbox sensor's later partial runs, and
    this run's readers get it from memory. Reading it back from disk in every step that needs
    it cost the national run about 20 s of unpickling (organisations alone have five readers).
    A step whose input was not made in this run (a partial run) loads the stored one."""

    def __init__(self, readers: Counter, base_dir: Path):
        super().__init__(readers)
        self.base_dir = Path(base_dir)

    def _path(self, key: AssetKey) -> Path:
        return self.base_dir.joinpath(*key.path)

    def handle_output(self, context: OutputContext, obj: object) -> None:
        super().handle_output(context, obj)
        path = self._path(context.asset_key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.partial")
        with partial.open("wb") as fh:
            pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial, path)  # a killed run leaves the earlier stored output, never half of one

    def load_input(self, context: InputContext) -> object:
        if context.step_context.run_id == self.run_id and context.asset_key in self.values:
            return super().load_input(context)
        path = self._path(context.asset_key)
        if not path.exists():
            raise KeyError(f"{context.asset_key.to_user_string()} is neither in this run nor stored: run the job once")
        with path.open("rb") as fh:
            return pickle.load(fh)
