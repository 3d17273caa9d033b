"""The catalog model: what every dialect adapter produces and everything else reads.

Plain dataclasses, no database and no MkDocs in here. `canonical()` gives the
stable dictionary form used for snapshots and hashes: sorted keys, stable order,
nothing that changes without a schema change (row counts are left out).

Tables and views are the first kind of object; routines, triggers, user-defined
types and sequences each have their own map in the snapshot and their own
SHA-256. What was added for those kinds (constraint comments, partitioning,
inheritance, extension membership) appears in a table's canonical form only
when it is set, so the snapshot of a database without them is byte-identical
to the one written before they existed.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass, field, replace
from typing import Any

from ..masking import mask, registered_count
from ..untrusted import escape_surrogates

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
    #: MySQL/MariaDB `ON UPDATE CURRENT_TIMESTAMP`: what the server writes on every UPDATE of the row
    on_update: str | None = None
    #: an identity's start and step when not the database's default: `IDENTITY(100,10)` (SQL Server)
    identity_options: str | None = None
    #: how a generated column is kept where the database offers both: "virtual" or "stored" (MySQL/MariaDB)
    generated_storage: str | None = None

    def canonical(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "type": self.type,
            "nullable": self.nullable,
            "default": self.default,
            "identity": self.identity,
            "generated": self.generated,
            "comment": self.comment,
        }
        if self.on_update is not None:  # absent when unset: older snapshots keep their hashes
            out["on_update"] = self.on_update
        if self.identity_options:  # only when set: older snapshots keep their hashes
            out["identity_options"] = self.identity_options
        if self.generated_storage is not None:
            out["generated_storage"] = self.generated_storage
        return out


@dataclass
class PrimaryKey:
    name: str | None
    columns: list[str]
    comment: str | None = None
    #: cloned onto a partition from its parent's (PostgreSQL)
    inherited: bool = False

    def canonical(self) -> dict[str, Any]:
        return _commented({"name": self.name, "columns": list(self.columns)}, self.comment, self.inherited)


@dataclass
class UniqueConstraint:
    name: str | None
    columns: list[str]
    comment: str | None = None
    #: cloned onto a partition from its parent's (PostgreSQL)
    inherited: bool = False
    #: PostgreSQL 15+ UNIQUE NULLS NOT DISTINCT: two NULLs collide
    nulls_not_distinct: bool = False

    def canonical(self) -> dict[str, Any]:
        data = _commented({"name": self.name, "columns": list(self.columns)}, self.comment, self.inherited)
        if self.nulls_not_distinct:
            data["nulls_not_distinct"] = True
        return data


@dataclass
class ForeignKey:
    name: str | None
    columns: list[str]
    ref_schema: str
    ref_table: str
    ref_columns: list[str]
    on_delete: str | None = None
    on_update: str | None = None
    comment: str | None = None
    inherited: bool = False

    @property
    def ref_key(self) -> str:
        return object_key(self.ref_schema, self.ref_table)

    def canonical(self) -> dict[str, Any]:
        data = {
            "name": self.name,
            "columns": list(self.columns),
            "ref_schema": self.ref_schema,
            "ref_table": self.ref_table,
            "ref_columns": list(self.ref_columns),
            "on_delete": self.on_delete,
            "on_update": self.on_update,
        }
        return _commented(data, self.comment, self.inherited)


@dataclass
class Index:
    """An index. `columns` holds key columns or, for an expression key, its text.

    The fields after `comment` are what a database has beyond a plain B-tree
    on columns; each appears in the canonical form only when set, so snapshots
    of indexes without them stay byte-identical.
    """

    name: str
    columns: list[str]
    unique: bool = False
    where: str | None = None
    comment: str | None = None
    # Access method / kind in lower case, as the database names it: "gist", "gin",
    # "brin", "hash", "spgist" (PostgreSQL); "fulltext", "spatial", "hash"
    # (MySQL/MariaDB); "clustered", "clustered columnstore", "nonclustered
    # columnstore", "xml", "spatial" (SQL Server). None means the default
    # B-tree (SQL Server: nonclustered rowstore).
    method: str | None = None
    # Non-key columns (INCLUDE), in the database's order.
    include: list[str] = field(default_factory=list)
    # Per-key options keyed by the key's position in `columns` ("0", "1", ...):
    # e.g. "DESC", "NULLS FIRST", an operator class, "DESC NULLS LAST".
    options: dict[str, str] = field(default_factory=dict)
    # PostgreSQL 15+ UNIQUE NULLS NOT DISTINCT.
    nulls_not_distinct: bool = False
    # Created on a partition by its parent's index (PostgreSQL).
    inherited: bool = False

    def canonical(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "columns": list(self.columns),
            "unique": self.unique,
            "where": self.where,
            "comment": self.comment,
        }
        if self.method:
            out["method"] = self.method
        if self.include:
            out["include"] = list(self.include)
        if self.options:
            out["options"] = dict(sorted(self.options.items()))
        if self.nulls_not_distinct:
            out["nulls_not_distinct"] = True
        if self.inherited:
            out["inherited"] = True
        return out


@dataclass
class CheckConstraint:
    name: str | None
    expression: str
    comment: str | None = None
    inherited: bool = False

    def canonical(self) -> dict[str, Any]:
        return _commented({"name": self.name, "expression": self.expression}, self.comment, self.inherited)


@dataclass
class Partition:
    """A partition that is part of its table, not a table of its own (MySQL/MariaDB, SQL Server)."""

    name: str
    bound: str | None = None  # `VALUES LESS THAN (2024)`, `VALUES IN (1,2)`; None for HASH/KEY
    comment: str | None = None

    def canonical(self) -> dict[str, Any]:
        return {"name": self.name, "bound": self.bound, "comment": self.comment}


@dataclass
class ForeignSource:
    """Where a foreign table's rows live (PostgreSQL foreign data wrappers): the wrapper, the server, and
    the remote database, schema and table as its options name them (None when an option is not set).
    No host or port: those stay out of pages and snapshots; the database's name is what links a site."""

    wrapper: str
    server: str
    database: str | None = None
    schema: str | None = None
    table: str | None = None

    def canonical(self) -> dict[str, Any]:
        return {"wrapper": self.wrapper, "server": self.server, "database": self.database,
                "schema": self.schema, "table": self.table}  # fmt: skip


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
    #: `RANGE (at)`: how a partitioned table splits its rows
    partition_key: str | None = None
    #: a partition that is a table of its own (PostgreSQL): its parent's key and its bound
    partition_of: str | None = None
    partition_bound: str | None = None
    #: parents' keys of a table that inherits (PostgreSQL INHERITS), in order
    inherits: list[str] = field(default_factory=list)
    #: partitions that are parts of this table, not tables (MySQL/MariaDB, SQL Server)
    partitions: list[Partition] = field(default_factory=list)
    #: the extension that installed this object (PostgreSQL), None for the user's own
    extension: str | None = None
    #: a foreign table's remote table (PostgreSQL), None for every other table
    foreign_source: ForeignSource | None = None
    #: system versioning (SQL Server temporal tables): `SYSTEM_VERSIONING = ON (HISTORY_TABLE = dbo.T_History)`
    #: on the table, `history of dbo.T` on its history table
    versioning: str | None = None
    #: exclusion constraints (PostgreSQL EXCLUDE USING …): `expression` holds their definition
    exclusions: list[CheckConstraint] = field(default_factory=list)

    @property
    def key(self) -> str:
        return object_key(self.schema, self.name)

    @property
    def is_view(self) -> bool:
        return self.kind in ("view", "materialized view")

    @property
    def is_partition(self) -> bool:
        return self.partition_of is not None

    def column(self, name: str) -> Column | None:
        for col in self.columns:
            if col.name == name:
                return col
        return None

    def sort_members(self) -> None:
        """Put the unordered members in a stable order (columns keep their ordinal order)."""
        self.uniques.sort(key=lambda u: (u.name or "", u.columns, u.comment or ""))
        self.foreign_keys.sort(key=lambda f: (f.name or "", f.columns, f.ref_key, f.comment or ""))
        self.indexes.sort(key=lambda i: i.name)
        self.checks.sort(key=lambda c: (c.name or "", c.expression, c.comment or ""))
        self.exclusions.sort(key=lambda c: (c.name or "", c.expression))

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
            **self._optional(),
        }

    def _optional(self) -> dict[str, Any]:
        """The parts only some tables have: absent (not null) when unset, so older snapshots keep their hashes."""
        out: dict[str, Any] = {}
        for name in ("partition_key", "partition_of", "partition_bound", "extension", "versioning"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        if self.inherits:
            out["inherits"] = list(self.inherits)
        if self.partitions:
            out["partitions"] = [p.canonical() for p in self.partitions]
        if self.foreign_source is not None:
            out["foreign_source"] = self.foreign_source.canonical()
        if self.exclusions:
            out["exclusions"] = [c.canonical() for c in self.exclusions]
        return out

    def sha256(self) -> str:
        return sha256_of(self.canonical())


@dataclass
class Trigger:
    """A trigger; it belongs to its table's (or view's) page."""

    schema: str
    table: str
    name: str
    timing: str  # BEFORE, AFTER, INSTEAD OF
    events: list[str]  # INSERT, UPDATE, UPDATE OF a, b, DELETE, TRUNCATE
    level: str = "ROW"  # ROW or STATEMENT
    function: str | None = None  # key of the routine it runs, where it runs one (PostgreSQL)
    definition: str | None = None  # the CREATE TRIGGER statement, or the body it runs
    enabled: bool = True
    comment: str | None = None
    #: a partition's clone of its parent's trigger (PostgreSQL)
    inherited: bool = False

    @property
    def table_key(self) -> str:
        return object_key(self.schema, self.table)

    @property
    def key(self) -> str:
        return f"{self.table_key}.{self.name}"

    def canonical(self) -> dict[str, Any]:
        return {
            "schema": self.schema,
            "table": self.table,
            "name": self.name,
            "timing": self.timing,
            "events": list(self.events),
            "level": self.level,
            "function": self.function,
            "definition": self.definition,
            "enabled": self.enabled,
            "comment": self.comment,
            **({"inherited": True} if self.inherited else {}),
        }

    def sha256(self) -> str:
        return sha256_of(self.canonical())


@dataclass
class Routine:
    """A function, procedure or aggregate. Overloads are distinct routines: the key holds the argument types."""

    schema: str
    name: str
    kind: str = "function"  # function, procedure, aggregate, window function
    signature: str = ""  # the argument types that identify it among overloads: `integer, text`
    arguments: str = ""  # as declared: modes, names, types, defaults
    returns: str | None = None
    language: str | None = None
    definition: str | None = None
    comment: str | None = None
    extension: str | None = None

    @property
    def label(self) -> str:
        return f"{self.name}({self.signature})"

    @property
    def key(self) -> str:
        return object_key(self.schema, self.label)

    def canonical(self) -> dict[str, Any]:
        return {
            "schema": self.schema,
            "name": self.name,
            "kind": self.kind,
            "signature": self.signature,
            "arguments": self.arguments,
            "returns": self.returns,
            "language": self.language,
            "definition": self.definition,
            "comment": self.comment,
            "extension": self.extension,
        }

    def sha256(self) -> str:
        return sha256_of(self.canonical())


@dataclass
class UserType:
    """A user-defined type: enum (values in order), domain, composite, range, alias or table type."""

    schema: str
    name: str
    kind: str  # enum, domain, composite, range, alias, table type
    values: list[str] = field(default_factory=list)  # enum labels, in their order
    base_type: str | None = None  # a domain's or alias's base type, a range's subtype
    nullable: bool = True  # a domain (or alias) declared NOT NULL: False
    default: str | None = None
    checks: list[CheckConstraint] = field(default_factory=list)  # a domain's constraints
    attributes: list[Column] = field(default_factory=list)  # a composite or table type's fields
    comment: str | None = None
    extension: str | None = None

    @property
    def key(self) -> str:
        return object_key(self.schema, self.name)

    def canonical(self) -> dict[str, Any]:
        return {
            "schema": self.schema,
            "name": self.name,
            "kind": self.kind,
            "values": list(self.values),
            "base_type": self.base_type,
            "nullable": self.nullable,
            "default": self.default,
            "checks": [c.canonical() for c in sorted(self.checks, key=lambda c: (c.name or "", c.expression))],
            "attributes": [a.canonical() for a in self.attributes],
            "comment": self.comment,
            "extension": self.extension,
        }

    def sha256(self) -> str:
        return sha256_of(self.canonical())


@dataclass
class Sequence:
    """A sequence. Numbers are kept as text: SQL Server's may be decimal(38,0)."""

    schema: str
    name: str
    data_type: str | None = None
    start: str | None = None
    increment: str | None = None
    min_value: str | None = None
    max_value: str | None = None
    cycle: bool = False
    owned_by: str | None = None  # `schema.table.column` whose drop drops it (PostgreSQL OWNED BY, serial)
    comment: str | None = None
    extension: str | None = None

    @property
    def key(self) -> str:
        return object_key(self.schema, self.name)

    def canonical(self) -> dict[str, Any]:
        return {
            "schema": self.schema,
            "name": self.name,
            "data_type": self.data_type,
            "start": self.start,
            "increment": self.increment,
            "min_value": self.min_value,
            "max_value": self.max_value,
            "cycle": self.cycle,
            "owned_by": self.owned_by,
            "comment": self.comment,
            "extension": self.extension,
        }

    def sha256(self) -> str:
        return sha256_of(self.canonical())


#: the maps of the snapshot beside `objects` (tables and views), each present only when not empty
KINDS = ("routines", "triggers", "types", "sequences")


@dataclass
class Catalog:
    """Every object of one database: tables and views, routines, triggers, types, sequences."""

    dialect: str
    tables: list[Table] = field(default_factory=list)
    schema_comments: dict[str, str] = field(default_factory=dict)
    routines: list[Routine] = field(default_factory=list)
    triggers: list[Trigger] = field(default_factory=list)
    types: list[UserType] = field(default_factory=list)
    sequences: list[Sequence] = field(default_factory=list)
    #: MySQL/MariaDB: the database read, whose name is every object's schema in memory (pages)
    #: but no part of the snapshot, hashes or diff: see `portable()`
    database: str | None = None

    def __post_init__(self) -> None:
        _mask_texts(self)
        self.tables.sort(key=lambda t: (t.schema, t.name))
        self.routines.sort(key=lambda r: (r.schema, r.name, r.signature, r.kind))
        self.triggers.sort(key=lambda t: (t.schema, t.table, t.name))
        self.types.sort(key=lambda t: (t.schema, t.name))
        self.sequences.sort(key=lambda s: (s.schema, s.name))
        self._by_key = {t.key: t for t in self.tables}

    def get(self, schema: str, name: str) -> Table | None:
        return self._by_key.get(object_key(schema, name))

    def by_key(self, key: str) -> Table | None:
        return self._by_key.get(key)

    @property
    def schemas(self) -> list[str]:
        names = {t.schema for t in self.tables} | set(self.schema_comments)
        names |= {o.schema for kind in (self.routines, self.types, self.sequences) for o in kind}
        return sorted(names)

    def in_schema(self, schema: str) -> list[Table]:
        return [t for t in self.tables if t.schema == schema]

    def find(self, name: str) -> list[Table]:
        """Tables called `name` (or `schema.name`) in any schema; case-sensitive first, then not."""
        return _find(self.tables, name)

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

    # ------------------------------------------------------------------ the other kinds

    def routine_map(self) -> dict[str, Routine]:
        """Routines by key. A function and a procedure may share name and arguments where their
        namespaces are apart (MySQL): the later one's key then names its kind."""
        found = self.__dict__.get("_routine_map")
        if found is None:
            found = {}
            for r in self.routines:
                key = r.key if r.key not in found else f"{r.key} {r.kind}"
                found[key] = r
            self._routine_map = found
        return dict(found)

    def routine(self, key: str) -> Routine | None:
        self.routine_map()
        return self._routine_map.get(key)

    def triggers_of(self, table: Table) -> list[Trigger]:
        return list(self._grouped("_triggers_by_table", self.triggers, lambda t: [t.table_key]).get(table.key, []))

    def routines_in(self, schema: str) -> list[Routine]:
        return [r for r in self.routines if r.schema == schema]

    def types_in(self, schema: str) -> list[UserType]:
        return [t for t in self.types if t.schema == schema]

    def sequences_in(self, schema: str) -> list[Sequence]:
        return [s for s in self.sequences if s.schema == schema]

    def partitions_of(self, table: Table) -> list[Table]:
        """The partitions of a partitioned table that are tables of their own."""
        by_parent = self._grouped("_partitions", self.tables, lambda t: [t.partition_of] if t.partition_of else [])
        return list(by_parent.get(table.key, []))

    def children_of(self, table: Table) -> list[Table]:
        """Tables that inherit from `table` (not its partitions)."""
        return list(self._grouped("_children", self.tables, lambda t: t.inherits).get(table.key, []))

    def _grouped(self, name: str, items: list[Any], keys_of: Any) -> dict[str, list[Any]]:
        """An index built once (catalogs are not reshaped after they are made): one pass, not one per lookup."""
        found = self.__dict__.get(name)
        if found is None:
            found = {}
            for item in items:
                for key in keys_of(item):
                    found.setdefault(key, []).append(item)
            setattr(self, name, found)
        return found

    # ------------------------------------------------------------------ one database, any name

    def own_database(self) -> str | None:
        """The MySQL/MariaDB database whose name the objects carry as their schema, if any.

        A catalog read live says it (`database`); one from a snapshot written before keys left the
        database out has all its objects in that one schema.
        """
        if self.dialect != "mysql":
            return None
        if self.database:
            return self.database
        schemas = {t.schema for t in self.tables} | {o.schema for o in (*self.routines, *self.sequences)}
        schemas |= {t.schema for t in self.triggers}
        return next(iter(schemas)) if len(schemas) == 1 and "" not in schemas else None

    def portable(self) -> Catalog:
        """The catalog as the snapshot, the hashes and `diff` see it: on MySQL/MariaDB, objects keyed by
        their name within the database (the database is the connection, as a PostgreSQL database is),
        so staging, production and a renamed copy of one schema compare equal."""
        name = self.own_database()
        return self if name is None else self.renamed(name, "")

    def renamed(self, old: str, new: str) -> Catalog:
        """This catalog with schema `old` called `new` (objects are copied, not changed)."""

        def fk(f: ForeignKey) -> ForeignKey:
            return replace(f, ref_schema=new) if f.ref_schema == old else f

        tables = []
        for t in self.tables:
            if t.schema != old:
                tables.append(t)
                continue
            t2 = copy.copy(t)
            t2.schema, t2.foreign_keys = new, [fk(f) for f in t.foreign_keys]
            tables.append(t2)

        def moved(items: list[Any]) -> list[Any]:
            return [replace(o, schema=new) if o.schema == old else o for o in items]

        return Catalog(
            dialect=self.dialect,
            tables=tables,
            schema_comments={new if k == old else k: v for k, v in self.schema_comments.items()},
            routines=moved(self.routines),
            triggers=moved(self.triggers),
            types=moved(self.types),
            sequences=moved(self.sequences),
            database=new or None,
        )

    # ------------------------------------------------------------------ snapshot and hashes

    def kind_maps(self) -> dict[str, dict[str, Any]]:
        """The non-table kinds, each by key (empty kinds left out)."""
        maps: dict[str, dict[str, Any]] = {
            "routines": self.routine_map(),
            "triggers": {t.key: t for t in self.triggers},
            "types": {t.key: t for t in self.types},
            "sequences": {s.key: s for s in self.sequences},
        }
        return {kind: objs for kind, objs in maps.items() if objs}

    def table_hashes(self) -> dict[str, str]:
        """SHA-256 per table key, computed once per catalog, and reused from the catalog it was made from
        (`keeping_hashes`) for the very same table objects. A catalog's tables are not edited once it is
        built: descriptions and clipping edit a deep copy, which starts without them (`__getstate__`)."""
        found: dict[str, str] | None = self.__dict__.get("_table_hashes")
        if found is None:
            seed: dict[str, tuple[int, str]] = self.__dict__.pop("_hash_seed", {})
            found = {}
            for t in self.tables:
                known = seed.get(t.key)
                found[t.key] = known[1] if known is not None and known[0] == id(t) else t.sha256()
            self.__dict__["_table_hashes"] = found
        return found

    def keeping_hashes(self, source: Catalog) -> Catalog:
        """This catalog, told that the tables it shares with `source` (the same objects) hash as they did there."""
        if "_table_hashes" in self.__dict__:
            return self
        seed: dict[str, tuple[int, str]] = self.__dict__.setdefault("_hash_seed", {})
        known = source.__dict__.get("_table_hashes")
        if known is not None:
            seed.update((t.key, (id(t), known[t.key])) for t in source.tables if t.key in known)
        else:
            seed.update(source.__dict__.get("_hash_seed", {}))
        return self

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_table_hashes", None)
        state.pop("_hash_seed", None)
        return state

    def object_hashes(self) -> dict[str, str]:
        """SHA-256 per object: tables by key, the other kinds as `kind:key`."""
        if (p := self.portable()) is not self:
            return p.object_hashes()
        hashes = dict(self.table_hashes())
        for kind, objs in self.kind_maps().items():
            hashes.update({f"{kind}:{key}": o.sha256() for key, o in objs.items()})
        return hashes

    def sha256(self) -> str:
        if (p := self.portable()) is not self:
            return p.sha256()
        data: dict[str, Any] = {"dialect": self.dialect, "objects": dict(self.table_hashes())}
        for kind, objs in self.kind_maps().items():
            data[kind] = {key: o.sha256() for key, o in objs.items()}
        return sha256_of(data)

    def canonical(self) -> dict[str, Any]:
        if (p := self.portable()) is not self:
            return p.canonical()
        data = {
            "format": SNAPSHOT_FORMAT,
            "dialect": self.dialect,
            "sha256": self.sha256(),
            "schema_comments": dict(sorted(self.schema_comments.items())),
            "objects": {t.key: {"sha256": self.table_hashes()[t.key], **t.canonical()} for t in self.tables},
        }
        for kind, objs in self.kind_maps().items():
            data[kind] = {key: {"sha256": o.sha256(), **o.canonical()} for key, o in objs.items()}
        return data

    def to_json(self) -> str:
        """`canonical_json(self.canonical())`, written object by object (`snapshot_entry`): the same text,
        quicker than encoding it whole, each object encoded once (its hash too: `table_hashes`), and each
        object's text an entry `SnapshotText` keeps."""
        if (p := self.portable()) is not self:
            return p.to_json()
        tables = self.table_hashes()
        maps = {"objects": {t.key: snapshot_entry(t.key, t.canonical(), tables[t.key]) for t in self.tables}}
        for kind, objs in self.kind_maps().items():
            maps[kind] = {key: snapshot_entry(key, o.canonical()) for key, o in objs.items()}
        hashes = {name: {key: sha for key, (_, sha) in entries.items()} for name, entries in maps.items()}
        texts = {name: [entries[key][0] for key in sorted(entries)] for name, entries in maps.items()}
        sha = sha256_of({"dialect": self.dialect, **hashes})
        return snapshot_document(self.dialect, self.schema_comments, sha, texts)

    @classmethod
    def from_canonical(cls, data: dict[str, Any]) -> Catalog:
        tables = [table_from_canonical(obj) for obj in data.get("objects", {}).values()]
        return cls(
            dialect=data["dialect"],
            tables=tables,
            schema_comments=dict(data.get("schema_comments") or {}),
            routines=[Routine(**_fields(o)) for o in (data.get("routines") or {}).values()],
            triggers=[Trigger(**_fields(o)) for o in (data.get("triggers") or {}).values()],
            types=[type_from_canonical(o) for o in (data.get("types") or {}).values()],
            sequences=[Sequence(**_fields(o)) for o in (data.get("sequences") or {}).values()],
        )


def _find(tables: list[Table], name: str) -> list[Table]:
    if "." in name:
        schema, _, bare = name.partition(".")
        hit = [t for t in tables if t.schema == schema and t.name == bare]
        if hit:
            return hit
    exact = [t for t in tables if t.name == name]
    if exact:
        return exact
    return [t for t in tables if t.name.lower() == name.lower()]


def _fields(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if k != "sha256"}


def _commented(data: dict[str, Any], comment: str | None, inherited: bool = False) -> dict[str, Any]:
    """A constraint's canonical form gets `comment` and `inherited` only when set (older snapshots had neither)."""
    if comment is not None:
        data["comment"] = comment
    if inherited:
        data["inherited"] = True
    return data


def table_from_canonical(obj: dict[str, Any]) -> Table:
    pk = obj.get("primary_key")
    return Table(
        schema=obj["schema"],
        name=obj["name"],
        kind=obj.get("kind", "table"),
        comment=obj.get("comment"),
        columns=[_column_from_canonical(c) for c in obj.get("columns", [])],
        primary_key=PrimaryKey(**pk) if pk else None,
        uniques=[UniqueConstraint(**u) for u in obj.get("uniques", [])],
        foreign_keys=[ForeignKey(**f) for f in obj.get("foreign_keys", [])],
        indexes=[Index(**i) for i in obj.get("indexes", [])],
        checks=[CheckConstraint(**c) for c in obj.get("checks", [])],
        definition=obj.get("definition"),
        partition_key=obj.get("partition_key"),
        partition_of=obj.get("partition_of"),
        partition_bound=obj.get("partition_bound"),
        inherits=list(obj.get("inherits") or []),
        partitions=[Partition(**p) for p in obj.get("partitions") or []],
        extension=obj.get("extension"),
        foreign_source=ForeignSource(**obj["foreign_source"]) if obj.get("foreign_source") else None,
        versioning=obj.get("versioning"),
        exclusions=[CheckConstraint(**c) for c in obj.get("exclusions") or []],
    )


def _column_from_canonical(data: dict[str, Any]) -> Column:
    col = Column(**data)
    # Snapshots written before sequences were documented called a `nextval()` default (serial) an
    # identity. No reader makes a column both an identity and defaulted to nextval() any more, and no
    # database allows it, so reading it the new way keeps `diff` quiet about what did not change.
    if col.identity and col.default is not None and col.default.startswith("nextval("):
        col.identity = False
    return col


def type_from_canonical(obj: dict[str, Any]) -> UserType:
    data = _fields(obj)
    data["checks"] = [CheckConstraint(**c) for c in data.get("checks") or []]
    data["attributes"] = [Column(**a) for a in data.get("attributes") or []]
    return UserType(**data)


def object_key(schema: str, name: str) -> str:
    """`schema.name`; just `name` for an object of the database itself (MySQL/MariaDB in a snapshot)."""
    return f"{schema}.{name}" if schema else name


def canonical_json(data: Any) -> str:
    """The snapshot text: UTF-8-writable JSON. A lone surrogate in database text is written as its JSON
    escape (`\\ud800`), which reads back as the same code point, so the hashes stay what they were."""
    # JSON's structure is ASCII: a surrogate can only be inside a string
    return escape_surrogates(json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n")


def json_member(key: str, value: Any, depth: int) -> str:
    """`"key": value` as `canonical_json` writes it inside a document, `depth` levels in (1: the document's own)."""
    text = json.dumps({key: value}, sort_keys=True, indent=2, ensure_ascii=False)[2:-2]
    pad = "  " * (depth - 1)
    return pad + text.replace("\n", "\n" + pad) if pad else text


def snapshot_entry(key: str, canonical: dict[str, Any], sha: str | None = None) -> tuple[str, str]:
    """One object of a snapshot map as `to_json()` writes it (`    "key": {…}`, no comma after), and its SHA-256
    (`sha`, when known: the hash of `canonical`). JSON escapes every newline inside a string, so each line
    break of the text is layout."""
    sha = sha or sha256_of(canonical)
    return json_member(key, {"sha256": sha, **canonical}, 2), sha


def snapshot_document(dialect: str, comments: dict[str, str], sha: str, maps: dict[str, list[str]]) -> str:
    """The snapshot file: its own members and the maps (`objects` always, another kind when it has entries),
    each map given as its entries' texts in key order."""
    sections = {
        "dialect": json_member("dialect", dialect, 1),
        "format": json_member("format", SNAPSHOT_FORMAT, 1),
        "schema_comments": json_member("schema_comments", comments, 1),
        "sha256": json_member("sha256", sha, 1),
    }
    for name, entries in maps.items():
        if entries or name == "objects":
            sections[name] = f'  "{name}": ' + ("{\n" + ",\n".join(entries) + "\n  }" if entries else "{}")
    # a lone surrogate in database text is written as `canonical_json` writes it
    return escape_surrogates("{\n" + ",\n".join(sections[name] for name in sorted(sections)) + "\n}\n")


def sha256_of(data: Any) -> str:
    raw = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


_MASKED: dict[str, str] = {}  # text -> masked text
_MASKED_MAX = 1_000_000
_masked_for = -1  # registered_count() when _MASKED was filled


def _mask_texts(catalog: Catalog) -> None:
    """Comments and defaults are masked as they enter the model: a `password=…` or `user:pw@host` kept there
    would reach pages, snapshots and diffs. (Definitions are shown as the database has them.)"""

    global _masked_for
    if _masked_for != registered_count() or len(_MASKED) > _MASKED_MAX:
        _MASKED.clear()
        _masked_for = registered_count()
    seen = _MASKED  # defaults and comments repeat (`0`, `now()`), and a serve rebuild builds catalogs of the
    # same texts again: each distinct text is masked once per process (until another secret is registered)

    def masked(value: str | None) -> str | None:
        if not value:
            return value
        out = seen.get(value)
        if out is None:
            out = seen[value] = mask(value)
        return out

    catalog.schema_comments = {k: masked(v) for k, v in catalog.schema_comments.items()}
    for t in catalog.tables:
        t.comment = masked(t.comment)
        for c in t.columns:
            c.comment, c.default = masked(c.comment), masked(c.default)
        for part in (t.uniques, t.foreign_keys, t.indexes, t.checks, t.partitions):
            for item in part:
                item.comment = masked(item.comment)
        if t.primary_key is not None:
            t.primary_key.comment = masked(t.primary_key.comment)
    for kind in (catalog.routines, catalog.triggers, catalog.sequences):
        for o in kind:
            o.comment = masked(o.comment)
    for ut in catalog.types:
        ut.comment, ut.default = masked(ut.comment), masked(ut.default)
        for c in ut.attributes:
            c.comment, c.default = masked(c.comment), masked(c.default)
