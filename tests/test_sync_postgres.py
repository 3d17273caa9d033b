"""Drift PRs on PostgreSQL with event triggers: the end-to-end scenario, a DDL burst, two monitors at once."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import EXAMPLE, GITHUB_TOKEN, ServerDB, cli, mkdocs_build, pg_execute, write_site
from github_stand_in import GitHubStandIn, GitRepo, make_repo
from test_contracts_site import text_of

pytestmark = pytest.mark.postgres

BRANCH_PREFIX = "schema-sync/"


def pg_rows(db: ServerDB, sql: str) -> list[tuple]:
    import psycopg

    with psycopg.connect(host=db.host, port=db.port, user=db.user, dbname=db.name, autocommit=True) as conn:
        return [tuple(r) for r in conn.execute(sql).fetchall()]


class PgSync:
    """Scout on PostgreSQL with event triggers, an ordinary role that owns `stores`, a clone with PR options."""

    def __init__(
        self,
        tmp_path: Path,
        pg_db: ServerDB,
        stand_in: GitHubStandIn,
        snapshot: str = "schema.lock.json",
        more_sql: str = "",
    ) -> None:
        self.pg = pg_db
        self.snapshot = snapshot
        self.stand_in = stand_in
        pg_execute(pg_db, (EXAMPLE / "scout.postgres.sql").read_text() + more_sql)
        self.role = f"ssetl_{uuid.uuid4().hex[:8]}"
        pg_execute(pg_db, f'CREATE ROLE "{self.role}" LOGIN; GRANT CREATE, USAGE ON SCHEMA public TO "{self.role}"; '
                          f'ALTER TABLE public.stores OWNER TO "{self.role}"')  # fmt: skip
        self.repo: GitRepo = make_repo(tmp_path / "git")
        self.branch = BRANCH_PREFIX + pg_db.name
        options = (
            f"connection: {pg_db.url('postgresql+psycopg')}\n"
            "connect_timeout: 5\n"
            f"snapshot: {snapshot}\n"
            "docs_url: https://docs.example/scout/\n"
            "github:\n"
            "  repository: acme/data-docs\n"
            f"  api_url: {stand_in.url}\n"
        )
        self.site = write_site(self.repo.work, options)
        (self.repo.work / ".gitignore").write_text("site/\n.schema-sync-state.json\n", encoding="utf-8")
        r = self.cli("install-triggers")
        assert r.returncode == 0 and "event triggers" in r.stdout, r.stderr
        assert self.cli("snapshot").returncode == 0
        self.repo.commit_all("docs with a schema snapshot")

    def cli(self, *args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
        return cli(*args, cwd=self.repo.work, env={"GITHUB_TOKEN": GITHUB_TOKEN, **(env or {})})

    def as_role(self, sql: str) -> None:
        pg_execute(self.pg, sql, user=self.role)

    def rows(self) -> list[tuple]:
        return pg_rows(self.pg, "SELECT id, sync_status, status_ref, login_name FROM schema_sync.drift_log ORDER BY id")

    def drop_role(self) -> None:
        pg_execute(self.pg, f'REASSIGN OWNED BY "{self.role}" TO CURRENT_USER; DROP OWNED BY "{self.role}"; '
                            f'DROP ROLE "{self.role}"')  # fmt: skip


@pytest.fixture
def stand_in() -> Iterator[GitHubStandIn]:
    server = GitHubStandIn()
    yield server
    server.close()


@pytest.fixture
def pg_sync(tmp_path: Path, pg_db: ServerDB, stand_in: GitHubStandIn) -> Iterator[PgSync]:
    env = PgSync(tmp_path, pg_db, stand_in)
    try:
        yield env
    finally:
        env.drop_role()


def test_done_when_alter_by_a_role_becomes_one_pr_updated_then_closed(pg_sync: PgSync) -> None:
    gh, env = pg_sync.stand_in, pg_sync
    assert env.cli("monitor", "--once").returncode == 0
    assert gh.requests == []  # nothing drifted yet

    env.as_role("ALTER TABLE stores ADD COLUMN manager_name varchar(80)")
    r = env.cli("monitor", "--once")
    assert r.returncode == 0, r.stderr
    assert env.repo.remote_head(env.branch) is not None
    assert '"manager_name"' in env.repo.show(env.branch, "schema.lock.json")
    assert len(gh.pulls) == 1
    pr = gh.pulls[1]
    assert "public.stores.manager_name" in gh.body(1)  # the change
    assert f"<code>{env.role}</code>" in gh.body(1)  # and its author, from the event trigger
    assert "ALTER TABLE stores ADD COLUMN manager_name" in gh.body(1)
    assert "https://docs.example/scout" in gh.body(1)
    rows = env.rows()
    assert rows and all(s == "synced" and ref == pr["html_url"] for _, s, ref, _ in rows)
    assert {login for *_, login in rows} == {env.role}

    # the status page shows that state
    built = mkdocs_build(env.site)
    assert built.returncode == 0, built.stderr
    status = text_of(env.site.html("schema/status/index.html"))
    assert "Built from the live database" in status
    assert f"synced {len(rows)}" in status and "pending" not in status.split("Steps of the sync")[0]
    assert f"in {pr['html_url']}" in status and "ALTER TABLE of stores by " + env.role in status
    assert "UTC: opened, 1 row(s) marked synced" in status
    assert "Drift capture on DDL/event triggers" in status
    assert "Pull request target on acme/data-docs" in status
    assert "(differs from the catalog: drift not yet in the repository)" in status  # main's snapshot, not merged yet

    env.as_role("ALTER TABLE stores ADD COLUMN district varchar(40)")
    r = env.cli("monitor", "--once")
    assert r.returncode == 0, r.stderr
    assert len(gh.pulls) == 1 and len(gh.calls("POST", "/pulls")) == 1
    assert "public.stores.district" in gh.body(1) and "manager_name" in gh.body(1)
    assert '"district"' in env.repo.show(env.branch, "schema.lock.json")
    assert all(s == "synced" and ref == pr["html_url"] for _, s, ref, _ in env.rows())

    env.as_role("ALTER TABLE stores DROP COLUMN manager_name; ALTER TABLE stores DROP COLUMN district")
    r = env.cli("monitor", "--once")
    assert r.returncode == 0, r.stderr
    assert gh.pulls[1]["state"] == "closed" and gh.comments[1]
    assert env.repo.remote_head(env.branch) is None
    assert all(s == "synced" for _, s, _, _ in env.rows())
    assert mkdocs_build(env.site).returncode == 0
    status = text_of(env.site.html("schema/status/index.html"))
    assert "UTC: closed" in status and f"synced {len(env.rows())}" in status
    assert "(matches the catalog)" in status  # reverted: the database is the committed snapshot again


def test_deployed_rows_are_never_sent_back(pg_sync: PgSync) -> None:
    """Rows a deploy recorded (sync_status 'deployed') are not pending: no PR for them."""
    env = pg_sync
    env.as_role("ALTER TABLE stores ADD COLUMN manager_name varchar(80)")
    pg_execute(env.pg, "UPDATE schema_sync.drift_log SET sync_status = 'deployed', source = 'deploy'")
    assert env.cli("snapshot").returncode == 0
    env.repo.commit_all("deploy: manager_name")  # the deploy committed the schema it applied
    r = env.cli("monitor", "--once")
    assert r.returncode == 0, r.stderr
    assert "no drift" in r.stdout and env.stand_in.requests == []
    assert {s for _, s, _, _ in env.rows()} == {"deployed"}


def test_a_500_statement_burst_gives_one_pr_naming_the_changes(pg_sync: PgSync) -> None:
    import psycopg

    env = pg_sync
    with psycopg.connect(
        host=env.pg.host, port=env.pg.port, user=env.role, dbname=env.pg.name, autocommit=True
    ) as conn:
        for i in range(100):
            conn.execute(f"CREATE TABLE burst_{i:03d} (a int)")
            for j in range(4):
                conn.execute(f"ALTER TABLE burst_{i:03d} ADD COLUMN c{j} text")
    assert len(env.rows()) == 500
    r = env.cli("monitor", "--once")
    assert r.returncode == 0, r.stderr
    assert len(env.stand_in.pulls) == 1
    body = env.stand_in.body(1)
    assert "100 change(s)" in body
    assert "public.burst_000" in body and "public.burst_099" in body
    assert "500 statement(s)" in body and len(body) < 65_536
    assert all(s == "synced" for _, s, _, _ in env.rows())


def test_two_monitors_at_once_make_one_pr(pg_sync: PgSync) -> None:
    env = pg_sync
    env.stand_in.delay["GET pulls"] = 2.0  # the first monitor holds the lock while it waits for GitHub
    env.as_role("ALTER TABLE stores ADD COLUMN manager_name varchar(80)")
    cmd = [sys.executable, "-m", "mkdocs_schema_sync", "monitor", "--once"]
    run_env = {**os.environ, "GITHUB_TOKEN": GITHUB_TOKEN}
    procs = [
        subprocess.Popen(cmd, cwd=env.repo.work, env=run_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert len(env.stand_in.calls("POST", "/pulls")) == 1 and len(env.stand_in.pulls) == 1
    assert sum("another monitor is working" in out for out, _ in outs) == 1, outs
    assert all(s == "synced" for _, s, _, _ in env.rows())


def test_a_monitor_role_without_update_on_the_drift_log_is_told_so(pg_sync: PgSync) -> None:
    """Issue 17 item 10: it said "permission denied reading the catalog … may read the system catalog"."""
    env = pg_sync
    monitor = f"ssmon_{uuid.uuid4().hex[:8]}"
    pg_execute(env.pg, f'CREATE ROLE "{monitor}" LOGIN; GRANT USAGE ON SCHEMA schema_sync TO "{monitor}"; '
                       f'GRANT SELECT ON ALL TABLES IN SCHEMA schema_sync TO "{monitor}"; '
                       f'GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA schema_sync TO "{monitor}"')  # fmt: skip
    try:
        env.as_role("ALTER TABLE stores ADD COLUMN manager_name varchar(80)")
        url = env.pg.url("postgresql+psycopg").replace(f"://{env.pg.user}@", f"://{monitor}@")
        cfg = env.repo.work / "mkdocs.yml"
        cfg.write_text(cfg.read_text().replace(env.pg.url("postgresql+psycopg"), url), encoding="utf-8")
        r = env.cli("monitor", "--once")
        assert r.returncode == 2
        assert "UPDATE on schema_sync.drift_log" in r.stderr and "system catalog" not in r.stderr, r.stderr
    finally:
        pg_execute(env.pg, f'DROP OWNED BY "{monitor}"; DROP ROLE "{monitor}"')


def test_the_readmes_monitor_grants_are_enough(pg_sync: PgSync) -> None:
    """Issue 17 item 10: the README's PostgreSQL grant script for the monitor role, run as written, works."""
    import re

    readme = (Path(__file__).parent.parent / "README.md").read_text()
    block = next(b for b in re.findall(r"```sql\n(.*?)```", readme, re.S) if b.startswith("-- PostgreSQL"))
    monitor = f"ssmon_{uuid.uuid4().hex[:8]}"
    grants = [line.replace("drift_monitor", f'"{monitor}"') for line in block.splitlines() if "drift_monitor" in line]
    env = pg_sync
    pg_execute(env.pg, "\n".join(grants))
    try:
        env.as_role("ALTER TABLE stores ADD COLUMN manager_name varchar(80)")
        url = env.pg.url("postgresql+psycopg").replace(f"://{env.pg.user}@", f"://{monitor}@")
        cfg = env.repo.work / "mkdocs.yml"
        cfg.write_text(cfg.read_text().replace(env.pg.url("postgresql+psycopg"), url), encoding="utf-8")
        r = env.cli("monitor", "--once")
        assert r.returncode == 0, r.stderr
        assert "WARNING" not in r.stderr, r.stderr  # the pass was recorded too
        assert {status for _, status, _, _ in env.rows()} == {"synced"}
    finally:
        pg_execute(env.pg, f'DROP OWNED BY "{monitor}"; DROP ROLE "{monitor}"')
