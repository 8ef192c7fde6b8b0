"""A load that builds only the parts of the graph whose inputs changed (issue #17: a 1% change in
one register should cost a small share of the full run).

Each part of the graph (tables.py `Part`) declares the registers and histories it reads. Its
digest is the digest of those inputs' contents, taken here from the frames themselves, plus the
digest of the code that builds tables from them; the embedded store keeps the part digests of
the graph it holds beside its table digests. A load builds the parts whose digest differs (all
of them when the store holds no digests it can trust), and the parts whose relationship tables
the store drops with a table of theirs (`needed`); the tables of the other parts stay as loaded.

Digests are taken from the inputs rather than from which steps ran, so a register loaded from an
earlier run's storage and one resolved again to the same rows are equal, and a changed history
is seen whatever produced it: a wrong "unchanged" would leave a stale graph with no error.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection
from concurrent.futures import Future
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from data_contracts.errors import GraphNotLoadedError
from graph_schema import Schema, schema

from ..common.state_files import read_state, write_state
from ..common.threads import ThreadPool
from .protocol import GraphStore
from .store import CopyAhead, EmbeddedGraphStore, PreparedLoad, table_digest
from .tables import DATASET, GraphInput, Part, build, build_in_order, part_rows, parts

HERE = Path(__file__).resolve().parent
#: the code whose change changes the tables built from the same inputs: this package (the parts,
#: the standing facts, the Arrow types), the schema (which column a property reads), the enums and
#: the shared modules the build calls (its sorts and key look-ups, the Arrow text helpers they
#: call, and the two threads its parts are built on, which wait for their threads to end; tests/test_graph_incremental.py holds this
#: list to the build's imports and to the code a build of the sample runs)
CODE = (
    HERE,
    HERE.parent.parent / "graph_schema",
    HERE.parent.parent / "data_contracts" / "enums.py",
    HERE.parent.parent / "data_contracts" / "values.py",
    HERE.parent.parent / "data_contracts" / "distinct.py",
    HERE.parent.parent / "data_contracts" / "lists.py",
    HERE.parent / "common" / "ordering.py",
    HERE.parent / "common" / "references.py",
    HERE.parent / "common" / "threads.py",
    HERE.parent.parent / "data_contracts" / "ended_threads.py",
)


@cache
def code_digest() -> str:
    """SHA-256 over the files of CODE (names and bytes) and the versions of the libraries the
    tables are computed with: a new version of either rebuilds every part."""
    h = hashlib.sha256()
    for root in CODE:
        files = sorted(root.rglob("*")) if root.is_dir() else [root]
        for f in files:
            if f.is_file() and f.suffix in (".py", ".yaml"):
                h.update(f.relative_to(root.parent).as_posix().encode() + b"\0" + f.read_bytes() + b"\0")
    h.update(" ".join(f"{m.__name__} {m.__version__}" for m in (pd, np, pa)).encode())
    return h.hexdigest()


def _tagged(values: pd.Series) -> pd.Series:
    """A column Arrow does not take as one type (text and numbers mixed): each value as its
    type and repr, so `1` and `"1"` differ."""
    return pd.Series([f"{type(v).__name__}:{v!r}" for v in values], index=values.index, dtype=object)


def frame_digest(frame: pd.DataFrame) -> str:
    """SHA-256 of the frame's column names, types, index and values in row order, through its
    Arrow form (over the `table_digest`, BLAKE3, of each column as a one-column table, with the
    index and the pandas metadata Arrow keeps beside it; chunks combined, so the same rows held
    in other pieces, as a register loaded from storage is, digest alike). A missing value
    digests as missing whether None or NaN: the graph's tables hold both as null. One column at
    a time: the whole national projects register as Arrow, and its combined copy, added about
    0.9 GiB to the run's peak memory at the end of the graph load."""
    h = hashlib.sha256()
    for name in frame.columns:
        column = frame[[name]]
        try:
            table = pa.Table.from_pandas(column)
        except (pa.ArrowException, TypeError, ValueError):
            table = pa.Table.from_pandas(column.assign(**{name: _tagged(column[name])}))
        h.update(table_digest(table.combine_chunks()).encode())
        del table
    h.update(table_digest(pa.Table.from_pandas(frame[[]])).encode())  # no column: the index alone
    return h.hexdigest()


def input_digest(inp: GraphInput, name: str) -> str:
    """The digest of one input a part reads (`Part.reads`): a register, a history, the dataset."""
    if name == DATASET:
        text = json.dumps(inp.dataset, sort_keys=True, default=repr)  # repr: a date is not its text
        return hashlib.sha256(text.encode()).hexdigest()
    return frame_digest(inp.current[name] if name in inp.current else inp.history[name])


#: besides CODE, the code that makes an input from a register (`RegisterResult.current` and the
#: contracts' keys it reads): a kept input digest is trusted only with the same code
INPUT_CODE = (HERE.parent / "common" / "register.py", HERE.parent.parent / "data_contracts")


@cache
def input_code_digest() -> str:
    """SHA-256 over code_digest() and the files of INPUT_CODE (names and bytes)."""
    h = hashlib.sha256(code_digest().encode())
    for root in INPUT_CODE:
        for f in sorted(root.rglob("*.py")) if root.is_dir() else [root]:
            h.update(f.relative_to(root.parent).as_posix().encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


class KeptDigests:
    """Input digests kept between loads in the JSON file `path`, each beside the run that made the
    register it was taken from (`origins`: register name -> run id, None when not known).

    A register a partial run loads from its stored copy is the very register the run that wrote
    the copy made (pipelines/common/handover.py; run ids are not reused), so its inputs digest as
    they did then: `digest` takes the kept digest of an input whose register has the same origin,
    with the same code (`input_code_digest`), and digests the others. After a 1% change of the
    evaluations at national scale, digesting every input took 2.8 s of the graph step, and with
    the registers' current rows made only for the parts built (tables.CurrentRows) the unchanged
    ones are never made. `save` keeps the digests of the inputs whose origin is known; the file
    is replaced whole, and one not as written here (hand-edited, torn) is ignored."""

    def __init__(self, path: Path, origins: dict[str, str | None]):
        self.path, self.origins = Path(path), dict(origins)
        self.known = read_state(self.path)
        self.taken: dict[str, dict[str, str]] = {}
        #: the inputs digested again (not kept, or of another origin), for the load's metadata
        self.digested: list[str] = []

    def digest(self, inp: GraphInput, name: str) -> str:
        run = self.origins.get(name.split(".", 1)[0])  # `<register>.<history>`: its register's
        entry = self.known.get(name)
        code = input_code_digest()
        if run and isinstance(entry, dict) and entry.get("run") == run and entry.get("code") == code:
            digest = entry.get("digest")
            if isinstance(digest, str):
                self.taken[name] = entry
                return digest
        digest = input_digest(inp, name)
        self.digested.append(name)
        if run:
            self.taken[name] = {"run": run, "code": code, "digest": digest}
        return digest

    def save(self) -> None:
        write_state(self.path, self.taken)


def part_digests(inp: GraphInput, s: Schema, kept: KeptDigests | None = None) -> dict[str, str]:
    """Per part of the graph (by name), SHA-256 over the code digest, the part's name and the
    digests of the inputs it reads. Each input is digested once however many parts read it;
    with `kept`, an input of a register made by the run it was digested from before is not
    digested again (KeptDigests)."""
    todo = parts(inp, s)
    digest = kept.digest if kept else input_digest
    inputs = {name: digest(inp, name) for name in sorted({r for p in todo.values() for r in p.reads})}
    out = {}
    for name, part in todo.items():
        h = hashlib.sha256(f"{code_digest()}\0{name}".encode())
        for read in sorted(part.reads):
            h.update(f"\0{read}\0{inputs[read]}".encode())
        out[name] = h.hexdigest()
    return out


def needed(stale: Collection[str], todo: dict[str, Part], s: Schema) -> set[str]:
    """The parts to build when the parts `stale` changed: those, and every part with a table of a
    relationship type that a part to build has a table of or touches a node of. The store drops
    and reloads a relationship type whole, and with a reloaded node table the relationship types
    touching it (store.reload_plan), so their tables must be at hand."""
    out = set(stale)
    while True:
        labels = {label for name in out for label in todo[name].nodes}
        types = {rtype for name in out for rtype, _a, _b in todo[name].rels}
        touching = {r for r, rel in s.rels.items() for a, b in rel.endpoints if a in labels or b in labels}
        more = {name for name, p in todo.items() if any(rtype in types | touching for rtype, _a, _b in p.rels)}
        if more <= out:
            return out
        out |= more


#: The share of the rows every part of the graph reads (tables.part_rows) that the parts to
#: build may read and still be built whole before the store is written (`prepare`, which holds
#: every table it built until the load is carried out, in `graph_changes` through the blocking
#: expectations check). Past it the load streams every part into a new store as it is built
#: (tables.build_in_order, store.load_built), as a first load does, each table let go of once
#: copied (the largest part's held from the start until copied last). A re-run at national
#: scale with 1% of every register changed built every part ahead and peaked at 9.42 GiB
#: (target 8) while the suites were validated beside it (docs/scaling.md).
HELD_SHARE_MAX = 0.5


def held_whole(inp: GraphInput, todo: Collection[str], every: dict[str, Part]) -> bool:
    """Whether the parts `todo` (names of `every`, the graph's parts) read few enough rows to be
    built whole before the load: at most HELD_SHARE_MAX of the rows all of `every` reads."""
    total = sum(part_rows(inp, p) for p in every.values())
    return sum(part_rows(inp, every[n]) for n in todo) <= HELD_SHARE_MAX * total


@dataclass(eq=False)
class Changes:
    """The graph's load decided ahead of it (`prepare`): the parts whose inputs changed, built,
    their tables compared with the stored graph's (`load`, a PreparedLoad of the embedded store),
    and the input digests taken doing it (`kept`), for `load` to carry out. `load` is None when
    those parts read too many rows to be held built (`held_whole`): the load streams every part,
    and `digests` (the part digests, taken deciding it) are kept with it."""

    load: PreparedLoad | None
    #: the parts built (part names); every part when the load streams
    parts: list[str]
    kept: KeptDigests | None
    #: what the tables were built from (GraphInput.sources, GraphInput.dataset)
    sources: dict[str, object]
    dataset: dict
    digests: dict[str, str]

    def built_from(self, inp: GraphInput) -> bool:
        """Whether `inp` is made of the very objects and dataset facts these changes were built
        from (the run's hand-over gives every step the same objects)."""
        theirs = inp.sources()
        return (
            self.dataset == inp.dataset
            and theirs.keys() == self.sources.keys()
            and all(theirs[k] is v for k, v in self.sources.items())
        )


def prepare(
    store: GraphStore,
    inp: GraphInput,
    s: Schema | None = None,
    kept: KeptDigests | None = None,
    ahead: CopyAhead | None = None,
) -> Changes | None:
    """The incremental load of `inp` into `store`, decided and built without writing the store:
    the parts whose input digests differ from the stored graph's (and those `needed` with them)
    built, their tables typed, digested and compared with the stored ones, while the graph file
    is copied for the load (`EmbeddedGraphStore.copy_ahead`; `ahead`, a copy of it started
    earlier, is taken instead when it is of the graph file as it is, and discarded when the
    load needs none or it is not). None when the load is
    not incremental: Neo4j (it compares every record itself), or an embedded store without part
    digests to trust, whose full load streams the build into the copy (tables.build_in_order)
    rather than holding the whole graph built. Changes without a `load`, nothing built, when
    the parts to build read more rows than are held built (`held_whole`): their load streams
    too. Raises what building raises."""
    s = s or schema()
    copy, unused = None, ahead
    try:
        if not isinstance(store, EmbeddedGraphStore) or (known := store.loaded_parts(s)) is None:
            return None
        digests = part_digests(inp, s, kept)
        every = parts(inp, s)
        todo = needed({n for n, d in digests.items() if known.get(n) != d}, every, s)
        if not held_whole(inp, todo, every):
            return Changes(None, sorted(every), kept, inp.sources(), inp.dataset, digests)
        if todo:  # a reload works in a copy of the store file: made while the parts are built
            if ahead is not None and ahead.is_of(store.path):
                copy, unused = ahead, None
            else:  # none started, or of a graph file swapped in since: copied now
                copy = store.copy_ahead()
    finally:
        if unused is not None:  # started earlier, and this load needs no copy
            unused.discard()
    try:
        prepared = store.prepare(build(inp, s, only=todo), s, parts=digests, ahead=copy)
    except BaseException:
        if copy is not None:
            copy.discard()
        raise
    return Changes(prepared, sorted(todo), kept, inp.sources(), inp.dataset, digests)


def load(
    store: GraphStore,
    inp: GraphInput,
    s: Schema | None = None,
    kept: KeptDigests | None = None,
    changes: Changes | None = None,
) -> dict[str, int]:
    """Make `store` hold the graph of `inp`; returns the counts per label and type. The embedded
    store is given the tables of the parts whose inputs changed since its last load (and those
    `needed` with them), every table when it holds no part digests to trust; `store.last_load`
    gains `parts`, the parts built, `ahead`, whether `changes` (`prepare` of the same inputs,
    made earlier in the run) was carried out, and with `kept` (input digests kept between
    loads, saved once the store holds the graph) `digested`, the inputs digested in this load.
    `changes` made against another stored graph than the one there now, or from other inputs
    (`Changes.built_from`), is not carried out: the load is decided again. Neo4j compares every record itself
    and is given every table."""
    s = s or schema()
    counts = _load(store, inp, s, kept, changes)
    if kept is not None and isinstance(store, EmbeddedGraphStore):
        kept.save()
        store.last_load["digested"] = sorted(kept.digested)
    return counts


def _load(
    store: GraphStore, inp: GraphInput, s: Schema, kept: KeptDigests | None, changes: Changes | None
) -> dict[str, int]:
    if not isinstance(store, EmbeddedGraphStore):
        return store.replace_with(build(inp, s), s)
    if changes is not None:
        counts = None
        if changes.built_from(inp):
            if changes.load is None:  # too many rows to hold built: decided with these inputs
                return _streamed(store, inp, s, kept, changes.digests)
            counts = store.apply(changes.load)
        elif changes.load is not None:
            changes.load.discard()
        if counts is not None:
            store.last_load |= {"parts": changes.parts, "ahead": True}
            return counts
    prepared = prepare(store, inp, s, kept)
    if prepared is None:  # no part digests to trust: every table, the digests taken meanwhile
        return _streamed(store, inp, s, kept, None)
    if prepared.load is None:
        return _streamed(store, inp, s, kept, prepared.digests)
    counts = store.apply(prepared.load)
    if counts is None:  # another process swapped a graph in between the two
        raise GraphNotLoadedError(f"the graph at {store.path} changed while it was being loaded")
    store.last_load["parts"] = prepared.parts
    return counts


def _streamed(
    store: EmbeddedGraphStore, inp: GraphInput, s: Schema, kept: KeptDigests | None, digests: dict[str, str] | None
) -> dict[str, int]:
    """Every table of `inp` loaded into a new store as it is built (tables.build_in_order,
    store.load_built); the part digests kept for the next load are `digests` when given (taken
    deciding the load), else taken once every part is built, while the store copies the
    tables still waiting."""
    if digests is not None:
        counts = store.load_built(build_in_order(inp, s), s, parts=lambda: digests)
    else:
        # The digests are taken on a thread of their own once every part is built, while the
        # store copies the tables still waiting (at national scale from the organisations' on,
        # the largest part, purchases, last): the copy lets go of the GIL, the build no longer
        # holds it, and the digests (3.4 s there) no longer wait for the copy's end.
        with ThreadPool(max_workers=1) as pool:
            pending: list[Future[dict[str, str]]] = []

            def start() -> None:
                pending.append(pool.submit(part_digests, inp, s, kept))

            counts = store.load_built(
                build_in_order(inp, s, on_built=start),
                s,
                parts=lambda: (pending[0] if pending else pool.submit(part_digests, inp, s, kept)).result(),
            )
    store.last_load["parts"] = sorted(parts(inp, s))
    return counts
