"""The graph schema, declared once in YAML; everything else about the graph is derived from it."""

from .model import NodeType, Property, RelType, Schema, SchemaError, load, schema

__all__ = ["NodeType", "Property", "RelType", "Schema", "SchemaError", "load", "schema"]
