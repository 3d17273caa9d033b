"""The checks only a live SQL Server / Azure SQL Database can settle, as a script a DBA can run.

Not run here (no SQL Server engine runs on this project's machines). Every T-SQL step is
parsed by sqlfluff in tests/test_mssql_live_plan.py, so the plan at least says valid T-SQL.

    python tests/mssql_live_plan.py                 # print the plan
    python tests/mssql_live_plan.py --run URL       # run it against a SCRATCH database (db_owner)

URL is a connection the project accepts, e.g. mssql://sa:PW@host/scratch?TrustServerCertificate=yes
or mssql+mssqlpython://host/scratch?Authentication=ActiveDirectoryDefault. `--run` installs the
triggers, creates and drops tables in that database, and prints PASS / FAIL / MANUAL per step.
Run it on SQL Server 2019, 2022 and Azure SQL Database, each under the default collation, a
case-sensitive one (Latin1_General_100_CS_AS_SC) and a contained database (CONTAINMENT = PARTIAL)
with a non-default collation.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

GO = "\nGO\n"


@dataclass
class Step:
    name: str
    why: str  # the defect or claim it settles
    sql: list[str] = field(default_factory=list)  # batches, run in order on one connection
    expect: str = ""  # what a pass looks like
    check: Callable[[Any], bool] | None = None  # run after `sql`; None: read the result yourself (MANUAL)


def _scalar(db: Any, sql: str) -> Any:
    rows = db.query(sql)
    return rows[0][0] if rows else None


def _log_count(db: Any) -> int:
    return int(_scalar(db, "SELECT COUNT(*) FROM schema_sync.drift_log"))


PROTECT = (
    "DELETE FROM schema_sync.contract_columns;"
    " INSERT INTO schema_sync.contract_columns (contract_name, owner, severity, schema_name, table_name, column_name)"
    " VALUES (N'live_plan', N'dba', 'error', N'dbo', N'lp_orders', N'note'), (N'live_plan', N'dba', 'error', N'dbo',"
    " N'lp_v', NULL);"
    " UPDATE schema_sync.install_info SET value = N'1' WHERE name = 'enforce_contracts';"
)
TABLES = (
    "IF OBJECT_ID(N'dbo.lp_orders') IS NULL CREATE TABLE dbo.lp_orders (id int NOT NULL PRIMARY KEY, note nvarchar(50));"
    " IF OBJECT_ID(N'dbo.lp_v') IS NULL EXEC (N'CREATE VIEW dbo.lp_v AS SELECT id FROM dbo.lp_orders');"
    " IF SCHEMA_ID(N'lp_archive') IS NULL EXEC (N'CREATE SCHEMA lp_archive');"
)


def _refused(statement: str, before: str = "", after: str = "") -> list[str]:
    """The statement in a TRY, then the newest refused row must name it (the refusal row survived)."""
    return [
        f"{before} BEGIN TRY {statement}; END TRY BEGIN CATCH SELECT ERROR_NUMBER() AS n; END CATCH; {after}",
    ]


def _refusal_logged(db: Any) -> bool:
    return bool(_scalar(db, "SELECT COUNT(*) FROM schema_sync.drift_log WHERE sync_status = 'refused'"))


STEPS: list[Step] = [
    Step(
        "install through the project, then the trigger's SET options",
        "defect 4: the SET header; health reads uses_quoted_identifier",
        ["SELECT 1"],  # `mkdocs-schema-sync install-triggers` runs first (see run())
        "uses_quoted_identifier = 1 and uses_ansi_nulls = 1 for schema_sync_ddl",
        lambda db: (
            _scalar(
                db,
                "SELECT CAST(m.uses_quoted_identifier AS int) + CAST(m.uses_ansi_nulls AS int) FROM sys.triggers AS t"
                " JOIN sys.sql_modules AS m ON m.object_id = t.object_id WHERE t.parent_class = 0"
                " AND t.name = N'schema_sync_ddl'",
            )
            == 2
        ),
    ),
    Step(
        "sqlcmd WITHOUT -I runs install-triggers --print",
        "defect 4: ODBC sqlcmd defaults QUOTED_IDENTIFIER OFF; the header must win",
        [],
        "after `mkdocs-schema-sync install-triggers --print > i.sql; sqlcmd -S host -d db -i i.sql` (no -I): "
        "CREATE TABLE dbo.lp_x (a int); DROP TABLE dbo.lp_x; both succeed and two rows are logged",
    ),
    Step(
        "contract_status under the database's collation",
        "defect 3: COLLATE CATALOG_DEFAULT (Msg 468 otherwise) in case-sensitive and contained databases",
        [TABLES, PROTECT, "SELECT COUNT(*) FROM schema_sync.contract_status"],
        "no Msg 468; every contract row has a status",
        lambda db: int(_scalar(db, "SELECT COUNT(*) FROM schema_sync.contract_status WHERE status IS NULL")) == 0,
    ),
    Step(
        "refusal under autocommit",
        "defect 6 (autocommit) and the trigger's refusal branches",
        [TABLES, PROTECT, *_refused("ALTER TABLE dbo.lp_orders DROP COLUMN note")],
        "error 50001; a 'refused' row stays in drift_log",
        _refusal_logged,
    ),
    Step(
        "refusal inside an explicit transaction",
        "defect 6: BEGIN TRAN … DDL … the trigger's ROLLBACK",
        [TABLES, PROTECT, *_refused("DROP TABLE dbo.lp_orders", "BEGIN TRANSACTION;", "IF @@TRANCOUNT > 0 ROLLBACK;")],
        "error 50001; the refused row stays after the client's ROLLBACK",
        _refusal_logged,
    ),
    Step(
        "refusal under IMPLICIT_TRANSACTIONS (ODBC manual commit, as deploys run)",
        "defect 6: the INSERT after ROLLBACK opens a transaction; the trigger commits it",
        [
            TABLES,
            PROTECT,
            *_refused(
                "EXEC sp_rename N'dbo.lp_orders', N'lp_orders_old'",
                "SET IMPLICIT_TRANSACTIONS ON;",
                "IF @@TRANCOUNT > 0 ROLLBACK; SET IMPLICIT_TRANSACTIONS OFF;",
            ),
        ],
        "error 50001; the refused row stays after the client's ROLLBACK",
        _refusal_logged,
    ),
    Step(
        "DROP VIEW and ALTER SCHEMA TRANSFER of protected objects",
        "defect 12; also capture EVENTDATA of ALTER_SCHEMA to settle which element holds the old schema",
        [
            TABLES,
            PROTECT,
            *_refused("DROP VIEW dbo.lp_v"),
            *_refused("EXEC sp_executesql N'ALTER SCHEMA lp_archive TRANSFER dbo.lp_orders'"),
        ],
        "two refusals; copy the ALTER_SCHEMA EVENTDATA into tests/data/mssql_eventdata/alter_schema_transfer.xml",
        lambda db: (
            int(
                _scalar(
                    db,
                    "SELECT COUNT(*) FROM schema_sync.drift_log WHERE sync_status = 'refused' "
                    "AND event_type IN (N'DROP_VIEW', N'ALTER_SCHEMA')",
                )
            )
            >= 2
        ),
    ),
    Step(
        "statistics and index maintenance are not drift; other ALTER INDEX is",
        "defect 8",
        [
            "UPDATE schema_sync.install_info SET value = N'0' WHERE name = 'enforce_contracts';",
            TABLES,
            "IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'lp_ix') CREATE INDEX lp_ix ON dbo.lp_orders (note);",
            "SELECT COUNT(*) AS before_count FROM schema_sync.drift_log;",
            "CREATE STATISTICS lp_st ON dbo.lp_orders (note); UPDATE STATISTICS dbo.lp_orders;"
            " DROP STATISTICS dbo.lp_orders.lp_st; ALTER INDEX lp_ix ON dbo.lp_orders REBUILD;"
            " ALTER INDEX lp_ix ON dbo.lp_orders REORGANIZE;",
        ],
        "no new drift_log rows for these five statements (then ALTER INDEX lp_ix … DISABLE logs one)",
    ),
    Step(
        "a deploy tag without the deploy's lock is drift",
        "defect 12: SESSION_CONTEXT counts only with APPLOCK_MODE(…, 'mkdocs-schema-sync deploy', 'Session')",
        [
            "EXEC sp_set_session_context @key = N'schema_sync.deploy_id', @value = N'forged';"
            " CREATE TABLE dbo.lp_forged (a int); DROP TABLE dbo.lp_forged;"
            " EXEC sp_set_session_context @key = N'schema_sync.deploy_id', @value = NULL;",
        ],
        "the two rows are 'pending' (source 'trigger'), not 'deployed'",
        lambda db: (
            int(
                _scalar(
                    db,
                    "SELECT COUNT(*) FROM schema_sync.drift_log WHERE status_ref = N'forged' "
                    "AND sync_status = 'deployed'",
                )
            )
            == 0
        ),
    ),
    Step(
        "a disabled trigger fails health",
        "defect 5",
        ["DISABLE TRIGGER schema_sync_ddl ON DATABASE;"],
        "`mkdocs-schema-sync health` exits non-zero naming the disabled trigger; then ENABLE TRIGGER … ON DATABASE",
    ),
    Step(
        "masking a 1 MB statement",
        "the trigger's cost on large DDL (masking is issue 21's; timed here)",
        [
            "DECLARE @q nvarchar(max) = REPLICATE(CONVERT(nvarchar(max), N'CREATE USER u WITH PASSWORD = ''x''; '),"
            " 30000); DECLARE @t datetime2 = SYSUTCDATETIME(); DECLARE @m nvarchar(max) ="
            " schema_sync.mask_statement(@q); SELECT DATEDIFF(millisecond, @t, SYSUTCDATETIME()) AS ms, LEN(@m) AS n;",
        ],
        "record the milliseconds in the README",
    ),
    Step(
        "lock timeout 1222 is an outage of the catalog read",
        "defect 7: our SET LOCK_TIMEOUT makes 1222; a build must fall back to the snapshot",
        [],
        "session A: BEGIN TRAN; ALTER TABLE dbo.lp_orders ADD z int; (keep open). "
        "Session B: `mkdocs build` with query_timeout: 2: falls back to the snapshot saying "
        "'Lock request time out period exceeded'; then ROLLBACK in A",
    ),
    Step(
        "Azure transient 40613 / 49918-49920",
        "defect 7",
        [],
        "pause a serverless Azure SQL database (auto-pause) and build at once: the first connect gets 40613 and "
        "the build falls back to the snapshot",
    ),
    Step(
        "a 10,000-table catalog read",
        "speed of the bulk catalog queries on a real server",
        [
            "DECLARE @i int = 0, @sql nvarchar(400); WHILE @i < 10000 BEGIN SET @sql = N'CREATE TABLE dbo.lp_t'"
            " + CAST(@i AS nvarchar(10)) + N' (id int PRIMARY KEY, a nvarchar(50), b datetime2)';"
            " EXEC sp_executesql @sql; SET @i += 1; END;",
        ],
        "`time mkdocs-schema-sync snapshot`: note the seconds in the README; then drop the tables",
    ),
    Step(
        "index and table details on the page and in the snapshot",
        "defect 10: partitioning column, DESC, INCLUDE, filter, columnstore, identity seed, temporal",
        [
            "IF OBJECT_ID(N'dbo.lp_temporal') IS NULL CREATE TABLE dbo.lp_temporal (id int IDENTITY(100, 5) PRIMARY KEY,"
            " a int, vf datetime2 GENERATED ALWAYS AS ROW START HIDDEN NOT NULL, vt datetime2 GENERATED ALWAYS AS ROW"
            " END HIDDEN NOT NULL, PERIOD FOR SYSTEM_TIME (vf, vt)) WITH (SYSTEM_VERSIONING = ON (HISTORY_TABLE ="
            " dbo.lp_temporal_history));",
            "IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'lp_ix2') CREATE INDEX lp_ix2 ON dbo.lp_temporal"
            " (a DESC) INCLUDE (id) WHERE a > 0;",
        ],
        "`mkdocs-schema-sync snapshot`: lp_temporal has versioning, id IDENTITY(100,5), vf/vt ROW START/END HIDDEN, "
        "lp_ix2 options {'0': 'DESC'}, include ['id'], where 'a>(0)'; on a partitioned table the index keys "
        "leave out the partitioning column",
    ),
    Step(
        "deploy with ALTER DATABASE (no transaction)",
        "issue 21 (deploy): statements that cannot run in a transaction",
        [],
        "a migration with the no-transaction directive running ALTER DATABASE CURRENT SET … deploys and is logged",
    ),
]


def print_plan() -> None:
    for n, step in enumerate(STEPS, 1):
        print(f"{n}. {step.name}\n   settles: {step.why}\n   expect: {step.expect}")
        for batch in step.sql:
            print("   " + batch.replace("\n", "\n   ") + GO.rstrip())
        print()


def run(url: str) -> int:
    from mkdocs_schema_sync.db import open_database, parse_connection
    from mkdocs_schema_sync.drift.capture import install

    db = open_database(parse_connection(url, timeout=15, query_timeout=120), writable=True)
    install(db)
    failed = 0
    for n, step in enumerate(STEPS, 1):
        started = time.monotonic()
        try:
            for batch in step.sql:
                db.execute_script(batch)
            verdict = "MANUAL" if step.check is None else ("PASS" if step.check(db) else "FAIL")
        except Exception as exc:
            verdict = f"FAIL ({exc})"
        failed += verdict.startswith("FAIL")
        print(f"{n:2}. {verdict:6} {time.monotonic() - started:6.1f} s  {step.name} — expect: {step.expect}")
    db.close()
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--run":
        sys.exit(run(sys.argv[2]))
    print_plan()
