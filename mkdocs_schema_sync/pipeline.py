"""The one path from settings to pages, shared by the MkDocs plugin and the CLI.

settings -> load_catalog (live, or the snapshot when offline) -> DocModel -> render_pages
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .catalog import Catalog
from .catalog.descriptions import load_descriptions
from .catalog.patch import patched
from .catalog.snapshot import read_snapshot, snapshot_exists, snapshot_time
from .contracts import policy
from .db import ConnectionSpec, Database, connection_spec, open_database
from .drift.log import DriftEntry, JsonLog, json_log_path, log_mark, read_since, read_state, rows_up_to, utc_now
from .drift.poller import BuildDrift, capture_at_build, drift_from_json
from .drift.touched import touched_tables
from .errors import ConnectError, SchemaSyncError, Unreachable
from .masking import get_logger
from .render.changelog import add_change_log
from .render.clip import clip_comments
from .render.contracts_page import attach_contracts
from .render.pages import DocModel, SourceInfo, render_pages
from .render.status import SyncInfo, attach_sync, find_workflows
from .settings import Settings, select_tables, unmatched_schemas

log = get_logger("pipeline")


@dataclass
class LoadedCatalog:
    """A catalog (filtered by `schemas`/`exclude`, no description overlay) and where it came from."""

    catalog: Catalog
    source: SourceInfo
    signal: str | None = None
    drift: list[DriftEntry] | None = None  # newest first; None: no drift log
    drift_warning: str | None = None
    sync: SyncInfo | None = None  # for the status page; None: no status page (pages a monitor commits)
    # for the next read (`mkdocs serve`): the unfiltered catalog, the drift log's newest row before it was
    # read (None: no triggers fill the log), partial reads since the last whole one, and what this read did
    raw: Catalog | None = None
    log_mark: tuple[int, int] | None = None  # the drift log's newest id and row count before the read
    partial_reads: int = 0  # partial reads in a row since the whole catalog was read
    read_tables: int | None = None  # tables re-read by a partial read; None: the whole catalog was read


#: after this many partial re-reads in a row, the next change reads the whole catalog again
FULL_READ_EVERY = 20
#: more new drift-log rows than this since the last read: reading everything is as cheap
PARTIAL_ROWS_MAX = 50


MONITOR_STATE = "monitor_last_pass"  # written by sync.monitor after each pass


def sync_info(settings: Settings, db: Database | None) -> SyncInfo:
    """Capture mode, snapshot hash and the last monitor pass, for the status and architecture pages."""
    state: dict[str, str | None] | None = None
    if db is not None:
        try:
            state = read_state(db)
        except SchemaSyncError:
            db.rollback_quietly()
    json_log = JsonLog(json_log_path(settings.snapshot)) if settings.snapshot is not None else None
    json_state = json_log.state() if json_log is not None and json_log.exists() else {}
    info = SyncInfo(built_at=utc_now(), workflows=find_workflows(settings.base_dir))
    if state is not None and db is not None and db.dialect.triggers_installed(state):
        info.capture = "triggers"
        info.capture_outdated = db.dialect.outdated_install(state)
    elif state is not None and state.get("version"):
        info.capture = "poll"
    elif json_state:
        info.capture = "json"
    raw: Any = (state or {}).get(MONITOR_STATE) or json_state.get(MONITOR_STATE)
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raw = None
    info.last_pass = raw if isinstance(raw, dict) else None
    if settings.snapshot is not None and snapshot_exists(settings.snapshot):
        info.snapshot_name = settings.snapshot.name
        try:
            info.snapshot_sha = read_snapshot(settings.snapshot).sha256()
        except SchemaSyncError as exc:
            log.warning("%s", exc.message)
    return info


def read_live(
    settings: Settings, spec: ConnectionSpec | None = None, previous: LoadedCatalog | None = None
) -> LoadedCatalog:
    """The live catalog. With `previous` (the last read of a running `serve`) and a drift log that triggers
    fill, only the tables named by the log's rows since then are read again (see `drift.touched`)."""
    spec = spec or connection_spec(settings)
    with open_database(spec) as db:
        signal = db.dialect.change_signal(db)
        mark = _logged_up_to(db) if settings.drift_log else None  # before the catalog: no row falls between
        partial = _read_changed(db, previous, signal, mark, settings.row_counts)
        if partial is not None:
            catalog, touched = partial
            partial_reads = previous.partial_reads + (touched > 0) if previous is not None else 0
        else:
            catalog, touched = db.dialect.read_catalog(db, row_counts=settings.row_counts), None
            partial_reads = 0
        drift = capture_at_build(db, settings, catalog, signal) if settings.drift_log else BuildDrift(None)
        info = sync_info(settings, db)
        shown = spec.display if settings.show_connection else spec.public(db.dialect.label)
    warn_unmatched_schemas(catalog, settings)
    source = SourceInfo("live", shown, connection=spec.display)
    loaded = LoadedCatalog(select_tables(catalog, settings), source, signal)
    loaded.drift, loaded.drift_warning, loaded.sync = drift.entries, drift.warning, info
    loaded.raw, loaded.log_mark, loaded.partial_reads, loaded.read_tables = catalog, mark, partial_reads, touched
    return loaded


def _logged_up_to(db: Database) -> tuple[int, int] | None:
    """The drift log's newest id and row count when DDL triggers fill it (each change names its objects)."""
    try:
        state = read_state(db, names=("mode",))
    except SchemaSyncError:
        db.rollback_quietly()
        return None
    if state is None or not db.dialect.triggers_installed(state):
        return None
    return log_mark(db)


def _read_changed(
    db: Database, previous: LoadedCatalog | None, signal: str, mark: tuple[int, int] | None, row_counts: bool
) -> tuple[Catalog, int] | None:
    """`previous`'s catalog with the tables the new drift-log rows name read again, and how many were read;
    None when the whole catalog must be read: no previous read or trigger log, the signal moved with no
    new row (a change the triggers missed), a row that committed late below the last newest id, rows
    that cannot bound the change, or the periodic check."""
    if previous is None or previous.raw is None or previous.log_mark is None or mark is None:
        return None
    (last, count), (newest, _) = previous.log_mark, mark
    if newest < last or previous.partial_reads >= FULL_READ_EVERY:
        return None
    if rows_up_to(db, last) != count:  # a transaction that logged below `last` committed after that read
        return None
    if newest == last:
        return (previous.raw, 0) if signal == previous.signal else None
    rows = read_since(db, last)
    if rows is None or len(rows) > PARTIAL_ROWS_MAX:
        return None
    names = touched_tables(rows, previous.raw, db.dialect.split_migration)
    if names is None:
        return None
    if not names:
        return previous.raw, 0
    fresh = db.dialect.read_tables(db, names, row_counts=row_counts)
    log.debug("re-read %d table(s) named by %d drift-log row(s)", len(fresh.tables), len(rows))
    return patched(previous.raw, fresh, names).keeping_hashes(previous.catalog), len(fresh.tables)


def unreachable(settings: Settings, spec: ConnectionSpec, exc: ConnectError) -> str:
    """Why the pages show the snapshot; without `show_connection`, in words that name no host, port or path."""
    if settings.show_connection:
        return f"The database could not be reached ({exc.message})"
    return f"The {spec.public()} could not be reached" + (f" ({exc.reason})" if exc.reason else "")


def warn_unmatched_schemas(catalog: Catalog, settings: Settings) -> None:
    """A WARNING (so `--strict` fails) for each `schemas` pattern the database has no schema for."""
    for pattern in unmatched_schemas(catalog, settings):
        log.warning(
            "schemas: %r matches no schema of the database (it has: %s); fix the option `schemas`",
            pattern,
            ", ".join(catalog.schemas) or "none",
        )


def read_from_snapshot(settings: Settings, reason: str) -> LoadedCatalog:
    path = settings.snapshot
    if path is None or not snapshot_exists(path):
        raise SchemaSyncError(f"{reason}, and there is no snapshot at {path} to build from")
    catalog = named_for_connection(read_snapshot(path), settings)
    notice = f"{reason}. These pages show the snapshot {path.name} of {snapshot_time(path)}."
    loaded = LoadedCatalog(select_tables(catalog, settings), SourceInfo("snapshot", path.name, notice))
    if settings.drift_log:
        drift = drift_from_json(settings)
        loaded.drift, loaded.drift_warning = drift.entries, drift.warning
    loaded.sync = sync_info(settings, None)
    return loaded


def named_for_connection(catalog: Catalog, settings: Settings) -> Catalog:
    """A MySQL/MariaDB snapshot keys objects by name alone: pages, `schemas` and `exclude` see them in the
    connection's database."""
    if catalog.dialect != "mysql" or catalog.own_database() is not None or not settings.connection:
        return catalog
    try:
        database = connection_spec(settings).database
    except SchemaSyncError:
        return catalog
    return catalog.renamed("", database) if database else catalog


def load_catalog(settings: Settings, previous: LoadedCatalog | None = None) -> LoadedCatalog:
    """The live catalog; when the database cannot be reached, the snapshot (unless on_unreachable: fail).
    `previous`: the last read of a running `serve`, which a change may only patch (see `read_live`)."""
    if not settings.connection:
        if settings.connection_error:
            raise SchemaSyncError(settings.connection_error)
        return read_from_snapshot(settings, "No `connection` is configured")
    spec = connection_spec(settings)
    try:
        return read_live(settings, spec, previous if previous is not None and previous.source.kind == "live" else None)
    except Unreachable as exc:
        if settings.on_unreachable == "fail":
            raise SchemaSyncError(f"{exc.message} (on_unreachable: fail)") from None
        loaded = read_from_snapshot(settings, unreachable(settings, spec, exc))
        log.info("database unreachable (%s), building from snapshot %s", exc.message, settings.snapshot)
        return loaded
    except ConnectError as exc:
        raise SchemaSyncError(
            f"{exc.message}. This is not an outage, so the pages are not built from the snapshot: "
            "fix `connection` (or remove it to build from the snapshot on purpose)"
        ) from None


def build_model(settings: Settings, loaded: LoadedCatalog) -> DocModel:
    descriptions = load_descriptions(settings.descriptions)
    catalog = clip_comments(descriptions.apply(loaded.catalog))
    model = DocModel(catalog=catalog, settings=settings, source=loaded.source)
    if loaded.drift_warning:
        log.warning("the drift log could not be read: %s", loaded.drift_warning)
    if loaded.drift:  # no log, or nothing logged yet: no change-log page
        add_change_log(model, loaded.drift)
    report = policy.validate(settings, loaded.catalog, loaded.source.kind)
    if report is not None:
        attach_contracts(model, report)
    if loaded.sync is not None:
        attach_sync(model, loaded.sync, loaded.drift)
    return model


def database_of(settings: Settings) -> str | None:
    """The database's own name (no host, no user), as another database's foreign table names it."""
    if not settings.connection:
        return None
    try:
        return connection_spec(settings).database or None
    except SchemaSyncError:
        return None


def render_site(settings: Settings, loaded: LoadedCatalog) -> dict[str, str]:
    return render_pages(build_model(settings, loaded))
