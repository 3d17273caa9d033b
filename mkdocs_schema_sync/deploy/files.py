"""The migration files: `NNN_description.sql` in one folder, ordered by their number, identified by SHA-256."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import SchemaSyncError

_NAME = re.compile(r"^(\d+)_([A-Za-z0-9][A-Za-z0-9_\-]*)\.sql$")


@dataclass(frozen=True)
class Migration:
    """One file: its version (the number, leading zeros dropped), what it says it does, and its content."""

    version: str
    description: str
    script: str  # the file name
    path: Path
    text: str
    checksum: str  # SHA-256 of the file's bytes, hex

    @property
    def order(self) -> int:
        return int(self.version)


def version_key(version: str) -> int:
    """Versions compare as numbers (`10` after `9`); `baseline` takes the same form."""
    if not version.isdigit():
        raise SchemaSyncError(f"version {version!r} is not a number (migration files are named NNN_description.sql)")
    return int(version)


def checksum(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def discover(folder: Path) -> list[Migration]:
    """Every `NNN_description.sql` in `folder`, in version order. Other `.sql` names and duplicates are errors."""
    if not folder.is_dir():
        raise SchemaSyncError(
            f"migrations folder {folder} does not exist: create it, or set the `migrations` option in mkdocs.yml"
        )
    found: dict[int, Migration] = {}
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.suffix.lower() != ".sql":
            continue
        m = _NAME.match(path.name)
        if m is None:
            raise SchemaSyncError(
                f"{path}: migration files are named NNN_description.sql (e.g. 001_add_store_timezone.sql); "
                "rename it or move it out of the migrations folder"
            )
        data = path.read_bytes()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SchemaSyncError(f"{path} is not UTF-8 ({exc.reason} at byte {exc.start}): save it as UTF-8") from None
        version = str(int(m.group(1)))
        migration = Migration(version, m.group(2).replace("_", " "), path.name, path, text, checksum(data))
        if migration.order in found:
            raise SchemaSyncError(
                f"{path.name} and {found[migration.order].script} both have version {version}: renumber one of them"
            )
        found[migration.order] = migration
    return [found[k] for k in sorted(found)]
