"""Fingerprint polling: drift capture for databases without DDL triggers.

SQLite, MySQL/MariaDB and PostgreSQL without a superuser cannot log DDL as it
happens. Each check instead compares the catalog with the last one recorded and
appends what changed to the drift log (login 'unknown (polled)', source 'poll').

Cost: the dialect's change signal comes first. A `Poller` remembers the last
signal it saw, so an unchanged database costs one query per check; the first
check of a process also reads the stored signal (a second query). Only when
the signal moved is the catalog read and compared, object by object (SHA-256).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..catalog import Catalog
from ..catalog.change import details
from ..catalog.diff import Change, diff_catalogs
from ..db import open_database
from ..errors import LockBusy, SchemaSyncError
from ..files import file_lock
from ..masking import get_logger, mask
from .log import (
    DriftEntry,
    JsonLog,
    append,
    create_log_tables,
    json_log_path,
    merge_logs,
    read_log,
    read_state,
    utc_now,
    write_state,
)

if TYPE_CHECKING:
    from ..db import Database
    from ..settings import Settings

log = get_logger("poll")

POLLED_LOGIN = "unknown (polled)"


@dataclass
class PollResult:
    checked: bool  # False: the signal had not moved (or triggers do the logging)
    entries: list[DriftEntry] = field(default_factory=list)
    where: str = ""  # "database", "json" or "triggers"
    signal: str | None = None  # the change signal after recording


@dataclass
class DeployTag:
    """Changes a deploy made: logged as source 'deploy', sync_status 'deployed', status_ref the deploy id."""

    deploy_id: str
    login: str


def entries_from_changes(
    changes: list[Change], when: str | None = None, deploy: DeployTag | None = None
) -> list[DriftEntry]:
    """One log row per changed object, the statement a summary of what changed in it."""
    when = when or utc_now()
    by_key: dict[tuple[str, str, str, str], list[Change]] = {}
    for ch in changes:
        member = (ch.column or "") if ch.category == "trigger" else ""
        by_key.setdefault((ch.category, ch.schema, ch.table, member), []).append(ch)
    out = []
    for (category, schema, table, _member), group in sorted(by_key.items(), key=lambda i: i[0][1:] + i[0][:1]):
        if category != "table":
            event, otype, name, text = _object_entry(category, group)
        elif not table:
            event, otype, name = "COMMENT", "schema", schema
            text = "; ".join(c.describe() for c in group)
        else:
            event, otype, name, text = _table_entry(group)
        breaking = any(c.breaking for c in group)
        diff_lines = [line for _, lines in details(group) for line in lines]
        statement = text + (" [breaking]" if breaking else "") + "".join(f"\n  {line}" for line in diff_lines)
        tagged = deploy is not None
        out.append(
            DriftEntry(
                event_time=when,
                login_name=deploy.login if deploy is not None else POLLED_LOGIN,
                event_type=event,
                object_type=otype,
                schema_name=schema,
                object_name=name,
                # a summary quotes defaults, view SQL and routine bodies, which may hold a password:
                # masked before it is stored
                statement=mask(statement),
                source="deploy" if tagged else "poll",
                sync_status="deployed" if tagged else "pending",
                status_changed_at=when if tagged else None,
                status_ref=deploy.deploy_id if deploy is not None else None,
            )
        )
    return out


def _table_entry(group: list[Change]) -> tuple[str, str, str, str]:
    first = group[0]
    schema, table = first.schema, first.table
    if first.kind == "table_added":
        kind = first.after["kind"]
        cols = ", ".join(f"{c['name']} {c['type']}" for c in first.after["columns"])
        return f"CREATE {kind.upper()}", kind, table, f"added {kind} {schema}.{table} ({cols})"
    if first.kind == "table_removed":
        kind = first.before["kind"]
        return f"DROP {kind.upper()}", kind, table, f"removed {kind} {schema}.{table}"
    return "ALTER TABLE", "table", table, f"changed {schema}.{table}: " + "; ".join(c.describe() for c in group)


def _object_entry(category: str, group: list[Change]) -> tuple[str, str, str, str]:
    """A routine, trigger, type or sequence: named as PostgreSQL's event triggers name it."""
    first = group[0]
    obj = first.after if first.after is not None and not first.kind.endswith("_removed") else first.before
    if category == "routine":
        otype = str(obj.get("kind") if isinstance(obj, dict) else "function")
        name = first.table
    elif category == "trigger":
        otype, name = "trigger", f"{first.column} on {first.table}"
    elif category == "type":
        otype, name = "type", first.table
    else:
        otype, name = "sequence", first.table
    verb = "CREATE" if first.kind.endswith("_added") and len(group) == 1 else "ALTER"
    if first.kind.endswith("_removed") and not first.kind.startswith("enum_value"):
        verb = "DROP"
    word = otype.split()[-1].upper()  # `window function` -> FUNCTION
    if category == "type" and isinstance(obj, dict) and obj.get("kind") == "domain":
        word = "DOMAIN"
    return f"{verb} {word}", otype, name, "; ".join(c.describe() for c in group)


class Poller:
    """Checks one database; keep one per process so unchanged checks cost a single query.

    Recording is atomic per database: under the database's schema-sync lock (`Dialect.exclusive`), or a
    file lock for the JSON log, the stored signal is compared again, and the catalog compared with the
    stored one is read after the signal that is stored with it. So two processes polling at once (two
    monitors, a monitor and a build) never record a change twice, and never store an older catalog
    over a newer one.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.last_signal: str | None = None

    def check(
        self,
        db: Database,
        *,
        catalog: Catalog | None = None,
        signal: str | None = None,
        deploy: DeployTag | None = None,
    ) -> PollResult:
        """Compare with the recorded state and log the differences.

        `catalog`/`signal` may come from a read the caller already made (a build): the signal read
        before the catalog. `deploy`: the differences are a deploy's own changes (`monitor` never
        reports them as drift). Raises LockBusy when another process kept the lock for `query_timeout`.
        """
        if signal is None:
            signal = db.dialect.change_signal(db)
        if signal == self.last_signal:
            return PollResult(False)
        state = read_state(db, names=("mode", "signal", "version"))
        if state is not None and db.dialect.triggers_installed(state):
            self.last_signal = signal
            return PollResult(False, where="triggers")
        if state is not None and state.get("signal") == signal:
            self.last_signal = signal
            return PollResult(False, where="database")
        if state is None and self.settings.snapshot is not None and self._json().state().get("signal") == signal:
            self.last_signal = signal
            return PollResult(False, where="json")
        result = self._record(db, state, catalog, signal, deploy)
        self.last_signal = result.signal
        return result

    # ------------------------------------------------------------------ stores

    def _record(
        self,
        db: Database,
        state: dict[str, str | None] | None,
        catalog: Catalog | None,
        signal: str,
        deploy: DeployTag | None = None,
    ) -> PollResult:
        """Into the database's log once `install-triggers` created it; never create objects there unasked."""
        if state is None and self.settings.snapshot is not None:
            return self._record_in_json(db, catalog, signal, deploy)
        try:
            return self._record_in_database(db, catalog, signal, deploy)
        except LockBusy:
            raise
        except SchemaSyncError as exc:
            if self.settings.snapshot is None:
                raise
            log.info("drift log not writable in the database (%s); using %s", exc.message, self._json().path)
        return self._record_in_json(db, catalog, signal, deploy)

    def rebaseline(self, db: Database) -> None:
        """Make the schema as it is now the JSON log's baseline, recording nothing (after uninstall-triggers:
        what changed meanwhile is in the database's log already)."""
        if self.settings.snapshot is None or read_state(db, names=("mode",)) is not None:
            return
        store = self._json()
        lock = store.path.with_name(store.path.name + ".lock")
        with file_lock(lock, db.spec.query_timeout) as held:
            if not held:
                raise LockBusy(f"another process kept {lock} locked for {db.spec.query_timeout:g} s; try again")
            now, current = self._current(db, None, "")
            store.update([], {"catalog": current.canonical(), "signal": now})
        self.last_signal = now

    def json_exists(self) -> bool:
        """Whether polling keeps its log in the JSON file beside the snapshot."""
        return self.settings.snapshot is not None and self._json().exists()

    def _json(self) -> JsonLog:
        assert self.settings.snapshot is not None
        return JsonLog(json_log_path(self.settings.snapshot))

    def _writer(self, db: Database) -> Database:
        """SQLite is read with a read-only connection; writing needs its own."""
        if db.driver == "sqlite3":
            return open_database(db.spec, writable=True)
        return db

    def _current(self, db: Database, catalog: Catalog | None, signal: str) -> tuple[str, Catalog]:
        """The signal now and a catalog read after it: the caller's, when the signal has not moved since."""
        now = db.dialect.change_signal(db)
        if catalog is None or now != signal:
            catalog = db.dialect.read_catalog(db, row_counts=False)
        return now, catalog

    def _record_in_database(
        self, db: Database, catalog: Catalog | None, signal: str, deploy: DeployTag | None = None
    ) -> PollResult:
        writer = self._writer(db)
        timeout = db.spec.query_timeout
        try:
            with writer.dialect.exclusive(writer, timeout):
                state = read_state(writer, names=("mode", "signal", "version"))
                if state is None:
                    create_log_tables(writer)
                    state = {}
                if writer.dialect.triggers_installed(state):  # installed meanwhile
                    return PollResult(False, where="triggers", signal=signal)
                now, current = self._current(writer, catalog, signal)
                if state.get("signal") == now:  # another process recorded it meanwhile
                    return PollResult(False, where="database", signal=now)
                with writer.transaction():
                    old = self._stored_catalog(writer)
                    changes = diff_catalogs(old, current) if old is not None else []
                    entries = entries_from_changes(changes, deploy=deploy)
                    append(writer, entries)
                    write_state(writer, {"catalog": current.to_json(), "signal": now})
                    writer.commit()
        except SchemaSyncError:
            writer.rollback_quietly()
            raise
        except Exception as exc:
            writer.rollback_quietly()
            raise SchemaSyncError(f"cannot write the drift log: {exc}") from None
        finally:
            if writer is not db:
                writer.close()
        return PollResult(True, entries, "database", now)

    def _stored_catalog(self, db: Database) -> Catalog | None:
        rows = read_state(db, names=("catalog",)) or {}
        raw = rows.get("catalog")
        return Catalog.from_canonical(json.loads(raw)) if raw else None

    def _record_in_json(
        self, db: Database, catalog: Catalog | None, signal: str, deploy: DeployTag | None = None
    ) -> PollResult:
        store = self._json()
        lock = store.path.with_name(store.path.name + ".lock")
        with file_lock(lock, db.spec.query_timeout) as held:
            if not held:
                raise LockBusy(f"another process kept {lock} locked for {db.spec.query_timeout:g} s; try again")
            state: dict[str, Any] = store.state()
            now, current = self._current(db, catalog, signal)
            if state.get("signal") == now:  # another process recorded it meanwhile
                return PollResult(False, where="json", signal=now)
            old = Catalog.from_canonical(state["catalog"]) if state.get("catalog") else None
            entries = entries_from_changes(diff_catalogs(old, current), deploy=deploy) if old is not None else []
            store.update(entries, {"catalog": current.canonical(), "signal": now})
        return PollResult(True, entries, "json", now)


@dataclass
class BuildDrift:
    entries: list[DriftEntry] | None  # None: no drift log anywhere
    warning: str | None = None


def capture_at_build(db: Database, settings: Settings, catalog: Catalog, signal: str) -> BuildDrift:
    """At build time: poll (when no triggers log the changes), then read the log. Never fails the build."""
    try:
        Poller(settings).check(db, catalog=catalog, signal=signal)
    except LockBusy as exc:  # another process is recording the same changes
        log.info("drift polling left to another process: %s", exc.message)
    except SchemaSyncError as exc:
        log.warning("drift polling failed: %s", exc.message)
    warning = None
    try:
        entries = read_log(db, settings.drift_limit)
    except SchemaSyncError as exc:
        entries, warning = None, exc.message
    # whichever way a change was recorded (polled into the JSON file before install-triggers or after
    # uninstall-triggers --keep-log, or logged in the database), the change log shows it
    from_json = drift_from_json(settings)
    return BuildDrift(merge_logs(entries, from_json.entries, limit=settings.drift_limit), warning or from_json.warning)


def drift_from_json(settings: Settings) -> BuildDrift:
    """Offline (built from the snapshot): the JSON drift log beside it, if there is one."""
    if settings.snapshot is None:
        return BuildDrift(None)
    store = JsonLog(json_log_path(settings.snapshot))
    if not store.exists():
        return BuildDrift(None)
    try:
        return BuildDrift(store.read(settings.drift_limit))
    except SchemaSyncError as exc:
        return BuildDrift(None, exc.message)
