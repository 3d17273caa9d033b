"""Passwords never reach PostgreSQL's drift log: real statements, sent as drivers and `psql -c` send them
(several statements in one query string, so `current_query()` holds the role statement beside the DDL)."""

from __future__ import annotations

import subprocess
import time
import uuid
from collections.abc import Iterator

import pytest
from conftest import DDL_PASSWORD, ServerDB, pg_execute
from test_drift_postgres import pg_rows, pg_script

from mkdocs_schema_sync.drift.capture import install_script

pytestmark = pytest.mark.postgres

PW = DDL_PASSWORD

# {role}: a fresh role name; {t}: the table the batch creates (so the event trigger fires)
BATCHES = [
    "CREATE ROLE {role} PASSWORD '{pw}'; CREATE TABLE {t} (a int)",
    "CREATE ROLE {role} ENCRYPTED PASSWORD E'{pw}\\'x'; CREATE TABLE {t} (a int)",
    "CREATE ROLE {role} PASSWORD E'it''s {pw}\\\\'; CREATE TABLE {t} (a int)",
    "CREATE ROLE {role} PASSWORD /* why */ '{pw}'; CREATE TABLE {t} (a int)",
    "CREATE ROLE {role} PASSWORD -- why\n  '{pw}'; CREATE TABLE {t} (a int)",
    "CREATE ROLE {role} PASSWORD /* a /* nested */ comment */ '{pw}'; CREATE TABLE {t} (a int)",
    "CREATE ROLE {role} PASSWORD\t\n  U&'{pw}'; CREATE TABLE {t} (a int)",
    "CREATE ROLE {role} PASSWORD $${pw}$$; CREATE TABLE {t} (a int)",
    "CREATE ROLE {role} PASSWORD $pw$ $x$ {pw} $pw$; CREATE TABLE {t} (a int)",
    "CREATE ROLE {role} PASSWORD 'secret-'\n'hunter2'; CREATE TABLE {t} (a int)",
    "CREATE ROLE {role} PASSWORD'{pw}'; CREATE TABLE {t} (a int)",
    "COMMENT ON DATABASE current_database IS 'the password'; CREATE ROLE {role} PASSWORD '{pw}'; CREATE TABLE {t} (a int)",
    "CREATE FOREIGN DATA WRAPPER w_{t}; CREATE SERVER s_{t} FOREIGN DATA WRAPPER w_{t}; "
    "CREATE USER MAPPING FOR CURRENT_USER SERVER s_{t} OPTIONS (user 'bob', password '{pw}'); CREATE TABLE {t} (a int)",
    "SELECT 'host=h password={pw} dbname=d' AS conninfo; CREATE TABLE {t} (a int)",
    "SELECT 'host=h password=''{pw} x'' dbname=d' AS conninfo; CREATE TABLE {t} (a int)",
    "SELECT 'postgresql://bob:{pw}@h/d' AS uri; CREATE TABLE {t} (a int)",
]


@pytest.fixture
def installed(pg_db: ServerDB) -> Iterator[ServerDB]:
    pg_script(pg_db, install_script("postgresql"))
    roles: list[str] = []
    pg_db.roles = roles  # type: ignore[attr-defined]
    yield pg_db
    for role in roles:
        pg_execute(pg_db, f"DROP ROLE IF EXISTS {role}")


def fresh(db: ServerDB, template: str) -> tuple[str, str]:
    role, table = f"ssmask_{uuid.uuid4().hex[:8]}", f"t_{uuid.uuid4().hex[:8]}"
    db.roles.append(role)  # type: ignore[attr-defined]
    sql = template.format(role=role, t=table, pw=PW).replace("current_database", f'"{db.name}"')
    return sql, table


def logged(db: ServerDB, table: str) -> str:
    rows = pg_rows(db, f"SELECT statement FROM schema_sync.drift_log WHERE object_name = '{table}'")
    assert len(rows) == 1, rows
    return str(rows[0][0])


@pytest.mark.parametrize("template", BATCHES)
def test_the_trigger_masks_every_literal_form_before_the_row_is_written(installed: ServerDB, template: str) -> None:
    sql, table = fresh(installed, template)
    pg_execute(installed, sql)
    statement = logged(installed, table)
    assert "hunter2" not in statement, statement
    assert "***" in statement and f"CREATE TABLE {table} (a int)" in statement, statement


def test_psql_c_and_odbc_batches_are_masked(installed: ServerDB) -> None:
    import pyodbc

    sql, table = fresh(installed, BATCHES[1])
    subprocess.run(
        ["psql", "-h", installed.host, "-p", str(installed.port), "-U", installed.user, "-d", installed.name,
         "-v", "ON_ERROR_STOP=1", "-q", "-c", sql],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    assert "hunter2" not in logged(installed, table)
    sql, table = fresh(installed, BATCHES[3])
    odbc = (
        f"DRIVER={{PostgreSQL Unicode}};SERVER={installed.host};PORT={installed.port};"
        f"DATABASE={installed.name};UID={installed.user};BoolsAsChar=0"
    )
    with pyodbc.connect(odbc, autocommit=True) as conn:
        conn.execute(sql)
    assert "hunter2" not in logged(installed, table)


def test_password_null_and_plain_ddl_are_kept_as_written(installed: ServerDB) -> None:
    sql, table = fresh(installed, "CREATE ROLE {role} PASSWORD NULL; CREATE TABLE {t} (password text DEFAULT 'x')")
    pg_execute(installed, sql)
    assert logged(installed, table) == sql


def test_a_1mb_statement_is_masked_in_bounded_time(installed: ServerDB) -> None:
    """A comment of 1 MB dense with keywords and URL-like runs, captured as the statement."""
    body = ("password = x a://b:c " * 50_000)[:1_000_000]
    table = f"t_{uuid.uuid4().hex[:8]}"
    start = time.monotonic()
    pg_execute(installed, f"CREATE TABLE {table} (a int); COMMENT ON TABLE {table} IS '{body}'")
    assert time.monotonic() - start < 60  # linear: a few seconds; the old regexp took no longer, but missed forms
    rows = pg_rows(installed, f"SELECT length(statement) FROM schema_sync.drift_log WHERE object_name = '{table}'")
    assert len(rows) == 2 and all(r[0] > 500_000 for r in rows)
    # the same text as a dollar-quoted body names a secret: masked whole (its quoting cannot be read)
    table = f"t_{uuid.uuid4().hex[:8]}"
    pg_execute(installed, f"CREATE TABLE {table} (a int); COMMENT ON TABLE {table} IS $c${body}$c$")
    rows = pg_rows(installed, f"SELECT statement FROM schema_sync.drift_log WHERE object_name = '{table}'")
    assert len(rows) == 2 and all(str(r[0]).endswith("IS $c$***$c$") for r in rows)


def test_reinstall_upgrades_the_mask_function_in_place(installed: ServerDB) -> None:
    """An install of an earlier version (a plain regexp in SQL) gets the new function on reinstall."""
    pg_execute(
        installed,
        "CREATE OR REPLACE FUNCTION schema_sync.mask_statement(q text) RETURNS text LANGUAGE sql "
        "AS $$ SELECT regexp_replace(q, 'password\\s*''[^'']*''', 'password ''***''', 'gi') $$",
    )
    pg_script(installed, install_script("postgresql"))
    assert pg_rows(
        installed,
        "SELECT l.lanname FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang "
        "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'schema_sync' AND p.proname = 'mask_statement'",
    ) == [("plpgsql",)]
    sql, table = fresh(installed, BATCHES[1])
    pg_execute(installed, sql)
    assert "hunter2" not in logged(installed, table)


def test_a_refused_statement_is_masked_in_the_log_and_the_error(pg_db: ServerDB) -> None:
    """Contract enforcement writes the refused statement through dblink (and into the error's DETAIL)."""
    import psycopg
    from test_contracts_pg import EXAMPLE_CONTRACTS, SCOUT, connect, install_contracts

    from mkdocs_schema_sync.contracts.loader import load_contracts

    pg_execute(pg_db, SCOUT)
    with connect(pg_db) as conn:
        assert install_contracts(conn, load_contracts(EXAMPLE_CONTRACTS), enforce=True).dblink
    role = f"ssmask_{uuid.uuid4().hex[:8]}"
    sql = (
        f"CREATE ROLE {role} PASSWORD E'{PW}\\'x'; "
        'ALTER TABLE "PayloadTransactions" DROP COLUMN canonical_tx_id_norm CASCADE'
    )
    with connect(pg_db, autocommit=True) as conn, pytest.raises(psycopg.Error) as info:
        conn.execute(sql)
    detail = info.value.diag.message_detail or ""
    assert "statement: CREATE ROLE" in detail and "hunter2" not in detail
    (statement,) = pg_rows(pg_db, "SELECT statement FROM schema_sync.drift_log WHERE sync_status = 'refused'")[0]
    assert "DROP COLUMN canonical_tx_id_norm" in statement and "***" in statement and "hunter2" not in statement


def test_a_real_dblink_connect_in_the_batch_is_masked_before_it_is_stored(installed: ServerDB) -> None:
    """dblink_connect('… password=…') sent beside DDL: the row never holds the password."""
    pg_execute(installed, "CREATE EXTENSION IF NOT EXISTS dblink")
    table = f"t_{uuid.uuid4().hex[:8]}"
    conninfo = (
        f"host={installed.host} port={installed.port} dbname={installed.name} user={installed.user} password={PW}"
    )
    pg_execute(
        installed,
        f"SELECT dblink_connect('c_{table}', '{conninfo}'); SELECT dblink_disconnect('c_{table}'); "
        f"CREATE TABLE {table} (a int)",
    )
    statement = logged(installed, table)
    assert "dblink_connect" in statement and "password=***" in statement and "hunter2" not in statement
