"""`--database NAME` on the per-database commands: act on that database, or on every one in turn.

With a `databases:` list and no `--database`, a command runs once per database under a `== database NAME ==`
line; one database's error is reported (one line naming it) and the others still run; the exit code is the
highest any database's run gave (2 for an error, 1 for something found, 0 for nothing).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from ..untrusted import one_line
from .common import EXIT_ERROR, CliState, fail

DATABASE_HELP = "Only the database of this name (an entry of `databases:`); default: every database."


def database_option() -> click.Option:
    return click.Option(["--database", "database"], metavar="NAME", default=None, help=DATABASE_HELP)


def per_database(command: click.Command, *, one_only: bool = False) -> click.Command:
    """Give `command` the `--database` option and run its body once per selected database.

    The body reads `obj.settings`, which is the database being acted on. `one_only`: the command needs one
    database (`baseline VERSION` means one database's version), so several need `--database`.
    """
    body = command.callback
    assert body is not None
    command.params.append(database_option())

    def run(*args: Any, database: str | None = None, **kwargs: Any) -> Any:
        obj = click.get_current_context().ensure_object(CliState)
        chosen = obj.select(database)
        if len(chosen) > 1 and one_only:
            fail(f"`{command.name}` acts on one database: pass --database NAME (one of {_names(obj)})")
        if len(chosen) == 1:
            obj.current = chosen[0]
            return body(*args, **kwargs)
        return each_database(obj, chosen, lambda: body(*args, **kwargs))

    command.callback = run
    return command


def each_database(obj: CliState, chosen: list[Any], step: Callable[[], Any]) -> None:
    """Run `step` for each database with `obj.current` set; exit with the highest exit code of all."""
    worst = 0
    obj.looping = True
    for settings in chosen:
        obj.current = settings
        click.echo(f"== database {settings.name} ==")
        try:
            step()
        except click.ClickException as exc:
            click.echo(f"Error: database {settings.name}: {one_line(exc.format_message())}", err=True)
            worst = max(worst, exc.exit_code)
        except click.exceptions.Exit as exc:
            worst = max(worst, exc.exit_code)
        except SystemExit as exc:
            worst = max(worst, exc.code if isinstance(exc.code, int) else EXIT_ERROR)
    obj.current, obj.looping = None, False
    if worst:
        raise SystemExit(worst)


def _names(obj: CliState) -> str:
    return ", ".join(str(s.name) for s in obj.databases)
