"""The migration files: `NNN_description.sql` in one folder, ordered by their number, identified by SHA-256.

Hidden files (`.name`, e.g. macOS's `._001_x.sql`) are ignored and said so; a
symbolic link is followed only to a file inside the repository; a UTF-8
byte-order mark is removed before anything is sent (the checksum stays that of
the file's bytes). A file whose leading comments hold the line
`-- schema-sync: no-transaction` runs statement by statement in autocommit.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import SchemaSyncError

_NAME = re.compile(r"^(\d+)_([A-Za-z0-9][A-Za-z0-9_\-]*)\.sql$")
#: `-- schema-sync: WORD` among a file's leading comment lines
_DIRECTIVE = re.compile(r"^--[ \t]*schema-sync[ \t]*:[ \t]*(\S*)[ \t]*$", re.IGNORECASE)
NO_TRANSACTION = "no-transaction"
_BOM = "\ufeff"


@dataclass(frozen=True)
class Migration:
    """One file: its version (the number, leading zeros dropped), what it says it does, and its content."""

    version: str
    description: str
    script: str  # the file name
    path: Path
    text: str
    checksum: str  # SHA-256 of the file's bytes, hex
    no_transaction: bool = False  # `-- schema-sync: no-transaction`: statement by statement, in autocommit
    notes: tuple[str, ...] = field(default=())  # what the plan says about the file (a BOM removed, a link)

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


def discover(folder: Path, root: Path | None = None) -> list[Migration]:
    """Every `NNN_description.sql` in `folder`, in version order. Other `.sql` names and duplicates are errors."""
    return scan(folder, root)[0]


def scan(folder: Path, root: Path | None = None) -> tuple[list[Migration], list[str]]:
    """The migrations of `folder`, and notes on what was left out (hidden files).

    `root` is the repository: a symbolic link resolving outside it is refused.
    """
    if not folder.is_dir():
        raise SchemaSyncError(
            f"migrations folder {folder} does not exist: create it, or set the `migrations` option in mkdocs.yml"
        )
    found: dict[int, Migration] = {}
    notes: list[str] = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith("."):
            if path.suffix.lower() == ".sql":
                notes.append(f"ignored hidden file {path.name} (names starting with a dot are never migrations)")
            continue
        if not path.is_file() or path.suffix.lower() != ".sql":
            continue
        m = _NAME.match(path.name)
        if m is None:
            raise SchemaSyncError(
                f"{path}: migration files are named NNN_description.sql (e.g. 001_add_store_timezone.sql); "
                "rename it or move it out of the migrations folder"
            )
        migration = _read(path, m, root)
        if migration.order in found:
            raise SchemaSyncError(
                f"{path.name} and {found[migration.order].script} both have version {migration.version}: "
                "renumber one of them"
            )
        found[migration.order] = migration
    return [found[k] for k in sorted(found)], notes


def repository_root(start: Path) -> Path:
    """The git work tree holding `start` (the folder of mkdocs.yml), or `start` itself outside one."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return start


def _read(path: Path, m: re.Match[str], root: Path | None) -> Migration:
    notes: list[str] = []
    if path.is_symlink():
        target = path.resolve()
        if root is not None and not target.is_relative_to(root.resolve()):
            raise SchemaSyncError(
                f"{path.name} is a symbolic link to {target}, outside the repository ({root.resolve()}): "
                "a deploy runs only files the repository holds; copy the file in instead"
            )
        notes.append(f"symbolic link to {target.relative_to(root.resolve()) if root is not None else target}")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SchemaSyncError(f"{path} is not UTF-8 ({exc.reason} at byte {exc.start}): save it as UTF-8") from None
    if text.startswith(_BOM):
        text = text[len(_BOM) :]
        notes.append("UTF-8 byte-order mark at its start removed (it is not sent to the database)")
    version = str(int(m.group(1)))
    return Migration(
        version,
        m.group(2).replace("_", " "),
        path.name,
        path,
        text,
        checksum(data),
        no_transaction=_no_transaction(path.name, text),
        notes=tuple(notes),
    )


def _no_transaction(name: str, text: str) -> bool:
    """Whether the leading comment lines say `-- schema-sync: no-transaction` (another word there is refused)."""
    for line in io.StringIO(text):  # lazily: only the leading lines are read
        bare = line.strip()
        if not bare:
            continue
        if not bare.startswith("--"):
            return False
        d = _DIRECTIVE.match(bare)
        if d is None:
            continue
        if d.group(1).lower() != NO_TRANSACTION:
            raise SchemaSyncError(
                f"{name}: unknown directive {bare!r}; the one directive is `-- schema-sync: {NO_TRANSACTION}`"
            )
        return True
    return False
