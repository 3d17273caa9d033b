"""Contracts for SQL Server: the T-SQL that loads them (checked as text; no SQL Server runs here)."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import EXAMPLE, TEST_PASSWORD, cli

from mkdocs_schema_sync.contracts.install import protected_columns
from mkdocs_schema_sync.contracts.loader import load_contracts, parse_contracts
from mkdocs_schema_sync.contracts.model import ContractFile
from mkdocs_schema_sync.dialects.mssql.batches import split_batches
from mkdocs_schema_sync.dialects.mssql.contracts import MSSQLContracts
from mkdocs_schema_sync.dialects.mssql.contracts import rows as mssql_rows


def rows(contracts: ContractFile | None):  # type: ignore[no-untyped-def]
    assert contracts is not None
    return mssql_rows(protected_columns(contracts))


def install_script(contracts: ContractFile, enforce: bool) -> str:
    return MSSQLContracts().script(protected_columns(contracts), enforce)


def test_rows_of_the_scout_contracts() -> None:
    loaded = rows(load_contracts(EXAMPLE / "contracts.yml"))
    protected = {(r.table_name, r.column_name) for r in loaded if r.column_name}
    assert protected == {
        ("PayloadTransactions", "canonical_tx_id_norm"),
        ("SalesInteractions", "canonical_tx_id_norm"),
        ("TransactionItems", "CanonicalTxID"),
    }
    item = next(r for r in loaded if r.column_name == "CanonicalTxID")
    assert (item.schema_name, item.expected_type, item.expected_nullable) == ("dbo", "varchar(64)", False)


def test_script_escapes_text_and_sets_enforcement(tmp_path: Path) -> None:
    text = (
        "contracts:\n  - name: \"it's <b>\"\n    owner: O'Brien\n    protects:\n"
        "      - table: sales.Orders\n        columns:\n          Id: {type: int, nullable: false}\n"
    )
    contracts = parse_contracts(text, tmp_path / "contracts.yml")
    script = install_script(contracts, enforce=True)
    assert "N'it''s <b>'" in script and "N'O''Brien'" in script
    assert "N'sales', N'Orders', N'Id', N'int', 0" in script
    assert "SET value = N'1' WHERE name = 'enforce_contracts'" in script
    assert "BEGIN TRANSACTION;" in script and "COMMIT TRANSACTION;" in script
    assert len(split_batches(script)) == 1
    assert "SET value = N'0'" in install_script(contracts, enforce=False)


def test_install_triggers_print_includes_the_contracts_for_mssql(tmp_path: Path) -> None:
    root = tmp_path / "site"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("site", "scout.db"))
    env = {"SCHEMA_SYNC_CONNECTION": "mssql://sa:${MSSQL_PW}@db.example:1433/scout", "MSSQL_PW": TEST_PASSWORD}
    result = cli("install-triggers", "--print", "--contracts", "--enforce", cwd=root, env=env)
    assert result.returncode == 0, result.stderr
    assert "FOR DDL_DATABASE_LEVEL_EVENTS" in result.stdout
    assert "INSERT INTO schema_sync.contract_columns" in result.stdout
    assert "N'transaction-items-payload-join'" in result.stdout
    assert "SET value = N'1' WHERE name = 'enforce_contracts'" in result.stdout
