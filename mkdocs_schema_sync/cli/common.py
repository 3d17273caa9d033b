"""What every command shares: reading mkdocs.yml, one-line errors, exit codes, opening the database."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NoReturn

import click

from ..db import Database, connection_spec, open_database
from ..errors import SchemaSyncError
from ..masking import mask
from ..settings import Settings
from ..untrusted import one_line, safe_lines

PLUGIN_NAME = "schema-sync"

#: exit codes: nothing to report; something found (drift, a broken contract, unhealthy); an error
EXIT_OK, EXIT_FOUND, EXIT_ERROR = 0, 1, 2


class CommandError(click.ClickException):
    """One clear line on stderr and a chosen exit code (2 = error, as for `diff` and `validate`)."""

    def __init__(self, message: str, exit_code: int = EXIT_ERROR) -> None:
        super().__init__(one_line(mask(message)))
        self.exit_code = exit_code


def progress(step: str) -> None:
    """What a command is doing, on a terminal's stderr: a slow step is never silent for the person waiting.

    Not in logs and pipes, where stderr is the one-line error a script reads.
    """
    stream = click.get_text_stream("stderr")
    if stream.isatty():
        click.echo(f"{step} …", err=True)


def fail(message: str, exit_code: int = EXIT_ERROR) -> NoReturn:
    raise CommandError(message, exit_code)


def say(*lines: str, err: bool = False) -> None:
    """Print lines that may hold database text (names, error text, statements) for a terminal or CI log:
    each argument one line (a line break inside shows as `\\n`), none opening a workflow command
    (`untrusted.safe_lines`), secrets masked."""
    if lines:
        click.echo(safe_lines([mask(line) for line in lines]), err=err)


class CliState:
    """What the group's options give every command: the mkdocs.yml to read, and its settings once read."""

    def __init__(self, config_file: Path, verbose: bool, *, debug: bool = False) -> None:
        self.config_file = config_file
        self.verbose = verbose
        self.debug = debug
        self._databases: list[Settings] | None = None
        self.site_title = ""  # the `title` option: with `databases:`, the site's schema section
        self.looping = False  # a per-database command is visiting several databases in turn
        self.current: Settings | None = None  # the database a per-database command is acting on

    def use_config_file(self, config_file: Path) -> None:
        self.config_file = config_file
        self._databases = None
        self.current = None

    @property
    def databases(self) -> list[Settings]:
        """Every documented database: one, or one per entry of `databases:`."""
        if self._databases is None:
            self._databases, self.site_title = load_databases(self.config_file)
        return self._databases

    @property
    def multi(self) -> bool:
        """mkdocs.yml has a `databases:` list (names, a section each)."""
        return self.databases[0].name is not None

    @property
    def settings(self) -> Settings:
        return self.current or self.databases[0]

    def select(self, name: str | None) -> list[Settings]:
        """The database called `name` (`--database`), or all of them."""
        if name is None:
            return self.databases
        found = [s for s in self.databases if s.name == name]
        if not found:
            names = ", ".join(str(s.name) for s in self.databases) if self.multi else "none (no `databases:` list)"
            fail(f"--database {name!r}: mkdocs.yml documents no database of that name; its databases: {names}")
        return found


def load_databases(config_file: Path) -> tuple[list[Settings], str]:
    """The plugin's options from mkdocs.yml, validated exactly as `mkdocs build` validates them."""
    from mkdocs.config import load_config
    from mkdocs.exceptions import ConfigurationError

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
    try:  # the plugin MkDocs loaded (entry point) translates its own options
        return plugin.to_databases(config_file), str(plugin.config.title)
    except SchemaSyncError as exc:
        fail(exc.message, exc.exit_code)


def run_core(func: Any, *args: Any, **kwargs: Any) -> Any:
    """Call into the core, turning its errors into one line and an exit code."""
    try:
        return func(*args, **kwargs)
    except SchemaSyncError as exc:
        fail(exc.message, exc.exit_code)


def open_configured(settings: Settings, *, writable: bool = False) -> Database:
    """The database of the `connection` option."""
    if not settings.connection:
        fail(settings.connection_error or "no `connection` is set for schema-sync in mkdocs.yml")
    spec = run_core(connection_spec, settings)
    return run_core(open_database, spec, writable)
