"""Plain settings the core works from, whatever read them (the MkDocs plugin or the CLI)."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .catalog import Catalog, Table

NAV_MODES = ("index", "full", "none")
UNREACHABLE_MODES = ("snapshot", "fail")


@dataclass
class Settings:
    """One documented database. A later `databases:` list is a list of these, a section each."""

    base_dir: Path
    connection: str | None = None
    connect_timeout: float = 10.0
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
    show_connection: bool = False  # pages print the (masked) connection, not only the database's kind and name
    # ETL contracts (contracts.py) and their notifier (notify.py)
    contracts: Path | None = None
    contracts_explicit: bool = False
    fail_on_broken_contract: bool | None = None
    notify: list[Any] = field(default_factory=list)
    notify_timeout: float = 5.0
    state_file: Path | None = None

    def resolve(self, value: str | None) -> Path | None:
        if not value:
            return None
        path = Path(value)
        return path if path.is_absolute() else self.base_dir / path


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
