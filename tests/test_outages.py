"""Outages: `monitor` logs, backs off and keeps going while its server is down; `mkdocs serve` rebuilds
from the live database once it is reachable again. A private PostgreSQL that the tests stop and start."""

from __future__ import annotations

import html
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from conftest import PrivatePostgres, cli, write_site
from test_serve import served, wait_for


def wait_until(check, seconds: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.25)
    return False


def test_monitor_keeps_going_through_an_outage(tmp_path: Path, private_pg: PrivatePostgres) -> None:
    private_pg.admin("CREATE TABLE base (id int PRIMARY KEY)")
    env = {"SS_TEST_CONNECTION": private_pg.url()}
    site = write_site(tmp_path / "s", "connection: !ENV SS_TEST_CONNECTION\nconnect_timeout: 2\nquery_timeout: 5")
    log = site.root / "schema.drift.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "mkdocs_schema_sync", "monitor", "--interval", "0.5"],
        cwd=site.root, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    errors: list[str] = []  # its stderr, read as it is written
    reader = threading.Thread(target=lambda: errors.extend(proc.stderr or ()), daemon=True)
    reader.start()
    try:
        assert wait_until(log.is_file, 60), "no baseline"
        private_pg.stop()
        # a few failed passes, the pause growing (1 s, then 2 s)
        assert wait_until(lambda: sum("pass failed" in line for line in errors) >= 2, 60), errors
        assert proc.poll() is None, "monitor exited during the outage"
        private_pg.start()
        private_pg.admin("CREATE TABLE after_outage (id int PRIMARY KEY)")

        def recorded() -> bool:
            entries = json.loads(log.read_text()).get("entries", [])
            return any(e["object_name"] == "after_outage" for e in entries)

        assert wait_until(recorded, 90), "the change after the outage was never recorded"
        assert proc.poll() is None
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
        reader.join(timeout=10)
    err = "".join(errors)
    assert "pass failed" in err and "next try in 1 s" in err and "next try in 2 s" in err  # it backs off
    assert "Traceback" not in err


def test_monitor_stops_on_a_wrong_password(tmp_path: Path, private_pg: PrivatePostgres) -> None:
    """Not an outage: retrying would never help, so the loop ends with one line and exit 2."""
    env = {"SS_TEST_CONNECTION": private_pg.url(password="not-the-password")}
    site = write_site(tmp_path / "s", "connection: !ENV SS_TEST_CONNECTION\nconnect_timeout: 2")
    start = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs_schema_sync", "monitor", "--interval", "0.5"],
        cwd=site.root, env={**os.environ, **env}, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2 and "wrong user name or password" in result.stderr
    assert time.monotonic() - start < 30


def test_serve_rebuilds_when_the_database_is_back(tmp_path: Path, private_pg: PrivatePostgres) -> None:
    """Served while the server is down (pages from the snapshot), then the server comes back: the pages
    become live without any schema change or edit."""
    private_pg.admin("CREATE TABLE regions (region_code text PRIMARY KEY)")
    site = write_site(
        tmp_path / "s", f"connection: {private_pg.url()!r}\nconnect_timeout: 2\nwatch_interval: 0.5\ncache_ttl: 600"
    )
    assert cli("snapshot", cwd=site.root).returncode == 0
    private_pg.admin("ALTER TABLE regions ADD COLUMN only_live text")  # not in the snapshot
    private_pg.stop()
    with served(site.root) as (base, output):
        page = f"{base}/schema/public/regions/"
        assert wait_for(page, "region_code", 90) is not None, "serve did not come up"
        body = html.unescape(os_fetch(page))
        assert "could not be reached" in body and "only_live" not in body
        private_pg.start()
        assert wait_for(page, "only_live", 60) is not None, "the served site stayed on the snapshot"
    assert "Traceback" not in output[0]


def os_fetch(url: str) -> str:
    from test_serve import fetch

    return fetch(url) or ""


def test_serve_leaves_no_watch_folder_behind(tmp_path: Path, scout_db: Path) -> None:
    """Ctrl-C ends `mkdocs serve`: the folder the watcher's signal file lived in goes with it."""
    from conftest import tool
    from test_serve import free_port

    temp = tmp_path / "tmp"
    temp.mkdir()
    site = write_site(tmp_path / "s", f"connection: sqlite:///{scout_db}\nwatch_interval: 0.5")
    port = free_port()
    proc = subprocess.Popen(
        [tool("mkdocs"), "serve", "-a", f"127.0.0.1:{port}", "--no-strict"],
        cwd=site.root, env={**os.environ, "TMPDIR": str(temp)}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        assert wait_for(f"http://127.0.0.1:{port}/schema/main/regions/", "region_code", 90) is not None
        assert list(temp.glob("schema-sync-watch-*")), "the watcher's folder was not where TMPDIR says"
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=30)
    assert "Traceback" not in out
    assert not list(temp.glob("schema-sync-watch-*"))


def test_watcher_rebuilds_after_an_offline_build_with_growing_pauses(tmp_path: Path, scout_db: Path) -> None:
    """A build that showed the snapshot although the watcher reaches the database (a catalog read timed out):
    one rebuild when it answers, and if that build fails again, the next only after a pause."""
    from mkdocs_schema_sync.plugin.watcher import DatabaseWatcher
    from mkdocs_schema_sync.settings import Settings

    calls: list[float] = []
    signal_file = tmp_path / "signal"
    settings = Settings(base_dir=tmp_path, connection=f"sqlite:///{scout_db}")
    watcher = DatabaseWatcher(settings, lambda: calls.append(time.monotonic()), signal_file, 0.5)
    assert watcher.check_once() is False and calls == []  # the baseline
    watcher.built_offline(True)
    assert watcher.check_once() is True and len(calls) == 1 and signal_file.read_text()
    assert watcher.check_once() is False
    watcher.built_offline(True)  # the rebuild failed again
    assert watcher.check_once() is False  # not at once: after a pause
    time.sleep(1.1)
    assert watcher.check_once() is True and len(calls) == 2
    watcher._drop_connection()
