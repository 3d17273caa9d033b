"""Contract commands of `mkdocs-schema-sync`: validate, install-contracts.

Exit codes of `validate`: 0 every `error` contract holds, 1 one is broken, 2 error.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from .cli import Context, fail, main, run_core
from .contract_output import FORMATS
from .settings import Settings


@main.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="text for people; json; junit (one testcase per contract); github (annotations + step summary).",
)
@click.option(
    "--snapshot", "use_snapshot", is_flag=True, help="Validate against schema.lock.json, not the live database."
)
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help="Write the report to this file.")
@click.option("--notify/--no-notify", default=True, show_default=True, help="Send webhooks for newly broken contracts.")
@click.pass_obj
def validate(obj: Context, fmt: str, use_snapshot: bool, output: Path | None, notify: bool) -> None:
    """Check the ETL contracts. Exit 0: all hold; 1: a contract is broken; 2: error."""
    import os

    from . import contract_output, contract_run
    from .contract_check import check_contracts
    from .pipeline import load_catalog, read_from_snapshot

    settings = obj.settings
    contracts = run_core(contract_run.load_for, settings)
    if contracts is None:
        fail(f"no contract file: {settings.contracts} does not exist (option `contracts`)")
    if use_snapshot:
        loaded = run_core(read_from_snapshot, settings, "--snapshot was given")
    else:
        loaded = run_core(load_catalog, settings)
        if loaded.source.kind != "live":
            click.echo(f"note: {loaded.source.notice}", err=True)
    report = run_core(check_contracts, contracts, loaded.catalog, loaded.source.kind)
    if notify:
        contract_run.notify(report, settings, loaded.source.display)
    text = contract_output.render(report, fmt)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if fmt == "github" and summary:
        with open(summary, "a", encoding="utf-8") as fh:
            fh.write(contract_output.step_summary(report))
    sys.exit(contract_output.exit_code(report))


@main.command("install-contracts")
@click.option("--enforce/--no-enforce", default=False, help="Refuse DDL that breaks an `error` contract (superuser).")
@click.option("--print", "print_only", is_flag=True, help="Print the SQL instead of running it (for a DBA).")
@click.pass_obj
def install_contracts_cmd(obj: Context, enforce: bool, print_only: bool) -> None:
    """Load contracts.yml into schema_sync.contract_columns (PostgreSQL); --enforce adds event triggers.

    The same as `install-triggers --contracts [--enforce-contracts]` without the drift log.
    """
    from .connect import open_database, parse_connection

    settings = obj.settings
    if not settings.connection:
        fail("no `connection` is set for schema-sync")
    spec = run_core(parse_connection, settings.connection, settings.base_dir, settings.connect_timeout)
    if print_only:
        click.echo(install_contracts_script(settings, spec.dialect, enforce), nl=False)
        return
    with run_core(open_database, spec, True) as db:
        click.echo(install_contracts_into(settings, db, enforce))


def _contract_file(settings: Settings, dialect: str | None) -> Any:
    from . import contract_run

    if dialect not in ("postgresql", "mssql"):
        fail(f"contracts are installed into PostgreSQL or SQL Server; this is {dialect or 'an unknown database'}")
    contracts = run_core(contract_run.load_for, settings)
    if contracts is None:
        fail(f"no contract file: {settings.contracts} does not exist (option `contracts`)")
    return contracts


def install_contracts_script(settings: Settings, dialect: str | None, enforce: bool) -> str:
    """The contract install as SQL (unqualified tables go to `public`, on SQL Server to `dbo`)."""
    from . import contracts_db, contracts_mssql

    contracts = _contract_file(settings, dialect)
    module = contracts_mssql if dialect == "mssql" else contracts_db
    return str(run_core(module.install_script, contracts, enforce))


def install_contracts_into(settings: Settings, db: Any, enforce: bool) -> str:
    """Install the contracts into an open PostgreSQL or SQL Server database; returns the line to print."""
    from .contracts_db import install_contracts

    contracts = _contract_file(settings, db.dialect.name)
    if db.dialect.name == "mssql":
        from . import contracts_mssql

        count = run_core(contracts_mssql.install_contracts, db, contracts, enforce)
        mode = "enforced by the DDL trigger" if enforce else "not enforced"
        return f"contracts: {count} rows in schema_sync.contract_columns, {mode}"
    result = run_core(install_contracts, db, contracts, enforce)
    mode = "enforced by event triggers" if result.enforce else "not enforced"
    log_note = "; refusals are logged to schema_sync.drift_log through dblink" if result.dblink else ""
    return f"contracts: {result.rows} rows in schema_sync.contract_columns, {mode}{log_note}"
