"""`mkdocs-schema-sync`: the companion command. A thin click shell over the same core as the plugin.

MkDocs 1.x has no hook for third-party subcommands (mkdocs/mkdocs#2428), so this
is its own console script (also `python -m mkdocs_schema_sync`). It reads the
plugin's options from the same mkdocs.yml, so a build and the command agree.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any

import click

from .. import __version__
from ..masking import mask
from ..untrusted import one_line
from . import contracts, deploy, drift, generate, sync
from .common import EXIT_ERROR, CliState
from .databases import per_database

DEBUG_ENV = "SCHEMA_SYNC_DEBUG"


class _Group(click.Group):
    """Any exception a command did not expect becomes one masked line and exit 2, never a traceback.

    Exit 1 means "found something" (drift, a broken contract); a crash must not read as that.
    `--debug` or SCHEMA_SYNC_DEBUG=1 lets the traceback through.
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit, KeyboardInterrupt):
            raise
        except Exception as exc:
            if _debugging(ctx):
                raise
            where = f"`{ctx.invoked_subcommand}`" if ctx.invoked_subcommand else "the command"
            text = one_line(mask(f"{type(exc).__name__}: {exc}"))
            click.echo(
                f"Error: unexpected error in {where}: {text} — this is a bug in mkdocs-schema-sync; "
                f"rerun with --debug (or {DEBUG_ENV}=1) for the traceback and report it",
                err=True,
            )
            ctx.exit(EXIT_ERROR)


def _debugging(ctx: click.Context) -> bool:
    state = ctx.find_object(CliState)
    if state is not None and state.debug:
        return True
    return os.environ.get(DEBUG_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def _setup_logging(verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s - %(message)s"))
    logger = logging.getLogger("mkdocs")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.DEBUG if verbose else logging.WARNING)
    logger.propagate = False


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-f",
    "--config-file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("mkdocs.yml"),
    show_default=True,
    help="The mkdocs.yml whose schema-sync options to use.",
)
@click.option("-v", "--verbose", is_flag=True, help="Log what is done.")
@click.option("--debug", is_flag=True, help=f"Show the traceback of an unexpected error (also {DEBUG_ENV}=1).")
@click.version_option(__version__, prog_name="mkdocs-schema-sync")
@click.pass_context
def main(ctx: click.Context, config_file: Path, verbose: bool, debug: bool) -> None:
    """Database schema docs for MkDocs: generate, snapshot, diff, validate, sync."""
    _setup_logging(verbose)
    ctx.obj = CliState(config_file, verbose, debug=debug)


def _remember_config_file(ctx: click.Context, _param: click.Parameter, value: Path | None) -> None:
    if value is not None:
        ctx.ensure_object(CliState).use_config_file(value)


def config_file_option() -> click.Option:
    """`-f` after the command name too (`mkdocs-schema-sync diff -f site/mkdocs.yml`), as before it."""
    return click.Option(
        ["-f", "--config-file"],
        type=click.Path(path_type=Path, dir_okay=False),
        expose_value=False,
        callback=_remember_config_file,
        help="The mkdocs.yml whose schema-sync options to use (also accepted before the command).",
    )


#: commands that act on each database of a `databases:` list (or the one named by --database)
for command in (
    drift.snapshot,
    drift.diff,
    drift.install_triggers,
    drift.uninstall_triggers,
    drift.health,
    sync.pr,
    contracts.validate,
    contracts.install_contracts_cmd,
    deploy.deploy,
    deploy.plan_cmd,
    deploy.repair,
    deploy.history,
):
    per_database(command)
per_database(deploy.baseline, one_only=True)

for command in (
    generate.generate,
    drift.snapshot,
    drift.diff,
    drift.install_triggers,
    drift.uninstall_triggers,
    drift.health,
    sync.monitor,
    sync.pr,
    sync.init_ci,
    contracts.validate,
    contracts.install_contracts_cmd,
    deploy.deploy,
    deploy.plan_cmd,
    deploy.repair,
    deploy.baseline,
    deploy.history,
):
    command.params.append(config_file_option())
    main.add_command(command)
