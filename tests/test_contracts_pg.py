"""Contracts on a real PostgreSQL server: rules, the contract_status view, enforcement by event triggers."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT, ServerDB, pg_execute
from test_contracts import BREAKING, HOLDING, one

from mkdocs_schema_sync.contracts.check import check_contracts
from mkdocs_schema_sync.contracts.install import protected_columns
from mkdocs_schema_sync.contracts.loader import load_contracts
from mkdocs_schema_sync.contracts.model import ContractFile
from mkdocs_schema_sync.dialects.base import ContractInstall
from mkdocs_schema_sync.dialects.postgres.contracts import PostgresContracts, contract_status, pg_type


def install_contracts(conn: object, contracts: ContractFile | None, enforce: bool) -> ContractInstall:
    assert contracts is not None
    return PostgresContracts().install(conn, protected_columns(contracts), enforce)


def install_script(contracts: ContractFile | None, enforce: bool) -> str:
    assert contracts is not None
    return PostgresContracts().script(protected_columns(contracts), enforce)


pytestmark = pytest.mark.postgres

SCOUT = (ROOT / "tests" / "data" / "contracts_scout_pg.sql").read_text()
EXAMPLE_CONTRACTS = ROOT / "example-site" / "contracts.yml"
SMALL = """
CREATE TABLE parent (id integer PRIMARY KEY, code varchar(64) NOT NULL UNIQUE, note text, amount numeric(10,2));
CREATE TABLE child (
    id integer PRIMARY KEY,
    parent_code character varying(64) NOT NULL REFERENCES parent (code),
    free_code varchar(64)
);
"""


def connect(db: ServerDB, user: str | None = None, autocommit: bool = False):  # type: ignore[no-untyped-def]
    import psycopg

    return psycopg.connect(host=db.host, port=db.port, user=user or db.user, dbname=db.name, autocommit=autocommit)


@pytest.fixture
def scout_pg(pg_db: ServerDB) -> ServerDB:
    pg_execute(pg_db, SCOUT)
    return pg_db


@pytest.fixture
def etl_role(scout_pg: ServerDB) -> Iterator[str]:
    """An ordinary login role that owns the Scout tables (as an application's migration user would)."""
    role = f"sstest_etl_{uuid.uuid4().hex[:8]}"
    pg_execute(scout_pg, f'CREATE ROLE "{role}" LOGIN; GRANT CREATE, USAGE ON SCHEMA public TO "{role}";')
    for table in ("PayloadTransactions", "SalesInteractions", "TransactionItems"):
        pg_execute(scout_pg, f'ALTER TABLE "{table}" OWNER TO "{role}"')
    try:
        yield role
    finally:
        # (a plain DROP OWNED would drop the protected tables, which enforcement refuses)
        pg_execute(scout_pg, f'REASSIGN OWNED BY "{role}" TO CURRENT_USER; DROP OWNED BY "{role}"')
        pg_execute(scout_pg, f'DROP ROLE "{role}"')


def statuses(db: ServerDB) -> dict[tuple[str, str | None], str]:
    with connect(db) as conn:
        return {(r["table_name"], r["column_name"]): r["status"] for r in contract_status(conn)}


# ------------------------------------------------------------------ Python-side rules on a PostgreSQL catalog


def pg_catalog(db: ServerDB):  # type: ignore[no-untyped-def]
    from mkdocs_schema_sync.db import open_database, parse_connection

    with open_database(parse_connection(db.url("postgresql+psycopg"))) as conn:
        return conn.dialect.read_catalog(conn)


@pytest.fixture
def small_pg(pg_db: ServerDB):  # type: ignore[no-untyped-def]
    pg_execute(pg_db, SMALL)
    return pg_catalog(pg_db)


@pytest.mark.parametrize(
    ("table", "rules"), [(t.replace("main.", "public."), r.replace("main.", "public.")) for t, r in HOLDING]
)
def test_rule_holds_on_postgres(tmp_path: Path, small_pg, table: str, rules: str) -> None:  # type: ignore[no-untyped-def]
    (result,) = check_contracts(load_contracts(one(tmp_path, table, rules)), small_pg).results
    assert result.status == "holds", result.summary()


@pytest.mark.parametrize(("table", "rules", "status", "reason"), BREAKING)
def test_rule_breaks_on_postgres(tmp_path: Path, small_pg, table: str, rules: str, status: str, reason: str) -> None:  # type: ignore[no-untyped-def]
    (result,) = check_contracts(load_contracts(one(tmp_path, table, rules)), small_pg).results
    assert result.status == status
    assert reason.replace("main.", "public.").replace("text NULL", "text NULL") in result.summary()


# ------------------------------------------------------------------ contract_status, straight from pg_catalog


def test_pg_type_spelling() -> None:
    assert pg_type("varchar(64)") == "character varying(64)"
    assert pg_type("int4") == "integer"
    assert pg_type("decimal(12,2)") == "numeric(12,2)"
    assert pg_type("timestamptz") == "timestamp with time zone"
    assert pg_type("text") == "text"


def test_status_view_holds_then_reports_each_kind_of_break(scout_pg: ServerDB) -> None:
    contracts = load_contracts(EXAMPLE_CONTRACTS)
    with connect(scout_pg) as conn:
        result = install_contracts(conn, contracts, enforce=False)
    assert result.rows == 6 and not result.enforce
    assert set(statuses(scout_pg).values()) == {"holds"}

    pg_execute(scout_pg, 'ALTER TABLE "PayloadTransactions" ALTER COLUMN canonical_tx_id_norm TYPE text')
    assert statuses(scout_pg)[("PayloadTransactions", "canonical_tx_id_norm")] == "holds"  # compatible: [.., text]
    pg_execute(scout_pg, 'ALTER TABLE "SalesInteractions" ALTER COLUMN canonical_tx_id_norm TYPE varchar(32)')
    pg_execute(scout_pg, 'ALTER TABLE "SalesInteractions" ALTER COLUMN canonical_tx_id_norm DROP NOT NULL')
    pg_execute(scout_pg, 'ALTER TABLE "TransactionItems" RENAME COLUMN "CanonicalTxID" TO canonical_tx_id')
    got = statuses(scout_pg)
    assert got[("SalesInteractions", "canonical_tx_id_norm")] == "type differs"
    assert got[("TransactionItems", "CanonicalTxID")] == "column missing"
    pg_execute(scout_pg, 'ALTER TABLE "SalesInteractions" ALTER COLUMN canonical_tx_id_norm TYPE varchar(64)')
    assert statuses(scout_pg)[("SalesInteractions", "canonical_tx_id_norm")] == "nullability differs"
    pg_execute(scout_pg, 'DROP TABLE "TransactionItems"')
    assert statuses(scout_pg)[("TransactionItems", None)] == "table missing"
    with connect(scout_pg) as conn:
        row = conn.execute(
            "SELECT found_type, found_nullable FROM schema_sync.contract_status "
            "WHERE table_name = 'SalesInteractions' AND column_name IS NOT NULL"
        ).fetchone()
    assert row == ("character varying(64)", True)


def test_reinstall_reloads_rows(scout_pg: ServerDB, tmp_path: Path) -> None:
    with connect(scout_pg) as conn:
        install_contracts(conn, load_contracts(EXAMPLE_CONTRACTS), enforce=False)
        install_contracts(
            conn,
            load_contracts(one(tmp_path, '"PayloadTransactions"', "device_id: {type: varchar(64)}")),
            enforce=False,
        )
        assert conn.execute("SELECT count(*) FROM schema_sync.contract_columns").fetchone() == (2,)


# ------------------------------------------------------------------ enforcement


@pytest.fixture
def enforced(scout_pg: ServerDB, etl_role: str) -> tuple[ServerDB, str]:
    with connect(scout_pg) as conn:
        result = install_contracts(conn, load_contracts(EXAMPLE_CONTRACTS), enforce=True)
    assert result.enforce and result.dblink
    return scout_pg, etl_role


def refused(db: ServerDB, role: str, sql: str) -> str:
    import psycopg

    with connect(db, user=role, autocommit=True) as conn, pytest.raises(psycopg.Error) as info:
        conn.execute(sql)
    return str(info.value)


def test_enforcement_refuses_drop_column_as_an_ordinary_role(enforced: tuple[ServerDB, str]) -> None:
    db, role = enforced
    message = refused(db, role, 'ALTER TABLE "PayloadTransactions" DROP COLUMN canonical_tx_id_norm CASCADE')
    assert 'contract "payload-transaction-key"' in message
    assert "owner: Scout Data Engineering <data-eng@scout.example>" in message
    with connect(db) as conn:
        cols = {
            r[0]
            for r in conn.execute(
                "SELECT attname FROM pg_attribute WHERE attrelid = '\"PayloadTransactions\"'::regclass AND attnum > 0 AND NOT attisdropped"
            )
        }
        assert "canonical_tx_id_norm" in cols
        log = conn.execute(
            "SELECT login_name, event_type, object_name, sync_status, status_ref, statement FROM schema_sync.drift_log"
        ).fetchall()
    assert log == [
        (
            role,
            "ALTER TABLE",
            "PayloadTransactions.canonical_tx_id_norm",
            "refused",
            "contract: payload-transaction-key",
            'ALTER TABLE "PayloadTransactions" DROP COLUMN canonical_tx_id_norm CASCADE',
        )
    ]


@pytest.mark.parametrize(
    ("sql", "what"),
    [
        (
            'ALTER TABLE "SalesInteractions" ALTER COLUMN canonical_tx_id_norm TYPE varchar(32)',
            "with type character varying(32)",
        ),
        ('ALTER TABLE "TransactionItems" RENAME COLUMN "CanonicalTxID" TO tx', "missing (renamed or dropped)"),
        ('ALTER TABLE "SalesInteractions" ALTER COLUMN canonical_tx_id_norm DROP NOT NULL', "nullable"),
        ('ALTER TABLE "TransactionItems" RENAME TO items', "missing (renamed or dropped)"),
        ('DROP TABLE "TransactionItems"', "dropped"),
    ],
)
def test_enforcement_refuses_retype_rename_and_drop(enforced: tuple[ServerDB, str], sql: str, what: str) -> None:
    db, role = enforced
    message = refused(db, role, sql)
    assert "refused" in message and what in message
    with connect(db) as conn:
        assert all(s == "holds" for s in statuses(db).values())
        assert conn.execute("SELECT count(*) FROM schema_sync.drift_log WHERE sync_status = 'refused'").fetchone() == (
            1,
        )


def test_enforcement_lets_other_ddl_through(enforced: tuple[ServerDB, str]) -> None:
    db, role = enforced
    with connect(db, user=role, autocommit=True) as conn:
        conn.execute('ALTER TABLE "PayloadTransactions" ADD COLUMN note text')
        conn.execute('ALTER TABLE "PayloadTransactions" ALTER COLUMN device_id TYPE varchar(128)')
        conn.execute(
            'ALTER TABLE "PayloadTransactions" ALTER COLUMN canonical_tx_id_norm TYPE varchar(128)'
        )  # compatible
        conn.execute("CREATE TABLE scratch (id int)")
        conn.execute("DROP TABLE scratch")
        conn.execute('CREATE INDEX ix_note ON "PayloadTransactions" (note)')
    with connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM schema_sync.drift_log").fetchone() == (0,)


def test_already_broken_contract_does_not_block_unrelated_ddl(scout_pg: ServerDB, etl_role: str) -> None:
    pg_execute(scout_pg, 'ALTER TABLE "SalesInteractions" ALTER COLUMN canonical_tx_id_norm TYPE varchar(32)')
    with connect(scout_pg) as conn:
        install_contracts(conn, load_contracts(EXAMPLE_CONTRACTS), enforce=True)
    with connect(scout_pg, user=etl_role, autocommit=True) as conn:
        conn.execute('ALTER TABLE "SalesInteractions" ADD COLUMN note text')
        conn.execute('ALTER TABLE "SalesInteractions" ALTER COLUMN canonical_tx_id_norm TYPE varchar(64)')  # the repair


def test_enforcement_off_again(enforced: tuple[ServerDB, str]) -> None:
    db, role = enforced
    with connect(db) as conn:
        install_contracts(conn, load_contracts(EXAMPLE_CONTRACTS), enforce=False)
    pg_execute(db, 'ALTER TABLE "TransactionItems" RENAME COLUMN "CanonicalTxID" TO tx', user=role)
    assert statuses(db)[("TransactionItems", "CanonicalTxID")] == "column missing"


def test_enforce_needs_a_superuser(scout_pg: ServerDB, etl_role: str) -> None:
    from mkdocs_schema_sync.errors import SchemaSyncError

    with connect(scout_pg, user=etl_role) as conn, pytest.raises(SchemaSyncError, match="superuser"):
        install_contracts(conn, load_contracts(EXAMPLE_CONTRACTS), enforce=True)


def test_printed_script_installs_the_same(scout_pg: ServerDB, etl_role: str) -> None:
    script = install_script(load_contracts(EXAMPLE_CONTRACTS), enforce=True)
    pg_execute(scout_pg, script)
    assert set(statuses(scout_pg).values()) == {"holds"}
    assert "payload-transaction-key" in refused(scout_pg, etl_role, 'DROP TABLE "PayloadTransactions" CASCADE')


# ------------------------------------------------------------------ the commands


def pg_site(tmp_path: Path, db: ServerDB) -> Path:
    root = tmp_path / "site"
    (root / "docs").mkdir(parents=True)
    (root / "mkdocs.yml").write_text(
        f"site_name: t\nplugins:\n  - schema-sync:\n      connection: {db.url('postgresql+psycopg')}\n",
        encoding="utf-8",
    )
    (root / "contracts.yml").write_text(EXAMPLE_CONTRACTS.read_text(), encoding="utf-8")
    return root


def test_print_commands_need_no_server(tmp_path: Path) -> None:
    from conftest import cli

    db = ServerDB(name="nowhere", host="127.0.0.1", port=1, user="x")
    root = pg_site(tmp_path, db)
    run = cli("install-contracts", "--enforce", "--print", cwd=root)
    assert run.returncode == 0, run.stderr
    assert "CREATE EVENT TRIGGER schema_sync_contracts_drop ON sql_drop" in run.stdout
    assert "'payload-transaction-key'" in run.stdout
    run = cli("install-triggers", "--contracts", "--print", cwd=root)
    assert run.returncode == 0, run.stderr
    assert "schema_sync.drift_log" in run.stdout and "contract_columns" in run.stdout
    assert "CREATE EVENT TRIGGER schema_sync_contracts" not in run.stdout  # --enforce-contracts not given


def test_install_triggers_with_enforced_contracts(tmp_path: Path, scout_pg: ServerDB, etl_role: str) -> None:
    from conftest import cli

    root = pg_site(tmp_path, scout_pg)
    run = cli("install-triggers", "--enforce-contracts", cwd=root)
    assert run.returncode == 0, run.stderr
    assert "contracts: 6 rows in schema_sync.contract_columns, enforced by event triggers" in run.stdout
    message = refused(scout_pg, etl_role, 'ALTER TABLE "PayloadTransactions" DROP COLUMN canonical_tx_id_norm CASCADE')
    assert "payload-transaction-key" in message
    with connect(scout_pg) as conn:
        rows = conn.execute(
            "SELECT sync_status, status_ref FROM schema_sync.drift_log WHERE sync_status = 'refused'"
        ).fetchall()
    assert rows == [("refused", "contract: payload-transaction-key")]
    with connect(scout_pg) as conn:  # issue 17 item 11: the install's own CREATE EXTENSION dblink is not drift
        own = conn.execute(
            "SELECT sync_status, status_ref FROM schema_sync.drift_log WHERE statement ILIKE '%EXTENSION%dblink%'"
        ).fetchall()
    assert own and all(row == ("deployed", "schema-sync-install") for row in own), own
    # the drift trigger still logs ordinary DDL next to the contract guard
    pg_execute(scout_pg, 'ALTER TABLE "PayloadTransactions" ADD COLUMN note text', user=etl_role)
    with connect(scout_pg) as conn:
        pending = conn.execute("SELECT statement FROM schema_sync.drift_log WHERE sync_status = 'pending'").fetchall()
    assert ('ALTER TABLE "PayloadTransactions" ADD COLUMN note text',) in pending
    run = cli("validate", cwd=root)
    assert run.returncode == 0, run.stdout + run.stderr


def test_install_contracts_through_odbc_binds_the_compatible_types(tmp_path: Path, scout_pg: ServerDB) -> None:
    """psqlODBC cannot bind a Python list: the install failed with "The driver did not supply an error!"."""
    from conftest import cli

    root = pg_site(tmp_path, scout_pg)
    mkdocs_yml = root / "mkdocs.yml"
    mkdocs_yml.write_text(
        mkdocs_yml.read_text().replace(scout_pg.url("postgresql+psycopg"), scout_pg.url("postgresql")), "utf-8"
    )
    run = cli("install-triggers", "--enforce", cwd=root)
    assert run.returncode == 0, run.stderr
    assert "contracts: 6 rows in schema_sync.contract_columns, enforced by event triggers" in run.stdout
    with connect(scout_pg) as conn:
        rows = conn.execute(
            "SELECT compatible_types FROM schema_sync.contract_columns "
            "WHERE table_name = 'PayloadTransactions' AND column_name = 'canonical_tx_id_norm'"
        ).fetchall()
    assert rows == [(["character varying(128)", "text"],)]
