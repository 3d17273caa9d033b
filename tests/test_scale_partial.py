"""Reading part of a catalog (issue 20): the named relations read alone are what a full read holds for them.

The contract gate, `monitor` and `serve` re-read only the tables a change touched; whatever those
reads return must be, object for object, what the full read returns for the same tables, or the
snapshot and the pages of an incremental update would differ from a clean one.
"""

from __future__ import annotations

import pytest
from conftest import ServerDB, pg_execute
from test_catalog_objects_pg import SHOP

from mkdocs_schema_sync.db import open_database, parse_connection
from mkdocs_schema_sync.dialects.base import only_tables

pytestmark = pytest.mark.postgres

# Same names in two schemas and in another case, a foreign key to a table not read, an expression
# index, a view and a materialized view, comments on everything
MORE = r"""
CREATE SCHEMA other;
CREATE TABLE other.orders (id int PRIMARY KEY, "Note" text);
CREATE TABLE other."ORDERS" (id int PRIMARY KEY, ref int REFERENCES shop.audit (id) ON DELETE CASCADE);
CREATE INDEX ix_lower ON other.orders (lower("Note")) WHERE id > 0;
COMMENT ON TABLE other.orders IS 'Other orders';
COMMENT ON COLUMN other.orders."Note" IS 'a | b <script>';
CREATE VIEW other.order_view AS SELECT id FROM other.orders;
CREATE MATERIALIZED VIEW other.order_mv AS SELECT id FROM other.orders;
"""

NAMES = [
    ["orders"],
    ["ORDERS", "events"],
    ["event_refs", "order_note", "order_view", "order_mv"],
    ["events_2024", "audit"],
    ["no_such_table"],
]


@pytest.mark.parametrize("scheme", ["postgresql+psycopg", "postgresql"])
def test_read_tables_equals_the_full_read_of_the_same_tables(pg_db: ServerDB, scheme: str) -> None:
    pg_execute(pg_db, SHOP + MORE)
    with open_database(parse_connection(pg_db.url(scheme))) as db:
        full = db.dialect.read_catalog(db, row_counts=False)
        for names in NAMES:
            part = db.dialect.read_tables(db, names)
            want = only_tables(full, names)
            assert part.to_json() == want.to_json(), names
            assert [t.key for t in part.tables] == [t.key for t in want.tables]
    keys = {t.key for t in only_tables(full, ["orders"]).tables}
    assert keys == {"other.ORDERS", "other.orders", "shop.orders"}  # any schema, any case
    assert only_tables(full, ["orders"]).triggers  # shop.orders' triggers come with it
