"""The GitHub Actions workflow that deploys `migrations/` (init-ci writes it beside the others).

Jobs follow `deploy.targets`, in their order: on a pull request that touches the
migrations, `plan --target FIRST` goes into the job summary (HTML-escaped: file
and column names are untrusted); on a push to the default branch, `deploy
--target NAME` for each target in turn, each in the GitHub environment of its
name (give the later ones required reviewers), each job given only the secrets
its own connection reads (`!ENV VAR` / `${VAR}` in mkdocs.yml). A last job takes
the snapshot after the deploy and commits it to the default branch, so the
repository and the database agree again.

Every value from outside (file names, branch) reaches YAML through the dumper
and the shell through `shlex.quote`; `${{` is refused (GitHub would evaluate it).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from typing import Any

import yaml

from ..errors import SchemaSyncError

PYTHON = "3.12"
_BRANCH = re.compile(r"^(?!-)[A-Za-z0-9._/-]+$")


@dataclass
class Target:
    name: str
    env: list[str] = field(default_factory=list)  # the variables its connection reads (repository secrets)


def plain(value: str, what: str) -> str:
    """Refuse what no quoting makes safe in a workflow: new lines and GitHub expressions."""
    if not value or "\n" in value or "\r" in value or "${{" in value or "\x00" in value:
        raise SchemaSyncError(f"workflow: {what} {value!r} may not be empty or hold a new line or `${{{{`")
    return value


def secrets_env(names: list[str]) -> dict[str, str]:
    return {n: f"${{{{ secrets.{n} }}}}" for n in names}


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:  # no &id001 anchors: each job reads on its own
        return True


def _str(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _str)


def _without_empty_env(value: Any) -> Any:
    """actionlint refuses `env: {}` (a job whose connection reads no secret)."""
    if isinstance(value, dict):
        return {k: _without_empty_env(v) for k, v in value.items() if not (k == "env" and not v)}
    if isinstance(value, list):
        return [_without_empty_env(v) for v in value]
    return value


def dump(header: str, workflow: dict[str, Any]) -> str:
    """`header` (comment lines) and the workflow as YAML; strings are quoted by the dumper, never by hand."""
    text = yaml.dump(_without_empty_env(workflow), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1000)
    comments = "".join(f"# {line}\n".replace("# \n", "#\n") for line in header.splitlines())
    return comments + text


def checkout(**with_: Any) -> dict[str, Any]:
    step: dict[str, Any] = {"uses": "actions/checkout@v4"}
    if with_:
        step["with"] = with_
    return step


def setup_steps(install: list[str], **checkout_with: Any) -> list[dict[str, Any]]:
    return [
        checkout(**checkout_with),
        {"uses": "actions/setup-python@v5", "with": {"python-version": PYTHON}},
        {"name": "Install", "run": "\n".join(install)},
    ]


def job_id(prefix: str, name: str, taken: set[str]) -> str:
    base = f"{prefix}-{re.sub(r'[^A-Za-z0-9_-]', '_', name)}"
    out, n = base, 2
    while out in taken:
        out, n = f"{base}-{n}", n + 1
    taken.add(out)
    return out


PLAN_SCRIPT = """\
status=0
mkdocs-schema-sync -f {config} plan {args} > plan.txt 2>&1 || status=$?
{{
  echo "### Deploy plan against {shown} (exit code $status)"
  echo "<pre>"
  sed -e 's/&/\\&amp;/g' -e 's/</\\&lt;/g' -e 's/>/\\&gt;/g' plan.txt
  echo "</pre>"
}} >> "$GITHUB_STEP_SUMMARY"
cat plan.txt
exit "$status\""""

COMMIT_SNAPSHOT = """\
{take}git add -- {snapshot}
if git diff --cached --quiet; then echo "the snapshot already matches the database"; exit 0; fi
git -c user.name="schema-sync" -c user.email="schema-sync@users.noreply.github.com" \\
  commit -q -m "Snapshot after deploy ({sha})"
for try in 1 2 3; do
  git push origin "HEAD:{branch}" && exit 0
  git pull -q --rebase origin {branch}
done
exit 1"""


def check_values(**values: str) -> None:
    """Paths stay inside the repository, the branch is a branch name, nothing needs quoting YAML cannot do."""
    for what, value in values.items():
        plain(value, what)
        if ".." in value.split("/"):
            raise SchemaSyncError(f"deploy workflow: {what} {value!r} may not hold `..`")
    if not _BRANCH.match(values.get("branch", "main")):
        raise SchemaSyncError(f"deploy workflow: branch {values['branch']!r} is not a branch name")


def deploy_workflow(
    *,
    targets: list[Target],
    config: str = "mkdocs.yml",
    migrations: str = "migrations",
    branch: str = "main",
    install: list[str] | None = None,
    snapshot: str | None = "schema.lock.json",
    snapshot_env: list[str] | None = None,
) -> str:
    """The workflow's YAML. Paths are relative to the repository root."""
    if not targets:
        raise SchemaSyncError("deploy workflow: `deploy.targets` names no target")
    check_values(config=config, migrations=migrations, branch=branch)
    install = install or ["pip install 'mkdocs-schema-sync[postgres]'"]
    folder = migrations.strip("/")
    q = shlex.quote
    first = targets[0]
    jobs: dict[str, Any] = {}
    taken = {"plan", "snapshot"}
    jobs["plan"] = {
        "if": "github.event_name == 'pull_request'",
        "runs-on": "ubuntu-latest",
        "timeout-minutes": 15,
        "env": secrets_env(first.env),
        "steps": [
            *setup_steps(install),
            {
                "name": f"Plan against {first.name} (into the job summary)",
                "run": PLAN_SCRIPT.format(config=q(config), args=f"--target {q(first.name)}", shown=first.name),
            },
        ],
    }
    previous: str | None = None
    for t in targets:
        jid = job_id("deploy", t.name, taken)
        job: dict[str, Any] = {"if": "github.event_name != 'pull_request'"}
        if previous:
            job["needs"] = previous
        job.update(
            {
                "runs-on": "ubuntu-latest",
                "timeout-minutes": 30,
                "environment": t.name,
                "concurrency": {"group": f"schema-deploy-{t.name}", "cancel-in-progress": False},
                "env": secrets_env(t.env),
                "steps": [
                    *setup_steps(install),
                    {
                        "name": f"Deploy to {t.name}",
                        "run": f"mkdocs-schema-sync -f {q(config)} deploy --target {q(t.name)} --lock-wait 300",
                    },
                ],
            }
        )
        jobs[jid] = job
        previous = jid
    if snapshot is not None:
        plain(snapshot, "snapshot")
        jobs["snapshot"] = {
            "needs": previous,
            "if": "github.event_name != 'pull_request'",
            "runs-on": "ubuntu-latest",
            "timeout-minutes": 15,
            "permissions": {"contents": "write"},
            "concurrency": {"group": "schema-deploy-snapshot", "cancel-in-progress": False},
            "env": secrets_env(snapshot_env or []),
            "steps": [
                *setup_steps(install, ref=branch),
                {
                    "name": "Commit the snapshot of the deployed database",
                    "run": COMMIT_SNAPSHOT.format(
                        take=f"mkdocs-schema-sync -f {q(config)} snapshot\n",
                        snapshot=q(snapshot),
                        branch=q(branch),
                        sha="${GITHUB_SHA::12}",
                    ),
                },
            ],
        }
    names = ", ".join(t.name for t in targets)
    secrets = sorted({n for t in targets for n in t.env} | set(snapshot_env or []))
    header = (
        f"Written by `mkdocs-schema-sync init-ci`: deploys the SQL files in {folder}/ to {names}, in that order.\n"
        f"Secrets (repository or environment secrets): {', '.join(secrets) or 'none'}.\n"
        "Give the GitHub environments of the later targets required reviewers."
    )
    workflow = {
        "name": "schema deploy",
        "on": {
            "pull_request": {"paths": [f"{folder}/**", config]},
            "push": {"branches": [branch], "paths": [f"{folder}/**", config]},
            "workflow_dispatch": None,
        },
        "permissions": {"contents": "read"},
        "jobs": jobs,
    }
    return dump(header, workflow)
