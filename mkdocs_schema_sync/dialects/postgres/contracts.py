"""Contracts inside PostgreSQL: the `schema_sync.contract_columns` table, the `contract_status` view and,
optionally, event triggers that refuse DDL breaking an `error` contract (sql/postgres/contracts*.sql).

Enforcement needs a superuser (only superusers create event triggers). A refused
statement is written to `schema_sync.drift_log` through `dblink` to the same
database, so the row survives the rollback of the refused DDL; without dblink
the refusal still reaches the client and the server log (RAISE), but not the table.
"""

from __future__ import annotations

import contextlib
from dataclasses import astuple
from typing import Any

from ...catalog.types import native_type
from ...errors import SchemaSyncError
from ...masking import get_logger
from ..base import CONTRACT_COLUMNS, ContractInstall, ContractRow, ProtectedColumn, contract_rows
from ..sqlfiles import read_sql

log = get_logger("postgres.contracts")

COLUMNS = CONTRACT_COLUMNS
SUPERUSER_SQL = "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"


def pg_type(type_text: str) -> str:
    """A contract type as `format_type()` prints it: varchar(64) -> character varying(64)."""
    return native_type("postgresql", type_text)


def rows(columns: list[ProtectedColumn], default_schema: str = "public") -> list[ContractRow]:
    return contract_rows(columns, lambda _table: default_schema, pg_type)


def _literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "ARRAY[" + ", ".join(_literal(v) for v in value) + "]::text[]"
    text = str(value)
    if "\x00" in text:
        raise SchemaSyncError("contract text contains a NUL character")
    return "'" + text.replace("'", "''") + "'"  # standard_conforming_strings is set on in the script


def _array_text(values: list[str] | None) -> str | None:
    """A text[] literal: `{"a","b \\"c\\""}` (every element quoted, `\\` and `"` escaped)."""
    if values is None:
        return None
    quoted = ('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values)
    return "{" + ",".join(quoted) + "}"


class PostgresContracts:
    """The `ContractStore` of PostgreSQL."""

    def script(self, columns: list[ProtectedColumn], enforce: bool, default_schema: str = "public") -> str:
        """The whole install as one SQL script, for `--print` (a DBA runs it as superuser)."""
        parts = [
            "SET standard_conforming_strings = on;",
            "BEGIN;",
            read_sql("postgres", "log_tables.sql"),
            read_sql("postgres", "contracts.sql"),
        ]
        if enforce:
            parts.append("CREATE EXTENSION IF NOT EXISTS dblink SCHEMA schema_sync;  -- drop this line if unavailable")
        parts.append("DELETE FROM schema_sync.contract_columns;")
        for row in rows(columns, default_schema):
            values = ", ".join(_literal(v) for v in astuple(row))
            parts.append(f"INSERT INTO schema_sync.contract_columns ({', '.join(COLUMNS)}) VALUES ({values});")
        parts.append(read_sql("postgres", "contracts_enforce.sql" if enforce else "contracts_unenforce.sql"))
        parts.append("COMMIT;")
        return "\n".join(parts) + "\n"

    def install(self, db: Any, columns: list[ProtectedColumn], enforce: bool) -> ContractInstall:
        """Install (or reload) the contracts in one transaction. `db` is a Database or a DB-API connection."""
        # A Database is in autocommit (see Database.transaction); a bare connection manages its own.
        with db.transaction() if hasattr(db, "raw") else contextlib.nullcontext():
            return _install(db, columns, enforce)


def _install(db: Any, columns: list[ProtectedColumn], enforce: bool) -> ContractInstall:
    raw = getattr(db, "raw", db)
    param = getattr(db, "param", "%s")
    cur = raw.cursor()
    try:
        cur.execute(SUPERUSER_SQL)
        (is_super,) = cur.fetchone()
        if enforce and not is_super:
            raise SchemaSyncError(
                "contract enforcement creates event triggers, which needs a PostgreSQL superuser: "
                "connect as one, install without --enforce, or hand `install-contracts --enforce --print` to a DBA"
            )
        cur.execute("SELECT count(*) FROM pg_available_extensions WHERE name = 'dblink'")
        dblink = bool(cur.fetchone()[0]) and enforce
        cur.execute(read_sql("postgres", "log_tables.sql"))  # the drift log the refusals go to
        cur.execute(read_sql("postgres", "contracts.sql"))
        if dblink:
            cur.execute("CREATE EXTENSION IF NOT EXISTS dblink SCHEMA schema_sync")
        elif enforce:
            log.warning("the dblink extension is not available: refusals reach the client and the server log only")

        def schema_of(table: str) -> str:
            cur.execute(
                "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                f"WHERE c.relname = {param} AND c.relkind IN ('r', 'p', 'v', 'm', 'f') "
                "AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'schema_sync') ORDER BY 1",
                (table,),
            )
            found = [r[0] for r in cur.fetchall()]
            if len(found) == 1:
                return str(found[0])
            cur.execute("SELECT current_schema()")
            return str(cur.fetchone()[0])

        loaded = contract_rows(columns, schema_of, pg_type)
        cur.execute("DELETE FROM schema_sync.contract_columns")
        # the array goes as its text form and a cast: pyodbc cannot bind a list (psqlODBC fails without a message)
        marks = ", ".join([param] * (len(COLUMNS) - 1) + [f"CAST({param} AS text[])"])
        sql = f"INSERT INTO schema_sync.contract_columns ({', '.join(COLUMNS)}) VALUES ({marks})"
        for row in loaded:
            values = astuple(row)
            cur.execute(sql, (*values[:-1], _array_text(values[-1])))
        cur.execute(read_sql("postgres", "contracts_enforce.sql" if enforce else "contracts_unenforce.sql"))
        raw.commit()
    except SchemaSyncError:
        raw.rollback()
        raise
    except Exception as exc:
        raw.rollback()
        raise SchemaSyncError(f"installing the contracts failed: {' '.join(str(exc).split())[:500]}") from None
    finally:
        cur.close()
    return ContractInstall(rows=len(loaded), enforce=enforce, enforced_by="event triggers", dblink=dblink)


def contract_status(db: Any) -> list[dict[str, Any]]:
    """The rows of schema_sync.contract_status."""
    raw = getattr(db, "raw", db)
    cur = raw.cursor()
    try:
        cur.execute(
            "SELECT contract_name, schema_name, table_name, column_name, status, found_type, found_nullable "
            "FROM schema_sync.contract_status ORDER BY contract_name, table_name, column_name NULLS FIRST"
        )
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    finally:
        cur.close()
