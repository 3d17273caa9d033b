"""Named session locks on the real databases: one holder at a time, a bounded wait, gone with the session."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ServerDB, make_sqlite

from mkdocs_schema_sync.db import Database, open_database, parse_connection
from mkdocs_schema_sync.db.locks import session_lock


def _check_exclusive(url: str) -> None:
    first = open_database(parse_connection(url), writable=True)
    second = open_database(parse_connection(url), writable=True)
    try:
        with session_lock(first, "schema-sync:test") as got:
            assert got
            start = time.monotonic()
            with session_lock(second, "schema-sync:test", wait=1.0) as other:
                waited = time.monotonic() - start
                assert not other
            assert 0.8 <= waited < 10  # it waited, and the wait was bounded
            with session_lock(second, "schema-sync:another") as unrelated:
                assert unrelated  # names are independent
        with session_lock(second, "schema-sync:test") as after_release:
            assert after_release
        # the lock dies with the session: closing the holder frees it
        assert first.dialect.try_lock(first, "schema-sync:test", 0)
        first.close()
        with session_lock(second, "schema-sync:test", wait=5.0) as after_close:
            assert after_close
    finally:
        first.close()
        second.close()


def _check_dies_with_process(url: str, database: Database) -> None:
    """A process that holds the lock and is killed leaves nothing behind."""
    code = (
        "import sys, time\n"
        "from mkdocs_schema_sync.db import open_database, parse_connection\n"
        "db = open_database(parse_connection(sys.argv[1]), writable=True)\n"
        "assert db.dialect.try_lock(db, 'schema-sync:test', 0)\n"
        "print('held', flush=True)\n"
        "time.sleep(60)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, url], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        assert not database.dialect.try_lock(database, "schema-sync:test", 0.2)
        proc.kill()
        proc.wait(10)
        assert database.dialect.try_lock(database, "schema-sync:test", 10.0)
        database.dialect.unlock(database, "schema-sync:test")
    finally:
        proc.kill()


def test_sqlite_lock(tmp_path: Path) -> None:
    path = make_sqlite(tmp_path / "app.db", "CREATE TABLE t (id INTEGER PRIMARY KEY);")
    url = f"sqlite:///{path}"
    _check_exclusive(url)
    with open_database(parse_connection(url), writable=True) as db:
        _check_dies_with_process(url, db)


@pytest.mark.postgres
def test_postgres_lock(pg_db: ServerDB) -> None:
    for scheme in ("postgresql", "postgresql+psycopg"):
        _check_exclusive(pg_db.url(scheme))
    with open_database(parse_connection(pg_db.url("postgresql+psycopg"))) as db:
        _check_dies_with_process(pg_db.url("postgresql+psycopg"), db)


@pytest.mark.mariadb
def test_mariadb_lock(mariadb_db: ServerDB) -> None:
    _check_exclusive(mariadb_db.url("mysql"))
    with open_database(parse_connection(mariadb_db.url("mysql"))) as db:
        _check_dies_with_process(mariadb_db.url("mysql"), db)
