"""`init-ci`: the GitHub Actions workflows that run the loop without anyone at a terminal.

Two files, three with deploy targets:
- `schema-sync-drift.yml`: on a schedule (GitHub cron is UTC), `monitor --once`
  opens or updates the drift pull request. A `concurrency` group keeps two runs
  from overlapping; permissions are the least that work (contents and
  pull-requests: write). The token is a repository secret: a pull request
  opened with the workflow's own GITHUB_TOKEN triggers no other workflow, so
  the docs check would not run on it; a PAT or GitHub App token does.
- `schema-sync-docs.yml`: on pushes to the default branch (a merged drift PR
  among them), build the site with `mkdocs build --strict` and deploy it to
  GitHub Pages.
- `schema-deploy.yml` (when the `deploy` option names targets): the other
  direction, `deploy/workflow.py`'s plan on PRs and deploys to staging, then
  production.

Secrets (the connection string, the token) come from repository secrets, never
from the files.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from pathlib import Path

from ..deploy.workflow import deploy_workflow
from ..errors import SchemaSyncError
from ..settings import DEFAULT_SCHEDULE, Settings

DRIFT_FILE = "schema-sync-drift.yml"
DOCS_FILE = "schema-sync-docs.yml"
DEPLOY_FILE = "schema-deploy.yml"  # only when the `deploy` option names targets (deploy/workflow.py)


@dataclass
class CiOptions:
    schedule: str = DEFAULT_SCHEDULE
    config: str = "mkdocs.yml"  # mkdocs.yml relative to the repository root
    workdir: str = "."  # the folder of mkdocs.yml, relative to the repository root
    python: str = "3.11"
    install: str = "mkdocs-schema-sync[postgres,site]"
    connection_secret: str = "SCHEMA_SYNC_CONNECTION"
    token_secret: str = "SCHEMA_SYNC_TOKEN"
    token_env: str = "GITHUB_TOKEN"
    branch: str = "main"
    migrations: str | None = None  # the deploy folder relative to the repository root; None: no deploy workflow


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text)


def drift_workflow(o: CiOptions) -> str:
    return f"""# Written by `mkdocs-schema-sync init-ci`. Drift in the database becomes one pull request.
# The schedule is UTC. Set the repository secrets {o.connection_secret} (the database connection string)
# and {o.token_secret} (a fine-grained PAT or GitHub App token with contents and pull-requests: write;
# with the workflow's own GITHUB_TOKEN the pull request triggers no other workflow).
name: schema-sync drift

on:
  schedule:
    - cron: {_q(o.schedule)}
  workflow_dispatch:

concurrency:
  group: schema-sync-drift
  cancel-in-progress: false

permissions:
  contents: write
  pull-requests: write

jobs:
  monitor:
    runs-on: ubuntu-latest
    timeout-minutes: 20
    defaults:
      run:
        working-directory: {_q(o.workdir)}
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0
          token: ${{{{ secrets.{o.token_secret} || github.token }}}}
      - uses: actions/setup-python@v5
        with:
          python-version: {_q(o.python)}
      - name: Install
        run: {_q("pip install " + shlex.join(shlex.split(o.install)))}
      - name: One monitor pass
        env:
          SCHEMA_SYNC_CONNECTION: ${{{{ secrets.{o.connection_secret} }}}}
          {o.token_env}: ${{{{ secrets.{o.token_secret} || github.token }}}}
        run: mkdocs-schema-sync -f {_q(o.config)} monitor --once
"""


def docs_workflow(o: CiOptions) -> str:
    return f"""# Written by `mkdocs-schema-sync init-ci`. Builds the docs from the live database and publishes them.
name: schema-sync docs

on:
  push:
    branches: [{_q(o.branch)}]
  workflow_dispatch:

concurrency:
  group: schema-sync-pages
  cancel-in-progress: true

permissions:
  contents: read

jobs:
  build:
    runs-on: ubuntu-latest
    timeout-minutes: 20
    defaults:
      run:
        working-directory: {_q(o.workdir)}
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: {_q(o.python)}
      - name: Install
        run: {_q("pip install " + shlex.join(shlex.split(o.install)))}
      - name: Build
        env:
          SCHEMA_SYNC_CONNECTION: ${{{{ secrets.{o.connection_secret} }}}}
        run: mkdocs build --strict -f {_q(o.config)} --site-dir "${{{{ github.workspace }}}}/_site"
      - uses: actions/upload-pages-artifact@v3
        with:
          path: _site

  deploy:
    needs: build
    runs-on: ubuntu-latest
    permissions:
      pages: write
      id-token: write
    environment:
      name: github-pages
      url: ${{{{ steps.deployment.outputs.page_url }}}}
    steps:
      - id: deployment
        uses: actions/deploy-pages@v4
"""


def options_for(settings: Settings, repo_root: Path, config_file: Path, schedule: str | None, branch: str) -> CiOptions:
    config = config_file.resolve()
    try:
        rel_config = config.relative_to(repo_root.resolve()).as_posix()
    except ValueError:
        raise SchemaSyncError(f"{config_file} is outside the repository {repo_root}") from None
    workdir = Path(rel_config).parent.as_posix()
    opts = CiOptions(schedule=schedule or settings.monitor_schedule, branch=branch)
    opts.workdir = workdir or "."
    opts.config = Path(rel_config).name
    if settings.github is not None:
        opts.token_env = settings.github.token_env
    deploy = getattr(settings, "deploy", None) or {}
    if isinstance(deploy, dict) and deploy.get("targets"):
        folder = (Path(workdir) / str(deploy.get("migrations") or "migrations")).as_posix()
        opts.migrations = folder.removeprefix("./")
    return opts


def write_workflows(folder: Path, opts: CiOptions, *, force: bool) -> list[Path]:
    """Write both files into `folder` (.github/workflows); refuses to overwrite unless `force`."""
    files = {DRIFT_FILE: drift_workflow(opts), DOCS_FILE: docs_workflow(opts)}
    if opts.migrations is not None:
        config = opts.config if opts.workdir == "." else f"{opts.workdir}/{opts.config}"
        install = "pip install " + shlex.join(shlex.split(opts.install))
        files[DEPLOY_FILE] = deploy_workflow(
            config=config, migrations=opts.migrations, branch=opts.branch, install=install
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
