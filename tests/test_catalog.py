"""The catalog model: canonical JSON and hashes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from mkdocs_schema_sync.catalog import Catalog
from mkdocs_schema_sync.catalog.snapshot import read_snapshot, write_snapshot
from mkdocs_schema_sync.db import open_database, parse_connection


def read(path: Path) -> Catalog:
    with open_database(parse_connection(f"sqlite:///{path}")) as db:
        return db.dialect.read_catalog(db)


def test_snapshot_is_byte_identical_across_runs(scout_db: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    write_snapshot(read(scout_db), first)
    write_snapshot(read(scout_db), second)
    assert first.read_bytes() == second.read_bytes()
    assert write_snapshot(read(scout_db), first) is False  # unchanged: not rewritten


def test_row_counts_do_not_change_the_hash(scout_db: Path) -> None:
    before = read(scout_db).sha256()
    conn = sqlite3.connect(scout_db)
    conn.execute("INSERT INTO regions (region_id, region_code, name) VALUES (99, 'X', 'x')")
    conn.commit()
    conn.close()
    after = read(scout_db)
    assert after.get("main", "regions").row_count == 4
    assert after.sha256() == before


def test_one_column_type_change_moves_that_objects_hash_only(scout_db: Path) -> None:
    before = read(scout_db)
    conn = sqlite3.connect(scout_db)
    conn.executescript(
        "ALTER TABLE brands RENAME TO brands_old;"
        "CREATE TABLE brands (brand_id INTEGER PRIMARY KEY, name VARCHAR(200) NOT NULL UNIQUE,"
        " company VARCHAR(128), is_owned BOOLEAN NOT NULL DEFAULT 0);"
        "DROP TABLE brands_old;"
    )
    conn.close()
    after = read(scout_db)
    old, new = before.object_hashes(), after.object_hashes()
    changed = {k for k in old if old[k] != new.get(k)}
    assert "main.brands" in changed
    assert after.get("main", "brands").column("name").type == "VARCHAR(200)"
    assert before.sha256() != after.sha256()
    assert "main.stores" not in changed


def test_snapshot_round_trip_keeps_every_hash(scout_db: Path, tmp_path: Path) -> None:
    catalog = read(scout_db)
    path = tmp_path / "schema.lock.json"
    write_snapshot(catalog, path)
    again = read_snapshot(path)
    assert again.object_hashes() == catalog.object_hashes()
    assert again.sha256() == catalog.sha256()
    assert '"row_count"' not in path.read_text()
