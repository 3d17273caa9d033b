"""One package per database; this registry finds them. Adding a database is adding a package and a line here."""

from __future__ import annotations

import importlib

from ..errors import SchemaSyncError
from .base import Dialect

# In the order a driver or DBMS name is recognised.
_PACKAGES = {
    "postgresql": "postgres",
    "mysql": "mysql",
    "mssql": "mssql",
    "sqlite": "sqlite",
}


def get_dialect(name: str) -> Dialect:
    package = _PACKAGES.get(name)
    if package is None:
        raise SchemaSyncError(f"no dialect adapter for {name!r}; known: {', '.join(sorted(_PACKAGES))}")
    module = importlib.import_module(f"{__name__}.{package}")
    return module.DIALECT  # type: ignore[no-any-return]


def all_dialects() -> list[Dialect]:
    return [get_dialect(name) for name in _PACKAGES]


def dialect_for_scheme(scheme: str) -> Dialect | None:
    """The dialect of a URL scheme (`postgres`, `mariadb`, `azuresql` …), or None."""
    return next((d for d in all_dialects() if scheme in d.url_schemes), None)


def url_schemes() -> list[str]:
    return sorted(s for d in all_dialects() for s in d.url_schemes)


def dialect_for_odbc_driver(driver: str) -> Dialect | None:
    """The dialect an ODBC driver name means (`PostgreSQL Unicode`, `FreeTDS` …), or None."""
    low = driver.lower()
    return next((d for d in all_dialects() if any(w in low for w in d.odbc_driver_words)), None)


def dialect_for_dbms(dbms_name: str) -> Dialect:
    """The dialect of what an ODBC driver reports as SQL_DBMS_NAME."""
    low = (dbms_name or "").lower()
    for d in all_dialects():
        if any(w in low for w in d.dbms_words):
            return d
    raise SchemaSyncError(f"the ODBC driver reports a database this plugin cannot read: {dbms_name!r}")


def odbc_driver_package(driver: str) -> str | None:
    """The Debian package that brings an ODBC driver, if one is known."""
    return next((d.odbc_packages[driver] for d in all_dialects() if driver in d.odbc_packages), None)


def with_contract_store() -> list[Dialect]:
    return [d for d in all_dialects() if d.contracts is not None]
