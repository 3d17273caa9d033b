"""A real `mkdocs build --strict` from each server: the pages list what the catalog holds, and follow changes."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import EXAMPLE, ServerDB, Site, mariadb_execute, mkdocs_build, pg_execute, write_site

from mkdocs_schema_sync.db import open_database, parse_connection


def page_text(site: Site, rel: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", site.html(rel)))


def check_site_follows_the_database(
    tmp_path: Path, url: str, schema: str, execute: Callable[[str], None], scout_sql: Path
) -> None:
    execute(scout_sql.read_text())
    site = write_site(tmp_path / "site", f"connection: {url}\nconnect_timeout: 5")
    result = mkdocs_build(site)
    assert result.returncode == 0, result.stderr
    with open_database(parse_connection(url)) as db:
        catalog = db.dialect.read_catalog(db)
    scout = [t for t in catalog.tables if t.schema == schema]
    assert len(scout) == 10
    index = page_text(site, "schema/index.html")
    for table in scout:
        assert table.name in index
        text = page_text(site, f"schema/{schema}/{table.name}/index.html")
        for col in table.columns:
            assert col.name in text and col.type in text, (table.name, col.name)
            if col.comment:
                assert col.comment in text
    items = page_text(site, f"schema/{schema}/TransactionItems/index.html")
    assert "Canonical transaction id of the basket" in items

    execute("CREATE TABLE promotions (promo_id integer PRIMARY KEY, title varchar(80))")
    execute("ALTER TABLE customers DROP COLUMN age_bracket")
    assert mkdocs_build(site).returncode == 0
    assert "promo_id" in page_text(site, f"schema/{schema}/promotions/index.html")
    customers = html.unescape(site.html(f"schema/{schema}/customers/index.html"))  # names are entities in HTML
    assert "<strong>age_bracket</strong>" not in customers  # gone from the columns table...
    assert "<strong>gender</strong>" in customers
    assert "Recent changes" in customers and "age_bracket" in html.unescape(customers)  # ...and logged as dropped


@pytest.mark.postgres
@pytest.mark.parametrize("scheme", ["postgresql", "postgresql+psycopg"])
def test_site_from_postgres(pg_db: ServerDB, tmp_path: Path, scheme: str) -> None:
    check_site_follows_the_database(
        tmp_path, pg_db.url(scheme), "public", lambda sql: pg_execute(pg_db, sql), EXAMPLE / "scout.postgres.sql"
    )


@pytest.mark.mariadb
def test_site_from_mariadb(mariadb_db: ServerDB, tmp_path: Path) -> None:
    check_site_follows_the_database(
        tmp_path,
        mariadb_db.url("mariadb"),
        mariadb_db.name,
        lambda sql: mariadb_execute(mariadb_db, sql),
        EXAMPLE / "scout.mysql.sql",
    )
