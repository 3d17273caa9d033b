"""Descriptions written in YAML, laid over the database's own comments.

For databases without comments (SQLite) or teams that keep prose in git:

    stores:                       # or main.stores
      description: Physical stores.
      columns:
        store_id: Surrogate key.
      constraints:                # by name; `primary key` for the primary key
        ck_positive: Quantities are positive.
      triggers:
        trg_audit: Writes the audit row.
    schemas:
      main: The Scout retail schema.
    routines:                     # name or schema.name (every overload), or name(argument types) for one
      add_tax: Adds VAT at the given rate.
    types:
      mood: How a customer feels.
    sequences:
      invoice_no: Invoice numbers, never reused.

`schemas`, `routines`, `types` and `sequences` are reserved at the top level: a
table with one of those names is written as `schema.table`.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml

from ..errors import SchemaSyncError
from ..files import NotUtf8, read_utf8
from ..masking import get_logger
from .model import Catalog, Routine, Table

log = get_logger("descriptions")

#: top-level keys that are not tables
KIND_KEYS = ("routines", "types", "sequences")
_TABLE_KEYS = ("description", "columns", "constraints", "triggers")
PRIMARY_KEY = "primary key"

T = TypeVar("T")


@dataclass
class Descriptions:
    tables: dict[str, str] = field(default_factory=dict)
    columns: dict[str, dict[str, str]] = field(default_factory=dict)
    constraints: dict[str, dict[str, str]] = field(default_factory=dict)
    triggers: dict[str, dict[str, str]] = field(default_factory=dict)
    schemas: dict[str, str] = field(default_factory=dict)
    routines: dict[str, str] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)
    sequences: dict[str, str] = field(default_factory=dict)

    def empty(self) -> bool:
        parts = (self.tables, self.columns, self.constraints, self.triggers, self.schemas)
        return not any(parts) and not any((self.routines, self.types, self.sequences))

    def apply(self, catalog: Catalog) -> Catalog:
        """A copy of `catalog` whose comments are replaced where a description is given."""
        if self.empty():
            return catalog
        out = copy.deepcopy(catalog)
        out.schema_comments.update(self.schemas)
        for name in sorted(set(self.tables) | set(self.columns) | set(self.constraints) | set(self.triggers)):
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
            self._constraints(table, self.constraints.get(name, {}))
            for trigger_name, text in self.triggers.get(name, {}).items():
                hits = [t for t in out.triggers if t.table_key == table.key and t.name == trigger_name]
                if not hits:
                    log.warning("descriptions: %s has no trigger %r", table.key, trigger_name)
                for trigger in hits:
                    trigger.comment = text
        for name, text in self.routines.items():
            for routine in _routines(out.routines, name):
                routine.comment = text
        for name, text in self.types.items():
            for user_type in _named(out.types, name, "type"):
                user_type.comment = text
        for name, text in self.sequences.items():
            for sequence in _named(out.sequences, name, "sequence"):
                sequence.comment = text
        return out

    @staticmethod
    def _constraints(table: Table, texts: dict[str, str]) -> None:
        members: list[Any] = [*table.uniques, *table.foreign_keys, *table.checks]
        for cname, text in texts.items():
            if cname == PRIMARY_KEY or (table.primary_key is not None and table.primary_key.name == cname):
                if table.primary_key is None:
                    log.warning("descriptions: %s has no primary key", table.key)
                else:
                    table.primary_key.comment = text
                continue
            hits = [m for m in members if m.name == cname]
            if not hits:
                log.warning("descriptions: %s has no constraint %r", table.key, cname)
            for member in hits:
                member.comment = text


def _named(objects: list[T], name: str, what: str) -> list[T]:
    """The object called `schema.name` or `name` (case-sensitive first); none or several is a warning."""
    found = _lookup(objects, name)
    if len(found) != 1:
        where = "nothing" if not found else ", ".join(f"{o.schema}.{o.name}" for o in found)  # type: ignore[attr-defined]
        log.warning("descriptions: %s %r matches %s; write it as schema.name", what, name, where)
        return []
    return found


def _lookup(objects: list[T], name: str) -> list[T]:
    if "." in name:
        schema, _, bare = name.partition(".")
        hit = [o for o in objects if o.schema == schema and o.name == bare]  # type: ignore[attr-defined]
        if hit:
            return hit
    exact = [o for o in objects if o.name == name]  # type: ignore[attr-defined]
    return exact or [o for o in objects if o.name.lower() == name.lower()]  # type: ignore[attr-defined]


def _routines(routines: list[Routine], name: str) -> list[Routine]:
    """`f(integer)` / `s.f(integer)`: that overload; `f` / `s.f`: all overloads of f in one schema."""
    hits = [r for r in routines if name in (r.key, r.label)] if "(" in name else _lookup(routines, name)
    if len({r.schema for r in hits}) != 1:
        where = "nothing" if not hits else ", ".join(sorted({r.key for r in hits}))
        log.warning("descriptions: routine %r matches %s; write it as schema.name", name, where)
        return []
    return hits


def load_descriptions(path: Path | None) -> Descriptions:
    if path is None:
        return Descriptions()
    if not path.is_file():
        raise SchemaSyncError(f"descriptions file {path} does not exist (option `descriptions`)")
    try:
        data = yaml.safe_load(read_utf8(path)) or {}
    except NotUtf8 as exc:
        raise SchemaSyncError(f"descriptions file {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or " ".join(str(exc).split())
        raise SchemaSyncError(f"descriptions file {where} is not valid YAML: {problem}") from None
    if not isinstance(data, dict):
        raise SchemaSyncError(f"descriptions file {path}: expected a mapping of table names at the top level")
    out = Descriptions()
    for key, value in data.items():
        key = str(key)
        if key == "schemas" or key in KIND_KEYS:
            setattr(out, key, _text_map(path, key, value, "names"))
            continue
        if isinstance(value, str):
            out.tables[key] = value
            continue
        if not isinstance(value, dict):
            raise SchemaSyncError(
                f"descriptions file {path}: {key!r} must be text or a mapping with `description` and `columns`"
            )
        unknown = set(value) - set(_TABLE_KEYS)
        if unknown:
            raise SchemaSyncError(
                f"descriptions file {path}: {key!r} has unknown key(s) {', '.join(sorted(map(str, unknown)))}; "
                f"use {', '.join(f'`{k}`' for k in _TABLE_KEYS)}"
            )
        if "description" in value:
            out.tables[key] = str(value["description"])
        out.columns[key] = _text_map(path, f"{key}.columns", value.get("columns"), "column names")
        for part in ("constraints", "triggers"):
            if part in value:
                getattr(out, part)[key] = _text_map(path, f"{key}.{part}", value[part], f"{part[:-1]} names")
    return out


def _text_map(path: Path, where: str, value: Any, what: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise SchemaSyncError(f"descriptions file {path}: `{where}` must map {what} to text")
    return {str(k): str(v) for k, v in value.items()}
