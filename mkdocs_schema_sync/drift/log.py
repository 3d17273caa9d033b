"""The drift log: where it lives on each database, reading it, appending to it.

Every database has the same columns (see sql/<dialect>/log_tables.sql): a table
`schema_sync.drift_log` where schemas exist (PostgreSQL, SQL Server), and
`schema_sync_drift_log` on SQLite and MySQL/MariaDB (the dialect names it).
Beside it a name/value table holds the install info and the poll state
(`schema_sync.install_info`, `schema_sync_state`). Where the database cannot be written, the same rows go to
a JSON file beside the snapshot (`JsonLog`).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import SchemaSyncError
from ..files import read_json, write_json
from ..masking import mask
from ..untrusted import escape_surrogates

if TYPE_CHECKING:
    from ..db import Database

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


# --------------------------------------------------------------------------- database log


def read_log(db: Database, limit: int = 500) -> list[DriftEntry] | None:
    """The newest `limit` rows, newest first, in one query; None when the database has no drift log."""
    return _select_log(db, db.dialect.select_newest_log(", ".join(LOG_COLUMNS), limit))


def _select_log(db: Database, sql: str, params: tuple[Any, ...] = ()) -> list[DriftEntry] | None:
    """Rows of the drift log as entries; None when the database has no drift log."""
    db.dialect.prepare_text_io(db)
    try:
        rows = db.query(sql, params)
    except SchemaSyncError as exc:
        db.rollback_quietly()
        if is_missing_table(exc.message):
            return None
        raise SchemaSyncError(f"the drift log {db.dialect.log_table} cannot be read: {exc.message}") from None
    return _entries(rows)


def entry_from(rec: dict[str, Any]) -> DriftEntry:
    """An entry from a log row (database table or JSON file), every field coerced to its type.

    Whoever can write the log chooses these values, whatever the column's declared type (SQLite keeps a
    string in an integer column; the JSON file holds anything): they stay untrusted text and are shown
    through the same escaping as every other database text.
    """
    known = {f.name for f in fields(DriftEntry)}
    data = {k: v for k, v in rec.items() if k in known}
    for key, value in data.items():
        if key in ("event_time", "status_changed_at"):
            data[key] = _time_text(value)
        elif key == "id":
            data[key] = value if isinstance(value, int) and not isinstance(value, bool) else _int_or_none(value)
        elif value is not None and not isinstance(value, str):
            data[key] = str(value)
    for name in ("login_name", "event_type", "object_type", "schema_name", "object_name", "statement"):
        data.setdefault(name, None)
    data["event_time"] = data.get("event_time") or ""
    return DriftEntry(**data)


def _int_or_none(value: Any) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None


def _entries(rows: list[tuple[Any, ...]]) -> list[DriftEntry]:
    return [entry_from(dict(zip(LOG_COLUMNS, row, strict=True))) for row in rows]


def log_mark(db: Database) -> tuple[int, int] | None:
    """The newest id and the number of rows, read in one statement (so from one snapshot of the log).

    A row that later shows up at or below that id (its transaction committed after the read) makes
    `rows_up_to(id)` differ from that number. None: no log, or it cannot be read.
    """
    try:
        rows = db.query(f"SELECT max(id), count(*) FROM {db.dialect.log_table}")
    except SchemaSyncError:
        db.rollback_quietly()
        return None
    newest = _int_or_none(rows[0][0]) if rows and rows[0][0] is not None else 0
    count = _int_or_none(rows[0][1]) if rows else None
    return (newest, count) if newest is not None and count is not None else None


def rows_up_to(db: Database, last: int) -> int | None:
    """How many rows have an id up to `last` (None: no log, or it cannot be read)."""
    try:
        rows = db.query(f"SELECT count(*) FROM {db.dialect.log_table} WHERE id <= {db.param}", (last,))
    except SchemaSyncError:
        db.rollback_quietly()
        return None
    return _int_or_none(rows[0][0]) if rows else None


def read_since(db: Database, after: int) -> list[DriftEntry] | None:
    """Every row newer than id `after`, oldest first (None: no drift log)."""
    sql = f"SELECT {', '.join(LOG_COLUMNS)} FROM {db.dialect.log_table} WHERE id > {db.param} ORDER BY id"
    return _select_log(db, sql, (after,))


def read_pending(db: Database, *, synced_to: str | None = None) -> list[DriftEntry] | None:
    """Every row still `pending` (oldest first); rows a deploy recorded (`deployed`) or already synced are not.

    With `synced_to`, instead the rows already marked `synced` with that reference (a pull request's URL).
    """
    p = db.param
    where = f"sync_status = {p}" + (f" AND status_ref = {p}" if synced_to is not None else "")
    params = ("synced", synced_to) if synced_to is not None else ("pending",)
    sql = f"SELECT {', '.join(LOG_COLUMNS)} FROM {db.dialect.log_table} WHERE {where} ORDER BY id"
    return _select_log(db, sql, params)


def mark_rows(db: Database, ids: list[int], status: str, ref: str | None) -> int:
    """Set `sync_status`/`status_ref`/`status_changed_at` of still-pending rows `ids`; the caller commits."""
    db.dialect.prepare_text_io(db)
    when = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    p, done = db.param, 0
    for start in range(0, len(ids), 400):  # well below every driver's parameter limit
        chunk = ids[start : start + 400]
        marks = ", ".join([p] * len(chunk))
        db.query(
            f"UPDATE {db.dialect.log_table} SET sync_status = {p}, status_changed_at = {p}, status_ref = {p} "
            f"WHERE sync_status = {p} AND id IN ({marks})",
            (status, when, ref, "pending", *chunk),
        )
        done += len(chunk)
    return done


def read_state(db: Database, *, names: tuple[str, ...] = ()) -> dict[str, str | None] | None:
    """The small name/value rows (install info, poll signal), or one chosen set; None without a state table."""
    db.dialect.prepare_text_io(db)
    state, p = db.dialect.state_table, db.param
    try:
        if names:
            marks = ", ".join([p] * len(names))
            rows = db.query(f"SELECT name, value FROM {state} WHERE name IN ({marks})", names)
        else:
            rows = db.query(f"SELECT name, value FROM {state} WHERE name <> {p}", ("catalog",))
    except SchemaSyncError as exc:
        db.rollback_quietly()
        if is_missing_table(exc.message):
            return None
        raise
    return {str(n): (None if v is None else str(v)) for n, v in rows}


def write_state(db: Database, values: dict[str, str | None]) -> None:
    """Upsert name/value rows (delete + insert: portable across the four databases)."""
    db.dialect.prepare_text_io(db)
    state, p = db.dialect.state_table, db.param
    for name, value in sorted(values.items()):
        db.query(f"DELETE FROM {state} WHERE name = {p}", (name,))
        db.query(f"INSERT INTO {state} (name, value) VALUES ({p}, {p})", (name, value))


def append(db: Database, entries: list[DriftEntry]) -> None:
    """Insert rows. A lone surrogate in their text (no driver binds one as UTF-8) is stored as its escape
    (`\\ud800`), what the pages show for it."""
    db.dialect.prepare_text_io(db)
    cols = [c for c in LOG_COLUMNS if c != "id"]
    marks = ", ".join([db.param] * len(cols))
    sql = f"INSERT INTO {db.dialect.log_table} ({', '.join(cols)}) VALUES ({marks})"
    for e in entries:
        db.query(sql, [_storable(getattr(e, c)) for c in cols])


def _storable(value: Any) -> Any:
    return escape_surrogates(value) if isinstance(value, str) else value


def create_log_tables(db: Database) -> None:
    """Create (or upgrade) the drift log and state tables for polling, and mark the mode `poll`."""
    try:
        with db.transaction():
            db.run_script(db.dialect.read_sql("log_tables.sql"))
            write_state(db, {"mode": "poll", "version": "1"})
            db.commit()
    except SchemaSyncError as exc:
        raise SchemaSyncError(f"cannot create the drift log {db.dialect.log_table}: {exc.message}") from None
    except Exception as exc:  # driver errors: one line, masked
        db.rollback_quietly()
        raise SchemaSyncError(
            f"cannot create the drift log {db.dialect.log_table}: {' '.join(str(exc).split())[:300]}"
        ) from None


def merge_logs(*logs: list[DriftEntry] | None, limit: int) -> list[DriftEntry] | None:
    """The rows of several logs (the database's first, then the JSON file's) newest first; a row a later
    log shares with an earlier one is shown once. Rows of one log are all kept (one statement can log
    two alike rows). None when there is no log at all."""
    present = [entries for entries in logs if entries is not None]
    if not present:
        return None
    rows: list[DriftEntry] = []
    seen: set[tuple[object, ...]] = set()
    for entries in present:
        keys = {_identity(e) for e in entries}
        rows += [e for e in entries if _identity(e) not in seen]
        seen |= keys
    rows.sort(key=lambda e: (e.event_time or "", e.id or 0, e.source or ""), reverse=True)
    return rows[:limit]


def _identity(e: DriftEntry) -> tuple[object, ...]:
    return (e.event_time, e.event_type, e.schema_name, e.object_name, e.statement, e.source)


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
            data = read_json(self.path)
        except (OSError, ValueError) as exc:
            raise SchemaSyncError(f"drift log {self.path} cannot be read: {exc}") from None
        data.setdefault("entries", [])
        data.setdefault("state", {})
        return data

    def _save(self, data: dict[str, Any]) -> None:
        write_json(self.path, data, indent=1)

    def exists(self) -> bool:
        return self.path.is_file()

    def read(self, limit: int = 500) -> list[DriftEntry]:
        entries = [entry_from(e) for e in self._load()["entries"] if isinstance(e, dict)]
        return sorted(entries, key=lambda e: e.id or 0, reverse=True)[:limit]

    def state(self) -> dict[str, Any]:
        return dict(self._load()["state"])

    def pending(self, *, synced_to: str | None = None) -> list[DriftEntry]:
        if synced_to is not None:
            return [
                e for e in reversed(self.read(limit=10**9)) if e.sync_status == "synced" and e.status_ref == synced_to
            ]
        return [e for e in reversed(self.read(limit=10**9)) if e.sync_status == "pending"]

    def mark(self, ids: list[int], status: str, ref: str | None) -> int:
        data, wanted, done = self._load(), set(ids), 0
        for rec in data["entries"]:
            if rec.get("id") in wanted and rec.get("sync_status", "pending") == "pending":
                rec.update(sync_status=status, status_ref=ref, status_changed_at=utc_now())
                done += 1
        self._save(data)
        return done

    def update(self, entries: list[DriftEntry], state: dict[str, Any]) -> None:
        data = self._load()
        next_id = max((e.get("id") or 0 for e in data["entries"]), default=0) + 1
        for offset, entry in enumerate(entries):
            rec = asdict(entry)
            rec["id"] = next_id + offset
            data["entries"].append(rec)
        data["state"].update(state)
        self._save(data)


#: the catalog SHA-256 a deploy left behind: `monitor` sends no pull request for exactly that schema
DEPLOYED_STATE = "deployed_sha256"


def state_store(db: Database, snapshot: Path | None) -> JsonLog | None:
    """Where name/value state goes: None for the database's state table, else the JSON log beside the snapshot."""
    if read_state(db, names=("version",)) is not None:
        db.rollback_quietly()
        return None
    db.rollback_quietly()
    if snapshot is None:
        raise SchemaSyncError("no drift log in the database and no `snapshot` to keep one beside")
    return JsonLog(json_log_path(snapshot))


def load_state_value(db: Database, snapshot: Path | None, name: str) -> str | None:
    try:
        store = state_store(db, snapshot)
    except SchemaSyncError:
        return None
    if store is not None:
        value = store.state().get(name) if store.exists() else None
        return None if value is None else str(value)
    rows = read_state(db, names=(name,)) or {}
    db.rollback_quietly()
    return rows.get(name)


def save_state_value(db: Database, snapshot: Path | None, name: str, value: str) -> None:
    store = state_store(db, snapshot)
    if store is not None:
        store.update([], {name: value})
        return
    with db.transaction():
        write_state(db, {name: value})
        db.commit()
