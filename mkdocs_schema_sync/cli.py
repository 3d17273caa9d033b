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


# The other commands register on `main` when their modules are imported.
from . import cli_contracts, cli_drift  # noqa: E402, F401
