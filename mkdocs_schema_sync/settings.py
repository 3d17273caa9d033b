"""Plain settings the core works from, whatever read them (the MkDocs plugin or the CLI)."""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .catalog import Catalog, Table
from .errors import SchemaSyncError

NAV_MODES = ("index", "full", "none")
UNREACHABLE_MODES = ("snapshot", "fail")


@dataclass
class Settings:
    """One documented database. A later `databases:` list is a list of these, a section each."""

    base_dir: Path
    connection: str | None = None
    connect_timeout: float = 10.0
    query_timeout: float = 60.0  # seconds a query may take once connected (lock waits, a paused server)
    schemas: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    path: str = "schema"
    title: str = "Database schema"
    nav: str = "index"
    descriptions: Path | None = None
    templates: Path | None = None
    snapshot: Path | None = None
    on_unreachable: str = "snapshot"
    cache_ttl: float = 60.0
    row_counts: bool = True
    er_max_tables: int = 50
    drift_log: bool = True  # poll (without triggers) and show the drift log at build time
    drift_limit: int = 200  # newest drift log rows shown
    watch_interval: float = 2.0  # seconds between change-signal checks under `mkdocs serve` (0: off)
    # ETL contracts (contracts.py) and their notifier (notify.py)
    contracts: Path | None = None
    contracts_explicit: bool = False
    fail_on_broken_contract: bool | None = None
    notify: list[Any] = field(default_factory=list)
    notify_timeout: float = 5.0
    state_file: Path | None = None

    def check(self) -> None:
        """Refuse values no build can use, naming the option (the plugin and the CLI both call this)."""
        self.path = section_path(self.path)
        for name, low, inclusive in _NUMBERS:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise SchemaSyncError(f"option `{name}` must be a number, not {value!r}")
            if value < low or (value == low and not inclusive):
                bound = f"{low} or more" if inclusive else f"more than {low}"
                raise SchemaSyncError(f"option `{name}` must be {bound}, not {value!r}")

    def resolve(self, value: str | None) -> Path | None:
        if not value:
            return None
        path = Path(value)
        return path if path.is_absolute() else self.base_dir / path


#: (option, lowest value, whether the lowest value itself is allowed)
_NUMBERS = (
    ("connect_timeout", 0, False),
    ("query_timeout", 0, False),
    ("notify_timeout", 0, False),
    ("cache_ttl", 0, True),
    ("watch_interval", 0, True),
    ("drift_limit", 0, True),
    ("er_max_tables", 1, True),
)
_BAD_PATH_CHARS = re.compile(r"[\\:\x00-\x1f]")


def section_path(value: str) -> str:
    """The `path` option as a relative folder inside the site (and inside `generate --out`).

    Anything that could leave it is refused rather than cleaned up: `..` and `.` segments, absolute
    paths, backslashes and drive letters (Windows separators), empty segments, control characters.
    """
    folder = value.rstrip("/")
    segments = folder.split("/")
    if (
        not folder
        or folder.startswith("/")
        or _BAD_PATH_CHARS.search(folder)
        or any(seg in ("", ".", "..") for seg in segments)
    ):
        raise SchemaSyncError(
            f"option `path` must be a folder inside the site such as `schema` or `reference/db`, not {value!r} "
            "(no leading /, no `.` or `..` segments, no backslashes or drive letters)"
        )
    return folder


def _matches(table: Table, patterns: list[str]) -> bool:
    names = (table.key, table.name)
    return any(fnmatch.fnmatchcase(n, p) for p in patterns for n in names)


def select_tables(catalog: Catalog, settings: Settings) -> Catalog:
    """The catalog limited to `schemas` (globs) minus `exclude` (globs on `schema.table` or `table`)."""
    tables = [
        t
        for t in catalog.tables
        if (not settings.schemas or any(fnmatch.fnmatchcase(t.schema, p) for p in settings.schemas))
        and not _matches(t, settings.exclude)
    ]
    comments = {s: c for s, c in catalog.schema_comments.items() if any(t.schema == s for t in tables)}
    return Catalog(dialect=catalog.dialect, tables=tables, schema_comments=comments)
