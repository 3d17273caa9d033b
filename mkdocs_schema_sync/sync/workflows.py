"""`init-ci`: the GitHub Actions workflows that run the loop without anyone at a terminal.

Two files, three with deploy targets:
- `schema-sync-drift.yml`: on a schedule (GitHub cron is UTC), `monitor --once`
  opens or updates the drift pull request. A `concurrency` group keeps two runs
  from overlapping; permissions are the least that work (contents and
  pull-requests: write). The token is a repository secret: a pull request
  opened with the workflow's own GITHUB_TOKEN triggers no other workflow, so
  the docs check would not run on it; a PAT or GitHub App token does.
- `schema-sync-docs.yml`: on pull requests, `mkdocs build --strict` (a broken
  contract fails the check); on pushes to the default branch (a merged drift PR
  among them), `mkdocs build` without --strict, published to GitHub Pages, so the
  contracts page that shows a break goes out too.
- `schema-deploy.yml` (when `deploy.targets` names targets): `deploy/workflow.py`; with `databases:`,
  every database's targets (`deploy/workflow_databases.py`).

Each job gets, as repository secrets, exactly the environment variables the
options read (`!ENV VAR`, `${VAR}`: `config_refs`); a literal password in
mkdocs.yml is refused. The install step installs what this copy was installed
from (`install_spec`) and the driver the configured database needs.
"""

from __future__ import annotations

import contextlib
import os
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..catalog.snapshot import read_snapshot, snapshot_exists
from ..deploy.targets import parse_deploy
from ..deploy.workflow import Target, deploy_workflow, dump, plain, secrets_env, setup_steps
from ..deploy.workflow_databases import DatabaseDeploy, databases_deploy_workflow
from ..dialects import dialect_for_odbc_driver, dialect_for_scheme
from ..errors import SchemaSyncError
from ..masking import mask
from ..settings import DEFAULT_SCHEDULE, Settings
from .config_refs import EnvRef, check_secret_name, env_names, raw_plugin_options

DRIFT_FILE = "schema-sync-drift.yml"
DOCS_FILE = "schema-sync-docs.yml"
DEPLOY_FILE = "schema-deploy.yml"  # only when the `deploy` option names targets (deploy/workflow.py)

#: the pip extra (and apt packages, where no pip package brings the driver) each database needs on a runner
DRIVERS: dict[str, tuple[list[str], list[str]]] = {
    "postgresql": (["postgres"], []),  # psycopg: use postgresql+psycopg:// in the secret
    "mssql": (["mssql"], []),
    "mysql": ([], ["odbc-mariadb"]),
    "sqlite": ([], []),
}


@dataclass
class CiOptions:
    schedule: str = DEFAULT_SCHEDULE
    config: str = "mkdocs.yml"  # mkdocs.yml relative to its folder (workdir)
    workdir: str = "."  # the folder of mkdocs.yml, relative to the repository root
    install: list[str] = field(default_factory=lambda: ["pip install 'mkdocs-schema-sync[postgres]'"])
    token_secret: str = "SCHEMA_SYNC_TOKEN"
    token_env: str = "GITHUB_TOKEN"
    more_token_env: list[str] = field(default_factory=list)  # `databases:` entries reading the token elsewhere
    branch: str = "main"
    connection_env: list[str] = field(default_factory=list)  # what `connection` reads
    notify_env: list[str] = field(default_factory=list)  # what `notify` reads
    deploys: list[DatabaseDeploy] = field(default_factory=list)  # every database with deploy targets
    # the single-connection form's deploy (its workflow's form is pinned); None: none, or `databases:`
    targets: list[Target] = field(default_factory=list)
    migrations: str | None = None  # the deploy folder relative to the repository root
    snapshot: str | None = None  # relative to the repository root
    dialects: list[str] = field(default_factory=list)

    @property
    def config_path(self) -> str:
        return self.config if self.workdir == "." else f"{self.workdir}/{self.config}"


def _q(text: str) -> str:
    return shlex.quote(text)


def drift_workflow(o: CiOptions) -> str:
    token = f"${{{{ secrets.{o.token_secret} || github.token }}}}"
    env = {**secrets_env(o.connection_env + o.notify_env), **{n: token for n in [o.token_env, *o.more_token_env]}}
    header = (
        "Written by `mkdocs-schema-sync init-ci`. Drift in the database becomes one pull request.\n"
        f"The schedule is UTC. Repository secrets: {', '.join([*o.connection_env, *o.notify_env, o.token_secret])}\n"
        f"({o.token_secret}: a fine-grained PAT or GitHub App token with contents and pull-requests: write;\n"
        "with the workflow's own GITHUB_TOKEN the pull request triggers no other workflow)."
    )
    workflow = {
        "name": "schema-sync drift",
        "on": {"schedule": [{"cron": o.schedule}], "workflow_dispatch": None},
        "concurrency": {"group": "schema-sync-drift", "cancel-in-progress": False},
        "permissions": {"contents": "write", "pull-requests": "write"},
        "jobs": {
            "monitor": {
                "runs-on": "ubuntu-latest",
                "timeout-minutes": 20,
                "defaults": {"run": {"working-directory": o.workdir}},
                "steps": [
                    *setup_steps(o.install, **{"fetch-depth": 0, "token": token}),
                    {
                        "name": "One monitor pass",
                        "env": env,
                        "run": f"mkdocs-schema-sync -f {_q(o.config)} monitor --once",
                    },
                ],
            }
        },
    }
    return dump(header, workflow)


def docs_workflow(o: CiOptions) -> str:
    env = secrets_env(o.connection_env + o.notify_env)
    build = f'mkdocs build -f {_q(o.config)} --site-dir "$GITHUB_WORKSPACE/_site"'
    header = (
        "Written by `mkdocs-schema-sync init-ci`. Pull requests: `mkdocs build --strict` (a broken contract\n"
        "fails the check). The default branch: the site is built from the live database and published,\n"
        "broken contracts shown on it."
    )
    workflow = {
        "name": "schema-sync docs",
        "on": {"pull_request": None, "push": {"branches": [o.branch]}, "workflow_dispatch": None},
        "concurrency": {"group": "schema-sync-pages-${{ github.ref }}", "cancel-in-progress": False},
        "permissions": {"contents": "read"},
        "jobs": {
            "check": {
                "if": "github.event_name == 'pull_request'",
                "runs-on": "ubuntu-latest",
                "timeout-minutes": 20,
                "defaults": {"run": {"working-directory": o.workdir}},
                "steps": [
                    *setup_steps(o.install),
                    {"name": "Build (strict)", "env": env, "run": build.replace("build", "build --strict", 1)},
                ],
            },
            "build": {
                "if": "github.event_name != 'pull_request'",
                "runs-on": "ubuntu-latest",
                "timeout-minutes": 20,
                "defaults": {"run": {"working-directory": o.workdir}},
                "steps": [
                    *setup_steps(o.install),
                    {"name": "Build", "env": env, "run": build},
                    {"uses": "actions/upload-pages-artifact@v3", "with": {"path": "_site"}},
                ],
            },
            "deploy": {
                "needs": "build",
                "runs-on": "ubuntu-latest",
                "permissions": {"pages": "write", "id-token": "write"},
                "environment": {"name": "github-pages", "url": "${{ steps.deployment.outputs.page_url }}"},
                "steps": [{"id": "deployment", "uses": "actions/deploy-pages@v4"}],
            },
        },
    }
    return dump(header, workflow)


# --------------------------------------------------------------------------- reading the options


def _refuse_literal_secret(value: Any, where: str) -> None:
    """A password written into mkdocs.yml would be committed: refuse, pointing at `!ENV`."""
    if not isinstance(value, str) or "${" in value:
        return
    text = value.strip()
    has_password = False
    if "://" in text:
        try:
            has_password = bool(urlsplit(text).password)
        except ValueError:
            has_password = False
    elif "=" in text:
        keys = (p.partition("=")[0].strip().upper() for p in text.split(";"))
        has_password = any(k in ("PWD", "PASSWORD") for k in keys)
    if has_password:
        raise SchemaSyncError(
            f"{where} holds a password in mkdocs.yml ({mask(text)}), which would be committed: write "
            f"`!ENV VARIABLE` (or `${{VARIABLE}}` for the password alone) and set a repository secret of that name"
        )


def _dialect_of(text: Any) -> str | None:
    if not isinstance(text, str) or not text.strip():
        return None
    text = text.strip()
    if "://" in text:
        d = dialect_for_scheme(text.split("://", 1)[0].split("+", 1)[0].lower())
        return d.name if d else None
    for part in text.split(";"):
        key, _, val = part.partition("=")
        if key.strip().upper() == "DRIVER":
            d = dialect_for_odbc_driver(val.strip().strip("{}"))
            return d.name if d else None
    return None


def _resolved(value: Any) -> Any:
    """An `!ENV` value as the environment gives it now (for guessing the database kind), else its default."""
    if isinstance(value, EnvRef):
        for name in value.names:
            if os.environ.get(name):
                return os.environ[name]
        return value.default
    return value


def _secrets(value: Any, where: str) -> list[str]:
    _refuse_literal_secret(value, where)
    return [check_secret_name(n, where) for n in env_names(value)]


def options_for(
    databases: list[Settings], repo_root: Path, config_file: Path, schedule: str | None, branch: str
) -> CiOptions:
    """The workflows' options from every documented database (one, or each entry of `databases:`)."""
    settings = databases[0]
    config = config_file.resolve()
    try:
        rel_config = config.relative_to(repo_root.resolve()).as_posix()
    except ValueError:
        raise SchemaSyncError(f"{config_file} is outside the repository {repo_root}") from None
    workdir = Path(rel_config).parent.as_posix()
    opts = CiOptions(schedule=schedule or settings.monitor_schedule, branch=plain(branch, "branch"))
    opts.workdir = plain(workdir or ".", "folder")
    opts.config = plain(Path(rel_config).name, "config file name")
    if settings.github is not None:
        opts.token_env = settings.github.token_env
    tokens = {s.github.token_env for s in databases if s.github is not None} - {opts.token_env}
    opts.more_token_env = sorted(tokens)
    raw = raw_plugin_options(config_file)
    multi = settings.name is not None
    entries = [e if isinstance(e, dict) else {} for e in raw.get("databases") or []] if multi else [raw]
    kinds: list[str | None] = []
    for s, entry in zip(databases, entries, strict=False):
        where = f"`databases` entry {s.name!r}: " if multi else ""
        own = _secrets(entry.get("connection"), f"{where}`connection`")
        opts.connection_env += [n for n in own if n not in opts.connection_env]
        kinds.append(_dialect_of(_resolved(entry.get("connection"))) or _dialect_of(s.connection))
        deploy = _deploy_of(s, entry, own, repo_root, workdir, where, kinds)
        if deploy is not None:
            opts.deploys.append(deploy)
    notify = [(raw.get("notify"), "`notify`")]  # the site's webhooks, and with `databases:` each entry's own
    if multi:
        notify += [
            (e.get("notify"), f"`databases` entry {s.name!r}: `notify`")
            for s, e in zip(databases, entries, strict=False)
        ]
    for value, where in notify:
        opts.notify_env += [n for n in _secrets(value, where) if n not in opts.connection_env + opts.notify_env]
    if not multi and opts.deploys:  # the single-connection form: its workflow as it always was
        only = opts.deploys[0]
        opts.targets, opts.migrations, opts.snapshot = only.targets, only.migrations, only.snapshot
    for s in databases:
        if not any(kinds) and s.snapshot is not None and snapshot_exists(s.snapshot):
            with contextlib.suppress(SchemaSyncError):
                kinds.append(read_snapshot(s.snapshot).dialect)
    opts.dialects = list(dict.fromkeys(k for k in kinds if k))
    return opts


def _deploy_of(
    s: Settings, raw: dict[str, Any], env: list[str], repo_root: Path, workdir: str, where: str, kinds: list[str | None]
) -> DatabaseDeploy | None:
    """One database's deploy targets, folder and snapshot (None without targets); adds the targets' kinds."""
    raw_deploy = raw.get("deploy") if isinstance(raw.get("deploy"), dict) else {}
    raw_targets = raw_deploy.get("targets") if isinstance(raw_deploy.get("targets"), dict) else {}
    deploy = parse_deploy(s.deploy)
    targets = []
    for name in deploy.targets:
        value = raw_targets.get(name)
        targets.append(Target(name, _secrets(value, f"{where}`deploy.targets.{name}`")))
        # a target whose kind nothing tells (an unset `!ENV`): PostgreSQL, the common case (psycopg, harmless else)
        kinds.append(_dialect_of(_resolved(value)) or _dialect_of(deploy.targets[name]) or "postgresql")
    if not targets:
        return None
    snapshot = None
    if s.snapshot is not None:
        with contextlib.suppress(ValueError):
            snapshot = s.snapshot.resolve().relative_to(repo_root.resolve()).as_posix()
    migrations = (Path(workdir) / deploy.migrations).as_posix().removeprefix("./")
    return DatabaseDeploy(s.name or "", targets, migrations, snapshot, env)


def driver_extras(opts: CiOptions) -> tuple[list[str], list[str]]:
    """The pip extras and apt packages for the configured databases (PostgreSQL when nothing says)."""
    extras: list[str] = []
    apt: list[str] = []
    for kind in opts.dialects or ["postgresql"]:
        e, a = DRIVERS.get(kind, ([], []))
        extras += e
        apt += a
    return list(dict.fromkeys(extras)), list(dict.fromkeys(apt))


def install_lines(spec: str, apt: list[str]) -> list[str]:
    lines = []
    if apt:
        lines.append(f"sudo apt-get update -q && sudo apt-get install -y -q {' '.join(apt)}")
    # one requirement is one shell word; `-r requirements.txt` and the like are split as the user wrote them
    lines.append("pip install " + (shlex.join(shlex.split(spec)) if spec.startswith("-") else _q(spec)))
    return lines


def write_workflows(folder: Path, opts: CiOptions, *, force: bool) -> list[Path]:
    """Write the files into `folder` (.github/workflows); refuses to overwrite unless `force`."""
    files = {DRIFT_FILE: drift_workflow(opts), DOCS_FILE: docs_workflow(opts)}
    if opts.deploys and opts.migrations is None:  # `databases:`: every database's targets
        files[DEPLOY_FILE] = databases_deploy_workflow(
            databases=opts.deploys, config=opts.config_path, branch=opts.branch, install=opts.install
        )
    elif opts.migrations is not None:
        files[DEPLOY_FILE] = deploy_workflow(
            targets=opts.targets,
            config=opts.config_path,
            migrations=opts.migrations,
            branch=opts.branch,
            install=opts.install,
            snapshot=opts.snapshot,
            snapshot_env=opts.connection_env,
        )
    existing = [folder / name for name in files if (folder / name).exists()]
    if existing and not force:
        names = ", ".join(str(p) for p in existing)
        raise SchemaSyncError(f"{names} already exist(s): pass --force to overwrite", exit_code=1)
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
        out.append(folder / name)
    return out
