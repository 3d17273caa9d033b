"""The contract gate and `plan` read what the files and the contracts name, not the catalog (issue 20 goal 2).

Each file is still gated inside its transaction and the plan's diff is still the schema diff; what
changed is what is read: the contracts' tables for the gate, the tables the files name for the
plan's diff, and the whole catalog only when a statement may reach tables it does not name.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ServerDB, pg_execute
from deploy_helpers import project

from mkdocs_schema_sync.catalog.diff import diff_catalogs
from mkdocs_schema_sync.db import open_database, parse_connection
from mkdocs_schema_sync.deploy.apply import Deployer, DeployOptions
from mkdocs_schema_sync.dialects.postgres import PostgresDialect
from mkdocs_schema_sync.dialects.touched import touched_names
from mkdocs_schema_sync.render.diff_formats import to_text
from mkdocs_schema_sync.settings import Settings

TABLES = "".join(f"CREATE TABLE t{i} (id int PRIMARY KEY, a text);" for i in range(30))
ORDERS = "CREATE TABLE orders (id integer PRIMARY KEY, order_key varchar(64) NOT NULL);"
SAFE = {
    "001_add.sql": "ALTER TABLE t1 ADD COLUMN b integer NOT NULL DEFAULT 0;",
    "002_index.sql": "CREATE INDEX ix_t2 ON t2 (a);\nCOMMENT ON COLUMN t3.a IS 'the a';",
    "003_new.sql": "CREATE TABLE t_new (id int PRIMARY KEY, t1_id int REFERENCES t1 (id));\nDROP TABLE t4;",
}


def test_touched_names_are_the_statements_names_or_unknown() -> None:
    assert touched_names(['ALTER TABLE shop."Orders" ADD COLUMN x int', "CREATE INDEX i ON t (x)"]) >= {
        "shop",
        "orders",
        "t",
    }
    for far in (
        "ALTER TABLE t RENAME TO u",  # foreign keys elsewhere now name u
        "DROP TABLE t CASCADE",  # views and keys elsewhere go with it
        "DROP INDEX ix_t",  # names the index, not its table
        "ALTER TABLE t SET SCHEMA s",
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$",
        "DO $$ BEGIN EXECUTE 'DROP TABLE t'; END $$",
        "ALTER TYPE mood ADD VALUE 'x'",
    ):
        assert touched_names(["ALTER TABLE t ADD COLUMN y int", far]) is None, far


def _deploy(db: ServerDB, root: Path, *, plan: bool) -> tuple[object, list[str]]:
    """Run Deployer in this process, counting whole-catalog reads (the database itself is real)."""
    settings = Settings(base_dir=root, connection=db.url("postgresql+psycopg"))
    settings.contracts, settings.contracts_explicit = root / "contracts.yml", True
    calls: list[str] = []
    original = PostgresDialect.read_catalog

    def counting(self, conn, *, row_counts=True):  # type: ignore[no-untyped-def]
        calls.append("full")
        return original(self, conn, row_counts=row_counts)

    PostgresDialect.read_catalog = counting  # type: ignore[method-assign]
    try:
        with open_database(parse_connection(settings.connection or ""), writable=True) as conn:
            report = Deployer(conn, settings, root / "migrations", DeployOptions()).run(plan=plan)
    finally:
        PostgresDialect.read_catalog = original  # type: ignore[method-assign]
    return report, calls


def _expected_diff(db: ServerDB, files: dict[str, str]) -> str:
    """The diff of two whole-catalog reads around the files, applied and rolled back by hand."""
    with open_database(parse_connection(db.url("postgresql+psycopg")), writable=True) as conn:
        before = conn.dialect.read_catalog(conn, row_counts=False)
        conn.begin()
        for text in files.values():
            for statement in conn.dialect.split_migration(text):
                conn.execute(statement)
        after = conn.dialect.read_catalog(conn, row_counts=False)
        conn.end(commit=False)
    return to_text(diff_catalogs(before, after))


@pytest.mark.postgres
def test_plan_and_gate_read_only_named_tables_and_diff_as_a_full_read(pg_db: ServerDB, tmp_path: Path) -> None:
    pg_execute(pg_db, TABLES + ORDERS)
    root = project(tmp_path, pg_db.url("postgresql+psycopg"), SAFE)
    expected = _expected_diff(pg_db, SAFE)
    assert "column added: public.t1.b" in expected and "table removed: public.t4" in expected

    report, calls = _deploy(pg_db, root, plan=True)
    assert not report.stopped, report.stopped
    assert to_text(report.diff or []) == expected
    assert calls == []  # before: one whole read, then one per file

    report, calls = _deploy(pg_db, root, plan=False)
    assert [r.outcome for r in report.results] == ["applied"] * 3
    assert calls.count("full") <= 1  # the deployed schema `monitor` is told about; the gate reads none


@pytest.mark.postgres
def test_a_file_that_may_reach_further_is_planned_with_whole_reads(pg_db: ServerDB, tmp_path: Path) -> None:
    pg_execute(pg_db, TABLES + ORDERS + "CREATE TABLE child (id int REFERENCES t5 (id));")
    files = {"001_rename.sql": "ALTER TABLE t5 RENAME TO t5_renamed;"}
    root = project(tmp_path, pg_db.url("postgresql+psycopg"), files)
    expected = _expected_diff(pg_db, files)
    assert "public.child" in expected  # its foreign key now names t5_renamed: a table the file does not name

    report, calls = _deploy(pg_db, root, plan=True)
    assert to_text(report.diff or []) == expected
    assert calls == ["full", "full"]


@pytest.mark.postgres
def test_gate_still_stops_a_file_and_the_plan_diffs_the_files_before_it(pg_db: ServerDB, tmp_path: Path) -> None:
    pg_execute(pg_db, TABLES + ORDERS)
    files = {
        "001_add.sql": "ALTER TABLE t1 ADD COLUMN b int;",
        "002_break.sql": "ALTER TABLE orders ALTER COLUMN order_key DROP NOT NULL;",
    }
    root = project(tmp_path, pg_db.url("postgresql+psycopg"), files)
    report, calls = _deploy(pg_db, root, plan=True)
    assert report.stopped and "orders-key" in report.stopped
    assert to_text(report.diff or []) == _expected_diff(pg_db, {"001_add.sql": files["001_add.sql"]})
    assert calls == []
    report, _ = _deploy(pg_db, root, plan=False)
    assert [r.outcome for r in report.results] == ["applied", "refused"]
