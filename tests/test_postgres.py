"""The PostgreSQL adapter against a real server, through pyodbc and psycopg."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from conftest import EXAMPLE, ServerDB, pg_execute

from mkdocs_schema_sync.catalog import Catalog, Table
from mkdocs_schema_sync.db import Database, open_database, parse_connection
from mkdocs_schema_sync.dialects.postgres.catalog import QUERIES
from mkdocs_schema_sync.errors import SchemaSyncError

pytestmark = pytest.mark.postgres

SCHEMES = ["postgresql", "postgresql+psycopg"]


def connect(db: ServerDB, scheme: str = "postgresql", **kw: str) -> Database:
    return open_database(parse_connection(db.url(scheme, **kw)))


def read(db: ServerDB, scheme: str = "postgresql") -> Catalog:
    with connect(db, scheme) as conn:
        return conn.dialect.read_catalog(conn)


def table(cat: Catalog, key: str) -> Table:
    found = cat.by_key(key)
    assert found is not None, f"{key} missing; have {[t.key for t in cat.tables]}"
    return found


@pytest.fixture
def scout_pg(pg_db: ServerDB) -> ServerDB:
    pg_execute(pg_db, (EXAMPLE / "scout.postgres.sql").read_text())
    return pg_db


@pytest.mark.parametrize("scheme", SCHEMES)
def test_scout_catalog(scout_pg: ServerDB, scheme: str) -> None:
    cat = read(scout_pg, scheme)
    assert cat.dialect == "postgresql"
    assert [t.key for t in cat.tables] == [
        "public.PayloadTransactions", "public.SalesInteractions", "public.TransactionItems", "public.brands",
        "public.customers", "public.products", "public.regions", "public.stores",
        "public.v_brand_performance", "public.v_daily_store_sales",
    ]  # fmt: skip
    stores = table(cat, "public.stores")
    assert stores.comment == "Physical stores where Scout devices collect transactions."
    assert [(c.name, c.type) for c in stores.columns][:3] == [
        ("store_id", "integer"),
        ("region_id", "integer"),
        ("store_code", "character varying(16)"),
    ]
    assert stores.column("is_active").default == "true"  # type: ignore[union-attr]
    assert stores.column("store_id").identity  # type: ignore[union-attr]
    assert stores.column("city").nullable and not stores.column("name").nullable  # type: ignore[union-attr]
    assert stores.primary_key is not None and stores.primary_key.columns == ["store_id"]
    assert [(u.name, u.columns) for u in stores.uniques] == [("uq_stores_code", ["store_code"])]
    (fk,) = stores.foreign_keys
    assert (fk.columns, fk.ref_table, fk.ref_columns) == (["region_id"], "regions", ["region_id"])
    assert fk.ref_schema == "public"

    items = table(cat, "public.TransactionItems")
    assert items.column("CanonicalTxID").comment.startswith("Canonical transaction id")  # type: ignore[union-attr]
    line_total = items.column("line_total")
    assert line_total is not None and line_total.type == "numeric(12,2)"
    assert line_total.generated is not None and "quantity" in line_total.generated and line_total.default is None
    by_name = {i.name: i for i in items.indexes}
    assert by_name["ix_items_big_baskets"].where == "quantity >= 10"
    assert by_name["ix_items_big_baskets"].columns == ["product_id"]
    assert by_name["ix_items_tx"].where is None and by_name["ix_items_tx"].columns == ["CanonicalTxID"]
    assert [c.expression for c in items.checks] == ["quantity > 0"]
    assert {f.ref_table for f in items.foreign_keys} == {"PayloadTransactions", "products"}

    sales = table(cat, "public.SalesInteractions")
    assert [(c.name, c.expression) for c in sales.checks] == [("ck_total_nonnegative", "total_amount >= (0)::numeric")]

    view = table(cat, "public.v_daily_store_sales")
    assert view.kind == "view" and view.is_view
    assert view.definition is not None and '"SalesInteractions"' in view.definition
    assert not view.definition.endswith(";")
    assert [c.name for c in view.columns] == ["store_id", "store_name", "sales_date", "interactions", "revenue"]
    assert view.row_count is None


def test_both_drivers_read_the_same_catalog(scout_pg: ServerDB) -> None:
    odbc, psyco = read(scout_pg, "postgresql"), read(scout_pg, "postgresql+psycopg")
    assert odbc.to_json() == psyco.to_json()
    assert odbc.sha256() == psyco.sha256()


def test_one_query_per_object_kind_whatever_the_size(pg_db: ServerDB) -> None:
    pg_execute(pg_db, "CREATE TABLE t0 (id int PRIMARY KEY)")
    with connect(pg_db) as conn:
        conn.dialect.read_catalog(conn)
        small = conn.queries
    pg_execute(
        pg_db,
        "\n".join(
            f"CREATE TABLE t{i} (id int PRIMARY KEY, p int REFERENCES t{i - 1}(id), v text UNIQUE);"
            f"CREATE INDEX ix_t{i} ON t{i} (v, p); COMMENT ON TABLE t{i} IS 'table {i}';"
            f"CREATE FUNCTION f{i}(a int) RETURNS int LANGUAGE sql AS 'SELECT a';"
            f"CREATE FUNCTION trg{i}() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';"
            f"CREATE TRIGGER tr{i} BEFORE INSERT ON t{i} FOR EACH ROW EXECUTE FUNCTION trg{i}();"
            f"CREATE TYPE e{i} AS ENUM ('a', 'b'); CREATE SEQUENCE s{i};"
            for i in range(1, 60)
        ),
    )
    with connect(pg_db) as conn:
        cat = conn.dialect.read_catalog(conn)
        assert conn.queries == small == len(QUERIES) == 10  # one per object kind (foreign tables: in _RELATIONS)
    assert len(cat.tables) == 60
    assert (len(cat.routines), len(cat.triggers), len(cat.types), len(cat.sequences)) == (118, 59, 59, 59)
    assert table(cat, "public.t59").foreign_keys[0].ref_table == "t58"


FEATURES = r'''
CREATE TYPE mood AS ENUM ('happy', 'sad');
CREATE DOMAIN positive_int AS integer CHECK (VALUE > 0);
CREATE SCHEMA sales;
COMMENT ON SCHEMA sales IS 'Everything about selling';
CREATE TABLE sales.people (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    legacy_id serial,
    feeling mood NOT NULL DEFAULT 'happy',
    age positive_int,
    name character varying(64),
    upper_name text GENERATED ALWAYS AS (upper(name)) STORED,
    tags text[],
    price numeric(10,2),
    seen timestamp with time zone,
    flag boolean
);
CREATE INDEX ix_people_lower ON sales.people (lower(name), age);
COMMENT ON INDEX sales.ix_people_lower IS 'case-insensitive lookups';
CREATE TABLE sales.orders (
    id int PRIMARY KEY,
    person_id bigint REFERENCES sales.people (id) ON DELETE CASCADE ON UPDATE SET NULL,
    "Weird ""Name""" int,
    a int, b int,
    CONSTRAINT uq_ab UNIQUE (a, b),
    CONSTRAINT fk_self FOREIGN KEY (a) REFERENCES sales.orders (id)
);
CREATE MATERIALIZED VIEW sales.mv_people AS SELECT id, name FROM sales.people;
COMMENT ON MATERIALIZED VIEW sales.mv_people IS 'materialized';
CREATE TABLE measurements (id int, at date NOT NULL, v numeric) PARTITION BY RANGE (at);
CREATE TABLE measurements_2024 PARTITION OF measurements FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE measurements_2025 PARTITION OF measurements FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE SCHEMA schema_sync;
CREATE TABLE schema_sync.drift_log (id int PRIMARY KEY, note text);
CREATE TABLE refers_to_own (id int PRIMARY KEY, log_id int REFERENCES schema_sync.drift_log (id));
CREATE TEMP TABLE scratch (x int);
INSERT INTO sales.people (name, age) SELECT 'p' || g, g FROM generate_series(1, 500) AS g;
ANALYZE sales.people;
'''


@pytest.mark.parametrize("scheme", SCHEMES)
def test_postgres_features(pg_db: ServerDB, scheme: str) -> None:
    pg_execute(pg_db, FEATURES)
    cat = read(pg_db, scheme)
    keys = [t.key for t in cat.tables]
    assert keys == [
        "public.measurements",
        "public.measurements_2024",
        "public.measurements_2025",
        "public.refers_to_own",
        "sales.mv_people",
        "sales.orders",
        "sales.people",
    ]  # fmt: skip   (our own schema and temp tables are not listed; partitions are, as partitions)
    assert cat.schema_comments["sales"] == "Everything about selling"

    people = table(cat, "sales.people")
    cols = {c.name: c for c in people.columns}
    assert cols["id"].identity and cols["id"].type == "bigint" and cols["id"].default is None
    # a serial is a default from a sequence the column owns, not an identity column
    assert not cols["legacy_id"].identity and cols["legacy_id"].default.startswith("nextval(")  # type: ignore[union-attr]
    (serial_seq,) = [s for s in cat.sequences if s.owned_by == "sales.people.legacy_id"]
    assert serial_seq.key == "sales.people_legacy_id_seq" and serial_seq.data_type == "integer"
    assert not [s for s in cat.sequences if s.owned_by == "sales.people.id"]  # an identity's own sequence is its own
    assert cols["feeling"].type == "mood" and cols["feeling"].default == "'happy'::mood"
    assert cols["age"].type == "positive_int"
    assert cols["name"].type == "character varying(64)"
    assert cols["upper_name"].generated == "upper((name)::text)"
    assert cols["tags"].type == "text[]"
    assert cols["price"].type == "numeric(10,2)"
    assert cols["seen"].type == "timestamp with time zone"
    (index,) = people.indexes
    assert index.columns == ["lower(name::text)", "age"]
    assert index.comment == "case-insensitive lookups"
    assert people.row_count == 500  # reltuples after ANALYZE

    orders = table(cat, "sales.orders")
    assert orders.column('Weird "Name"') is not None
    fks = {f.name: f for f in orders.foreign_keys}
    assert fks["orders_person_id_fkey"].on_delete == "CASCADE"
    assert fks["orders_person_id_fkey"].on_update == "SET NULL"
    assert (fks["fk_self"].ref_table, fks["fk_self"].ref_columns) == ("orders", ["id"])
    assert [(u.name, u.columns) for u in orders.uniques] == [("uq_ab", ["a", "b"])]
    assert orders.indexes == []  # pk and unique indexes are shown as constraints
    assert orders.row_count is None  # never analyzed: reltuples is -1

    mv = table(cat, "sales.mv_people")
    assert mv.kind == "materialized view" and mv.comment == "materialized"
    assert mv.definition is not None and "sales.people" in mv.definition

    parted = table(cat, "public.measurements")
    assert parted.kind == "partitioned table" and parted.partition_key == "RANGE (at)"
    assert [c.name for c in parted.columns] == ["id", "at", "v"]
    part = table(cat, "public.measurements_2024")
    assert part.partition_of == "public.measurements"
    assert part.partition_bound == "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')"
    assert [t.key for t in cat.partitions_of(parted)] == ["public.measurements_2024", "public.measurements_2025"]

    own = table(cat, "public.refers_to_own").foreign_keys[0]
    assert (own.ref_schema, own.ref_table, own.ref_columns) == ("schema_sync", "drift_log", ["id"])


def test_booleans_are_bool(pg_db: ServerDB) -> None:
    for scheme in SCHEMES:
        with connect(pg_db, scheme) as conn:
            row = conn.query("SELECT true, false, NULL::boolean")[0]
            assert row == (True, False, None)
            assert type(row[0]) is bool, scheme


def test_row_counts_can_be_skipped(scout_pg: ServerDB) -> None:
    pg_execute(scout_pg, "ANALYZE")
    with connect(scout_pg) as conn:
        counted = conn.dialect.read_catalog(conn)
        skipped = conn.dialect.read_catalog(conn, row_counts=False)
    assert table(counted, "public.stores").row_count == 4
    assert table(skipped, "public.stores").row_count is None
    assert counted.sha256() == skipped.sha256()  # row counts are data, not schema


DDL_CHANGES = [
    "ALTER TABLE regions ADD COLUMN extra int",
    "ALTER TABLE regions DROP COLUMN extra",
    "COMMENT ON TABLE regions IS 'changed'",
    "COMMENT ON COLUMN regions.name IS 'changed too'",
    "CREATE INDEX ix_regions_name ON regions (name)",
    "DROP INDEX ix_regions_name",
    "CREATE TABLE brand_new (id int)",
    "DROP TABLE brand_new",
    "ALTER TABLE regions ALTER COLUMN name TYPE varchar(80)",
    "ALTER TABLE regions ADD CONSTRAINT ck_code CHECK (length(region_code) > 0)",
    "ALTER TABLE regions ALTER COLUMN name SET DEFAULT 'x'",
    "CREATE VIEW v_regions AS SELECT * FROM regions",
    "ALTER TABLE regions RENAME COLUMN name TO region_name",
    # routines, triggers, types, sequences, partitions: each moves the signal on its own
    "CREATE FUNCTION f1(a int) RETURNS int LANGUAGE sql AS 'SELECT a'",
    "CREATE OR REPLACE FUNCTION f1(a int) RETURNS int LANGUAGE sql AS 'SELECT a + 1'",
    "COMMENT ON FUNCTION f1(int) IS 'adds one'",
    "CREATE FUNCTION tf() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END'",
    "CREATE TRIGGER trg1 BEFORE INSERT ON regions FOR EACH ROW EXECUTE FUNCTION tf()",
    "ALTER TABLE regions DISABLE TRIGGER trg1",
    "DROP TRIGGER trg1 ON regions",
    "CREATE TYPE mood AS ENUM ('a', 'b')",
    "ALTER TYPE mood ADD VALUE 'c'",
    "ALTER TYPE mood RENAME VALUE 'c' TO 'd'",
    "CREATE DOMAIN pos AS int",
    "ALTER DOMAIN pos ADD CONSTRAINT pos_check CHECK (VALUE > 0)",
    "CREATE SEQUENCE s1",
    "ALTER SEQUENCE s1 INCREMENT 5",
    "ALTER SEQUENCE s1 OWNED BY regions.region_id",
    "CREATE TABLE ev (at date) PARTITION BY RANGE (at)",
    "CREATE TABLE ev_2024 (at date)",
    "ALTER TABLE ev ATTACH PARTITION ev_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
    "ALTER TABLE ev DETACH PARTITION ev_2024",
]


@pytest.mark.parametrize("scheme", SCHEMES)
def test_change_signal(scout_pg: ServerDB, scheme: str) -> None:
    with connect(scout_pg, scheme) as conn:
        signal: Callable[[], str] = lambda: conn.dialect.change_signal(conn)  # noqa: E731
        before = conn.queries
        first = signal()
        assert conn.queries == before + 1  # exactly one query
        assert signal() == first  # unchanged database: same value
        conn.commit()
        pg_execute(scout_pg, "INSERT INTO regions (region_id, region_code, name) VALUES (9, 'X', 'data only')")
        assert signal() == first  # data is not schema
        previous = first
        for ddl in DDL_CHANGES:
            pg_execute(scout_pg, ddl)
            value = signal()
            assert value != previous, f"change signal did not move after: {ddl}"
            previous = value


def test_permission_denied_on_the_catalog(pg_db: ServerDB) -> None:
    role = f"ss_reader_{uuid.uuid4().hex[:8]}"
    pg_execute(pg_db, f"CREATE ROLE {role} LOGIN; REVOKE SELECT ON pg_catalog.pg_description FROM PUBLIC")
    try:
        with connect(pg_db, user=role) as conn, pytest.raises(SchemaSyncError) as err:
            conn.dialect.read_catalog(conn)
        message = err.value.message
        assert "permission denied reading the catalog" in message
        assert "pg_description" in message
        assert "\n" not in message
    finally:
        pg_execute(pg_db, f"GRANT SELECT ON pg_catalog.pg_description TO PUBLIC; DROP ROLE {role}")


@pytest.mark.parametrize("scheme", SCHEMES)
def test_reading_holds_no_locks(scout_pg: ServerDB, scheme: str) -> None:
    """An open connection (mkdocs serve keeps one) must not block the team's DDL after a read."""
    import psycopg

    with connect(scout_pg, scheme) as conn:
        conn.dialect.read_catalog(conn)
        conn.dialect.change_signal(conn)
        with psycopg.connect(host=scout_pg.host, port=scout_pg.port, user=scout_pg.user, dbname=scout_pg.name,
                             autocommit=True) as other:  # fmt: skip
            other.execute("SET lock_timeout = '2s'")
            other.execute("ALTER TABLE stores ADD COLUMN extra int")
            other.execute("DROP VIEW v_daily_store_sales")
            other.execute('DROP TABLE "TransactionItems" CASCADE')


def test_snapshot_of_a_database_without_the_new_kinds_is_unchanged(scout_pg: ServerDB) -> None:
    """Written before routines, triggers, types and sequences were read: not one byte moves."""
    golden = EXAMPLE.parent / "tests" / "golden" / "scout.postgres.lock.json"
    for scheme in SCHEMES:
        assert read(scout_pg, scheme).to_json() == golden.read_text(encoding="utf-8")
