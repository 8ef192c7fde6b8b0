"""The schema's value types, declared once: for each type its embedded-store (ladybug) column
type, neo4j-admin import header type, Frictionless Data field type, Arrow type, the Python
value Neo4j is sent, and its text form in CSV files. Every exporter and store looks types up
here; `missing` and `to_text` are the one "no value" test and the one value-to-text function.

Sources: ladybug (Kùzu) data types; neo4j-admin 5 "import full" header types; Frictionless
Table Schema v2 field types; Arrow's int64/float64/date32/bool_/string.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


def missing(v: object) -> bool:
    """No value: None, a float NaN, pandas' NaT or NA (told by type name, so this module needs
    no pandas)."""
    return v is None or (isinstance(v, float) and v != v) or type(v).__name__ in ("NaTType", "NAType")


def day(v: object) -> dt.date:
    """A date, a datetime or a pandas Timestamp (a datetime) as the date; ISO text read as one."""
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    return dt.date.fromisoformat(str(v)[:10])


def _bool_text(v: object) -> str:
    return "true" if v else "false"


@dataclass(frozen=True)
class ValueType:
    name: str
    #: column type in the embedded store's DDL
    ladybug: str
    #: type in a neo4j-admin import header (`population:long`)
    neo4j_import: str
    #: Frictionless Table Schema field type
    frictionless: str
    #: pyarrow type factory name (`pa.int64`)
    arrow: str
    #: a present value as the Python value the Neo4j driver must send (an int column with gaps
    #: arrives from pandas as float, and Neo4j must still store an integer)
    cast: Callable[[Any], object]
    #: a present value as CSV text (release tables, import bundle); `from_text` reads it back
    text: Callable[[Any], str]
    from_text: Callable[[str], object]

    def arrow_type(self):
        import pyarrow as pa

        return getattr(pa, self.arrow)()


TYPES: dict[str, ValueType] = {
    t.name: t
    for t in (
        ValueType("string", "STRING", "string", "string", "string", str, str, str),
        ValueType("int", "INT64", "long", "integer", "int64", int, lambda v: str(int(v)), int),
        ValueType("float", "DOUBLE", "double", "number", "float64", float, lambda v: repr(float(v)), float),
        ValueType("date", "DATE", "date", "date", "date32", day, lambda v: day(v).isoformat(), dt.date.fromisoformat),
        ValueType("bool", "BOOLEAN", "boolean", "boolean", "bool_", bool, _bool_text, lambda s: s == "true"),
    )
}


def to_text(v: object, type_: str = "string") -> str:
    """`v` as CSV text for a column of schema type `type_`: empty when missing; a date, datetime
    or Timestamp as ISO day whatever the column's type (a key may be a date)."""
    if missing(v):
        return ""
    if isinstance(v, dt.date):
        return day(v).isoformat()
    return TYPES[type_].text(v)
