"""MySQL and MariaDB through pyodbc (MariaDB Connector/ODBC): no DDL triggers, polling fills the log."""

from __future__ import annotations

import hashlib
import math
from typing import TYPE_CHECKING

from ..base import Connection, Dialect, split_on_line_ends
from ..statements import Statement, code_words
from . import catalog
from .statements import split_mysql

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

    def split_migration(self, text: str) -> list[Statement]:
        """As the mysql client reads a script: backslash escapes, `#` comments, `DELIMITER //` blocks."""
        return split_mysql(text)

    transaction_words = (
        ("begin",),
        ("start", "transaction"),
        ("commit",),
        ("rollback",),
        ("savepoint",),
        ("release",),
        ("xa",),
    )

    def transaction_control(self, statement: str) -> str | None:
        """Also SET autocommit, and COMMIT inside a MariaDB `BEGIN NOT ATOMIC … END` block."""
        words = code_words(statement, limit=4)
        if words[:1] == ["set"] and "autocommit" in words[1:4]:
            return "SET AUTOCOMMIT"
        if words[:3] == ["begin", "not", "atomic"]:
            found = {"commit", "rollback"} & set(code_words(statement))
            return " ".join(sorted(found)).upper() or None
        return super().transaction_control(statement)

    def set_deploy_timeout(self, db: Connection, seconds: float | None) -> None:
        """max_statement_time (MariaDB; MySQL has no bound on DDL) and lock_wait_timeout (0/a year: none)."""
        lock_wait = 31_536_000 if seconds is None else max(1, math.ceil(seconds))
        statement = 0 if seconds is None else seconds
        try:
            db.query(f"SET SESSION max_statement_time = {statement:.3f}, lock_wait_timeout = {lock_wait}")
        except Exception:  # MySQL: no max_statement_time
            db.query(f"SET SESSION max_execution_time = {round(statement * 1000)}, lock_wait_timeout = {lock_wait}")

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
        rows = db.query(f"SELECT GET_LOCK({db.param}, {db.param})", (_lock_name(db, name), max(0, round(wait))))
        return bool(rows and rows[0][0] is not None and int(rows[0][0]) == 1)

    def unlock(self, db: Connection, name: str) -> None:
        db.query(f"SELECT RELEASE_LOCK({db.param})", (_lock_name(db, name),))

    def lock_holder(self, db: Connection, name: str) -> str | None:
        rows = db.query(f"SELECT IS_USED_LOCK({db.param})", (_lock_name(db, name),))
        if not rows or rows[0][0] is None:
            return None
        holder = int(rows[0][0])
        return (
            f"connection id {holder}; if that deploy was killed and its statement runs on, end it with "
            f"KILL QUERY {holder} (or KILL {holder})"
        )


def _lock_name(db: Connection, name: str) -> str:
    """Scoped to the database (GET_LOCK names are server-wide), within MySQL's 64-character limit."""
    rows = db.query("SELECT DATABASE()")
    database = str(rows[0][0]) if rows and rows[0][0] is not None else ""
    return "ss:" + hashlib.sha256(f"{database}\n{name}".encode()).hexdigest()[:40]


DIALECT = MySQLDialect()
