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


COLUMNS = tuple(f.name for f in fields(HistoryRow))


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


def read_history(db: Database) -> list[HistoryRow]:
    """Every row, oldest first; empty when the table does not exist yet."""
    db.dialect.prepare_text_io(db)
    try:
        rows = db.query(f"SELECT {', '.join(COLUMNS)} FROM {db.dialect.history_table} ORDER BY installed_rank")
    except SchemaSyncError as exc:
        db.rollback_quietly()
        if is_missing_table(exc.message):
            return []
        raise
    out = []
    for row in rows:
        rec = dict(zip(COLUMNS, row, strict=True))
        rec["applied_at"] = _time_text(rec["applied_at"])
        rec["checksum"] = rec["checksum"].strip() if rec["checksum"] else None
        rec["version"] = str(rec["version"]).strip()
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
