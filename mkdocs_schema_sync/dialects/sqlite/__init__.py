"""SQLite through the standard library's sqlite3: no driver to install, no DDL triggers (polling fills the log)."""

from __future__ import annotations

import fcntl
import hashlib
import time
from pathlib import Path
from typing import IO, TYPE_CHECKING

from ..base import Connection, Dialect
from ..statements import Statement, split_sqlite
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
    #: a deploy takes the write lock up front: no other writer slips in between its statements
    begin_sql = "BEGIN IMMEDIATE"

    def read_catalog(self, db: Connection, *, row_counts: bool = True) -> Catalog:
        return catalog.read_catalog(db, row_counts=row_counts)

    def change_signal(self, db: Connection) -> str:
        return catalog.change_signal(db)

    def split_migration(self, text: str) -> list[Statement]:
        """SQLite's quoting ([names], `names`) and CREATE TRIGGER … BEGIN … END bodies."""
        return split_sqlite(text)

    transaction_words = (
        ("begin",),
        ("commit",),
        ("end",),
        ("rollback",),
        ("savepoint",),
        ("release",),
    )

    def transaction_mark(self, db: Connection, *, start: bool) -> object | None:
        """sqlite3 says whether a transaction is open: COMMIT or ROLLBACK in a file closes the deploy's."""
        return bool(db.raw.in_transaction)

    def try_lock(self, db: Connection, name: str, wait: float) -> bool:
        """SQLite has no named session locks: an flock on a file beside the database, held by this connection."""
        path = _lock_path(db, name)
        handle = open(path, "a+b")  # noqa: SIM115 - kept open while the lock is held
        deadline = time.monotonic() + max(0.0, wait)
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.close()
                    return False
                time.sleep(0.05)
                continue
            _held.setdefault(id(db), {})[name] = handle
            return True

    def unlock(self, db: Connection, name: str) -> None:
        handle = _held.get(id(db), {}).pop(name, None)
        if handle is not None:
            handle.close()  # closing the file gives the flock back

    def end_session(self, db: Connection) -> None:
        for handle in _held.pop(id(db), {}).values():
            handle.close()


#: open lock files by connection, then lock name (the process's own; flock dies with the process)
_held: dict[int, dict[str, IO[bytes]]] = {}


def _lock_path(db: Connection, name: str) -> Path:
    rows = db.query("SELECT file FROM pragma_database_list WHERE name = 'main'")
    database = Path(rows[0][0]) if rows and rows[0][0] else Path.cwd() / "sqlite"
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:12]
    return database.with_name(f".{database.name}.schema-sync-{digest}.lock")


DIALECT = SQLiteDialect()
