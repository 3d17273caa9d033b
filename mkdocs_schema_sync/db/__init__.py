"""Connections: parsing what the user wrote, opening it with the right driver, and the `Database` wrapper."""

from .database import Database
from .open import import_pyodbc, open_database
from .spec import ConnectionSpec, connection_spec, expand_env, odbc_pairs, parse_connection

__all__ = [
    "ConnectionSpec",
    "Database",
    "connection_spec",
    "expand_env",
    "import_pyodbc",
    "odbc_pairs",
    "open_database",
    "parse_connection",
]
