"""A monitor pass with nothing pending reads the change signal, not the catalog (issue 20 goal 3).

The pass keeps what it compared (change signal, settings and contract file, base and head commits)
with its record; the next pass with no pending row and all of those unchanged does nothing more.
Anything moved, and the pass runs again: a logged change re-reads only its tables (see
test_monitor_partial.py), changed settings or contracts the whole catalog.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import GITHUB_TOKEN, pg_execute
from test_sync_postgres import PgSync, pg_sync, stand_in  # noqa: F401 - fixtures

from mkdocs_schema_sync.cli.common import load_databases
from mkdocs_schema_sync.db import open_database, parse_connection
from mkdocs_schema_sync.dialects.postgres import PostgresDialect
from mkdocs_schema_sync.sync import monitor as monitor_module
from mkdocs_schema_sync.sync.monitor import Monitor, PassResult

pytestmark = pytest.mark.postgres


def one_pass(env: PgSync, monitor: Monitor | None = None) -> tuple[PassResult, int]:
    """A monitor pass in this process (a new Monitor: as `monitor --once`); returns it and the catalog reads."""
    monitor = monitor or Monitor(load_databases(env.repo.work / "mkdocs.yml")[0][0])
    reads: list[int] = []
    original = PostgresDialect.read_catalog

    def counting(self, conn, *, row_counts=True):  # type: ignore[no-untyped-def]
        reads.append(1)
        return original(self, conn, row_counts=row_counts)

    PostgresDialect.read_catalog = counting  # type: ignore[method-assign]
    try:
        with open_database(parse_connection(env.pg.url("postgresql+psycopg")), writable=True) as db:
            result = monitor.run_pass(db)
    finally:
        PostgresDialect.read_catalog = original  # type: ignore[method-assign]
    return result, len(reads)


def test_an_idle_pass_reads_no_catalog_and_any_change_makes_it_whole(
    pg_sync: PgSync,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env, gh = pg_sync, pg_sync.stand_in
    monkeypatch.setenv("GITHUB_TOKEN", GITHUB_TOKEN)
    first, reads = one_pass(env)
    assert first.action == "no-drift" and reads >= 1
    idle, reads = one_pass(env)
    assert (idle.action, reads) == ("idle", 0), idle.lines  # before: every pass read the whole catalog
    assert "no change since the last pass" in idle.lines[0]

    env.as_role("ALTER TABLE stores ADD COLUMN manager_name varchar(80)")
    opened, reads = one_pass(env)
    assert opened.action == "opened" and len(gh.pulls) == 1
    assert (reads, opened.tables_read) == (0, 1)  # the table the drift log names, not the catalog
    requests = len(gh.requests)
    idle, reads = one_pass(env)
    assert (idle.action, reads, idle.pr_url) == ("idle", 0, opened.pr_url)
    assert len(gh.requests) == requests  # nor GitHub

    # the base branch moved (someone pushed to main): a whole pass
    (env.repo.work / "notes.md").write_text("x\n")
    env.repo.commit_all("unrelated")
    moved, reads = one_pass(env)
    assert moved.action == "updated" and (reads, moved.tables_read) == (0, 0)  # nothing logged: nothing read
    assert one_pass(env)[0].action == "idle"

    # the contract file changed: a whole pass (it may now be broken)
    contracts = Path(env.repo.work / "contracts.yml")
    contracts.write_text("version: 1\ncontracts: []\n")
    changed, reads = one_pass(env)
    assert changed.action != "idle" and reads == 1 and "settings, the contract file" in changed.why_whole
    assert one_pass(env)[0].action == "idle"

    # a schema change the trigger logs: a pass that reads its table
    env.as_role("ALTER TABLE stores DROP COLUMN manager_name")
    closed, reads = one_pass(env)
    assert closed.action == "closed" and (reads, closed.tables_read) == (0, 1)
    assert one_pass(env)[0].action == "idle"


def test_the_periodic_whole_pass_sees_what_no_trigger_logged(
    pg_sync: PgSync,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env = pg_sync
    monkeypatch.setenv("GITHUB_TOKEN", GITHUB_TOKEN)
    assert one_pass(env)[0].action == "no-drift"
    pg_execute(env.pg, "ALTER EVENT TRIGGER schema_sync_ddl_command_end DISABLE")
    try:
        env.as_role("ALTER TABLE stores ADD COLUMN unlogged_note text")  # no drift-log row
        assert one_pass(env)[0].action == "idle"  # the log's newest row is the signal: it has not moved
        monkeypatch.setattr(monitor_module, "WHOLE_PASS_EVERY", 0.0)  # the hour is up
        result, reads = one_pass(env)
        assert result.action == "opened" and reads == 1 and result.why_whole == "the periodic whole read"
        assert "unlogged_note" in env.repo.show(env.branch, "schema.lock.json")
    finally:
        pg_execute(env.pg, "ALTER EVENT TRIGGER schema_sync_ddl_command_end ENABLE")
