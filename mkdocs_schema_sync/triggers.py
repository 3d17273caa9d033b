"""Installing drift capture: event triggers where the database has them, polling where not.

PostgreSQL as a superuser: the drift log tables and event triggers
(sql/postgres/log_tables.sql + triggers.sql). PostgreSQL without a superuser,
SQLite and MySQL/MariaDB: the log tables only, filled by fingerprint polling.
SQL Server: sql/mssql/install.sql (its own engineer's script, GO batches).
"""

from __future__ import annotations

from dataclasses import dataclass

from .connect import Database
from .driftlog import SQL_DIRS, create_log_tables, read_state, run_script
from .errors import SchemaSyncError
from .sqlfiles import read_sql

NO_TRIGGERS = {
    "sqlite": "SQLite has no DDL triggers",
    "mysql": "MySQL/MariaDB have no DDL triggers",
}


@dataclass
class Report:
    mode: str  # "triggers" or "poll"
    lines: list[str]


def install_script(dialect: str, *, triggers: bool = True) -> str:
    """The SQL `install-triggers` runs, for `--print`."""
    sql_dir = SQL_DIRS[dialect]
    if dialect == "mssql":
        return read_sql(sql_dir, "install.sql")
    text = read_sql(sql_dir, "log_tables.sql")
    if dialect == "postgresql" and triggers:
        text += "\n" + read_sql(sql_dir, "triggers.sql")
    return text


def uninstall_script(dialect: str, *, keep_log: bool) -> str:
    return read_sql(SQL_DIRS[dialect], "uninstall.sql" if keep_log else "uninstall_all.sql")


def is_superuser(db: Database) -> bool:
    rows = db.query("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    return bool(rows and rows[0][0] in (True, 1, "1", "t"))


def install(db: Database) -> Report:
    """Install (or upgrade in place) in one transaction where the database allows."""
    name = db.dialect.name
    if name == "mssql":
        _run(db, install_script(name))
        return Report("triggers", ["installed the DDL trigger schema_sync_ddl and schema_sync.drift_log"])
    if name == "postgresql":
        if is_superuser(db):
            _run(db, install_script(name))
            return Report(
                "triggers",
                [
                    "installed event triggers schema_sync_ddl_command_end and schema_sync_sql_drop "
                    "and the log schema_sync.drift_log (version 1)",
                    "a failed log write lets the DDL through with a WARNING and sets "
                    "schema_sync.install_info.last_error (see `mkdocs-schema-sync health`)",
                ],
            )
        reason = (
            "PostgreSQL event triggers need a superuser and the connecting role is not one: "
            "falling back to fingerprint polling (run `install-triggers --print` and give the SQL to a DBA "
            "for triggers that record who changed what)"
        )
    else:
        reason = f"{NO_TRIGGERS.get(name, 'this database has no DDL triggers')}: using fingerprint polling"
    _rollback(db)
    create_log_tables(db)
    return Report(
        "poll",
        [
            reason,
            "created the drift log; every snapshot, diff, build and `monitor` run now records what changed "
            "(login 'unknown (polled)'); run `mkdocs-schema-sync monitor` (cron: --once) for a finer trail",
        ],
    )


def uninstall(db: Database, *, keep_log: bool) -> Report:
    _run(db, uninstall_script(db.dialect.name, keep_log=keep_log))
    kept = " (the drift log was kept)" if keep_log else ""
    return Report("none", [f"removed drift capture{kept}"])


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
    if db.dialect.name == "postgresql" and state.get("mode") == "triggers":
        rows = db.query(
            "SELECT count(*) FROM pg_event_trigger WHERE left(evtname, 12) = 'schema_sync_' AND evtenabled <> 'D'"
        )
        if not rows or int(rows[0][0]) != 2:
            ok = False
            lines.append("event triggers missing or disabled: run `mkdocs-schema-sync install-triggers` again")
    return ok, lines


def _run(db: Database, script: str) -> None:
    try:
        with db.transaction():
            run_script(db, script)
            db.commit()
    except SchemaSyncError:
        _rollback(db)
        raise
    except Exception as exc:
        _rollback(db)
        raise SchemaSyncError(f"the install script failed: {' '.join(str(exc).split())[:500]}") from None


def _rollback(db: Database) -> None:
    try:
        db.raw.rollback()
    except Exception as exc:  # a connection without a transaction: nothing to undo
        del exc
