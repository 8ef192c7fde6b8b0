"""Helpers the per-source resolve stages share."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
from dagster import AssetIn

from data_contracts import CONTRACTS
from data_contracts.base import Contract
from data_contracts.references import Ref
from data_contracts.validation import issue, issues_frame

from .references import unknown_references
from .register import RegisterResult
from .threads import in_threads


def check_references(
    result: RegisterResult, model: type[Contract], registers: dict[str, RegisterResult]
) -> RegisterResult:
    """Quarantine rows whose reference fields (`model.references`, in declared order) point
    outside the keys the referenced register accepted; `registers` maps a register's name to
    its resolved result. A row is reported for the first of its fields, in that order, that
    refers to something unknown. A reference to the register itself is checked against the rows
    still accepted, again and again until none goes: a hub whose parent was rejected is rejected
    too, and so on down. Raises KeyError naming a referenced register not passed in."""
    own = {f: ref for f, ref in model.references.items() if ref.register == model.source}
    others = [(field, ref) for field, ref in model.references.items() if field not in own]
    for field, ref in others:
        if ref.register not in registers:
            raise KeyError(f"{model.source}.{field} refers to the {ref.register} register, which was not passed")
    # The references to other registers looked up on two threads, each on the rows accepted
    # now: pyarrow's hash look-ups let go of Python's lock, and the machine's other core is idle
    # while a register is resolved (the national projects' three, measured once: 1.07 s
    # against 1.48 s one after another). Then dropped in declared order, each field's issues
    # only of the rows the fields before it kept, as when each was looked up on those rows.
    frame = result.accepted
    found = in_threads(
        lambda item: unknown_references(
            frame, model, item[0], keys(registers[item[1].register], item[1].field), item[1].zh, item[1].en
        ),
        others,
    )
    for issues in found:
        result = result.dropping(result.still_accepted(issues))
    while own:
        before = len(result.accepted)
        for field, ref in own.items():
            result = _drop_unknown(result, model, field, ref, keys(result, ref.field))
        if len(result.accepted) == before:
            break
    return result


def _drop_unknown(
    result: RegisterResult, model: type[Contract], field: str, ref: Ref, known: pd.Series
) -> RegisterResult:
    return result.dropping(unknown_references(result.accepted, model, field, known, ref.zh, ref.en))


def without_personal(result: RegisterResult, model: type[Contract]) -> RegisterResult:
    """Drop personal fields: after resolution nothing downstream may see them."""
    return replace(result, accepted=result.public(model).reset_index(drop=True))


def keys(result: RegisterResult, field: str) -> pd.Series:
    """The keys `field` the register accepted, as its own text column (missing values left out,
    repeats kept): the look-ups (references.py) hand it to pyarrow as it is. A Python set of a
    national register's 890,000 codes took 0.8 s to make and 0.4 s to turn back into Arrow, for
    each reference to it."""
    return result.column(field).dropna()


def inconsistent_names(frame: pd.DataFrame, model: type[Contract], code: str, name: str) -> pd.DataFrame:
    """Issues for rows whose `name` differs from the first name written for the same `code`."""
    first = frame.drop_duplicates(code).set_index(code)[name]
    bad = frame[frame[name] != frame[code].map(first)]
    return issues_frame(
        [
            issue(model, f, int(r), name, "inconsistent_name", v, expected=first[c])
            for f, r, v, c in zip(bad["_file"], bad["_row"], bad[name], bad[code], strict=True)
        ]
    )


#: register -> the other registers whose checked rows its resolve step reads besides those its
#: contract refers to (`Contract.references`): the hub register lacks the hubs' names, which
#: the memberships carry (pipelines/hubs/assets.py builds the step's inputs from this)
READS_CHECKED: dict[str, tuple[str, ...]] = {"hubs": ("hub_memberships",)}


def waited_on(register: str) -> list[str]:
    """The other registers whose resolution waits, directly or through others, for `register`'s
    rows (their contracts refer to it, `Contract.references`, or their resolve step reads its
    checked rows, READS_CHECKED), by name."""

    def reads(other: str) -> set[str]:
        return {r.register for r in CONTRACTS[other].references.values()} | set(READS_CHECKED.get(other, ()))

    found: set[str] = set()
    todo = [register]
    while todo:
        name = todo.pop()
        for other in CONTRACTS:
            if other not in found and other != register and name in reads(other):
                found.add(other)
                todo.append(other)
    return sorted(found)


def register_tags(register: str) -> dict[str, str]:
    """The op tags of `register`'s read, contract-check and resolve steps: Dagster's step
    priority (higher first among the steps ready to run; the steps after resolution wait for
    every register anyway), 1 plus the number of registers `waited_on` it. So a register others
    wait for is read, checked and resolved as soon as it can be, ahead of registers nothing
    waits for, and the chain communities → organisations → workers → projects comes first.

    Each register's Great Expectations suite is validated in a forked child once it and the
    registers it refers to are resolved (pipelines/quality/ahead.py). The projects suite, the
    longest, then runs while the registers nothing waits for are checked and resolved; in
    alphabetical order it started after every register but evaluations was resolved, and the
    graph load waited for it (the national benchmark's blocking check: 1.7-1.8 s against
    8.0-8.9 s, benchmarks/results/2026-12-05-national*.json)."""
    return {"dagster/priority": str(1 + len(waited_on(register)))}


def each_resolved() -> dict[str, AssetIn]:
    """A step's inputs for every register as resolved (`<register>_resolved`), named so: for the
    steps that must not wait for resolved_registers' blocking expectations check (the graph's
    load decided ahead, the quarantine report). `by_register` takes them back."""
    return {f"{r}_resolved": AssetIn(f"{r}_resolved") for r in CONTRACTS}


def by_register(resolved: dict[str, RegisterResult]) -> dict[str, RegisterResult]:
    """`each_resolved`'s inputs by register name, in load order (CONTRACTS'), not alphabetical."""
    return {name: resolved[f"{name}_resolved"] for name in CONTRACTS}
