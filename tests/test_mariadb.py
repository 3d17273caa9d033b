"""The MySQL/MariaDB adapter against the real MariaDB server (through the MariaDB ODBC driver)."""

from __future__ import annotations

import pytest
from conftest import EXAMPLE, ServerDB, mariadb_execute

from mkdocs_schema_sync.catalog import Catalog, Table
from mkdocs_schema_sync.db import Database, open_database, parse_connection

pytestmark = pytest.mark.mariadb


def connect(db: ServerDB, scheme: str = "mariadb") -> Database:
    return open_database(parse_connection(db.url(scheme)))


def read(db: ServerDB, scheme: str = "mariadb") -> Catalog:
    with connect(db, scheme) as conn:
        return conn.dialect.read_catalog(conn)


def table(cat: Catalog, key: str) -> Table:
    found = cat.by_key(key)
    assert found is not None, f"{key} missing; have {[t.key for t in cat.tables]}"
    return found


@pytest.fixture
def scout_my(mariadb_db: ServerDB) -> ServerDB:
    mariadb_execute(mariadb_db, (EXAMPLE / "scout.mysql.sql").read_text())
    return mariadb_db


@pytest.mark.parametrize("scheme", ["mariadb", "mysql"])
def test_scout_catalog(scout_my: ServerDB, scheme: str) -> None:
    cat = read(scout_my, scheme)
    s = scout_my.name  # the schema is the database
    assert cat.dialect == "mysql"
    assert sorted(t.name for t in cat.tables) == sorted([
        "PayloadTransactions", "SalesInteractions", "TransactionItems", "brands", "customers", "products",
        "regions", "stores", "v_brand_performance", "v_daily_store_sales",
    ])  # fmt: skip
    assert {t.schema for t in cat.tables} == {s}

    stores = table(cat, f"{s}.stores")
    assert stores.comment == "Physical stores where Scout devices collect transactions."
    cols = {c.name: c for c in stores.columns}
    assert cols["store_id"].type == "int(11)" and cols["store_id"].identity
    assert cols["store_code"].type == "varchar(16)" and not cols["store_code"].nullable
    assert cols["is_active"].type == "tinyint(1)" and cols["is_active"].default == "1"
    assert cols["city"].nullable and cols["city"].default is None  # MariaDB's 'NULL' default is no default
    assert cols["opened_on"].comment == "First trading day."
    assert stores.primary_key is not None and stores.primary_key.columns == ["store_id"]
    assert [(u.name, u.columns) for u in stores.uniques] == [("uq_stores_code", ["store_code"])]
    (fk,) = stores.foreign_keys
    assert (fk.ref_schema, fk.ref_table, fk.columns, fk.ref_columns) == (s, "regions", ["region_id"], ["region_id"])
    assert fk.on_delete is None  # RESTRICT/NO ACTION: the default
    assert stores.indexes == []  # the index the server made for the foreign key is implied by it

    items = table(cat, f"{s}.TransactionItems")
    line_total = items.column("line_total")
    assert line_total is not None and line_total.type == "decimal(12,2)"
    assert line_total.generated == "`quantity` * `unit_price`" and line_total.default is None
    assert [(i.name, i.columns, i.where) for i in items.indexes] == [("ix_items_tx", ["CanonicalTxID"], None)]
    assert [(c.name, c.expression) for c in items.checks] == [("quantity", "`quantity` > 0")]

    sales = table(cat, f"{s}.SalesInteractions")
    assert {i.name: i.columns for i in sales.indexes} == {
        "ix_sales_store_time": ["store_id", "interaction_time"],
        "ix_sales_tx": ["canonical_tx_id_norm"],
    }
    assert [c.name for c in sales.checks] == ["ck_total_nonnegative"]
    assert sales.row_count is not None and 0 <= sales.row_count <= 10  # InnoDB: an estimate (3 rows)

    view = table(cat, f"{s}.v_daily_store_sales")
    assert view.kind == "view" and view.comment is None and view.row_count is None
    assert view.definition is not None and "`SalesInteractions`" in view.definition
    assert [c.name for c in view.columns] == ["store_id", "store_name", "sales_date", "interactions", "revenue"]


def test_queries_per_object_kind(scout_my: ServerDB) -> None:
    with connect(scout_my) as conn:
        conn.dialect.read_catalog(conn)
        # tables+views+sequences, columns, keys, checks, indexes, triggers, routines, parameters, partitions
        assert conn.queries == 9


def test_mysql_features(mariadb_db: ServerDB) -> None:
    mariadb_execute(
        mariadb_db,
        """
CREATE TABLE people (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    name VARCHAR(100) NOT NULL DEFAULT 'nobody' COMMENT 'a <b>name</b> | with pipes',
    nick VARCHAR(20) DEFAULT NULL,
    bio LONGTEXT,
    kind ENUM('a', 'b') NOT NULL DEFAULT 'a',
    created DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    virt INT AS (id * 2) VIRTUAL,
    PRIMARY KEY (id),
    KEY ix_name_prefix (name(10), nick) COMMENT 'prefix index',
    UNIQUE KEY uq_nick (nick)
) COMMENT 'People';
CREATE TABLE pets (
    id INT PRIMARY KEY,
    owner_id BIGINT UNSIGNED,
    CONSTRAINT fk_owner FOREIGN KEY (owner_id) REFERENCES people (id) ON DELETE CASCADE ON UPDATE SET NULL
);
CREATE TABLE schema_sync_drift_log (id INT PRIMARY KEY);
CREATE SEQUENCE seq_things
""",
    )
    cat = read(mariadb_db)
    s = mariadb_db.name
    assert sorted(t.name for t in cat.tables) == ["people", "pets"]  # not ours, not sequences
    people = table(cat, f"{s}.people")
    assert people.comment == "People"
    cols = {c.name: c for c in people.columns}
    assert cols["id"].type == "bigint(20) unsigned" and cols["id"].identity
    assert cols["name"].default == "'nobody'"
    assert cols["name"].comment == "a <b>name</b> | with pipes"
    assert cols["nick"].default is None and cols["nick"].nullable
    assert cols["bio"].type == "longtext"
    assert cols["kind"].type == "enum('a','b')"
    assert cols["created"].default == "current_timestamp()"
    assert cols["virt"].generated == "`id` * 2"
    idx = {i.name: i for i in people.indexes}
    assert list(idx) == ["ix_name_prefix"]  # the unique key is listed as a unique constraint
    assert idx["ix_name_prefix"].columns == ["name(10)", "nick"]
    assert idx["ix_name_prefix"].comment == "prefix index"
    assert [(u.name, u.columns) for u in people.uniques] == [("uq_nick", ["nick"])]
    pets = table(cat, f"{s}.pets")
    (fk,) = pets.foreign_keys
    assert (fk.name, fk.on_delete, fk.on_update) == ("fk_owner", "CASCADE", "SET NULL")
    assert pets.indexes == []  # fk_owner's own index


def test_quote_ident() -> None:
    from mkdocs_schema_sync.dialects import get_dialect

    dialect = get_dialect("mysql")
    assert dialect.quote_ident("a`b") == "`a``b`"
    assert dialect.quote_name("db", "t") == "`db`.`t`"


DDL_CHANGES = [
    "ALTER TABLE regions ADD COLUMN extra INT",
    "ALTER TABLE regions DROP COLUMN extra",
    "ALTER TABLE regions COMMENT = 'changed'",
    "ALTER TABLE regions MODIFY name VARCHAR(64) NOT NULL COMMENT 'changed too'",
    "CREATE INDEX ix_regions_name ON regions (name)",
    "DROP INDEX ix_regions_name ON regions",
    "CREATE TABLE brand_new (id INT)",
    "DROP TABLE brand_new",
    "ALTER TABLE regions MODIFY name VARCHAR(80) NOT NULL COMMENT 'changed too'",
    "ALTER TABLE regions ADD CONSTRAINT ck_code CHECK (length(region_code) > 0)",
    "ALTER TABLE regions ALTER COLUMN name SET DEFAULT 'x'",
    "CREATE VIEW v_regions AS SELECT * FROM regions",
    "CREATE OR REPLACE VIEW v_regions AS SELECT region_id FROM regions",
    "ALTER TABLE regions RENAME COLUMN name TO region_name",
    # routines, triggers, ENUM values, partitions, sequences: each moves the signal on its own
    "CREATE FUNCTION f1 (a INT) RETURNS INT DETERMINISTIC RETURN a + 1",
    "CREATE OR REPLACE FUNCTION f1 (a INT) RETURNS INT DETERMINISTIC RETURN a + 2",
    "CREATE OR REPLACE FUNCTION f1 (b INT) RETURNS INT DETERMINISTIC RETURN b + 2",
    "ALTER FUNCTION f1 COMMENT 'adds two'",
    "CREATE PROCEDURE p1 (IN a INT) SELECT a",
    "CREATE TRIGGER trg1 BEFORE INSERT ON regions FOR EACH ROW SET NEW.region_name = UPPER(NEW.region_name)",
    "DROP TRIGGER trg1",
    "ALTER TABLE regions ADD COLUMN mood ENUM('a', 'b', 'c')",
    "ALTER TABLE regions MODIFY mood ENUM('a', 'b')",
    "CREATE TABLE parts (id INT) PARTITION BY RANGE (id) (PARTITION p0 VALUES LESS THAN (10))",
    "ALTER TABLE parts ADD PARTITION (PARTITION p1 VALUES LESS THAN (20))",
    "CREATE SEQUENCE s1",
]


def test_change_signal(scout_my: ServerDB) -> None:
    with connect(scout_my) as conn:
        before = conn.queries
        first = conn.dialect.change_signal(conn)
        assert conn.queries == before + 1  # exactly one query
        assert conn.dialect.change_signal(conn) == first
        mariadb_execute(scout_my, "INSERT INTO regions (region_id, region_code, name) VALUES (9, 'X', 'data only')")
        assert conn.dialect.change_signal(conn) == first  # data is not schema
        previous = first
        for ddl in DDL_CHANGES:
            mariadb_execute(scout_my, ddl)
            value = conn.dialect.change_signal(conn)
            assert value != previous, f"change signal did not move after: {ddl}"
            previous = value


def test_reading_holds_no_locks(scout_my: ServerDB) -> None:
    """An open connection (mkdocs serve keeps one) must not block the team's DDL after a read."""
    with connect(scout_my) as conn:
        conn.dialect.read_catalog(conn)
        conn.dialect.change_signal(conn)
        mariadb_execute(
            scout_my,
            "SET SESSION lock_wait_timeout = 2;\n"
            "ALTER TABLE stores ADD COLUMN extra INT;\n"
            "CREATE OR REPLACE VIEW v_daily_store_sales AS SELECT 1 AS one;\n"
            "DROP TABLE TransactionItems",
        )
