"""Deploys against real SQLite files through the real CLI, and the pieces that need no server."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest
from conftest import cli, make_sqlite, mkdocs_build, write_site
from deploy_helpers import project, write_migrations

from mkdocs_schema_sync.deploy.files import discover
from mkdocs_schema_sync.deploy.targets import parse_deploy, target_connection
from mkdocs_schema_sync.dialects import get_dialect
from mkdocs_schema_sync.errors import SchemaSyncError

ORDERS = "CREATE TABLE orders (id INTEGER PRIMARY KEY, order_key VARCHAR(64) NOT NULL);"


def sqlite_project(tmp_path: Path, files: dict[str, str], **kw: object) -> tuple[Path, Path]:
    root = tmp_path / "p"
    root.mkdir()
    db = make_sqlite(root / "app.db", ORDERS)
    project(root, "sqlite:///app.db", files, **kw)  # type: ignore[arg-type]
    return root, db


def q(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def test_plan_changes_nothing_then_deploy_records_history_and_rerun_applies_nothing(tmp_path: Path) -> None:
    root, db = sqlite_project(
        tmp_path,
        {
            "001_add_note.sql": "-- a note per order\nALTER TABLE orders ADD COLUMN note TEXT;",
            "002_trigger.sql": """
                CREATE TABLE audit (order_id INTEGER, what TEXT);
                CREATE TRIGGER orders_audit AFTER INSERT ON orders BEGIN
                    INSERT INTO audit VALUES (NEW.id, 'added; by trigger');
                END;
            """,
        },
    )
    before = db.read_bytes()
    plan = cli("deploy", "--plan", cwd=root)
    assert plan.returncode == 0, plan.stderr
    assert "2 pending file(s)" in plan.stdout
    assert "column added: main.orders.note" in plan.stdout and "table added: main.audit" in plan.stdout
    assert "002_trigger.sql: 2 statement(s)" in plan.stdout  # the trigger body's `;` does not split
    assert db.read_bytes() == before  # rolled back: not a byte changed

    done = cli("deploy", cwd=root)
    assert done.returncode == 0, done.stderr
    rows = q(
        db,
        "SELECT installed_rank, version, description, script, outcome, length(checksum) FROM schema_sync_deploy_history",
    )
    assert rows == [
        (1, "1", "add note", "001_add_note.sql", "applied", 64),
        (2, "2", "trigger", "002_trigger.sql", "applied", 64),
    ]
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO orders (id, order_key) VALUES (7, 'k')")
    assert q(db, "SELECT * FROM audit") == [(7, "added; by trigger")]
    history = cli("history", cwd=root)
    assert "001_add_note.sql" in history.stdout and "applied" in history.stdout
    again = cli("deploy", cwd=root)
    assert again.returncode == 0 and "nothing to deploy" in again.stdout
    assert len(q(db, "SELECT 1 FROM schema_sync_deploy_history")) == 2
    # the history table is ours: never documented
    build = mkdocs_build(write_site(root, "connection: sqlite:///app.db\ncontracts: contracts.yml"))
    assert build.returncode == 0, build.stderr
    assert not list((root / "site").rglob("*deploy_history*"))


def test_gate_rolls_back_a_file_that_drops_a_protected_column(tmp_path: Path) -> None:
    root, db = sqlite_project(
        tmp_path,
        {
            "001_fine.sql": "CREATE TABLE customers (id INTEGER PRIMARY KEY);",
            "002_drop.sql": "ALTER TABLE orders ADD COLUMN note TEXT;\nALTER TABLE orders DROP COLUMN order_key;\n",
        },
    )
    result = cli("deploy", cwd=root)
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert "002_drop.sql breaks contract 'orders-key'" in last and "orders.order_key" in last
    assert "rolled back" in last and "1 earlier file(s) of this deploy stay applied" in last
    assert [r[1] for r in q(db, "PRAGMA table_info(orders)")] == ["id", "order_key"]
    assert q(db, "SELECT script, outcome FROM schema_sync_deploy_history ORDER BY installed_rank") == [
        ("001_fine.sql", "applied"),
        ("002_drop.sql", "refused"),
    ]
    plan = cli("plan", cwd=root)
    assert plan.returncode == 1 and "plan: 002_drop.sql breaks contract 'orders-key'" in plan.stderr


def test_out_of_order_is_refused_unless_allowed_and_baseline_skips_old_files(tmp_path: Path) -> None:
    root, db = sqlite_project(
        tmp_path, {"001_a.sql": "CREATE TABLE a (x INTEGER);", "003_c.sql": "CREATE TABLE c (x INTEGER);"}
    )
    assert cli("deploy", cwd=root).returncode == 0
    write_migrations(root, {"002_b.sql": "CREATE TABLE b (x INTEGER);"})
    refused = cli("deploy", cwd=root)
    assert refused.returncode == 2 and "002_b.sql (version 2) is older than the newest applied" in refused.stderr
    assert cli("deploy", "--allow-out-of-order", cwd=root).returncode == 0
    assert q(db, "SELECT count(*) FROM sqlite_master WHERE name = 'b'") == [(1,)]

    other = tmp_path / "existing"
    other.mkdir()
    db2 = make_sqlite(other / "app.db", ORDERS + "CREATE TABLE a (x INTEGER); CREATE TABLE b (x INTEGER);")
    project(
        other,
        "sqlite:///app.db",
        {
            "001_a.sql": "CREATE TABLE a (x INTEGER);",
            "002_b.sql": "CREATE TABLE b (x INTEGER);",
            "003_c.sql": "CREATE TABLE c (x INTEGER);",
        },
    )
    marked = cli("baseline", "2", cwd=other)
    assert marked.returncode == 0 and "marked at version 2" in marked.stdout
    plan = cli("plan", cwd=other)
    assert "below-baseline  001_a.sql" in plan.stdout and "pending         003_c.sql" in plan.stdout
    assert cli("deploy", cwd=other).returncode == 0
    assert q(db2, "SELECT version, outcome FROM schema_sync_deploy_history ORDER BY installed_rank") == [
        ("2", "baseline"),
        ("3", "applied"),
    ]
    again = cli("baseline", "3", cwd=other)
    assert again.returncode == 2 and "no deploy history yet" in again.stderr


def test_polled_drift_of_a_deploy_is_tagged_in_the_json_log(tmp_path: Path) -> None:
    root, db = sqlite_project(tmp_path, {"001_add.sql": "ALTER TABLE orders ADD COLUMN note TEXT;"}, contracts=False)
    assert cli("monitor", "--once", cwd=root).returncode == 0  # polling keeps its state in schema.drift.json
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE by_hand (id INTEGER)")
    assert cli("deploy", cwd=root).returncode == 0
    entries = json.loads((root / "schema.drift.json").read_text())["entries"]
    got = [(e["object_name"], e["source"], e["sync_status"], bool(e["status_ref"])) for e in entries]
    assert got == [("by_hand", "poll", "pending", False), ("orders", "deploy", "deployed", True)]
    assert cli("monitor", "--once", cwd=root).returncode == 0
    assert len(json.loads((root / "schema.drift.json").read_text())["entries"]) == 2


def test_targets_option_and_its_mistakes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, db = sqlite_project(tmp_path, {"001_a.sql": "CREATE TABLE a (x INTEGER);"})
    other = make_sqlite(root / "staging.db", ORDERS)
    monkeypatch.setenv("STAGING_DB", "sqlite:///staging.db")
    write_site(
        root,
        "connection: sqlite:///app.db\ndeploy:\n  targets:\n    staging: !ENV STAGING_DB\n    production: !ENV UNSET_PROD_DB\n",
    )
    done = cli("deploy", "--target", "staging", cwd=root)
    assert done.returncode == 0, done.stderr
    assert "to keep one beside" not in done.stderr  # issue 17 item 13: a snapshot exists; staging has no drift log
    assert q(other, "SELECT target FROM schema_sync_deploy_history") == [("staging",)]
    assert q(db, "SELECT count(*) FROM sqlite_master WHERE name = 'schema_sync_deploy_history'") == [(0,)]
    unknown = cli("deploy", "--target", "prod", cwd=root)
    assert unknown.returncode == 2 and "unknown deploy target 'prod' (known: production, staging)" in unknown.stderr
    unset = cli("deploy", "--target", "production", cwd=root)
    assert unset.returncode == 2 and "deploy target 'production' has no connection" in unset.stderr
    write_site(root, "connection: sqlite:///app.db\ndeploy:\n  staging: sqlite:///staging.db\n")
    bad = cli("deploy", cwd=root)
    assert bad.returncode == 2 and "unknown key(s) staging" in bad.stderr and "Traceback" not in bad.stderr
    build = mkdocs_build(write_site(root, "connection: sqlite:///app.db\ndeploy:\n  lock_wait: soon\n"))
    assert build.returncode == 1 and "`deploy.lock_wait` must be a number" in build.stderr


def test_parse_deploy_and_target_connection() -> None:
    cfg = parse_deploy({"migrations": "db/migrations", "lock_wait": 5, "targets": {"staging": "sqlite:///s.db"}})
    assert (cfg.migrations, cfg.lock_wait) == ("db/migrations", 5.0)
    assert target_connection(cfg, "staging", None) == "sqlite:///s.db"
    assert target_connection(cfg, None, "sqlite:///own.db") == "sqlite:///own.db"
    with pytest.raises(SchemaSyncError, match="not a target name"):
        parse_deploy({"targets": {"bad name": "x"}})
    with pytest.raises(SchemaSyncError, match="must map names to connections"):
        parse_deploy({"targets": ["staging"]})


def test_discover_names_versions_checksums_and_mistakes(tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "010_later.sql").write_text("SELECT 10;")
    (folder / "002_add_thing.sql").write_text("SELECT 2;")
    (folder / "README.md").write_text("not a migration")
    found = discover(folder)
    assert [(m.version, m.description, m.script) for m in found] == [
        ("2", "add thing", "002_add_thing.sql"),
        ("10", "later", "010_later.sql"),
    ]
    assert found[0].checksum == hashlib.sha256(b"SELECT 2;").hexdigest()
    (folder / "10_again.sql").write_text("SELECT 1;")
    with pytest.raises(SchemaSyncError, match="both have version 10"):
        discover(folder)
    (folder / "10_again.sql").unlink()
    (folder / "add_column.sql").write_text("SELECT 1;")
    with pytest.raises(SchemaSyncError, match=r"named NNN_description\.sql"):
        discover(folder)
    with pytest.raises(SchemaSyncError, match="does not exist"):
        discover(tmp_path / "nowhere")


def test_statement_splitting_per_dialect() -> None:
    pg = get_dialect("postgresql").split_migration(
        "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END; $$;\n"
        "-- only a comment\nINSERT INTO t VALUES ('a;b');\n/* trailing */\n"
    )
    assert len(pg) == 2 and pg[0].endswith("$$;") and "'a;b'" in pg[1]
    mysql = get_dialect("mysql").split_migration(
        "CREATE TABLE t (x INT);\nDELIMITER $$\nCREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW\n"
        "BEGIN SET NEW.x = 1; SET NEW.x = NEW.x + 1; END$$\nDELIMITER ;\nINSERT INTO t VALUES (1);\n"
    )
    assert len(mysql) == 3 and mysql[1].startswith("CREATE TRIGGER") and mysql[1].endswith("END")
    assert not any("DELIMITER" in s for s in mysql)
    mssql = get_dialect("mssql").split_migration("CREATE TABLE t (x int);\nGO\nCREATE VIEW v AS SELECT x FROM t;\nGO\n")
    assert mssql == ["CREATE TABLE t (x int);", "CREATE VIEW v AS SELECT x FROM t;"]


def test_textual_gate_for_databases_that_commit_ddl() -> None:
    """MySQL/MariaDB cannot roll DDL back: the gate reads each statement first (conservative, text only)."""
    from deploy_helpers import CONTRACTS

    from mkdocs_schema_sync.contracts.loader import parse_contracts
    from mkdocs_schema_sync.deploy.gate import may_break

    contracts = parse_contracts(CONTRACTS, Path("contracts.yml"), "contracts.yml")
    hit = "contract 'orders-key' (orders.order_key)"
    table = "contract 'orders-key' (orders)"
    cases = {
        "ALTER TABLE `orders` DROP COLUMN `order_key`": [hit],
        "alter table orders modify order_key varchar(128) not null": [hit],  # compatible, still reviewed
        "ALTER TABLE orders ADD COLUMN order_key_v2 TEXT": [],
        "ALTER TABLE orders MODIFY note TEXT COMMENT 'was order_key'": [],
        "ALTER TABLE customers DROP COLUMN order_key": [],
        "-- ALTER TABLE orders DROP COLUMN order_key\nSELECT 1": [],
        "DROP TABLE orders": [table],
        "RENAME TABLE orders TO orders_old": [table],
        "ALTER TABLE orders RENAME TO orders_old": [table],
        "ALTER TABLE orders RENAME COLUMN note TO memo": [],
        "INSERT INTO orders (order_key) VALUES ('x')": [],
    }
    for statement, expected in cases.items():
        assert may_break(contracts, set(), statement) == expected, statement
    assert may_break(contracts, {"orders-key"}, "DROP TABLE orders") == []
    assert may_break(None, set(), "DROP TABLE orders") == []


def test_history_clips_error_text_between_words() -> None:
    """Issue 17 item 13: `history` cut the database's error text mid-word at 200 characters."""
    from mkdocs_schema_sync.cli.deploy import clip_words

    text = "relation " + " ".join(f"word{i:03d}" for i in range(60))
    out = clip_words(text, 200)
    assert len(out) <= 200 and out.endswith("…")
    assert out[:-1].split(" ")[-1] in text.split(" ")  # the last word is whole
    assert clip_words("short  text\nhere", 200) == "short text here"
