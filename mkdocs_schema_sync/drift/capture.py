"""Installing drift capture: the database's own DDL/event triggers where it has them, polling where not.

What each database can do is its dialect's business (`Dialect.triggers`):
PostgreSQL as a superuser and SQL Server install triggers; PostgreSQL without a
superuser, SQLite and MySQL/MariaDB get the log tables only, filled by
fingerprint polling.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..db import Database
from ..dialects import get_dialect
from ..errors import SchemaSyncError
from .log import create_log_tables, read_state


@dataclass
class CaptureReport:
    mode: str  # "triggers", "poll" or "none"
    lines: list[str]


def install_script(dialect: str, *, triggers: bool = True) -> str:
    """The SQL `install-triggers` runs, for `--print`."""
    return get_dialect(dialect).install_script(triggers=triggers)


def uninstall_script(dialect: str, *, keep_log: bool) -> str:
    return get_dialect(dialect).uninstall_script(keep_log=keep_log)


def install(db: Database) -> CaptureReport:
    """Install (or upgrade in place) in one transaction where the database allows.

    Under the database's schema-sync lock: two installs at once, or an install beside an uninstall or a
    poll, run one after the other instead of failing on duplicate keys or deadlocks.
    """
    triggers = db.dialect.triggers(db)
    db.rollback_quietly()
    with db.dialect.exclusive(db, db.spec.query_timeout):
        if triggers.script is not None:
            _run(db, triggers.script)
            return CaptureReport("triggers", triggers.lines)
        create_log_tables(db)
    return CaptureReport(
        "poll",
        [
            *triggers.lines,
            "created the drift log; every snapshot, diff, build and `monitor` run now records what changed "
            "(login 'unknown (polled)'); run `mkdocs-schema-sync monitor` (cron: --once) for a finer trail",
        ],
    )


def uninstall(db: Database, *, keep_log: bool) -> CaptureReport:
    with db.dialect.exclusive(db, db.spec.query_timeout):  # see install
        _run(db, db.dialect.uninstall_script(keep_log=keep_log))
    kept = " (the drift log was kept)" if keep_log else ""
    return CaptureReport("none", [f"removed drift capture{kept}"])


def health(db: Database) -> tuple[bool, list[str]]:
    """Whether drift capture is installed and has not failed to write, with what to say."""
    state = read_state(db)
    if state is None:
        return False, ["drift capture is not installed: run `mkdocs-schema-sync install-triggers`"]
    lines = [f"{k}: {v}" for k, v in sorted(state.items()) if k != "catalog"]
    ok = state.get("version") is not None
    if not ok:
        lines.append("not installed (no version): run `mkdocs-schema-sync install-triggers`")
    if state.get("last_error"):
        ok = False
        lines.append("the trigger could not write the drift log (last_error above); fix it, then clear last_error")
    outdated = db.dialect.outdated_install(state)
    problems = [outdated] if outdated else []
    problems += db.dialect.capture_problems(db, state)
    lines.extend(problems)
    return ok and not problems, lines


def _run(db: Database, script: str) -> None:
    try:
        with db.transaction():
            db.run_script(script)
            db.commit()
    except SchemaSyncError as exc:
        db.rollback_quietly()
        raise SchemaSyncError(f"the install script failed: {exc.message}") from None
    except Exception as exc:
        db.rollback_quietly()
        raise SchemaSyncError(f"the install script failed: {' '.join(str(exc).split())[:500]}") from None
