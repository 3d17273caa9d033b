"""Contracts inside SQL Server / Azure SQL: rows for `schema_sync.contract_columns` and the enforcement switch.

`sql/mssql/install.sql` creates the table, the `contract_status` view and the
DDL trigger that refuses contract-breaking DDL when `install_info.enforce_contracts`
is '1'. This module loads the contracts into that table. Like the rest of the
SQL Server support it is checked as text here; no SQL Server ran it.
"""

from __future__ import annotations

from typing import Any

from ...errors import SchemaSyncError
from ..base import CONTRACT_COLUMNS, Connection, ContractInstall, ContractRow, ProtectedColumn, contract_rows

COLUMNS = CONTRACT_COLUMNS[:-1]  # no compatible_types: `validate` and builds check those
DEFAULT_SCHEMA = "dbo"


def rows(columns: list[ProtectedColumn], default_schema: str = DEFAULT_SCHEMA) -> list[ContractRow]:
    """The rows, types as the contract spells them (the status view compares case- and space-insensitively).

    SQL Server's table has no column for `compatible:` types; `validate` and builds check those.
    """
    return contract_rows(columns, lambda _table: default_schema, str.lower)


def _literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    text = str(value)
    if "\x00" in text:
        raise SchemaSyncError("contract text contains a NUL character")
    return "N'" + text.replace("'", "''") + "'"


class MSSQLContracts:
    """The `ContractStore` of SQL Server."""

    def script(self, columns: list[ProtectedColumn], enforce: bool, default_schema: str = DEFAULT_SCHEMA) -> str:
        """T-SQL that reloads the contracts and sets enforcement, for `--print` and for running batch by batch."""
        lines = [
            "-- mkdocs-schema-sync: ETL contracts for SQL Server (run after sql/mssql/install.sql).",
            "SET XACT_ABORT ON;",
            "BEGIN TRANSACTION;",
            "DELETE FROM schema_sync.contract_columns;",
        ]
        for row in rows(columns, default_schema):
            values = ", ".join(_literal(getattr(row, c)) for c in COLUMNS)
            lines.append(f"INSERT INTO schema_sync.contract_columns ({', '.join(COLUMNS)}) VALUES ({values});")
        flag = "1" if enforce else "0"
        lines += [
            f"UPDATE schema_sync.install_info SET value = N'{flag}' WHERE name = 'enforce_contracts';",
            "COMMIT TRANSACTION;",
            "GO",
            "",
        ]
        return "\n".join(lines)

    def install(self, db: Connection, columns: list[ProtectedColumn], enforce: bool) -> ContractInstall:
        """Load the contracts into an open SQL Server database in one transaction."""
        loaded = rows(columns)
        marks = ", ".join([db.param] * len(COLUMNS))
        insert = f"INSERT INTO schema_sync.contract_columns ({', '.join(COLUMNS)}) VALUES ({marks})"
        with db.transaction():
            db.query("DELETE FROM schema_sync.contract_columns")
            for row in loaded:
                db.query(insert, [getattr(row, c) for c in COLUMNS])
            db.query(
                f"UPDATE schema_sync.install_info SET value = {db.param} WHERE name = 'enforce_contracts'",
                ["1" if enforce else "0"],
            )
            db.commit()
        return ContractInstall(rows=len(loaded), enforce=enforce, enforced_by="the DDL trigger")
