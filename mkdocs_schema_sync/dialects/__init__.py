"""One module per database. Adding a database is adding one module and one line here."""

from __future__ import annotations

import importlib

from ..errors import SchemaSyncError
from .base import Dialect

_MODULES = {
    "sqlite": "sqlite",
    "postgresql": "postgres",
    "mysql": "mysql",
    "mssql": "mssql",
}


def get_dialect(name: str) -> Dialect:
    module_name = _MODULES.get(name)
    if module_name is None:
        raise SchemaSyncError(f"no dialect adapter for {name!r}; known: {', '.join(sorted(_MODULES))}")
    module = importlib.import_module(f"{__name__}.{module_name}")
    return module.DIALECT  # type: ignore[no-any-return]
