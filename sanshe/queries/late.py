"""Which columns of a whole-answer export the embedded store gathers once per node rather than
once per row (late materialisation: pipelines/graph/late_columns.py says why and how).

A node variable's columns are gathered late when the answer has at least as many rows as the
variable's node table has nodes: reading the table once then hands over no more values than the
rows would, and usually far fewer (the national poorly-evaluated-still-funded answer: 5.4M rows,
890k organisations, 1.5M projects). The query's final RETURN is rewritten to answer each such
node's position (`offset(id(n))`, two to a column where none can be empty: `_paired`) in place of
its property columns; every other item is kept as written. Only a RETURN the rewrite cannot
change the meaning of is rewritten: not DISTINCT, no aggregate (both would group by the
positions rather than by the values), no UNION, each item a `var.property AS name`, an
expression `AS name`, or a bare name, and each late variable a node bound with one label and
not bound again by a WITH."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from pipelines.graph.late_columns import HIGH, LOW, LateColumns, LateNode, packed_offsets

#: the aggregating functions, which group the other items of their RETURN: ladybug 0.22's
#: (`CALL show_functions()`, type AGGREGATE FUNCTION; tests/test_export_late.py holds this list
#: to the installed store's) and Neo4j's others
AGGREGATES = (
    *("avg", "collect", "count", "count_star", "histogram", "max", "min", "percentilecont", "percentiledisc"),
    *("sum", "stdev", "stdevp"),
)
#: a call of one of AGGREGATES
AGGREGATE = re.compile(rf"\b({'|'.join(AGGREGATES)})\s*\(", re.I)
#: what a RETURN's items may not hold for the rewrite to keep its meaning (or to parse it safely)
UNSAFE = re.compile(r"^\s*DISTINCT\b|\bORDER\s+BY\b|\bSKIP\b|\bLIMIT\b|//|/\*", re.I)
#: the most nodes a label may have for its positions to be packed two to a column
#: (`packed_offsets`): half of what a half holds, as a table with nodes deleted holds positions
#: past its count (the store falls back to a column each where one is larger still)
PACK_NODES_MAX = 2**30


def late_columns(
    text: str,
    rows: int,
    nodes: Callable[[str], int],
    key: Callable[[str], str | None] = lambda label: None,
    pack: bool = True,
) -> tuple[str, LateColumns] | None:
    """`text` (a read query without its final ORDER BY) rewritten to answer the positions of
    the node variables worth gathering late, and how to put the answer together again; None
    when no variable is (or the RETURN is not one the rewrite may change: see the module).

    `rows` is the whole answer's row count, `nodes(label)` the nodes a label has, `key(label)`
    its key property (distinct and never empty: graph_schema's `key`), or None. With `pack`,
    positions are answered two to a column where they may be (`_paired`)."""
    if re.search(r"\bUNION\b", text, re.I):
        return None
    returns = list(re.finditer(r"\bRETURN\b", text, re.I))
    if not returns:
        return None
    head, clause = text[: returns[-1].start()], text[returns[-1].end() :]
    if UNSAFE.search(clause) or AGGREGATE.search(clause):
        return None
    items = [_item(piece) for piece in _top_level(clause)]
    if any(item is None for item in items):
        return None
    named: list[tuple[str, str]] = [item for item in items if item is not None]
    names = tuple(name for _expr, name in named)
    by_var: dict[str, list[tuple[str, str]]] = {}
    for expr, name in named:
        prop = re.fullmatch(r"(\w+)\.(\w+)", expr)
        if prop:
            by_var.setdefault(prop[1], []).append((prop[2], name))
    late: dict[str, LateNode] = {}
    for var, columns in by_var.items():
        label = _label(head, var)
        # an empty table has no dictionary for a missing node's (OPTIONAL MATCH) empty cell
        if label is not None and 0 < nodes(label) <= rows:
            keyed = key(label)
            taken = keyed if keyed in {prop for prop, _ in columns} else None
            late[var] = LateNode(_unused(f"offset_{var}", names), label, tuple(columns), taken)
    if not late:
        return None
    pairs = _paired(late, head, nodes, names) if pack else {}
    partnered = set(pairs.values())
    kept: list[str] = []
    for expr, name in named:
        var = expr.partition(".")[0]
        node = late.get(var) if re.fullmatch(r"(\w+)\.(\w+)", expr) else None
        if node is None:
            kept.append(f"{expr} AS {name}" if expr != name else name)
        elif node.columns[0][1] == name and var not in partnered:  # its first column: its position there
            position = packed_offsets(var, pairs[var]) if var in pairs else f"offset(id({var}))"
            kept.append(f"{position} AS {node.offset}")
    return f"{head}RETURN {', '.join(kept)}\n", LateColumns(tuple(late.values()), names)


def _paired(
    late: dict[str, LateNode], head: str, nodes: Callable[[str], int], names: tuple[str, ...]
) -> dict[str, str]:
    """The late variables whose positions go two to a column (`packed_offsets`), in the order
    they come, where none can be empty (no OPTIONAL MATCH in `head`) and each label has at most
    PACK_NODES_MAX nodes: the first of each pair and its partner. `late` is updated to say
    where each paired position is."""
    if re.search(r"\bOPTIONAL\b", head, re.I):
        return {}
    small = [var for var, node in late.items() if nodes(node.label) <= PACK_NODES_MAX]
    pairs = dict(zip(small[0::2], small[1::2], strict=False))
    for high, low in pairs.items():
        # unused among the answer's names and the positions' (`a, b_c` and `a_b, c` would both
        # make `offsets_a_b_c`)
        column = _unused(f"offsets_{high}_{low}", names + tuple(node.offset for node in late.values()))
        late[high] = replace(late[high], offset=column, half=HIGH)
        late[low] = replace(late[low], offset=column, half=LOW)
    return pairs


def _top_level(clause: str) -> list[str]:
    """The RETURN's items: `clause` split at the commas outside brackets and quotes."""
    pieces, depth, quote, start = [], 0, "", 0
    for i, ch in enumerate(clause):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"`":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            pieces.append(clause[start:i])
            start = i + 1
    pieces.append(clause[start:])
    return pieces


def _item(piece: str) -> tuple[str, str] | None:
    """(expression, column name) of one RETURN item; None when it has no name of its own."""
    aliased = re.fullmatch(r"\s*(.+?)\s+AS\s+(\w+)\s*", piece, re.I | re.S)
    if aliased:
        return aliased[1].strip(), aliased[2]  # as written: a literal's spaces are its value
    bare = re.fullmatch(r"\s*(\w+)\s*", piece)
    return (bare[1], bare[1]) if bare else None


def _label(head: str, var: str) -> str | None:
    """The one label `var` is bound with as a node in `head`; None when it is bound with none,
    several, or as a relationship, or bound again by a WITH ... AS."""
    labels = set(re.findall(rf"\(\s*{var}\s*:\s*(\w+)\s*[)\s{{]", head))
    if len(labels) != 1 or re.search(rf"\[\s*{var}\b|\bAS\s+{var}\b", head, re.I):
        return None
    return labels.pop()


def _unused(name: str, taken: tuple[str, ...]) -> str:
    """`name`, or `name` with underscores added until no column of the answer has it."""
    while name in taken:
        name += "_"
    return name
