"""Ctrl-C ends a `monitor` loop within seconds, with exit 0 and one line, wherever in a pass it lands.

On MariaDB a pass's statements run in a worker thread (db/deadline.py). Ctrl-C there used to unwind the
main thread at once: it closed the statement's cursor while the worker was still executing it, the driver
freed the statement under it, and the process hung (about 4 runs in 10 of the racing monitors in
test_concurrency). Here real `monitor --interval 0.01` processes on real databases (a catalog of 150 tables,
so that a pass spends its time in catalog queries) get SIGINT at varied points: while one of their
statements is on the server (found in the server's own list of sessions), and at spread fractions of a
pass. Each must end within BOUND seconds; the same tries run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import ServerDB, _mariadb_admin, _pg_admin, cli, mariadb_execute, pg_execute, write_site

#: seconds a monitor may take to exit after Ctrl-C
BOUND = 10.0
TRIES = 8
FILLER = "".join(
    f"CREATE TABLE filler_{i:03d} (id INTEGER PRIMARY KEY, a TEXT, b INTEGER, c TEXT, d DATE);\n" for i in range(150)
)
STOPPED = "monitor: stopped (Ctrl-C)"


class Loop:
    """One `monitor --interval 0.01` process (once started); its output lines are read as they come."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.proc: subprocess.Popen[str] | None = None
        self.passes: list[float] = []  # when each pass printed its line
        self.err: list[str] = []
        self.readers: list[threading.Thread] = []

    def start(self) -> None:
        self.proc = proc = subprocess.Popen(
            [sys.executable, "-m", "mkdocs_schema_sync", "monitor", "--interval", "0.01"],
            cwd=self.root,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.readers = [
            threading.Thread(target=lambda: self.passes.extend(time.monotonic() for _ in proc.stdout or ())),
            threading.Thread(target=lambda: self.err.extend(proc.stderr or ())),
        ]
        for reader in self.readers:
            reader.daemon = True
            reader.start()

    def wait_passes(self, count: int, timeout: float = 60) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while len(self.passes) < count:
            assert self.proc.poll() is None, f"the monitor stopped: {''.join(self.err)}"
            assert time.monotonic() < deadline, "the monitor printed no pass"
            time.sleep(0.005)

    def interrupt(self) -> float | None:
        """SIGINT; the seconds until the process ended, or None when it had not within BOUND (then killed)."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGINT)
        sent = time.monotonic()
        try:
            self.proc.wait(timeout=BOUND)
        except subprocess.TimeoutExpired:
            self.kill()
            return None
        finally:
            for reader in self.readers:
                reader.join(timeout=10)
        return time.monotonic() - sent

    @property
    def returncode(self) -> int | None:
        return None if self.proc is None else self.proc.returncode

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@contextmanager
def monitor_loops(root: Path, count: int) -> Iterator[list[Loop]]:
    """`count` loops, not started yet; every one that is running afterwards is killed."""
    loops = [Loop(root) for _ in range(count)]
    try:
        yield loops
    finally:
        for loop in loops:
            loop.kill()


@contextmanager
def monitor_loop(root: Path) -> Iterator[Loop]:
    with monitor_loops(root, 1) as (loop,):
        loop.start()
        yield loop


# --------------------------------------------------------------------------- the databases


class Target:
    """A database with FILLER in it: its connection, and whether one of the monitor's statements is on the
    server now (None for SQLite, which has no server to ask)."""

    def __init__(self, connection: str, busy: Callable[[], bool] | None, close: Callable[[], None]) -> None:
        self.connection, self.busy, self.close = connection, busy, close


def sqlite_target(tmp_path: Path) -> Target:
    db = tmp_path / "app.db"
    conn = sqlite3.connect(db)
    conn.executescript(FILLER)
    conn.close()
    return Target(f"sqlite:///{db}", None, lambda: None)


def pg_target(db: ServerDB) -> Target:
    pg_execute(db, FILLER.replace("INTEGER PRIMARY KEY", "int PRIMARY KEY"))
    watcher = _pg_admin()
    sql = "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid() AND state = 'active'"
    return Target(
        db.url("postgresql+psycopg"), lambda: watcher.execute(sql, (db.name,)).fetchone()[0] > 0, watcher.close
    )


def mariadb_target(db: ServerDB) -> Target:
    mariadb_execute(db, FILLER)
    watcher = _mariadb_admin()  # no default database: not one of the sessions it looks for
    sql = "SELECT count(*) FROM information_schema.processlist WHERE db = ? AND command IN ('Query', 'Execute')"
    return Target(db.url("mariadb"), lambda: watcher.execute(sql, db.name).fetchone()[0] > 0, watcher.close)


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("mariadb", marks=pytest.mark.mariadb),
    ]
)
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Target]:
    if request.param == "sqlite":
        made = sqlite_target(tmp_path)
    elif request.param == "postgres":
        made = pg_target(request.getfixturevalue("pg_db"))
    else:
        made = mariadb_target(request.getfixturevalue("mariadb_db"))
    try:
        yield made
    finally:
        made.close()


def aim(loop: Loop, target: Target, i: int) -> str:
    """Wait for the moment of try `i`: on even tries with a server, until a statement of a monitor is on it
    (the next try's monitor, starting up meanwhile, is still importing); else a spread fraction of a pass
    after a pass ended. Says which, for the failure message."""
    if target.busy is not None and i % 2 == 0:
        deadline = time.monotonic() + 10
        while not target.busy():
            assert time.monotonic() < deadline, "no statement of the monitor was seen on the server"
        return "a statement on the server"
    seen = len(loop.passes)
    loop.wait_passes(seen + 2)
    period = loop.passes[-1] - loop.passes[-2]
    fraction = i / TRIES
    time.sleep(fraction * period)
    return f"{fraction:.2f} of a pass ({period * 1000:.0f} ms) after one ended"


def test_ctrl_c_mid_pass_ends_the_loop(tmp_path: Path, target: Target) -> None:
    site = write_site(tmp_path / "s", f"connection: {target.connection}")
    baseline = cli("monitor", "--once", cwd=site.root)  # then every pass of the loops asks only what changed
    assert baseline.returncode == 0, baseline.stderr
    hung: list[str] = []
    unclean: list[str] = []
    with monitor_loop(site.root) as first, monitor_loops(site.root, TRIES - 1) as spares:
        for i, loop in enumerate([first, *spares]):
            loop.wait_passes(1)
            if i + 1 < TRIES:
                spares[i].start()  # the next one starts up (imports) while this one is stopped
            where = aim(loop, target, i)
            took = loop.interrupt()
            err = "".join(loop.err)
            if took is None:
                hung.append(f"try {i} ({where})")
            elif loop.returncode != 0 or err.strip().splitlines() != [STOPPED]:
                unclean.append(f"try {i} ({where}): exit {loop.returncode}, stderr {err!r}")
    assert not hung and not unclean, (
        f"{len(hung)} of {TRIES} monitors had not ended {BOUND:g} s after Ctrl-C: {hung}; "
        f"{len(unclean)} ended otherwise than with exit 0 and the one line {STOPPED!r}: {unclean}"
    )


# --------------------------------------------------------------------------- a statement that does not return


@contextmanager
def state_locked(kind: str, db: ServerDB) -> Iterator[Callable[[], bool]]:
    """Another session holds the table the pass reads its state from; yields whether a statement of the
    monitor waits for it."""
    if kind == "mariadb":
        conn = _mariadb_admin(db.name)
        conn.execute("LOCK TABLES schema_sync_state WRITE")
        sql = (
            "SELECT count(*) FROM information_schema.processlist"
            " WHERE db = ? AND id <> CONNECTION_ID() AND state LIKE 'Waiting for table%'"
        )
        try:
            yield lambda: conn.execute(sql, db.name).fetchone()[0] > 0
        finally:
            conn.execute("UNLOCK TABLES")
            conn.close()
        return
    import psycopg

    conn = psycopg.connect(host=db.host, port=db.port, user=db.user, dbname=db.name)
    conn.execute("LOCK TABLE schema_sync.install_info IN ACCESS EXCLUSIVE MODE")
    watcher = _pg_admin()  # not `conn`: inside its transaction pg_stat_activity stays as first read
    sql = "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'"
    try:
        yield lambda: watcher.execute(sql, (db.name,)).fetchone()[0] > 0
    finally:
        watcher.close()
        conn.rollback()
        conn.close()


@pytest.mark.parametrize(
    "kind", [pytest.param("mariadb", marks=pytest.mark.mariadb), pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_ctrl_c_while_a_statement_waits_on_a_lock(tmp_path: Path, kind: str, request: pytest.FixtureRequest) -> None:
    """A statement that will not return for a long while (it waits for a lock another session holds). psycopg
    cancels it on Ctrl-C. MariaDB's call is waited for INTERRUPT_SECONDS, then left running: the monitor
    exits anyway, says so, and touches the connection no more (the server ends the wait when it closes)."""
    from mkdocs_schema_sync.db.deadline import INTERRUPT_SECONDS

    db: ServerDB = request.getfixturevalue("mariadb_db" if kind == "mariadb" else "pg_db")
    url = db.url("mariadb" if kind == "mariadb" else "postgresql+psycopg")
    site = write_site(tmp_path / "s", f"connection: {url}")
    assert cli("install-triggers", cwd=site.root).returncode == 0
    assert cli("monitor", "--once", cwd=site.root).returncode == 0
    with monitor_loop(site.root) as loop:
        loop.wait_passes(1)
        with state_locked(kind, db) as waiting:
            deadline = time.monotonic() + 10
            while not waiting():
                assert time.monotonic() < deadline, "the monitor's pass never waited for the lock"
                time.sleep(0.01)
            took = loop.interrupt()
    err = "".join(loop.err)
    assert took is not None, f"the monitor had not ended {BOUND:g} s after Ctrl-C: {err}"
    assert loop.returncode == 0, err
    last = err.strip().splitlines()[-1]
    assert "Traceback" not in err, err
    if kind == "mariadb":
        assert took >= INTERRUPT_SECONDS - 0.5, (took, err)  # it waited for the call first
        assert last.startswith("monitor: stopped (Ctrl-C), without waiting longer for a database call"), err
        assert re.search(r"had not returned \d+\.\d s after Ctrl-C on mariadb://", last) and "left running" in last, err
    else:
        assert last == STOPPED and took < 5, (took, err)


def test_psycopgs_warning_on_an_interrupted_cancellation_is_not_shown_once_ctrl_c_stops_the_loop(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """psycopg warns "query cancellation interrupted (UndefinedTable): closing connection" when the statement
    a Ctrl-C interrupted ended with its own error (seen once in 8 PostgreSQL tries, beside the one line)."""
    import logging
    import signal

    from mkdocs_schema_sync.cli.sync import _ctrl_c

    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    psycopg_log = logging.getLogger("psycopg")
    message = "query cancellation interrupted (%s): closing connection"
    with caplog.at_level(logging.WARNING), _ctrl_c() as seen:
        psycopg_log.warning(message, "UndefinedTable")  # no Ctrl-C yet: shown
        seen.set()
        psycopg_log.warning(message, "UndefinedTable")  # stopping: not shown
        psycopg_log.warning("query not terminated after cancellation: closing connection")  # still shown
    psycopg_log.warning(message, "QueryCanceled")  # after the loop: shown again
    shown = [r.getMessage() for r in caplog.records if r.name == "psycopg"]
    assert shown == [
        "query cancellation interrupted (UndefinedTable): closing connection",
        "query not terminated after cancellation: closing connection",
        "query cancellation interrupted (QueryCanceled): closing connection",
    ]
