"""Several databases in one site (`databases:`): PostgreSQL, MariaDB and SQLite in one mkdocs.yml.

A section of pages per database, its own snapshot, drift log and pull-request branch; `--database NAME`
on the commands; one database down builds from its snapshot while the others build live.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import (
    EXAMPLE,
    GITHUB_TOKEN,
    ServerDB,
    cli,
    free_port,
    mariadb_execute,
    mkdocs_build,
    pg_execute,
    visible_text,
    write_site,
)
from github_stand_in import GitHubStandIn, git, make_repo

from mkdocs_schema_sync.cli.main import main


@pytest.fixture
def stand_in() -> Iterator[GitHubStandIn]:
    server = GitHubStandIn()
    yield server
    server.close()


def sqlite_db(path: Path) -> Path:
    import sqlite3

    conn = sqlite3.connect(path)
    conn.executescript((EXAMPLE / "scout.sql").read_text())
    conn.close()
    return path


def sqlite_execute(path: Path, sql: str) -> None:
    import sqlite3

    conn = sqlite3.connect(path)
    conn.executescript(sql)
    conn.close()


def sqlite_tables(path: Path) -> set[str]:
    import sqlite3

    conn = sqlite3.connect(path)
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    conn.close()
    return names


def three(ops: Path, pg: ServerDB, maria_url: str, stand_in: GitHubStandIn) -> str:
    return (
        "databases:\n"
        "  - name: ops\n"
        f"    connection: sqlite:///{ops}\n"
        "  - name: warehouse\n"
        "    title: Analytics warehouse\n"
        f"    connection: {pg.url('postgresql+psycopg')}\n"
        "    connect_timeout: 5\n"
        "  - name: lake\n"
        f"    connection: {maria_url}\n"
        "    connect_timeout: 3\n"
        "github:\n"
        "  repository: acme/data-docs\n"
        f"  api_url: {stand_in.url}\n"
    )


@pytest.mark.postgres
@pytest.mark.mariadb
def test_three_databases_one_site_monitor_build_with_one_down_and_deploy_per_database(
    tmp_path: Path, pg_db: ServerDB, mariadb_db: ServerDB, stand_in: GitHubStandIn
) -> None:
    ops = sqlite_db(tmp_path / "ops.db")
    pg_execute(pg_db, (EXAMPLE / "scout.postgres.sql").read_text())
    mariadb_execute(mariadb_db, (EXAMPLE / "scout.mysql.sql").read_text())
    repo = make_repo(tmp_path / "git")
    site = write_site(repo.work, three(ops, pg_db, mariadb_db.url("mysql"), stand_in))
    (repo.work / ".gitignore").write_text("site/\n.schema-sync-state.*.json\n*.drift.json*\n", encoding="utf-8")
    env = {"GITHUB_TOKEN": GITHUB_TOKEN}

    r = cli("install-triggers", cwd=site.root, env=env)
    assert r.returncode == 0, r.stderr
    assert [line for line in r.stdout.splitlines() if line.startswith("== ")] == [
        "== database ops ==",
        "== database warehouse ==",
        "== database lake ==",
    ]
    r = cli("snapshot", cwd=site.root, env=env)
    assert r.returncode == 0, r.stderr
    for name in ("ops", "warehouse", "lake"):
        assert (site.root / f"schema.{name}.lock.json").is_file()
    repo.commit_all("three snapshots")

    # one change in each database: monitor opens one pull request per database, on its own branch
    sqlite_execute(ops, "ALTER TABLE stores ADD COLUMN opsnote TEXT")
    pg_execute(pg_db, "ALTER TABLE public.stores ADD COLUMN whnote text")
    mariadb_execute(mariadb_db, "ALTER TABLE stores ADD COLUMN lakenote VARCHAR(20)")
    r = cli("diff", "--database", "warehouse", cwd=site.root, env=env)
    assert r.returncode == 1 and "whnote" in r.stdout and "opsnote" not in r.stdout, r.stdout
    r = cli("monitor", "--once", cwd=site.root, env=env)
    assert r.returncode == 0, r.stderr + r.stdout
    heads = {p["head"]["ref"]: p for p in stand_in.open_pulls()}
    assert set(heads) == {"schema-sync/ops", "schema-sync/warehouse", "schema-sync/lake"}
    own = {"ops": "opsnote", "warehouse": "whnote", "lake": "lakenote"}
    for name, column in own.items():
        body = heads[f"schema-sync/{name}"]["body"]
        assert column in body and not any(c in body for c in own.values() if c != column), (name, body[:3000])
        pushed = git("show", f"origin/schema-sync/{name}:schema.{name}.lock.json", cwd=repo.work)
        assert column in pushed
        others = git("diff", "--name-only", "main", f"origin/schema-sync/{name}", cwd=repo.work).split()
        assert others == [f"schema.{name}.lock.json"]

    # a second change in the lake, a pass on the lake alone: only its pull request is updated
    before = {ref: pr["body"] for ref, pr in heads.items()}
    mariadb_execute(mariadb_db, "ALTER TABLE stores ADD COLUMN lakesecond INT")
    r = cli("monitor", "--once", "--database", "lake", cwd=site.root, env=env)
    assert r.returncode == 0 and "== database" not in r.stdout, r.stdout
    after = {p["head"]["ref"]: p["body"] for p in stand_in.open_pulls()}
    assert "lakesecond" in after["schema-sync/lake"] and "lakesecond" not in before["schema-sync/lake"]
    assert all(after[ref] == before[ref] for ref in ("schema-sync/ops", "schema-sync/warehouse"))

    # the lake (MariaDB) goes down: its section comes from its snapshot, the others are read live
    yml = (site.root / "mkdocs.yml").read_text()
    down = yml.replace(mariadb_db.url("mysql"), f"mysql://root@127.0.0.1:{free_port()}/{mariadb_db.name}")
    (site.root / "mkdocs.yml").write_text(down)
    r = mkdocs_build(site)
    assert r.returncode == 0, r.stderr
    lake = visible_text(site.html(f"schema/lake/{mariadb_db.name}/stores/index.html"))  # schema: the database
    assert "could not be reached" in lake and "lakenote" not in lake  # the committed snapshot, before the change
    wh = visible_text(site.html("schema/warehouse/public/stores/index.html"))
    assert "whnote" in wh and "could not be reached" not in wh
    assert "opsnote" in visible_text(site.html("schema/ops/main/stores/index.html"))
    status = site.html("schema/status/index.html")
    assert "snapshot" in row(status, "lake") and "matches" in row(status, "lake")
    for title in ("ops", "Analytics warehouse"):  # live, with the change not yet merged; the last pass is known
        assert re.search(r"^[^|]+\| live \| differs .* UTC: (opened|updated|unchanged)", row(status, title))
    arch = visible_text(site.html("schema/architecture/index.html"))
    assert all(f"schema-sync/{n}" in arch for n in own)
    index = visible_text(site.html("schema/index.html"))
    assert "3 databases" in index

    # monitor with the lake down: the ops pull request follows a new change, the lake's pass is one error line
    sqlite_execute(ops, "ALTER TABLE regions ADD COLUMN opsregion TEXT")
    r = cli("monitor", "--once", cwd=site.root, env=env)
    assert r.returncode == 2, r.stdout + r.stderr
    assert re.search(r"^Error: database lake: cannot connect", r.stderr, re.M) and "Traceback" not in r.stderr
    bodies = {p["head"]["ref"]: p["body"] for p in stand_in.open_pulls()}
    assert "opsregion" in bodies["schema-sync/ops"] and len(bodies) == 3

    # deploy per database: each has its own migrations folder; --database deploys one
    for name, sql in (("ops", "CREATE TABLE ops_deployed (id INTEGER PRIMARY KEY);\n"),
                      ("warehouse", "CREATE TABLE wh_deployed (id integer PRIMARY KEY);\n")):  # fmt: skip
        folder = site.root / "migrations" / name
        folder.mkdir(parents=True)
        (folder / "001_first.sql").write_text(sql)
    r = cli("deploy", "--database", "ops", cwd=site.root, env=env)
    assert r.returncode == 0, r.stderr
    assert "ops_deployed" in sqlite_tables(ops)
    assert not _pg_has(pg_db, "wh_deployed")
    # every database: ops has nothing pending, the warehouse deploys, the lake is down (an error, exit 2)
    r = cli("deploy", cwd=site.root, env=env)
    assert r.returncode == 2, r.stdout + r.stderr
    assert re.search(r"Error: database lake: ", r.stderr), r.stderr
    assert "nothing to deploy" in r.stdout.split("== database warehouse ==")[0]
    assert _pg_has(pg_db, "wh_deployed")


def row(page_html: str, first_cell: str) -> str:
    """The visible text of the table row whose first cell is `first_cell`."""
    for tr in re.findall(r"<tr>(.*?)</tr>", page_html, re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)
        if cells and visible_text(cells[0]).strip() == first_cell:
            return " | ".join(visible_text(c).strip() for c in cells)
    raise AssertionError(f"no row {first_cell!r}")


def _pg_has(db: ServerDB, table: str) -> bool:
    import psycopg

    with psycopg.connect(host=db.host, port=db.port, user=db.user, dbname=db.name, autocommit=True) as conn:
        return conn.execute("SELECT to_regclass(%s) IS NOT NULL", (f"public.{table}",)).fetchone()[0]


# --------------------------------------------------------------------------- configuration mistakes


def _run(tmp_path: Path, options: str, *args: str) -> tuple[int, str]:
    site = write_site(tmp_path / "site", options)
    result = CliRunner().invoke(main, ["-f", str(site.root / "mkdocs.yml"), *(args or ("diff",))])
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ("databases:\n  - name: Ops DB\n    connection: sqlite:///a.db\n", "`name` must be lower-case"),
        ("databases:\n  - name: status\n    connection: sqlite:///a.db\n", "taken by a page"),
        ("databases:\n  - connection: sqlite:///a.db\n", "`name` must be"),
        (
            "databases:\n  - name: a\n    connection: sqlite:///a.db\n  - name: a\n    connection: sqlite:///b.db\n",
            "two databases are named 'a'",
        ),
        (
            "connection: sqlite:///a.db\ndatabases:\n  - name: a\n    connection: sqlite:///a.db\n",
            "option `connection` belongs to one database",
        ),
        ("databases:\n  - name: a\n    path: x\n", "option `path` is for the whole site"),
        ("databases:\n  - name: a\n    shemas: [x]\n", "unknown option 'shemas'"),
        ("databases:\n  - name: a\n    row_counts: maybe\n", "option `row_counts`"),
        (
            "databases:\n  - name: a\n    snapshot: s.json\n  - name: b\n    snapshot: s.json\n",
            "have the same snapshot",
        ),
        (
            "github: {repository: acme/docs}\ndatabases:\n  - name: a\n    github: {branch: x}\n"
            "  - name: b\n    github: {branch: x}\n",
            "have the same github branch",
        ),
        ("databases: []\n", "must be a list of mappings"),
        ("databases:\n  - just-a-string\n", "databases[0] must be a mapping"),
    ],
)
def test_a_mistake_in_databases_is_one_line_and_exit_2(tmp_path: Path, options: str, message: str) -> None:
    code, out = _run(tmp_path, options)
    assert code == 2, out
    lines = out.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], out


def test_a_mistake_in_databases_fails_the_build(tmp_path: Path) -> None:
    site = write_site(tmp_path, "databases:\n  - name: a\n    connection: sqlite:///a.db\n    shemas: [main]\n")
    r = mkdocs_build(site)
    assert r.returncode != 0 and "databases[0] (a): unknown option 'shemas'" in r.stderr


def test_unknown_database_name_and_baseline_needs_one(tmp_path: Path) -> None:
    a, b = sqlite_db(tmp_path / "a.db"), sqlite_db(tmp_path / "b.db")
    options = f"databases:\n  - name: a\n    connection: sqlite:///{a}\n  - name: b\n    connection: sqlite:///{b}\n"
    code, out = _run(tmp_path, options, "diff", "--database", "c")
    assert code == 2 and "no database of that name; its databases: a, b" in out
    code, out = _run(tmp_path, options, "baseline", "1")
    assert code == 2 and "pass --database NAME" in out


def test_sqlite_sections_snapshots_and_per_database_diff(tmp_path: Path) -> None:
    """Two SQLite databases: each its own section, snapshot and drift log; `diff` reports per database."""
    a, b = sqlite_db(tmp_path / "a.db"), sqlite_db(tmp_path / "b.db")
    options = f"databases:\n  - name: a\n    connection: sqlite:///{a}\n  - name: b\n    connection: sqlite:///{b}\n"
    site = write_site(tmp_path / "site", options)
    assert cli("snapshot", cwd=site.root).returncode == 0
    sqlite_execute(b, "ALTER TABLE stores ADD COLUMN bonly TEXT")
    r = cli("diff", cwd=site.root)
    assert r.returncode == 1, r.stderr
    first, second = r.stdout.split("== database b ==")
    assert "no drift" in first and "bonly" in second
    assert cli("diff", "--database", "a", cwd=site.root).returncode == 0
    r = mkdocs_build(site)
    assert r.returncode == 0, r.stderr
    assert "bonly" in visible_text(site.html("schema/b/main/stores/index.html"))
    assert "bonly" not in visible_text(site.html("schema/a/main/stores/index.html"))
    assert {p.name for p in site.root.glob("schema.*")} >= {
        "schema.a.lock.json",
        "schema.b.lock.json",
        "schema.a.drift.json",
        "schema.b.drift.json",
    }
    # `generate --out` writes both sections and the site's pages
    r = cli("generate", "--out", "gen", cwd=site.root)
    assert r.returncode == 0, r.stderr
    for rel in ("schema/index.md", "schema/status.md", "schema/a/main/stores.md", "schema/b/main/stores.md"):
        assert (site.root / "gen" / rel).is_file(), rel


def test_serve_watches_every_database(tmp_path: Path) -> None:
    """Under `mkdocs serve` each database has its own watcher: a change in the second one shows by itself."""
    from test_serve import fetch, served, wait_for

    a, b = sqlite_db(tmp_path / "a.db"), sqlite_db(tmp_path / "b.db")
    options = (
        f"watch_interval: 1\ndatabases:\n  - name: a\n    connection: sqlite:///{a}\n"
        f"  - name: b\n    connection: sqlite:///{b}\n"
    )
    site = write_site(tmp_path / "site", options)
    with served(site.root) as (base, output):
        page = f"{base}/schema/b/main/regions/"
        assert wait_for(page, "region_code", 60) is not None, "serve did not come up"
        sqlite_execute(b, "ALTER TABLE regions ADD COLUMN promocode VARCHAR(12)")
        assert wait_for(page, "promocode", 30) is not None, "the served page never showed the new column"
        assert "region_code" in (other := fetch(f"{base}/schema/a/main/regions/") or "") and "promocode" not in other
    assert "Traceback" not in output[0]


def test_init_ci_passes_every_database_connection_secret(tmp_path: Path) -> None:
    """The drift workflow's `monitor --once` visits every database: each entry's `!ENV` connection is a secret."""
    import yaml
    from github_stand_in import make_repo as repo_of

    repo = repo_of(tmp_path / "git")
    site = write_site(
        repo.work / "docs-site",
        "github: {repository: acme/data-docs}\ndatabases:\n"
        "  - name: ops\n    connection: !ENV OPS_DB\n"
        "  - name: warehouse\n    connection: !ENV [WAREHOUSE_DB, 'postgresql+psycopg://u@h/wh']\n",
    )
    spec = "mkdocs-schema-sync @ git+https://github.com/acme/schema-sync@0123456789abcdef0123456789abcdef01234567"
    r = cli("init-ci", "--install", spec, cwd=site.root, env={"OPS_DB": "sqlite:///ops.db"})
    assert r.returncode == 0, r.stderr
    drift = yaml.safe_load((repo.work / ".github" / "workflows" / "schema-sync-drift.yml").read_text())
    run = drift["jobs"]["monitor"]["steps"][-1]
    assert run["run"] == "mkdocs-schema-sync -f mkdocs.yml monitor --once"
    assert {"OPS_DB", "WAREHOUSE_DB"} <= set(run["env"])
    assert "OPS_DB" in r.stdout and "WAREHOUSE_DB" in r.stdout


@pytest.mark.postgres
def test_a_foreign_table_links_to_its_source_when_that_database_is_in_the_site(tmp_path: Path, pg_db: ServerDB) -> None:
    """PostgreSQL postgres_fdw: the warehouse's foreign table `remote_stores` reads `public.stores` of the
    `sales` database; with both in the site its page links to the stores page of the sales section."""
    import uuid

    from conftest import _pg_admin

    sales = ServerDB(f"sstest_{uuid.uuid4().hex[:10]}", pg_db.host, pg_db.port, pg_db.user)
    with _pg_admin() as conn:
        conn.execute(f'CREATE DATABASE "{sales.name}"')
    try:
        pg_execute(sales, "CREATE TABLE public.stores (id int PRIMARY KEY, city text)")
        pg_execute(
            pg_db,
            "CREATE EXTENSION postgres_fdw; "
            f"CREATE SERVER sales_src FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '{pg_db.host}', "
            f"port '{pg_db.port}', dbname '{sales.name}'); "
            f"CREATE USER MAPPING FOR CURRENT_USER SERVER sales_src OPTIONS (user '{pg_db.user}'); "
            "CREATE FOREIGN TABLE public.remote_stores (id int, city text) SERVER sales_src "
            "OPTIONS (schema_name 'public', table_name 'stores'); "
            "CREATE FOREIGN TABLE public.elsewhere (id int) SERVER sales_src OPTIONS (table_name 'no_such_table')",
        )
        options = (
            f"databases:\n  - name: warehouse\n    connection: {pg_db.url('postgresql+psycopg')}\n"
            "    connect_timeout: 3\n"
            f"  - name: sales\n    title: Sales\n    connection: {sales.url('postgresql+psycopg')}\n"
        )
        site = write_site(tmp_path / "site", options)
        r = mkdocs_build(site)
        assert r.returncode == 0, r.stderr
        page = site.html("schema/warehouse/public/remote_stores/index.html")
        text = visible_text(page)
        assert "Foreign table: its rows live in public.stores of the database " + sales.name in text
        assert (
            'href="../../../sales/public/stores/"' in page and "Documented in this site: Sales: public.stores" in text
        )
        other = visible_text(site.html("schema/warehouse/public/elsewhere/index.html"))
        assert "public.no_such_table" in other and "Documented in this site" not in other
        # the snapshot keeps where a foreign table reads; built from it (warehouse down), the link stays
        assert cli("snapshot", "--database", "warehouse", cwd=site.root).returncode == 0
        assert '"foreign_source"' in (site.root / "schema.warehouse.lock.json").read_text()
        yml = (site.root / "mkdocs.yml").read_text()
        down = pg_db.url("postgresql+psycopg").replace(f":{pg_db.port}/", f":{free_port()}/")
        (site.root / "mkdocs.yml").write_text(yml.replace(pg_db.url("postgresql+psycopg"), down))
        r = mkdocs_build(site)
        assert r.returncode == 0, r.stderr
        page = site.html("schema/warehouse/public/remote_stores/index.html")
        assert "could not be reached" in visible_text(page) and 'href="../../../sales/public/stores/"' in page
    finally:
        with _pg_admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{sales.name}" WITH (FORCE)')


@pytest.mark.mariadb
def test_a_view_and_a_foreign_key_into_another_database_link_to_its_section(
    tmp_path: Path, mariadb_db: ServerDB
) -> None:
    """MariaDB: a view reading `sales`.`stores` and a foreign key into it, from the `shop` database; with
    both in the site, their pages link to the stores page of the sales section."""
    import uuid

    from conftest import _mariadb_admin

    sales = ServerDB(f"sstest_{uuid.uuid4().hex[:10]}", mariadb_db.host, mariadb_db.port, mariadb_db.user)
    conn = _mariadb_admin()
    conn.execute(f"CREATE DATABASE `{sales.name}`")
    conn.close()
    try:
        mariadb_execute(sales, "CREATE TABLE stores (id INT PRIMARY KEY, city VARCHAR(40)) ENGINE=InnoDB")
        mariadb_execute(
            mariadb_db,
            f"CREATE VIEW v_remote AS SELECT s.id, s.city FROM `{sales.name}`.stores AS s;\n"
            "CREATE TABLE orders (id INT PRIMARY KEY, store_id INT, "
            f"FOREIGN KEY (store_id) REFERENCES `{sales.name}`.stores (id)) ENGINE=InnoDB;\n"
            "CREATE VIEW v_local AS SELECT id FROM orders",
        )
        options = (
            f"databases:\n  - name: shop\n    connection: {mariadb_db.url('mysql')}\n"
            f"  - name: sales\n    title: Sales\n    connection: {sales.url('mysql')}\n"
        )
        site = write_site(tmp_path / "site", options)
        r = mkdocs_build(site)
        assert r.returncode == 0, r.stderr
        shop = mariadb_db.name
        link = f'href="../../../sales/{sales.name}/stores/"'
        for page in ("v_remote", "orders"):
            html = site.html(f"schema/shop/{shop}/{page}/index.html")
            assert link in html, page
            assert f"Sales: {sales.name}.stores" in visible_text(html)
        assert "Other databases of this site" not in visible_text(site.html(f"schema/shop/{shop}/v_local/index.html"))
    finally:
        mariadb_execute(mariadb_db, "DROP TABLE IF EXISTS orders")  # its foreign key holds the other database
        conn = _mariadb_admin()
        conn.execute(f"DROP DATABASE IF EXISTS `{sales.name}`")
        conn.close()


def test_deploy_to_a_target_skips_the_databases_without_it(tmp_path: Path) -> None:
    """`deploy --target staging` over every database: the one that has a staging target deploys there."""
    a, b = sqlite_db(tmp_path / "a.db"), sqlite_db(tmp_path / "b.db")
    staging = sqlite_db(tmp_path / "b-staging.db")
    options = (
        f"databases:\n  - name: a\n    connection: sqlite:///{a}\n"
        f"  - name: b\n    connection: sqlite:///{b}\n    deploy:\n      targets:\n        staging: sqlite:///{staging}\n"
    )
    site = write_site(tmp_path / "site", options)
    for name in ("a", "b"):
        folder = site.root / "migrations" / name
        folder.mkdir(parents=True)
        (folder / "001_first.sql").write_text(f"CREATE TABLE deployed_{name} (id INTEGER PRIMARY KEY);\n")
    r = cli("deploy", "--target", "staging", cwd=site.root)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "no deploy target 'staging' for database a: skipped" in r.stdout
    assert "deployed_b" in sqlite_tables(staging)
    assert not {"deployed_a", "deployed_b"} & (sqlite_tables(a) | sqlite_tables(b))
    r = cli("deploy", "--target", "staging", "--database", "a", cwd=site.root)  # named: a mistake
    assert r.returncode == 2 and "unknown deploy target 'staging'" in r.stderr


def test_validate_without_contract_files_names_each_databases_own_file(tmp_path: Path) -> None:
    """The empty report of a database with no contract file names its file, `contracts.<name>.yml`."""
    import json

    a, b = sqlite_db(tmp_path / "a.db"), sqlite_db(tmp_path / "b.db")
    options = f"databases:\n  - name: a\n    connection: sqlite:///{a}\n  - name: b\n    connection: sqlite:///{b}\n"
    site = write_site(tmp_path / "site", options)
    r = cli("validate", "--format", "json", "--database", "b", cwd=site.root)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["file"] == "contracts.b.yml" and "contracts.b.yml does not exist" in r.stderr
    r = cli("validate", cwd=site.root)
    assert r.returncode == 0, r.stderr
    first, second = r.stdout.split("== database b ==")
    assert "contracts.a.yml" in first and "contracts.b.yml" in second and "contracts.yml" not in r.stdout


def test_init_ci_passes_each_databases_own_webhook_secret(tmp_path: Path) -> None:
    """An entry's own `notify` secret and `github.token_env` reach the drift (and docs) workflows."""
    import yaml
    from github_stand_in import make_repo as repo_of

    repo = repo_of(tmp_path / "git")
    site = write_site(
        repo.work,
        "github: {repository: acme/data-docs}\nnotify:\n  - url: !ENV SITE_HOOK\ndatabases:\n"
        "  - name: ops\n    connection: sqlite:///ops.db\n    notify:\n      - url: !ENV OPS_HOOK\n        kind: slack\n"
        "  - name: wh\n    connection: sqlite:///wh.db\n    github: {token_env: WH_TOKEN}\n",
    )
    spec = "mkdocs-schema-sync @ git+https://github.com/acme/schema-sync@0123456789abcdef0123456789abcdef01234567"
    r = cli("init-ci", "--install", spec, cwd=site.root)
    assert r.returncode == 0, r.stderr
    for name, job in (("schema-sync-drift.yml", "monitor"), ("schema-sync-docs.yml", "build")):
        wf = yaml.safe_load((repo.work / ".github" / "workflows" / name).read_text())
        assert {"SITE_HOOK", "OPS_HOOK"} <= set(wf["jobs"][job]["steps"][-1 if job == "monitor" else -2]["env"])
    assert "OPS_HOOK" in r.stdout
    monitor = yaml.safe_load((repo.work / ".github" / "workflows" / "schema-sync-drift.yml").read_text())
    env = monitor["jobs"]["monitor"]["steps"][-1]["env"]  # an entry's own token variable gets the token too
    assert env["WH_TOKEN"] == env["GITHUB_TOKEN"] == "${{ secrets.SCHEMA_SYNC_TOKEN || github.token }}"
