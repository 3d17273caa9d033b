"""Drift on SQLite (real files): polling, snapshot/diff through the CLI, the change-log page, the serve watcher."""

from __future__ import annotations

import html
import json
import shutil
import sqlite3
import time
from pathlib import Path

from conftest import EXAMPLE, cli, mkdocs_build, write_site

from mkdocs_schema_sync.db import open_database, parse_connection
from mkdocs_schema_sync.drift.capture import install
from mkdocs_schema_sync.drift.log import read_log
from mkdocs_schema_sync.drift.poller import Poller
from mkdocs_schema_sync.plugin.watcher import DatabaseWatcher
from mkdocs_schema_sync.settings import Settings


def alter(db: Path, sql: str) -> None:
    conn = sqlite3.connect(db)
    conn.executescript(sql)
    conn.commit()
    conn.close()


def settings_for(db: Path) -> Settings:
    return Settings(base_dir=db.parent, connection=f"sqlite:///{db}", snapshot=db.parent / "schema.lock.json")


def test_polling_finds_the_changes_and_an_unchanged_check_costs_one_query(scout_db: Path) -> None:
    settings = settings_for(scout_db)
    poller = Poller(settings)
    spec = parse_connection(settings.connection or "", scout_db.parent)
    with open_database(spec, writable=True) as writer:
        assert install(writer).mode == "poll"  # what `install-triggers` does: the log table in the database
    with open_database(spec) as db:
        first = poller.check(db)
        assert first.checked and first.entries == []  # the baseline
        before = db.queries
        assert not poller.check(db).checked
        assert db.queries - before == 1
        alter(
            scout_db,
            "CREATE TABLE promo (id INTEGER PRIMARY KEY, code TEXT NOT NULL);"
            "ALTER TABLE stores ADD COLUMN manager TEXT;"
            "CREATE INDEX ix_brands_company ON brands (company);"
            "DROP TABLE IF EXISTS customers_archive;",
        )
        found = poller.check(db)
        assert {(e.event_type, e.object_name) for e in found.entries} == {
            ("CREATE TABLE", "promo"),
            ("ALTER TABLE", "stores"),
            ("ALTER TABLE", "brands"),
        }
        stores = next(e for e in found.entries if e.object_name == "stores")
        assert "column added: main.stores.manager" in (stores.statement or "")
        assert all(e.login_name == "unknown (polled)" and e.source == "poll" for e in found.entries)
        before = db.queries
        assert not poller.check(db).checked
        assert db.queries - before == 1
        # a new process (no remembered signal): the signal and the stored one, nothing else
        before = db.queries
        assert not Poller(settings).check(db).checked
        assert db.queries - before == 2
        alter(scout_db, "DROP TABLE promo;")
        dropped = poller.check(db).entries
        assert [(e.event_type, e.object_name) for e in dropped] == [("DROP TABLE", "promo")]
        logged = read_log(db)
    assert logged is not None
    assert [e.object_name for e in logged][:1] == ["promo"]  # newest first
    assert len(logged) == 4


def test_json_log_when_the_database_refuses_writes(tmp_path: Path) -> None:
    src = tmp_path / "src.db"
    # a view where the log table belongs: every write of the log fails in SQLite itself
    alter(src, "CREATE TABLE t (a INTEGER); CREATE VIEW schema_sync_state AS SELECT 1 AS name, NULL AS value;")
    settings = settings_for(src)
    poller = Poller(settings)
    with open_database(parse_connection(settings.connection or "", tmp_path)) as db:
        assert poller.check(db).where == "json"
        alter(src, "ALTER TABLE t ADD COLUMN b TEXT;")
        result = poller.check(db)
    assert result.where == "json"
    data = json.loads((tmp_path / "schema.drift.json").read_text())
    assert [e["object_name"] for e in data["entries"]] == ["t"]
    assert "column added: main.t.b" in data["entries"][0]["statement"]


def test_snapshot_then_diff_exit_codes_and_deterministic_snapshot(scout_db: Path, tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", f"connection: sqlite:///{scout_db}")
    r = cli("diff", cwd=site.root)
    assert r.returncode == 2 and "no snapshot" in r.stderr
    assert cli("snapshot", cwd=site.root).returncode == 0
    first = (site.root / "schema.lock.json").read_bytes()
    assert cli("snapshot", cwd=site.root).returncode == 0
    assert (site.root / "schema.lock.json").read_bytes() == first
    r = cli("diff", cwd=site.root)
    assert r.returncode == 0, r.stderr
    alter(scout_db, "ALTER TABLE products ADD COLUMN weight_g INTEGER NOT NULL DEFAULT 0;")
    r = cli("diff", cwd=site.root)
    assert r.returncode == 1
    lines = [ln for ln in r.stdout.splitlines() if "main.products" in ln]
    assert any("column added: main.products.weight_g" in ln for ln in lines)
    r = cli("diff", "--format", "json", cwd=site.root)
    assert r.returncode == 1
    kinds = {(c["kind"], c["table"], c["column"]) for c in json.loads(r.stdout)["changes"]}
    assert ("column_added", "products", "weight_g") in kinds
    alter(scout_db, "DROP VIEW IF EXISTS v_store_sales;")
    r = cli("diff", "--format", "markdown", cwd=site.root)
    assert r.returncode == 1
    md = r.stdout
    if "### Breaking changes" in md:
        assert md.index("### Breaking changes") < md.index("### Additive changes")
    assert cli("snapshot", cwd=site.root).returncode == 0
    assert cli("diff", cwd=site.root).returncode == 0
    # two snapshots
    old = tmp_path / "old.json"
    old.write_bytes(first)
    r = cli("diff", "--from", str(old), "--to", str(site.root / "schema.lock.json"), cwd=site.root)
    assert r.returncode == 1 and "weight_g" in r.stdout


def test_unreachable_database_falls_back_to_the_snapshot_quickly(scout_db: Path, tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", f"connection: sqlite:///{scout_db}")
    assert cli("snapshot", cwd=site.root).returncode == 0
    (site.root / "mkdocs.yml").write_text(
        (site.root / "mkdocs.yml").read_text().replace(f"sqlite:///{scout_db}", "postgresql://postgres@127.0.0.1:1/x")
        + "      connect_timeout: 3\n"
    )
    start = time.monotonic()
    r = mkdocs_build(site, strict=False)
    elapsed = time.monotonic() - start
    assert r.returncode == 0, r.stderr
    assert elapsed < 30
    for page in ("schema/index.html", "schema/main/stores/index.html", "schema/architecture/index.html"):
        assert "Not the live database" in site.html(page)
    # fail instead
    (site.root / "mkdocs.yml").write_text((site.root / "mkdocs.yml").read_text() + "      on_unreachable: fail\n")
    r = mkdocs_build(site, strict=False)
    assert r.returncode != 0
    assert "Traceback" not in r.stderr and "on_unreachable: fail" in r.stderr
    # no database and no snapshot
    (site.root / "schema.lock.json").unlink()
    yml = (site.root / "mkdocs.yml").read_text().replace("      on_unreachable: fail\n", "")
    (site.root / "mkdocs.yml").write_text(yml)
    r = mkdocs_build(site, strict=False)
    assert r.returncode != 0 and "no snapshot" in r.stderr and "Traceback" not in r.stderr


def test_example_site_change_log_through_polling(tmp_path: Path) -> None:
    root = tmp_path / "example"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("site", "scout.db"))
    db = root / "scout.db"
    alter(db, (root / "scout.sql").read_text())
    env = {"SCHEMA_SYNC_CONNECTION": "sqlite:///scout.db"}
    r = cli("install-triggers", cwd=root, env=env)
    assert r.returncode == 0 and "no DDL triggers" in r.stdout
    assert cli("snapshot", cwd=root, env=env).returncode == 0
    alter(db, "ALTER TABLE stores ADD COLUMN manager_name VARCHAR(80);")
    assert cli("diff", cwd=root, env=env).returncode == 1
    from conftest import Site

    site = Site(root)
    r = mkdocs_build(site, env=env)
    assert r.returncode == 0, r.stderr
    page = html.unescape(site.html("schema/main/stores/index.html"))
    assert "Recent changes" in page and "manager_name" in page and "unknown (polled)" in page
    changes = html.unescape(site.html("schema/changes/index.html"))
    assert "manager_name" in changes and "Schema main" in changes
    assert cli("diff", cwd=root, env=env).returncode == 1
    assert cli("snapshot", cwd=root, env=env).returncode == 0
    assert cli("diff", cwd=root, env=env).returncode == 0
    r = cli("health", cwd=root, env=env)
    assert r.returncode == 0 and "mode: poll" in r.stdout


def test_watcher_invalidates_and_touches_the_signal_file(scout_db: Path, tmp_path: Path) -> None:
    signal_file = tmp_path / "signal"
    signal_file.write_text("")
    invalidated: list[float] = []
    watcher = DatabaseWatcher(settings_for(scout_db), lambda: invalidated.append(time.monotonic()), signal_file, 0.2)
    watcher.start()
    try:
        time.sleep(0.5)
        assert invalidated == [] and signal_file.read_text() == ""
        changed_at = time.monotonic()
        alter(scout_db, "CREATE TABLE watched (a INTEGER);")
        deadline = changed_at + 5
        while not invalidated and time.monotonic() < deadline:
            time.sleep(0.05)
        assert invalidated, "the watcher did not notice the change within 5 s"
        assert signal_file.read_text() != ""
        latency = invalidated[0] - changed_at
        assert latency < 2
    finally:
        watcher.stop()
