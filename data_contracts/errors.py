"""sanshe's program errors: one hierarchy under `SansheError`, so the command line catches
exactly these and shows their message, and anything else is a bug that shows its traceback.

They live in the bottom layer (data_contracts imports nothing of sanshe's) so that every layer
above can raise them. A problem in a *row* is never an exception: it is an issue in the
quarantine report (data_contracts/validation.py). These are for the run itself.
"""

from __future__ import annotations


class SansheError(Exception):
    """Base of every error sanshe raises on purpose; its message is meant for the person at the
    terminal and names what to do."""


class ConfigurationError(SansheError):
    """A setting, an environment variable or manifest.yaml is missing or invalid."""


class GraphNotLoadedError(SansheError):
    """The graph the command needs is not there (no store, or no Dataset node): run `sanshe run`."""


class StoreUnavailableError(SansheError):
    """The graph store cannot be reached or opened (Neo4j down, credentials refused, a lock)."""


class PersonalDataFoundError(SansheError):
    """Personal data was found in something about to be published; nothing was written."""


class QueryError(SansheError):
    """A catalogue query was asked for wrongly: unknown name, unknown or malformed parameter."""


class SchemaError(SansheError):
    """graph_schema/ is inconsistent (unknown type, undeclared endpoint, duplicate name)."""
