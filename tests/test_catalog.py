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


def test_a_lone_surrogate_in_database_text_writes_a_snapshot_that_reads_back_the_same(tmp_path: Path) -> None:
    """SQL Server's NVARCHAR keeps unpaired UTF-16 halves (and a surrogateescape decoder yields \\udc80-\\udcff):
    the snapshot spells each as its JSON escape, reads back the same code point, and keeps every hash."""
    from mkdocs_schema_sync.catalog import Column, Routine, Table
    from mkdocs_schema_sync.render.pages import DocModel, SourceInfo, render_pages
    from mkdocs_schema_sync.settings import Settings

    catalog = Catalog(
        dialect="mssql",
        tables=[
            Table(
                "dbo",
                "t\ud800",
                columns=[Column("c", "nvarchar(10)", default="(N'a\udcff')", comment="x\udfffy")],
                comment="p\ud83dq",
            )
        ],
        routines=[Routine("dbo", "f", definition="SELECT N'\udc00'")],
    )
    path = tmp_path / "schema.lock.json"
    assert write_snapshot(catalog, path) is True
    text = path.read_text(encoding="utf-8")
    assert "x\\udfffy" in text and "t\\ud800" in text  # the escape, not U+FFFD: nothing is lost
    again = read_snapshot(path)
    assert again.tables[0].columns[0].comment == "x\udfffy"
    assert again.object_hashes() == catalog.object_hashes()
    assert again.sha256() == catalog.sha256()
    assert write_snapshot(again, path) is False  # byte-identical on the next write
    settings = Settings(base_dir=tmp_path)
    live = render_pages(DocModel(catalog, settings, SourceInfo("live", "db")))
    offline = render_pages(DocModel(again, settings, SourceInfo("live", "db")))
    assert offline == live  # the pages show the same `\ud800` escapes from either source
    assert any("x&#92;udfffy" in page for page in live.values())  # `x\udfffy`, the snapshot's spelling
