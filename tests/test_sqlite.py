"""The SQLite adapter against real files."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import make_sqlite

from mkdocs_schema_sync.db import open_database, parse_connection
from mkdocs_schema_sync.errors import ConnectError, SchemaSyncError


def open_path(path: Path):  # type: ignore[no-untyped-def]
    return open_database(parse_connection(f"sqlite:///{path}"))


def test_scout_catalog_in_five_bulk_queries(scout_db: Path) -> None:
    with open_path(scout_db) as db:
        db.queries = 0
        catalog = db.dialect.read_catalog(db)
        assert db.queries == 5  # objects, columns, foreign keys, indexes, row counts: never one per table
    assert [t.name for t in catalog.tables] == [
        "PayloadTransactions", "SalesInteractions", "TransactionItems", "brands", "customers",
        "products", "regions", "stores", "v_brand_performance", "v_daily_store_sales",
    ]  # fmt: skip
    items = catalog.get("main", "TransactionItems")
    assert items.comment == "Line items of a transaction."
    assert items.column("CanonicalTxID").type == "VARCHAR(64)"
    assert items.column("CanonicalTxID").nullable is False
    assert items.column("line_total").generated == "quantity * unit_price"
    assert items.column("item_id").identity is True
    assert [(i.name, i.where) for i in items.indexes] == [
        ("ix_items_big_baskets", "quantity >= 10"),
        ("ix_items_tx", None),
    ]
    assert [c.expression for c in items.checks] == ["quantity > 0"]
    fk = next(f for f in items.foreign_keys if f.ref_table == "PayloadTransactions")
    assert (fk.columns, fk.ref_columns) == (["CanonicalTxID"], ["canonical_tx_id_norm"])
    sales = catalog.get("main", "SalesInteractions")
    assert [c.name for c in sales.checks] == ["ck_total_nonnegative"]
    assert catalog.get("main", "regions").row_count == 3
    view = catalog.get("main", "v_daily_store_sales")
    assert view.kind == "view" and view.definition.startswith("SELECT s.store_id")


def test_integer_primary_key_is_not_nullable_and_fk_to_implicit_pk_resolves(tmp_path: Path) -> None:
    db_path = make_sqlite(
        tmp_path / "t.db",
        "CREATE TABLE parent (id INTEGER PRIMARY KEY, a INT, b INT, UNIQUE (a, b));"
        "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INT REFERENCES parent ON DELETE CASCADE,"
        " a INT, b INT, FOREIGN KEY (a, b) REFERENCES parent (a, b));"
        "CREATE TABLE node (id INTEGER PRIMARY KEY, up INT REFERENCES node (id));",
    )
    with open_path(db_path) as db:
        catalog = db.dialect.read_catalog(db)
    parent = catalog.get("main", "parent")
    assert parent.column("id").nullable is False
    assert [u.columns for u in parent.uniques] == [["a", "b"]]
    child = catalog.get("main", "child")
    implicit = next(f for f in child.foreign_keys if f.columns == ["parent_id"])
    assert implicit.ref_columns == ["id"] and implicit.on_delete == "CASCADE"
    composite = next(f for f in child.foreign_keys if len(f.columns) == 2)
    assert composite.ref_columns == ["a", "b"]
    node = catalog.get("main", "node")
    assert node.foreign_keys[0].ref_table == "node"
    assert [(t.name, fk.columns) for t, fk in catalog.referencing(node)] == [("node", ["up"])]


def test_missing_file_is_an_error_and_is_never_created(tmp_path: Path) -> None:
    missing = tmp_path / "nope.db"
    with pytest.raises(ConnectError, match="does not exist"):
        open_path(missing)
    assert not missing.exists()


def test_a_file_that_is_not_sqlite_is_a_clear_error(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.db"
    bogus.write_text("this is not a database\n" * 100)
    with pytest.raises(ConnectError, match="cannot open SQLite database"):
        open_path(bogus)


def test_reading_never_writes(scout_db: Path) -> None:
    before = scout_db.read_bytes()
    with open_path(scout_db) as db:
        db.dialect.read_catalog(db)
        with pytest.raises(SchemaSyncError, match="readonly"):
            db.query("CREATE TABLE x (a INT)")
    assert scout_db.read_bytes() == before


def test_change_signal_moves_only_on_schema_change(scout_db: Path) -> None:
    with open_path(scout_db) as db:
        first = db.dialect.change_signal(db)
    import sqlite3

    conn = sqlite3.connect(scout_db)
    conn.execute("INSERT INTO regions (region_id, region_code, name) VALUES (50, 'Z', 'z')")
    conn.commit()
    with open_path(scout_db) as db:
        assert db.dialect.change_signal(db) == first
    conn.execute("ALTER TABLE regions ADD COLUMN note TEXT")
    conn.commit()
    conn.close()
    with open_path(scout_db) as db:
        assert db.dialect.change_signal(db) != first


def test_add_column_keeps_comments_where_they_were(scout_db: Path) -> None:
    """SQLite splices `, note TEXT` in before a trailing `-- comment`; the comment stays with its column."""
    import sqlite3

    conn = sqlite3.connect(scout_db)
    conn.execute("ALTER TABLE PayloadTransactions ADD COLUMN note TEXT")
    conn.commit()
    conn.close()
    with open_path(scout_db) as db:
        table = db.dialect.read_catalog(db).get("main", "PayloadTransactions")
    assert table.column("received_at").comment == "Arrival time (UTC)."
    assert table.column("note").comment is None
