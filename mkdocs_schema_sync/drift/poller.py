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
from ..catalog.diff import Change, diff_catalogs
from ..db import open_database
from ..errors import SchemaSyncError
from ..masking import get_logger
from .log import (
    DriftEntry,
    JsonLog,
    append,
    create_log_tables,
    json_log_path,
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
    by_key: dict[tuple[str, str], list[Change]] = {}
    for ch in changes:
        by_key.setdefault((ch.schema, ch.table), []).append(ch)
    out = []
    for (schema, table), group in sorted(by_key.items()):
        first = group[0]
        if not table:
            event, otype, text = "COMMENT", "schema", "; ".join(c.describe() for c in group)
        elif first.kind == "table_added":
            kind = first.after["kind"]
            cols = ", ".join(f"{c['name']} {c['type']}" for c in first.after["columns"])
            event, otype, text = f"CREATE {kind.upper()}", kind, f"added {kind} {schema}.{table} ({cols})"
        elif first.kind == "table_removed":
            kind = first.before["kind"]
            event, otype, text = f"DROP {kind.upper()}", kind, f"removed {kind} {schema}.{table}"
        else:
            event, otype = "ALTER TABLE", "table"
            text = f"changed {schema}.{table}: " + "; ".join(c.describe() for c in group)
        breaking = any(c.breaking for c in group)
        tagged = deploy is not None
        out.append(
            DriftEntry(
                event_time=when,
                login_name=deploy.login if deploy is not None else POLLED_LOGIN,
                event_type=event,
                object_type=otype,
                schema_name=schema,
                object_name=table or schema,
                statement=text + (" [breaking]" if breaking else ""),
                source="deploy" if tagged else "poll",
                sync_status="deployed" if tagged else "pending",
                status_changed_at=when if tagged else None,
                status_ref=deploy.deploy_id if deploy is not None else None,
            )
        )
    return out


class Poller:
    """Checks one database; keep one per process so unchanged checks cost a single query."""

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

        `catalog`/`signal` may come from a read the caller already made (a build).
        `deploy`: the differences are a deploy's own changes (`monitor` never reports them as drift).
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
        if catalog is None:
            catalog = db.dialect.read_catalog(db, row_counts=False)
        result = self._record(db, catalog, state, signal, deploy)
        self.last_signal = result.signal
        return result

    # ------------------------------------------------------------------ stores

    def _record(
        self,
        db: Database,
        catalog: Catalog,
        state: dict[str, str | None] | None,
        signal: str,
        deploy: DeployTag | None = None,
    ) -> PollResult:
        """Into the database's log once `install-triggers` created it; never create objects there unasked."""
        if state is None and self.settings.snapshot is not None:
            return self._record_in_json(catalog, signal, deploy)
        try:
            return self._record_in_database(db, catalog, state, deploy)
        except SchemaSyncError as exc:
            if self.settings.snapshot is None:
                raise
            log.info("drift log not writable in the database (%s); using %s", exc.message, self._json().path)
        return self._record_in_json(catalog, signal, deploy)

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

    def _record_in_database(
        self, db: Database, catalog: Catalog, state: dict[str, str | None] | None, deploy: DeployTag | None = None
    ) -> PollResult:
        old = self._stored_catalog(db) if state is not None else None
        entries = entries_from_changes(diff_catalogs(old, catalog), deploy=deploy) if old is not None else []
        writer = self._writer(db)
        try:
            if state is None:
                create_log_tables(writer)
            with writer.transaction():
                append(writer, entries)
                write_state(writer, {"catalog": catalog.to_json()})
                writer.commit()
            # read after our own DDL: creating the log tables moves SQLite's schema_version
            signal = writer.dialect.change_signal(writer)
            write_state(writer, {"signal": signal})
            writer.commit()
        except Exception as exc:
            writer.rollback_quietly()
            raise SchemaSyncError(f"cannot write the drift log: {exc}") from None
        finally:
            if writer is not db:
                writer.close()
        return PollResult(True, entries, "database", signal)

    def _stored_catalog(self, db: Database) -> Catalog | None:
        rows = read_state(db, names=("catalog",)) or {}
        raw = rows.get("catalog")
        return Catalog.from_canonical(json.loads(raw)) if raw else None

    def _record_in_json(self, catalog: Catalog, signal: str, deploy: DeployTag | None = None) -> PollResult:
        store = self._json()
        state: dict[str, Any] = store.state()
        old = Catalog.from_canonical(state["catalog"]) if state.get("catalog") else None
        entries = entries_from_changes(diff_catalogs(old, catalog), deploy=deploy) if old is not None else []
        store.update(entries, {"catalog": catalog.canonical(), "signal": signal})
        return PollResult(True, entries, "json", signal)


@dataclass
class BuildDrift:
    entries: list[DriftEntry] | None  # None: no drift log anywhere
    warning: str | None = None


def capture_at_build(db: Database, settings: Settings, catalog: Catalog, signal: str) -> BuildDrift:
    """At build time: poll (when no triggers log the changes), then read the log. Never fails the build."""
    try:
        Poller(settings).check(db, catalog=catalog, signal=signal)
    except SchemaSyncError as exc:
        log.warning("drift polling failed: %s", exc.message)
    try:
        entries = read_log(db, settings.drift_limit)
    except SchemaSyncError as exc:
        return BuildDrift(None, exc.message)
    if entries is None and settings.snapshot is not None:
        store = JsonLog(json_log_path(settings.snapshot))
        if store.exists():
            return BuildDrift(store.read(settings.drift_limit))
    return BuildDrift(entries)


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
