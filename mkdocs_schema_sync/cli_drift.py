"""Drift commands of `mkdocs-schema-sync`: snapshot, diff, install-triggers, uninstall-triggers, health, monitor.

Exit codes: 0 nothing to report, 1 drift found (diff) or unhealthy (health), 2 error.
"""

from __future__ import annotations

import time
from pathlib import Path

import click

from .catalog import Catalog
from .cli import Context, fail, main, run_core
from .connect import Database, open_database, parse_connection
from .errors import SchemaSyncError
from .settings import Settings, select_tables


def _open(settings: Settings, *, writable: bool = False) -> Database:
    if not settings.connection:
        fail("no `connection` is set for schema-sync in mkdocs.yml")
    spec = run_core(parse_connection, settings.connection, settings.base_dir, settings.connect_timeout)
    return run_core(open_database, spec, writable)


def _live(settings: Settings) -> Catalog:
    from .pipeline import read_live

    return run_core(read_live, settings).catalog


def _catalog_from(source: str, settings: Settings) -> Catalog:
    """A snapshot file or a connection (URL or ODBC string)."""
    from .snapshot import read_snapshot

    if "://" in source or ("=" in source and not Path(source).exists()):
        spec = run_core(parse_connection, source, Path.cwd(), settings.connect_timeout)
        with run_core(open_database, spec) as db:
            catalog = run_core(db.dialect.read_catalog, db, row_counts=False)
        return select_tables(catalog, settings)
    return run_core(read_snapshot, Path(source))


@main.command()
@click.pass_obj
def snapshot(obj: Context) -> None:
    """Write the live catalog to the snapshot file (option `snapshot`)."""
    from .snapshot import write_snapshot

    settings = obj.settings
    if settings.snapshot is None:
        fail("the `snapshot` option is empty")
    catalog = _live(settings)
    changed = run_core(write_snapshot, catalog, settings.snapshot)
    what = "wrote" if changed else "unchanged:"
    click.echo(f"{what} {settings.snapshot} ({len(catalog.tables)} objects, sha256 {catalog.sha256()[:12]})")


@main.command()
@click.option("--from", "from_", metavar="FILE_OR_URL", help="Old side (default: the snapshot).")
@click.option("--to", "to", metavar="FILE_OR_URL", help="New side (default: the live database).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@click.pass_obj
def diff(obj: Context, from_: str | None, to: str | None, fmt: str) -> None:
    """Compare the live database with the snapshot. Exit 0: no drift, 1: drift, 2: error."""
    from .contract_check import mark_contract_breaks
    from .contract_run import load_for
    from .diff import diff_catalogs, to_json, to_markdown, to_text
    from .snapshot import read_snapshot

    settings = obj.settings
    if from_:
        old = _catalog_from(from_, settings)
    else:
        if settings.snapshot is None or not settings.snapshot.is_file():
            fail(f"no snapshot at {settings.snapshot}: take one with `mkdocs-schema-sync snapshot`")
        old = run_core(read_snapshot, settings.snapshot)
    new = _catalog_from(to, settings) if to else _live(settings)
    changes = diff_catalogs(old, new)
    contracts = run_core(load_for, settings)
    if contracts is not None:
        run_core(mark_contract_breaks, contracts, old, new, changes)
    render = {"text": to_text, "json": to_json, "markdown": to_markdown}[fmt]
    click.echo(render(changes), nl=False)
    raise SystemExit(1 if changes else 0)


@main.command("install-triggers")
@click.option("--print", "print_only", is_flag=True, help="Print the SQL for a DBA instead of running it.")
@click.option("--contracts", "with_contracts", is_flag=True, help="Also load contracts.yml (PostgreSQL).")
@click.option(
    "--enforce",
    "--enforce-contracts",
    "enforce_contracts",
    is_flag=True,
    help="Refuse DDL that breaks a contract (implies --contracts).",
)
@click.pass_obj
def install_triggers(obj: Context, print_only: bool, with_contracts: bool, enforce_contracts: bool) -> None:
    """Install drift capture: event/DDL triggers where possible, else the log for polling."""
    from .cli_contracts import install_contracts_into, install_contracts_script
    from .poll import Poller
    from .triggers import install, install_script

    settings = obj.settings
    with_contracts = with_contracts or enforce_contracts
    if print_only:
        spec = run_core(parse_connection, settings.connection or "", settings.base_dir)
        if spec.dialect is None:
            fail("cannot tell the database type from an ODBC string without connecting; use a URL")
        click.echo(run_core(install_script, spec.dialect), nl=False)
        if with_contracts:
            click.echo(install_contracts_script(settings, spec.dialect, enforce_contracts), nl=False)
        return
    with _open(settings, writable=True) as db:
        report = run_core(install, db)
        if report.mode == "poll":
            run_core(Poller(settings).check, db)  # the baseline every later check compares with
        contracts_line = install_contracts_into(settings, db, enforce_contracts) if with_contracts else None
    for line in report.lines:
        click.echo(line)
    if contracts_line:
        click.echo(contracts_line)


@main.command("uninstall-triggers")
@click.option("--keep-log", is_flag=True, help="Keep the drift log table (its history).")
@click.option("--print", "print_only", is_flag=True, help="Print the SQL instead of running it.")
@click.pass_obj
def uninstall_triggers(obj: Context, keep_log: bool, print_only: bool) -> None:
    """Remove drift capture (triggers, functions, state), and the log unless --keep-log."""
    from .triggers import uninstall, uninstall_script

    settings = obj.settings
    if print_only:
        spec = run_core(parse_connection, settings.connection or "", settings.base_dir)
        click.echo(run_core(uninstall_script, spec.dialect or "", keep_log=keep_log), nl=False)
        return
    with _open(settings, writable=True) as db:
        report = run_core(uninstall, db, keep_log=keep_log)
    for line in report.lines:
        click.echo(line)


@main.command()
@click.pass_obj
def health(obj: Context) -> None:
    """Report the drift capture's state. Exit 0: healthy, 1: not installed or failing, 2: error."""
    from .triggers import health as check

    with _open(obj.settings) as db:
        ok, lines = run_core(check, db)
    for line in lines:
        click.echo(line)
    click.echo("healthy" if ok else "NOT healthy")
    raise SystemExit(0 if ok else 1)


@main.command()
@click.option("--interval", type=click.FloatRange(min=0.1), default=60, show_default=True, help="Seconds per check.")
@click.option("--once", is_flag=True, help="Check once and exit (for cron or CI).")
@click.pass_obj
def monitor(obj: Context, interval: float, once: bool) -> None:
    """Poll the database, append what changed to the drift log, and check the contracts when it changed."""
    from .poll import Poller

    settings = obj.settings
    poller = Poller(settings)
    db = _open(settings)
    last_signal: str | None = None
    try:
        while True:
            try:
                result = poller.check(db)
            except SchemaSyncError as exc:
                if once:
                    fail(exc.message)
                click.echo(f"check failed: {exc.message}", err=True)
                db.close()
                time.sleep(interval)
                db = _open(settings)
                continue
            finally:
                _end_read(db)
            for entry in result.entries:
                click.echo(f"{entry.event_time} {entry.event_type} {entry.schema_name}.{entry.object_name}")
            if result.signal is None or result.signal != last_signal:
                run_core(_check_contracts, settings, db)
                last_signal = result.signal
            if result.where == "triggers" and once:
                click.echo("triggers record the changes of this database; nothing to poll")
            if once:
                return
            time.sleep(interval)
    except KeyboardInterrupt:
        pass
    finally:
        db.close()


def _check_contracts(settings: Settings, db: Database) -> None:
    """Validate the contracts against the live catalog; newly broken ones go to the webhooks."""
    from . import contract_run
    from .contract_check import check_contracts

    contracts = contract_run.load_for(settings)
    if contracts is None:
        return
    catalog = select_tables(db.dialect.read_catalog(db, row_counts=False), settings)
    report = check_contracts(contracts, catalog, "live")
    for result in report.broken:
        click.echo(f"contract {result.name} is broken: {result.summary()} (owner: {result.contract.owner})")
    contract_run.notify(report, settings, db.spec.display)


def _end_read(db: Database) -> None:
    """Leave no transaction open between checks (PostgreSQL would hold a snapshot)."""
    try:
        db.raw.rollback()
    except Exception as exc:  # autocommit connections: nothing to end
        del exc
