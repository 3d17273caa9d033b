"""Deploys against the real PostgreSQL and MariaDB servers, through the real CLI (separate processes)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DDL_PASSWORD, ServerDB, cli, mariadb_execute, pg_execute
from deploy_helpers import project, write_migrations

from mkdocs_schema_sync.db import open_database, parse_connection

ORDERS_PG = "CREATE TABLE orders (id integer PRIMARY KEY, order_key varchar(64) NOT NULL);"
ORDERS_MARIADB = "CREATE TABLE orders (id INT PRIMARY KEY, order_key VARCHAR(64) NOT NULL)"


#: the history rows that state an outcome (not the progress rows written before each MariaDB statement)
FINAL = "NOT (outcome = 'needs_repair' AND content IS NULL)"


def rows(url: str, sql: str) -> list[tuple]:
    with open_database(parse_connection(url)) as db:
        return db.query(sql)


# --------------------------------------------------------------------------- PostgreSQL


@pytest.mark.postgres
@pytest.mark.parametrize("scheme", ["postgresql", "postgresql+psycopg"])
def test_postgres_plan_apply_rerun_edit_repair(pg_db: ServerDB, tmp_path: Path, scheme: str) -> None:
    pg_execute(pg_db, ORDERS_PG)
    url = pg_db.url("postgresql")
    root = project(
        tmp_path,
        pg_db.url(scheme),
        {
            "001_add_status.sql": "ALTER TABLE orders ADD COLUMN status text NOT NULL DEFAULT 'new';\n"
            "UPDATE orders SET status = 'old' WHERE order_key LIKE 'legacy-%';",
            "002_audit.sql": """
                CREATE TABLE audit (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, note text);
                CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $body$
                BEGIN
                    INSERT INTO audit (note) VALUES ('order ' || NEW.id || '; touched');
                    RETURN NEW;
                END;
                $body$;
                CREATE TRIGGER orders_touch AFTER INSERT ON orders FOR EACH ROW EXECUTE FUNCTION touch();
            """,
        },
    )
    plan = cli("plan", cwd=root)
    assert plan.returncode == 0, plan.stderr
    assert "2 pending file(s)" in plan.stdout
    assert "column added: public.orders.status" in plan.stdout and "table added: public.audit" in plan.stdout
    assert "002_audit.sql: 3 statement(s)" in plan.stdout  # the dollar-quoted body is one statement
    assert rows(url, "SELECT to_regclass('public.audit'), to_regclass('schema_sync.deploy_history')") == [(None, None)]

    done = cli("deploy", cwd=root)
    assert done.returncode == 0, done.stderr
    history = rows(url, "SELECT installed_rank, version, outcome, target FROM schema_sync.deploy_history")
    assert history == [(1, "1", "applied", "default"), (2, "2", "applied", "default")]
    pg_execute(pg_db, "INSERT INTO orders (id, order_key) VALUES (1, 'k1')")
    assert rows(url, "SELECT note FROM audit") == [("order 1; touched",)]

    again = cli("deploy", cwd=root)
    assert again.returncode == 0 and "nothing to deploy" in again.stdout
    assert len(rows(url, "SELECT 1 FROM schema_sync.deploy_history")) == 2

    edited = root / "migrations" / "001_add_status.sql"
    edited.write_text(edited.read_text().replace("DEFAULT 'new'", "DEFAULT 'open'"))
    refused = cli("deploy", cwd=root)
    assert refused.returncode == 2
    assert "001_add_status.sql was applied with checksum" in refused.stderr and "repair" in refused.stderr
    repaired = cli("repair", cwd=root)
    assert repaired.returncode == 0, repaired.stderr
    assert "-ALTER TABLE orders ADD COLUMN status text NOT NULL DEFAULT 'new';" in repaired.stdout
    assert "+ALTER TABLE orders ADD COLUMN status text NOT NULL DEFAULT 'open';" in repaired.stdout
    after = cli("deploy", cwd=root)
    assert after.returncode == 0 and "nothing to deploy" in after.stdout
    assert rows(url, "SELECT outcome FROM schema_sync.deploy_history WHERE installed_rank = 3") == [("repaired",)]


@pytest.mark.postgres
def test_postgres_syntax_error_rolls_back_the_file_and_keeps_history_consistent(
    pg_db: ServerDB, tmp_path: Path
) -> None:
    pg_execute(pg_db, ORDERS_PG)
    url = pg_db.url("postgresql")
    root = project(
        tmp_path,
        url,
        {
            "001_ok.sql": "CREATE TABLE customers (id integer PRIMARY KEY);",
            "002_broken.sql": "CREATE TABLE shipments (id integer PRIMARY KEY);\nCREATE TABLE oops (id integer,;\n",
            "003_later.sql": "CREATE TABLE later (id integer);",
        },
    )
    result = cli("deploy", cwd=root)
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert "002_broken.sql failed at statement 2 of 2" in last and "syntax error" in last and "rolled back" in last
    tables = {r[0] for r in rows(url, "SELECT table_name FROM information_schema.tables WHERE table_schema='public'")}
    assert tables == {"orders", "customers"}  # 001 stays, 002 is rolled back whole, 003 never ran
    history = rows(url, "SELECT script, outcome, failed_statement FROM schema_sync.deploy_history ORDER BY 1")
    assert history[0] == ("001_ok.sql", "applied", None)
    assert history[1][:2] == ("002_broken.sql", "failed") and "oops" in history[1][2]
    # fixed, the file goes through (a failed attempt does not pin its checksum)
    write_migrations(root, {"002_broken.sql": "CREATE TABLE shipments (id integer PRIMARY KEY);\n"})
    fixed = cli("deploy", cwd=root)
    assert fixed.returncode == 0, fixed.stderr
    assert "2 file(s) applied" in fixed.stdout


@pytest.mark.postgres
def test_postgres_a_file_failing_at_commit_is_rolled_back_and_recorded(pg_db: ServerDB, tmp_path: Path) -> None:
    """A deferred foreign key is checked at COMMIT: the file fails there, one line, no traceback."""
    url = pg_db.url("postgresql")
    root = project(
        tmp_path,
        url,
        {
            "001_deferred.sql": """
                CREATE TABLE parent (id integer PRIMARY KEY);
                CREATE TABLE child (parent_id integer REFERENCES parent DEFERRABLE INITIALLY DEFERRED);
                INSERT INTO child VALUES (1);
            """
        },
        contracts=False,
    )
    result = cli("deploy", cwd=root)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert "001_deferred.sql failed at COMMIT" in last and "foreign key" in last and "rolled back" in last
    assert rows(url, "SELECT to_regclass('public.parent'), to_regclass('public.child')") == [(None, None)]
    assert rows(url, "SELECT outcome, failed_statement FROM schema_sync.deploy_history") == [("failed", "COMMIT")]


@pytest.mark.postgres
def test_postgres_allow_breaking_is_deliberate_and_recorded(pg_db: ServerDB, tmp_path: Path) -> None:
    pg_execute(pg_db, ORDERS_PG)
    url = pg_db.url("postgresql")
    root = project(tmp_path, url, {"001_widen.sql": "ALTER TABLE orders ALTER COLUMN order_key DROP NOT NULL;"})
    refused = cli("deploy", cwd=root)
    assert refused.returncode == 1
    assert "breaks contract 'orders-key'" in refused.stderr and "orders.order_key" in refused.stderr
    assert rows(url, "SELECT is_nullable FROM information_schema.columns WHERE column_name = 'order_key'") == [("NO",)]
    unknown = cli("deploy", "--allow-breaking", "no-such", cwd=root)
    assert unknown.returncode == 2 and "no such contract" in unknown.stderr
    allowed = cli("deploy", "--allow-breaking", "orders-key", cwd=root)
    assert allowed.returncode == 0, allowed.stderr
    assert rows(url, "SELECT is_nullable FROM information_schema.columns WHERE column_name = 'order_key'") == [("YES",)]
    assert rows(url, "SELECT outcome, allowed_breaking FROM schema_sync.deploy_history ORDER BY installed_rank") == [
        ("refused", None),
        ("applied", "orders-key"),
    ]


@pytest.mark.postgres
def test_postgres_passwords_in_a_migration_never_reach_the_history_or_the_output(
    pg_db: ServerDB, tmp_path: Path
) -> None:
    url = pg_db.url("postgresql")
    role = f"r_{pg_db.name}"
    root = project(
        tmp_path,
        url,
        {
            "001_role.sql": f"CREATE ROLE {role} PASSWORD '{DDL_PASSWORD}';\n"
            f"ALTER ROLE {role} PASSWORD '{DDL_PASSWORD}' NOSUCHOPTION;\n"
        },
        contracts=False,
    )
    result = cli("deploy", cwd=root)
    assert result.returncode == 1 and "failed at statement 2 of 2" in result.stderr
    assert DDL_PASSWORD not in result.stdout + result.stderr
    history = rows(url, "SELECT content, error_text, failed_statement, outcome FROM schema_sync.deploy_history")
    assert len(history) == 1 and history[0][3] == "failed"
    assert DDL_PASSWORD not in repr(history)
    assert "PASSWORD '***'" in history[0][0] and "PASSWORD '***'" in history[0][2]
    assert rows(url, f"SELECT count(*) FROM pg_roles WHERE rolname = '{role}'") == [(0,)]  # rolled back


@pytest.mark.postgres
def test_postgres_event_triggers_from_before_deploy_tagging_are_named(pg_db: ServerDB, tmp_path: Path) -> None:
    """An install older than deploy tagging logs a deploy as drift: the deploy says so, install-triggers fixes it."""
    pg_execute(pg_db, ORDERS_PG)
    url = pg_db.url("postgresql")
    root = project(tmp_path, url, {"001_a.sql": "CREATE TABLE a (x integer);"}, contracts=False)
    assert cli("install-triggers", cwd=root).returncode == 0
    pg_execute(  # the trigger function as an older version wrote it: no deploy id
        pg_db,
        """CREATE OR REPLACE FUNCTION schema_sync.on_ddl_command_end() RETURNS event_trigger
           LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
           BEGIN
               INSERT INTO schema_sync.drift_log (login_name, event_type, object_type, schema_name, object_name, statement)
               SELECT session_user, c.command_tag, c.object_type, c.schema_name, c.object_identity, current_query()
                 FROM pg_event_trigger_ddl_commands() AS c WHERE coalesce(c.schema_name, '') <> 'schema_sync';
           END $fn$""",
    )
    old = cli("deploy", cwd=root)
    assert old.returncode == 0, old.stderr
    assert "warning: the event triggers were installed before deploys were tagged" in old.stderr
    assert rows(url, "SELECT DISTINCT source, sync_status FROM schema_sync.drift_log") == [("trigger", "pending")]
    assert cli("install-triggers", cwd=root).returncode == 0  # upgrades in place
    write_migrations(root, {"002_b.sql": "CREATE TABLE b (x integer);"})
    new = cli("deploy", cwd=root)
    assert new.returncode == 0 and "warning" not in new.stderr
    logged = rows(url, "SELECT object_name, source, sync_status FROM schema_sync.drift_log ORDER BY id")
    assert logged[-1] == ("b", "deploy", "deployed")


@pytest.mark.postgres
def test_postgres_uninstalling_capture_keeps_the_deploy_history(pg_db: ServerDB, tmp_path: Path) -> None:
    pg_execute(pg_db, ORDERS_PG)
    url = pg_db.url("postgresql")
    root = project(tmp_path, url, {"001_a.sql": "CREATE TABLE a (x integer);"})
    assert cli("install-triggers", "--enforce", cwd=root).returncode == 0
    assert cli("deploy", cwd=root).returncode == 0
    gone = cli("uninstall-triggers", cwd=root)
    assert gone.returncode == 0, gone.stderr
    assert rows(url, "SELECT count(*) FROM pg_event_trigger") == [(0,)]
    left = rows(
        url,
        "SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'schema_sync'::regnamespace AND c.relkind IN ('r', 'v') "
        "UNION ALL SELECT p.proname FROM pg_proc p WHERE p.pronamespace = 'schema_sync'::regnamespace",
    )
    assert left == [("deploy_history",)]
    again = cli("deploy", cwd=root)  # the history is intact: nothing runs twice
    assert again.returncode == 0 and "nothing to deploy" in again.stdout


def _concurrent(root: Path, *extra: str) -> list[subprocess.CompletedProcess[str]]:
    """Two deploys started together as separate processes."""
    cmd = [sys.executable, "-m", "mkdocs_schema_sync", "deploy", *extra]
    procs = [subprocess.Popen(cmd, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in "ab"]
    out = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=120)
        out.append(subprocess.CompletedProcess(cmd, p.returncode, stdout, stderr))
    return out


@pytest.mark.postgres
def test_postgres_two_concurrent_deploys_never_both_apply(pg_db: ServerDB, tmp_path: Path) -> None:
    pg_execute(pg_db, ORDERS_PG)
    url = pg_db.url("postgresql")
    root = project(tmp_path, url, {"001_slow.sql": "SELECT pg_sleep(3);\nCREATE TABLE once (id integer);\n"})
    results = _concurrent(root)
    codes = sorted(r.returncode for r in results)
    assert codes == [0, 3], [r.stderr for r in results]
    locked = next(r for r in results if r.returncode == 3)
    assert "another deploy is running" in locked.stderr
    assert "backend pid" in locked.stderr and "pg_cancel_backend(" in locked.stderr  # who holds it, and how to end it
    assert rows(url, "SELECT script, outcome FROM schema_sync.deploy_history") == [("001_slow.sql", "applied")]
    # with a wait, the second deploy runs after the first and finds nothing left to do
    write_migrations(root, {"002_slow.sql": "SELECT pg_sleep(2);\nCREATE TABLE twice (id integer);\n"})
    waited = _concurrent(root, "--lock-wait", "60")
    assert sorted(r.returncode for r in waited) == [0, 0], [r.stderr for r in waited]
    assert sum("nothing to deploy" in r.stdout for r in waited) == 1
    assert rows(url, "SELECT count(*) FROM schema_sync.deploy_history WHERE script = '002_slow.sql'") == [(1,)]


# --------------------------------------------------------------------------- MariaDB


@pytest.mark.mariadb
def test_mariadb_two_concurrent_deploys_never_both_apply(mariadb_db: ServerDB, tmp_path: Path) -> None:
    mariadb_execute(mariadb_db, ORDERS_MARIADB)
    url = mariadb_db.url("mariadb")
    root = project(tmp_path, url, {"001_slow.sql": "SELECT SLEEP(3);\nCREATE TABLE once (id INT);\n"})
    results = _concurrent(root)
    assert sorted(r.returncode for r in results) == [0, 3], [r.stderr for r in results]
    history = rows(
        url, "SELECT script, outcome, statement_index FROM schema_sync_deploy_history ORDER BY installed_rank"
    )
    # a progress row before each of the two statements, then the outcome: one deploy's rows only
    assert [r[1:] for r in history] == [("needs_repair", 1), ("needs_repair", 2), ("applied", 2)]


@pytest.mark.mariadb
def test_mariadb_plan_is_textual_and_changes_nothing(mariadb_db: ServerDB, tmp_path: Path) -> None:
    mariadb_execute(mariadb_db, ORDERS_MARIADB)
    url = mariadb_db.url("mariadb")
    root = project(tmp_path, url, {"001_add.sql": "ALTER TABLE orders ADD COLUMN note TEXT;"})
    plan = cli("deploy", "--plan", cwd=root)
    assert plan.returncode == 0, plan.stderr
    assert "pending         001_add.sql" in plan.stdout and "textual only" in plan.stdout
    assert rows(
        url, "SELECT count(*) FROM information_schema.columns WHERE table_schema = DATABASE() AND column_name = 'note'"
    ) == [(0,)]
    assert rows(
        url,
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name LIKE 'schema_sync%'",
    ) == [(0,)]


@pytest.mark.mariadb
def test_mariadb_partial_failure_is_recorded_per_statement(mariadb_db: ServerDB, tmp_path: Path) -> None:
    mariadb_execute(mariadb_db, ORDERS_MARIADB)
    url = mariadb_db.url("mariadb")
    root = project(
        tmp_path,
        url,
        {
            "001_two_tables.sql": """
                CREATE TABLE customers (id INT PRIMARY KEY);
                CREATE TABLE customers_copy (id INT PRIMARY KEY, broken_type NOSUCHTYPE);
                CREATE TABLE never (id INT);
            """,
        },
    )
    result = cli("deploy", cwd=root)
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert "failed at statement 2 of 3" in last and "statements 1-1 of it stay applied" in last and "repair" in last
    history = rows(url, f"SELECT outcome, failed_statement, error_text FROM schema_sync_deploy_history WHERE {FINAL}")
    assert len(history) == 1 and history[0][0] == "needs_repair"
    assert "NOSUCHTYPE" in history[0][1] and history[0][2]
    blocked = cli("deploy", cwd=root)
    assert blocked.returncode == 2 and "needs `repair`" in blocked.stderr
    # fix the database and the file by hand, reset with repair, deploy again
    mariadb_execute(mariadb_db, "DROP TABLE customers")
    write_migrations(
        root,
        {
            "001_two_tables.sql": """
                CREATE TABLE customers (id INT PRIMARY KEY);
                CREATE TABLE customers_copy (id INT PRIMARY KEY, note TEXT);
            """
        },
    )
    repaired = cli("repair", cwd=root)
    assert repaired.returncode == 0 and "reset after its partial failure" in repaired.stdout
    redo = cli("deploy", cwd=root)
    assert redo.returncode == 0, redo.stderr
    outcomes = [
        r[0] for r in rows(url, f"SELECT outcome FROM schema_sync_deploy_history WHERE {FINAL} ORDER BY installed_rank")
    ]
    assert outcomes == ["needs_repair", "repaired", "applied"]


@pytest.mark.mariadb
def test_mariadb_gate_after_each_statement_and_delimiter_blocks(mariadb_db: ServerDB, tmp_path: Path) -> None:
    mariadb_execute(mariadb_db, ORDERS_MARIADB)
    url = mariadb_db.url("mariadb")
    root = project(
        tmp_path,
        url,
        {
            "001_procedure.sql": """
                DELIMITER //
                CREATE PROCEDURE count_orders(OUT n INT)
                BEGIN
                    SELECT COUNT(*) INTO n FROM orders;
                    SET n = n + 0;
                END //
                CREATE PROCEDURE retire_order_key()
                BEGIN
                    ALTER TABLE orders DROP COLUMN order_key;
                END //
                DELIMITER ;
                CREATE TABLE after_proc (id INT);
            """,
            "002_drop_key.sql": "ALTER TABLE orders ADD COLUMN note TEXT;\nALTER TABLE orders DROP COLUMN order_key;\n",
        },
    )
    # The plan reads the text: the DROP of a protected column is named before anything runs.
    plan = cli("plan", cwd=root)
    assert plan.returncode == 1
    assert (
        "002_drop_key.sql: 2 statement(s), planned; MAY BREAK: statement 2: contract 'orders-key' (orders.order_key)"
        in plan.stdout
    )
    # The deploy refuses that file whole, before its first statement commits.
    result = cli("deploy", cwd=root)
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert "002_drop_key.sql may break statement 2: contract 'orders-key' (orders.order_key)" in last
    assert "--allow-breaking orders-key" in last and "nothing of 002_drop_key.sql was applied" in last
    assert rows(
        url,
        "SELECT count(*) FROM information_schema.routines WHERE routine_schema = DATABASE() AND routine_name = 'count_orders'",
    ) == [(1,)]
    assert rows(
        url, "SELECT count(*) FROM information_schema.columns WHERE table_schema = DATABASE() AND column_name = 'note'"
    ) == [(0,)]
    history = rows(url, f"SELECT script, outcome FROM schema_sync_deploy_history WHERE {FINAL} ORDER BY installed_rank")
    assert history == [("001_procedure.sql", "applied"), ("002_drop_key.sql", "refused")]

    # What the text does not show (a procedure does the DROP): the gate after each statement catches it.
    write_migrations(root, {"002_drop_key.sql": "ALTER TABLE orders ADD COLUMN note TEXT;\nCALL retire_order_key();\n"})
    result = cli("deploy", cwd=root)
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert "breaks contract 'orders-key'" in last and "orders.order_key" in last
    assert "statement 2 of 2" in last and "already committed" in last
    history = rows(
        url, "SELECT script, outcome, failed_statement FROM schema_sync_deploy_history ORDER BY installed_rank"
    )
    assert history[-1] == ("002_drop_key.sql", "needs_repair", "CALL retire_order_key();")


@pytest.mark.mariadb
def test_mariadb_polled_drift_from_a_deploy_is_tagged(mariadb_db: ServerDB, tmp_path: Path) -> None:
    mariadb_execute(mariadb_db, ORDERS_MARIADB)
    url = mariadb_db.url("mariadb")
    root = project(tmp_path, url, {"001_add.sql": "ALTER TABLE orders ADD COLUMN note TEXT;"}, contracts=False)
    assert cli("install-triggers", cwd=root).returncode == 0  # polling: log tables and the first state
    mariadb_execute(mariadb_db, "CREATE TABLE by_hand (id INT)")  # drift made by someone, before the deploy
    done = cli("deploy", cwd=root)
    assert done.returncode == 0, done.stderr
    deploy_id = rows(url, "SELECT deploy_id FROM schema_sync_deploy_history")[0][0]
    log = rows(url, "SELECT object_name, source, sync_status, status_ref FROM schema_sync_drift_log ORDER BY id")
    assert log == [("by_hand", "poll", "pending", None), ("orders", "deploy", "deployed", deploy_id)]
    monitor = cli("monitor", "--once", cwd=root)
    assert monitor.returncode == 0, monitor.stderr
    assert rows(url, "SELECT count(*) FROM schema_sync_drift_log WHERE sync_status = 'pending'") == [(1,)]
