"""SQLite through the standard library's sqlite3: no driver to install, no DDL triggers (polling fills the log)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..base import Connection, Dialect
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


DIALECT = SQLiteDialect()
