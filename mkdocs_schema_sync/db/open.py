"""Opening a `ConnectionSpec` with its driver, imported only when needed; every failure is one masked line."""

from __future__ import annotations

import sqlite3
from typing import Any

from ..dialects import dialect_for_dbms, get_dialect
from ..errors import ConnectError, SchemaSyncError, Unreachable
from ..masking import mask
from .database import Database
from .deadline import CallLeftRunning, DeadlinePassed, call_with_deadline
from .problems import connect_error, first_line, odbc_error
from .spec import ConnectionSpec
from .watchdog import new_stream_sockets, open_fds


def open_database(spec: ConnectionSpec, writable: bool = False) -> Database:
    """Open the connection. Raises ConnectError (one masked line) when it cannot.

    SQLite opens read-only unless `writable` (the drift log's writer asks for it);
    server connections are what their user's rights make them.
    """
    if spec.driver == "sqlite3":
        return _open_sqlite(spec, writable)
    if spec.driver == "psycopg":
        return _open_psycopg(spec)
    if spec.driver == "mssqlpython":
        return _open_mssql_python(spec)
    return _open_pyodbc(spec)


def _open_sqlite(spec: ConnectionSpec, writable: bool = False) -> Database:
    assert spec.path is not None
    if not spec.path.exists():  # perhaps a volume not mounted yet: treated as unreachable
        raise Unreachable(
            f"SQLite database {spec.path} does not exist (a missing file is never created: "
            "check the path in `connection`, relative paths start at mkdocs.yml's folder)",
            reason="the file does not exist",
        )
    if not spec.path.is_file():
        raise ConnectError(f"SQLite database {spec.path} is not a file", reason="it is not a file")
    try:
        mode = "rw" if writable else "ro"
        # the busy timeout bounds waiting for another process's write lock
        uri = f"{spec.path.resolve().as_uri()}?mode={mode}"
        raw = sqlite3.connect(uri, uri=True, timeout=min(spec.timeout, spec.query_timeout))
        raw.text_factory = Utf8Replacing()
        raw.execute("PRAGMA schema_version").fetchone()  # fails here for a file that is not SQLite
    except sqlite3.Error as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise Unreachable(
                f"SQLite database {spec.path} is locked by another process: {exc}", reason="it is locked"
            ) from None
        if "not a database" in str(exc):
            raise ConnectError(
                f"cannot open SQLite database {spec.path}: it is not a SQLite database ({exc}); "
                "check the path in `connection`",
                reason="it is not a SQLite database",
            ) from None
        raise ConnectError(f"cannot open SQLite database {spec.path}: {exc}", reason=f"SQLite says: {exc}") from None
    assert spec.dialect is not None  # a sqlite3 spec always names its dialect
    return Database(raw, spec, spec.dialect, sockets=[])


class Utf8Replacing:
    """sqlite3's text_factory: SQLite stores whatever bytes it was given, and one byte that is not UTF-8 in a
    stored CREATE statement would fail every catalog query. Such text is read with U+FFFD in place of the
    bad bytes; `replaced` counts how often, so the reader can say so (once)."""

    def __init__(self) -> None:
        self.replaced = 0

    def __call__(self, data: bytes) -> str:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            self.replaced += 1
            return data.decode("utf-8", "replace")


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
        raise connect_error(spec, first_line(exc)) from None
    assert spec.dialect is not None  # +psycopg is only parsed for a dialect that supports it
    return _bounded(Database(raw, spec, spec.dialect, sockets=[raw.pgconn.socket]))


def _open_pyodbc(spec: ConnectionSpec) -> Database:
    pyodbc = import_pyodbc()
    assert spec.odbc is not None
    if spec.default_driver and spec.dialect:  # SQL Server: a registered driver, else the bundled library
        spec.odbc = get_dialect(spec.dialect).locate_odbc_driver(spec.odbc, list(pyodbc.drivers()))
    try:
        # Autocommit: a catalog read inside an open transaction keeps its locks (pg_get_viewdef and
        # pg_get_expr lock the relations they read) and would block the team's ALTER TABLE until
        # the connection closes, which under `mkdocs serve` is never.
        fds_before = open_fds()
        raw = call_with_deadline(
            lambda: pyodbc.connect(spec.odbc, timeout=max(1, int(spec.timeout)), autocommit=True),
            connect_deadline(spec),
            None,  # not cut: MariaDB's driver crashes when its socket fails under it (db/deadline.py)
        )
    except pyodbc.Error as exc:
        raise odbc_error(spec, exc) from None
    except CallLeftRunning as exc:  # Ctrl-C while connecting, and the driver still at it 5 s later
        raise CallLeftRunning(f"{exc} (connecting to {spec.display})") from None
    except DeadlinePassed:
        raise Unreachable(
            f"{spec.display} did not finish connecting within {connect_deadline(spec):g} s "
            "(connect_timeout plus a grace for the driver's first queries): the server or the network stalled",
            reason="it stalled while connecting",
        ) from None
    sockets = new_stream_sockets(fds_before)  # the driver's connection (see db/watchdog.py)
    dialect = spec.dialect or dialect_for_dbms(raw.getinfo(pyodbc.SQL_DBMS_NAME)).name
    return _bounded(Database(raw, spec, dialect, sockets=sockets))


def connect_deadline(spec: ConnectionSpec) -> float:
    """How long `pyodbc.connect` may take: the login timeout, then the driver's own first queries, bounded
    like any query (`query_timeout`)."""
    return max(1, int(spec.timeout)) + spec.query_timeout + 1


def _open_mssql_python(spec: ConnectionSpec) -> Database:
    """Microsoft's mssql-python: its own bundled driver, Microsoft Entra ID sign-in through azure-identity."""
    try:
        import mssql_python
    except ImportError:
        raise SchemaSyncError(
            "mssql+mssqlpython:// needs Microsoft's mssql-python: pip install 'mkdocs-schema-sync[mssql]'"
        ) from None
    assert spec.odbc is not None and spec.dialect is not None
    try:
        fds_before = open_fds()
        raw = mssql_python.connect(spec.odbc, autocommit=True, timeout=max(1, int(spec.timeout)))  # see _open_pyodbc
    except mssql_python.ConnectionStringParseError as exc:
        raise ConnectError(
            f"mssql-python refused the connection string of {spec.display}: {mask('; '.join(exc.errors))}",
            reason="its connection string has a keyword mssql-python does not know",
        ) from None
    except (mssql_python.Error, RuntimeError, ValueError) as exc:  # RuntimeError: azure-identity sign-in failed
        raise connect_error(spec, first_line(exc)) from None
    return _bounded(Database(raw, spec, spec.dialect, sockets=new_stream_sockets(fds_before)))


def _bounded(db: Database) -> Database:
    """Let the server bound every statement and lock wait by `query_timeout` (the watchdog is our own bound)."""
    try:
        db.guarded(lambda: db.dialect.set_query_timeout(db, db.spec.query_timeout))
    except Unreachable:
        db.close()
        raise
    except Exception as exc:
        db.close()
        raise Unreachable(
            f"{db.spec.display} did not accept its session settings (query_timeout): {first_line(exc)}",
            reason="it did not accept its session settings (query_timeout)",
        ) from None
    return db


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
