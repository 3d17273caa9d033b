"""`schema.lock.json`: the canonical catalog committed to git, and the offline fallback."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from ..errors import SchemaSyncError
from ..files import write_atomic
from .model import SNAPSHOT_FORMAT, Catalog


def write_snapshot(catalog: Catalog, path: Path) -> bool:
    """Write the snapshot; returns False when the file already holds exactly this catalog."""
    text = catalog.to_json()
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    write_atomic(path, text)  # a crash never leaves half a snapshot
    return True


def read_snapshot(path: Path) -> Catalog:
    if not path.is_file():
        raise SchemaSyncError(f"snapshot {path} does not exist: take one with `mkdocs-schema-sync snapshot`")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise SchemaSyncError(f"snapshot {path} cannot be read: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != SNAPSHOT_FORMAT or "objects" not in data:
        raise SchemaSyncError(f"snapshot {path} is not a schema-sync snapshot of format {SNAPSHOT_FORMAT}")
    try:
        return Catalog.from_canonical(data)
    except (KeyError, TypeError) as exc:
        raise SchemaSyncError(f"snapshot {path} is malformed: {exc}") from None


def snapshot_time(path: Path) -> str:
    """When the snapshot file was last written (UTC), for the offline notice."""
    stamp = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    return stamp.strftime("%Y-%m-%d %H:%M UTC")
