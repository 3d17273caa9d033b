"""Every wait on a database is bounded by `query_timeout`: a lock held on the catalog by another session,
a paused server backend, a network that swallows packets. The build then falls back to the snapshot with
the same one line as for an unreachable server (real servers; pausing only a private PostgreSQL)."""

from __future__ import annotations

import contextlib
import html
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import PrivatePostgres, ServerDB, Site, cli, run, tool, write_site

from mkdocs_schema_sync.db import open_database, parse_connection
from mkdocs_schema_sync.errors import Unreachable

TIMEOUT = 3  # query_timeout of these tests, seconds


def build_site(root: Path, connection: str) -> Site:
    site = write_site(root, f"connection: {connection!r}\nquery_timeout: {TIMEOUT}\nconnect_timeout: 5")
    result = cli("snapshot", cwd=site.root)
    assert result.returncode == 0, result.stderr
    return site


def timed_build(site: Site) -> tuple[subprocess.CompletedProcess[str], float]:
    start = time.monotonic()
    cmd = [tool("mkdocs"), "build", "--site-dir", str(site.site_dir)]
    result = run(cmd, site.root, timeout=120)  # without a bound the build would wait for ever
    return result, time.monotonic() - start


def assert_fell_back(site: Site, result: subprocess.CompletedProcess[str], elapsed: float) -> None:
    assert result.returncode == 0, result.stderr
    assert elapsed < 60, elapsed
    assert "Traceback" not in result.stderr
    page = html.unescape(site.html("schema/index.html"))
    assert "Not the live database" in page and f"did not answer within query_timeout ({TIMEOUT} s)" in page


@contextlib.contextmanager
def view_locked(connect_kwargs: dict[str, object]) -> Iterator[None]:
    """Another session holds ACCESS EXCLUSIVE on view `v`: pg_get_viewdef (the catalog read) waits for it."""
    import psycopg

    holder = psycopg.connect(**connect_kwargs)
    holder.execute("LOCK TABLE v IN ACCESS EXCLUSIVE MODE")
    try:
        yield
    finally:
        holder.rollback()
        holder.close()


@pytest.mark.postgres
@pytest.mark.parametrize("scheme", ["postgresql", "postgresql+psycopg"])
def test_a_lock_on_the_catalog_is_bounded(tmp_path: Path, pg_db: ServerDB, scheme: str) -> None:
    from conftest import pg_execute

    pg_execute(pg_db, "CREATE TABLE t (a int); CREATE VIEW v AS SELECT a FROM t")
    site = build_site(tmp_path / "s", pg_db.url(scheme))
    kwargs = {"host": pg_db.host, "port": pg_db.port, "user": pg_db.user, "dbname": pg_db.name}
    with view_locked(kwargs):
        result, elapsed = timed_build(site)
    assert_fell_back(site, result, elapsed)
    assert "canceling statement due to" in result.stderr  # the server's own words, in the build's log line


@pytest.mark.postgres
@pytest.mark.parametrize("scheme", ["postgresql", "postgresql+psycopg"])
def test_a_paused_backend_is_bounded(tmp_path: Path, private_pg: PrivatePostgres, scheme: str) -> None:
    """The build's backend waits for the lock and is then SIGSTOPped: the server's own timeouts cannot fire."""
    private_pg.admin("CREATE TABLE t (a int); CREATE VIEW v AS SELECT a FROM t")
    site = build_site(tmp_path / "s", private_pg.url(scheme))
    kwargs = {"host": str(private_pg.folder), "port": private_pg.port, "user": "postgres", "dbname": "postgres"}
    stopped: list[int] = []
    with view_locked(kwargs):
        proc = subprocess.Popen(
            [tool("mkdocs"), "build", "--site-dir", str(site.site_dir)],
            cwd=site.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        start = time.monotonic()
        try:
            while not stopped and time.monotonic() - start < 30:
                rows = private_pg.admin("SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
                for (pid,) in rows:
                    os.kill(int(str(pid)), signal.SIGSTOP)
                    stopped.append(int(str(pid)))
                time.sleep(0.05)
            assert stopped, "the build never waited for the lock"
            out, err = proc.communicate(timeout=90)
            elapsed = time.monotonic() - start
        finally:
            for pid in stopped:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGCONT)
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    assert_fell_back(site, subprocess.CompletedProcess(proc.args, proc.returncode, out, err), elapsed)


class FreezableProxy:
    """A TCP proxy to a real server that can freeze: connections stay open, nothing passes any more
    (a network that swallows packets, a frozen VM)."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.frozen = threading.Event()
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.port = int(self.listener.getsockname()[1])
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket) -> None:
        while True:
            try:
                data = src.recv(65536)
            except OSError:
                return
            if not data:
                return
            while self.frozen.is_set():
                time.sleep(0.05)  # hold on to it: the other side hears nothing
            with contextlib.suppress(OSError):
                dst.sendall(data)

    def close(self) -> None:
        self.frozen.clear()
        self.listener.close()
        for s in self.sockets:
            with contextlib.suppress(OSError):
                s.close()


@pytest.mark.mariadb
def test_mariadb_queries_are_bounded_by_the_server_and_by_us(mariadb_db: ServerDB) -> None:
    url = mariadb_db.url("mariadb")
    with open_database(parse_connection(url, timeout=5, query_timeout=1)) as db:
        start = time.monotonic()
        with pytest.raises(Unreachable, match=r"did not answer within query_timeout \(1 s\)"):
            db.query("SELECT SLEEP(5)")
        assert time.monotonic() - start < 4
    proxy = FreezableProxy(mariadb_db.host, mariadb_db.port)
    try:
        with open_database(
            parse_connection(url.replace(f":{mariadb_db.port}/", f":{proxy.port}/"), query_timeout=2)
        ) as db:
            assert db.query("SELECT 1") == [(1,)]
            proxy.frozen.set()
            start = time.monotonic()
            with pytest.raises(Unreachable, match="did not answer within query_timeout"):
                db.query("SELECT 2")
            assert time.monotonic() - start < 15
    finally:
        proxy.close()


@pytest.mark.postgres
@pytest.mark.parametrize("scheme", ["postgresql", "postgresql+psycopg"])
def test_a_frozen_network_is_bounded_on_postgres(pg_db: ServerDB, scheme: str) -> None:
    proxy = FreezableProxy(pg_db.host, pg_db.port)
    try:
        url = pg_db.url(scheme).replace(f":{pg_db.port}/", f":{proxy.port}/")
        with open_database(parse_connection(url, query_timeout=2)) as db:
            assert db.query("SELECT 1") == [(1,)]
            proxy.frozen.set()
            start = time.monotonic()
            with pytest.raises(Unreachable, match="did not answer within query_timeout"):
                db.dialect.read_catalog(db)
            assert time.monotonic() - start < 15
    finally:
        proxy.close()
