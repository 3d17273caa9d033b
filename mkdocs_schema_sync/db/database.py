"""`Database`: an open connection, the dialect that reads it, and the few ways the core talks to it."""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from ..dialects import get_dialect
from ..errors import SchemaSyncError, Unreachable
from .deadline import CallLeftRunning, DeadlinePassed, call_with_deadline
from .problems import LOST, PERMISSION, TIMEOUT, first_line
from .spec import ConnectionSpec
from .watchdog import Watchdog

T = TypeVar("T")
#: a write of schema-sync's own tables (the drift log, the state): its table, for a permission message
_WRITE = re.compile(r"\s*(UPDATE|INSERT\s+INTO|DELETE\s+FROM)\s+([\w.\"\[\]]+)", re.IGNORECASE)


class Database:
    """An open connection and the dialect that reads it.

    All catalog SQL goes through `query`, with `?` placeholders for sqlite3 and
    pyodbc; the psycopg path binds `%s`, so dialect SQL that must run on both
    PostgreSQL drivers takes no parameters or uses `self.param`.
    """

    def __init__(self, raw: Any, spec: ConnectionSpec, dialect_name: str, sockets: list[int] | None = None) -> None:
        self.raw = raw
        self.spec = spec
        self.dialect = get_dialect(dialect_name)
        self.param = "%s" if spec.driver == "psycopg" else "?"
        self.queries = 0  # counted, so tests can prove "one query per check"
        # our own bound behind the server's: a little later than query_timeout, so the server's error wins
        grace = max(2.0, spec.query_timeout / 4)
        self.watchdog = Watchdog(sockets or [], spec.query_timeout + grace)
        # MariaDB Connector/ODBC crashes the process (SIGSEGV) when its socket fails under it mid-call, so a
        # stalled call on it is left behind in its worker thread instead of being cut (see db/deadline.py)
        self.abandon_on_stall = spec.driver == "pyodbc" and self.dialect.name == "mysql"
        #: a call was left running in its worker thread (a stall, or Ctrl-C it outlasted): the connection is
        #: its alone, nothing else touches it again (no statement, no rollback, no close)
        self.stalled = False
        self.left_by_interrupt = ""  # after Ctrl-C: what CallLeftRunning said, said again by every later call

    def guarded(self, call: Callable[[], T]) -> T:
        """`call()` bounded by `query_timeout` plus a grace: the watchdog cuts the sockets, or, for drivers
        that crash on that, the call is left in a worker thread and the connection is given up. Ctrl-C there
        waits for the call to return (db/deadline.py), so the cursor and connection are closed after it."""
        self._usable()
        if not self.abandon_on_stall or self.watchdog.seconds <= 0:  # 0: no bound (a deploy's statement)
            with self.watchdog.guard():
                return call()
        try:
            return call_with_deadline(call, self.watchdog.seconds, None)
        except CallLeftRunning as exc:
            self.stalled, self.left_by_interrupt = True, f"{exc} on {self.spec.display}"
            raise CallLeftRunning(self.left_by_interrupt) from None
        except DeadlinePassed:
            self.stalled = self.watchdog.fired = True
            self._raise_if_unreachable("", self.watchdog.seconds)
            raise  # not reached: a fired watchdog is always unreachable

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        self.queries += 1
        self._usable()  # before the cursor: allocating one waits for the lock a call left running holds
        cur = self.raw.cursor()
        started = time.monotonic()

        def run() -> list[Any]:
            if params:
                cur.execute(sql, tuple(params))
            else:  # no parameters: psycopg then leaves `%` alone, pyodbc sends the text as is
                cur.execute(sql)
            return [] if cur.description is None else list(cur.fetchall())

        try:
            rows = self.guarded(run)
            if self.spec.driver in ("pyodbc", "mssqlpython"):  # their Row objects: make plain tuples
                return [tuple(row) for row in rows]
            return rows  # type: ignore[no-any-return]
        except Exception as exc:  # driver errors carry the statement; mask and shorten
            text = first_line(exc)
            self._raise_if_unreachable(text, time.monotonic() - started)
            if PERMISSION.search(text) and (write := _WRITE.match(sql)):
                verb, table = write.group(1).upper(), write.group(2)
                raise SchemaSyncError(
                    f"permission denied: {verb} on {table} in {self.spec.display}: {text}. "
                    f"Grant this user {verb} on {table} (README: database rights per role)"
                ) from None
            if PERMISSION.search(text):
                raise SchemaSyncError(
                    f"permission denied reading the catalog of {self.spec.display}: {text}. "
                    "Connect as a user that may read the system catalog (PostgreSQL: pg_catalog; "
                    "MySQL/MariaDB: SELECT on the documented database; SQL Server: VIEW DEFINITION)"
                ) from None
            raise SchemaSyncError(f"{self.dialect.name} query failed: {text}") from None
        finally:
            self._close_cursor(cur)

    def _close_cursor(self, cur: Any) -> None:
        if self.stalled:  # its call may still be running in the thread it was left in
            return
        with contextlib.suppress(Exception):  # a cursor of a connection the watchdog cut
            cur.close()

    def _raise_if_unreachable(self, text: str, elapsed: float) -> None:
        """A query that ran past `query_timeout`, or lost its connection, is an outage (Unreachable).

        A driver's own read timeout (one set in the connection string) says "lost connection": after
        `query_timeout` seconds that is a timeout too.
        """
        late = elapsed >= self.spec.query_timeout
        said = TIMEOUT.search(text)  # the server's own words for it: a fixed phrase, safe on a page
        if self.watchdog.fired or said or (late and LOST.search(text)):
            raise Unreachable(
                f"{self.spec.display} did not answer within query_timeout ({self.spec.query_timeout:g} s): "
                f"{'no answer at all (server paused or network down?)' if self.watchdog.fired else text}. "
                "Another session may hold a lock the catalog read waits for, or the server is paused or "
                "overloaded; raise `query_timeout` if the catalog is only slow",
                reason=f"it did not answer within query_timeout ({self.spec.query_timeout:g} s)"
                + (f": {said.group(0)}" if said else ""),
            ) from None
        if LOST.search(text):
            raise Unreachable(
                f"lost the connection to {self.spec.display}: {text}", reason="the server closed the connection"
            ) from None

    def execute_script(self, sql: str) -> None:
        """Run statements that change the database (trigger installs, deploys); a failure is one masked line.

        Every result set is drained: pyodbc reports an error raised after the first
        row count of a batch (SQL Server) only from `nextset()`, so a batch whose
        later statement failed would otherwise pass for a success.
        """
        self.queries += 1
        self._usable()
        started = time.monotonic()
        try:
            if self.spec.driver == "sqlite3":
                self.raw.executescript(sql)
                return
            cur = self.raw.cursor()

            def run() -> None:
                cur.execute(sql)
                while cur.nextset():
                    pass

            try:
                self.guarded(run)
            finally:
                self._close_cursor(cur)
        except Exception as exc:  # driver errors carry the statement; mask and shorten
            text = first_line(exc)
            self._raise_if_unreachable(text, time.monotonic() - started)
            raise SchemaSyncError(f"{self.dialect.name} script failed: {text}") from None

    def execute(self, statement: str) -> None:
        """Run one statement of a user's file (a deploy); driver errors propagate for the caller to record."""
        self.queries += 1
        self._usable()
        cur = self.raw.cursor()

        def run() -> None:
            cur.execute(statement)
            if self.spec.driver in ("pyodbc", "mssqlpython"):  # later results raise only from nextset()
                while cur.nextset():
                    pass

        try:
            self.guarded(run)
        finally:
            self._close_cursor(cur)

    def begin(self) -> None:
        """Open an explicit transaction that DDL joins too (a deploy's file, a plan); end it with `end`."""
        self._usable()
        if self.spec.driver == "sqlite3":  # take over from sqlite3's implicit transactions (they skip DDL)
            self.raw.isolation_level = None
            self.raw.execute(self.dialect.begin_sql)
        else:
            self.raw.autocommit = False

    def end(self, commit: bool) -> None:
        """Commit or roll back what `begin` opened, and go back to autocommit."""
        try:
            if commit:
                self.commit()
            else:
                self.rollback_quietly()
        finally:
            if self.spec.driver != "sqlite3" and not self.stalled:
                self.raw.autocommit = True

    def autocommit(self) -> None:
        """Every statement commits by itself (a no-transaction migration, MySQL's statement-by-statement)."""
        self._usable()
        if self.spec.driver == "sqlite3":
            self.raw.isolation_level = None
        else:
            self.raw.autocommit = True

    def run_script(self, script: str) -> None:
        """Run a shipped script in the parts the dialect splits it into (GO batches, MySQL statements)."""
        for part in self.dialect.split_script(script):
            self.execute_script(part)

    @property
    def driver(self) -> str:
        return self.spec.driver

    def commit(self) -> None:
        self._usable()
        self.raw.commit()

    def _usable(self) -> None:
        """Refuse to touch a connection a call was left running on (see `stalled`): after a stall the outage
        (Unreachable), after Ctrl-C the interrupt again."""
        if self.stalled:
            self._raise_if_unreachable("", 0.0)
            raise CallLeftRunning(self.left_by_interrupt)

    def rollback_quietly(self) -> None:
        """End whatever transaction is open, ignoring that there is none (autocommit) or that it failed.

        After a failed statement PostgreSQL refuses more in the same transaction,
        and a read left open holds a snapshot; callers end both this way. Not on a connection a call was
        left running on: its transaction ends with it.
        """
        if self.stalled:
            return
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
        self._usable()
        self.raw.autocommit = False
        try:
            yield
        finally:
            self.rollback_quietly()  # after a commit there is nothing left to undo
            if not self.stalled:
                self.raw.autocommit = True

    def close(self) -> None:
        if self.stalled:  # left to the thread its stalled call runs in: closing under it would crash the driver
            return
        self.dialect.end_session(self)
        with contextlib.suppress(Exception):  # closing a broken connection must not hide the real error
            self.raw.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
