"""The Scout schema in SQLite, PostgreSQL (pyodbc and psycopg) and MariaDB reads as the same catalog.

Types are compared through normalize_type; names of constraints the server
invents (unique keys, foreign keys) are not compared, what they cover is.
MariaDB has no partial indexes, so ix_items_big_baskets exists everywhere else.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLE, ServerDB, mariadb_execute, pg_execute

from mkdocs_schema_sync.catalog import Catalog
from mkdocs_schema_sync.catalog.types import normalize_type
from mkdocs_schema_sync.db import open_database, parse_connection

PARTIAL_INDEX = "ix_items_big_baskets"


def read(url: str) -> Catalog:
    with open_database(parse_connection(url)) as db:
        return db.dialect.read_catalog(db)


def summary(cat: Catalog, *, drop_partial: bool = False) -> dict[str, Any]:
    """What must agree across databases, keyed by table name (the schema differs by design)."""
    out: dict[str, Any] = {}
    for t in cat.tables:
        entry: dict[str, Any] = {"kind": t.kind, "columns": [c.name for c in t.columns]}
        if not t.is_view:
            entry.update(
                types={c.name: normalize_type(cat.dialect, c.type) for c in t.columns},
                nullable={c.name: c.nullable for c in t.columns},
                generated=sorted(c.name for c in t.columns if c.generated is not None),
                comment=t.comment,
                column_comments={c.name: c.comment for c in t.columns},
                primary_key=t.primary_key.columns if t.primary_key else None,
                uniques=sorted(u.columns for u in t.uniques),
                foreign_keys=sorted((f.columns, f.ref_table, f.ref_columns) for f in t.foreign_keys),
                indexes={
                    i.name: (i.columns, i.unique, i.where is not None)
                    for i in t.indexes
                    if not (drop_partial and i.name == PARTIAL_INDEX)
                },
                checks=len(t.checks),
            )
        out[t.name] = entry
    return out


@pytest.fixture
def sqlite_summary(scout_db: Path) -> dict[str, Any]:
    cat = read(f"sqlite:///{scout_db}")
    assert cat.by_key("main.TransactionItems") is not None
    return summary(cat)


@pytest.mark.postgres
def test_postgres_matches_sqlite(sqlite_summary: dict[str, Any], pg_db: ServerDB) -> None:
    pg_execute(pg_db, (EXAMPLE / "scout.postgres.sql").read_text())
    for scheme in ("postgresql", "postgresql+psycopg"):
        got = summary(read(pg_db.url(scheme)))
        assert got == sqlite_summary, scheme


@pytest.mark.mariadb
def test_mariadb_matches_sqlite(sqlite_summary: dict[str, Any], mariadb_db: ServerDB) -> None:
    mariadb_execute(mariadb_db, (EXAMPLE / "scout.mysql.sql").read_text())
    got = summary(read(mariadb_db.url("mariadb")))
    expected = summary_without_partial(sqlite_summary)
    assert got == expected


def summary_without_partial(s: dict[str, Any]) -> dict[str, Any]:
    out = {k: dict(v) for k, v in s.items()}
    items = out["TransactionItems"]
    assert PARTIAL_INDEX in items["indexes"]  # the SQLite edition has it: the exception is real
    items["indexes"] = {k: v for k, v in items["indexes"].items() if k != PARTIAL_INDEX}
    return out


def test_summary_sees_differences(sqlite_summary: dict[str, Any], tmp_path: Path) -> None:
    """The comparison is not vacuous: a changed type, comment or index shows up."""
    import sqlite3

    sql = (EXAMPLE / "scout.sql").read_text()
    changed = sql.replace("name        VARCHAR(64) NOT NULL           -- Display name.",
                          "name        VARCHAR(65) NOT NULL           -- Shown name.")  # fmt: skip
    assert changed != sql
    path = tmp_path / "changed.db"
    conn = sqlite3.connect(path)
    conn.executescript(changed + "\nCREATE INDEX ix_extra ON stores (city);")
    conn.close()
    other = summary(read(f"sqlite:///{path}"))
    assert other["regions"]["types"]["name"] == "varchar(65)" != sqlite_summary["regions"]["types"]["name"]
    assert other["regions"]["column_comments"]["name"] == "Shown name."
    assert "ix_extra" in other["stores"]["indexes"] and "ix_extra" not in sqlite_summary["stores"]["indexes"]
