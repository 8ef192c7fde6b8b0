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
    the node's position in the table of `label` (`offset(id(n))`); `columns` are (property,
    column of the answer) pairs, taken from that table."""

    offset: str
    label: str
    columns: tuple[tuple[str, str], ...]
    #: the label's key property (distinct on every node, never empty), where among `columns`
    key: str | None = None


#: field metadata of a late column: the node variable it belongs to (its `offset` column's
#: name), and whether it is that node's key, so that an ordering can leave out the node's other
#: columns after its key (rows tied on a key are rows of one node: sanshe.queries.catalogue)
NODE_FIELD, KEY_FIELD = b"sanshe.node", b"sanshe.key"


@dataclass(frozen=True)
class LateColumns:
    """How to put an answer together: `names` are its columns in order, `nodes` the variables
    whose columns come from their node tables rather than from the answer's rows."""

    nodes: tuple[LateNode, ...]
    names: tuple[str, ...]

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
    values: dict[tuple[str, str], pa.Array] = {}
    for label, props in late.scans().items():
        table = scanned(label, props)
        at = _by_offset(table[OFFSET])
        for prop in props:
            values[label, prop] = pc.take(one_piece(table[prop]), at)
    marks: dict[str, dict[bytes, bytes]] = {}
    for node in late.nodes:
        indices = one_piece(columns.pop(node.offset))
        for prop, name in node.columns:
            columns[name] = pa.DictionaryArray.from_arrays(indices, values[node.label, prop])
            marks[name] = {NODE_FIELD: node.offset.encode(), KEY_FIELD: b"1" if prop == node.key else b""}
    fields = [pa.field(name, columns[name].type, metadata=marks.get(name)) for name in late.names]
    return pa.table([columns[name] for name in late.names], schema=pa.schema(fields))


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
