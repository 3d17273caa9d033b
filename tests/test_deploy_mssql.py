"""SQL Server's deploy pieces, checked without a server (none can run here): the T-SQL as text and what
the dialect sends, recorded by a fake connection (allowed for SQL Server only)."""

from __future__ import annotations

import re
from typing import Any

from mkdocs_schema_sync.dialects import get_dialect
from mkdocs_schema_sync.dialects.mssql.batches import split_batches

MSSQL = get_dialect("mssql")


class Recorder:
    param = "?"
    driver = "pyodbc"

    def __init__(self) -> None:
        self.sent: list[tuple[str, tuple[Any, ...]]] = []

    def query(self, sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
        self.sent.append((sql, tuple(params)))
        return []


def test_deploy_session_is_tagged_through_session_context() -> None:
    db = Recorder()
    MSSQL.tag_session(db, "6f1c-deploy")  # type: ignore[arg-type]
    MSSQL.tag_session(db, None)  # type: ignore[arg-type]
    (sql, params), (_, cleared) = db.sent
    assert "sp_set_session_context @key = N'schema_sync.deploy_id', @value = ?" in sql
    assert params == ("6f1c-deploy",) and cleared == (None,)


def test_ddl_trigger_logs_a_deploys_changes_as_deployed() -> None:
    text = MSSQL.read_sql("install.sql")
    assert "SESSION_CONTEXT(N'schema_sync.deploy_id')" in text
    inserts = re.findall(r"INSERT INTO schema_sync\.drift_log\s*\(login_name.*?\);", text, re.S)
    logged = [i for i in inserts if "'refused'" not in i]  # refusals keep their own status
    assert len(inserts) == 2 and len(logged) == 1
    body = logged[0]
    assert "source, sync_status, status_changed_at, status_ref" in body
    assert "CASE WHEN @deploy_id IS NULL THEN 'trigger' ELSE 'deploy' END" in body
    assert "CASE WHEN @deploy_id IS NULL THEN 'pending' ELSE 'deployed' END" in body
    assert body.rstrip(";").rstrip().endswith("@deploy_id)")


def test_history_table_script_and_names() -> None:
    batches = split_batches(MSSQL.read_sql("deploy_history.sql"))
    assert len(batches) == 3 and batches[0].endswith("SET QUOTED_IDENTIFIER ON;")  # the SET header batch
    assert "CREATE SCHEMA schema_sync" in batches[1]
    create = batches[2]
    assert "IF OBJECT_ID(N'schema_sync.deploy_history', N'U') IS NULL" in create
    for column in (
        "installed_rank",
        "version",
        "script",
        "checksum",
        "applied_by",
        "applied_at",
        "duration_ms",
        "outcome",
        "error_text",
        "failed_statement",
        "allowed_breaking",
        "target",
        "deploy_id",
        "content",
    ):
        assert re.search(rf"^\s+{column}\s", create, re.M), column
    assert MSSQL.history_table == "schema_sync.deploy_history" and MSSQL.transactional_ddl


def test_migrations_are_sent_in_go_batches() -> None:
    text = "CREATE TABLE t (x int);\nGO\nCREATE PROCEDURE p AS\nBEGIN\n  SELECT 1; SELECT 2;\nEND\nGO\n"
    assert MSSQL.split_migration(text) == [
        "CREATE TABLE t (x int);",
        "CREATE PROCEDURE p AS\nBEGIN\n  SELECT 1; SELECT 2;\nEND",
    ]


def test_every_dialect_ships_its_history_table_with_the_same_columns() -> None:
    columns = None
    for name in ("sqlite", "postgresql", "mysql", "mssql"):
        d = get_dialect(name)
        text = d.read_sql("deploy_history.sql")
        found = re.findall(r"^\s{4}([a-z_]+)\s+\S", text.split(d.history_table.split(".")[-1], 1)[1], re.M)
        found = [c for c in found if c not in ("constraint", "check")]
        columns = columns or found
        assert found == columns, name
