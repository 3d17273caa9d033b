"""The SQL files shipped with the package, one folder per database (`sql/<dialect>/`).

In the repository they live in the top-level `sql/` folder, where a DBA reads
them; the wheel carries the same folder as package data (`mkdocs_schema_sync/sql/`,
pyproject's hatch force-include), read through `importlib.resources`. An
editable install or a checkout has no package copy: then the repository's folder
is read.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path, PurePosixPath

from ..errors import SchemaSyncError

_CHECKOUT_SQL = Path(__file__).resolve().parents[2] / "sql"


def sql_roots() -> list[Traversable]:
    """Folders that may hold `<dialect>/<name>`: the package's data (wheel), then the checkout's `sql/`."""
    return [resources.files("mkdocs_schema_sync").joinpath("sql"), _CHECKOUT_SQL]


def sql_path(dialect: str, name: str) -> Traversable:
    """The file `sql/<dialect>/<name>` (name may contain `/`), wherever it was installed."""
    parts = PurePosixPath(dialect, name).parts
    if any(p in ("", ".", "..") for p in parts) or PurePosixPath(name).is_absolute():
        raise SchemaSyncError(f"bad SQL file name {dialect}/{name}: use a relative path without '..'")
    tried = []
    for root in sql_roots():
        path = root.joinpath(*parts)
        if path.is_file():
            return path
        tried.append(str(path))
    raise SchemaSyncError(
        f"SQL file {dialect}/{name} is missing from the installation (looked in: {', '.join(tried)}); "
        "reinstall mkdocs-schema-sync"
    )


def read_sql(dialect: str, name: str) -> str:
    """The text of `sql/<dialect>/<name>` (UTF-8)."""
    return sql_path(dialect, name).read_text(encoding="utf-8")
