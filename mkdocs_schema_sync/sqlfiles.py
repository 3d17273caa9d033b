"""Find the SQL files shipped with the package.

In a wheel the repository's top-level `sql/` folder is installed as
`mkdocs_schema_sync/sql/` (pyproject's hatch force-include); in an editable
install or a checkout it is still at the repository root. `sql_path` looks in
both places, package first.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from .errors import SchemaSyncError

_PACKAGE_DIR = Path(__file__).resolve().parent


def sql_roots() -> list[Path]:
    """Folders that may hold `<dialect>/<name>`: inside the package (wheel), then the repository."""
    return [_PACKAGE_DIR / "sql", _PACKAGE_DIR.parent / "sql"]


def sql_path(dialect: str, name: str) -> Path:
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
