"""`mkdocs-schema-sync`: the companion command. A thin click shell over the same core as the plugin.

MkDocs 1.x has no hook for third-party subcommands (mkdocs/mkdocs#2428), so this
is its own console script (also `python -m mkdocs_schema_sync`). It reads the
plugin's options from the same mkdocs.yml, so a build and the command agree.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from . import __version__
from .errors import SchemaSyncError
from .masking import mask
from .settings import Settings

PLUGIN_NAME = "schema-sync"


class CommandError(click.ClickException):
    """One clear line on stderr and a chosen exit code (2 = error, as for `diff` and `validate`)."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(mask(message))
        self.exit_code = exit_code


def fail(message: str, exit_code: int = 2) -> NoReturn:
    raise CommandError(message, exit_code)


class Context:
    def __init__(self, config_file: Path, verbose: bool) -> None:
        self.config_file = config_file
        self.verbose = verbose
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.config_file)
        return self._settings


def load_settings(config_file: Path) -> Settings:
    """The plugin's options from mkdocs.yml, validated exactly as `mkdocs build` validates them."""
    from mkdocs.config import load_config
    from mkdocs.exceptions import ConfigurationError

    from .config import settings_from_config

    if not config_file.is_file():
        fail(f"{config_file} not found: run in the folder of mkdocs.yml or pass -f path/to/mkdocs.yml")
    try:
        config = load_config(config_file=str(config_file))
    except ConfigurationError as exc:
        fail(f"{config_file}: {exc}")
    except SchemaSyncError as exc:
        fail(exc.message, exc.exit_code)
    plugin = config.plugins.get(PLUGIN_NAME)
    if plugin is None:
        fail(f"{config_file} does not enable the `{PLUGIN_NAME}` plugin under `plugins:`")
    try:
        return settings_from_config(plugin.config, config_file)
    except SchemaSyncError as exc:
        fail(exc.message, exc.exit_code)


def run_core(func: Any, *args: Any, **kwargs: Any) -> Any:
    """Call into the core, turning its errors into one line and an exit code."""
    try:
        return func(*args, **kwargs)
    except SchemaSyncError as exc:
        fail(exc.message, exc.exit_code)


def _setup_logging(verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s - %(message)s"))
    logger = logging.getLogger("mkdocs")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.DEBUG if verbose else logging.WARNING)
    logger.propagate = False


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-f",
    "--config-file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("mkdocs.yml"),
    show_default=True,
    help="The mkdocs.yml whose schema-sync options to use.",
)
@click.option("-v", "--verbose", is_flag=True, help="Log what is done.")
@click.version_option(__version__, prog_name="mkdocs-schema-sync")
@click.pass_context
def main(ctx: click.Context, config_file: Path, verbose: bool) -> None:
    """Database schema docs for MkDocs: generate, snapshot, diff, validate, sync."""
    _setup_logging(verbose)
    ctx.obj = Context(config_file, verbose)


@main.command()
@click.option(
    "--out", "out_dir", required=True, type=click.Path(path_type=Path, file_okay=False), help="Folder to write into."
)
@click.pass_obj
def generate(obj: Context, out_dir: Path) -> None:
    """Write the generated pages to disk (for generators that run no MkDocs plugins)."""
    from .pipeline import load_catalog, render_site

    settings = obj.settings
    loaded = run_core(load_catalog, settings)
    pages = run_core(render_site, settings, loaded)
    for rel, text in pages.items():
        target = out_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    click.echo(f"wrote {len(pages)} pages under {out_dir} from {loaded.source.display}")


@main.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "junit", "github"]),
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

    if dialect != "postgresql":
        fail(f"contracts are installed into PostgreSQL here; this is {dialect or 'an unknown database'}")
    contracts = run_core(contract_run.load_for, settings)
    if contracts is None:
        fail(f"no contract file: {settings.contracts} does not exist (option `contracts`)")
    return contracts


def install_contracts_script(settings: Settings, dialect: str | None, enforce: bool) -> str:
    """The contract install as SQL (unqualified tables go to `public`)."""
    from .contracts_db import install_script

    return str(run_core(install_script, _contract_file(settings, dialect), enforce))


def install_contracts_into(settings: Settings, db: Any, enforce: bool) -> str:
    """Install the contracts into an open PostgreSQL database; returns the line to print."""
    from .contracts_db import install_contracts

    contracts = _contract_file(settings, db.dialect.name)
    result = run_core(install_contracts, db, contracts, enforce)
    mode = "enforced by event triggers" if result.enforce else "not enforced"
    log_note = "; refusals are logged to schema_sync.drift_log through dblink" if result.dblink else ""
    return f"contracts: {result.rows} rows in schema_sync.contract_columns, {mode}{log_note}"


# Drift commands (snapshot, diff, install-triggers, uninstall-triggers, health, monitor) register on `main`.
from . import cli_drift  # noqa: E402, F401
