"""Drift log hardening on real SQLite files and real builds: masked poll rows, capped statements and comments."""

from __future__ import annotations

import html
import json
import sqlite3
import time
from pathlib import Path

import pytest
from conftest import mkdocs_build, visible_text, write_site

from mkdocs_schema_sync.db import open_database, parse_connection
from mkdocs_schema_sync.drift.poller import Poller
from mkdocs_schema_sync.settings import Settings


def alter(db: Path, sql: str) -> None:
    conn = sqlite3.connect(db)
    conn.executescript(sql)
    conn.commit()
    conn.close()


def settings_for(db: Path) -> Settings:
    return Settings(base_dir=db.parent, connection=f"sqlite:///{db}", snapshot=db.parent / "schema.lock.json")


def test_poll_rows_are_masked_before_they_are_written(tmp_path: Path) -> None:
    """A view whose SQL holds a conninfo password: the polled summary quotes it, the stored row must not.
    (The view's SQL itself is schema: it is in the stored catalog, as in the snapshot.)"""
    db = tmp_path / "app.db"
    alter(db, "CREATE TABLE t (a INTEGER); CREATE VIEW v AS SELECT 1 AS c;")
    settings = settings_for(db)
    with open_database(parse_connection(settings.connection or "", tmp_path)) as conn:
        Poller(settings).check(conn)  # baseline into schema.drift.json
        alter(db, "DROP VIEW v; CREATE VIEW v AS SELECT 'host=h password=in-view-pw' AS c;")
        result = Poller(settings).check(conn)
    assert [e.object_name for e in result.entries] == ["v"]
    (row,) = json.loads((tmp_path / "schema.drift.json").read_text())["entries"]
    assert "view definition changed" in row["statement"] and "password=***" in row["statement"]
    assert "in-view-pw" not in row["statement"]


def test_a_huge_comment_and_statement_are_capped_on_the_pages(tmp_path: Path) -> None:
    """A 200 KB table and column comment (SQLite: `--` comments in the DDL) and the same text in a captured statement."""
    db = tmp_path / "app.db"
    big = "word " * 40_000  # 200 KB, spaces and all
    alter(db, f"CREATE TABLE notes ( -- {big}\n  id INTEGER PRIMARY KEY, -- {big}\n  body TEXT\n);")
    site = write_site(tmp_path / "site", f"connection: sqlite:///{db}")
    conn = sqlite3.connect(db)
    conn.executescript((Path(__file__).parent.parent / "sql" / "sqlite" / "log_tables.sql").read_text())
    statement = f"COMMENT ON COLUMN notes.id IS '{big}'"
    conn.execute(
        "INSERT INTO schema_sync_drift_log (event_time, login_name, event_type, object_type, schema_name, "
        "object_name, statement, source) VALUES ('2025-01-01 00:00:00', 'me', 'COMMENT', 'table', 'main', "
        "'notes', ?, 'trigger')",
        (statement,),
    )
    conn.commit()
    conn.close()
    start = time.monotonic()
    r = mkdocs_build(site)
    assert r.returncode == 0, r.stderr
    assert time.monotonic() - start < 120
    page = html.unescape(site.html("schema/main/notes/index.html"))
    assert f"… ({len(big.strip()) - 2000:,} more characters)" in page  # the comment: 2,000 characters shown
    assert len(page) < 100_000
    changes = visible_text(site.html("schema/changes/index.html"))
    assert f"… ({len(statement) - 10_000:,} more characters)" in changes  # the statement: 10,000 shown
    assert len(changes) < 100_000
    index = html.unescape(site.html("schema/main/index.html"))
    assert "more characters)" in index and len(index) < 100_000


def test_appending_columns_is_not_reordering(tmp_path: Path) -> None:
    """`id, name, email` -> `id, name, email, zz, aa`: two columns added, no "columns reordered" (real SQLite)."""
    from conftest import cli

    db = tmp_path / "app.db"
    alter(db, "CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT, email TEXT);")
    site = write_site(tmp_path / "s", f"connection: sqlite:///{db}")
    assert cli("snapshot", cwd=site.root).returncode == 0
    alter(db, "ALTER TABLE people ADD COLUMN zz TEXT; ALTER TABLE people ADD COLUMN aa TEXT;")
    result = cli("diff", "--format", "json", cwd=site.root)
    assert result.returncode == 1
    kinds = [(c["kind"], c["column"]) for c in json.loads(result.stdout)["changes"]]
    assert sorted(kinds) == [("column_added", "aa"), ("column_added", "zz")], kinds
    # a real reorder is still one: a table rebuilt with its columns in another order
    alter(
        db,
        "CREATE TABLE people2 (email TEXT, id INTEGER PRIMARY KEY, name TEXT, zz TEXT, aa TEXT);"
        "DROP TABLE people; ALTER TABLE people2 RENAME TO people;",
    )
    result = cli("diff", "--format", "json", cwd=site.root)
    kinds = [c["kind"] for c in json.loads(result.stdout)["changes"]]
    assert "columns_reordered" in kinds


def test_apply_puts_appended_and_inserted_columns_where_they_are() -> None:
    from mkdocs_schema_sync.catalog import Catalog, Column, Table
    from mkdocs_schema_sync.catalog.diff import apply_changes, diff_catalogs

    def cat(*names: str) -> Catalog:
        return Catalog("mysql", [Table("s", "t", columns=[Column(n, "int") for n in names])])

    for old, new in [
        (("id", "name", "email"), ("id", "name", "email", "zz", "aa")),
        (("id", "name"), ("id", "mid", "name")),  # MySQL: ADD COLUMN mid AFTER id
        (("id", "gone", "name"), ("b", "id", "name", "a")),
    ]:
        changes = diff_catalogs(cat(*old), cat(*new))
        assert "columns_reordered" not in [c.kind for c in changes]
        assert apply_changes(cat(*old), changes).sha256() == cat(*new).sha256()


def changes_page(site) -> str:  # type: ignore[no-untyped-def]
    result = mkdocs_build(site)
    assert result.returncode == 0, result.stderr
    return html.unescape(site.html("schema/changes/index.html"))


def test_the_change_log_keeps_history_across_capture_modes_sqlite(tmp_path: Path) -> None:
    """Polled into schema.drift.json, then into the database's log after install-triggers, then into the
    JSON file again after uninstall-triggers --keep-log: every change stays on the page, once."""
    from conftest import cli

    db = tmp_path / "app.db"
    alter(db, "CREATE TABLE base (id INTEGER PRIMARY KEY);")
    site = write_site(tmp_path / "s", f"connection: sqlite:///{db}")
    assert cli("monitor", "--once", cwd=site.root).returncode == 0  # baseline, in the JSON file
    alter(db, "CREATE TABLE polled_to_json (id INTEGER PRIMARY KEY);")
    assert cli("monitor", "--once", cwd=site.root).returncode == 0
    assert cli("install-triggers", cwd=site.root).returncode == 0
    alter(db, "CREATE TABLE polled_to_table (id INTEGER PRIMARY KEY);")
    page = changes_page(site)
    assert "polled_to_json" in page and "polled_to_table" in page
    assert cli("uninstall-triggers", "--keep-log", cwd=site.root).returncode == 0
    alter(db, "CREATE TABLE after_uninstall (id INTEGER PRIMARY KEY);")
    page = changes_page(site)
    for table in ("polled_to_json", "polled_to_table", "after_uninstall"):
        assert page.count(f"added table main.{table}") == 1, table


@pytest.mark.postgres
def test_the_change_log_keeps_polled_history_after_installing_triggers(tmp_path: Path, pg_db) -> None:  # type: ignore[no-untyped-def]
    from conftest import cli, pg_execute

    pg_execute(pg_db, "CREATE TABLE base (id int PRIMARY KEY)")
    site = write_site(tmp_path / "s", f"connection: {pg_db.url('postgresql+psycopg')}")
    assert cli("monitor", "--once", cwd=site.root).returncode == 0
    pg_execute(pg_db, "CREATE TABLE polled_before (id int PRIMARY KEY)")
    assert cli("monitor", "--once", cwd=site.root).returncode == 0
    assert cli("install-triggers", cwd=site.root).returncode == 0
    pg_execute(pg_db, "CREATE TABLE logged_by_trigger (id int PRIMARY KEY)")
    page = changes_page(site)
    assert "added table public.polled_before" in page and "CREATE TABLE logged_by_trigger" in page


def test_sqlite_ddl_with_a_byte_that_is_not_utf8_is_read_with_replacement_characters(tmp_path: Path) -> None:
    """A comment written in Latin-1 inside a stored CREATE TABLE: the build goes on and says so once."""
    db = tmp_path / "app.db"
    alter(db, "CREATE TABLE notes (id INTEGER PRIMARY KEY, -- placeholder\n  body TEXT);")
    ddl = b"CREATE TABLE notes (id INTEGER PRIMARY KEY, -- caf\xe9 au lait\n  body TEXT)"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute("UPDATE sqlite_master SET sql = CAST(? AS TEXT) WHERE name = 'notes'", (ddl,))
    conn.commit()
    conn.close()
    site = write_site(tmp_path / "s", f"connection: sqlite:///{db}")
    result = mkdocs_build(site)  # --strict: the note is not a warning
    assert result.returncode == 0, result.stderr
    page = html.unescape(site.html("schema/main/notes/index.html"))
    assert "caf\ufffd au lait" in page
    notes = [line for line in result.stderr.splitlines() if "not UTF-8" in line]
    assert len(notes) == 1 and "replacement characters" in notes[0], result.stderr


def _poll_a_table_named_with_a_lone_surrogate(url: str, base: Path, ddl: object, schema: str) -> None:
    """Poll into the database's log a catalog (built here) with a table whose name and comment hold lone
    surrogates, as SQL Server's NVARCHAR or a surrogateescape decoder gives them: the row is written, with
    each surrogate spelled as the pages show it (`\\ud800`), and the next poll reads the stored catalog back."""
    import dataclasses

    from mkdocs_schema_sync.catalog import Column, Table
    from mkdocs_schema_sync.drift.log import read_log

    settings = Settings(base_dir=base, connection=url)  # no snapshot: no JSON file to fall back on
    poller = Poller(settings)
    with open_database(parse_connection(url, base)) as db:
        assert poller.check(db).where == "database"  # the baseline
        ddl("CREATE TABLE moved (id INTEGER)")  # the signal moves
        signal = db.dialect.change_signal(db)
        read = db.dialect.read_catalog(db, row_counts=False)
        odd = Table(schema, "t\ud800", columns=[Column("c\udcff", "TEXT")], comment="p\udfffq")
        catalog = dataclasses.replace(read, tables=[*read.tables, odd])
        result = poller.check(db, catalog=catalog, signal=signal)
        assert result.where == "database" and "t\ud800" in [e.object_name for e in result.entries]
        logged = read_log(db) or []
        row = next(e for e in logged if (e.object_name or "").startswith("t"))
        assert row.object_name == "t\\ud800"  # what the pages show for the name
        assert "c\\udcff" in (row.statement or "")
        assert "\ud800" not in repr([e.statement for e in logged])
        ddl("CREATE TABLE moved_again (id INTEGER)")
        again = poller.check(db)  # the stored catalog reads back: the odd table is gone, nothing else
        kinds = {(e.event_type, e.object_name) for e in again.entries}
        assert kinds == {("CREATE TABLE", "moved_again"), ("DROP TABLE", "t\ud800")}


def test_a_lone_surrogate_in_polled_text_is_written_to_the_sqlite_log(tmp_path: Path) -> None:
    from mkdocs_schema_sync.drift.capture import install

    db = tmp_path / "app.db"
    alter(db, "CREATE TABLE base (id INTEGER PRIMARY KEY);")
    url = f"sqlite:///{db}"
    with open_database(parse_connection(url, tmp_path), writable=True) as writer:
        assert install(writer).mode == "poll"
    _poll_a_table_named_with_a_lone_surrogate(url, tmp_path, lambda sql: alter(db, sql + ";"), "main")


@pytest.mark.postgres
def test_a_lone_surrogate_in_polled_text_is_written_to_the_postgres_log(tmp_path: Path, pg_db) -> None:  # type: ignore[no-untyped-def]
    from conftest import pg_execute

    from mkdocs_schema_sync.drift.log import create_log_tables

    pg_execute(pg_db, "CREATE TABLE base (id int PRIMARY KEY)")
    url = pg_db.url("postgresql+psycopg")
    with open_database(parse_connection(url, tmp_path)) as conn:
        create_log_tables(conn)  # polling mode, as install-triggers without a superuser leaves it
    _poll_a_table_named_with_a_lone_surrogate(url, tmp_path, lambda sql: pg_execute(pg_db, sql), "public")
