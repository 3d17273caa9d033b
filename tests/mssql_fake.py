"""A pyodbc-shaped connection that records what is sent: the only fake the project allows, and only for SQL Server.

No SQL Server can run here. `RecordingConnection` answers the way pyodbc does
(result sets walked with `nextset()`, errors raised from it), and `answer`
scripts the rows a statement returns.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyodbc
from conftest import TEST_PASSWORD

from mkdocs_schema_sync.db import Database, parse_connection
from mkdocs_schema_sync.dialects.sqlfiles import read_sql

#: what ODBC Driver 18 reports when the second statement of a batch fails (message 2714)
SECOND_STATEMENT_ERROR = (
    "42S01",
    "[42S01] [Microsoft][ODBC Driver 18 for SQL Server][SQL Server]There is already an object named "
    "'drift_log' in the database. (2714) (SQLMoreResults)",
)


class RecordingCursor:
    """Records each batch; result `fail_at` (1 = the first) raises the way pyodbc does, from `nextset()`."""

    def __init__(self, conn: RecordingConnection) -> None:
        self.conn = conn
        self.results_left = 0
        self.position = 0
        self.description = None

    def execute(self, sql: str, *params: Any) -> RecordingCursor:
        self.conn.sent.append(sql)
        self.rows = self.conn.answer(sql, params[0] if params else ())
        if self.rows is None and "sp_getapplock" in sql:  # no other session here: the lock is granted (0)
            self.rows = [(0,)]
        self.description = None if self.rows is None else [("value",)]
        self.results_left = self.conn.results_per_batch
        self.position = 1
        if self.conn.fail_at == 1:
            raise pyodbc.ProgrammingError(*SECOND_STATEMENT_ERROR)
        return self

    def nextset(self) -> bool:
        self.conn.nextset_calls += 1
        if self.position >= self.results_left:
            return False
        self.position += 1
        if self.conn.fail_at == self.position:
            raise pyodbc.ProgrammingError(*SECOND_STATEMENT_ERROR)
        return True

    def fetchall(self) -> list[Any]:
        return list(self.rows or [])

    def close(self) -> None:
        self.conn.closed_cursors += 1


class RecordingConnection:
    """A pyodbc connection as far as `Database` uses it; nothing reaches a server."""

    def __init__(
        self,
        *,
        results_per_batch: int = 3,
        fail_at: int | None = None,
        answer: Callable[[str, tuple[Any, ...]], list[tuple[Any, ...]] | None] = lambda sql, params: None,
    ) -> None:
        self.answer = answer  # rows a statement returns (None: no result set)
        self.results_per_batch = results_per_batch
        self.fail_at = fail_at
        self.sent: list[str] = []
        self.nextset_calls = 0
        self.closed_cursors = 0
        self.commits = 0
        self.rollbacks = 0
        self.autocommit = True

    def cursor(self) -> RecordingCursor:
        return RecordingCursor(self)

    def commit(self) -> None:
        self.commits += 1

    def rollback(self) -> None:
        self.rollbacks += 1


def mssql_db(raw: RecordingConnection) -> Database:
    return Database(raw, parse_connection(f"mssql://sa:{TEST_PASSWORD}@sql01/Sales"), "mssql")


def poll_answers(state: dict[str, str]) -> Callable[[str, tuple[Any, ...]], list[tuple[Any, ...]] | None]:
    """Rows for a poll: the change signal, the given install_info rows, empty catalog queries."""
    signal_sql = read_sql("mssql", "change_signal.sql")

    def answer(sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]] | None:
        if sql == signal_sql:
            return [(12, "2024-05-01T10:00:00.123", 99, -7, 0, 0)]
        if sql.startswith("SELECT name, value FROM schema_sync.install_info WHERE name IN"):
            return [(n, state[n]) for n in params if n in state]
        if sql.startswith("SELECT"):
            return []
        return None

    return answer
