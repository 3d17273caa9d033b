"""`mkdocs serve` for real: a schema change in the database shows up in the served site by itself."""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import time
import urllib.request
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


def test_served_site_rebuilds_when_the_schema_changes(tmp_path: Path, scout_db: Path) -> None:
    site = write_site(tmp_path / "s", f"connection: sqlite:///{scout_db}\nwatch_interval: 1")
    port = free_port()
    proc = subprocess.Popen(
        [tool("mkdocs"), "serve", "-a", f"127.0.0.1:{port}", "--no-strict"],
        cwd=site.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        page = f"http://127.0.0.1:{port}/schema/main/regions/"
        assert wait_for(page, "region_code", 60) is not None, "serve did not come up"
        conn = sqlite3.connect(scout_db)
        conn.execute("ALTER TABLE regions ADD COLUMN promo_code VARCHAR(12)")
        conn.commit()
        conn.close()
        took = wait_for(page, "promo_code", 30)
        assert took is not None, "the served page never showed the new column"
    finally:
        proc.terminate()
        try:
            out, _ = proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
    assert "Traceback" not in out


def test_served_site_rebuilds_when_the_contracts_file_changes(tmp_path: Path, scout_db: Path) -> None:
    site = write_site(tmp_path / "s", f"connection: sqlite:///{scout_db}\nwatch_interval: 0")
    contract = "contracts:\n  - name: {name}\n    owner: Data\n    protects:\n      - table: regions\n        columns:\n          region_code:\n"
    (site.root / "contracts.yml").write_text(contract.format(name="first-name"))
    port = free_port()
    proc = subprocess.Popen(
        [tool("mkdocs"), "serve", "-a", f"127.0.0.1:{port}", "--no-strict"],
        cwd=site.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        page = f"http://127.0.0.1:{port}/schema/contracts/"
        assert wait_for(page, "first-name", 60) is not None, "serve did not come up"
        (site.root / "contracts.yml").write_text(contract.format(name="second-name"))
        assert wait_for(page, "second-name", 30) is not None, "editing contracts.yml did not rebuild"
    finally:
        proc.terminate()
        try:
            proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()


def test_editing_a_page_rebuilds_from_the_cached_catalog(tmp_path: Path, scout_db: Path) -> None:
    """Within `cache_ttl` a rebuild does not touch the database: with the database gone, it still builds live pages."""
    site = write_site(tmp_path / "s", f"connection: sqlite:///{scout_db}\nwatch_interval: 0\ncache_ttl: 600")
    port = free_port()
    proc = subprocess.Popen(
        [tool("mkdocs"), "serve", "-a", f"127.0.0.1:{port}", "--no-strict"],
        cwd=site.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        home = f"http://127.0.0.1:{port}/"
        assert wait_for(home, "See the", 60) is not None, "serve did not come up"
        scout_db.rename(scout_db.with_suffix(".gone"))  # any query now fails: no file, no snapshot
        (site.docs_dir / "index.md").write_text("# Home\n\nEdited while the database is gone.\n")
        assert wait_for(home, "Edited while the database is gone", 30) is not None, "no rebuild"
        regions = fetch(f"http://127.0.0.1:{port}/schema/main/regions/") or ""
        assert "region_code" in regions and "Not the live database" not in regions
    finally:
        proc.terminate()
        try:
            out, _ = proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
    assert "does not exist" not in out  # the database was never opened again
