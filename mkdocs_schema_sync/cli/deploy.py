"""Deploy commands (repository -> database): deploy, plan, repair, baseline, history.

Exit codes of `deploy` and `plan`: 0 done (or nothing pending; a plan whose files all pass),
1 a file failed or the contract gate stopped it (earlier files stay applied), 2 refused before
anything ran (changed checksum, out-of-order file, a file needing repair) or any other error,
3 another deploy holds the lock.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from ..db import Database, open_database, parse_connection
from ..deploy.apply import Deployer, DeployOptions, DeployReport
from ..deploy.files import repository_root
from ..deploy.history import read_history
from ..deploy.plan import PENDING
from ..deploy.repair import baseline as baseline_core
from ..deploy.repair import repair as repair_core
from ..deploy.targets import DeployConfig, migrations_folder, parse_deploy, target_connection
from ..render.diff_formats import to_text
from ..settings import Settings
from .common import CliState, fail, run_core, say


def _open(settings: Settings, cfg: DeployConfig, target: str | None) -> Database:
    if target is None and not settings.connection and settings.connection_error:
        fail(settings.connection_error)
    connection = run_core(target_connection, cfg, target, settings.connection)
    spec = run_core(parse_connection, connection, settings.base_dir, settings.connect_timeout)
    return run_core(open_database, spec, True)


def _options(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option("--target", metavar="NAME", help="A target of `deploy.targets` (default: `connection`).")(func)
    func = click.option(
        "--allow-breaking",
        "allow_breaking",
        metavar="CONTRACT",
        multiple=True,
        help="Let files break this contract on purpose (recorded in the history). Repeatable.",
    )(func)
    func = click.option("--allow-out-of-order", is_flag=True, help="Apply files older than the newest applied one.")(
        func
    )
    return click.option(
        "--lock-wait", type=click.FloatRange(min=0), default=None, help="Seconds to wait for another deploy's lock."
    )(func)


def _run(obj: CliState, plan: bool, target: str | None, allow_breaking: tuple[str, ...], **kw: Any) -> None:
    settings = obj.settings
    cfg = run_core(parse_deploy, settings.deploy)
    if obj.looping and target is not None and target not in cfg.targets:  # every database: those with that target
        click.echo(f"no deploy target {target!r} for database {settings.name}: skipped")
        return
    folder = migrations_folder(cfg, settings.base_dir)
    wait = cfg.lock_wait if kw["lock_wait"] is None else kw["lock_wait"]
    options = DeployOptions(
        target, set(allow_breaking), kw["allow_out_of_order"], wait, cfg.timeout, repository_root(settings.base_dir)
    )
    with _open(settings, cfg, target) as db:
        deployer = run_core(Deployer, db, settings, folder, options)
        report: DeployReport = run_core(deployer.run, plan=plan)
        where = f"{db.spec.display}" + (f" (target {target})" if target else "")
        label, history_table = db.dialect.label, db.dialect.history_table
    if plan:
        _print_plan(report, where, label)
    else:
        _print_deploy(report, where, history_table)
    for note in report.notes:
        say(f"warning: {note}", err=True)
    if report.stopped:
        fail(report.stopped, report.exit_code)


def _print_plan(report: DeployReport, where: str, label: str) -> None:
    pending = report.status.pending
    say(f"plan for {where}: {len(pending)} pending file(s)")
    for f in report.status.files:
        m = f.migration
        say(f"  {f.status:<15} {m.script}  sha256 {m.checksum[:12]}")
    for row in report.status.missing:
        say(f"  note: {row.script} (version {row.version}) is applied but its file is gone")
    for r in report.results:
        extra = f"; breaks contract(s) {', '.join(r.allowed)} (allowed)" if r.allowed else ""
        warn = f"; warnings: {' | '.join(r.warnings)}" if r.warnings else ""
        risky = f"; MAY BREAK: {' | '.join(r.may_break)}" if r.may_break else ""
        say(f"  {r.script}: {r.statements} statement(s), {r.outcome}{extra}{warn}{risky}")
        for note in r.notes:
            say(f"    note: {note}")
    if not pending:
        say("nothing to deploy")
        return
    if report.textual_only:
        say(
            f"{label} commits DDL as it runs, so this plan is textual only: no schema diff. The contract gate "
            "reads each statement's text (a statement that drops, renames or alters a protected table or column "
            "is refused unless allowed) and the deploy checks the contracts again after every statement"
        )
        return
    stopper = next((r.script for r in report.results if r.outcome in ("failed", "refused")), None)
    if stopper:
        say(f"schema diff of the files before {stopper}, which would stop the deploy (rolled back):")
    else:
        say("schema diff the pending files would produce (applied in a transaction, then rolled back):")
    say(
        *to_text(report.diff or [])
        .replace("no drift: the database matches the snapshot", "no schema change")
        .splitlines()
    )


def _print_deploy(report: DeployReport, where: str, history_table: str) -> None:
    if not report.status.pending:
        say(f"{where}: nothing to deploy ({len(report.status.files)} file(s) already applied or skipped)")
        return
    say(f"deploy {report.deploy_id} to {where}")
    for r in report.results:
        extra = f"  [allowed breaking: {', '.join(r.allowed)}]" if r.allowed else ""
        say(f"  {r.outcome:<12} {r.script}  {r.duration_ms} ms{extra}")
        for note in r.notes:
            say(f"    note: {note}")
    applied = sum(1 for r in report.results if r.outcome == "applied")
    left = sum(1 for f in report.status.files if f.status == PENDING) - applied
    say(f"{applied} file(s) applied, {left} left pending; history: {history_table}")


@click.command()
@click.option("--plan", "plan", is_flag=True, help="Show pending files, checksums and the schema diff; change nothing.")
@_options
@click.pass_obj
def deploy(obj: CliState, plan: bool, target: str | None, allow_breaking: tuple[str, ...], **kw: Any) -> None:
    """Apply the pending migration files in order. Exit 0 done, 1 stopped, 2 refused/error, 3 locked."""
    _run(obj, plan, target, allow_breaking, **kw)


@click.command("plan")
@_options
@click.pass_obj
def plan_cmd(obj: CliState, target: str | None, allow_breaking: tuple[str, ...], **kw: Any) -> None:
    """Same as `deploy --plan`: what a deploy would do, computed and rolled back."""
    _run(obj, True, target, allow_breaking, **kw)


@click.command()
@click.option("--target", metavar="NAME", help="A target of `deploy.targets` (default: `connection`).")
@click.pass_obj
def repair(obj: CliState, target: str | None) -> None:
    """Accept reviewed edits of applied files (shows what changed), reset files that failed half-way."""
    settings = obj.settings
    cfg = run_core(parse_deploy, settings.deploy)
    with _open(settings, cfg, target) as db:
        lines = run_core(
            repair_core,
            db,
            migrations_folder(cfg, settings.base_dir),
            target=target,
            lock_wait=cfg.lock_wait,
            root=repository_root(settings.base_dir),
        )
    for line in lines:
        say(line)


@click.command()
@click.argument("version")
@click.option("--target", metavar="NAME", help="A target of `deploy.targets` (default: `connection`).")
@click.option("--description", default="baseline", show_default=True, help="Recorded in the history.")
@click.pass_obj
def baseline(obj: CliState, version: str, target: str | None, description: str) -> None:
    """Mark an existing database as being at VERSION: files up to it never run there."""
    settings = obj.settings
    cfg = run_core(parse_deploy, settings.deploy)
    with _open(settings, cfg, target) as db:
        say(
            run_core(
                baseline_core,
                db,
                version,
                target=target,
                description=description,
                lock_wait=cfg.lock_wait,
                folder=migrations_folder(cfg, settings.base_dir),
            )
        )


@click.command()
@click.option("--target", metavar="NAME", help="A target of `deploy.targets` (default: `connection`).")
@click.pass_obj
def history(obj: CliState, target: str | None) -> None:
    """The deploy history of a database, oldest first."""
    settings = obj.settings
    cfg = run_core(parse_deploy, settings.deploy)
    with _open(settings, cfg, target) as db:
        rows = run_core(read_history, db)
    if not rows:
        say("no deploy history")
        return
    for r in rows:
        line = f"{r.installed_rank:>4} {r.applied_at} v{r.version:<5} {r.outcome:<12} {r.script} by {r.applied_by}"
        if r.allowed_breaking:
            line += f" [allowed breaking: {r.allowed_breaking}]"
        if r.error_text and r.outcome != "applied":
            line += f" — {clip_words(r.error_text, 200)}"
        say(line)


def clip_words(text: str, limit: int) -> str:
    """One line of at most `limit` characters, cut between words and marked with … (never mid-word)."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip(" ,;:") + "…"
