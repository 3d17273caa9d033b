"""Descriptions written in YAML, laid over the database's own comments.

For databases without comments (SQLite) or teams that keep prose in git:

    stores:                       # or main.stores
      description: Physical stores.
      columns:
        store_id: Surrogate key.
    schemas:
      main: The Scout retail schema.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import SchemaSyncError
from ..masking import get_logger
from .model import Catalog

log = get_logger("descriptions")


@dataclass
class Descriptions:
    tables: dict[str, str] = field(default_factory=dict)
    columns: dict[str, dict[str, str]] = field(default_factory=dict)
    schemas: dict[str, str] = field(default_factory=dict)

    def apply(self, catalog: Catalog) -> Catalog:
        """A copy of `catalog` whose comments are replaced where a description is given."""
        if not (self.tables or self.columns or self.schemas):
            return catalog
        out = copy.deepcopy(catalog)
        out.schema_comments.update(self.schemas)
        for name in sorted(set(self.tables) | set(self.columns)):
            found = out.find(name)
            if len(found) != 1:
                what = "no table or view" if not found else f"{len(found)} tables ({', '.join(t.key for t in found)})"
                log.warning("descriptions: %r matches %s; write it as schema.table", name, what)
                continue
            table = found[0]
            if name in self.tables:
                table.comment = self.tables[name]
            for col_name, text in self.columns.get(name, {}).items():
                col = table.column(col_name)
                if col is None:
                    log.warning("descriptions: %s has no column %r", table.key, col_name)
                    continue
                col.comment = text
        return out


def load_descriptions(path: Path | None) -> Descriptions:
    if path is None:
        return Descriptions()
    if not path.is_file():
        raise SchemaSyncError(f"descriptions file {path} does not exist (option `descriptions`)")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise SchemaSyncError(f"descriptions file {path} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise SchemaSyncError(f"descriptions file {path}: expected a mapping of table names at the top level")
    out = Descriptions()
    for key, value in data.items():
        key = str(key)
        if key == "schemas":
            if not isinstance(value, dict):
                raise SchemaSyncError(f"descriptions file {path}: `schemas` must map schema names to text")
            out.schemas = {str(k): str(v) for k, v in value.items()}
            continue
        if isinstance(value, str):
            out.tables[key] = value
            continue
        if not isinstance(value, dict):
            raise SchemaSyncError(
                f"descriptions file {path}: {key!r} must be text or a mapping with `description` and `columns`"
            )
        unknown = set(value) - {"description", "columns"}
        if unknown:
            raise SchemaSyncError(
                f"descriptions file {path}: {key!r} has unknown key(s) {', '.join(sorted(map(str, unknown)))}; "
                "use `description` and `columns`"
            )
        if "description" in value:
            out.tables[key] = str(value["description"])
        cols: Any = value.get("columns") or {}
        if not isinstance(cols, dict):
            raise SchemaSyncError(f"descriptions file {path}: {key}.columns must map column names to text")
        out.columns[key] = {str(k): str(v) for k, v in cols.items()}
    return out
