"""`schema.lock.json` (or a folder: `snapshot_dir`): the catalog committed to git, and the offline fallback."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from ..errors import SchemaSyncError
from ..files import write_atomic
from ..masking import get_logger
from .model import SNAPSHOT_FORMAT, Catalog
from .snapshot_dir import INDEX, is_folder, read_folder, write_folder
from .snapshot_text import SnapshotText

log = get_logger("snapshot")


def write_snapshot(catalog: Catalog, path: Path) -> bool:
    """Write the snapshot; returns False when it already holds exactly this catalog."""
    if is_folder(path):
        return write_folder(SnapshotText.of(catalog), path)
    if path.is_dir():
        raise SchemaSyncError(f"the snapshot path {path} is a folder; a path ending in .json names one file")
    text = catalog.to_json()
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    write_atomic(path, text)  # a crash never leaves half a snapshot
    return True


def snapshot_exists(path: Path) -> bool:
    return path.is_dir() if is_folder(path) else path.is_file()


def read_snapshot(path: Path) -> Catalog:
    if not snapshot_exists(path):
        raise SchemaSyncError(f"snapshot {path} does not exist: take one with `mkdocs-schema-sync snapshot`")
    if is_folder(path):
        snap = read_folder(path)
        catalog = snap.catalog((name, key) for name, entries in snap.maps.items() for key in entries)
        _note_database_keys(catalog, path)
        return catalog
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise SchemaSyncError(f"snapshot {path} cannot be read: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != SNAPSHOT_FORMAT or "objects" not in data:
        raise SchemaSyncError(f"snapshot {path} is not a schema-sync snapshot of format {SNAPSHOT_FORMAT}")
    try:
        catalog = Catalog.from_canonical(data)
    except (KeyError, TypeError) as exc:
        raise SchemaSyncError(f"snapshot {path} is malformed: {exc}") from None
    _note_database_keys(catalog, path)
    return catalog


_noted: set[str] = set()


def _note_database_keys(catalog: Catalog, path: Path) -> None:
    """Say once that an older MySQL/MariaDB snapshot's `database.object` keys are read by object name alone."""
    database = catalog.own_database()
    if database is None or str(path) in _noted:
        return
    _noted.add(str(path))
    log.info(
        "snapshot %s keys MySQL/MariaDB objects with their database's name (%s.…): they are compared by "
        "their name within the database now, and the next `mkdocs-schema-sync snapshot` writes them so",
        path.name,
        database,
    )


def snapshot_time(path: Path) -> str:
    """When the snapshot file was last written (UTC), for the offline notice."""
    stamp = datetime.fromtimestamp((path / INDEX if is_folder(path) else path).stat().st_mtime, tz=UTC)
    return stamp.strftime("%Y-%m-%d %H:%M UTC")
