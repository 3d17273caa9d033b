"""Contract commands: validate, install-contracts.

Exit codes of `validate`: 0 every `error` contract holds, 1 one is broken, 2 error.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from ..contracts import install, output, policy
from ..contracts.check import ContractReport, check_contracts
from ..contracts.loader import display_path
from ..contracts.model import DEFAULT_FILE, ContractFile
from ..db import connection_spec
from ..pipeline import load_catalog, read_from_snapshot
from ..sync import notified
from .common import CliState, fail, open_configured, run_core


@click.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(output.FORMATS),
    default="text",
    show_default=True,
    help="text for people; json; junit (one testcase per contract); github (annotations + step summary).",
)
@click.option(
    "--snapshot", "use_snapshot", is_flag=True, help="Validate against schema.lock.json, not the live database."
)
@click.option(
    "-o",
    "--output",
    "output_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the report to this file.",
)
@click.option("--notify/--no-notify", default=True, show_default=True, help="Send webhooks for newly broken contracts.")
@click.pass_obj
def validate(obj: CliState, fmt: str, use_snapshot: bool, output_file: Path | None, notify: bool) -> None:
    """Check the ETL contracts. Exit 0: all hold; 1: a contract is broken; 2: error."""
    settings = obj.settings
    if output_file is not None and obj.looping:  # one report per database: validate.warehouse.xml …
        output_file = output_file.with_name(f"{output_file.stem}.{settings.name}{output_file.suffix}")
    contracts = run_core(policy.load_for, settings)
    if contracts is None:  # the default file is missing: no contracts, so nothing can be broken
        click.echo(
            f"no contracts: {settings.contracts} does not exist (option `contracts`); nothing to validate", err=True
        )
        path = settings.contracts or Path(DEFAULT_FILE)  # the file the report names: contracts.<name>.yml too
        empty = ContractReport(ContractFile(path, display_path(path, settings.base_dir)), "none", "none")
        _write(output.render(empty, fmt), output_file)
        sys.exit(0)
    if use_snapshot:
        loaded = run_core(read_from_snapshot, settings, "--snapshot was given")
    else:
        loaded = run_core(load_catalog, settings)
        if loaded.source.kind != "live":
            click.echo(f"note: {loaded.source.notice}", err=True)
    report = run_core(check_contracts, contracts, loaded.catalog, loaded.source.kind)
    if notify:
        notified.notify(report, settings, loaded.source.connection)
    _write(output.render(report, fmt), output_file)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if fmt == "github" and summary:
        with open(summary, "a", encoding="utf-8") as fh:
            fh.write(output.step_summary(report))
    sys.exit(output.exit_code(report))


def _write(text: str, output_file: Path | None) -> None:
    if output_file is not None:
        output_file.parent.mkdir(parents=True, exist_ok=True)
        output_file.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


@click.command("install-contracts")
@click.option("--enforce/--no-enforce", default=False, help="Refuse DDL that breaks an `error` contract (superuser).")
@click.option("--print", "print_only", is_flag=True, help="Print the SQL instead of running it (for a DBA).")
@click.pass_obj
def install_contracts_cmd(obj: CliState, enforce: bool, print_only: bool) -> None:
    """Load contracts.yml into schema_sync.contract_columns (PostgreSQL); --enforce adds event triggers.

    The same as `install-triggers --contracts [--enforce-contracts]` without the drift log.
    """
    settings = obj.settings
    if not settings.connection:
        fail(settings.connection_error or "no `connection` is set for schema-sync")
    spec = run_core(connection_spec, settings)
    if print_only:
        click.echo(run_core(install.install_script, settings, spec.dialect, enforce), nl=False)
        return
    with open_configured(settings, writable=True) as db:
        click.echo(run_core(install.install_contracts, settings, db, enforce).summary())
