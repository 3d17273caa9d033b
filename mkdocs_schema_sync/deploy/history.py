"""The deploy history table: one row per file applied, refused or failed, and per baseline and repair.

Modelled on Flyway's flyway_schema_history (rank, version, script, checksum,
who, when, how long, outcome) with Atlas's error record (the error and the
statement that failed). Rows are only added, never changed: the newest row of
a version says where that version stands. `schema_sync.deploy_history` on
PostgreSQL and SQL Server, `schema_sync_deploy_history` on SQLite and MySQL.
"""

from __future__ import annotations

import getpass
import os
from dataclasses import astuple, dataclass, fields
from datetime import datetime

from ..db import Database
from ..drift.log import is_missing_table, utc_now
from ..errors import SchemaSyncError
from ..masking import mask

APPLIED, FAILED, REFUSED, NEEDS_REPAIR, BASELINE, REPAIRED = (
    "applied",
    "failed",
    "refused",
    "needs_repair",
    "baseline",
    "repaired",
)
#: the longest error text and statement kept (the file itself is in `content`)
_TEXT_LIMIT = 4000


@dataclass
class HistoryRow:
    installed_rank: int
    version: str
    description: str
    script: str
    checksum: str | None
    applied_by: str | None
    applied_at: str
    duration_ms: int
    outcome: str
    error_text: str | None = None
    failed_statement: str | None = None
    allowed_breaking: str | None = None
    target: str | None = None
    deploy_id: str = ""
    content: str | None = None
    run_mode: str | None = None  # transaction | no-transaction | per-statement (None: before they were told)
    statement_index: int | None = None  # the statement the row stops at, 1-based (applied: how many)


COLUMNS = tuple(f.name for f in fields(HistoryRow))
#: added after the first release: sql/<dialect>/deploy_history_upgrade.sql adds them to older tables
ADDED_COLUMNS = ("run_mode", "statement_index")
TRANSACTION, NO_TRANSACTION, PER_STATEMENT = "transaction", "no-transaction", "per-statement"


def ensure_table(db: Database) -> None:
    """Create the history table (idempotent), in its own transaction where DDL has one."""
    try:
        with db.transaction():
            db.run_script(db.dialect.read_sql("deploy_history.sql"))
            db.commit()
    except SchemaSyncError:
        raise
    except Exception as exc:  # driver errors: one line, masked
        db.rollback_quietly()
        raise SchemaSyncError(
            f"cannot create the deploy history {db.dialect.history_table}: {' '.join(str(exc).split())[:300]} "
            "(the deploying user needs CREATE rights)"
        ) from None
    if _has_added_columns(db):
        return
    try:
        with db.transaction():
            db.run_script(db.dialect.read_sql("deploy_history_upgrade.sql"))
            db.commit()
    except SchemaSyncError as exc:
        db.rollback_quietly()
        raise SchemaSyncError(
            f"cannot add {', '.join(ADDED_COLUMNS)} to the deploy history {db.dialect.history_table}: {exc.message} "
            "(the deploying user needs ALTER rights on it)"
        ) from None


def _has_added_columns(db: Database) -> bool:
    try:
        db.query(f"SELECT {', '.join(ADDED_COLUMNS)} FROM {db.dialect.history_table} WHERE 1 = 0")
    except SchemaSyncError:
        db.rollback_quietly()
        return False
    return True


def read_history(db: Database) -> list[HistoryRow]:
    """Every row, oldest first; empty when the table does not exist yet."""
    db.dialect.prepare_text_io(db)
    columns = COLUMNS
    try:
        rows = db.query(f"SELECT {', '.join(columns)} FROM {db.dialect.history_table} ORDER BY installed_rank")
    except SchemaSyncError as exc:
        db.rollback_quietly()
        # a table from before run_mode/statement_index (a plan or `history` does not upgrade it), or none
        columns = tuple(c for c in COLUMNS if c not in ADDED_COLUMNS)
        try:
            rows = db.query(f"SELECT {', '.join(columns)} FROM {db.dialect.history_table} ORDER BY installed_rank")
        except SchemaSyncError as older:
            db.rollback_quietly()
            if is_missing_table(older.message):
                return []
            raise exc from None
    out = []
    for row in rows:
        rec = dict(zip(columns, row, strict=True))
        rec["applied_at"] = _time_text(rec["applied_at"])
        rec["checksum"] = rec["checksum"].strip() if rec["checksum"] else None
        rec["version"] = str(rec["version"]).strip()
        if rec.get("statement_index") is not None:
            rec["statement_index"] = int(rec["statement_index"])
        out.append(HistoryRow(**rec))
    return out


def add_row(db: Database, row: HistoryRow) -> None:
    """Append `row` (its rank: the next free one; the deploy lock keeps ranks from colliding)."""
    db.dialect.prepare_text_io(db)
    table = db.dialect.history_table
    rows = db.query(f"SELECT MAX(installed_rank) FROM {table}")
    row.installed_rank = int(rows[0][0] or 0) + 1 if rows else 1
    marks = ", ".join([db.param] * len(COLUMNS))
    db.query(f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES ({marks})", astuple(row))


def new_row(
    version: str,
    description: str,
    script: str,
    outcome: str,
    *,
    deploy_id: str,
    applied_by: str | None,
    target: str | None,
    checksum: str | None = None,
    duration_ms: int = 0,
    error_text: str | None = None,
    failed_statement: str | None = None,
    allowed_breaking: str | None = None,
    content: str | None = None,
    run_mode: str | None = None,
    statement_index: int | None = None,
) -> HistoryRow:
    """A row to add: every text masked (a migration may hold a password), long texts cut."""
    return HistoryRow(
        0,
        version,
        description,
        script,
        checksum,
        applied_by,
        utc_now(),
        duration_ms,
        outcome,
        _cut(error_text),
        _cut(failed_statement),
        allowed_breaking,
        target,
        deploy_id,
        mask(content) if content is not None else None,
        run_mode,
        statement_index,
    )


def applied_by(db: Database) -> str:
    """The database user (SQLite: the operating-system user), and the CI actor when there is one."""
    who = None
    if db.dialect.current_user_sql:
        try:
            rows = db.query(db.dialect.current_user_sql)
            who = str(rows[0][0]) if rows and rows[0][0] is not None else None
        except SchemaSyncError:
            who = None
    if who is None:
        try:
            who = getpass.getuser()
        except (OSError, KeyError):
            who = "unknown"
    actor = os.environ.get("GITHUB_ACTOR")
    return f"{who} (GitHub: {actor})" if actor else who


def _cut(text: str | None) -> str | None:
    if text is None:
        return None
    text = mask(text)
    return text if len(text) <= _TEXT_LIMIT else text[: _TEXT_LIMIT - 1] + "…"


def _time_text(value: object) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)[:19]
