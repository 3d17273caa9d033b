"""PostgreSQL event triggers on a real server: who, what, only committed DDL, idempotent install, uninstall.

The statements run through psycopg directly, so these tests need no PostgreSQL
catalog adapter; the end-to-end build at the bottom runs once the adapter exists.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from conftest import DDL_PASSWORD, ServerDB, pg_execute

from mkdocs_schema_sync.drift.capture import install_script, uninstall_script
from mkdocs_schema_sync.drift.log import DriftEntry
from mkdocs_schema_sync.masking import mask
from mkdocs_schema_sync.render.changelog import add_change_log

pytestmark = pytest.mark.postgres


def pg_rows(db: ServerDB, sql: str, user: str | None = None) -> list[tuple]:
    import psycopg

    with psycopg.connect(host=db.host, port=db.port, user=user or db.user, dbname=db.name, autocommit=True) as conn:
        return [tuple(r) for r in conn.execute(sql).fetchall()]


def pg_script(db: ServerDB, sql: str) -> None:
    """A whole script in one transaction, as `install-triggers` runs it."""
    import psycopg

    with psycopg.connect(host=db.host, port=db.port, user=db.user, dbname=db.name) as conn:
        conn.execute(sql)
        conn.commit()


@pytest.fixture
def role(pg_db: ServerDB) -> Iterator[str]:
    name = f"ssrole_{uuid.uuid4().hex[:8]}"
    pg_execute(pg_db, f'CREATE ROLE "{name}" LOGIN; GRANT CREATE ON DATABASE "{pg_db.name}" TO "{name}";'
               f'GRANT CREATE ON SCHEMA public TO "{name}"')  # fmt: skip
    yield name
    pg_execute(pg_db, f'DROP OWNED BY "{name}"; DROP ROLE "{name}"')


LOG_SQL = "SELECT login_name, event_type, object_type, schema_name, object_name, statement FROM schema_sync.drift_log ORDER BY id"


def test_event_triggers_log_committed_ddl_with_the_role(pg_db: ServerDB, role: str) -> None:
    pg_script(pg_db, install_script("postgresql"))
    pg_script(pg_db, install_script("postgresql"))  # twice: upgraded in place, no duplicates
    assert sorted(r[0] for r in pg_rows(pg_db, "SELECT evtname FROM pg_event_trigger")) == [
        "schema_sync_ddl_command_end",
        "schema_sync_sql_drop",
    ]
    assert pg_rows(pg_db, "SELECT value FROM schema_sync.install_info WHERE name = 'version'") == [("1",)]
    assert pg_rows(pg_db, LOG_SQL) == []  # the install itself is not drift

    statements = [
        "CREATE TABLE orders (id serial PRIMARY KEY, total numeric(10,2))",
        "ALTER TABLE orders ADD COLUMN note text",
        "ALTER TABLE orders DROP COLUMN note",
        "CREATE INDEX ix_orders_total ON orders (total)",
        "COMMENT ON TABLE orders IS 'Customer orders'",
    ]
    for sql in statements:
        pg_execute(pg_db, sql, user=role)
    import psycopg

    with psycopg.connect(host=pg_db.host, port=pg_db.port, user=role, dbname=pg_db.name) as conn:
        conn.execute("ALTER TABLE orders ADD COLUMN rolled_back int")
        conn.rollback()
    pg_execute(pg_db, "DROP TABLE orders", user=role)

    rows = pg_rows(pg_db, LOG_SQL)
    assert [(r[1], r[2], r[3], r[4]) for r in rows] == [
        ("CREATE TABLE", "table", "public", "orders"),
        ("ALTER TABLE", "table", "public", "orders"),
        ("ALTER TABLE", "table", "public", "orders"),
        ("CREATE INDEX", "index", "public", "ix_orders_total"),
        ("COMMENT", "table", "public", "orders"),
        ("DROP TABLE", "table", "public", "orders"),
    ]
    assert {r[0] for r in rows} == {role}
    assert [r[5] for r in rows] == [*statements, "DROP TABLE orders"]
    assert all("rolled_back" not in (r[5] or "") for r in rows)
    # defaults of the shared columns
    assert pg_rows(pg_db, "SELECT DISTINCT source, sync_status FROM schema_sync.drift_log") == [("trigger", "pending")]


def test_set_role_is_recorded_and_a_failed_log_write_lets_the_ddl_through(pg_db: ServerDB, role: str) -> None:
    pg_script(pg_db, install_script("postgresql"))
    owner = f"{role}_owner"
    pg_execute(
        pg_db, f'CREATE ROLE "{owner}" NOLOGIN; GRANT "{owner}" TO "{role}"; GRANT CREATE ON SCHEMA public TO "{owner}"'
    )
    try:
        pg_execute(pg_db, f'SET ROLE "{owner}"; CREATE TABLE owned (a int)', user=role)
        assert pg_rows(pg_db, "SELECT login_name FROM schema_sync.drift_log") == [(f"{role} (as {owner})",)]
        # the log refuses a row: the DDL still goes through, the health flag says why
        pg_execute(
            pg_db, "ALTER TABLE schema_sync.drift_log ADD CONSTRAINT refuse CHECK (statement NOT LIKE '%refuse_me%')"
        )
        pg_execute(pg_db, "CREATE TABLE refuse_me (a int)", user=role)
        assert pg_rows(pg_db, "SELECT count(*) FROM pg_class WHERE relname = 'refuse_me'") == [(1,)]
        (err,) = pg_rows(pg_db, "SELECT value FROM schema_sync.install_info WHERE name = 'last_error'")[0]
        assert "refuse" in err and "CREATE TABLE" in err
    finally:
        pg_execute(pg_db, f'DROP OWNED BY "{owner}"; DROP ROLE "{owner}"')


def test_passwords_never_reach_the_change_log_page(pg_db: ServerDB) -> None:
    pg_script(pg_db, install_script("postgresql"))
    name = f"sspw_{uuid.uuid4().hex[:8]}"
    try:
        # one batch: current_query() holds both statements
        pg_execute(pg_db, f"CREATE ROLE {name} PASSWORD '{DDL_PASSWORD}'; CREATE TABLE pw_probe (a int)")
    finally:
        pg_execute(pg_db, f"DROP ROLE IF EXISTS {name}")
    rows = pg_rows(pg_db, "SELECT statement FROM schema_sync.drift_log")
    assert rows and all("hunter2" not in r[0] for r in rows)  # masked in SQL already
    # and at read time, for logs written by anything else
    from pathlib import Path

    from mkdocs_schema_sync.catalog import Catalog, Column, Table
    from mkdocs_schema_sync.render.pages import DocModel, SourceInfo, render_pages
    from mkdocs_schema_sync.settings import Settings

    catalog = Catalog("postgresql", [Table("public", "pw_probe", columns=[Column("a", "integer")])])
    model = DocModel(catalog, Settings(base_dir=Path(".")), SourceInfo("live", "x"))
    raw = DriftEntry("2025-01-01 00:00:00", "postgres", "CREATE TABLE", "table", "public", "pw_probe",
                     f"CREATE ROLE {name} PASSWORD '{DDL_PASSWORD}'; CREATE TABLE pw_probe (a int)", "trigger")  # fmt: skip
    add_change_log(model, [raw])
    pages = render_pages(model)
    assert all("hunter2" not in text for text in pages.values())
    assert "hunter2" not in mask(raw.statement)


def test_uninstall_keep_log_leaves_only_the_log(pg_db: ServerDB, role: str) -> None:
    pg_script(pg_db, install_script("postgresql"))
    pg_execute(pg_db, "CREATE TABLE kept (a int)", user=role)
    pg_script(pg_db, uninstall_script("postgresql", keep_log=True))
    assert pg_rows(pg_db, "SELECT evtname FROM pg_event_trigger") == []
    objects = pg_rows(
        pg_db,
        "SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'schema_sync' AND c.relkind IN ('r', 'v') "
        "UNION ALL SELECT p.proname, 'f' FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = 'schema_sync'",
    )
    assert objects == [("drift_log", "r")]
    assert pg_rows(pg_db, "SELECT object_name FROM schema_sync.drift_log") == [("kept",)]
    pg_execute(pg_db, "CREATE TABLE after_uninstall (a int)", user=role)
    assert pg_rows(pg_db, "SELECT count(*) FROM schema_sync.drift_log") == [(1,)]
    pg_script(pg_db, install_script("postgresql"))  # reinstall over a kept log
    pg_script(pg_db, uninstall_script("postgresql", keep_log=False))
    assert pg_rows(pg_db, "SELECT count(*) FROM pg_namespace WHERE nspname = 'schema_sync'") == [(0,)]
    assert pg_rows(pg_db, "SELECT evtname FROM pg_event_trigger") == []


def test_event_triggers_name_routines_triggers_types_and_sequences_as_the_catalog_does(pg_db: ServerDB) -> None:
    """Create and drop name an object alike: `f(integer)` in its schema, a trigger `name on table` in its table's."""
    pg_script(pg_db, install_script("postgresql"))
    for sql in [
        "CREATE SCHEMA sales",
        "CREATE TABLE sales.orders (id int PRIMARY KEY)",
        "CREATE FUNCTION sales.f(a integer) RETURNS integer LANGUAGE sql AS 'SELECT a'",
        "CREATE OR REPLACE FUNCTION sales.f(a integer) RETURNS integer LANGUAGE sql AS 'SELECT a + 1'",
        "CREATE FUNCTION sales.audit() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END'",
        "CREATE TRIGGER trg_audit AFTER INSERT ON sales.orders FOR EACH ROW EXECUTE FUNCTION sales.audit()",
        "COMMENT ON TRIGGER trg_audit ON sales.orders IS 'audits'",
        "CREATE TYPE sales.mood AS ENUM ('a', 'b')",
        "ALTER TYPE sales.mood ADD VALUE 'c'",
        "CREATE SEQUENCE sales.inv",
        "CREATE PROCEDURE sales.p(n integer) LANGUAGE sql AS 'SELECT 1'",
        "DROP TRIGGER trg_audit ON sales.orders",
        "DROP FUNCTION sales.f(integer)",
        "DROP PROCEDURE sales.p(integer)",
        "DROP TYPE sales.mood",
        "DROP SEQUENCE sales.inv",
    ]:
        pg_execute(pg_db, sql)
    rows = [(r[1], r[2], r[3], r[4]) for r in pg_rows(pg_db, LOG_SQL)][2:]  # after the schema and the table
    assert rows == [
        ("CREATE FUNCTION", "function", "sales", "f(integer)"),
        ("CREATE FUNCTION", "function", "sales", "f(integer)"),
        ("CREATE FUNCTION", "function", "sales", "audit()"),
        ("CREATE TRIGGER", "trigger", "sales", "trg_audit on orders"),
        ("COMMENT", "trigger", "sales", "trg_audit on orders"),
        ("CREATE TYPE", "type", "sales", "mood"),
        ("ALTER TYPE", "type", "sales", "mood"),
        ("CREATE SEQUENCE", "sequence", "sales", "inv"),
        ("CREATE PROCEDURE", "procedure", "sales", "p(integer)"),
        ("DROP TRIGGER", "trigger", "sales", "trg_audit on orders"),
        ("DROP FUNCTION", "function", "sales", "f(integer)"),
        ("DROP PROCEDURE", "procedure", "sales", "p(integer)"),
        ("DROP TYPE", "type", "sales", "mood"),
        ("DROP SEQUENCE", "sequence", "sales", "inv"),
    ]


def test_health_and_the_status_page_name_triggers_older_than_this_release(pg_db: ServerDB, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """An install recorded with an older `version` (a release whose triggers lacked later fixes) fails `health`
    and shows on the status page, both saying to run install-triggers again; the current version passes."""
    from mkdocs_schema_sync.db import open_database, parse_connection
    from mkdocs_schema_sync.dialects import get_dialect
    from mkdocs_schema_sync.drift.capture import health
    from mkdocs_schema_sync.pipeline import load_catalog, render_site
    from mkdocs_schema_sync.settings import Settings

    current = get_dialect("postgresql").install_version
    assert f"('version', '{current}')" in install_script("postgresql")  # what the script records
    pg_script(pg_db, install_script("postgresql"))
    url = pg_db.url("postgresql+psycopg")
    with open_database(parse_connection(url)) as db:
        ok, lines = health(db)
    assert ok, lines
    older = str(int(current) - 1)
    pg_execute(pg_db, f"UPDATE schema_sync.install_info SET value = '{older}' WHERE name = 'version'")
    with open_database(parse_connection(url)) as db:
        ok, lines = health(db)
    assert not ok
    said = [line for line in lines if "older than this release" in line]
    assert len(said) == 1 and f"version {older}" in said[0] and "install-triggers` again" in said[0], lines
    pages = render_site(
        Settings(base_dir=tmp_path, connection=url), load_catalog(Settings(base_dir=tmp_path, connection=url))
    )
    status = pages["schema/status.md"]
    assert "older than this release" in status and "install-triggers" in status
