"""Drift PRs on MariaDB (polling, GET_LOCK, the drift log updated through ODBC)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import EXAMPLE, GITHUB_TOKEN, ServerDB, _mariadb_admin, cli, mariadb_execute, write_site
from github_stand_in import GitHubStandIn, make_repo

pytestmark = pytest.mark.mariadb


@pytest.fixture
def stand_in() -> Iterator[GitHubStandIn]:
    server = GitHubStandIn()
    yield server
    server.close()


def rows(db: ServerDB) -> list[tuple]:
    conn = _mariadb_admin(db.name)
    try:
        return [tuple(r) for r in conn.execute("SELECT id, sync_status, status_ref FROM schema_sync_drift_log")]
    finally:
        conn.close()


def test_mariadb_drift_opens_one_pr_and_marks_the_polled_rows(
    mariadb_db: ServerDB, tmp_path: Path, stand_in: GitHubStandIn
) -> None:
    mariadb_execute(mariadb_db, (EXAMPLE / "scout.mysql.sql").read_text())
    repo = make_repo(tmp_path / "git")
    site = write_site(
        repo.work,
        f"connection: {mariadb_db.url('mysql')}\nconnect_timeout: 5\nsnapshot: schema.lock.json\n"
        f"github:\n  repository: acme/data-docs\n  api_url: {stand_in.url}\n",
    )
    env = {"GITHUB_TOKEN": GITHUB_TOKEN}
    assert cli("install-triggers", cwd=site.root, env=env).returncode == 0
    assert cli("snapshot", cwd=site.root, env=env).returncode == 0
    repo.commit_all("snapshot")
    mariadb_execute(mariadb_db, "ALTER TABLE stores ADD COLUMN manager_name VARCHAR(80)")
    r = cli("monitor", "--once", cwd=site.root, env=env)
    assert r.returncode == 0, r.stderr
    assert "opened pull request #1" in r.stdout
    assert "manager_name" in stand_in.body(1)
    got = rows(mariadb_db)
    assert got and all(status == "synced" and ref == stand_in.pulls[1]["html_url"] for _, status, ref in got)
    mariadb_execute(mariadb_db, "ALTER TABLE stores DROP COLUMN manager_name")
    r = cli("monitor", "--once", cwd=site.root, env=env)
    assert r.returncode == 0, r.stderr
    assert stand_in.pulls[1]["state"] == "closed" and repo.remote_head("schema-sync/" + mariadb_db.name) is None
    assert all(status == "synced" for _, status, _ in rows(mariadb_db))
