"""`mkdocs-schema-sync`: the companion command. A thin click shell over the same core as the plugin.

MkDocs 1.x has no hook for third-party subcommands (mkdocs/mkdocs#2428), so this
is its own console script (also `python -m mkdocs_schema_sync`). It reads the
plugin's options from the same mkdocs.yml, so a build and the command agree.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from .. import __version__
from . import contracts, deploy, drift, generate, sync
from .common import CliState


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
    ctx.obj = CliState(config_file, verbose)


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
