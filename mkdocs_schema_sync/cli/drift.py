"""Drift commands: snapshot, diff, install-triggers, uninstall-triggers, health (monitor: cli/sync.py).

Exit codes: 0 nothing to report, 1 drift found (diff) or unhealthy (health), 2 error.
"""

from __future__ import annotations

from pathlib import Path

import click

from ..catalog import Catalog
from ..catalog.diff import diff_catalogs
from ..catalog.snapshot import read_snapshot, snapshot_exists, write_snapshot
from ..catalog.snapshot_dir import is_folder
from ..contracts import install as contract_install
from ..contracts import policy
from ..contracts.check import mark_contract_breaks
from ..db import open_database, parse_connection
from ..drift import capture
from ..drift.poller import Poller
from ..pipeline import named_for_connection, read_live
from ..render.diff_formats import FORMATS as DIFF_FORMATS
from ..settings import Settings, select_tables
from .common import EXIT_FOUND, EXIT_OK, CliState, fail, open_configured, progress, run_core, say

#: from this many objects on, `snapshot` suggests the folder layout
FOLDER_HINT = 2000


def _live(settings: Settings) -> Catalog:
    return run_core(read_live, settings).catalog


def _catalog_from(source: str, settings: Settings) -> Catalog:
    """A snapshot file or a connection (URL or ODBC string)."""
    if "://" in source or ("=" in source and not Path(source).exists()):
        spec = run_core(parse_connection, source, Path.cwd(), settings.connect_timeout, settings.query_timeout)
        with run_core(open_database, spec) as db:
            catalog = run_core(db.dialect.read_catalog, db, row_counts=False)
        return select_tables(catalog, settings)
    return select_tables(named_for_connection(run_core(read_snapshot, Path(source)), settings), settings)


@click.command()
@click.pass_obj
def snapshot(obj: CliState) -> None:
    """Write the live catalog to the snapshot file (option `snapshot`)."""
    settings = obj.settings
    if settings.snapshot is None:
        fail("the `snapshot` option is empty")
    catalog = _live(settings)
    changed = run_core(write_snapshot, catalog, settings.snapshot)
    what = "wrote" if changed else "unchanged:"
    objects = len(catalog.object_hashes())
    click.echo(f"{what} {settings.snapshot} ({objects} objects, sha256 {catalog.sha256()[:12]})")
    if objects >= FOLDER_HINT and not is_folder(settings.snapshot):
        say(
            f"note: with {objects} objects, a snapshot folder keeps pull requests and `monitor` passes small: "
            f"set `snapshot: {settings.snapshot.name.removesuffix('.json')}` (a path not ending in .json), "
            "then run `snapshot` again",
            err=True,
        )


@click.command()
@click.option("--from", "from_", metavar="FILE_OR_URL", help="Old side (default: the snapshot).")
@click.option("--to", "to", metavar="FILE_OR_URL", help="New side (default: the live database).")
@click.option("--format", "fmt", type=click.Choice(list(DIFF_FORMATS)), default="text", show_default=True)
@click.pass_obj
def diff(obj: CliState, from_: str | None, to: str | None, fmt: str) -> None:
    """Compare the live database with the snapshot. Exit 0: no drift, 1: drift, 2: error."""
    settings = obj.settings
    if from_:
        old = _catalog_from(from_, settings)
    else:
        if settings.snapshot is None or not snapshot_exists(settings.snapshot):
            fail(f"no snapshot at {settings.snapshot}: take one with `mkdocs-schema-sync snapshot`")
        snapshot = named_for_connection(run_core(read_snapshot, settings.snapshot), settings)
        old = select_tables(snapshot, settings)  # the same objects on both sides
    new = _catalog_from(to, settings) if to else _live(settings)
    changes = diff_catalogs(old, new)
    contracts = run_core(policy.load_for, settings)
    if contracts is not None:
        run_core(mark_contract_breaks, contracts, old, new, changes)
    click.echo(DIFF_FORMATS[fmt](changes), nl=False)
    raise SystemExit(EXIT_FOUND if changes else EXIT_OK)


@click.command("install-triggers")
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
def install_triggers(obj: CliState, print_only: bool, with_contracts: bool, enforce_contracts: bool) -> None:
    """Install drift capture: event/DDL triggers where possible, else the log for polling."""
    settings = obj.settings
    with_contracts = with_contracts or enforce_contracts
    if print_only:
        spec = run_core(parse_connection, settings.connection or "", settings.base_dir)
        if spec.dialect is None:
            fail("cannot tell the database type from an ODBC string without connecting; use a URL")
        click.echo(run_core(capture.install_script, spec.dialect), nl=False)
        if with_contracts:
            click.echo(run_core(contract_install.install_script, settings, spec.dialect, enforce_contracts), nl=False)
        return
    progress("connecting to the database")
    with open_configured(settings, writable=True) as db:
        if with_contracts:  # refuse before anything is installed
            run_core(contract_install.store_for, db.dialect.name)
        progress("installing drift capture (the drift log, and triggers where the database has them)")
        report = run_core(capture.install, db)
        if report.mode == "poll":
            progress("reading the catalog for the first poll's baseline")
            run_core(Poller(settings).check, db)  # the baseline every later check compares with
        if with_contracts:
            progress("installing the contracts")
        contracts_line = (
            run_core(contract_install.install_contracts, settings, db, enforce_contracts).summary()
            if with_contracts
            else None
        )
    say(*report.lines)
    if contracts_line:
        say(contracts_line)


@click.command("uninstall-triggers")
@click.option("--keep-log", is_flag=True, help="Keep the drift log table (its history).")
@click.option("--print", "print_only", is_flag=True, help="Print the SQL instead of running it.")
@click.pass_obj
def uninstall_triggers(obj: CliState, keep_log: bool, print_only: bool) -> None:
    """Remove drift capture (triggers, functions, state), and the log unless --keep-log."""
    settings = obj.settings
    if print_only:
        spec = run_core(parse_connection, settings.connection or "", settings.base_dir)
        click.echo(run_core(capture.uninstall_script, spec.dialect or "", keep_log=keep_log), nl=False)
        return
    with open_configured(settings, writable=True) as db:
        report = run_core(capture.uninstall, db, keep_log=keep_log)
        # polling goes on in the JSON file beside the snapshot: from the schema as it is now, not as it was
        # when that file was last written (else changes the database's log holds would be logged again)
        run_core(Poller(settings).rebaseline, db)
    say(*report.lines)


@click.command()
@click.pass_obj
def health(obj: CliState) -> None:
    """Report the drift capture's state. Exit 0: healthy, 1: not installed or failing, 2: error."""
    with open_configured(obj.settings) as db:
        ok, lines = run_core(capture.health, db)
    say(*lines, "healthy" if ok else "NOT healthy")
    raise SystemExit(EXIT_OK if ok else EXIT_FOUND)
