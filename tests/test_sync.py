"""Drift becomes one pull request: a real git repository with a bare origin, the GitHub stand-in, the real CLI.

SQLite (polling) runs the lifecycle and the failure paths; test_sync_postgres.py runs the same loop on
PostgreSQL with event triggers (a DDL burst, two monitors at once, the end-to-end scenario).
"""

from __future__ import annotations

import re
import socket
import sqlite3
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import pytest
from conftest import EXAMPLE, GITHUB_TOKEN, cli, make_sqlite, write_site
from github_stand_in import Fault, GitHubStandIn, GitRepo, git, make_repo

BRANCH = "schema-sync/scout"


@pytest.fixture
def stand_in() -> Iterator[GitHubStandIn]:
    server = GitHubStandIn()
    yield server
    server.close()


class SqliteSync:
    """Scout in SQLite (outside the repository), a clone whose mkdocs.yml turns drift into PRs."""

    def __init__(
        self, tmp_path: Path, stand_in: GitHubStandIn, extra: str = "", snapshot: str = "schema.lock.json"
    ) -> None:
        self.db = make_sqlite(tmp_path / "scout.db", (EXAMPLE / "scout.sql").read_text())
        self.repo: GitRepo = make_repo(tmp_path / "git")
        self.stand_in = stand_in
        options = (
            f"connection: sqlite:///{self.db}\n"
            f"snapshot: {snapshot}\n"
            "github:\n"
            "  repository: acme/data-docs\n"
            f"  api_url: {stand_in.url}\n"
            "  max_wait: 5\n" + extra
        )
        self.site = write_site(self.repo.work, options)
        (self.repo.work / ".gitignore").write_text("site/\n.schema-sync-state.json\n", encoding="utf-8")
        assert self.cli("snapshot").returncode == 0
        self.repo.commit_all("docs with a schema snapshot")
        r = self.cli("install-triggers")
        assert r.returncode == 0, r.stderr

    def cli(self, *args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
        return cli(*args, cwd=self.repo.work, env={"GITHUB_TOKEN": GITHUB_TOKEN, **(env or {})})

    def sql(self, statement: str) -> None:
        conn = sqlite3.connect(self.db)
        conn.executescript(statement)
        conn.close()

    def rows(self) -> list[tuple]:
        conn = sqlite3.connect(self.db)
        try:
            return conn.execute("SELECT id, sync_status, status_ref FROM schema_sync_drift_log ORDER BY id").fetchall()
        finally:
            conn.close()


@pytest.fixture
def env(tmp_path: Path, stand_in: GitHubStandIn) -> SqliteSync:
    return SqliteSync(tmp_path, stand_in)


def test_no_drift_does_nothing(env: SqliteSync) -> None:
    r = env.cli("monitor", "--once")
    assert r.returncode == 0, r.stderr
    assert "no drift" in r.stdout
    assert env.stand_in.requests == []  # not even a lookup: there is no branch of ours
    assert env.repo.remote_head(BRANCH) is None


def test_first_drift_opens_second_updates_revert_closes(env: SqliteSync) -> None:
    gh = env.stand_in
    env.sql("ALTER TABLE stores ADD COLUMN manager_name TEXT")
    r = env.cli("monitor", "--once")
    assert r.returncode == 0, r.stderr
    assert "opened pull request #1" in r.stdout
    assert len(gh.calls("POST", "/pulls")) == 1
    pr = gh.pulls[1]
    assert pr["head"]["ref"] == BRANCH and pr["base"]["ref"] == "main" and pr["state"] == "open"
    assert "manager_name" in gh.body(1) and "stores" in gh.body(1)
    assert gh.labels[1] == ["schema-drift"]
    first_head = env.repo.remote_head(BRANCH)
    assert first_head is not None
    assert '"manager_name"' in env.repo.show(BRANCH, "schema.lock.json")
    assert '"manager_name"' not in env.repo.show("main", "schema.lock.json")  # main untouched
    rows = env.rows()
    assert rows and all(status == "synced" and ref == pr["html_url"] for _, status, ref in rows)
    assert git("status", "--porcelain", cwd=env.repo.work) == ""  # the checkout is never touched

    # a rerun with nothing new: no push, no second PR, no body change
    r = env.cli("monitor", "--once")
    assert r.returncode == 0, r.stderr
    assert env.repo.remote_head(BRANCH) == first_head
    assert len(gh.calls("POST", "/pulls")) == 1 and gh.calls("PATCH") == []

    env.sql("ALTER TABLE stores ADD COLUMN region_code TEXT")
    r = env.cli("monitor", "--once")
    assert r.returncode == 0, r.stderr
    assert "updated pull request #1" in r.stdout
    assert len(gh.calls("POST", "/pulls")) == 1 and len(gh.pulls) == 1  # never a second PR
    second_head = env.repo.remote_head(BRANCH)
    assert second_head not in (None, first_head)
    assert "region_code" in gh.body(1) and "manager_name" in gh.body(1)
    assert git("rev-list", "--count", f"main..{second_head}", cwd=env.repo.origin) == "1"  # rebuilt, not stacked
    assert all(status == "synced" for _, status, _ in env.rows())

    env.sql("ALTER TABLE stores DROP COLUMN manager_name; ALTER TABLE stores DROP COLUMN region_code;")
    r = env.cli("monitor", "--once")
    assert r.returncode == 0, r.stderr
    assert "closed pull request #1" in r.stdout
    assert gh.pulls[1]["state"] == "closed"
    assert "matches the base branch" in gh.comments[1][0]
    assert env.repo.remote_head(BRANCH) is None
    rows = env.rows()
    assert len(rows) == 3 and all(status == "synced" for _, status, _ in rows)

    # and again: nothing to do
    before = len(gh.requests)
    assert env.cli("monitor", "--once").returncode == 0
    assert len(gh.requests) == before


def test_dry_run_prints_branch_commit_and_body_without_pushing(env: SqliteSync) -> None:
    env.sql("ALTER TABLE stores ADD COLUMN manager_name TEXT")
    r = env.cli("pr", "--dry-run", env={"GITHUB_TOKEN": ""})  # no token needed to look
    assert r.returncode == 0, r.stderr
    assert f"branch: {BRANCH}" in r.stdout
    assert "Schema-Sync-SHA256: " in r.stdout
    assert "column added: main.stores.manager_name" in r.stdout
    assert "<code>main.stores.manager_name</code>" in unescape(r.stdout)
    assert env.repo.remote_head(BRANCH) is None and env.stand_in.requests == []
    assert all(status == "pending" for _, status, _ in env.rows())


def test_pr_opens_the_pull_request_without_polling(env: SqliteSync) -> None:
    env.sql("ALTER TABLE stores ADD COLUMN manager_name TEXT")
    r = env.cli("pr")
    assert r.returncode == 0, r.stderr
    assert "opened pull request #1" in r.stdout
    assert env.repo.remote_head(BRANCH) is not None


def test_without_a_token_a_clear_error_and_rows_stay_pending(env: SqliteSync) -> None:
    env.sql("ALTER TABLE stores ADD COLUMN manager_name TEXT")
    r = env.cli("monitor", "--once", env={"GITHUB_TOKEN": ""})
    assert r.returncode == 2
    assert "no GitHub token: set the environment variable GITHUB_TOKEN" in r.stderr
    assert "Traceback" not in r.stderr
    assert all(status == "pending" for _, status, _ in env.rows())


@pytest.mark.parametrize("step", ["push", "pr"])
def test_killed_after_a_step_the_next_pass_converges(env: SqliteSync, step: str) -> None:
    gh = env.stand_in
    env.sql("ALTER TABLE stores ADD COLUMN manager_name TEXT")
    r = env.cli("monitor", "--once", env={"SCHEMA_SYNC_TEST_CRASH_AFTER": step})
    assert r.returncode == 70, (r.stdout, r.stderr)
    head = env.repo.remote_head(BRANCH)
    assert head is not None  # pushed before dying
    assert len(gh.calls("POST", "/pulls")) == (1 if step == "pr" else 0)
    assert all(status == "pending" for _, status, _ in env.rows())  # never marked before the PR exists

    r = env.cli("monitor", "--once")
    assert r.returncode == 0, r.stderr
    assert env.repo.remote_head(BRANCH) == head  # same SHA-256: not pushed again
    assert len(gh.calls("POST", "/pulls")) == 1 and len(gh.pulls) == 1
    rows = env.rows()
    assert rows and all(status == "synced" and ref == gh.pulls[1]["html_url"] for _, status, ref in rows)


def _one_line_error(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr and GITHUB_TOKEN not in stderr
    return lines[0]


@pytest.mark.parametrize(
    ("fault", "expected", "tries"),
    [
        (Fault(403, message="Resource not accessible by integration"), "lacks permission", 1),
        (Fault(422, message="Validation Failed", method="POST", path_part="/pulls"), "(422 Validation Failed", 1),
        (Fault(429, {"retry-after": "3600"}, "rate limited"), "rate limit reached (429)", 1),
        (
            Fault(403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "9999999999"}, "API rate limit exceeded"),
            "rate limit reached (403)",
            1,
        ),
    ],
    ids=["403-permissions", "422", "429-too-long", "403-rate-limit"],
)
def test_github_errors_are_one_line_and_rows_stay_pending(
    env: SqliteSync, fault: Fault, expected: str, tries: int
) -> None:
    gh = env.stand_in
    gh.faults.append(fault)
    env.sql("ALTER TABLE stores ADD COLUMN manager_name TEXT")
    r = env.cli("monitor", "--once")
    assert r.returncode == 2, r.stdout
    line = _one_line_error(r.stderr)
    assert expected in line, line
    faulted = [q for q in gh.requests if (fault.path_part or "") in q.path and fault.method in (None, q.method)]
    assert len(faulted) == tries  # a plain 403 is never retried; a rate limit over max_wait is not waited for
    assert all(status == "pending" for _, status, _ in env.rows())
    # the fault gone, the next pass succeeds
    r = env.cli("monitor", "--once")
    assert r.returncode == 0, r.stderr
    assert all(status == "synced" for _, status, _ in env.rows())


def test_401_and_404_name_the_token_and_the_repository(env: SqliteSync) -> None:
    env.sql("ALTER TABLE stores ADD COLUMN manager_name TEXT")
    r = env.cli("monitor", "--once", env={"GITHUB_TOKEN": "ghp_WrongTokenWrongTokenWrongToken00"})
    assert r.returncode == 2
    line = _one_line_error(r.stderr)
    assert "rejected the token from GITHUB_TOKEN (401" in line and "WrongToken" not in line
    conn = sqlite3.connect(env.db)
    (stored,) = conn.execute("SELECT value FROM schema_sync_state WHERE name = 'monitor_last_pass'").fetchone()
    conn.close()
    assert '"action": "failed"' in stored and "(401 Bad credentials)" in stored and "WrongToken" not in stored
    env.stand_in.repository = "acme/other"
    r = env.cli("monitor", "--once")
    assert r.returncode == 2
    line = _one_line_error(r.stderr)
    assert "404" in line and "repository acme/data-docs not found" in line
    assert all(status == "pending" for _, status, _ in env.rows())


@pytest.mark.parametrize("case", ["401", "404", "read-only"])
def test_a_wrong_token_or_repository_pushes_nothing(env: SqliteSync, case: str) -> None:
    """Issue 17 item 9: the branch was pushed before the API refused the token; now one call checks first."""
    env.sql("ALTER TABLE stores ADD COLUMN manager_name TEXT")
    run_env = {"GITHUB_TOKEN": "ghp_WrongTokenWrongTokenWrongToken00"} if case == "401" else {}
    if case == "404":
        env.stand_in.repository = "acme/other"
    if case == "read-only":
        env.stand_in.push = False
    r = env.cli("monitor", "--once", env=run_env)
    assert r.returncode == 2
    assert {"401": "401", "404": "404", "read-only": "may read but not push"}[case] in _one_line_error(r.stderr)
    assert env.repo.remote_head("schema-sync/scout") is None  # nothing pushed
    assert all(status == "pending" for _, status, _ in env.rows())


def test_github_actions_variables_fill_repository_and_api_url(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 17 item 8: GITHUB_REPOSITORY and GITHUB_API_URL (GitHub Enterprise) when the option leaves them out."""
    from mkdocs_schema_sync.errors import SchemaSyncError
    from mkdocs_schema_sync.settings import parse_github

    monkeypatch.setenv("GITHUB_REPOSITORY", "acme/from-actions")
    monkeypatch.setenv("GITHUB_API_URL", "https://ghe.example/api/v3")
    gh = parse_github({})
    assert gh is not None and (gh.repository, gh.api_url) == ("acme/from-actions", "https://ghe.example/api/v3")
    gh = parse_github({"repository": "acme/mine", "api_url": "https://api.github.com"})  # the option wins
    assert gh is not None and (gh.repository, gh.api_url) == ("acme/mine", "https://api.github.com")
    monkeypatch.delenv("GITHUB_REPOSITORY")
    gh = parse_github({})  # outside Actions: fine until a pull request is made
    assert gh is not None and gh.repository == ""
    with pytest.raises(SchemaSyncError, match="GITHUB_REPOSITORY is not set"):
        gh.require_repository()


def test_a_short_rate_limit_is_waited_out(env: SqliteSync) -> None:
    gh = env.stand_in
    gh.faults.append(Fault(429, {"retry-after": "1"}, "slow down", method="GET", path_part="/pulls"))
    env.sql("ALTER TABLE stores ADD COLUMN manager_name TEXT")
    r = env.cli("monitor", "--once")
    assert r.returncode == 0, r.stderr
    assert len(gh.calls("GET", "/pulls")) == 2  # answered 429, retried after retry-after
    assert len(gh.pulls) == 1


def test_reviewers_come_from_the_contracts_touched(tmp_path: Path, stand_in: GitHubStandIn) -> None:
    env = SqliteSync(tmp_path, stand_in, extra="contracts: contracts.yml\n")
    (env.repo.work / "contracts.yml").write_text(
        "version: 1\ncontracts:\n"
        "  - name: store-keys\n    owner: Stores team\n    reviewers: [octocat, acme/store-team]\n"
        "    protects:\n      - table: stores\n        columns:\n          store_id: {type: integer}\n"
        "  - name: brand-keys\n    owner: Brands team\n    reviewers: [brand-person]\n"
        "    protects:\n      - table: brands\n        columns:\n          brand_id: {type: integer}\n",
        encoding="utf-8",
    )
    env.repo.commit_all("contracts")
    env.sql("ALTER TABLE stores ADD COLUMN manager_name TEXT")
    r = env.cli("monitor", "--once")
    assert r.returncode == 0, r.stderr
    assert stand_in.reviewers[1] == {"users": ["octocat"], "teams": ["store-team"]}
    env.sql("ALTER TABLE stores ADD COLUMN region_code TEXT")
    assert env.cli("monitor", "--once").returncode == 0
    assert len(stand_in.calls("POST", "requested_reviewers")) == 1  # not asked twice


def test_an_unset_notify_variable_fails_the_pass_after_the_pr_and_the_rows(
    tmp_path: Path, stand_in: GitHubStandIn
) -> None:
    """A webhook whose `!ENV` is unset, a broken contract and drift: the pass opens the pull request and marks the
    rows synced, then fails saying which notify entry lacks its variable (it used to fail right after opening the
    PR, leaving every row pending, so each later pass failed the same way and nothing was ever marked)."""
    extra = "contracts: contracts.yml\nfail_on_broken_contract: false\nnotify:\n  - url: !ENV HOOK_URL_UNSET\n"
    env = SqliteSync(tmp_path, stand_in, extra=extra)
    (env.repo.work / "contracts.yml").write_text(
        "version: 1\ncontracts:\n  - name: store-managers\n    owner: Stores team\n"
        "    protects:\n      - table: stores\n        columns:\n          manager_email: {type: text}\n",
        encoding="utf-8",
    )
    env.repo.commit_all("contracts")
    env.sql("ALTER TABLE stores ADD COLUMN manager_name TEXT")
    r = env.cli("monitor", "--once")
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "opened pull request #1" in r.stdout and "marked" in r.stdout
    assert "notify entry 1" in r.stderr and "not set" in r.stderr and "Traceback" not in r.stderr
    rows = env.rows()
    assert rows and all(status == "synced" and ref == stand_in.pulls[1]["html_url"] for _, status, ref in rows)
    # the next pass is not idle (the webhook still has to be told): same PR, same failure, nothing new to mark
    r = env.cli("monitor", "--once")
    assert r.returncode == 2 and "notify entry 1" in r.stderr
    assert "no change since the last pass" not in r.stdout
    assert len(stand_in.calls("POST", "/pulls")) == 1
    # with the variable set (the receiver is down: a delivery failure never fails the pass) it succeeds
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        closed = free.getsockname()[1]
    r = env.cli("monitor", "--once", env={"HOOK_URL_UNSET": f"http://127.0.0.1:{closed}/hook"})
    assert r.returncode == 0, r.stderr


def test_bad_github_option_is_one_line(tmp_path: Path, stand_in: GitHubStandIn) -> None:
    repo = make_repo(tmp_path / "git")
    write_site(repo.work, "connection: sqlite:///x.db\ngithub:\n  repository: acme/data-docs\n  reviewer: [x]\n")
    r = cli("monitor", "--once", cwd=repo.work)
    assert r.returncode == 2
    assert "unknown key 'reviewer'" in _one_line_error(r.stderr)


def test_the_loop_logs_a_failed_pass_backs_off_and_keeps_going(tmp_path: Path) -> None:
    """The database is away at first (its file does not exist yet): the loop says so and later succeeds."""
    import os
    import signal
    import subprocess
    import sys

    db = tmp_path / "late.db"
    site = write_site(tmp_path / "site", f"connection: sqlite:///{db}\nsnapshot: schema.lock.json\n")
    proc = subprocess.Popen(
        [sys.executable, "-m", "mkdocs_schema_sync", "monitor", "--interval", "0.5s"],
        cwd=site.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stderr is not None and proc.stdout is not None
    errors: list[str] = []
    try:
        while len(errors) < 2:  # two failed passes, read as they are logged
            line = proc.stderr.readline()
            assert line, "the monitor stopped"
            errors.append(line)
        make_sqlite(db, "CREATE TABLE t (a int);")
        first_ok = proc.stdout.readline()  # blocks until a pass goes through
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)
    assert proc.returncode == 0
    assert "pass failed (1 in a row)" in errors[0] and "next try in 1 s" in errors[0]
    assert "pass failed (2 in a row)" in errors[1] and "next try in 2 s" in errors[1]  # the pause doubles
    assert "no `github:` option" in first_ok


def test_generate_out_pages_ride_in_the_same_commit(tmp_path: Path, stand_in: GitHubStandIn) -> None:
    env = SqliteSync(tmp_path, stand_in, extra="generate_out: generated\n")
    env.sql("ALTER TABLE stores ADD COLUMN manager_name TEXT")
    r = env.cli("monitor", "--once")
    assert r.returncode == 0, r.stderr
    files = git("ls-tree", "-r", "--name-only", BRANCH, cwd=env.repo.origin).splitlines()
    assert "schema.lock.json" in files and "generated/schema/main/stores.md" in files
    assert "generated/schema/status.md" not in files  # the status page holds a build time: not committed
    assert "manager_name" in env.repo.show(BRANCH, "generated/schema/main/stores.md")
    assert "`generated/`" in stand_in.body(1)


@pytest.mark.parametrize("extra", ["", "generate_out: generated\n"], ids=["snapshot", "with-pages"])
def test_a_snapshot_folder_rides_in_the_commit_file_by_file(
    tmp_path: Path, stand_in: GitHubStandIn, extra: str
) -> None:
    """The pull request changes the drifted table's file and the index; the rest of the repository (and of
    the folder) is the base's, and a dropped table's file goes."""
    env = SqliteSync(tmp_path, stand_in, extra=extra, snapshot="docs-lock")
    main_files = git("ls-tree", "-r", "main", cwd=env.repo.origin).splitlines()
    env.sql("ALTER TABLE stores ADD COLUMN manager_name TEXT; CREATE TABLE extra_t (id INTEGER);")
    r = env.cli("monitor", "--once")
    assert r.returncode == 0, r.stderr
    branch_files = git("ls-tree", "-r", BRANCH, cwd=env.repo.origin).splitlines()
    changed = sorted(set(branch_files) - set(main_files))
    names = sorted(line.split("\t", 1)[1] for line in changed)
    snapshot_names = [n for n in names if n.startswith("docs-lock/")]
    assert snapshot_names == ["docs-lock/objects/main.extra_t.json", "docs-lock/objects/main.stores.json",
                              "docs-lock/snapshot.json"], names  # fmt: skip
    assert all(n.startswith("generated/") for n in names if n not in snapshot_names)
    assert bool(extra) == any(n.startswith("generated/") for n in names)
    assert set(main_files) - set(branch_files) == {
        line for line in main_files if line.split("\t", 1)[1] in snapshot_names
    }  # nothing of the base went, but the files changed
    assert '"manager_name"' in env.repo.show(BRANCH, "docs-lock/objects/main.stores.json")
    assert "`docs-lock`" in stand_in.body(1)

    env.sql("DROP TABLE extra_t")  # its file goes from the branch
    assert env.cli("monitor", "--once").returncode == 0
    names = git("ls-tree", "-r", "--name-only", BRANCH, cwd=env.repo.origin).splitlines()
    assert "docs-lock/objects/main.extra_t.json" not in names and "docs-lock/objects/main.stores.json" in names
    env.sql("ALTER TABLE stores DROP COLUMN manager_name")
    r = env.cli("monitor", "--once")
    assert r.returncode == 0 and "closed pull request #1" in r.stdout, r.stdout + r.stderr


def test_polling_into_the_json_log_marks_its_rows(tmp_path: Path, stand_in: GitHubStandIn) -> None:
    """Without install-triggers a SQLite database is never written: the drift log is schema.drift.json."""
    import json

    db = make_sqlite(tmp_path / "scout.db", (EXAMPLE / "scout.sql").read_text())
    repo = make_repo(tmp_path / "git")
    site = write_site(
        repo.work,
        f"connection: sqlite:///{db}\nsnapshot: schema.lock.json\n"
        f"github:\n  repository: acme/data-docs\n  api_url: {stand_in.url}\n",
    )
    (repo.work / ".gitignore").write_text("site/\nschema.drift.json\n", encoding="utf-8")
    run_env = {"GITHUB_TOKEN": GITHUB_TOKEN}
    assert cli("snapshot", cwd=site.root, env=run_env).returncode == 0  # also the polling baseline
    repo.commit_all("snapshot")
    conn = sqlite3.connect(db)
    conn.execute("ALTER TABLE stores ADD COLUMN manager_name TEXT")
    conn.commit()
    conn.close()
    r = cli("monitor", "--once", cwd=site.root, env=run_env)
    assert r.returncode == 0, r.stderr
    entries = json.loads((repo.work / "schema.drift.json").read_text())["entries"]
    assert entries and all(e["sync_status"] == "synced" and e["status_ref"] == stand_in.pulls[1]["html_url"]
                           for e in entries)  # fmt: skip
    state = json.loads((repo.work / "schema.drift.json").read_text())["state"]
    assert state["monitor_last_pass"]["action"] == "opened"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("acme/docs", "must be a mapping"),
        ({"repository": None}, "`repository` must be owner/name"),
        ({"repository": "acme"}, "`repository` must be owner/name"),
        ({"repository": "a/b", "api_url": "ftp://x"}, "`api_url` must be an http(s) URL"),
        ({"repository": "a/b", "token_env": "MY TOKEN"}, "`token_env` must name an environment variable"),
        ({"repository": "a/b", "labels": "drift"}, "`labels` must be a list of names"),
        ({"repository": "a/b", "max_wait": -1}, "`max_wait` must be a number of seconds"),
        ({"repository": "a/b", "token": "x"}, "unknown key 'token'"),
        ({"repository": "a/b", "branch": "--upload-pack=x"}, "is not a branch name"),
        ({"repository": "a/b", "base": "main..x"}, "is not a branch name"),
    ],
)
def test_github_option_is_checked(raw: object, message: str) -> None:
    from mkdocs_schema_sync.errors import SchemaSyncError
    from mkdocs_schema_sync.settings import parse_github

    with pytest.raises(SchemaSyncError, match=re.escape(message)):
        parse_github(raw)


def test_github_option_defaults() -> None:
    from mkdocs_schema_sync.settings import parse_github

    gh = parse_github({"repository": "acme/docs", "api_url": "https://ghe.example/api/v3/"})
    assert gh is not None
    assert (gh.api_url, gh.token_env, gh.base, gh.labels, gh.max_wait) == (
        "https://ghe.example/api/v3", "GITHUB_TOKEN", None, ["schema-drift"], 60.0
    )  # fmt: skip


@pytest.mark.parametrize("snapshot", ["schema.lock.json", "schema-lock"])
def test_hostile_names_reach_the_pr_body_only_as_text(tmp_path: Path, stand_in: GitHubStandIn, snapshot: str) -> None:
    """Through the real CLI: polled rows and diff of a hostile schema, rendered as GitHub would, stay text;
    in a snapshot folder their files keep to it, under names of safe characters."""
    import markdown
    from test_pr_body import HOSTILE_WORDS, Walk

    db = make_sqlite(tmp_path / "hostile.db", (Path(__file__).parent / "hostile.sql").read_text())
    repo = make_repo(tmp_path / "git")
    site = write_site(
        repo.work,
        f"connection: sqlite:///{db}\nsnapshot: {snapshot}\n"
        f"github:\n  repository: acme/data-docs\n  api_url: {stand_in.url}\n",
    )
    (repo.work / ".gitignore").write_text("site/\nschema.drift.json\nschema-lock.drift.json\n", encoding="utf-8")
    run_env = {"GITHUB_TOKEN": GITHUB_TOKEN}
    assert cli("install-triggers", cwd=site.root, env=run_env).returncode == 0
    assert cli("snapshot", cwd=site.root, env=run_env).returncode == 0
    repo.commit_all("snapshot")
    conn = sqlite3.connect(db)
    conn.executescript(
        'ALTER TABLE "a b" ADD COLUMN "<script>alert(1)</script> [x](http://evil.example) @user #12" TEXT;'
        'CREATE TABLE "**bold** <img src=x onerror=alert(1)>" (id INTEGER PRIMARY KEY);'
    )
    conn.close()
    r = cli("monitor", "--once", cwd=site.root, env=run_env)
    assert r.returncode == 0, r.stderr
    body = stand_in.pulls[1]["body"]
    walk = Walk()
    walk.feed(markdown.markdown(body, extensions=["tables"]))
    assert {tag for tag, _ in walk.tags} <= {"p", "h3", "table", "thead", "tbody", "tr", "th", "td", "code", "strong",
                                            "em", "ul", "li"}  # fmt: skip
    outside = " ".join(walk.outside)
    assert not [w for w in HOSTILE_WORDS if w in outside]
    inside = " ".join(walk.inside)
    assert "<script>alert(1)</script> [x](http://evil.example) @user #12" in inside  # shown as written
    assert "**bold** <img src=x onerror=alert(1)>" in inside
    if snapshot == "schema-lock":
        branch = stand_in.pulls[1]["head"]["ref"]
        names = git("ls-tree", "-r", "--name-only", branch, cwd=repo.origin).splitlines()
        files = [n for n in names if n.startswith("schema-lock/")]
        assert len(files) >= 5 and all(
            re.fullmatch(r"schema-lock/([a-z]+/[a-z0-9_.$~-]+|snapshot)\.json", n) for n in files
        )
        on_main = git("ls-tree", "-r", "--name-only", "main", cwd=repo.origin).splitlines()
        assert set(names) - set(files) == {n for n in on_main if not n.startswith("schema-lock/")}


def test_architecture_marks_each_step_from_the_configuration(tmp_path: Path, stand_in: GitHubStandIn) -> None:
    from mkdocs_schema_sync.pipeline import load_catalog, render_site
    from mkdocs_schema_sync.render.status import sync_steps

    env = SqliteSync(tmp_path, stand_in)
    (env.repo.work / ".github" / "workflows").mkdir(parents=True)
    (env.repo.work / ".github" / "workflows" / "schema-sync-drift.yml").write_text("name: x\n", encoding="utf-8")
    from mkdocs_schema_sync.settings import Settings, parse_github

    settings = Settings(
        base_dir=env.repo.work,
        connection=f"sqlite:///{env.db}",
        snapshot=env.repo.work / "schema.lock.json",
        github=parse_github({"repository": "acme/data-docs", "api_url": stand_in.url}),
    )
    settings.deploy = {"migrations": "migrations", "targets": {"staging": "x", "production": "y"}}  # type: ignore[attr-defined]
    pages = render_site(settings, load_catalog(settings))
    arch = unescape(pages["schema/architecture.md"])
    assert 'capture["drift log (on)"]:::on' in arch  # install-triggers ran: polling into the database
    assert 'monitor["monitor pass (on)"]:::on' in arch  # the drift workflow exists
    assert 'pr["pull request (on)"]:::on' in arch
    assert 'publish["docs build and publish (off)"]:::off' in arch  # no docs workflow
    assert 'deploy["deploy to the database (on)"]:::on' in arch
    assert "| Deploy targets | on | migrations/ to production, staging |" in arch
    assert "| Pull request target | on | acme/data-docs" in arch
    settings.github = None
    settings.deploy = {}  # type: ignore[attr-defined]
    steps = sync_steps_of(settings, sync_steps)
    assert {st["id"]: st["on"] for st in steps} == {
        "capture": True, "monitor": True, "pr": False, "publish": False, "deploy": False
    }  # fmt: skip


def sync_steps_of(settings, sync_steps):  # type: ignore[no-untyped-def]
    from mkdocs_schema_sync.pipeline import build_model, load_catalog

    loaded = load_catalog(settings)
    model = build_model(settings, loaded)
    assert loaded.sync is not None
    steps = sync_steps(model, loaded.sync)
    return steps["to_repo"] + steps["to_db"]


def test_a_deploy_is_not_sent_back_as_drift(tmp_path: Path, stand_in: GitHubStandIn) -> None:
    """Issue 13: what `deploy` applied reaches no pull request; drift after it still does."""
    env = SqliteSync(tmp_path, stand_in, extra="deploy:\n  migrations: migrations\n")
    folder = env.repo.work / "migrations"
    folder.mkdir()
    (folder / "001_store_tier.sql").write_text("ALTER TABLE stores ADD COLUMN tier TEXT;\n", encoding="utf-8")
    r = env.cli("deploy")
    assert r.returncode == 0, r.stdout + r.stderr
    r = env.cli("monitor", "--once")
    assert r.returncode == 0, r.stderr
    assert "deploy" in r.stdout and "no pull request" in r.stdout, r.stdout
    assert stand_in.calls("POST", "/pulls") == []
    assert env.repo.remote_head(BRANCH) is None

    env.sql("ALTER TABLE stores ADD COLUMN manager_name TEXT")  # someone else's change after the deploy
    r = env.cli("monitor", "--once")
    assert r.returncode == 0, r.stderr
    assert "opened pull request #1" in r.stdout
    assert "manager_name" in stand_in.body(1)
