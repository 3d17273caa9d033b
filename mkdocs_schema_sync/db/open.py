"""Opening a `ConnectionSpec` with its driver, imported only when needed; every failure is one masked line."""

from __future__ import annotations

import sqlite3
from typing import Any

from ..dialects import dialect_for_dbms
from ..errors import ConnectError, SchemaSyncError
from .database import Database
from .problems import connect_error_message, connect_problem, driver_missing, first_line, odbc_error_message
from .spec import ConnectionSpec


def open_database(spec: ConnectionSpec, writable: bool = False) -> Database:
    """Open the connection. Raises ConnectError (one masked line) when it cannot.

    SQLite opens read-only unless `writable` (the drift log's writer asks for it);
    server connections are what their user's rights make them.
    """
    if spec.driver == "sqlite3":
        return _open_sqlite(spec, writable)
    if spec.driver == "psycopg":
        return _open_psycopg(spec)
    return _open_pyodbc(spec)


def _open_sqlite(spec: ConnectionSpec, writable: bool = False) -> Database:
    assert spec.path is not None
    if not spec.path.exists():
        raise ConnectError(
            f"SQLite database {spec.path} does not exist (a missing file is never created: "
            "check the path in `connection`, relative paths start at mkdocs.yml's folder)",
            reason="the file does not exist",
        )
    if not spec.path.is_file():
        raise ConnectError(f"SQLite database {spec.path} is not a file", reason="it is not a file")
    try:
        mode = "rw" if writable else "ro"
        raw = sqlite3.connect(f"{spec.path.resolve().as_uri()}?mode={mode}", uri=True, timeout=spec.timeout)
        raw.execute("PRAGMA schema_version").fetchone()  # fails here for a file that is not SQLite
    except sqlite3.Error as exc:
        raise ConnectError(f"cannot open SQLite database {spec.path}: {exc}", reason=f"SQLite says: {exc}") from None
    assert spec.dialect is not None  # a sqlite3 spec always names its dialect
    return Database(raw, spec, spec.dialect)


def _open_psycopg(spec: ConnectionSpec) -> Database:
    try:
        import psycopg
    except ImportError:
        raise SchemaSyncError(
            "postgresql+psycopg:// needs psycopg 3: pip install 'mkdocs-schema-sync[postgres]'"
        ) from None
    try:
        raw = psycopg.connect(**spec.psycopg, autocommit=True)  # see _open_pyodbc
    except psycopg.Error as exc:
        text = first_line(exc)
        raise ConnectError(connect_error_message(spec, text), reason=connect_problem(text)) from None
    assert spec.dialect is not None  # +psycopg is only parsed for a dialect that supports it
    return Database(raw, spec, spec.dialect)


def _open_pyodbc(spec: ConnectionSpec) -> Database:
    pyodbc = import_pyodbc()
    assert spec.odbc is not None
    try:
        # Autocommit: a catalog read inside an open transaction keeps its locks (pg_get_viewdef and
        # pg_get_expr lock the relations they read) and would block the team's ALTER TABLE until
        # the connection closes, which under `mkdocs serve` is never.
        raw = pyodbc.connect(spec.odbc, timeout=max(1, int(spec.timeout)), autocommit=True)
    except pyodbc.Error as exc:
        reason = "its ODBC driver is not installed" if driver_missing(exc) else connect_problem(first_line(exc))
        raise ConnectError(odbc_error_message(spec, exc), reason=reason) from None
    dialect = spec.dialect or dialect_for_dbms(raw.getinfo(pyodbc.SQL_DBMS_NAME)).name
    return Database(raw, spec, dialect)


def import_pyodbc() -> Any:
    """pyodbc's import fails without unixODBC's libodbc.so.2; say which package brings it."""
    try:
        import pyodbc
    except ImportError as exc:
        if "libodbc" in str(exc):
            raise SchemaSyncError(
                "pyodbc cannot load the unixODBC library (libodbc.so.2): install it with "
                "`apt-get install unixodbc` (Debian/Ubuntu) or `brew install unixodbc` (macOS)"
            ) from None
        raise SchemaSyncError("pyodbc is not installed: pip install pyodbc") from None
    return pyodbc
