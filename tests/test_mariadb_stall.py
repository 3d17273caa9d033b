"""A MariaDB connection that stalls at any byte falls back like an outage, never a crash (issue 21 item 4).

MariaDB Connector/ODBC 3.1.15 crashed the process (exit 139, SIGSEGV) when its READ_TIMEOUT/WRITE_TIMEOUT fired,
or when our watchdog shut its socket down, in the middle of a call. Those timeouts are gone, and MariaDB's ODBC
calls run in worker threads that are left behind at their deadline (db/deadline.py). A real TCP proxy passes
the server's first N bytes and then nothing (the connections stay open); the sweep covers the handshake, the
driver's own first queries, the session settings and the catalog read. Each run is a child process, so a
crash shows as its exit status."""

from __future__ import annotations

import contextlib
import html
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import ROOT, ServerDB, cli, mariadb_execute, run, tool, write_site

pytestmark = pytest.mark.mariadb

CHILD = """
import sys
from mkdocs_schema_sync.db import open_database, parse_connection
from mkdocs_schema_sync.errors import Unreachable
try:
    with open_database(parse_connection(sys.argv[1], timeout=2, query_timeout=2)) as db:
        db.dialect.read_catalog(db)
    print("read")
except Unreachable as exc:
    print("unreachable:", exc)
"""


class CutProxy:
    """Forwards to a real server; after `limit` bytes from the server it forwards nothing more."""

    def __init__(self, host: str, port: int, limit: int) -> None:
        self.target, self.limit, self.passed = (host, port), limit, 0
        self.listener = socket.create_server(("127.0.0.1", 0))
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
            threading.Thread(target=self._pipe, args=(client, upstream, False), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, True), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket, from_server: bool) -> None:
        while True:
            try:
                data = src.recv(65536)
            except OSError:
                return
            if not data:
                return
            if from_server:
                data = data[: max(0, self.limit - self.passed)]
                self.passed += len(data)
            with contextlib.suppress(OSError):
                if data:
                    dst.sendall(data)

    def close(self) -> None:
        self.listener.close()
        for s in self.sockets:
            with contextlib.suppress(OSError):
                s.close()


def stalled_read(db: ServerDB, limit: int) -> tuple[int, int, str, float]:
    proxy = CutProxy(db.host, db.port, limit)
    try:
        url = db.url("mariadb").replace(f":{db.port}/", f":{proxy.port}/")
        start = time.monotonic()
        proc = subprocess.run(
            [sys.executable, "-c", CHILD, url], capture_output=True, text=True, timeout=120, cwd=ROOT
        )  # fmt: skip
        return limit, proc.returncode, (proc.stdout + proc.stderr).strip(), time.monotonic() - start
    finally:
        proxy.close()


def test_a_stall_at_any_byte_is_an_outage_not_a_crash(mariadb_db: ServerDB) -> None:
    """Before: exit -11 (SIGSEGV) at most cut-off points past the greeting."""
    mariadb_execute(mariadb_db, "CREATE TABLE t (id int PRIMARY KEY, note text)")
    mariadb_execute(mariadb_db, "CREATE VIEW v AS SELECT id FROM t")
    limits = [100, 400, 800, 1200, 1600, 2000, 2500, 3000, 3500, 4000, 4500, 5000, 5500, 6000, 6500, 7000, 8000,
              9000, 10000, 12000, 15000, 20000]  # fmt: skip
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda n: stalled_read(mariadb_db, n), limits))
    crashed = [(n, rc, out[-200:]) for n, rc, out, _ in results if rc != 0]
    assert not crashed, crashed
    for n, _, out, elapsed in results:
        assert out.startswith(("unreachable:", "read")), (n, out)
        assert "\n" not in out, (n, out)
        assert elapsed < 30, (n, elapsed)
    assert any(out.startswith("unreachable:") for _, _, out, _ in results)


def test_mkdocs_build_falls_back_to_the_snapshot_on_a_stalled_mariadb(mariadb_db: ServerDB, tmp_path) -> None:  # type: ignore[no-untyped-def]
    mariadb_execute(mariadb_db, "CREATE TABLE t (id int PRIMARY KEY)")
    site = write_site(
        tmp_path / "s", f"connection: {mariadb_db.url('mariadb')!r}\nquery_timeout: 2\nconnect_timeout: 2"
    )
    assert cli("snapshot", cwd=site.root).returncode == 0
    proxy = CutProxy(mariadb_db.host, mariadb_db.port, 3000)
    try:
        config = site.root / "mkdocs.yml"
        config.write_text(config.read_text().replace(f":{mariadb_db.port}/", f":{proxy.port}/"))
        start = time.monotonic()
        result = run([tool("mkdocs"), "build", "--site-dir", str(site.site_dir)], site.root, timeout=120)
    finally:
        proxy.close()
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - start < 60 and "Traceback" not in result.stderr
    assert "Not the live database" in html.unescape(site.html("schema/index.html"))
