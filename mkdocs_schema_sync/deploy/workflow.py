"""The GitHub Actions workflow that deploys `migrations/` (init-ci writes it beside the others).

On a pull request that touches the migrations, `plan --target staging` goes into
the job summary (HTML-escaped: file and column names are untrusted). On a push
to the default branch, `deploy --target staging`, then `deploy --target
production` in the `production` environment, whose required reviewers (set in
the repository's settings) approve it. Each target's connection comes from a
repository or environment secret (`SCHEMA_SYNC_STAGING`, `SCHEMA_SYNC_PRODUCTION`),
read by `deploy.targets` through `!ENV` in mkdocs.yml.
"""

from __future__ import annotations

import json
import re

from ..errors import SchemaSyncError

_SAFE = re.compile(r"^[A-Za-z0-9._/\-]+$")

_TEMPLATE = """\
# Written by `mkdocs-schema-sync init-ci`: deploys the SQL files in {migrations}/ (repository -> database).
# Secrets: SCHEMA_SYNC_STAGING (repository secret, read by the plan too) and SCHEMA_SYNC_PRODUCTION
# (a secret of the `production` environment; give that environment required reviewers).
name: schema deploy

on:
  pull_request:
    paths: [{paths}]
  push:
    branches: [{branch}]
    paths: [{paths}]
  workflow_dispatch:

permissions:
  contents: read

jobs:
  plan:
    if: github.event_name == 'pull_request'
    runs-on: ubuntu-latest
    timeout-minutes: 15
    env:
      SCHEMA_SYNC_STAGING: ${{{{ secrets.SCHEMA_SYNC_STAGING }}}}
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - name: Install
        run: {install}
      - name: Plan against staging (into the job summary)
        run: |
          status=0
          mkdocs-schema-sync -f {config} plan --target staging > plan.txt 2>&1 || status=$?
          {{
            echo "### Deploy plan against staging (exit code $status)"
            echo "<pre>"
            sed -e 's/&/\\&amp;/g' -e 's/</\\&lt;/g' -e 's/>/\\&gt;/g' plan.txt
            echo "</pre>"
          }} >> "$GITHUB_STEP_SUMMARY"
          cat plan.txt
          exit "$status"

  deploy-staging:
    if: github.event_name != 'pull_request'
    runs-on: ubuntu-latest
    timeout-minutes: 30
    environment: staging
    concurrency:
      group: schema-deploy-staging
      cancel-in-progress: false
    env:
      SCHEMA_SYNC_STAGING: ${{{{ secrets.SCHEMA_SYNC_STAGING }}}}
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - name: Install
        run: {install}
      - name: Deploy to staging
        run: mkdocs-schema-sync -f {config} deploy --target staging --lock-wait 300

  deploy-production:
    needs: deploy-staging
    runs-on: ubuntu-latest
    timeout-minutes: 30
    environment: production
    concurrency:
      group: schema-deploy-production
      cancel-in-progress: false
    env:
      SCHEMA_SYNC_PRODUCTION: ${{{{ secrets.SCHEMA_SYNC_PRODUCTION }}}}
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - name: Install
        run: {install}
      - name: Deploy to production
        run: mkdocs-schema-sync -f {config} deploy --target production --lock-wait 300
"""


def deploy_workflow(
    *,
    config: str = "mkdocs.yml",
    migrations: str = "migrations",
    branch: str = "main",
    install: str = "pip install 'mkdocs-schema-sync[postgres]'",
) -> str:
    """The workflow's YAML. Paths are relative to the repository root; names are checked, then quoted."""
    for what, value in (("config", config), ("migrations", migrations), ("branch", branch)):
        if not _SAFE.match(value) or ".." in value.split("/"):
            raise SchemaSyncError(f"deploy workflow: {what} {value!r} may hold only letters, digits and . _ / -")
    if "\n" in install or not install.strip():
        raise SchemaSyncError("deploy workflow: the install command must be one line")
    folder = migrations.strip("/")
    return _TEMPLATE.format(
        migrations=folder,
        paths=", ".join(json.dumps(p) for p in (f"{folder}/**", config)),
        branch=json.dumps(branch),
        config=config,
        install=json.dumps(install),
    )
