"""Which fields a contract's cross-field rule reads, found in the rule's own source.

The column pass runs a rule once per distinct combination of the fields it reads, not once
per row: an evaluation's grade-for-score finding meets a few hundred (score, grade) pairs in a
million rows. That is only sound when the rule reads nothing else, so the answer is a set of
fields only where the source shows it plainly: `self` appears only as `self.<field>`,
`self.<constant>` (a class attribute holding text, a number, a frozenset or a tuple) or
`return self`. Anything else (a method or property of `self`, `self.__dict__`, a mutable
class attribute, `self` handed to a function, `super()`, source that cannot be read) gives
None, and the rule is run on every row with every field, as the model itself would.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel


def fields_read(func: Callable[..., Any], model: type[BaseModel]) -> frozenset[str] | None:
    """The model fields `func` (a rule taking the row as its first argument, or a method such
    as `findings`) reads through that argument; None when its source does not show that
    plainly (see the module's docstring)."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    except (OSError, TypeError, SyntaxError):
        return None
    defs = [n for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    if len(defs) != 1 or not defs[0].args.args:
        return None
    me = defs[0].args.args[0].arg
    parents = {child: node for node in ast.walk(defs[0]) for child in ast.iter_child_nodes(node)}
    read: set[str] = set()
    for node in ast.walk(defs[0]):
        if isinstance(node, ast.Name) and node.id == "super":
            return None
        if not (isinstance(node, ast.Name) and node.id == me):
            continue
        parent = parents.get(node)
        if isinstance(parent, ast.Return):
            continue
        if not (isinstance(parent, ast.Attribute) and isinstance(parent.ctx, ast.Load)):
            return None
        if parent.attr in model.model_fields:
            read.add(parent.attr)
        elif parent.attr.startswith("__") or not isinstance(getattr(model, parent.attr, None), _CONSTANTS):
            return None
    return frozenset(read)


#: the class attributes a rule may read through the row: values that cannot change between rows
#: (a method or property may read any field, `self.__dict__` every field, a set may be added to)
_CONSTANTS = (str, int, float, bytes, frozenset, tuple)
