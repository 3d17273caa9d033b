"""Deploys that cannot half-apply (issue 21 items 1, 2, 10, 11; issue 19 defect 11), on real SQLite, PostgreSQL
and MariaDB through the real CLI."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ServerDB, cli, make_sqlite, mariadb_execute, pg_execute
from deploy_helpers import project, write_migrations

from mkdocs_schema_sync.db import open_database, parse_connection

ORDERS = "CREATE TABLE orders (id INTEGER PRIMARY KEY, order_key VARCHAR(64) NOT NULL);"
ORDERS_PG = "CREATE TABLE orders (id integer PRIMARY KEY, order_key varchar(64) NOT NULL);"
ORDERS_MARIADB = "CREATE TABLE orders (id INT PRIMARY KEY, order_key VARCHAR(64) NOT NULL)"


def sqlite_project(tmp_path: Path, files: dict[str, str], **kw: object) -> tuple[Path, Path]:
    root = tmp_path / "p"
    root.mkdir()
    db = make_sqlite(root / "app.db", ORDERS)
    project(root, "sqlite:///app.db", files, **kw)  # type: ignore[arg-type]
    return root, db


def q(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def rows(url: str, sql: str) -> list[tuple]:
    with open_database(parse_connection(url)) as db:
        return db.query(sql)


def columns(db: Path, table: str) -> list[str]:
    return [r[1] for r in q(db, f"PRAGMA table_info({table})")]


# --------------------------------------------------------------------------- item 1: transaction control


def test_sqlite_commit_in_a_file_is_refused_before_anything_runs(tmp_path: Path) -> None:
    """Before: `ALTER TABLE … DROP COLUMN order_key; COMMIT;` dropped the protected column and said 'rolled back'."""
    root, db = sqlite_project(
        tmp_path,
        {
            "001_fine.sql": "CREATE TABLE a (x INTEGER);",
            "002_sneaky.sql": "-- drop it for good\nALTER TABLE orders DROP COLUMN order_key;\n  COMMIT;\n",
        },
    )
    for args in (["deploy", "--plan"], ["deploy"]):
        result = cli(*args, cwd=root)
        assert result.returncode == 2, result.stderr
        last = result.stderr.strip().splitlines()[-1]
        assert "002_sneaky.sql line 3: COMMIT controls the transaction" in last
    assert columns(db, "orders") == ["id", "order_key"]
    assert q(db, "SELECT count(*) FROM sqlite_master WHERE name = 'a'") == [(0,)]  # nothing ran, not even 001
    # every spelling SQLite takes, and none inside a trigger body, a string or a comment
    write_migrations(
        root,
        {
            "002_sneaky.sql": "CREATE TRIGGER t AFTER INSERT ON orders BEGIN SELECT 'commit;'; END;\n"
            "/* ROLLBACK; */ SELECT 'END';\n"
        },
    )
    assert cli("deploy", cwd=root).returncode == 0
    for word, text in [
        ("END", "end transaction;"),
        ("ROLLBACK", "ROLLBACK TO SAVEPOINT s;"),
        ("SAVEPOINT", "SAVEPOINT s;"),
        ("RELEASE", "RELEASE s;"),
        ("BEGIN", "BEGIN IMMEDIATE;"),
    ]:
        write_migrations(root, {"003_tx.sql": f"CREATE TABLE b (x INTEGER);\n{text}\n"})
        result = cli("deploy", cwd=root)
        assert result.returncode == 2 and f"003_tx.sql line 2: {word} controls" in result.stderr, text


def test_a_file_that_ends_the_transaction_unseen_needs_repair(tmp_path: Path) -> None:
    """The check after each file (SQLite: sqlite3's in_transaction) catches what the text check cannot see."""
    root, db = sqlite_project(
        tmp_path, {"001_commit.sql": "CREATE TABLE f (x INTEGER);\nCOMMIT;\nCREATE TABLE g (x INTEGER);\n"}
    )
    # The text check off, as if a way to commit slipped past it: the deploy itself must still notice.
    code = (
        "import sys; from mkdocs_schema_sync.dialects.sqlite import SQLiteDialect as D; "
        "D.transaction_control = lambda self, s: None; "
        "from mkdocs_schema_sync.cli.main import main; sys.argv = ['x', 'deploy']; main()"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    assert "001_commit.sql ended the deploy's transaction" in result.stderr and "repair" in result.stderr
    assert q(db, "SELECT outcome FROM schema_sync_deploy_history") == [("needs_repair",)]
    blocked = cli("deploy", cwd=root)
    assert blocked.returncode == 2 and "needs `repair`" in blocked.stderr


@pytest.mark.postgres
def test_postgres_commit_in_a_file_is_refused_and_the_transaction_is_checked(pg_db: ServerDB, tmp_path: Path) -> None:
    pg_execute(pg_db, ORDERS_PG)
    url = pg_db.url("postgresql+psycopg")
    root = project(
        tmp_path,
        url,
        {"001_drop.sql": "ALTER TABLE orders DROP COLUMN order_key;\nCOMMIT;\nCREATE TABLE f (x int);\nSELECT 1/0;\n"},
    )
    for args in (["plan"], ["deploy"]):
        result = cli(*args, cwd=root)
        assert result.returncode == 2 and "001_drop.sql line 2: COMMIT controls the transaction" in result.stderr
    assert rows(url, "SELECT count(*) FROM information_schema.columns WHERE column_name = 'order_key'") == [(1,)]
    assert rows(url, "SELECT to_regclass('public.f') IS NULL") == [(True,)]
    for word, text in [("END", "END;"), ("ABORT", "abort;"), ("START TRANSACTION", "START TRANSACTION;")]:
        write_migrations(root, {"001_drop.sql": f"CREATE TABLE f (x int);\n{text}\n"})
        result = cli("deploy", cwd=root)
        assert result.returncode == 2 and f"line 2: {word} controls" in result.stderr, text
    # a procedure that commits cannot do so inside the deploy's transaction: the file fails and rolls back
    pg_execute(pg_db, "CREATE PROCEDURE sneaky() LANGUAGE plpgsql AS $$ BEGIN COMMIT; END $$")
    write_migrations(root, {"001_drop.sql": "CREATE TABLE f (x int);\nCALL sneaky();\n"})
    result = cli("deploy", cwd=root)
    assert result.returncode == 1 and "was rolled back" in result.stderr
    assert rows(url, "SELECT to_regclass('public.f') IS NULL") == [(True,)]
    # the history says how each file ran
    write_migrations(root, {"001_drop.sql": "CREATE TABLE f (x int);\nCREATE TABLE g (x int);\n"})
    assert cli("deploy", cwd=root).returncode == 0
    history = rows(url, "SELECT outcome, run_mode, statement_index FROM schema_sync.deploy_history ORDER BY 1")
    assert ("applied", "transaction", 2) in history and ("failed", "transaction", 2) in history


# --------------------------------------------------------------------------- no-transaction files, timeouts


@pytest.mark.postgres
def test_postgres_no_transaction_file_runs_concurrently_and_records_each_statement(
    pg_db: ServerDB, tmp_path: Path
) -> None:
    pg_execute(pg_db, ORDERS_PG)
    url = pg_db.url("postgresql+psycopg")
    root = project(
        tmp_path,
        url,
        {
            "001_index.sql": "-- build without locking writers\n-- schema-sync: no-transaction\n"
            "CREATE INDEX CONCURRENTLY orders_key_idx ON orders (order_key);\n"
            "CREATE INDEX CONCURRENTLY orders_bad_idx ON orders (no_such_column);\n",
        },
    )
    plan = cli("plan", cwd=root)
    assert plan.returncode == 0, plan.stderr
    assert "note: -- schema-sync: no-transaction" in plan.stdout and "checked by their text only" in plan.stderr
    result = cli("deploy", cwd=root)
    assert result.returncode == 1
    assert (
        "failed at statement 2 of 2 (line 4)" in result.stderr and "statements 1-1 of it stay applied" in result.stderr
    )
    assert rows(url, "SELECT count(*) FROM pg_indexes WHERE indexname = 'orders_key_idx'") == [(1,)]
    history = rows(
        url, "SELECT outcome, run_mode, statement_index FROM schema_sync.deploy_history ORDER BY installed_rank"
    )
    assert history == [
        ("needs_repair", "no-transaction", 1),  # progress rows, committed before each statement
        ("needs_repair", "no-transaction", 2),
        ("needs_repair", "no-transaction", 2),  # the outcome
    ]
    # without the directive it cannot run at all (PostgreSQL refuses CONCURRENTLY inside a transaction)
    write_migrations(root, {"002_again.sql": "CREATE INDEX CONCURRENTLY orders_id_idx ON orders (id);\n"})
    assert cli("repair", cwd=root).returncode == 0
    (root / "migrations" / "001_index.sql").unlink()
    result = cli("deploy", cwd=root)
    assert result.returncode == 1 and "cannot run inside a transaction block" in result.stderr


@pytest.mark.postgres
def test_postgres_deploy_statements_have_no_timeout_unless_configured(pg_db: ServerDB, tmp_path: Path) -> None:
    """Before: deploy statements ran under the catalog's 60 s statement_timeout, so a long index build was cancelled."""
    url = pg_db.url("postgresql+psycopg")
    check = (
        "DO $$ BEGIN IF current_setting('statement_timeout') <> '0' OR current_setting('lock_timeout') <> '0' "
        "THEN RAISE EXCEPTION 'bounded: %', current_setting('statement_timeout'); END IF; END $$;\n"
    )
    root = project(tmp_path, url, {"001_check.sql": check}, contracts=False)
    result = cli("deploy", cwd=root)
    assert result.returncode == 0, result.stderr
    root2 = tmp_path / "bounded"
    root2.mkdir()
    project(root2, url, {"002_slow.sql": "SELECT pg_sleep(5);\n"}, contracts=False, extra="deploy:\n  timeout: 1\n")
    started = time.monotonic()
    result = cli("deploy", cwd=root2)
    assert result.returncode == 1 and "statement timeout" in result.stderr
    assert time.monotonic() - started < 20
    bad = cli("deploy", cwd=project(tmp_path / "bad", url, {}, contracts=False, extra="deploy:\n  timeout: .inf\n"))
    assert bad.returncode == 2 and "`deploy.timeout` must be a number of seconds" in bad.stderr


# --------------------------------------------------------------------------- item 2: MariaDB progress rows


@pytest.mark.mariadb
def test_mariadb_deploy_killed_mid_file_needs_repair_at_the_right_statement(
    mariadb_db: ServerDB, tmp_path: Path
) -> None:
    """Before: killed during SLEEP, it left no row and the rerun applied the file again from statement 1."""
    mariadb_execute(mariadb_db, ORDERS_MARIADB)
    url = mariadb_db.url("mariadb")
    root = project(
        tmp_path,
        url,
        {
            "001_k3.sql": "CREATE TABLE IF NOT EXISTS k3 (x INT);\nINSERT INTO k3 VALUES (1);\n"
            "SELECT SLEEP(20);\nCREATE TABLE k4 (x INT);\n"
        },
        contracts=False,
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "mkdocs_schema_sync", "deploy"], cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 60
    seen: list[tuple] = []
    while time.monotonic() < deadline:
        try:
            seen = rows(url, "SELECT statement_index FROM schema_sync_deploy_history ORDER BY installed_rank")
        except Exception:  # the table is not there yet
            seen = []
        if (3,) in seen:
            break
        time.sleep(0.2)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert (3,) in seen, seen
    history = rows(url, "SELECT outcome, statement_index, failed_statement FROM schema_sync_deploy_history")
    assert history[-1] == ("needs_repair", 3, "SELECT SLEEP(20);")
    # MariaDB runs the orphaned SLEEP to its end (holding the lock): the rerun says who holds it
    locked = cli("deploy", cwd=root)
    assert locked.returncode == 3 and "KILL QUERY" in locked.stderr
    rerun = cli("deploy", "--lock-wait", "60", cwd=root)
    assert rerun.returncode == 2 and "stopped part-way at statement 3" in rerun.stderr
    assert rows(url, "SELECT count(*) FROM k3") == [(1,)]  # not applied twice


@pytest.mark.mariadb
def test_mariadb_data_statements_are_grouped_in_runs_of_at_most_1000(mariadb_db: ServerDB, tmp_path: Path) -> None:
    url = mariadb_db.url("mariadb")
    inserts = "".join(f"INSERT INTO t VALUES ({i});\n" for i in range(2500))
    root = project(tmp_path, url, {"001_data.sql": f"CREATE TABLE t (x INT PRIMARY KEY);\n{inserts}"}, contracts=False)
    assert cli("deploy", cwd=root).returncode == 0
    assert rows(url, "SELECT count(*) FROM t") == [(2500,)]
    progress = rows(
        url, "SELECT statement_index FROM schema_sync_deploy_history WHERE outcome = 'needs_repair' ORDER BY 1"
    )
    assert progress == [(1,), (2,), (1002,), (2002,)]  # the CREATE, then 1000 + 1000 + 500 INSERTs
    # a failing INSERT rolls back its whole group: statements before the group stay, the history says which
    write_migrations(root, {"002_dup.sql": "INSERT INTO t VALUES (9000);\nINSERT INTO t VALUES (1);\n"})
    result = cli("deploy", cwd=root)
    assert result.returncode == 1 and "failed at statement 2 of 2" in result.stderr
    assert "nothing of it was applied" in result.stderr
    assert rows(url, "SELECT count(*) FROM t WHERE x = 9000") == [(0,)]


@pytest.mark.mariadb
def test_mariadb_set_autocommit_and_transaction_statements_are_refused(mariadb_db: ServerDB, tmp_path: Path) -> None:
    url = mariadb_db.url("mariadb")
    for word, text in [
        ("SET AUTOCOMMIT", "SET @@session.autocommit = 0;"),
        ("START TRANSACTION", "start transaction;"),
        ("COMMIT", "BEGIN NOT ATOMIC INSERT INTO a VALUES (1); COMMIT; END;"),
        ("XA", "XA START 'x';"),
    ]:
        root = project(tmp_path / word.replace(" ", "_"), url, {"001_a.sql": f"CREATE TABLE a (x INT);\n{text}\n"})
        result = cli("deploy", cwd=root)
        assert result.returncode == 2 and f"001_a.sql line 2: {word} controls" in result.stderr, text
    assert rows(url, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'a'") == [(0,)]


# --------------------------------------------------------------------------- history tables from before


def test_an_older_history_table_gains_run_mode_and_statement_index(tmp_path: Path) -> None:
    root, db = sqlite_project(tmp_path, {"001_a.sql": "CREATE TABLE a (x INTEGER);"})
    old = (Path(__file__).parent.parent / "sql" / "sqlite" / "deploy_history.sql").read_text()
    old = old.replace("    content          TEXT,\n    run_mode         TEXT,\n    statement_index  INTEGER\n", "")
    old = old.replace("deploy_id        TEXT NOT NULL,", "deploy_id        TEXT NOT NULL,\n    content TEXT")
    with sqlite3.connect(db) as conn:
        conn.executescript(old)
        conn.execute(
            "INSERT INTO schema_sync_deploy_history (installed_rank, version, description, script, applied_at, "
            "outcome, deploy_id) VALUES (1, '0', 'b', '<< baseline >>', '2024-01-01', 'baseline', 'x')"
        )
    assert "run_mode" not in columns(db, "schema_sync_deploy_history")
    history = cli("history", cwd=root)  # reads the old table as it is
    assert history.returncode == 0 and "baseline" in history.stdout
    assert cli("deploy", cwd=root).returncode == 0
    assert columns(db, "schema_sync_deploy_history")[-2:] == ["run_mode", "statement_index"]
    assert q(db, "SELECT outcome, run_mode, statement_index FROM schema_sync_deploy_history ORDER BY 1") == [
        ("applied", "transaction", 1),
        ("baseline", None, None),
    ]


# --------------------------------------------------------------------------- items 10 and 11: the files


def test_a_byte_order_mark_is_removed_and_said_so(tmp_path: Path) -> None:
    """Before: `syntax error near "\\ufeffcreate"`, forever."""
    root, db = sqlite_project(tmp_path, {})
    (root / "migrations" / "001_bom.sql").write_bytes("\ufeffCREATE TABLE bom (x INTEGER);".encode())
    plan = cli("plan", cwd=root)
    assert plan.returncode == 0, plan.stderr
    assert "note: UTF-8 byte-order mark at its start removed" in plan.stdout
    assert cli("deploy", cwd=root).returncode == 0
    assert q(db, "SELECT count(*) FROM sqlite_master WHERE name = 'bom'") == [(1,)]


def test_links_outside_the_repository_hidden_files_and_a_baseline_past_every_file(tmp_path: Path) -> None:
    root, db = sqlite_project(tmp_path, {"001_a.sql": "CREATE TABLE a (x INTEGER);"})
    (root / ".git").mkdir()
    outside = tmp_path / "elsewhere.sql"
    outside.write_text("DROP TABLE orders;")
    (root / "migrations" / "002_linked.sql").symlink_to(outside)
    result = cli("deploy", cwd=root)
    assert result.returncode == 2
    assert f"002_linked.sql is a symbolic link to {outside.resolve()}, outside the repository" in result.stderr
    assert q(db, "SELECT count(*) FROM sqlite_master WHERE name = 'orders'") == [(1,)]
    # a link inside the repository is followed, and the plan says where it points
    (root / "shared").mkdir()
    (root / "shared" / "b.sql").write_text("CREATE TABLE b (x INTEGER);")
    (root / "migrations" / "002_linked.sql").unlink()
    (root / "migrations" / "002_linked.sql").symlink_to(root / "shared" / "b.sql")
    # macOS's resource fork files: ignored, and said so
    (root / "migrations" / "._001_a.sql").write_bytes(b"\x00\x05\x16\x07")
    plan = cli("plan", cwd=root)
    assert plan.returncode == 0, plan.stderr
    assert "note: symbolic link to shared/b.sql" in plan.stdout
    assert "ignored hidden file ._001_a.sql" in plan.stderr
    # baseline beyond every file is refused; at an existing version it is accepted
    other = tmp_path / "other"
    other.mkdir()
    make_sqlite(other / "app.db", ORDERS)
    project(other, "sqlite:///app.db", {"001_a.sql": "SELECT 1;", "002_b.sql": "SELECT 2;"})
    refused = cli("baseline", "999", cwd=other)
    assert refused.returncode == 2 and "baseline 999: no migration file" in refused.stderr
    assert "the newest is 002_b.sql (version 2)" in refused.stderr
    assert cli("baseline", "2", cwd=other).returncode == 0


def test_an_unknown_directive_is_refused(tmp_path: Path) -> None:
    root, _ = sqlite_project(tmp_path, {"001_a.sql": "-- schema-sync: no_transaction\nCREATE TABLE a (x INTEGER);"})
    result = cli("deploy", cwd=root)
    assert result.returncode == 2 and "001_a.sql: unknown directive" in result.stderr


def test_sqlite_no_transaction_file_runs_statement_by_statement(tmp_path: Path) -> None:
    root, db = sqlite_project(
        tmp_path,
        {"001_vacuum.sql": "-- schema-sync: no-transaction\nCREATE TABLE a (x INTEGER);\nVACUUM;\n"},
    )
    result = cli("deploy", cwd=root)
    assert result.returncode == 0, result.stderr  # VACUUM cannot run inside a transaction
    assert q(db, "SELECT run_mode, statement_index FROM schema_sync_deploy_history WHERE outcome = 'applied'") == [
        ("no-transaction", 2)
    ]
