"""Two processes doing the same job at once never double or lose a row: pollers racing while DDL runs
(SQLite with the JSON log and with its own log table, PostgreSQL, MariaDB), and installs racing installs
and uninstalls. Real processes, real databases; the row counts are exact."""

from __future__ import annotations

import json
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
from conftest import ServerDB, cli, mariadb_execute, pg_execute, write_site

TABLES = [f"race_{i:02d}" for i in range(12)]
POLLERS = 4
PASS_ENDS = ("no change since the last pass", "another monitor is working on", "no `github:` option")
#: tables already there: a catalog big enough that a poll takes a while, as on a real database
FILLER = "".join(
    f"CREATE TABLE filler_{i:03d} (id INTEGER PRIMARY KEY, a TEXT, b INTEGER, c TEXT, d DATE);\n" for i in range(150)
)


class Pollers:
    """POLLERS `monitor --interval 0.1` processes on one site; their output is read as they print it."""

    def __init__(self, root: Path, env: dict[str, str] | None) -> None:
        import os

        self.procs = [
            subprocess.Popen(
                [sys.executable, "-m", "mkdocs_schema_sync", "monitor", "--interval", "0.1"],
                cwd=root,
                env={**os.environ, **(env or {})},
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(POLLERS)
        ]
        self.out: list[list[str]] = [[] for _ in self.procs]
        self.err: list[list[str]] = [[] for _ in self.procs]
        self.readers = [
            threading.Thread(target=lambda s=stream, lines=lines: lines.extend(s), daemon=True)
            for p, out, err in zip(self.procs, self.out, self.err, strict=True)
            for stream, lines in ((p.stdout, out), (p.stderr, err))
        ]
        for reader in self.readers:
            reader.start()

    def passes(self) -> list[int]:
        """Per monitor, its passes so far: each ends with one of these lines (no change, locked out, or drift
        logged without `github:`)."""
        return [sum(any(end in line for end in PASS_ENDS) for line in out) for out in self.out]

    def wait(self, done: Callable[[], bool], timeout: float) -> bool:
        """Until `done()` or `timeout` seconds; False at once when a monitor stopped."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if done():
                return True
            if any(p.poll() is not None for p in self.procs):
                return False
            time.sleep(0.05)
        return False


@contextmanager
def racing_monitors(root: Path, env: dict[str, str] | None = None) -> Iterator[Pollers]:
    """POLLERS `monitor --interval 0.1` processes on one site, stopped (Ctrl-C) after the block."""
    pollers = Pollers(root, env)
    procs = pollers.procs
    try:
        yield pollers
    finally:
        running = [p.poll() is None for p in procs]
        for p in procs:
            p.send_signal(signal.SIGINT)
        # A monitor ends within a second of Ctrl-C, on MariaDB too (it used to hang there when interrupted
        # while a worker thread was inside the ODBC driver: tests/test_monitor_ctrl_c.py); 15 s for all four.
        deadline = time.monotonic() + 15
        hung = []
        for p in procs:
            try:
                p.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
                hung.append(p.pid)
        for reader in pollers.readers:
            reader.join(timeout=10)
        errs = ["".join(err) for err in pollers.err]
        for err in errs:
            assert "Traceback" not in err, err
        assert all(running), f"a monitor stopped early: {errs}"
        assert not hung, f"{len(hung)} of {len(procs)} monitors had not ended 15 s after Ctrl-C: {errs}"
        assert sum(len(out) for out in pollers.out) > 0  # the racing monitors recorded changes, not only the last check


def race(root: Path, ddl: Callable[[str], None], env: dict[str, str] | None = None) -> None:
    """The baseline, then TABLES created one by one while the monitors poll, then one last check."""
    assert cli("monitor", "--once", cwd=root, env=env).returncode == 0  # the baseline
    with racing_monitors(root, env) as pollers:
        # Let them start: every monitor is in its loop (has finished a pass) before the first DDL.
        assert pollers.wait(lambda: all(pollers.passes()), timeout=60), (pollers.out, pollers.err)
        for table in TABLES:
            ddl(table)
            time.sleep(0.05)
        # Let them race over the last tables: every monitor finishes two more passes (the first may have
        # begun before the last DDL), or 10 s go by.
        seen = pollers.passes()
        pollers.wait(lambda: all(n >= s + 2 for n, s in zip(pollers.passes(), seen, strict=True)), timeout=10)
    result = cli("monitor", "--once", cwd=root, env=env)
    assert result.returncode == 0, result.stderr


def assert_each_once(objects: list[str], details: object = None) -> None:
    assert sorted(objects) == TABLES, (sorted(objects), details)


def sqlite_ddl(db: Path) -> Callable[[str], None]:
    def run(table: str) -> None:
        conn = sqlite3.connect(db, timeout=30)
        conn.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY)")
        conn.commit()
        conn.close()

    return run


def filled_sqlite(db: Path) -> Path:
    conn = sqlite3.connect(db)
    conn.executescript(FILLER)
    conn.close()
    return db


def test_pollers_racing_on_the_json_log(tmp_path: Path) -> None:
    db = filled_sqlite(tmp_path / "app.db")
    site = write_site(tmp_path / "s", f"connection: sqlite:///{db}")
    race(site.root, sqlite_ddl(db))
    entries = json.loads((site.root / "schema.drift.json").read_text())["entries"]
    assert_each_once([e["object_name"] for e in entries])


def test_pollers_racing_on_the_sqlite_log_table(tmp_path: Path) -> None:
    db = filled_sqlite(tmp_path / "app.db")
    site = write_site(tmp_path / "s", f"connection: sqlite:///{db}")
    assert cli("install-triggers", cwd=site.root).returncode == 0
    race(site.root, sqlite_ddl(db))
    conn = sqlite3.connect(db)
    rows = [r[0] for r in conn.execute("SELECT object_name FROM schema_sync_drift_log")]
    conn.close()
    assert_each_once(rows)
    assert not (site.root / "schema.drift.json").exists()


@pytest.mark.postgres
def test_pollers_racing_on_postgres(tmp_path: Path, pg_db: ServerDB) -> None:
    from test_drift_postgres import pg_rows

    from mkdocs_schema_sync.db import open_database, parse_connection
    from mkdocs_schema_sync.drift.log import create_log_tables

    pg_execute(pg_db, FILLER.replace("INTEGER PRIMARY KEY", "int PRIMARY KEY"))
    with open_database(parse_connection(pg_db.url("postgresql+psycopg"))) as conn:
        create_log_tables(conn)  # polling mode (as install-triggers without a superuser leaves it)
    site = write_site(tmp_path / "s", f"connection: {pg_db.url('postgresql+psycopg')}")
    race(site.root, lambda t: pg_execute(pg_db, f"CREATE TABLE {t} (id int PRIMARY KEY)"))
    assert_each_once([r[0] for r in pg_rows(pg_db, "SELECT object_name FROM schema_sync.drift_log")])


@pytest.mark.mariadb
def test_pollers_racing_on_mariadb(tmp_path: Path, mariadb_db: ServerDB) -> None:
    from conftest import _mariadb_admin

    mariadb_execute(mariadb_db, FILLER.replace(");\n", ");\n"))
    site = write_site(tmp_path / "s", f"connection: {mariadb_db.url('mariadb')}")
    assert cli("install-triggers", cwd=site.root).returncode == 0
    race(site.root, lambda t: mariadb_execute(mariadb_db, f"CREATE TABLE {t} (id INT PRIMARY KEY)"))
    conn = _mariadb_admin(mariadb_db.name)
    full = conn.execute("SELECT object_name, event_type, statement, event_time FROM schema_sync_drift_log").fetchall()
    conn.close()
    assert_each_once([r[0] for r in full], full)


# --------------------------------------------------------------------------- installs


def run_together(root: Path, *commands: list[str]) -> list[subprocess.CompletedProcess[str]]:
    import os

    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "mkdocs_schema_sync", *cmd],
            cwd=root,
            env=dict(os.environ),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for cmd in commands
    ]
    out = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=180)
        out.append(subprocess.CompletedProcess(p.args, p.returncode, stdout, stderr))
    return out


def installs_race(root: Path) -> None:
    for _ in range(3):
        for result in run_together(root, ["install-triggers"], ["install-triggers"]):
            assert result.returncode == 0, result.stderr
        results = run_together(root, ["install-triggers"], ["uninstall-triggers"], ["install-triggers"])
        for result in results:
            assert result.returncode == 0, result.stderr
            assert "deadlock" not in result.stderr.lower()
    assert cli("install-triggers", cwd=root).returncode == 0
    health = cli("health", cwd=root)
    assert health.returncode == 0, health.stdout + health.stderr


@pytest.mark.postgres
def test_concurrent_installs_on_postgres(tmp_path: Path, pg_db: ServerDB) -> None:
    installs_race(write_site(tmp_path / "s", f"connection: {pg_db.url('postgresql+psycopg')}").root)


@pytest.mark.mariadb
def test_concurrent_installs_on_mariadb(tmp_path: Path, mariadb_db: ServerDB) -> None:
    installs_race(write_site(tmp_path / "s", f"connection: {mariadb_db.url('mariadb')}").root)


def test_concurrent_installs_on_sqlite(tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    sqlite3.connect(db).close()
    installs_race(write_site(tmp_path / "s", f"connection: sqlite:///{db}").root)


def test_sql_server_installs_under_a_session_applock() -> None:
    """No SQL Server here: the statements sent to a recording connection show the lock around the install."""
    from test_mssql import _recording_db

    from mkdocs_schema_sync.drift.capture import install, uninstall

    db, raw = _recording_db()
    install(db)
    uninstall(db, keep_log=True)
    locks = [i for i, sql in enumerate(raw.sent) if "sp_getapplock" in sql]
    unlocks = [i for i, sql in enumerate(raw.sent) if "sp_releaseapplock" in sql]
    assert len(locks) == len(unlocks) == 2
    first_batch = next(i for i, sql in enumerate(raw.sent) if "schema_sync" in sql and "applock" not in sql)
    assert locks[0] < first_batch < unlocks[0] < locks[1]
    assert all("@LockOwner = 'Session'" in raw.sent[i] for i in locks)
