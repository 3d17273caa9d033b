"""The runner check: the workflows `init-ci` writes, executed end to end by tests/actions_runner.py.

Drift on a real PostgreSQL copy of Scout (event triggers, an ordinary role's ALTER) becomes one pull
request on the local GitHub stand-in, updated once, then left alone; the docs workflow publishes a
site whose contracts page shows a break while the pull-request check fails on it; the deploy
workflow with targets `stage` and `prod` plans on a pull request and deploys both on a push, then
commits the snapshot so the default branch matches the database.
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from actions_runner import ActionsRunner
from conftest import EXAMPLE, GITHUB_TOKEN, ServerDB, cli, make_sqlite, pg_execute, write_site
from github_stand_in import GitHubStandIn, GitRepo, git, make_repo

ROOT = Path(__file__).resolve().parent.parent
REPOSITORY = "acme/data-docs"
PAYLOAD_COL = "    canonical_tx_id_norm  VARCHAR(64) NOT NULL,  "


@pytest.fixture(scope="module")
def spec() -> str:
    """What the workflows install: this repository at its HEAD commit, as a VCS URL (the runner builds it)."""
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True)
    return f"mkdocs-schema-sync @ git+file://{ROOT}@{head.stdout.strip()}"


@pytest.fixture(scope="module")
def wheel_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("wheels")


@pytest.fixture
def stand_in() -> Iterator[GitHubStandIn]:
    server = GitHubStandIn(REPOSITORY)
    yield server
    server.close()


def init_ci(repo: GitRepo, spec: str, env: dict[str, str], folder: str = ".") -> Path:
    r = cli("init-ci", "--install", spec, cwd=repo.work / folder, env={"GITHUB_REPOSITORY": REPOSITORY, **env})
    assert r.returncode == 0, r.stderr
    repo.commit_all("workflows from init-ci")
    return repo.work / ".github" / "workflows"


def runner(
    repo: GitRepo,
    tmp_path: Path,
    stand_in: GitHubStandIn,
    secrets: dict[str, str],
    cache: Path,
    environments: dict[str, dict[str, str]] | None = None,
) -> ActionsRunner:
    return ActionsRunner(
        repo.origin, tmp_path / "runner", repository=REPOSITORY, api_url=stand_in.url,
        secrets={"SCHEMA_SYNC_TOKEN": GITHUB_TOKEN, **secrets}, environments=environments, wheel_cache=cache,
    )  # fmt: skip


# --------------------------------------------------------------------------- drift (PostgreSQL)


@pytest.mark.postgres
def test_drift_workflow_opens_one_pr_updates_it_then_changes_nothing(
    tmp_path: Path, pg_db: ServerDB, stand_in: GitHubStandIn, spec: str, wheel_cache: Path
) -> None:
    pg_execute(pg_db, (EXAMPLE / "scout.postgres.sql").read_text())
    role = f"ssetl_{uuid.uuid4().hex[:8]}"
    pg_execute(pg_db, f'CREATE ROLE "{role}" LOGIN; GRANT CREATE, USAGE ON SCHEMA public TO "{role}"; '
                      f'ALTER TABLE public.stores OWNER TO "{role}"')  # fmt: skip
    try:
        url = pg_db.url("postgresql+psycopg")
        repo = make_repo(tmp_path / "git")
        # no `repository`, no `api_url`: GITHUB_REPOSITORY and GITHUB_API_URL of the run fill them
        write_site(repo.work, "connection: !ENV SCHEMA_SYNC_CONNECTION\nconnect_timeout: 5\ngithub:\n  max_wait: 5\n")
        (repo.work / ".gitignore").write_text("site/\n", encoding="utf-8")
        env = {"SCHEMA_SYNC_CONNECTION": url}
        assert cli("install-triggers", cwd=repo.work, env=env).returncode == 0
        assert cli("snapshot", cwd=repo.work, env=env).returncode == 0
        folder = init_ci(repo, spec, env)
        run = runner(repo, tmp_path, stand_in, {"SCHEMA_SYNC_CONNECTION": url}, wheel_cache)
        workflow = folder / "schema-sync-drift.yml"

        pg_execute(pg_db, "ALTER TABLE stores ADD COLUMN manager_name varchar(80)", user=role)
        first = run.run(workflow, "schedule")
        assert first.ok, first.describe()
        assert len(stand_in.pulls) == 1 and "public.stores.manager_name" in stand_in.body(1)
        assert repo.remote_head(f"schema-sync/{pg_db.name}") is not None
        pending = pg_rows(pg_db, "SELECT count(*) FROM schema_sync.drift_log WHERE sync_status = 'pending'")
        assert pending == [(0,)]

        pg_execute(pg_db, "ALTER TABLE stores ADD COLUMN region_note text", user=role)
        second = run.run(workflow, "schedule")
        assert second.ok, second.describe()
        assert len(stand_in.pulls) == 1 and "region_note" in stand_in.body(1)  # the same PR, updated
        writes = len(stand_in.calls("POST")) + len(stand_in.calls("PATCH"))

        third = run.run(workflow, "schedule")
        assert third.ok, third.describe()
        sent = [(q.method, q.path) for q in stand_in.requests if q.method != "GET"]
        assert len(sent) == writes, (sent, third.describe())  # nothing new: nothing sent
        assert spec.split(" @ ")[1] in run.pip_log.read_text()  # the install step ran against the VCS URL
    finally:
        pg_execute(pg_db, f'REASSIGN OWNED BY "{role}" TO CURRENT_USER; DROP OWNED BY "{role}"; DROP ROLE "{role}"')


def pg_rows(db: ServerDB, sql: str) -> list[tuple]:
    import psycopg

    with psycopg.connect(host=db.host, port=db.port, user=db.user, dbname=db.name, autocommit=True) as conn:
        return [tuple(r) for r in conn.execute(sql).fetchall()]


# --------------------------------------------------------------------------- docs (SQLite)


def test_docs_workflow_publishes_the_break_and_the_pr_check_fails_on_it(
    tmp_path: Path, stand_in: GitHubStandIn, spec: str, wheel_cache: Path
) -> None:
    db = make_sqlite(
        tmp_path / "scout.db",
        (EXAMPLE / "scout.sql").read_text().replace(PAYLOAD_COL, "    canonical_tx_id_norm  VARCHAR(32) NOT NULL,  "),
    )
    repo = make_repo(tmp_path / "git")
    write_site(repo.work / "docs-site", "connection: !ENV DOCS_DB\ncontracts: contracts.yml\n")
    (repo.work / "docs-site" / "contracts.yml").write_text((EXAMPLE / "contracts.yml").read_text(), encoding="utf-8")
    (repo.work / ".gitignore").write_text("site/\n_site/\n", encoding="utf-8")
    url = f"sqlite:///{db}"
    folder = init_ci(repo, spec, {"DOCS_DB": url}, "docs-site")
    run = runner(repo, tmp_path, stand_in, {"DOCS_DB": url}, wheel_cache)
    workflow = folder / "schema-sync-docs.yml"

    pushed = run.run(workflow, "push")
    assert pushed.ok, pushed.describe()
    assert pushed.jobs["check"].status == "skipped" and pushed.jobs["deploy"].status == "success"
    assert pushed.pages is not None
    contracts_page = (pushed.pages / "schema" / "contracts" / "index.html").read_text()
    assert "payload-transaction-key" in contracts_page and "broken" in contracts_page.lower()

    git("checkout", "-q", "-b", "feature", cwd=repo.work)
    (repo.work / "docs-site" / "docs" / "more.md").write_text("# More\n", encoding="utf-8")
    git("add", "-A", cwd=repo.work)
    git("commit", "-q", "-m", "a page", cwd=repo.work)
    git("push", "-q", "origin", "feature", cwd=repo.work)
    checked = run.run(workflow, "pull_request", head="feature")
    assert checked.jobs["check"].status == "failure", checked.describe()  # --strict: the break fails the check
    assert "payload-transaction-key" in checked.jobs["check"].output
    assert checked.jobs["build"].status == "skipped" and checked.pages is None

    empty = runner(repo, tmp_path / "unset", stand_in, {}, wheel_cache).run(workflow, "push")  # secret not set
    assert empty.jobs["build"].status == "failure" and "DOCS_DB is not set or empty" in empty.jobs["build"].output


# --------------------------------------------------------------------------- deploy (SQLite targets)


def test_deploy_workflow_plans_on_a_pr_deploys_both_targets_and_commits_the_snapshot(
    tmp_path: Path, stand_in: GitHubStandIn, spec: str, wheel_cache: Path
) -> None:
    """With a snapshot folder (the two-database test below keeps snapshot files): the job's `git add`
    commits the changed table's file and removes a dropped table's."""
    tables = "CREATE TABLE orders (id INTEGER PRIMARY KEY); CREATE TABLE gone (id INTEGER);"
    stage = make_sqlite(tmp_path / "stage.db", tables)
    prod = make_sqlite(tmp_path / "prod.db", tables)
    repo = make_repo(tmp_path / "git")
    write_site(
        repo.work,
        "connection: !ENV PROD_DB\nsnapshot: schema-lock\n"
        "deploy:\n  targets:\n    stage: !ENV STAGE_DB\n    prod: !ENV PROD_DB\n",
    )
    (repo.work / "migrations").mkdir()
    (repo.work / ".gitignore").write_text("site/\n", encoding="utf-8")
    secrets = {"STAGE_DB": f"sqlite:///{stage}", "PROD_DB": f"sqlite:///{prod}"}
    assert cli("snapshot", cwd=repo.work, env=secrets).returncode == 0
    (repo.work / "migrations" / "001_orders_note.sql").write_text("SELECT 1;\n", encoding="utf-8")
    folder = init_ci(repo, spec, secrets)
    assert cli("baseline", "1", "--target", "stage", cwd=repo.work, env=secrets).returncode == 0
    assert cli("baseline", "1", "--target", "prod", cwd=repo.work, env=secrets).returncode == 0
    run = runner(repo, tmp_path, stand_in, secrets, wheel_cache)
    workflow = folder / "schema-deploy.yml"

    git("checkout", "-q", "-b", "feature", cwd=repo.work)
    (repo.work / "migrations" / "002_add_note.sql").write_text(
        "ALTER TABLE orders ADD COLUMN note TEXT;\nDROP TABLE gone;\n", encoding="utf-8"
    )
    git("add", "-A", cwd=repo.work)
    git("commit", "-q", "-m", "a migration", cwd=repo.work)
    git("push", "-q", "origin", "feature", cwd=repo.work)
    planned = run.run(workflow, "pull_request", ref="main", head="feature")
    assert planned.ok, planned.describe()
    assert "002_add_note.sql" in planned.jobs["plan"].summary and "against stage" in planned.jobs["plan"].summary
    assert all(planned.jobs[j].status == "skipped" for j in ("deploy-stage", "deploy-prod", "snapshot"))
    assert "note" not in _columns(stage)  # a plan changes nothing

    git("push", "-q", "origin", "feature:main", cwd=repo.work)  # merged
    deployed = run.run(workflow, "push")
    assert deployed.ok, deployed.describe()
    assert [deployed.jobs[j].status for j in ("deploy-stage", "deploy-prod", "snapshot")] == ["success"] * 3
    assert "note" in _columns(stage) and "note" in _columns(prod)
    assert '"note"' in repo.show("main", "schema-lock/objects/main.orders.json")  # the snapshot matches again
    listed = git("ls-tree", "-r", "--name-only", "main", "schema-lock", cwd=repo.origin).splitlines()
    assert listed == ["schema-lock/objects/main.orders.json", "schema-lock/snapshot.json"]  # `gone` went
    fresh = tmp_path / "fresh"
    git("clone", "-q", str(repo.origin), str(fresh), cwd=tmp_path)
    assert cli("diff", cwd=fresh, env=secrets).returncode == 0  # no drift between the branch and prod


def _columns(db: Path) -> list[str]:
    import sqlite3

    with sqlite3.connect(db) as conn:
        return [row[1] for row in conn.execute("PRAGMA table_info(orders)")]


# --------------------------------------------------------------------------- several databases (PostgreSQL + SQLite)


TWO_DATABASES = """\
databases:
  - name: ops
    connection: !ENV OPS_DB
    deploy:
      targets:
        stage: !ENV OPS_STAGE_DB
        prod: !ENV PROD_DB
  - name: wh
    connection: !ENV WH_DB
    connect_timeout: 5
    deploy:
      targets:
        prod: !ENV PROD_DB
"""


@pytest.mark.postgres
def test_deploy_workflow_of_two_databases_deploys_each_and_commits_both_snapshots(
    tmp_path: Path, pg_db: ServerDB, stand_in: GitHubStandIn, spec: str, wheel_cache: Path
) -> None:
    """Both databases name a target `prod` reading PROD_DB: wh's as a repository secret (what wh's plan reads) and
    ops's as a secret of the environment `ops-prod`. Each deploy job runs in its own database's environment; in one
    shared `prod` the ops deploy would read wh's PROD_DB and run ops's SQL on the warehouse. A later push whose `wh`
    migration fails still deploys `ops` and commits its snapshot: each snapshot job needs only its own deploys."""
    ops_stage = make_sqlite(tmp_path / "ops-stage.db", "CREATE TABLE orders (id INTEGER PRIMARY KEY);")
    ops = make_sqlite(tmp_path / "ops.db", "CREATE TABLE orders (id INTEGER PRIMARY KEY);")
    pg_execute(pg_db, "CREATE TABLE facts (id integer PRIMARY KEY)")
    repo = make_repo(tmp_path / "git")
    write_site(repo.work, TWO_DATABASES)
    (repo.work / ".gitignore").write_text("site/\n", encoding="utf-8")
    wh_url = pg_db.url("postgresql+psycopg")
    secrets = {"OPS_STAGE_DB": f"sqlite:///{ops_stage}", "OPS_DB": f"sqlite:///{ops}", "WH_DB": wh_url}
    secrets["PROD_DB"] = wh_url  # the repository secret
    environments = {"ops-prod": {"PROD_DB": f"sqlite:///{ops}"}}
    for name in ("ops", "wh"):
        (repo.work / "migrations" / name).mkdir(parents=True)
        (repo.work / "migrations" / name / "001_start.sql").write_text("SELECT 1;\n", encoding="utf-8")
    assert cli("snapshot", cwd=repo.work, env=secrets).returncode == 0
    folder = init_ci(repo, spec, secrets)
    for database, target, env in (("ops", "stage", {}), ("ops", "prod", environments["ops-prod"]), ("wh", "prod", {})):
        r = cli("baseline", "1", "--database", database, "--target", target, cwd=repo.work, env={**secrets, **env})
        assert r.returncode == 0, r.stderr
    run = runner(repo, tmp_path, stand_in, secrets, wheel_cache, environments)
    workflow = folder / "schema-deploy.yml"
    deploys = ("deploy-ops-stage", "deploy-ops-prod", "deploy-wh-prod", "snapshot-ops", "snapshot-wh")

    git("checkout", "-q", "-b", "feature", cwd=repo.work)
    (repo.work / "migrations" / "ops" / "002_note.sql").write_text("ALTER TABLE orders ADD COLUMN note TEXT;\n")
    (repo.work / "migrations" / "wh" / "002_amount.sql").write_text("ALTER TABLE facts ADD COLUMN amount numeric;\n")
    git("add", "-A", cwd=repo.work)
    git("commit", "-q", "-m", "a migration per database", cwd=repo.work)
    git("push", "-q", "origin", "feature", cwd=repo.work)
    planned = run.run(workflow, "pull_request", ref="main", head="feature")
    assert planned.ok, planned.describe()
    assert (
        "002_note.sql" in planned.jobs["plan-ops"].summary and "against ops stage" in planned.jobs["plan-ops"].summary
    )
    assert "002_amount.sql" in planned.jobs["plan-wh"].summary and "002_note" not in planned.jobs["plan-wh"].summary
    assert all(planned.jobs[j].status == "skipped" for j in deploys)

    git("push", "-q", "origin", "feature:main", cwd=repo.work)  # merged
    deployed = run.run(workflow, "push")
    assert deployed.ok, deployed.describe()
    assert [deployed.jobs[j].status for j in deploys] == ["success"] * 5
    assert [deployed.jobs[j].environment for j in deploys[:3]] == ["ops-stage", "ops-prod", "wh-prod"]
    assert "note" in _columns(ops_stage) and "note" in _columns(ops)
    assert pg_rows(pg_db, "SELECT count(*) FROM information_schema.columns WHERE column_name = 'amount'") == [(1,)]
    assert '"note"' in repo.show("main", "schema.ops.lock.json") and '"amount"' not in repo.show(
        "main", "schema.ops.lock.json"
    )
    assert '"amount"' in repo.show("main", "schema.wh.lock.json")  # both snapshots committed
    fresh = tmp_path / "fresh"
    git("clone", "-q", str(repo.origin), str(fresh), cwd=tmp_path)
    assert cli("diff", cwd=fresh, env=secrets).returncode == 0  # no drift in either database

    # one database's deploy fails: the other's deploys and snapshot still go through
    git("pull", "-q", "--rebase", "origin", "main", cwd=repo.work)
    (repo.work / "migrations" / "ops" / "003_memo.sql").write_text("ALTER TABLE orders ADD COLUMN memo TEXT;\n")
    (repo.work / "migrations" / "wh" / "003_broken.sql").write_text("ALTER TABLE no_such_table ADD COLUMN x int;\n")
    git("add", "-A", cwd=repo.work)
    git("commit", "-q", "-m", "a good and a broken migration", cwd=repo.work)
    git("push", "-q", "origin", "HEAD:main", cwd=repo.work)
    partial = run.run(workflow, "push")
    status = {j: partial.jobs[j].status for j in deploys}
    assert status == {"deploy-ops-stage": "success", "deploy-ops-prod": "success", "deploy-wh-prod": "failure",
                      "snapshot-ops": "success", "snapshot-wh": "skipped"}, partial.describe()  # fmt: skip
    assert "memo" in _columns(ops) and '"memo"' in repo.show("main", "schema.ops.lock.json")


def _two_database_site(tmp_path: Path, pg_db: ServerDB, extra: str = "") -> tuple[GitRepo, dict[str, str], Path]:
    """A repository whose site documents a SQLite `ops` and a PostgreSQL `wh`, snapshots committed."""
    ops = make_sqlite(tmp_path / "ops.db", "CREATE TABLE orders (id INTEGER PRIMARY KEY);")
    pg_execute(pg_db, "CREATE TABLE facts (id integer PRIMARY KEY)")
    repo = make_repo(tmp_path / "git")
    write_site(
        repo.work,
        f"{extra}databases:\n  - name: ops\n    connection: !ENV OPS_DB\n"
        "  - name: wh\n    connection: !ENV WH_DB\n    connect_timeout: 5\n",
    )
    (repo.work / ".gitignore").write_text("site/\n_site/\n", encoding="utf-8")
    secrets = {"OPS_DB": f"sqlite:///{ops}", "WH_DB": pg_db.url("postgresql+psycopg")}
    assert cli("snapshot", cwd=repo.work, env=secrets).returncode == 0
    return repo, secrets, ops


@pytest.mark.postgres
def test_drift_workflow_of_two_databases_opens_a_pr_per_database(
    tmp_path: Path, pg_db: ServerDB, stand_in: GitHubStandIn, spec: str, wheel_cache: Path
) -> None:
    import sqlite3

    repo, secrets, ops = _two_database_site(tmp_path, pg_db, "github:\n  max_wait: 5\n")
    folder = init_ci(repo, spec, secrets)
    workflow = folder / "schema-sync-drift.yml"
    assert "monitor --once" in workflow.read_text() and "--database" not in workflow.read_text()
    with sqlite3.connect(ops) as conn:
        conn.execute("ALTER TABLE orders ADD COLUMN ops_note TEXT")
    pg_execute(pg_db, "ALTER TABLE facts ADD COLUMN wh_amount numeric")

    first = runner(repo, tmp_path, stand_in, secrets, wheel_cache).run(workflow, "schedule")
    assert first.ok, first.describe()
    heads = {p["head"]["ref"]: n for n, p in stand_in.pulls.items()}
    assert set(heads) == {"schema-sync/ops", "schema-sync/wh"}, first.describe()
    assert "ops_note" in stand_in.body(heads["schema-sync/ops"]) and "wh_amount" not in stand_in.body(
        heads["schema-sync/ops"]
    )
    assert "wh_amount" in stand_in.body(heads["schema-sync/wh"])

    missing = {"OPS_DB": secrets["OPS_DB"]}  # the second database's secret not set: the run fails, naming it
    failed = runner(repo, tmp_path / "unset", stand_in, missing, wheel_cache).run(workflow, "schedule")
    assert failed.jobs["monitor"].status == "failure" and "WH_DB is not set or empty" in failed.jobs["monitor"].output


@pytest.mark.postgres
def test_docs_workflow_of_two_databases_publishes_both_sections(
    tmp_path: Path, pg_db: ServerDB, stand_in: GitHubStandIn, spec: str, wheel_cache: Path
) -> None:
    repo, secrets, _ = _two_database_site(tmp_path, pg_db)
    folder = init_ci(repo, spec, secrets)
    workflow = folder / "schema-sync-docs.yml"
    pushed = runner(repo, tmp_path, stand_in, secrets, wheel_cache).run(workflow, "push")
    assert pushed.ok, pushed.describe()
    assert pushed.pages is not None
    assert "id" in (pushed.pages / "schema" / "ops" / "main" / "orders" / "index.html").read_text()
    assert (pushed.pages / "schema" / "wh" / "public" / "facts" / "index.html").is_file()
    status = (pushed.pages / "schema" / "status" / "index.html").read_text()
    assert "ops" in status and "wh" in status
