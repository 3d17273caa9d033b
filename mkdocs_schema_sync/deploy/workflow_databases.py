"""The deploy workflow of a site with `databases:`: every database's targets, in one file.

The single-connection form keeps `workflow.deploy_workflow` (its output is pinned). Here, in the order
of `databases:` and each database's `deploy.targets`: on a pull request, one plan job per database
(`plan --database NAME --target FIRST`); on a push, `deploy --database NAME --target T` per database and
target, the targets of one database in turn (each job given only its target's secrets, in the GitHub
environment of the target's name), the databases side by side. The last job needs every deploy and
commits every deployed database's snapshot, taking each with only that database's secrets.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from typing import Any

from ..errors import SchemaSyncError
from .workflow import COMMIT_SNAPSHOT, PLAN_SCRIPT, Target, check_values, dump, job_id, plain, secrets_env, setup_steps


@dataclass
class DatabaseDeploy:
    """One `databases:` entry with deploy targets; paths relative to the repository root."""

    name: str
    targets: list[Target]
    migrations: str
    snapshot: str | None = None
    env: list[str] = field(default_factory=list)  # what its `connection` reads (for taking the snapshot)


def databases_deploy_workflow(*, databases: list[DatabaseDeploy], config: str, branch: str, install: list[str]) -> str:
    """The workflow's YAML for every database that names deploy targets."""
    if not databases or not all(d.targets for d in databases):
        raise SchemaSyncError("deploy workflow: no database of `databases:` names a deploy target")
    check_values(config=config, branch=branch)
    q = shlex.quote
    jobs: dict[str, Any] = {}
    taken = {"snapshot"}
    for d in databases:
        check_values(migrations=d.migrations, database=d.name)
        first = d.targets[0]
        jobs[job_id("plan", d.name, taken)] = {
            "if": "github.event_name == 'pull_request'",
            "runs-on": "ubuntu-latest",
            "timeout-minutes": 15,
            "env": secrets_env(first.env),
            "steps": [
                *setup_steps(install),
                {
                    "name": f"Plan {d.name} against {first.name} (into the job summary)",
                    "run": PLAN_SCRIPT.format(
                        config=q(config),
                        args=f"--database {q(d.name)} --target {q(first.name)}",
                        shown=f"{d.name} {first.name}",
                    ),
                },
            ],
        }
    last: list[str] = []
    for d in databases:
        previous: str | None = None
        for t in d.targets:
            jid = job_id("deploy", f"{d.name}-{t.name}", taken)
            job: dict[str, Any] = {"if": "github.event_name != 'pull_request'"}
            if previous:
                job["needs"] = previous
            job.update(_deploy_job(d.name, t, config, install))
            jobs[jid] = job
            previous = jid
        assert previous is not None
        last.append(previous)
    snapshots = [d for d in databases if d.snapshot is not None]
    if snapshots:
        jobs["snapshot"] = _snapshot_job(snapshots, last, config, branch, install)
    folders = [d.migrations.strip("/") for d in databases]
    secrets = sorted({n for d in databases for t in d.targets for n in t.env} | {n for d in snapshots for n in d.env})
    header = (
        "Written by `mkdocs-schema-sync init-ci`: deploys each database's SQL files to its targets, in order:\n"
        + "".join(
            f"  {d.name}: {d.migrations.strip('/')}/ to {', '.join(t.name for t in d.targets)}\n" for d in databases
        )
        + f"Secrets (repository or environment secrets): {', '.join(secrets) or 'none'}.\n"
        "Give the GitHub environments of the later targets required reviewers."
    )
    paths = [*(f"{f}/**" for f in folders), config]
    workflow = {
        "name": "schema deploy",
        "on": {
            "pull_request": {"paths": paths},
            "push": {"branches": [branch], "paths": paths},
            "workflow_dispatch": None,
        },
        "permissions": {"contents": "read"},
        "jobs": jobs,
    }
    return dump(header, workflow)


def _deploy_job(database: str, t: Target, config: str, install: list[str]) -> dict[str, Any]:
    q = shlex.quote
    return {
        "runs-on": "ubuntu-latest",
        "timeout-minutes": 30,
        "environment": t.name,
        "concurrency": {"group": f"schema-deploy-{database}-{t.name}", "cancel-in-progress": False},
        "env": secrets_env(t.env),
        "steps": [
            *setup_steps(install),
            {
                "name": f"Deploy {database} to {t.name}",
                "run": f"mkdocs-schema-sync -f {q(config)} deploy --database {q(database)} "
                f"--target {q(t.name)} --lock-wait 300",
            },
        ],
    }


def _snapshot_job(
    databases: list[DatabaseDeploy], needs: list[str], config: str, branch: str, install: list[str]
) -> dict[str, Any]:
    """One snapshot per database (each step with only its own secrets), then one commit of them all."""
    q = shlex.quote
    steps: list[dict[str, Any]] = [*setup_steps(install, ref=branch)]
    for d in databases:
        steps.append(
            {
                "name": f"Snapshot of {d.name}",
                "env": secrets_env(d.env),
                "run": f"mkdocs-schema-sync -f {q(config)} snapshot --database {q(d.name)}",
            }
        )
    files = " ".join(q(plain(d.snapshot or "", "snapshot")) for d in databases)
    steps.append(
        {
            "name": "Commit the snapshots of the deployed databases",
            "run": COMMIT_SNAPSHOT.format(take="", snapshot=files, branch=q(branch), sha="${GITHUB_SHA::12}"),
        }
    )
    return {
        "needs": needs[0] if len(needs) == 1 else needs,
        "if": "github.event_name != 'pull_request'",
        "runs-on": "ubuntu-latest",
        "timeout-minutes": 15,
        "permissions": {"contents": "write"},
        "concurrency": {"group": "schema-deploy-snapshot", "cancel-in-progress": False},
        "steps": steps,
    }
