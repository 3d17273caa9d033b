"""The drift log: where it lives on each database, reading it, appending to it.

Every database has the same columns (see sql/<dialect>/log_tables.sql): a table
`schema_sync.drift_log` where schemas exist (PostgreSQL, SQL Server), and
`schema_sync_drift_log` on SQLite and MySQL/MariaDB. Beside it a name/value
table holds the install info and the poll state (`schema_sync.install_info`,
`schema_sync_state`). Where the database cannot be written, the same rows go to
a JSON file beside the snapshot (`JsonLog`).
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import SchemaSyncError
from .masking import mask
from .sqlfiles import read_sql

if TYPE_CHECKING:
    from .connect import Database

LOG_COLUMNS = (
    "id",
    "event_time",
    "login_name",
    "event_type",
    "object_type",
    "schema_name",
    "object_name",
    "statement",
    "source",
    "sync_status",
    "status_changed_at",
    "status_ref",
)
SQL_DIRS = {"postgresql": "postgres", "mysql": "mysql", "sqlite": "sqlite", "mssql": "mssql"}
#: a missing table, in each database's words: no log is not an error
_MISSING = re.compile(r"no such table|does not exist|doesn't exist|Invalid object name|42P01|42S02|1146", re.IGNORECASE)


@dataclass
class DriftEntry:
    """One row of the drift log. `event_time` is UTC, `YYYY-MM-DD HH:MM:SS`."""

    event_time: str
    login_name: str | None
    event_type: str | None
    object_type: str | None
    schema_name: str | None
    object_name: str | None
    statement: str | None
    source: str = "poll"
    sync_status: str = "pending"
    id: int | None = None
    status_changed_at: str | None = None
    status_ref: str | None = None

    def masked(self) -> DriftEntry:
        """A copy safe to show: passwords and registered secrets removed from the statement and login."""
        data = asdict(self)
        for key in ("statement", "login_name", "status_ref"):
            if data[key] is not None:
                data[key] = mask(data[key])
        return DriftEntry(**data)


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _time_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)[:19]


def is_missing_table(message: str) -> bool:
    return bool(_MISSING.search(message))


class LogTables:
    """The names of the log and state tables on one dialect (fixed identifiers, never user input)."""

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect
        self.sql_dir = SQL_DIRS[dialect]
        if dialect in ("postgresql", "mssql"):
            self.log, self.state = "schema_sync.drift_log", "schema_sync.install_info"
        else:
            self.log, self.state = "schema_sync_drift_log", "schema_sync_state"

    def select_log(self, limit: int) -> str:
        cols = ", ".join(LOG_COLUMNS)
        if self.dialect == "mssql":
            return f"SELECT TOP ({int(limit)}) {cols} FROM {self.log} ORDER BY id DESC"
        return f"SELECT {cols} FROM {self.log} ORDER BY id DESC LIMIT {int(limit)}"


# --------------------------------------------------------------------------- database log


def read_log(db: Database, limit: int = 500) -> list[DriftEntry] | None:
    """The newest `limit` rows, newest first, in one query; None when the database has no drift log."""
    utf8_text(db)
    tables = LogTables(db.dialect.name)
    try:
        rows = db.query(tables.select_log(limit))
    except SchemaSyncError as exc:
        _rollback(db)
        if is_missing_table(exc.message):
            return None
        raise SchemaSyncError(f"the drift log {tables.log} cannot be read: {exc.message}") from None
    out = []
    for row in rows:
        rec = dict(zip(LOG_COLUMNS, row, strict=True))
        rec["event_time"] = _time_text(rec["event_time"]) or ""
        rec["status_changed_at"] = _time_text(rec["status_changed_at"])
        out.append(DriftEntry(**rec))
    return out


def read_state(db: Database, *, names: tuple[str, ...] = ()) -> dict[str, str | None] | None:
    """The small name/value rows (install info, poll signal), or one chosen set; None without a state table."""
    utf8_text(db)
    tables = LogTables(db.dialect.name)
    p = db.param
    try:
        if names:
            marks = ", ".join([p] * len(names))
            rows = db.query(f"SELECT name, value FROM {tables.state} WHERE name IN ({marks})", names)
        else:
            rows = db.query(f"SELECT name, value FROM {tables.state} WHERE name <> {p}", ("catalog",))
    except SchemaSyncError as exc:
        _rollback(db)
        if is_missing_table(exc.message):
            return None
        raise
    return {str(n): (None if v is None else str(v)) for n, v in rows}


def utf8_text(db: Database) -> None:
    """MariaDB's ODBC driver garbles long wide-character parameters: bind and read text as UTF-8 instead."""
    if db.dialect.name != "mysql" or db.spec.driver != "pyodbc":
        return
    import pyodbc

    db.raw.setencoding(encoding="utf-8")
    db.raw.setdecoding(pyodbc.SQL_CHAR, encoding="utf-8")
    db.raw.setdecoding(pyodbc.SQL_WCHAR, encoding="utf-8")


def write_state(db: Database, values: dict[str, str | None]) -> None:
    """Upsert name/value rows (delete + insert: portable across the four databases)."""
    utf8_text(db)
    tables = LogTables(db.dialect.name)
    p = db.param
    for name, value in sorted(values.items()):
        db.query(f"DELETE FROM {tables.state} WHERE name = {p}", (name,))
        db.query(f"INSERT INTO {tables.state} (name, value) VALUES ({p}, {p})", (name, value))


def append(db: Database, entries: list[DriftEntry]) -> None:
    utf8_text(db)
    tables = LogTables(db.dialect.name)
    cols = [c for c in LOG_COLUMNS if c not in ("id", "status_changed_at", "status_ref")]
    marks = ", ".join([db.param] * len(cols))
    sql = f"INSERT INTO {tables.log} ({', '.join(cols)}) VALUES ({marks})"
    for e in entries:
        db.query(sql, [getattr(e, c) for c in cols])


def create_log_tables(db: Database) -> None:
    """Create (or upgrade) the drift log and state tables for polling, and mark the mode `poll`."""
    tables = LogTables(db.dialect.name)
    try:
        with db.transaction():
            run_script(db, read_sql(tables.sql_dir, "log_tables.sql"))
            if db.dialect.name in ("postgresql", "mssql"):
                write_state(db, {"mode": "poll", "version": "1"})
            db.commit()
    except SchemaSyncError:
        raise
    except Exception as exc:  # driver errors: one line, masked
        _rollback(db)
        raise SchemaSyncError(f"cannot create the drift log {tables.log}: {' '.join(str(exc).split())[:300]}") from None


def run_script(db: Database, script: str) -> None:
    """Run a shipped SQL script: whole on PostgreSQL/SQLite, per statement on MySQL, per GO batch on SQL Server."""
    for part in split_script(db.dialect.name, script):
        db.execute_script(part)


def split_script(dialect: str, script: str) -> list[str]:
    if dialect == "mssql":
        parts = re.split(r"(?im)^\s*GO\s*;?\s*$", script)
    elif dialect == "mysql":
        parts = re.split(r";\s*$", script, flags=re.MULTILINE)
    else:
        parts = [script]
    out = []
    for part in parts:
        lines = [ln for ln in part.strip().splitlines() if ln.strip() and not ln.strip().startswith("--")]
        if lines:
            out.append(part.strip())
    return out


def _rollback(db: Database) -> None:
    """After a failed statement PostgreSQL refuses more in the same transaction."""
    with contextlib.suppress(Exception):  # nothing to roll back, or no transaction support: fine
        db.raw.rollback()


# --------------------------------------------------------------------------- JSON log beside the snapshot


def json_log_path(snapshot: Path) -> Path:
    """`schema.lock.json` -> `schema.drift.json` (same folder)."""
    name = snapshot.name
    stem = name[: -len(".lock.json")] if name.endswith(".lock.json") else snapshot.stem
    return snapshot.with_name(f"{stem}.drift.json")


class JsonLog:
    """The drift log and poll state as one JSON file, for databases that cannot be written."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _load(self) -> dict[str, Any]:
        if not self.path.is_file():
            return {"entries": [], "state": {}}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise SchemaSyncError(f"drift log {self.path} cannot be read: {exc}") from None
        data.setdefault("entries", [])
        data.setdefault("state", {})
        return data

    def _save(self, data: dict[str, Any]) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(data, sort_keys=True, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        tmp.replace(self.path)

    def exists(self) -> bool:
        return self.path.is_file()

    def read(self, limit: int = 500) -> list[DriftEntry]:
        known = {f.name for f in fields(DriftEntry)}
        entries = [DriftEntry(**{k: v for k, v in e.items() if k in known}) for e in self._load()["entries"]]
        return sorted(entries, key=lambda e: e.id or 0, reverse=True)[:limit]

    def state(self) -> dict[str, Any]:
        return dict(self._load()["state"])

    def update(self, entries: list[DriftEntry], state: dict[str, Any]) -> None:
        data = self._load()
        next_id = max((e.get("id") or 0 for e in data["entries"]), default=0) + 1
        for offset, entry in enumerate(entries):
            rec = asdict(entry)
            rec["id"] = next_id + offset
            data["entries"].append(rec)
        data["state"].update(state)
        self._save(data)
