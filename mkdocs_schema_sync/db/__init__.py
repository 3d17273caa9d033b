"""Connections: parsing what the user wrote, opening it with the right driver, and the `Database` wrapper."""

from .database import Database
from .open import import_pyodbc, open_database
from .spec import ConnectionSpec, expand_env, odbc_pairs, parse_connection

__all__ = [
    "ConnectionSpec",
    "Database",
    "expand_env",
    "import_pyodbc",
    "odbc_pairs",
    "open_database",
    "parse_connection",
]
