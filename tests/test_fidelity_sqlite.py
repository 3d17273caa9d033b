"""SQLite catalog fidelity (issue 18): foreign key names written in the DDL are read, shown and diffed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from conftest import cli, make_sqlite, mkdocs_build, visible_text, write_site

SQL = """
CREATE TABLE artist (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE album (
    id INTEGER PRIMARY KEY,
    artist_id INTEGER CONSTRAINT [FK_AlbumArtist] REFERENCES artist (id),
    other_id INTEGER,
    CONSTRAINT "fk album other" FOREIGN KEY ( other_id ) REFERENCES "artist" (id) ON DELETE CASCADE,
    FOREIGN KEY (other_id) REFERENCES album (id)
);
"""


def test_fk_names_from_the_ddl_on_the_page_and_in_diff(tmp_path: Path) -> None:
    db = make_sqlite(tmp_path / "music.db", SQL)
    site = write_site(tmp_path / "site", f"connection: sqlite:///{db}\n")
    assert cli("snapshot", cwd=site.root).returncode == 0
    assert mkdocs_build(site).returncode == 0
    page = visible_text(site.html("schema/main/album/index.html"))
    assert "FK_AlbumArtist" in page and "fk album other" in page

    conn = sqlite3.connect(db)
    conn.executescript(
        "PRAGMA foreign_keys = OFF; ALTER TABLE album RENAME TO album_old;"
        + SQL.split("CREATE TABLE album")[0].replace("CREATE TABLE artist (id INTEGER PRIMARY KEY, name TEXT);", "")
        + "CREATE TABLE album"
        + SQL.split("CREATE TABLE album")[1].replace("fk album other", "fk_other")
        + "DROP TABLE album_old;"
    )
    conn.close()
    out = cli("diff", cwd=site.root).stdout
    assert "foreign key renamed on main.album: fk album other (other_id) -> main.artist(id)" in out
    assert "fk_other (other_id)" in out
