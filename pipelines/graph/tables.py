"""Resolved registers → node and relationship tables, shaped exactly as `graph_schema/` says.

Pure pandas, no store: the embedded load, the Neo4j load and the import bundle all start from
these frames. Every key comes from a source key, so the same input gives the same graph.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from data_contracts import CONTRACTS
from data_contracts.enums import (
    CREDIT_LISTS,
    EVALUATION_GRADES,
    FUNDING_SOURCES,
    HUB_KINDS,
    ORG_GRADES,
)
from data_contracts.lists import exploded
from graph_schema import NodeType, Schema, schema

from ..common.ordering import first_per, last_per, sorted_frame
from ..common.references import map_keys
from ..common.threads import ThreadPool, in_threads
from .arrow import repeated_keys
from .standing import (
    community_linkage,
    hub_coverage,
    later_awards,
    membership_year_ends,
    outside_network,
    provider_concentration,
    provider_standing,
    street_density,
    street_funding,
)

if TYPE_CHECKING:
    from ..common.register import RegisterResult

RelKey = tuple[str, str, str]  # (type, from label, to label)


@dataclass
class GraphTables:
    nodes: dict[str, pd.DataFrame]
    rels: dict[RelKey, pd.DataFrame]

    def counts(self) -> dict[str, int]:
        out = {label: len(df) for label, df in self.nodes.items()}
        for (rtype, _a, _b), df in self.rels.items():
            out[rtype] = out.get(rtype, 0) + len(df)
        return out


def org_id(uscc: pd.Series) -> pd.Series:
    """org-id.guide identifier for a Chinese organisation: CN-USCI-<code>."""
    return "CN-USCI-" + uscc


def current_columns(rows: Mapping[str, pd.DataFrame], name: str, columns: list[str]) -> pd.DataFrame:
    """`rows[name][columns]`; of CurrentRows, made from those columns alone (`CurrentRows.some`)."""
    return rows.some(name, columns) if isinstance(rows, CurrentRows) else rows[name][columns]


def _explode(frame: pd.DataFrame, list_col: str, src: str) -> pd.DataFrame:
    out = exploded(frame[[src, list_col]], list_col)
    return out.rename(columns={src: "from", list_col: "to"})


def _rel(frame: pd.DataFrame, src: str, dst: str, **props: str) -> pd.DataFrame:
    out = frame[[src, dst, *props.values()]].dropna(subset=[src, dst])
    return out.rename(columns={src: "from", dst: "to", **{v: k for k, v in props.items()}})


class CurrentRows(Mapping[str, pd.DataFrame]):
    """Each register's current rows (`RegisterResult.current`, by register name), made when first
    read and kept. A load that builds only some parts of the graph (incremental.py) never makes
    those of registers no part it builds reads: at national scale making them all took 2.0 s of
    the graph step after a 1% change of the evaluations. Each is made once, also when the
    build's threads ask for it at the same time. `name in rows` makes nothing."""

    def __init__(self, registers: Mapping[str, RegisterResult]):
        self._registers = dict(registers)
        self._made: dict[str, pd.DataFrame] = {}
        self._at: dict[str, np.ndarray] = {}
        self._locks = {name: threading.Lock() for name in self._registers}

    def __getitem__(self, name: str) -> pd.DataFrame:
        made = self._made.get(name)
        if made is None:
            with self._locks[name]:  # KeyError for a register not given
                made = self._made.get(name)
                if made is None:
                    made = self._made[name] = self._registers[name].current(CONTRACTS[name], at=self._positions(name))
        return made

    def some(self, name: str, columns: list[str]) -> pd.DataFrame:
        """The register's current rows, only `columns`: cut from the whole rows when made, else
        made from those columns alone (a stored copy reads no other: after a 1% change of the
        national evaluations, the evaluations part's look-up of the projects' providers and award
        days read all of the projects' and organisations' rows, 4.2 s, for four columns).
        Raises KeyError for a register not given or a column it lacks."""
        made = self._made.get(name)
        if made is not None:
            return made[columns]
        with self._locks[name]:
            at = self._positions(name)
        return self._registers[name].current(CONTRACTS[name], columns, at=at)

    def _positions(self, name: str) -> np.ndarray:
        """`RegisterResult.current_positions` of `name`, found once (the caller holds its lock)."""
        at = self._at.get(name)
        if at is None:
            at = self._at[name] = self._registers[name].current_positions(CONTRACTS[name])
        return at

    def rows_read(self, name: str) -> int:
        """The rows the register read (`RegisterResult.rows_read`, a stored copy's without reading
        its rows): at least its current rows, known without making them."""
        return self._registers[name].rows_read

    def __contains__(self, name: object) -> bool:
        return name in self._registers

    def columns(self, name: str) -> pd.Index:
        """The columns of the register's current rows, made or not (its accepted rows')."""
        return self._registers[name].accepted_columns()

    def __iter__(self) -> Iterator[str]:
        return iter(self._registers)

    def __len__(self) -> int:
        return len(self._registers)


class Histories(Mapping[str, pd.DataFrame]):
    """Each register's derived histories, by `<register>.<history>`, read when a part first
    reads one: a stored copy's histories are read with their register's (one part of the copy),
    and a partial run that builds only the evaluations part reads none (unpickling every
    register's histories took 0.31-0.35 s of its graph step after a 1% change of the national
    evaluations). `rows` tells a history's rows without reading it."""

    def __init__(self, registers: Mapping[str, RegisterResult]):
        self._registers = dict(registers)
        self._rows = {
            f"{name}.{h}": rows for name, res in self._registers.items() for h, rows in res.history_rows().items()
        }

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._rows:
            raise KeyError(name)
        register, history = name.split(".", 1)
        return self._registers[register].history[history]

    def rows(self, name: str) -> int:
        """The rows of history `name`; KeyError for one there is not."""
        return self._rows[name]

    def __contains__(self, name: object) -> bool:
        return name in self._rows

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)


@dataclass
class GraphInput:
    """What the graph is built from: one current row per key for each register, the derived
    histories (named `<register>.<history>`), and the dataset's own description."""

    current: Mapping[str, pd.DataFrame]
    history: Mapping[str, pd.DataFrame]
    dataset: dict

    @classmethod
    def of(cls, registers: dict[str, RegisterResult], dataset: dict) -> GraphInput:
        """The input of the resolved `registers` (by register name) and `dataset`; each
        register's current rows are made, and its histories read, when a part first reads
        them (`CurrentRows`, `Histories`)."""
        return cls(current=CurrentRows(registers), history=Histories(registers), dataset=dataset)

    def sources(self) -> dict[str, object]:
        """The objects this input was made of, by name: each register (`of`) or current-rows
        frame, and each history frame. Two inputs of the very same objects (compared with `is`)
        and equal `dataset` build the same tables: what a load prepared earlier in the run is
        held to (incremental.Changes), without digesting a register again."""
        current = self.current._registers if isinstance(self.current, CurrentRows) else self.current
        # histories read from the registers (`of`) are the registers': named by them, unread
        history = {} if isinstance(self.history, Histories) else self.history
        return {
            **{f"current:{k}": v for k, v in current.items()},
            **{f"history:{k}": v for k, v in history.items()},
        }


def _valid(frame: pd.DataFrame, since: str | None, until: str | None) -> pd.DataFrame:
    return frame.assign(valid_from=frame[since] if since else None, valid_to=frame[until] if until else None)


Parts = tuple[dict[str, pd.DataFrame], dict[RelKey, pd.DataFrame]]

#: the name a part reads the dataset's own description by (`GraphInput.dataset`)
DATASET = "dataset"


@dataclass(frozen=True)
class Part:
    """One part of the graph: `make` builds exactly the node tables `nodes` and relationship
    tables `rels` from the inputs named in `reads` and nothing else (a register's current rows
    by its name, a history as `<register>.<history>`, the dataset's description as `dataset`).
    So a part whose inputs are unchanged builds the tables it built before, and a partial load
    skips it (incremental.py); tests/test_graph_incremental.py holds each declaration to what
    the part reads and builds."""

    name: str
    make: Callable[[GraphInput, Schema], Parts]
    reads: tuple[str, ...]
    nodes: tuple[str, ...] = ()
    rels: tuple[RelKey, ...] = ()


def build(inp: GraphInput, s: Schema | None = None, only: Collection[str] | None = None) -> GraphTables:
    """The graph's node and relationship tables, built one part at a time (`parts`), columns
    chosen and ordered by the schema, node rows sorted by key (`_built`). With `only` (part names),
    just those parts' tables: the others are as a previous build of the same inputs left them."""
    s = s or schema()
    todo = parts(inp, s)
    _check_covered(todo.values(), s)
    chosen = [part for name, part in todo.items() if only is None or name in only]
    nodes: dict[str, pd.DataFrame] = {}
    rels: dict[RelKey, pd.DataFrame] = {}
    # parts are independent, and most of their time is pyarrow's and pandas' compiled loops,
    # which let go of the GIL: two threads took the national parts from 36 s to 25 s
    for n, r in in_threads(lambda p: _built(p, inp, s), chosen):
        nodes.update(n)
        rels.update(r)
    return GraphTables({label: nodes[label] for label in s.nodes if label in nodes}, rels)


def build_in_order(
    inp: GraphInput, s: Schema | None = None, on_built: Callable[[], object] | None = None
) -> Iterator[tuple[str | RelKey, pd.DataFrame]]:
    """Every table of the graph, as `build` makes it, each yielded as soon as a bulk copy can take
    it while the rest are still built: a node table once its part is built, a relationship
    table once the node tables of both its ends have been yielded. Keys are node labels and
    relationship keys (type, from label, to label).

    Two threads build the parts, both from the first call: one the part that reads the most
    rows (by `_size`; at national scale `purchases`, 11 s of the 25 s), the other the rest,
    in `build_order`'s order (fewest rows first, each after the parts whose nodes its
    relationships join), in which they are yielded, each started once the caller asks for
    the first table of the part before it (at most one part ahead of the caller: the store
    takes each table one ahead of its copy, store._one_ahead); the largest part's tables come
    last. The order depends on the inputs' row counts and the parts' declarations only, never
    on which thread finishes first, so the same inputs are copied in the same order. A part
    that fails raises here, the parts not started are dropped. `on_built` is called (on the
    thread iterating this) once every part is built (asked before each table is yielded, and
    at the latest before the last part's tables are): what follows is copying them."""
    s = s or schema()
    todo = parts(inp, s)
    _check_covered(todo.values(), s)

    largest, rest = build_order(inp, todo)
    order = list(s.nodes)
    copied: set[str] = set()
    waiting: list[tuple[RelKey, pd.DataFrame]] = []
    pool = ThreadPool(max_workers=2)
    submitted = 0
    call = on_built

    def built_all() -> None:
        # Asked before each table is handed over: the largest part is built long before the copy
        # reaches its tables (national: built at 17 s, its first table copied at 31 s), and the
        # cores the build used are free from then on, not from when its tables come up.
        nonlocal call
        now = call
        if now is not None and submitted == len(todo) and all(_built_well(f) for f in futures.values()):
            call = None
            now()

    try:
        # the rest are built at most one part ahead of the copy: built all at once, their tables
        # waited for the copy together (the copy is the slower), in memory where the run peaks
        futures = {p.name: pool.submit(_built, p, inp, s) for p in [largest, *rest[:1]]}
        submitted = len(futures)
        for i, part in enumerate([*rest, largest]):
            if i + 1 < len(rest):
                futures[rest[i + 1].name] = pool.submit(_built, rest[i + 1], inp, s)
                submitted += 1
            nodes, rels = futures.pop(part.name).result()
            built_all()
            for label in sorted(nodes, key=order.index):
                yield label, nodes.pop(label)
                copied.add(label)
                built_all()
            waiting.extend(rels.items())
            del rels
            ready = [item for item in waiting if item[0][1] in copied and item[0][2] in copied]
            waiting = [item for item in waiting if item[0][1] not in copied or item[0][2] not in copied]
            while ready:
                yield ready.pop(0)
                built_all()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    if waiting:  # _check_covered makes every node table some part's: not reached
        raise KeyError(f"relationship tables whose ends no part built: {[key for key, _ in waiting]}")


def build_order(inp: GraphInput, todo: Mapping[str, Part]) -> tuple[Part, list[Part]]:
    """The part `build_in_order` builds on a thread of its own, the one reading the most rows
    (`part_rows`), and the order it builds and copies the others in: fewest rows first, but
    each after the parts building the nodes its relationships join (where those are among the
    others), so that a part's relationship tables are copied as soon as it is built rather
    than held back while the copy waits for the next part's build. Parts joining each other's
    nodes, directly or through others (a cycle, which the graph's parts do not have today), are
    placed together, fewest rows first, once every part they join outside the group is placed.
    Depends on the inputs' row counts and the parts' declarations only.

    National, benchmarks/graph_step.py, two tries each alternating, 2026-12-07: the copy waited
    2.4-4.4 s for tables being built, the step took 35.2-38.7 s, against 5.5-6.7 s and
    38.1-43.2 s with the parts in the order of their rows alone (the hubs and their
    memberships were built before the organisations they join, the copy having nothing to
    take)."""
    largest, *rest = sorted(todo.values(), key=lambda p: (-part_rows(inp, p), p.name))
    rest.sort(key=lambda p: (part_rows(inp, p), p.name))
    maker = {label: p.name for p in rest for label in p.nodes}
    joins = {p.name: {maker[end] for _t, a, b in p.rels for end in (a, b) if end in maker} - {p.name} for p in rest}
    ordered: list[Part] = []
    while rest:
        left = {p.name for p in rest}
        # the group of the part with the fewest rows among those whose group joins no part left
        # outside it (there is one: a group that nothing left outside it is joined by)
        groups = (_group(p.name, joins, left) for p in rest)
        group = next(g for g in groups if all(joins[m] & left <= g for m in g))
        ordered += [p for p in rest if p.name in group]
        rest = [p for p in rest if p.name not in group]
    return largest, ordered


def _group(part: str, joins: Mapping[str, set[str]], within: set[str]) -> set[str]:
    """`part` and the parts of `within` that it joins and that join it back, directly or
    through others of `within` (its strongly connected component)."""
    return {part} | {q for q in _reached(part, joins, within) if part in _reached(q, joins, within)}


def _reached(start: str, joins: Mapping[str, set[str]], within: set[str]) -> set[str]:
    """The parts of `within` that `start` joins, directly or through others of `within`."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        for q in joins[todo.pop()] & within:
            if q not in seen:
                seen.add(q)
                todo.append(q)
    return seen


def _built_well(future: Future) -> bool:
    """Whether a part's build has ended without an error (one that failed is raised where its
    tables are asked for; nothing is started on its account)."""
    return future.done() and future.exception() is None


def part_rows(inp: GraphInput, part: Part) -> int:
    """The rows `part` reads: its inputs' rows as `_size` counts them, summed (an input read by
    two parts counts in each). What `build_in_order` orders the parts by, and what
    incremental.prepare weighs the parts to build by."""
    return sum(_size(inp, name) for name in part.reads)


def _size(inp: GraphInput, name: str) -> int:
    """The rows a part reading `name` reads, for ordering the parts: a history's rows; a
    register's rows read (`CurrentRows.rows_read`, at least its current rows: making every
    register's current rows to count them kept the national copy waiting 2.1-2.7 s before the
    first part started); the current rows of an input given as frames; 0 when there is none."""
    if name in inp.history:
        return inp.history.rows(name) if isinstance(inp.history, Histories) else len(inp.history[name])
    if isinstance(inp.current, CurrentRows) and name in inp.current:
        return inp.current.rows_read(name)
    return len(inp.current[name]) if name in inp.current else 0


def parts(inp: GraphInput, s: Schema) -> dict[str, Part]:
    """Every part of the graph by name: PARTS, and one per node label that no part of PARTS
    builds and whose every property is a column of its source register (read whole, one node
    per key, as `read <Label>`)."""
    made = {label for p in PARTS for label in p.nodes}
    whole = {
        f"read {label}": Part(f"read {label}", partial(_whole, label), (node.source,), nodes=(label,))
        for label, node in s.nodes.items()
        if label not in made and _read_whole(node, inp)
    }
    return {**whole, **{p.name: p for p in PARTS}}


def _check_covered(todo: Iterable[Part], s: Schema) -> None:
    """Refuse parts that leave a table of the schema unbuilt or build one twice: a table
    nothing builds would keep its old rows in a partial load."""
    todo = list(todo)
    nodes = [label for p in todo for label in p.nodes]
    rels = [key for p in todo for key in p.rels]
    twice = {n for n in nodes if nodes.count(n) > 1} | {str(r) for r in rels if rels.count(r) > 1}
    if twice:
        raise ValueError(f"tables built by more than one part: {sorted(twice)}")
    missing = set(s.nodes) - set(nodes)
    if missing:
        raise KeyError(f"no table built for node label {sorted(missing)[0]}")
    missing_rels = {(r.type, a, b) for r in s.rels.values() for a, b in r.endpoints} - set(rels)
    if missing_rels:
        raise KeyError(f"no table built for relationships {sorted(missing_rels)}")


def _read_whole(node: NodeType, inp: GraphInput) -> bool:
    rows = inp.current
    if node.source not in rows:
        return False
    # the columns of rows not made yet are their register's (CurrentRows.columns): which parts
    # there are is known without making any
    columns = rows.columns(node.source) if isinstance(rows, CurrentRows) else rows[node.source].columns
    return all(p.column in columns for p in node.properties)


def _whole(label: str, inp: GraphInput, s: Schema) -> Parts:
    """The node `label` read from its source register, one node per key."""
    node = s.node(label)
    return {label: _from_source(first_per(inp.current[node.source], node.properties[0].column), node)}, {}


def _dataset(inp: GraphInput, s: Schema) -> Parts:
    return {"Dataset": pd.DataFrame([{"key": "sanshe", **inp.dataset}])}, {}


def _from_source(frame: pd.DataFrame, node: NodeType, **derived) -> pd.DataFrame:
    """`frame` (rows of the node's source register) with each property read from the column
    the schema names for it; `derived` adds the properties the register does not hold."""
    return frame.assign(**{**{p.name: frame[p.column] for p in node.properties if p.column in frame}, **derived})


def _geography(inp: GraphInput, s: Schema) -> Parts:
    """Districts (streets and committees are read whole), and which district each street
    belonged to when."""
    com, changes = inp.current["communities"], inp.current["district_changes"]
    periods = inp.history["district_changes.street_district"]
    now = com.drop_duplicates("district_code")[["district_code", "district_name"]].rename(
        columns={"district_code": "code", "district_name": "name"}
    )
    former = changes.drop_duplicates("from_district_code")[["from_district_code", "from_district_name"]].rename(
        columns={"from_district_code": "code", "from_district_name": "name"}
    )
    former = former[~former["code"].isin(now["code"])]
    # a district that gave away its streets ends on the day its last street left
    ended = periods[periods["valid_to"].notna()].groupby("parent")["valid_to"].max()
    districts = pd.concat(
        [
            now.assign(valid_from=None, valid_to=None),
            former.assign(valid_from=None, valid_to=former["code"].map(ended)),
        ],
        ignore_index=True,
    )
    return {"District": districts}, {
        ("IN_DISTRICT", "Street", "District"): _rel(
            periods, "street_code", "parent", valid_from="valid_from", valid_to="valid_to"
        ),
        ("IN_STREET", "Community", "Street"): _rel(com, "community_code", "street_code"),
    }


def _organisations(inp: GraphInput, s: Schema) -> Parts:
    """Organisations with their active period, grades, credit lists and inspections."""
    c, h = inp.current, inp.history
    org = c["organisations"]
    status = h["organisations.status"].set_index("uscc")
    party = c["hub_memberships"].set_index("uscc")["party_members"]
    listed = h["organisations.credit_lists"].assign(list_code=lambda d: d["credit_list"].map(CREDIT_LISTS))
    ins = c["annual_inspections"].assign(key=lambda d: d["uscc"] + "-" + d["year"].astype(str))
    return {
        "SocialOrganisation": _from_source(
            org,
            s.node("SocialOrganisation"),
            org_id=org_id(org["uscc"]),
            **map_keys(org["uscc"], status[["valid_from", "valid_to"]]).to_dict("series"),
            party_members=map_keys(org["uscc"], party),
        ),
        "OrgGrade": pd.DataFrame({"code": ORG_GRADES, "rank": range(1, len(ORG_GRADES) + 1)}),
        "CreditList": pd.DataFrame({"code": list(CREDIT_LISTS.values()), "name": list(CREDIT_LISTS)}),
        "AnnualInspection": _from_source(ins, s.node("AnnualInspection")),
    }, {
        ("HAS_GRADE", "SocialOrganisation", "OrgGrade"): _rel(
            h["organisations.grades"],
            "uscc",
            "grade",
            graded_on="grade_date",
            valid_from="valid_from",
            valid_to="valid_to",
        ),
        ("ON_CREDIT_LIST", "SocialOrganisation", "CreditList"): _rel(
            listed, "uscc", "list_code", reason="reason", valid_from="valid_from", valid_to="valid_to"
        ),
        ("RESIDES_IN", "SocialOrganisation", "Street"): _rel(org, "uscc", "street_code"),
        ("HAS_INSPECTION", "SocialOrganisation", "AnnualInspection"): _rel(ins, "uscc", "key"),
    }


def _hubs(inp: GraphInput, s: Schema) -> Parts:
    """Hubs of the "1+14+x" network, memberships and party-building coverage, over time."""
    hub, h = inp.current["hubs"], inp.history
    hub_pb = _valid(hub.loc[hub["has_party_branch"].astype(bool)], "established_on", "dissolved_on").assign(
        key=lambda d: "PB-" + d["hub_id"]
    )
    org_pb = h["hub_memberships.party_branch"].assign(key=lambda d: "PB-" + d["uscc"])
    liaised = h["hub_memberships.liaison"]
    nodes = _valid(
        _from_source(hub, s.node("Hub"), kind=hub["hub_kind"].map(HUB_KINDS)), "established_on", "dissolved_on"
    )
    day = inp.dataset.get("snapshot_date")
    coverage = (
        hub_coverage(nodes, h["hub_memberships.membership"], h["organisations.status"], org_pb, liaised, day)
        if day is not None
        else pd.DataFrame()
    )
    # the organisation's active period as its node holds it (one per uscc: _organisations)
    members = h["hub_memberships.membership"]
    members = members.join(membership_year_ends(members, h["organisations.status"], nodes))
    for p in s.node("Hub").properties:
        if p.name.startswith("snapshot_"):
            nodes[p.name] = (
                map_keys(nodes["hub_id"], coverage[p.name]).fillna(0).astype("int64") if p.name in coverage else 0
            )
    return {
        "Hub": nodes,
        "PartyBranch": pd.concat([hub_pb[["key"]], org_pb[["key"]]], ignore_index=True).drop_duplicates(),
        "PartyLiaison": liaised[["liaison_id"]].drop_duplicates(),
    }, {
        ("UNDER", "Hub", "Hub"): _rel(hub, "hub_id", "parent_hub_id"),
        ("FOR_STREET", "Hub", "Street"): _rel(hub, "hub_id", "street_code"),
        ("FOR_DISTRICT", "Hub", "District"): _rel(hub, "hub_id", "district_code"),
        ("MEMBER_OF", "SocialOrganisation", "Hub"): _rel(
            members,
            "uscc",
            "hub_id",
            valid_from="valid_from",
            valid_to="valid_to",
            year_end_first="year_end_first",
            year_end_last="year_end_last",
        ),
        ("HAS_PARTY_BRANCH", "SocialOrganisation", "PartyBranch"): _rel(
            org_pb, "uscc", "key", valid_from="valid_from", valid_to="valid_to"
        ),
        ("HAS_PARTY_BRANCH", "Hub", "PartyBranch"): _rel(
            hub_pb, "hub_id", "key", valid_from="valid_from", valid_to="valid_to"
        ),
        ("LIAISON_FOR", "PartyLiaison", "SocialOrganisation"): _rel(
            liaised, "liaison_id", "uscc", valid_from="valid_from", valid_to="valid_to"
        ),
    }


def _network_gaps(inp: GraphInput, s: Schema) -> Parts:
    """Who was outside the hub network on the snapshot day (unattached-organisations' default
    answer, computed at load time: pipelines/graph/standing.py)."""
    hub, h, day = inp.current["hubs"], inp.history, inp.dataset.get("snapshot_date")
    federations = hub[hub["hub_kind"].map(HUB_KINDS) == "federation"]
    gaps = (
        outside_network(
            inp.current["organisations"],
            h["organisations.status"],
            h["hub_memberships.membership"],
            h["district_changes.street_district"],
            federations,
            day,
        )
        if day is not None
        else pd.DataFrame(columns=["from", "to"])
    )
    return {}, {("OUTSIDE_NETWORK", "SocialOrganisation", "Hub"): gaps}


def _workers(inp: GraphInput, s: Schema) -> Parts:
    wrk = inp.current["workers"]
    return {}, {
        ("EMPLOYED_BY", "SocialWorker", "SocialOrganisation"): _rel(wrk, "worker_key", "employer_uscc"),
        ("SERVES", "SocialWorker", "Community"): _explode(wrk, "served_communities", "worker_key"),
    }


def _purchases(inp: GraphInput, s: Schema) -> Parts:
    """Purchasers (as their latest project names them), projects, funding and staff."""
    prj = inp.current["projects"]
    # a purchaser written without a code that no other row names with one has no node (its key is the code)
    buyers = last_per(prj.dropna(subset=["purchaser_uscc"]), ["purchaser_uscc"], ["award_date", "project_id"])
    # map_keys, not Series.map: pandas maps Arrow text through a Python string per row (0.5 s
    # for the national projects against 0.15 s)
    funded = prj.assign(source_code=map_keys(prj["funding_source"], pd.Series(FUNDING_SOURCES)))
    staffed = _explode(prj, "staffed_workers", "project_id")
    delivered = _explode(prj, "served_communities", "project_id")
    c, h = inp.current, inp.history
    standing = provider_standing(
        prj, c["organisations"], h["organisations.grades"], h["organisations.credit_lists"], c["annual_inspections"]
    )
    committees = first_per(c["communities"], "community_code")
    streets = c["communities"].drop_duplicates("street_code")
    totals = street_funding(delivered, prj, committees)
    shares = provider_concentration(prj, c["organisations"]["uscc"])
    density = street_density(
        committees,
        c["organisations"],
        h["organisations.status"],
        inp.dataset.get("snapshot_date"),
    )
    street_totals = map_keys(streets["street_code"], totals[["project_count", "funding_yuan"]])
    street_people = map_keys(streets["street_code"], density[["population", "snapshot_organisations"]])
    buyer_shares = map_keys(buyers["purchaser_uscc"], shares[["provider_count", "contract_yuan", "top_providers_yuan"]])
    return {
        # streets carry their funding totals, so they are built here rather than read whole
        "Street": _from_source(
            streets,
            s.node("Street"),
            project_count=street_totals["project_count"].fillna(0).astype("int64"),
            funding_yuan=street_totals["funding_yuan"].fillna(0.0),
            committee_population=street_people["population"].astype("Int64"),
            snapshot_organisations=street_people["snapshot_organisations"].fillna(0).astype("int64"),
        ),
        "Purchaser": _from_source(
            buyers,
            s.node("Purchaser"),
            org_id=org_id(buyers["purchaser_uscc"]),
            provider_count=buyer_shares["provider_count"].fillna(0).astype("int64"),
            contract_yuan=buyer_shares["contract_yuan"].fillna(0.0),
            top_providers_yuan=buyer_shares["top_providers_yuan"].fillna(0.0),
        ),
        "Project": _from_source(
            prj,
            s.node("Project"),
            year=pd.to_datetime(prj["award_date"]).dt.year,
            # one per DELIVERED_IN edge, so a project's share per community is contract_amount / it
            # (explode keeps each row's index: counted by index, not by looking up the id)
            community_count=delivered.groupby(level=0).size().reindex(prj.index, fill_value=0),
            **standing,
        ),
        "FundingSource": pd.DataFrame({"code": list(FUNDING_SOURCES.values()), "name": list(FUNDING_SOURCES)}),
    }, {
        ("COMMISSIONED", "Purchaser", "Project"): _rel(prj, "purchaser_uscc", "project_id"),
        ("AWARDED_TO", "Project", "SocialOrganisation"): _rel(prj, "project_id", "provider_uscc"),
        ("DELIVERED_IN", "Project", "Community"): delivered,
        ("FUNDED_BY", "Project", "FundingSource"): _rel(funded, "project_id", "source_code", amount="contract_amount"),
        ("STAFFED_ON", "SocialWorker", "Project"): staffed[["to", "from"]].rename(columns={"to": "from", "from": "to"}),
    }


def _linkage(inp: GraphInput, s: Schema) -> Parts:
    """Committees, with their three-way linkage on the snapshot day computed at load time."""
    c = inp.current
    com = first_per(c["communities"], "community_code")
    day = inp.dataset.get("snapshot_date")
    if day is None:  # no snapshot day: nothing to count on
        facts = pd.DataFrame(columns=[p.name for p in s.node("Community").properties if p.name.startswith("snapshot_")])
    else:
        facts = community_linkage(c["projects"], c["organisations"]["uscc"], c["workers"], day)
    derived = map_keys(com["community_code"], facts).fillna(0).astype("int64")
    return {"Community": _from_source(com, s.node("Community"), **derived.to_dict("series"))}, {}


def _evaluations(inp: GraphInput, s: Schema) -> Parts:
    ev = inp.current["evaluations"]
    return {
        "Evaluation": _from_source(
            ev,
            s.node("Evaluation"),
            grade_rank=map_keys(ev["grade"], pd.Series({g: rank for g, (rank, *_) in EVALUATION_GRADES.items()})),
            later_awards=later_awards(
                ev,
                current_columns(inp.current, "projects", ["project_id", "provider_uscc", "award_date"]),
                current_columns(inp.current, "organisations", ["uscc"])["uscc"],
            ),
        ),
    }, {("EVALUATES", "Evaluation", "Project"): _rel(ev, "evaluation_id", "project_id")}


#: the parts of the graph built from more than one column of one register, with what each reads
#: and builds (the nodes read whole from a register are parts too: `parts`)
PARTS = (
    Part(
        "geography",
        _geography,
        reads=("communities", "district_changes", "district_changes.street_district"),
        nodes=("District",),
        rels=(("IN_DISTRICT", "Street", "District"), ("IN_STREET", "Community", "Street")),
    ),
    Part(
        "organisations",
        _organisations,
        reads=(
            "organisations",
            "organisations.status",
            "organisations.grades",
            "organisations.credit_lists",
            "hub_memberships",  # party members
            "annual_inspections",
        ),
        nodes=("SocialOrganisation", "OrgGrade", "CreditList", "AnnualInspection"),
        rels=(
            ("HAS_GRADE", "SocialOrganisation", "OrgGrade"),
            ("ON_CREDIT_LIST", "SocialOrganisation", "CreditList"),
            ("RESIDES_IN", "SocialOrganisation", "Street"),
            ("HAS_INSPECTION", "SocialOrganisation", "AnnualInspection"),
        ),
    ),
    Part(
        "hubs",
        _hubs,
        # coverage on the snapshot day: the members' active periods and the dataset's snapshot date
        reads=(
            "hubs",
            "hub_memberships.membership",
            "hub_memberships.party_branch",
            "hub_memberships.liaison",
            "organisations.status",
            DATASET,
        ),
        nodes=("Hub", "PartyBranch", "PartyLiaison"),
        rels=(
            ("UNDER", "Hub", "Hub"),
            ("FOR_STREET", "Hub", "Street"),
            ("FOR_DISTRICT", "Hub", "District"),
            ("MEMBER_OF", "SocialOrganisation", "Hub"),
            ("HAS_PARTY_BRANCH", "SocialOrganisation", "PartyBranch"),
            ("HAS_PARTY_BRANCH", "Hub", "PartyBranch"),
            ("LIAISON_FOR", "PartyLiaison", "SocialOrganisation"),
        ),
    ),
    Part(
        "network_gaps",
        _network_gaps,
        reads=(
            "organisations",
            "organisations.status",
            "hub_memberships.membership",
            "district_changes.street_district",
            "hubs",
            DATASET,
        ),
        rels=(("OUTSIDE_NETWORK", "SocialOrganisation", "Hub"),),
    ),
    Part(
        "workers",
        _workers,
        reads=("workers",),
        rels=(("EMPLOYED_BY", "SocialWorker", "SocialOrganisation"), ("SERVES", "SocialWorker", "Community")),
    ),
    Part(
        "purchases",
        _purchases,
        # the provider's standing on the award day: its grades, credit listings and inspections;
        # streets carry their funding totals, so they are built here from the committees
        reads=(
            "projects",
            "organisations",
            "organisations.grades",
            "organisations.credit_lists",
            "annual_inspections",
            "communities",
            "organisations.status",  # streets' active organisations on the snapshot day
            DATASET,
        ),
        nodes=("Street", "Purchaser", "Project", "FundingSource"),
        rels=(
            ("COMMISSIONED", "Purchaser", "Project"),
            ("AWARDED_TO", "Project", "SocialOrganisation"),
            ("DELIVERED_IN", "Project", "Community"),
            ("FUNDED_BY", "Project", "FundingSource"),
            ("STAFFED_ON", "SocialWorker", "Project"),
        ),
    ),
    Part(
        "evaluations",
        _evaluations,
        # an evaluation's later awards: the evaluated project's provider's other contracts
        reads=("evaluations", "projects", "organisations"),
        nodes=("Evaluation",),
        rels=(("EVALUATES", "Evaluation", "Project"),),
    ),
    Part(
        "linkage",
        _linkage,
        # each committee's three-way linkage on the snapshot day
        reads=("communities", "projects", "organisations", "workers", DATASET),
        nodes=("Community",),
    ),
    Part("dataset", _dataset, reads=(DATASET,), nodes=("Dataset",)),
)


def _built(part: Part, inp: GraphInput, s: Schema) -> Parts:
    """The tables of `part`, columns selected and ordered exactly as the schema declares, a node
    table's rows sorted by key and a relationship table's in the order built; refuses a table
    the part does not declare or the schema does not know (the schema stays the single source
    of truth) and a node table with a key twice."""
    nodes, rels = part.make(inp, s)
    if set(nodes) != set(part.nodes) or set(rels) != set(part.rels):
        raise ValueError(f"part {part.name} built {sorted(nodes)} {sorted(rels)}, not what it declares")
    for label in nodes:
        if label not in s.nodes:
            raise KeyError(f"node label {label} is not in graph_schema/")
    for rtype, a, b in rels:
        if rtype not in s.rels or (a, b) not in s.rels[rtype].endpoints:
            raise KeyError(f"{rtype} does not connect {a} -> {b} in graph_schema/")
    return (
        {label: _node_table(df, label, s) for label, df in nodes.items()},
        {key: _rel_table(df, key, s) for key, df in rels.items()},
    )


def _node_table(df: pd.DataFrame, label: str, s: Schema) -> pd.DataFrame:
    node = s.node(label)
    out = sorted_frame(df[node.names], [node.key])
    if (twice := repeated_keys(out, [node.key])).any():
        raise ValueError(f"{label}: duplicate keys {out.loc[twice, node.key].tolist()[:5]}")
    return out


def _rel_table(df: pd.DataFrame, key: RelKey, s: Schema) -> pd.DataFrame:
    # In the order the part built its rows, not sorted. The same inputs build them in the same
    # order (tests/test_graph_incremental.py::test_tables_do_not_depend_on_the_hash_seed); the
    # catalogue's answers and the dump are ordered, and give the same rows whatever order the
    # relationships were copied in (tests/test_relationship_order.py: ladybug 0.22 can answer a
    # pattern differently by that order, sorted or not, and the catalogue's texts avoid such
    # patterns: docs/queries.md); the store's copy took them no slower. Sorting them by (from,
    # to) was 3.8 of the national build's 16 s of table building, 3.3 in `purchases` (one process).
    rel = s.rels[key[0]]
    return df[["from", "to", *rel.names]].reset_index(drop=True)
