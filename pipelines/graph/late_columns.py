"""Columns of an answer gathered once per node rather than once per row (late materialisation).

A whole-country answer names the same nodes on many rows: the national
poorly-evaluated-still-funded answer has 5.4M rows over 890k organisations, 1.5M projects and
1.0M evaluations. ladybug (0.22) hands a result over as Arrow value by value, so each row's
text costs it again: 2.5-2.8 s went to handing that answer's nine columns over. Asked for each
node's position in its table instead (`offset(id(n))`, an integer: four columns), the store
handed the answer over in 0.93 s and the three node tables in 0.82 s, and computed the answer
in 1.4 s rather than 1.5-2.1 s (it no longer carries the text through its joins); measured
twice in one process on the national graph, 2026-12-07. The columns are then Arrow dictionary
columns: the node table's values as the dictionary, the answer's positions as the indices, so
that ordering and gathering the rows move integers, and each is decoded to its values as it is
written (`decoded`): the file is the one the plain answer gives (tests/test_export_late.py).
Positions come two to a column where they may (`packed_offsets`), as the hand-over's cost is
by the value.

The query layer decides which nodes (sanshe/queries/late.py); this module holds what the store
needs to know and builds the columns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


@dataclass(frozen=True)
class LateNode:
    """One node variable of an answer gathered late: `offset` names the answer's column holding
    the node's position in the table of `label` (`offset(id(n))`), or, with `half`, holding it
    packed with another node's (`packed_offsets`: HIGH or LOW); `columns` are (property, column
    of the answer) pairs, taken from that table."""

    offset: str
    label: str
    columns: tuple[tuple[str, str], ...]
    #: the label's key property (distinct on every node, never empty), where among `columns`
    key: str | None = None
    #: "" where `offset` holds this node's position alone, else which half of it (HIGH, LOW)
    half: str = ""

    @property
    def position(self) -> str:
        """Where the answer holds this node's position (its `offset` column, and `half`): what
        tells its columns from another node's, as two nodes may share a column."""
        return f"{self.offset} {self.half}".rstrip()


#: the halves of a column holding two nodes' positions (`packed_offsets`)
HIGH, LOW = "high", "low"
#: the bits of a packed column the low half takes
PACKED_SHIFT = 32
#: the largest position either half may hold: the high half times 2**PACKED_SHIFT, plus the
#: low, stays below 2**63 (an int64)
PACKED_OFFSET_MAX = 2**31 - 1


def packed_offsets(high: str, low: str) -> str:
    """The RETURN expression answering two node variables' positions in one int64 column.

    Why: ladybug (0.22) hands a result over value by value, holding the GIL, so the answer's
    hand-over is on an export's critical path (the node tables' hand-overs wait for it). The
    national poorly-evaluated-still-funded answer (5.4M rows) was handed over in 0.51-0.58 s as
    two packed columns against 0.89-1.07 s as four, and computed in 0.87-0.91 s against
    0.83-1.09 s (three tries each in one process, 2026-12-07). Only for variables that cannot
    be empty (no OPTIONAL MATCH: an empty position would empty its partner's too), each of a
    label with at most 2**30 nodes (sanshe/queries/late.py); `assembled` checks the positions
    it finds against PACKED_OFFSET_MAX and raises OffsetsNotPacked where one is larger, and the
    store raises it for its own int64 overflow, which a high half past it causes in the query
    (store._overflow_unpacked)."""
    return f"offset(id({high})) * {2**PACKED_SHIFT} + offset(id({low}))"


class OffsetsNotPacked(ValueError):
    """A node position larger than PACKED_OFFSET_MAX (found in a node table, or overflowing
    the store's arithmetic), so an answer packing two positions in one column
    (`packed_offsets`) cannot be had: ask for them one per column."""


#: field metadata of a late column: the node variable it belongs to (its `position`), and
#: whether it is that node's key, so that an ordering can leave out the node's other columns
#: after its key (rows tied on a key are rows of one node: sanshe.queries.catalogue)
NODE_FIELD, KEY_FIELD = b"sanshe.node", b"sanshe.key"


@dataclass(frozen=True)
class LateColumns:
    """How to put an answer together: `names` are its columns in order, `nodes` the variables
    whose columns come from their node tables rather than from the answer's rows."""

    nodes: tuple[LateNode, ...]
    names: tuple[str, ...]

    @property
    def packed_labels(self) -> frozenset[str]:
        """The labels of the variables whose positions share a column with another's
        (`packed_offsets`); empty where each has its own."""
        return frozenset(node.label for node in self.nodes if node.half)

    def scans(self) -> dict[str, tuple[str, ...]]:
        """Each label to read and the properties read of it, for all its variables at once (a
        label two variables share, as a rated project and a later one, is read once)."""
        out: dict[str, tuple[str, ...]] = {}
        for node in self.nodes:
            out[node.label] = tuple(dict.fromkeys(out.get(node.label, ()) + tuple(p for p, _ in node.columns)))
        return out


#: the scanned tables' column naming each node's position in its table
OFFSET = "offset"


def scan_text(label: str, props: tuple[str, ...]) -> str:
    """The read query giving every node of `label` with its position (OFFSET) and `props`."""
    return f"MATCH (n:{label}) RETURN offset(id(n)) AS {OFFSET}, " + ", ".join(f"n.{p} AS {p}" for p in props)


def assembled(answer: pa.Table, late: LateColumns, scanned: Callable[[str, tuple[str, ...]], pa.Table]) -> pa.Table:
    """The answer with each late node's columns as dictionary columns, in `late.names`' order.

    `answer` holds the rows with each late node's `offset` column (int64, empty where the node
    is); `scanned(label, props)` gives the table `scan_text` answers. A dictionary's values are
    the node table's in offset order, empty where no node has the offset (a table with rows
    deleted by an incremental load has gaps); variables of one label share them, so that
    ordering ranks them once. Raises KeyError when a column named in `late` is missing."""
    columns = {name: answer[name] for name in answer.column_names}
    packed = late.packed_labels
    values: dict[tuple[str, str], pa.Array] = {}
    for label, props in late.scans().items():
        table = scanned(label, props)
        at = _by_offset(table[OFFSET])
        if label in packed and len(at) - 1 > PACKED_OFFSET_MAX:
            raise OffsetsNotPacked(f"{label} holds position {len(at) - 1:,}, more than two to a column hold")
        for prop in props:
            values[label, prop] = pc.take(one_piece(table[prop]), at)
    positions = {
        (node.offset, node.half): _unpacked(one_piece(columns[node.offset]), node.half)
        for node in late.nodes
        if node.half
    }
    for node in late.nodes:
        columns.pop(node.offset, None)
    marks: dict[str, dict[bytes, bytes]] = {}
    for node in late.nodes:
        indices = positions[node.offset, node.half] if node.half else one_piece(answer[node.offset])
        for prop, name in node.columns:
            columns[name] = pa.DictionaryArray.from_arrays(indices, values[node.label, prop])
            marks[name] = {NODE_FIELD: node.position.encode(), KEY_FIELD: b"1" if prop == node.key else b""}
    fields = [pa.field(name, columns[name].type, metadata=marks.get(name)) for name in late.names]
    return pa.table([columns[name] for name in late.names], schema=pa.schema(fields))


def _unpacked(column: pa.Array, half: str) -> pa.Array:
    """One half (HIGH or LOW) of a column of positions packed two to a value (`packed_offsets`)."""
    if half == HIGH:
        return pc.shift_right(column, PACKED_SHIFT)
    return pc.bit_wise_and(column, pa.scalar(2**PACKED_SHIFT - 1, column.type))


def _by_offset(offsets: pa.ChunkedArray) -> pa.Array:
    """For each offset from 0 to the largest, the row of the node table holding it (empty where
    none does)."""
    held = np.asarray(one_piece(offsets).to_numpy(zero_copy_only=False), dtype=np.int64)
    rows = np.full(int(held.max()) + 1 if len(held) else 0, -1, dtype=np.int64)
    rows[held] = np.arange(len(held), dtype=np.int64)
    return pa.array(rows, mask=rows < 0)


def one_piece(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    """`column` as one array: its one piece itself (not a copy, so that columns sharing a
    dictionary or indices are still seen to share them), or its pieces joined."""
    if isinstance(column, pa.ChunkedArray):
        return column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()
    return column


def decoded_column(column: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    """A dictionary column as its values; any other column as it is."""
    return column.cast(column.type.value_type) if pa.types.is_dictionary(column.type) else column


def decoded_schema(schema: pa.Schema) -> pa.Schema:
    """`schema` with each dictionary column typed as its values: the schema of the plain answer."""
    return pa.schema(
        [
            pa.field(field.name, field.type.value_type, field.nullable) if pa.types.is_dictionary(field.type) else field
            for field in schema
        ],
        metadata=schema.metadata,
    )


def decoded(table: pa.Table) -> pa.Table:
    """`table` with each dictionary column replaced by its values (what the plain answer holds)."""
    if not any(pa.types.is_dictionary(field.type) for field in table.schema):
        return table
    return pa.table([decoded_column(column) for column in table.columns], schema=decoded_schema(table.schema))
