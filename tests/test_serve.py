"""`mkdocs serve` for real: a schema change in the database shows up in the served site by itself."""

from __future__ import annotations

import contextlib
import os
import socket
import sqlite3
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from conftest import tool, write_site


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.read().decode("utf-8")
    except OSError:
        return None


def wait_for(url: str, needle: str, seconds: float) -> float | None:
    """Seconds until `needle` is on the page at `url`, or None."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        body = fetch(url)
        if body is not None and needle in body:
            return time.monotonic() - start
        time.sleep(0.25)
    return None


@contextlib.contextmanager
def served(root: Path, env: dict[str, str] | None = None) -> Iterator[tuple[str, list[str]]]:
    """`mkdocs serve` on a free loopback port: yields the base URL and, after the block, its output."""
    port = free_port()
    proc = subprocess.Popen(
        [tool("mkdocs"), "serve", "-a", f"127.0.0.1:{port}", "--no-strict"],
        cwd=root,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    try:
        yield f"http://127.0.0.1:{port}", output
    finally:
        proc.terminate()
        try:
            out, _ = proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
        output.append(out)


def test_served_site_rebuilds_when_the_schema_changes(tmp_path: Path, scout_db: Path) -> None:
    site = write_site(tmp_path / "s", f"connection: sqlite:///{scout_db}\nwatch_interval: 1")
    with served(site.root) as (base, output):
        page = f"{base}/schema/main/regions/"
        assert wait_for(page, "region_code", 60) is not None, "serve did not come up"
        conn = sqlite3.connect(scout_db)
        conn.execute("ALTER TABLE regions ADD COLUMN promo_code VARCHAR(12)")
        conn.commit()
        conn.close()
        assert wait_for(page, "promo_code", 30) is not None, "the served page never showed the new column"
    assert "Traceback" not in output[0]


def test_served_site_rebuilds_when_the_contracts_file_changes(tmp_path: Path, scout_db: Path) -> None:
    site = write_site(tmp_path / "s", f"connection: sqlite:///{scout_db}\nwatch_interval: 0")
    contract = "contracts:\n  - name: {name}\n    owner: Data\n    protects:\n      - table: regions\n        columns:\n          region_code:\n"
    (site.root / "contracts.yml").write_text(contract.format(name="first-name"))
    with served(site.root) as (base, _):
        page = f"{base}/schema/contracts/"
        assert wait_for(page, "first-name", 60) is not None, "serve did not come up"
        (site.root / "contracts.yml").write_text(contract.format(name="second-name"))
        assert wait_for(page, "second-name", 30) is not None, "editing contracts.yml did not rebuild"


def test_editing_a_page_rebuilds_from_the_cached_catalog(tmp_path: Path, scout_db: Path) -> None:
    """Within `cache_ttl` a rebuild does not touch the database: with the database gone, it still builds live pages."""
    site = write_site(tmp_path / "s", f"connection: sqlite:///{scout_db}\nwatch_interval: 0\ncache_ttl: 600")
    with served(site.root) as (base, output):
        assert wait_for(f"{base}/", "See the", 60) is not None, "serve did not come up"
        scout_db.rename(scout_db.with_suffix(".gone"))  # any query now fails: no file, no snapshot
        (site.docs_dir / "index.md").write_text("# Home\n\nEdited while the database is gone.\n")
        assert wait_for(f"{base}/", "Edited while the database is gone", 30) is not None, "no rebuild"
        regions = fetch(f"{base}/schema/main/regions/") or ""
        assert "region_code" in regions and "Not the live database" not in regions
    assert "does not exist" not in output[0]  # the database was never opened again


def test_sigterm_removes_the_watch_folder(tmp_path: Path, scout_db: Path) -> None:
    """Issue 17 item 13: only Ctrl-C cleaned the temporary watch folder; a SIGTERM (systemd, docker stop) left it."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    site = write_site(tmp_path / "s", f"connection: sqlite:///{scout_db}\nwatch_interval: 1")
    with served(site.root, env={"TMPDIR": str(temp)}) as (base, output):  # `served` ends it with SIGTERM
        assert wait_for(f"{base}/schema/main/regions/", "region_code", 60) is not None, "serve did not come up"
        assert list(temp.glob("schema-sync-watch-*"))
    assert not list(temp.glob("schema-sync-watch-*")), output
