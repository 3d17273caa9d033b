"""End to end on the servers through the real CLI and `mkdocs build` (needs the PostgreSQL/MySQL adapters)."""

from __future__ import annotations

import html
import uuid
from pathlib import Path

import pytest
from conftest import EXAMPLE, ServerDB, Site, cli, mariadb_execute, mkdocs_build, pg_execute, write_site

from mkdocs_schema_sync.db import open_database, parse_connection
from mkdocs_schema_sync.drift.poller import Poller
from mkdocs_schema_sync.settings import Settings

SCOUT_PG = """
CREATE TABLE stores (store_id integer PRIMARY KEY, name varchar(128) NOT NULL);
CREATE TABLE products (product_id integer PRIMARY KEY, sku varchar(32) NOT NULL UNIQUE);
"""


def example_site(tmp_path: Path, connection: str) -> Site:
    """A site on the server's copy of Scout (the example's own pages link to the SQLite schema `main`)."""
    return write_site(tmp_path / "site", f"connection: {connection}\nconnect_timeout: 5")


@pytest.mark.postgres
def test_postgres_example_end_to_end(pg_db: ServerDB, tmp_path: Path) -> None:
    scout = EXAMPLE / "scout.postgres.sql"
    pg_execute(pg_db, scout.read_text() if scout.exists() else SCOUT_PG)
    role = f"ssetl_{uuid.uuid4().hex[:8]}"
    pg_execute(pg_db, f'CREATE ROLE "{role}" LOGIN; GRANT CREATE, USAGE ON SCHEMA public TO "{role}"')
    try:
        table = "stores"
        owner_schema = "public"
        rows = pg_db_rows(pg_db, "SELECT schemaname FROM pg_tables WHERE tablename = 'stores'")
        if rows:
            owner_schema = rows[0][0]
        pg_execute(pg_db, f'GRANT USAGE, CREATE ON SCHEMA "{owner_schema}" TO "{role}"; '
                          f'ALTER TABLE "{owner_schema}".{table} OWNER TO "{role}"')  # fmt: skip
        site = example_site(tmp_path, pg_db.url("postgresql+psycopg"))
        r = cli("install-triggers", cwd=site.root)
        assert r.returncode == 0 and "event triggers" in r.stdout, r.stderr
        assert cli("snapshot", cwd=site.root).returncode == 0
        pg_execute(pg_db, f'ALTER TABLE "{owner_schema}".stores ADD COLUMN manager_name varchar(80)', user=role)
        assert cli("diff", cwd=site.root).returncode == 1
        r = mkdocs_build(site)
        assert r.returncode == 0, r.stderr
        changes = html.unescape(site.html("schema/changes/index.html"))
        assert "manager_name" in changes and role in changes
        table_page = next(site.site_dir.glob(f"schema/{owner_schema}/stores/index.html"))
        text = html.unescape(table_page.read_text())
        assert "Recent changes" in text and role in text
        assert cli("snapshot", cwd=site.root).returncode == 0
        assert cli("diff", cwd=site.root).returncode == 0
        r = cli("health", cwd=site.root)
        assert r.returncode == 0 and "mode: triggers" in r.stdout
    finally:
        pg_execute(pg_db, f'REASSIGN OWNED BY "{role}" TO CURRENT_USER; DROP OWNED BY "{role}"; DROP ROLE "{role}"')


@pytest.mark.postgres
def test_postgres_without_superuser_falls_back_to_polling(pg_db: ServerDB, tmp_path: Path) -> None:
    role = f"ssuser_{uuid.uuid4().hex[:8]}"
    pg_execute(pg_db, f'CREATE ROLE "{role}" LOGIN; GRANT CREATE ON DATABASE "{pg_db.name}" TO "{role}"; '
                      f'GRANT CREATE ON SCHEMA public TO "{role}"')  # fmt: skip
    try:
        pg_execute(pg_db, "CREATE TABLE t (a int)", user=role)
        site = example_site(tmp_path, pg_db.url("postgresql+psycopg", user=role))
        r = cli("install-triggers", cwd=site.root)
        assert r.returncode == 0, r.stderr
        assert "need a superuser" in r.stdout and "polling" in r.stdout
        pg_execute(pg_db, "ALTER TABLE t ADD COLUMN b text", user=role)
        r = cli("monitor", "--once", cwd=site.root)
        assert r.returncode == 0 and "ALTER TABLE public.t" in r.stdout, r.stderr
    finally:
        pg_execute(pg_db, f'REASSIGN OWNED BY "{role}" TO CURRENT_USER; DROP OWNED BY "{role}"; DROP ROLE "{role}"')


def pg_db_rows(db: ServerDB, sql: str) -> list[tuple]:
    import psycopg

    with psycopg.connect(host=db.host, port=db.port, user=db.user, dbname=db.name, autocommit=True) as conn:
        return [tuple(r) for r in conn.execute(sql).fetchall()]


@pytest.mark.mariadb
def test_mariadb_polling_finds_changes_with_one_query_per_unchanged_check(mariadb_db: ServerDB, tmp_path: Path) -> None:
    mariadb_execute(mariadb_db, "CREATE TABLE stores (store_id INT PRIMARY KEY, name VARCHAR(100) NOT NULL)")
    settings = Settings(base_dir=tmp_path, connection=mariadb_db.url("mysql"), snapshot=tmp_path / "schema.lock.json")
    poller = Poller(settings)
    with open_database(parse_connection(settings.connection or "", tmp_path)) as db:
        assert poller.check(db).checked  # baseline, creates schema_sync_drift_log
        before = db.queries
        assert not poller.check(db).checked
        assert db.queries - before == 1
        mariadb_execute(mariadb_db, "ALTER TABLE stores ADD COLUMN city VARCHAR(64);\nCREATE TABLE promo (id INT)")
        entries = poller.check(db).entries
        assert {(e.event_type, e.object_name) for e in entries} == {
            ("ALTER TABLE", "stores"),
            ("CREATE TABLE", "promo"),
        }
        before = db.queries
        assert not poller.check(db).checked
        assert db.queries - before == 1
    # the log tables are not documented
    site = example_site(tmp_path, mariadb_db.url("mysql"))
    r = cli("diff", "--from", mariadb_db.url("mysql"), "--to", mariadb_db.url("mysql"), cwd=site.root)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "schema_sync" not in r.stdout
