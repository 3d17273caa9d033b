"""Database -> repository commands: monitor (the loop), pr (one pull-request pass), init-ci (workflows).

Exit codes: 0 done (also when another monitor held the lock, and when Ctrl-C ends the loop), 2 error.
"""

from __future__ import annotations

import contextlib
import logging
import re
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from ..db import Database, connection_spec, open_database
from ..db.deadline import CallLeftRunning
from ..deploy.workflow_databases import deploy_environments
from ..errors import ConnectError, SchemaSyncError, Unreachable
from ..settings import Settings, parse_schedule
from ..sync import install_spec
from ..sync.git import Repo
from ..sync.monitor import Monitor, PassResult
from ..sync.workflows import CiOptions, driver_extras, install_lines, options_for, write_workflows
from ..untrusted import one_line, safe_lines
from .common import CliState, fail, progress, run_core, say
from .databases import DATABASE_HELP, each_database

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h)?\s*$")
MAX_BACKOFF = 3600.0


def parse_duration(text: str) -> float:
    """`90`, `30s`, `15m`, `1h` -> seconds."""
    m = _DURATION.match(text)
    if not m or float(m.group(1)) <= 0:
        raise click.BadParameter(f"{text!r} is not a duration such as 30s, 15m or 1h")
    return float(m.group(1)) * {"s": 1, "m": 60, "h": 3600}[m.group(2) or "s"]


def _open(settings: Settings) -> Database:
    """Writable: the pass marks drift-log rows."""
    return open_database(connection_spec(settings), writable=True)


def _one_pass(monitor: Monitor) -> PassResult:
    progress("monitor: connecting, polling the drift log and reading the catalog")
    with _open(monitor.settings) as db:
        return monitor.run_pass(db)


def _echo(result: PassResult) -> None:
    """The pass's lines name tables (and an idle pass repeats stored contract lines): the one CI-output path."""
    say(*result.lines)


def _finish(result: PassResult) -> None:
    """The pass's lines, then its problem (the pull request and the rows are done, the webhooks were not
    told) as the command's error: exit code 2."""
    _echo(result)
    if result.problem:
        fail(f"the broken contracts were not sent: {result.problem}; the rest of the pass is done (see above)")


@click.command()
@click.option("--once", is_flag=True, help="One pass, then exit (for cron or a CI schedule).")
@click.option(
    "--interval", default="15m", show_default=True, metavar="DURATION", help="Time between passes: 30s, 15m, 1h."
)
@click.option("--database", "database", metavar="NAME", help=DATABASE_HELP)
@click.pass_obj
def monitor(obj: CliState, once: bool, interval: str, database: str | None) -> None:
    """Poll, and turn drift into one pull request (with `github:` set); mark the drift-log rows synced.

    In a loop a failed pass (database or GitHub away) is logged and retried after a growing pause; a
    connection the database refuses (wrong password, no such database) ends it with exit code 2.
    With several databases each pass visits every one (its own branch and pull request); one that
    fails does not stop the others.
    """
    seconds = parse_duration(interval)
    chosen = obj.select(database)
    monitors = [Monitor(s) for s in chosen]
    if once:
        if len(monitors) == 1:
            _finish(run_core(_one_pass, monitors[0]))
            return
        by_name = {m.settings.name: m for m in monitors}
        each_database(obj, chosen, lambda: _finish(run_core(_one_pass, by_name[obj.settings.name])))
        return
    with _ctrl_c() as ctrl_c:
        try:
            _loop(monitors, seconds, ctrl_c)
        except KeyboardInterrupt as exc:
            _stopped(exc)
            return
    _stopped(None)


def _loop(monitors: list[Monitor], seconds: float, ctrl_c: threading.Event) -> None:
    """Pass after pass until Ctrl-C (`ctrl_c` set, or KeyboardInterrupt)."""
    failures = dict.fromkeys(range(len(monitors)), 0)
    while not ctrl_c.is_set():
        pause = seconds
        for i, mon in enumerate(monitors):
            where = f"database {mon.settings.name}: " if mon.settings.name else ""
            try:
                if len(monitors) > 1:
                    click.echo(f"== database {mon.settings.name} ==")
                result = _one_pass(mon)
                _echo(result)
                failures[i] = 0  # a pass that could not notify did its bookkeeping: no pause for it
                if result.problem:
                    click.echo(f"{where}pass done, but: {one_line(result.problem)}", err=True)
            except SchemaSyncError as exc:
                if ctrl_c.is_set():  # Ctrl-C, turned into another error on its way out of the pass
                    return
                if isinstance(exc, ConnectError) and not isinstance(exc, Unreachable):
                    fail(where + exc.message)  # a wrong password or database name: waiting never helps
                failures[i] += 1
                wait = min(seconds * 2 ** min(failures[i], 10), max(seconds, MAX_BACKOFF))
                if len(monitors) == 1:
                    pause = wait
                else:  # the other databases keep their schedule: this one is tried again next pass
                    wait = seconds
                msg = f"{where}pass failed ({failures[i]} in a row): {exc.message}; next try in {wait:.0f} s"
                click.echo(msg, err=True)
            if ctrl_c.is_set():
                return
        ctrl_c.wait(pause)


@contextlib.contextmanager
def _ctrl_c() -> Iterator[threading.Event]:
    """Ctrl-C for the loop: raised as KeyboardInterrupt, as Python's own handler does, and remembered.

    Python drops an exception raised while a finalizer or weakref callback runs, printing "Exception ignored
    in …" and a traceback (seen on MariaDB, in a WeakSet's callback in the main thread, in 1 try of 8 of
    tests/test_monitor_ctrl_c.py): a Ctrl-C landing there was lost and the loop ran on. Remembered, it ends
    the loop after the pass, and that traceback is not printed. A SIGINT the process was started to ignore
    (nohup, `cmd &`) stays ignored.
    """
    seen = threading.Event()
    previous = signal.getsignal(signal.SIGINT)
    if previous is not signal.default_int_handler or threading.current_thread() is not threading.main_thread():
        yield seen
        return

    def interrupt(signum: int, frame: object) -> None:
        seen.set()
        raise KeyboardInterrupt

    unraisable = sys.unraisablehook

    def dropped(info: Any) -> None:
        if not (seen.is_set() and isinstance(info.exc_value, KeyboardInterrupt)):
            unraisable(info)

    def cancelled(record: logging.LogRecord) -> bool:
        # psycopg cancels the statement a Ctrl-C interrupted; when it ended with its own error instead (a
        # query that fails as expected), psycopg warns that it closes the connection: we are closing it anyway
        return not (seen.is_set() and str(record.msg).startswith("query cancellation interrupted"))

    psycopg_log = logging.getLogger("psycopg")
    signal.signal(signal.SIGINT, interrupt)
    sys.unraisablehook = dropped
    psycopg_log.addFilter(cancelled)
    try:
        yield seen
    finally:
        signal.signal(signal.SIGINT, previous)
        sys.unraisablehook = unraisable
        psycopg_log.removeFilter(cancelled)


def _stopped(exc: KeyboardInterrupt | None) -> None:
    """Ctrl-C ended the loop (exit 0): one line, which says so when a database call outlasted the wait for it."""
    if isinstance(exc, CallLeftRunning):
        click.echo(
            f"monitor: stopped (Ctrl-C), without waiting longer for a database call: {one_line(str(exc))}; "
            "it was left running, and the server ends it when this process's connection closes",
            err=True,
        )
    else:
        click.echo("monitor: stopped (Ctrl-C)", err=True)


@click.command()
@click.option("--dry-run", is_flag=True, help="Print the branch, commit message and body; push and open nothing.")
@click.pass_obj
def pr(obj: CliState, dry_run: bool) -> None:
    """Open or update the drift pull request now (the pass `monitor` runs, without polling first)."""
    settings = obj.settings
    if settings.github is None:
        fail("no `github:` option in mkdocs.yml: add `github: {repository: owner/name}` under the plugin")
    result = run_core(_one_pass, Monitor(settings, dry_run=dry_run, poll=False))
    if dry_run and result.text is not None:
        click.echo(safe_lines([f"branch: {result.branch}", "commit message:"]))
        click.echo(safe_lines(result.text.message.split("\n")))
        click.echo(safe_lines([f"title: {result.text.title}", "body:"]))
        click.echo(safe_lines(result.text.body.split("\n")), nl=False)
        return
    _finish(result)


@click.command("init-ci")
@click.option("--schedule", metavar="CRON", help="Cron line, UTC (default: option monitor_schedule).")
@click.option("--force", is_flag=True, help="Overwrite existing workflow files.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder to write into (default: .github/workflows of the repository).",
)
@click.option(
    "--install",
    metavar="PIP_SPEC",
    help="What the workflows pip-install (default: where this copy was installed from; "
    "a requirements file: `-r requirements.txt`).",
)
@click.pass_obj
def init_ci(obj: CliState, schedule: str | None, force: bool, out_dir: Path | None, install: str | None) -> None:
    """Write GitHub Actions workflows: drift pull requests on a schedule, docs deployed to GitHub Pages."""
    settings = obj.settings
    if schedule is not None:
        schedule = run_core(parse_schedule, schedule, "--schedule")
    repo = run_core(Repo, settings.base_dir)
    branch = (settings.github.base if settings.github else None) or _default_branch(repo)
    opts = run_core(options_for, obj.databases, repo.root, obj.config_file, schedule, branch)
    extras, apt = driver_extras(opts)
    chosen = run_core(install_spec.choose, install, [*extras, "site"] if install is None else extras)
    opts.install = install_lines(chosen.spec, apt)
    folder = out_dir or repo.root / ".github" / "workflows"
    for path in run_core(write_workflows, folder, opts, force=force):
        click.echo(f"wrote {path}")
    click.echo(f"install: {chosen.spec} (from {chosen.source})")
    if apt:
        click.echo(f"drivers: apt packages {', '.join(apt)} (no pip package brings them)")
    secrets = list(
        dict.fromkeys(
            [*opts.connection_env, *opts.notify_env, *(n for d in opts.deploys for t in d.targets for n in t.env)]
        )
    )
    click.echo(
        f"next: add the repository secrets {', '.join([*secrets, opts.token_secret])}, enable GitHub Pages "
        "(source: GitHub Actions) and 'Allow GitHub Actions to create and approve pull requests'"
    )
    environments = _deploy_environments(opts)
    if environments:
        click.echo(
            "deploy jobs run in the GitHub environments "
            + ", ".join(f"{name} ({', '.join(env) or 'no secret'})" for name, env in environments)
            + ": give the later ones required reviewers; a target's secrets may be set on its environment instead"
        )
    if "postgresql" in opts.dialects:
        click.echo("PostgreSQL on a runner: write the secret as postgresql+psycopg://… (the runner has no psqlODBC)")


def _deploy_environments(opts: CiOptions) -> list[tuple[str, list[str]]]:
    """The GitHub environment of each deploy job and the secrets it reads: the target's name, or with
    `databases:` DATABASE-TARGET (two databases' `production` are two environments)."""
    if opts.migrations is not None:  # the single-connection form
        return [(t.name, list(t.env)) for t in opts.targets]
    return deploy_environments(opts.deploys)


def _default_branch(repo: Repo) -> str:
    try:
        return repo.default_branch()
    except SchemaSyncError:
        return "main"  # no origin yet: GitHub's default
