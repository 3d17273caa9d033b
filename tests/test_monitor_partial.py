"""A monitor pass with logged changes reads only the tables they name and patches the last snapshot
(issue 20 goal 3), and pushes byte for byte what a pass that reads the whole catalog pushes.

PostgreSQL with event triggers, the GitHub stand-in, the contract file of the example site (so the
contract check and the reviewers run on the patched pass too). After each change the snapshot on
the sync branch is compared with the whole catalog read at that moment; at the end a whole pass
finds the pull request it would write already written (no PATCH: same title and body).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
from conftest import EXAMPLE, GITHUB_TOKEN, ServerDB, pg_execute
from github_stand_in import GitHubStandIn
from test_sync_postgres import PgSync, pg_sync, stand_in  # noqa: F401 - fixtures

from mkdocs_schema_sync.catalog.snapshot_dir import files_of, is_folder
from mkdocs_schema_sync.catalog.snapshot_text import SnapshotText
from mkdocs_schema_sync.cli.common import load_databases
from mkdocs_schema_sync.db import open_database, parse_connection
from mkdocs_schema_sync.dialects.postgres import PostgresDialect
from mkdocs_schema_sync.settings import select_tables
from mkdocs_schema_sync.sync import incremental
from mkdocs_schema_sync.sync import monitor as monitor_module
from mkdocs_schema_sync.sync.git import Repo
from mkdocs_schema_sync.sync.monitor import DriftStore, Monitor, PassResult

pytestmark = pytest.mark.postgres


@dataclass
class Reads:
    whole: int = 0  # read_catalog calls
    tables: list[set[str]] = field(default_factory=list)  # the names of each read_tables call
    snapshots: int = 0  # snapshot files read from git (Repo.cat)
    entries: int = 0  # files of a snapshot folder read from git (Repo.cat_many)


def one_pass(env: PgSync) -> tuple[PassResult, Reads]:
    """A pass as `monitor --once` runs it, and what it read of the catalog."""
    settings = load_databases(env.repo.work / "mkdocs.yml")[0][0]
    reads = Reads()
    read_catalog, read_tables = PostgresDialect.read_catalog, PostgresDialect.read_tables

    def whole(self, conn, *, row_counts=True):  # type: ignore[no-untyped-def]
        reads.whole += 1
        return read_catalog(self, conn, row_counts=row_counts)

    def part(self, conn, names, *, row_counts=False):  # type: ignore[no-untyped-def]
        reads.tables.append({n.lower() for n in names})
        return read_tables(self, conn, names, row_counts=row_counts)

    def cat(self, blob):  # type: ignore[no-untyped-def]
        reads.snapshots += 1
        return git_cat(self, blob)

    def cat_many(self, ids):  # type: ignore[no-untyped-def]
        reads.entries += len(ids)
        return git_cat_many(self, ids)

    git_cat, git_cat_many = Repo.cat, Repo.cat_many
    PostgresDialect.read_catalog, PostgresDialect.read_tables = whole, part  # type: ignore[method-assign]
    Repo.cat, Repo.cat_many = cat, cat_many  # type: ignore[method-assign]
    try:
        with open_database(parse_connection(env.pg.url("postgresql+psycopg")), writable=True) as db:
            result = Monitor(settings).run_pass(db)
    finally:
        PostgresDialect.read_catalog, PostgresDialect.read_tables = read_catalog, read_tables  # type: ignore[method-assign]
        Repo.cat, Repo.cat_many = git_cat, git_cat_many  # type: ignore[method-assign]
    return result, reads


def whole_snapshot(env: PgSync) -> str:
    """What a pass that reads the whole catalog writes now (a folder: its files, path by path)."""
    settings = load_databases(env.repo.work / "mkdocs.yml")[0][0]
    with open_database(parse_connection(env.pg.url("postgresql+psycopg"))) as db:
        catalog = select_tables(db.dialect.read_catalog(db, row_counts=False), settings)
    if not is_folder(Path(env.snapshot)):
        return catalog.to_json()
    return "".join(f"== {path}\n{text}" for path, text in sorted(files_of(SnapshotText.of(catalog)).items()))


def pushed(env: PgSync) -> str:
    """The snapshot on origin's sync branch, every byte (GitRepo.show strips the last newline)."""
    git = ["git", "--git-dir", str(env.repo.origin)]
    if not is_folder(Path(env.snapshot)):
        command = [*git, "show", f"{env.branch}:{env.snapshot}"]
        return subprocess.run(command, capture_output=True, check=True).stdout.decode("utf-8")
    listed = subprocess.run(
        [*git, "ls-tree", "-r", "--name-only", f"{env.branch}:{env.snapshot}"], capture_output=True, check=True
    )
    out = []
    for path in sorted(listed.stdout.decode().split()):
        command = [*git, "show", f"{env.branch}:{env.snapshot}/{path}"]
        out.append(f"== {path}\n" + subprocess.run(command, capture_output=True, check=True).stdout.decode("utf-8"))
    return "".join(out)


def with_record(env: PgSync, change: Any) -> None:
    """Edit what the last pass recorded, as a stale or damaged record would be."""
    settings = load_databases(env.repo.work / "mkdocs.yml")[0][0]
    with open_database(parse_connection(env.pg.url("postgresql+psycopg")), writable=True) as db:
        store = DriftStore(db, settings)
        last = store.last_pass()
        change(last[incremental.RECORD])
        store.save_pass(last)


def with_contracts(sync: PgSync, monkeypatch: pytest.MonkeyPatch) -> PgSync:
    monkeypatch.setenv("GITHUB_TOKEN", GITHUB_TOKEN)
    shutil.copy(EXAMPLE / "contracts.yml", sync.repo.work / "contracts.yml")
    sync.repo.commit_all("contracts")
    return sync


@pytest.fixture
def env(pg_sync: PgSync, monkeypatch: pytest.MonkeyPatch) -> PgSync:  # noqa: F811
    return with_contracts(pg_sync, monkeypatch)


@pytest.fixture(params=["schema.lock.json", "schema-lock"])
def any_env(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    pg_db: ServerDB,
    stand_in: GitHubStandIn,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[PgSync]:
    """The same project with a one-file snapshot and with a snapshot folder, 60 more tables in it."""
    fillers = "".join(f"CREATE TABLE filler_{n:02d} (id int PRIMARY KEY, note text);\n" for n in range(60))
    sync = PgSync(tmp_path, pg_db, stand_in, snapshot=request.param, more_sql=fillers)
    try:
        yield with_contracts(sync, monkeypatch)
    finally:
        sync.drop_role()


def test_a_logged_change_reads_its_tables_and_pushes_what_a_whole_read_would(
    any_env: PgSync, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = any_env
    folder = is_folder(Path(env.snapshot))
    gh = env.stand_in
    first, reads = one_pass(env)
    assert first.action == "no-drift" and reads.whole == 1 and first.tables_read is None
    files = len(list((env.repo.work / env.snapshot).rglob("*.json"))) if folder else 1

    changes = [  # (statement, names among those read again: the statement's words); each one pass
        ("ALTER TABLE stores ADD COLUMN manager_name varchar(80)", {"stores"}),
        ("CREATE TABLE audit_note (id int PRIMARY KEY, note text)", {"audit_note"}),
        ("CREATE INDEX ix_audit_note ON audit_note (note)", {"audit_note", "ix_audit_note"}),
        ("COMMENT ON TABLE audit_note IS 'Notes of an audit.'", {"audit_note"}),
        ('ALTER TABLE "PayloadTransactions" ALTER COLUMN canonical_tx_id_norm DROP NOT NULL', None),
        ("DROP TABLE audit_note", {"audit_note"}),
        ("CREATE TABLE events (id int, at date) PARTITION BY RANGE (at)", {"events"}),
        ("CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')", None),
        ("ALTER TABLE events ADD COLUMN note text", {"events", "events_2024"}),  # the partition gets it too
    ]
    for sql, names in changes:
        pg_execute(env.pg, sql)
        result, reads = one_pass(env)
        assert result.action in ("opened", "updated"), (sql, result.lines)
        assert reads.whole == 0, (sql, result.why_whole)  # before: every pass with a change read everything
        if folder:  # the index, the tables read and their neighbours in the diff; not the other files
            assert reads.snapshots == 0 and 0 < reads.entries < files / 3, (sql, reads.entries, files)
        else:
            assert reads.snapshots == 1, sql  # the one to patch; the base's differences came with the record
        if names is not None:
            assert len(reads.tables) == 1 and names <= reads.tables[0], sql
            assert result.tables_read == len(names - {"ix_audit_note"}) - sql.startswith("DROP"), sql  # found
        assert pushed(env) == whole_snapshot(env), sql  # byte for byte
    assert len(gh.pulls) == 1
    body = gh.body(1)
    assert "payload-transaction-key" in body and "public.stores.manager_name" in body  # the contract it broke
    assert gh.calls("POST", "requested_reviewers")[0].body["team_reviewers"] == ["data-engineering"]

    # a deploy's rows are not pending (never sent back as drift), but they changed the schema: read too
    pg_execute(env.pg, "ALTER TABLE brands ADD COLUMN deployed_note text")
    pg_execute(env.pg, "UPDATE schema_sync.drift_log SET sync_status = 'deployed', source = 'deploy' "
                       "WHERE sync_status = 'pending'")  # fmt: skip
    result, reads = one_pass(env)
    assert (reads.whole, result.tables_read, result.action) == (0, 1, "updated") and "brands" in reads.tables[0]
    assert '"deployed_note"' in pushed(env) and pushed(env) == whole_snapshot(env)

    # a whole pass now writes nothing new: the same snapshot (not pushed again), the same title and body
    patches = len(gh.calls("PATCH"))
    monkeypatch.setattr(monitor_module, "WHOLE_PASS_EVERY", 0.0)
    result, reads = one_pass(env)
    assert reads.whole == 1 and result.why_whole == "the periodic whole read"
    assert result.action == "updated" and "already holds snapshot" in "\n".join(result.lines)
    assert len(gh.calls("PATCH")) == patches


def test_what_the_rows_cannot_bound_or_a_record_that_does_not_hold_reads_the_whole_catalog(env: PgSync) -> None:
    assert one_pass(env)[0].action == "no-drift"

    # a routine: the rows cannot say which tables it changed
    pg_execute(env.pg, "CREATE FUNCTION answer() RETURNS int LANGUAGE sql AS 'SELECT 42'")
    result, reads = one_pass(env)
    assert reads.whole == 1 and "does not say which tables" in result.why_whole
    assert pushed(env) == whole_snapshot(env)
    env.as_role("ALTER TABLE stores ADD COLUMN a1 text")
    result, reads = one_pass(env)
    assert (reads.whole, result.tables_read) == (0, 1) and "stores" in reads.tables[0]  # patched again
    assert pushed(env) == whole_snapshot(env)

    # a schema with a comment and nothing documented, then a table in it: its comment must be read
    pg_execute(env.pg, "CREATE SCHEMA empty_s; COMMENT ON SCHEMA empty_s IS 'Was empty.'")
    assert one_pass(env)[1].whole == 1
    pg_execute(env.pg, "CREATE TABLE empty_s.filled (id int)")
    result, reads = one_pass(env)
    assert reads.whole == 1 and "nothing documented before" in result.why_whole
    assert "Was empty." in pushed(env) and pushed(env) == whole_snapshot(env)

    # the record names a snapshot whose hash is not the recorded one, or a blob the repository lacks
    for damage in (
        lambda record: record["texts"].update({record["blob"]: ["0" * 64, "0" * 64]}),
        lambda record: record.update(blob="0" * 40, texts={**record["texts"], "0" * 40: ["0" * 64, "0" * 64]}),
    ):
        with_record(env, damage)
        env.as_role(f"ALTER TABLE stores ADD COLUMN a{len(env.rows())} text")
        result, reads = one_pass(env)
        assert reads.whole == 1 and "not the one recorded" in result.why_whole, result.why_whole
        assert pushed(env) == whole_snapshot(env)

    # a change whose transaction commits after a later one was read: its row appears below the mark
    late = psycopg.connect(host=env.pg.host, port=env.pg.port, user=env.pg.user, dbname=env.pg.name)
    try:
        late.execute("CREATE TABLE late_one (id int)")  # its drift-log row has an id, not yet visible
        env.as_role("ALTER TABLE stores ADD COLUMN early text")
        result, reads = one_pass(env)
        assert (reads.whole, result.tables_read) == (0, 1)
        assert "late_one" not in pushed(env) and pushed(env) == whole_snapshot(env)
        late.commit()
    finally:
        late.close()
    result, reads = one_pass(env)
    assert reads.whole == 1 and "late commit" in result.why_whole
    assert '"public.late_one"' in pushed(env) and pushed(env) == whole_snapshot(env)
    record = last_record(env)
    assert record["blob"] in record["texts"]  # the whole pass left a snapshot to patch next time


def last_record(env: PgSync) -> dict[str, Any]:
    settings = load_databases(env.repo.work / "mkdocs.yml")[0][0]
    with open_database(parse_connection(env.pg.url("postgresql+psycopg"))) as db:
        return DriftStore(db, settings).last_pass()[incremental.RECORD]
