"""The Scout contracts on MariaDB: they hold on the MySQL edition of Scout, and break when a protected column changes."""

from __future__ import annotations

import pytest
from conftest import EXAMPLE, ServerDB, mariadb_execute

from mkdocs_schema_sync.contracts.check import check_contracts
from mkdocs_schema_sync.contracts.loader import load_contracts
from mkdocs_schema_sync.db import open_database, parse_connection


def report(db: ServerDB):  # type: ignore[no-untyped-def]
    with open_database(parse_connection(db.url("mariadb"))) as conn:
        catalog = conn.dialect.read_catalog(conn)
    return check_contracts(load_contracts(EXAMPLE / "contracts.yml"), catalog)


@pytest.mark.mariadb
def test_scout_contracts_hold_then_break_on_mariadb(mariadb_db: ServerDB) -> None:
    mariadb_execute(mariadb_db, (EXAMPLE / "scout.mysql.sql").read_text())
    before = report(mariadb_db)
    assert [r.status for r in before.results] == ["holds", "holds", "holds"], [r.summary() for r in before.results]

    # MariaDB will not retype a foreign key column: drop the key first (that breaks `references` too)
    mariadb_execute(
        mariadb_db,
        "ALTER TABLE TransactionItems DROP FOREIGN KEY TransactionItems_ibfk_1;\n"
        "ALTER TABLE TransactionItems MODIFY CanonicalTxID VARCHAR(32) NOT NULL",
    )
    after = report(mariadb_db)
    broken = {r.name: r for r in after.broken}
    assert set(broken) == {"transaction-items-payload-join", "payload-transaction-key"}  # referenced_by too
    assert (
        "expected varchar(64) NOT NULL, found varchar(32) NOT NULL"
        in broken["transaction-items-payload-join"].summary()
    )

    mariadb_execute(
        mariadb_db,
        "SET foreign_key_checks = 0;\nALTER TABLE SalesInteractions MODIFY canonical_tx_id_norm VARCHAR(64) NULL",
    )
    broken = {r.name: r for r in report(mariadb_db).broken}
    assert "sales-interactions-payload-join" in broken
    assert "found varchar(64) NULL" in broken["sales-interactions-payload-join"].summary()
