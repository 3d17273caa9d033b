"""Contracts inside PostgreSQL: the `schema_sync.contract_columns` table, the `contract_status` view and,
optionally, event triggers that refuse DDL breaking an `error` contract (sql/postgres/contracts*.sql).

Enforcement needs a superuser (only superusers create event triggers). A refused
statement is written to `schema_sync.drift_log` through `dblink` to the same
database, so the row survives the rollback of the refused DDL; without dblink
the refusal still reaches the client and the server log (RAISE), but not the table.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

from .connect import Database
from .contracts import ContractFile
from .errors import SchemaSyncError
from .masking import get_logger
from .sqlfiles import read_sql
from .types import normalize_type

log = get_logger("contracts_db")

COLUMNS = (
    "contract_name",
    "owner",
    "severity",
    "schema_name",
    "table_name",
    "column_name",
    "expected_type",
    "expected_nullable",
    "compatible_types",
)

# normalize_type's canonical names -> PostgreSQL's format_type() spelling
_PG_NAMES = {
    "varchar": "character varying",
    "char": "character",
    "decimal": "numeric",
    "double": "double precision",
    "binary": "bytea",
    "timestamp": "timestamp without time zone",
    "timestamptz": "timestamp with time zone",
    "time": "time without time zone",
    "timetz": "time with time zone",
}


def pg_type(type_text: str) -> str:
    """A contract type as `format_type()` prints it: varchar(64) -> character varying(64)."""
    norm = normalize_type("postgresql", type_text)
    array = norm.endswith("[]")
    norm = norm.removesuffix("[]")
    name, _, args = norm.partition("(")
    args = f"({args}" if args else ""
    spelled = _PG_NAMES.get(name, name)
    if " with" in spelled and args:  # timestamp(3) without time zone
        head, _, zone = spelled.partition(" ")
        out = f"{head}{args} {zone}"
    else:
        out = f"{spelled}{args}"
    return out + ("[]" if array else "")


@dataclass
class ContractRow:
    contract_name: str
    owner: str | None
    severity: str
    schema_name: str
    table_name: str
    column_name: str | None
    expected_type: str | None
    expected_nullable: bool | None
    compatible_types: list[str] | None

    def values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, c) for c in COLUMNS)


def contract_rows(contracts: ContractFile, schema_of: Any, spell: Any = None) -> list[ContractRow]:
    """One row per protected table and column; `schema_of(table)` resolves an unqualified table name.

    `spell` writes a type as the database's status view expects it (PostgreSQL: format_type's spelling).
    """
    spell = spell or pg_type
    rows = []
    for c in contracts.contracts:
        owner = str(c.owner) if (c.owner.team or c.owner.contact) else None
        for t in c.protects:
            schema, table = t.table.split(".", 1) if "." in t.table else (schema_of(t.table), t.table)
            rows.append(ContractRow(c.name, owner, c.severity, schema, table, None, None, None, None))
            for col in t.columns:
                rows.append(
                    ContractRow(
                        c.name,
                        owner,
                        c.severity,
                        schema,
                        table,
                        col.name,
                        spell(col.type) if col.type else None,
                        col.nullable,
                        [spell(x) for x in col.compatible] or None,
                    )
                )
    return rows


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


def install_script(contracts: ContractFile, enforce: bool, default_schema: str = "public") -> str:
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
    for row in contract_rows(contracts, lambda _t: default_schema):
        values = ", ".join(_literal(v) for v in row.values())
        parts.append(f"INSERT INTO schema_sync.contract_columns ({', '.join(COLUMNS)}) VALUES ({values});")
    parts.append(read_sql("postgres", "contracts_enforce.sql" if enforce else "contracts_unenforce.sql"))
    parts.append("COMMIT;")
    return "\n".join(parts) + "\n"


@dataclass
class InstallResult:
    rows: int
    enforce: bool
    dblink: bool


def install_contracts(db: Any, contracts: ContractFile, enforce: bool) -> InstallResult:
    """Install (or reload) the contracts in one transaction. `db` is a Database or a DB-API connection."""
    # A Database is in autocommit (see Database.transaction); a bare connection manages its own.
    with db.transaction() if isinstance(db, Database) else contextlib.nullcontext():
        return _install_contracts(db, contracts, enforce)


def _install_contracts(db: Any, contracts: ContractFile, enforce: bool) -> InstallResult:
    raw = getattr(db, "raw", db)
    param = getattr(db, "param", "%s")
    cur = raw.cursor()
    try:
        cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
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

        rows = contract_rows(contracts, schema_of)
        cur.execute("DELETE FROM schema_sync.contract_columns")
        marks = ", ".join([param] * len(COLUMNS))
        sql = f"INSERT INTO schema_sync.contract_columns ({', '.join(COLUMNS)}) VALUES ({marks})"
        for row in rows:
            cur.execute(sql, row.values())
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
    return InstallResult(rows=len(rows), enforce=enforce, dblink=dblink)


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
