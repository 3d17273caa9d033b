"""`mkdocs serve` after a one-table change (issue 20 goal 1): the rebuilt site is a clean build's, page for page.

Serve is emulated as MkDocs runs it (mkdocs/commands/serve.py): `on_startup(command="serve")`, then
each rebuild loads mkdocs.yml again (the plugin instance is kept) and calls the real `build()` into
the served folder, with `dirty` as `serve --dirty` passes it. The reference is a separate
`mkdocs build` of the same project and database into another folder.
"""

from __future__ import annotations

import gzip
import re
import sqlite3
import threading
from pathlib import Path

import pytest
from conftest import ServerDB, Site, cli, mkdocs_build, pg_execute, write_site
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig

SERVE_URL = "http://127.0.0.1:8000/"
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}(:|&#58;)\d{2}((:|&#58;)\d{2})?(\.\d+)?")  # build times


def _config(root: Path, out: Path) -> MkDocsConfig:
    config = load_config(config_file=str(root / "mkdocs.yml"), site_dir=str(out))
    config.site_url = SERVE_URL
    return config


def _files(folder: Path) -> dict[str, bytes]:
    """Every file, with what differs between any two builds taken out (build times, gzip headers)."""
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            rel = path.relative_to(folder).as_posix()
            data = path.read_bytes()
            if rel.endswith(".gz"):
                data = gzip.decompress(data)
            if rel.endswith((".html", ".xml", ".json", ".gz")):
                data = _TIME.sub("TIME", data.decode("utf-8")).encode("utf-8")
            out[rel] = data
    return out


def _change(db: Path, sql: str) -> None:
    conn = sqlite3.connect(db)
    conn.executescript(sql)
    conn.commit()
    conn.close()


def _same_as_a_clean_build(site: Site, served: Path) -> None:
    result = mkdocs_build(site, strict=False)  # the same project (its drift log too), into site/
    assert result.returncode == 0, result.stderr
    rebuilt, reference = _files(served), _files(site.site_dir)
    assert sorted(set(rebuilt) ^ set(reference)) == []
    assert [rel for rel in reference if rebuilt[rel] != reference[rel]] == []


@pytest.mark.parametrize(
    ("dirty", "theme"),
    [(True, "mkdocs"), (False, "mkdocs"), (True, "material")],
    ids=["serve --dirty", "serve", "serve --dirty, Material"],
)
def test_rebuild_after_a_change_equals_a_clean_build(tmp_path: Path, scout_db: Path, dirty: bool, theme: str) -> None:
    site = write_site(
        tmp_path / "s",
        f"connection: sqlite:///{scout_db}\nwatch_interval: 0",
        extra_yaml=f"site_url: {SERVE_URL}",
        theme=theme,
    )
    assert mkdocs_build(site, strict=False).returncode == 0  # polling's baseline, then a logged change:
    _change(scout_db, "ALTER TABLE stores ADD COLUMN district VARCHAR(40)")  # the change log page exists
    served = tmp_path / "served"
    MkDocsConfig.plugins.plugin_cache.clear()  # type: ignore[attr-defined]  # a fresh plugin, as a new process
    first = _config(site.root, served)
    first.plugins.on_startup(command="serve", dirty=dirty)
    plugin = first.plugins["schema-sync"]
    page = served / "schema" / "main" / "regions" / "index.html"
    try:
        build(first, serve_url=SERVE_URL, dirty=dirty)
        assert page.is_file() and "promo_code" not in page.read_text()
        tables = len(list((served / "schema" / "main").glob("*/index.html")))

        _change(scout_db, "ALTER TABLE regions ADD COLUMN promo_code VARCHAR(12)")
        plugin.invalidate()  # what the watcher does when the change signal moves
        missing: list[str] = []
        done = threading.Event()

        def rebuild() -> None:
            try:
                build(_config(site.root, served), serve_url=SERVE_URL, dirty=dirty)
            finally:
                done.set()

        worker = threading.Thread(target=rebuild)
        worker.start()
        while not done.is_set():  # a file missing from the served folder is a 404 for a reader
            if not page.is_file():
                missing.append("regions")
        worker.join()
        assert missing == []  # before: a plain serve emptied the folder first
        assert "promo_code" in page.read_text()
        # only the changed table and the tables joined to it were rendered again (before: every page)
        assert 1 <= plugin._page_caches[0].rendered <= 4 < tables
        if dirty:  # and MkDocs built only pages whose text changed, and the pages in the navigation
            assert len(plugin._search.built) < tables
        _same_as_a_clean_build(site, served)

        # a new table: new pages, a longer navigation; still the clean build's site
        _change(scout_db, "CREATE TABLE promo (id INTEGER PRIMARY KEY, region_id INTEGER REFERENCES regions (id))")
        plugin.invalidate()
        build(_config(site.root, served), serve_url=SERVE_URL, dirty=dirty)
        assert (served / "schema" / "main" / "promo" / "index.html").is_file()
        _same_as_a_clean_build(site, served)
    finally:
        plugin.on_shutdown()
        MkDocsConfig.plugins.plugin_cache.clear()  # type: ignore[attr-defined]


PG_SCHEMA = """
CREATE TABLE customers (id integer PRIMARY KEY, name text);
CREATE TABLE orders (id integer PRIMARY KEY, customer_id integer REFERENCES customers (id), total numeric);
CREATE TABLE items (id serial PRIMARY KEY, order_id integer REFERENCES orders (id), sku text);
CREATE TABLE notes (id integer PRIMARY KEY, body text);
COMMENT ON TABLE notes IS 'Free text';
"""


def test_serve_after_a_logged_change_reads_only_the_tables_it_named(tmp_path: Path, pg_db: ServerDB) -> None:
    """PostgreSQL with event triggers: each change re-reads the tables its drift-log rows name (or the whole
    catalog when they cannot say), and after every one the served site is a clean build's."""
    pg_execute(pg_db, PG_SCHEMA)
    site = write_site(
        tmp_path / "s",
        f"connection: {pg_db.url('postgresql')}\nwatch_interval: 0",
        extra_yaml=f"site_url: {SERVE_URL}",
    )
    assert cli("install-triggers", cwd=site.root).returncode == 0
    served = tmp_path / "served"
    MkDocsConfig.plugins.plugin_cache.clear()  # type: ignore[attr-defined]
    first = _config(site.root, served)
    first.plugins.on_startup(command="serve", dirty=True)
    plugin = first.plugins["schema-sync"]
    pages = served / "schema" / "public"
    try:
        build(first, serve_url=SERVE_URL, dirty=True)
        assert plugin._last_read[0][1].read_tables is None  # the first read is whole

        def change(sql: str) -> int | None:
            pg_execute(pg_db, sql)
            plugin.invalidate()
            build(_config(site.root, served), serve_url=SERVE_URL, dirty=True)
            _same_as_a_clean_build(site, served)
            return plugin._last_read[0][1].read_tables

        assert change("ALTER TABLE orders ADD COLUMN promo_code varchar(12)") == 1
        assert "promo_code" in (pages / "orders" / "index.html").read_text()
        # two statements in one query string, an index and a column comment
        assert (
            change("CREATE INDEX ix_customers_name ON customers (name); COMMENT ON COLUMN customers.name IS 'Full'")
            == 1
        )
        # a new table joined to one that exists: both read (the old one's page lists the new reference)
        assert change("CREATE TABLE promo (id integer PRIMARY KEY, order_id integer REFERENCES orders (id))") == 2
        assert "promo/" in (pages / "orders" / "index.html").read_text()
        assert change("DROP TABLE promo") == 0  # nothing left to read: its page is gone, orders' link too
        assert not (pages / "promo" / "index.html").exists()
        assert "promo/" not in (pages / "orders" / "index.html").read_text()
        # the whole catalog, where the rows cannot bound the change: a routine; a column owning a sequence
        assert change("CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END'") is None
        assert change("CREATE TRIGGER notes_touch BEFORE UPDATE ON notes FOR EACH ROW EXECUTE FUNCTION touch()") == 1
        assert "notes_touch" in (pages / "notes" / "index.html").read_text()
        assert change("ALTER TABLE items DROP COLUMN id") is None  # items_id_seq goes with it
        # a transaction that logged a row, then committed after a read that saw a newer row: the rows
        # after that newer one do not name its table, the count of rows up to it changed: everything
        import psycopg

        late = psycopg.connect(host=pg_db.host, port=pg_db.port, user=pg_db.user, dbname=pg_db.name)
        try:
            late.execute("ALTER TABLE customers ADD COLUMN late_column text")  # its log row, not committed
            assert change("COMMENT ON TABLE notes IS 'Read while another change is open'") == 1
            late.commit()
        finally:
            late.close()
        assert change("COMMENT ON TABLE orders IS 'After the late commit'") is None
        assert "late_column" in (pages / "customers" / "index.html").read_text()
        # a change the triggers did not log (the signal moved, no new row): the whole catalog
        pg_execute(pg_db, "ALTER EVENT TRIGGER schema_sync_ddl_command_end DISABLE")
        assert change("ALTER TABLE notes ADD COLUMN missed text") is None
        assert "missed" in (pages / "notes" / "index.html").read_text()
    finally:
        plugin.on_shutdown()
        MkDocsConfig.plugins.plugin_cache.clear()  # type: ignore[attr-defined]
