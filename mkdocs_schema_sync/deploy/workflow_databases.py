"""The deploy workflow of a site with `databases:`: every database's targets, in one file.

The single-connection form keeps `workflow.deploy_workflow` (its output is pinned). Here, in the order
of `databases:` and each database's `deploy.targets`: on a pull request, one plan job per database
(`plan --database NAME --target FIRST`); on a push, `deploy --database NAME --target T` per database and
target, the targets of one database in turn (each job given only its target's secrets, in the GitHub
environment `NAME-T`: two databases' `production` targets are two environments, each with its own
secrets and reviewers), the databases side by side. Each database then has its own snapshot job, which
needs only that database's last deploy, takes its snapshot with only its secrets and commits it: a
failed deploy of one database skips its snapshot, never another's.
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


def environment_of(database: str, target: str) -> str:
    """The GitHub environment of a database's deploy target: `ops-production` (environment secrets and
    required reviewers are per environment, so two databases' `production` must not share one)."""
    return f"{database}-{target}"


def deploy_environments(databases: list[DatabaseDeploy]) -> list[tuple[str, list[str]]]:
    """(environment, the secrets its deploy job reads) for every database and target, in the workflow's order.
    Two pairs whose names run together (`a-b` + `c`, `a` + `b-c`; GitHub compares them ignoring case) are refused."""
    out: list[tuple[str, list[str]]] = []
    seen: dict[str, str] = {}
    for d in databases:
        for t in d.targets:
            name = environment_of(d.name, t.name)
            this = f"database {d.name!r} target {t.name!r}"
            other = seen.setdefault(name.casefold(), this)
            if other != this:
                raise SchemaSyncError(
                    f"deploy workflow: {other} and {this} would share the GitHub environment {name!r}; "
                    "rename a database or a target"
                )
            out.append((name, list(t.env)))
    return out


def databases_deploy_workflow(*, databases: list[DatabaseDeploy], config: str, branch: str, install: list[str]) -> str:
    """The workflow's YAML for every database that names deploy targets."""
    if not databases or not all(d.targets for d in databases):
        raise SchemaSyncError("deploy workflow: no database of `databases:` names a deploy target")
    check_values(config=config, branch=branch)
    environments = deploy_environments(databases)
    q = shlex.quote
    jobs: dict[str, Any] = {}
    taken: set[str] = set()
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
    last: dict[str, str] = {}
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
        last[d.name] = previous
    snapshots = [d for d in databases if d.snapshot is not None]
    for d in snapshots:  # each after its own database's deploys only
        jobs[job_id("snapshot", d.name, taken)] = _snapshot_job(d, last[d.name], config, branch, install)
    folders = [d.migrations.strip("/") for d in databases]
    secrets = sorted({n for d in databases for t in d.targets for n in t.env} | {n for d in snapshots for n in d.env})
    header = (
        "Written by `mkdocs-schema-sync init-ci`: deploys each database's SQL files to its targets, in order:\n"
        + "".join(
            f"  {d.name}: {d.migrations.strip('/')}/ to {', '.join(t.name for t in d.targets)}\n" for d in databases
        )
        + f"Secrets (repository or environment secrets): {', '.join(secrets) or 'none'}.\n"
        + f"Each deploy job runs in the GitHub environment DATABASE-TARGET: {', '.join(e for e, _ in environments)}.\n"
        "Give the environments of the later targets required reviewers."
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
        "environment": environment_of(database, t.name),
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


def _snapshot_job(d: DatabaseDeploy, needs: str, config: str, branch: str, install: list[str]) -> dict[str, Any]:
    """The database's snapshot, taken with only its own secrets and committed (a rebase retries a push that another
    database's snapshot job beat: the files differ, so it never conflicts)."""
    q = shlex.quote
    return {
        "needs": needs,
        "if": "github.event_name != 'pull_request'",
        "runs-on": "ubuntu-latest",
        "timeout-minutes": 15,
        "permissions": {"contents": "write"},
        # one group per database: a third job queued in a shared group would cancel the pending second one
        "concurrency": {"group": f"schema-deploy-snapshot-{d.name}", "cancel-in-progress": False},
        "env": secrets_env(d.env),
        "steps": [
            *setup_steps(install, ref=branch),
            {
                "name": f"Commit the snapshot of {d.name}",
                "run": COMMIT_SNAPSHOT.format(
                    take=f"mkdocs-schema-sync -f {q(config)} snapshot --database {q(d.name)}\n",
                    snapshot=q(plain(d.snapshot or "", "snapshot")),
                    branch=q(branch),
                    sha="${GITHUB_SHA::12}",
                ),
            },
        ],
    }
