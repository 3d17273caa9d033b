"""The catalog model: what every dialect adapter produces and everything else reads.

Plain dataclasses, no database and no MkDocs in here. `canonical()` gives the
stable dictionary form used for snapshots and hashes: sorted keys, stable order,
nothing that changes without a schema change (row counts are left out).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

SNAPSHOT_FORMAT = 1


@dataclass
class Column:
    name: str
    type: str
    nullable: bool = True
    default: str | None = None
    identity: bool = False
    generated: str | None = None
    comment: str | None = None

    def canonical(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "nullable": self.nullable,
            "default": self.default,
            "identity": self.identity,
            "generated": self.generated,
            "comment": self.comment,
        }


@dataclass
class PrimaryKey:
    name: str | None
    columns: list[str]

    def canonical(self) -> dict[str, Any]:
        return {"name": self.name, "columns": list(self.columns)}


@dataclass
class UniqueConstraint:
    name: str | None
    columns: list[str]

    def canonical(self) -> dict[str, Any]:
        return {"name": self.name, "columns": list(self.columns)}


@dataclass
class ForeignKey:
    name: str | None
    columns: list[str]
    ref_schema: str
    ref_table: str
    ref_columns: list[str]
    on_delete: str | None = None
    on_update: str | None = None

    @property
    def ref_key(self) -> str:
        return object_key(self.ref_schema, self.ref_table)

    def canonical(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "columns": list(self.columns),
            "ref_schema": self.ref_schema,
            "ref_table": self.ref_table,
            "ref_columns": list(self.ref_columns),
            "on_delete": self.on_delete,
            "on_update": self.on_update,
        }


@dataclass
class Index:
    name: str
    columns: list[str]
    unique: bool = False
    where: str | None = None
    comment: str | None = None

    def canonical(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "columns": list(self.columns),
            "unique": self.unique,
            "where": self.where,
            "comment": self.comment,
        }


@dataclass
class CheckConstraint:
    name: str | None
    expression: str

    def canonical(self) -> dict[str, Any]:
        return {"name": self.name, "expression": self.expression}


@dataclass
class Table:
    """A table or view. `kind`: table, view, materialized view, partitioned table or foreign table."""

    schema: str
    name: str
    kind: str = "table"
    comment: str | None = None
    columns: list[Column] = field(default_factory=list)
    primary_key: PrimaryKey | None = None
    uniques: list[UniqueConstraint] = field(default_factory=list)
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    indexes: list[Index] = field(default_factory=list)
    checks: list[CheckConstraint] = field(default_factory=list)
    definition: str | None = None
    row_count: int | None = None  # data, not schema: kept out of canonical()

    @property
    def key(self) -> str:
        return object_key(self.schema, self.name)

    @property
    def is_view(self) -> bool:
        return self.kind in ("view", "materialized view")

    def column(self, name: str) -> Column | None:
        for col in self.columns:
            if col.name == name:
                return col
        return None

    def sort_members(self) -> None:
        """Put the unordered members in a stable order (columns keep their ordinal order)."""
        self.uniques.sort(key=lambda u: (u.name or "", u.columns))
        self.foreign_keys.sort(key=lambda f: (f.name or "", f.columns, f.ref_key))
        self.indexes.sort(key=lambda i: i.name)
        self.checks.sort(key=lambda c: (c.name or "", c.expression))

    def canonical(self) -> dict[str, Any]:
        self.sort_members()
        return {
            "schema": self.schema,
            "name": self.name,
            "kind": self.kind,
            "comment": self.comment,
            "columns": [c.canonical() for c in self.columns],
            "primary_key": self.primary_key.canonical() if self.primary_key else None,
            "uniques": [u.canonical() for u in self.uniques],
            "foreign_keys": [f.canonical() for f in self.foreign_keys],
            "indexes": [i.canonical() for i in self.indexes],
            "checks": [c.canonical() for c in self.checks],
            "definition": self.definition,
        }

    def sha256(self) -> str:
        return sha256_of(self.canonical())


@dataclass
class Catalog:
    """Every table and view of one database, ordered by (schema, name)."""

    dialect: str
    tables: list[Table] = field(default_factory=list)
    schema_comments: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.tables.sort(key=lambda t: (t.schema, t.name))
        self._by_key = {t.key: t for t in self.tables}

    def get(self, schema: str, name: str) -> Table | None:
        return self._by_key.get(object_key(schema, name))

    def by_key(self, key: str) -> Table | None:
        return self._by_key.get(key)

    @property
    def schemas(self) -> list[str]:
        return sorted({t.schema for t in self.tables} | set(self.schema_comments))

    def in_schema(self, schema: str) -> list[Table]:
        return [t for t in self.tables if t.schema == schema]

    def find(self, name: str) -> list[Table]:
        """Tables called `name` (or `schema.name`) in any schema; case-sensitive first, then not."""
        if "." in name:
            schema, _, bare = name.partition(".")
            hit = self.get(schema, bare)
            if hit:
                return [hit]
        exact = [t for t in self.tables if t.name == name]
        if exact:
            return exact
        return [t for t in self.tables if t.name.lower() == name.lower()]

    def referencing(self, table: Table) -> list[tuple[Table, ForeignKey]]:
        """Foreign keys of other tables (or the same one) that point at `table`."""
        incoming = self.__dict__.get("_incoming")
        if incoming is None:  # built once: one pass over all foreign keys instead of one per table
            incoming = {}
            for t in self.tables:
                for fk in t.foreign_keys:
                    incoming.setdefault(fk.ref_key, []).append((t, fk))
            self._incoming = incoming
        return list(incoming.get(table.key, []))

    def object_hashes(self) -> dict[str, str]:
        return {t.key: t.sha256() for t in self.tables}

    def sha256(self) -> str:
        return sha256_of({"dialect": self.dialect, "objects": self.object_hashes()})

    def canonical(self) -> dict[str, Any]:
        return {
            "format": SNAPSHOT_FORMAT,
            "dialect": self.dialect,
            "sha256": self.sha256(),
            "schema_comments": dict(sorted(self.schema_comments.items())),
            "objects": {t.key: {"sha256": t.sha256(), **t.canonical()} for t in self.tables},
        }

    def to_json(self) -> str:
        return canonical_json(self.canonical())

    @classmethod
    def from_canonical(cls, data: dict[str, Any]) -> Catalog:
        tables = [table_from_canonical(obj) for obj in data.get("objects", {}).values()]
        return cls(
            dialect=data["dialect"],
            tables=tables,
            schema_comments=dict(data.get("schema_comments") or {}),
        )


def table_from_canonical(obj: dict[str, Any]) -> Table:
    pk = obj.get("primary_key")
    return Table(
        schema=obj["schema"],
        name=obj["name"],
        kind=obj.get("kind", "table"),
        comment=obj.get("comment"),
        columns=[Column(**c) for c in obj.get("columns", [])],
        primary_key=PrimaryKey(**pk) if pk else None,
        uniques=[UniqueConstraint(**u) for u in obj.get("uniques", [])],
        foreign_keys=[ForeignKey(**f) for f in obj.get("foreign_keys", [])],
        indexes=[Index(**i) for i in obj.get("indexes", [])],
        checks=[CheckConstraint(**c) for c in obj.get("checks", [])],
        definition=obj.get("definition"),
    )


def object_key(schema: str, name: str) -> str:
    return f"{schema}.{name}"


def canonical_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def sha256_of(data: Any) -> str:
    raw = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()
