"""SQLite through the standard library's sqlite3: no driver to install, no DDL triggers (polling fills the log)."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ...errors import LockBusy, SchemaSyncError
from ..base import Connection, Dialect, split_on_line_ends
from . import catalog

if TYPE_CHECKING:
    from ...catalog import Catalog


class SQLiteDialect(Dialect):
    name = "sqlite"
    label = "SQLite"
    sql_dir = "sqlite"
    url_schemes = ("sqlite",)
    odbc_driver_words = ("sqlite",)
    dbms_words = ("sqlite",)
    odbc_packages = {"SQLite3": "libsqliteodbc"}  # noqa: RUF012
    no_triggers_reason = "SQLite has no DDL triggers"

    def read_catalog(self, db: Connection, *, row_counts: bool = True) -> Catalog:
        return catalog.read_catalog(db, row_counts=row_counts)

    def change_signal(self, db: Connection) -> str:
        return catalog.change_signal(db)

    def split_script(self, script: str) -> list[str]:
        """One statement at a time (the shipped scripts end each with `;` at the end of a line), so that a
        script can run inside the transaction that holds the lock (executescript would commit it)."""
        return list(split_on_line_ends(script))

    @contextlib.contextmanager
    def exclusive(self, db: Connection, timeout: float) -> Iterator[None]:
        """BEGIN IMMEDIATE on a writable connection: SQLite's write lock, held until commit or rollback, waited
        for up to `timeout` seconds (busy timeout); the operating system drops it if the process dies."""
        raw = db.raw
        (old,) = raw.execute("PRAGMA busy_timeout").fetchone()
        raw.execute(f"PRAGMA busy_timeout = {max(1, round(timeout * 1000))}")
        try:
            raw.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise LockBusy(
                    f"another process held the write lock of this SQLite database for {timeout:g} s"
                ) from None
            raise SchemaSyncError(f"cannot lock the SQLite database: {exc}") from None
        finally:
            raw.execute(f"PRAGMA busy_timeout = {int(old)}")
        try:
            yield
        finally:
            if raw.in_transaction:
                raw.rollback()


DIALECT = SQLiteDialect()
