"""MySQL and MariaDB through pyodbc (MariaDB Connector/ODBC): no DDL triggers, polling fills the log."""

from __future__ import annotations

import hashlib
import math
from typing import TYPE_CHECKING

from ..base import Connection, Dialect, split_on_line_ends
from ..statements import split_delimited
from . import catalog

if TYPE_CHECKING:
    from ...catalog import Catalog


class MySQLDialect(Dialect):
    name = "mysql"
    label = "MySQL/MariaDB"
    sql_dir = "mysql"
    url_schemes = ("mysql", "mariadb")
    system_schemas = frozenset({"mysql", "information_schema", "performance_schema", "sys"})
    default_port = 3306
    default_odbc_driver = "MariaDB Unicode"
    odbc_driver_words = ("mariadb", "mysql")
    dbms_words = ("mysql", "mariadb")
    odbc_packages = {"MariaDB Unicode": "odbc-mariadb", "MariaDB": "odbc-mariadb"}  # noqa: RUF012
    no_triggers_reason = "MySQL/MariaDB have no DDL triggers"
    transactional_ddl = False  # every DDL statement commits: deploys go statement by statement
    current_user_sql = "SELECT CURRENT_USER()"

    def read_catalog(self, db: Connection, *, row_counts: bool = True) -> Catalog:
        return catalog.read_catalog(db, row_counts=row_counts)

    def change_signal(self, db: Connection) -> str:
        return catalog.change_signal(db)

    def quote_ident(self, name: str) -> str:
        return "`" + name.replace("`", "``") + "`"

    def split_script(self, script: str) -> list[str]:
        """One statement at a time: the shipped scripts end each with `;` at the end of a line."""
        return list(split_on_line_ends(script))

    def split_migration(self, text: str) -> list[str]:
        """`DELIMITER //` blocks as the mysql client reads them, the rest by sqlparse."""
        return split_delimited(text)

    def odbc_defaults(self, keys: set[str], timeout: int) -> list[str]:
        """MariaDB Connector/ODBC ignores the ODBC login timeout and waits for the greeting until CONN_TIMEOUT."""
        return [] if "CONN_TIMEOUT" in keys else [f"CONN_TIMEOUT={timeout}"]

    def set_query_timeout(self, db: Connection, seconds: float) -> None:
        """MariaDB: max_statement_time (seconds); MySQL: max_execution_time (ms, SELECT only). Both:
        lock_wait_timeout for metadata locks (whole seconds)."""
        lock_wait = max(1, math.ceil(seconds))
        cur = db.raw.cursor()
        try:
            try:
                cur.execute(f"SET SESSION max_statement_time = {seconds:.3f}, lock_wait_timeout = {lock_wait}")
            except Exception:  # MySQL has no max_statement_time
                ms = round(seconds * 1000)
                cur.execute(f"SET SESSION max_execution_time = {ms}, lock_wait_timeout = {lock_wait}")
        finally:
            cur.close()

    def prepare_text_io(self, db: Connection) -> None:
        """MariaDB's ODBC driver garbles long wide-character parameters: bind and read text as UTF-8 instead."""
        if db.driver != "pyodbc":
            return
        import pyodbc

        db.raw.setencoding(encoding="utf-8")
        db.raw.setdecoding(pyodbc.SQL_CHAR, encoding="utf-8")
        db.raw.setdecoding(pyodbc.SQL_WCHAR, encoding="utf-8")

    def try_lock(self, db: Connection, name: str, wait: float) -> bool:
        """GET_LOCK: owned by the session, released when it ends; names are at most 64 characters."""
        rows = db.query(f"SELECT GET_LOCK({db.param}, {db.param})", (_lock_name(name), max(0, round(wait))))
        return bool(rows and rows[0][0] is not None and int(rows[0][0]) == 1)

    def unlock(self, db: Connection, name: str) -> None:
        db.query(f"SELECT RELEASE_LOCK({db.param})", (_lock_name(name),))


def _lock_name(name: str) -> str:
    """Scoped to the database (GET_LOCK names are server-wide), within MySQL's 64-character limit."""
    return "ss:" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:40]


DIALECT = MySQLDialect()
