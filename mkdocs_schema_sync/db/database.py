"""`Database`: an open connection, the dialect that reads it, and the few ways the core talks to it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

from ..dialects import get_dialect
from ..errors import SchemaSyncError
from .problems import PERMISSION, first_line
from .spec import ConnectionSpec


class Database:
    """An open connection and the dialect that reads it.

    All catalog SQL goes through `query`, with `?` placeholders for sqlite3 and
    pyodbc; the psycopg path binds `%s`, so dialect SQL that must run on both
    PostgreSQL drivers takes no parameters or uses `self.param`.
    """

    def __init__(self, raw: Any, spec: ConnectionSpec, dialect_name: str) -> None:
        self.raw = raw
        self.spec = spec
        self.dialect = get_dialect(dialect_name)
        self.param = "%s" if spec.driver == "psycopg" else "?"
        self.queries = 0  # counted, so tests can prove "one query per check"

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        self.queries += 1
        cur = self.raw.cursor()
        try:
            if params:
                cur.execute(sql, tuple(params))
            else:  # no parameters: psycopg then leaves `%` alone, pyodbc sends the text as is
                cur.execute(sql)
            if cur.description is None:
                return []
            rows = cur.fetchall()
            if self.spec.driver == "pyodbc":  # pyodbc.Row: make plain tuples; the others already are
                return [tuple(row) for row in rows]
            return rows  # type: ignore[no-any-return]
        except Exception as exc:  # driver errors carry the statement; mask and shorten
            text = first_line(exc)
            if PERMISSION.search(text):
                raise SchemaSyncError(
                    f"permission denied reading the catalog of {self.spec.display}: {text}. "
                    "Connect as a user that may read the system catalog (PostgreSQL: pg_catalog; "
                    "MySQL/MariaDB: SELECT on the documented database; SQL Server: VIEW DEFINITION)"
                ) from None
            raise SchemaSyncError(f"{self.dialect.name} query failed: {text}") from None
        finally:
            cur.close()

    def execute_script(self, sql: str) -> None:
        """Run statements that change the database (trigger installs, deploys); a failure is one masked line.

        Every result set is drained: pyodbc reports an error raised after the first
        row count of a batch (SQL Server) only from `nextset()`, so a batch whose
        later statement failed would otherwise pass for a success.
        """
        self.queries += 1
        try:
            if self.spec.driver == "sqlite3":
                self.raw.executescript(sql)
                return
            cur = self.raw.cursor()
            try:
                cur.execute(sql)
                while cur.nextset():
                    pass
            finally:
                cur.close()
        except Exception as exc:  # driver errors carry the statement; mask and shorten
            raise SchemaSyncError(f"{self.dialect.name} script failed: {first_line(exc)}") from None

    def execute(self, statement: str) -> None:
        """Run one statement of a user's file (a deploy); driver errors propagate for the caller to record."""
        self.queries += 1
        cur = self.raw.cursor()
        try:
            cur.execute(statement)
            if self.spec.driver == "pyodbc":  # pyodbc hides errors after the first result unless all are drained
                while cur.nextset():
                    pass
        finally:
            cur.close()

    def begin(self) -> None:
        """Open an explicit transaction that DDL joins too (a deploy's file, a plan); end it with `end`."""
        if self.spec.driver == "sqlite3":  # take over from sqlite3's implicit transactions (they skip DDL)
            self.raw.isolation_level = None
            self.raw.execute(self.dialect.begin_sql)
        else:
            self.raw.autocommit = False

    def end(self, commit: bool) -> None:
        """Commit or roll back what `begin` opened, and go back to autocommit."""
        try:
            if commit:
                self.raw.commit()
            else:
                self.rollback_quietly()
        finally:
            if self.spec.driver != "sqlite3":
                self.raw.autocommit = True

    def run_script(self, script: str) -> None:
        """Run a shipped script in the parts the dialect splits it into (GO batches, MySQL statements)."""
        for part in self.dialect.split_script(script):
            self.execute_script(part)

    @property
    def driver(self) -> str:
        return self.spec.driver

    def commit(self) -> None:
        self.raw.commit()

    def rollback_quietly(self) -> None:
        """End whatever transaction is open, ignoring that there is none (autocommit) or that it failed.

        After a failed statement PostgreSQL refuses more in the same transaction,
        and a read left open holds a snapshot; callers end both this way.
        """
        with contextlib.suppress(Exception):
            self.raw.rollback()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Run the block in one transaction; callers commit, anything else is rolled back.

        Server connections are opened in autocommit so that catalog reads hold no
        locks (a long `mkdocs serve` would otherwise block other sessions' DDL);
        writes that must be all-or-nothing (installs, the polled log) use this.
        """
        if self.spec.driver == "sqlite3":  # sqlite3 opens transactions implicitly
            yield
            return
        self.raw.autocommit = False
        try:
            yield
        finally:
            self.rollback_quietly()  # after a commit there is nothing left to undo
            self.raw.autocommit = True

    def close(self) -> None:
        self.dialect.end_session(self)
        with contextlib.suppress(Exception):  # closing a broken connection must not hide the real error
            self.raw.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
