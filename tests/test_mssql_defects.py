"""SQL Server defects found by review (issue 19, defects 3-10, 12): each checked without a server where one is
not needed — the shipped T-SQL as text and through sqlfluff (tests/test_mssql_serverless.py parses every batch),
the catalog rows as Microsoft documents them, the health check on a recording connection — and listed in
tests/mssql_live_plan.py for what only a live server can settle."""

from __future__ import annotations

import re
from typing import Any

import pytest
from conftest import visible_text
from mssql_fake import RecordingConnection, mssql_db
from test_mssql import FakeDB, sample_rows

from mkdocs_schema_sync.deploy.apply import LOCK_NAME
from mkdocs_schema_sync.dialects import mssql
from mkdocs_schema_sync.dialects.mssql.batches import split_batches
from mkdocs_schema_sync.dialects.mssql.catalog import build_catalog, catalog_sql
from mkdocs_schema_sync.dialects.sqlfiles import read_sql, sql_path
from mkdocs_schema_sync.drift.capture import health
from mkdocs_schema_sync.errors import SchemaSyncError

SCRIPTS = (
    "install.sql",
    "log_tables.sql",
    "uninstall.sql",
    "uninstall_all.sql",
    "deploy_history.sql",
    "deploy_history_upgrade.sql",
)


def _code(sql: str) -> str:
    return " ".join(re.sub(r"--[^\n]*", " ", sql).split())


def _batch(name: str, start: str) -> str:
    return next(b for b in split_batches(read_sql("mssql", name)) if start in _code(b))


# --------------------------------------------------------------------------- defect 4: the SET header


@pytest.mark.parametrize("name", SCRIPTS)
def test_every_shipped_script_sets_ansi_nulls_and_quoted_identifier_first(name: str) -> None:
    """sqlcmd without -I runs with QUOTED_IDENTIFIER OFF: the trigger made so fails every DDL (Msg 1934)."""
    first = _code(split_batches(read_sql("mssql", name))[0])
    assert first == "SET ANSI_NULLS ON; SET QUOTED_IDENTIFIER ON;"


def test_every_shipped_mssql_script_is_in_the_header_check() -> None:
    shipped = {p.name for p in sql_path("mssql", "install.sql").parent.glob("*.sql")}
    assert shipped - {"change_signal.sql"} == set(SCRIPTS)  # change_signal.sql is one SELECT, not a script


# --------------------------------------------------------------------------- defect 3: collations


def test_every_comparison_of_a_catalog_name_with_a_contract_column_is_collated() -> None:
    """Catalog names are in CATALOG_DEFAULT, user tables in the database collation: Msg 468 where they differ."""
    view = _code(_batch("install.sql", "CREATE OR ALTER VIEW schema_sync.contract_status"))
    compared = re.findall(r"(\w+\.name = cc\.\w+(?: COLLATE \w+)?)", view)
    assert len(compared) == 3, compared
    assert all(c.endswith("COLLATE CATALOG_DEFAULT") for c in compared), compared
    # and no other shipped SQL compares a sys.* name with a schema_sync column uncollated
    for name in SCRIPTS:
        for batch in split_batches(read_sql("mssql", name)):
            for hit in re.findall(r"\b\w+\.name = (?:cc|dl|ii)\.\w+(?! COLLATE)\b", _code(batch)):
                pytest.fail(f"{name}: {hit}")


# --------------------------------------------------------------------------- defect 5: health sees the trigger


def _health(trigger_row: tuple[Any, ...] | None, version: str = mssql.INSTALL_VERSION) -> tuple[bool, list[str]]:
    state = {"mode": "triggers", "version": version, "last_error": None, "enforce_contracts": "0"}

    def answer(sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]] | None:
        if "FROM schema_sync.install_info" in sql:
            return list(state.items())
        if "FROM sys.triggers" in sql:
            return [trigger_row] if trigger_row else []
        return None

    return health(mssql_db(RecordingConnection(results_per_batch=1, answer=answer)))


def test_health_is_ok_with_an_enabled_trigger_made_with_the_right_options() -> None:
    ok, lines = _health((False, True, True))
    assert ok, lines


@pytest.mark.parametrize(
    ("row", "says"),
    [
        ((True, True, True), "is disabled"),
        ((False, False, True), "QUOTED_IDENTIFIER or ANSI_NULLS OFF"),
        ((False, True, False), "QUOTED_IDENTIFIER or ANSI_NULLS OFF"),
        (None, "is missing"),
    ],
)
def test_health_fails_on_a_disabled_missing_or_misbuilt_trigger(row: tuple[Any, ...] | None, says: str) -> None:
    ok, lines = _health(row)
    assert not ok
    assert any(says in line for line in lines), lines


def test_health_names_a_trigger_installed_before_positional_secrets_were_masked() -> None:
    """Version 1 triggers log sp_addlogin's, sp_password's, ... passwords: health says to install again."""
    assert int(mssql.INSTALL_VERSION) >= 2
    ok, lines = _health((False, True, True), version="1")
    assert not ok
    said = [line for line in lines if "older than this release" in line]
    assert len(said) == 1 and "version 1" in said[0] and "install-triggers` again" in said[0], lines
    assert "positional" in said[0]  # what the upgrade brings


# --------------------------------------------------------------------------- defect 6: the refusal row stays


def test_the_refusal_row_is_committed_before_the_throw_under_implicit_transactions() -> None:
    trigger = _code(_batch("install.sql", "CREATE OR ALTER TRIGGER schema_sync_ddl"))
    refusal = trigger[trigger.index("IF @refusal IS NOT NULL") :]
    rollback = refusal.index("ROLLBACK TRANSACTION;")
    insert = refusal.index("'trigger', 'refused'")
    commit = refusal.index("IF @@TRANCOUNT > 0 COMMIT TRANSACTION;")
    throw = refusal.index("THROW 50001")
    assert rollback < insert < commit < throw


# --------------------------------------------------------------------------- defect 8: maintenance is not drift


def test_statistics_and_index_maintenance_return_before_anything_is_written() -> None:
    trigger = _code(_batch("install.sql", "CREATE OR ALTER TRIGGER schema_sync_ddl"))
    skip = trigger.index("IF @event_type IN (N'CREATE_STATISTICS', N'UPDATE_STATISTICS', N'DROP_STATISTICS')")
    assert "UPPER(@statement) LIKE N'%REBUILD%' OR UPPER(@statement) LIKE N'%REORGANIZE%'" in trigger[skip:]
    assert skip < trigger.index("INSERT INTO schema_sync.drift_log")


# --------------------------------------------------------------------------- defect 9: VIEW DEFINITION


class _NoViewDefinition(FakeDB):
    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if sql == catalog_sql("permissions"):
            self.queries.append(sql)
            return [(0,)]
        return super().query(sql, params)


def test_a_user_without_view_definition_gets_no_partial_catalog() -> None:
    db = _NoViewDefinition()
    with pytest.raises(SchemaSyncError, match=r"GRANT VIEW DEFINITION"):
        mssql.DIALECT.read_catalog(db)  # type: ignore[arg-type]
    assert db.queries == [catalog_sql("permissions")]  # refused before any sys.* view was read


def test_with_view_definition_the_catalog_is_read() -> None:
    db = FakeDB()
    catalog = mssql.DIALECT.read_catalog(db)  # type: ignore[arg-type]
    assert db.queries[0] == catalog_sql("permissions") and catalog.get("dbo", "Customers").columns


# --------------------------------------------------------------------------- defect 10: indexes, identity, temporal

ORDERS, LINES, HIST = 102, 103, 110


def _rows() -> dict[str, list[tuple[Any, ...]]]:
    rows = sample_rows()
    rows["objects"].append((HIST, "sales", "Orders_History", "U "))
    rows["indexes"] = [
        # object_id, index_id, name, unique, filter, type, index_column_id, key_ordinal, included, column, desc
        (LINES, 2, "IX_Lines_Qty", False, None, "NONCLUSTERED", 1, 1, False, "Qty", True),
        (LINES, 2, "IX_Lines_Qty", False, None, "NONCLUSTERED", 2, 2, False, "LineNo", False),
        (LINES, 2, "IX_Lines_Qty", False, None, "NONCLUSTERED", 3, 0, False, "OrderID", False),  # partitioning
        (LINES, 2, "IX_Lines_Qty", False, None, "NONCLUSTERED", 4, 0, True, "Price", False),
        (ORDERS, 3, "IX_Orders_Open", False, "([DeletedAt] IS NULL)", "NONCLUSTERED", 1, 1, False, "Status", False),
        (ORDERS, 1, "CIX_Orders", False, None, "CLUSTERED", 1, 1, False, "CustomerID", False),
        (LINES, 5, "CCI_Lines", False, None, "NONCLUSTERED COLUMNSTORE", 1, 0, True, "Qty", False),
        (LINES, 5, "CCI_Lines", False, None, "NONCLUSTERED COLUMNSTORE", 2, 0, True, "Price", False),
    ]
    rows["identity_columns"] = [(ORDERS, 1, "1000", "10"), (101, 1, "1", "1")]
    rows["temporal_tables"] = [(ORDERS, "sales", "Orders_History")]
    rows["period_columns"] = [(ORDERS, 4, 1, False), (ORDERS, 5, 2, True)]
    return rows


def test_index_keys_leave_out_the_partitioning_column_and_keep_desc_include_filter_and_kind() -> None:
    catalog = build_catalog(_rows())
    lines = {i.name: i for i in catalog.get("sales", "OrderLines").indexes}
    qty = lines["IX_Lines_Qty"]
    assert qty.columns == ["Qty", "LineNo"]  # not OrderID, the partitioning column SQL Server added
    assert qty.options == {"0": "DESC"} and qty.include == ["Price"] and qty.method is None
    assert (lines["CCI_Lines"].method, lines["CCI_Lines"].columns) == ("nonclustered columnstore", ["Qty", "Price"])
    orders = {i.name: i for i in catalog.get("sales", "Orders").indexes}
    assert orders["CIX_Orders"].method == "clustered"
    assert orders["IX_Orders_Open"].where == "[DeletedAt] IS NULL"


def test_identity_seed_and_increment_and_temporal_tables_are_read() -> None:
    catalog = build_catalog(_rows())
    orders = catalog.get("sales", "Orders")
    assert orders.column("OrderID").identity_options == "IDENTITY(1000,10)"  # type: ignore[union-attr]
    assert catalog.get("dbo", "Customers").column("CustomerID").identity_options is None  # type: ignore[union-attr]
    assert orders.versioning == "SYSTEM_VERSIONING = ON (HISTORY_TABLE = sales.Orders_History)"
    assert catalog.get("sales", "Orders_History").versioning == "history of sales.Orders"
    assert orders.column("Status").generated == "ALWAYS AS ROW START"  # type: ignore[union-attr]
    assert orders.column("DeletedAt").generated == "ALWAYS AS ROW END HIDDEN"  # type: ignore[union-attr]


def test_the_new_details_reach_the_snapshot_and_diff() -> None:
    from mkdocs_schema_sync.catalog import Catalog
    from mkdocs_schema_sync.catalog.diff import apply_changes, diff_catalogs

    before = build_catalog(sample_rows())
    after = build_catalog(_rows())
    again = Catalog.from_canonical(after.canonical())
    assert again.to_json() == after.to_json()
    kinds = {c.kind for c in diff_catalogs(before, after)}
    assert {"column_identity_options_changed", "versioning_changed", "column_generated_changed"} <= kinds
    assert apply_changes(before, diff_catalogs(before, after)).to_json() == after.to_json()


def test_catalogs_without_the_new_details_keep_their_canonical_form() -> None:
    canonical = build_catalog(sample_rows()).to_json()
    assert "identity_options" not in canonical and "versioning" not in canonical


# --------------------------------------------------------------------------- defect 12: contract gaps


def test_drop_view_rename_view_and_schema_transfer_of_protected_objects_are_refused() -> None:
    trigger = _code(_batch("install.sql", "CREATE OR ALTER TRIGGER schema_sync_ddl"))
    assert "IF @event_type IN (N'DROP_TABLE', N'DROP_VIEW')" in trigger
    assert "(@event_type = N'RENAME' AND @object_type IN (N'TABLE', N'VIEW'))" in trigger
    transfer = trigger[trigger.index("ELSE IF @event_type = N'ALTER_SCHEMA'") :]
    assert "WHERE cc.table_name IN (@object_name, @target_name)" in transfer.split("ELSE IF")[1]


def test_a_deploy_tag_counts_only_with_the_deploys_own_lock() -> None:
    trigger = _code(_batch("install.sql", "CREATE OR ALTER TRIGGER schema_sync_ddl"))
    check = f"APPLOCK_MODE(N'public', N'{LOCK_NAME}', N'Session') <> N'Exclusive' SET @deploy_id = NULL;"
    assert check in trigger
    assert trigger.index(check) < trigger.index("CASE WHEN @deploy_id IS NULL THEN 'trigger' ELSE 'deploy' END")
    # the deploy takes exactly that lock, owned by its session, under the default principal public
    sent: list[str] = []
    db = mssql_db(RecordingConnection(results_per_batch=1, answer=lambda sql, p: sent.append(sql) or None))
    mssql.DIALECT.try_lock(db, LOCK_NAME, 1)
    assert "@LockOwner = 'Session'" in sent[0] and "@DbPrincipal" not in sent[0]


def test_the_table_page_shows_identity_options_and_system_versioning(tmp_path: Any) -> None:
    from mkdocs_schema_sync.pipeline import LoadedCatalog, render_site
    from mkdocs_schema_sync.render.pages import SourceInfo
    from mkdocs_schema_sync.settings import Settings

    loaded = LoadedCatalog(build_catalog(_rows()), SourceInfo("live", "SQL Server database Sales"))
    pages = render_site(Settings(base_dir=tmp_path), loaded)
    page = visible_text(next(text for path, text in pages.items() if path.endswith("/Orders.md")))
    assert "IDENTITY(1000,10)" in page
    assert "System versioning:" in page and "HISTORY_TABLE = sales.Orders_History" in page
