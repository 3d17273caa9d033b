"""Reading a SQL Server / Azure SQL Database catalog: bulk reads of the sys.* catalog views.

One query per object kind (the T-SQL lives in `sql/mssql/catalog/*.sql`); the
rows are turned into the catalog model by pure functions (`build_catalog`,
`format_type`) that need no server, so they are tested on rows shaped like the
ones the queries return (the shapes Microsoft documents for each catalog view).

Beside tables and views: DML triggers (sys.triggers, sys.trigger_events,
sys.sql_modules), procedures and functions (sys.objects, sys.parameters; no
overloading in T-SQL), sequences (sys.sequences), alias and table types
(sys.types, sys.table_types), partitioning (partition scheme, function and
boundary values: partitions are parts of their table here) and MS_Description
comments on all of them and on constraints.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ...catalog import (
    Catalog,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Partition,
    PrimaryKey,
    Routine,
    Table,
    Trigger,
    UniqueConstraint,
    UserType,
)
from ...catalog import Sequence as SequenceObject
from ...errors import SchemaSyncError
from ...masking import get_logger
from ..sqlfiles import read_sql

if TYPE_CHECKING:
    from ..base import Connection

log = get_logger("mssql")

NAME = "mssql"
#: version written to schema_sync.install_info by sql/mssql/install.sql (2: positional secret arguments masked)
INSTALL_VERSION = "2"
#: the project's own schema (drift log, contracts), never documented
OWN_SCHEMA = "schema_sync"
SYSTEM_SCHEMAS = frozenset({"sys", "INFORMATION_SCHEMA", OWN_SCHEMA})

#: The select list of each catalog query, in order. build_catalog reads rows by
#: these names; a test checks every .sql file against this table.
CATALOG_COLUMNS: dict[str, tuple[str, ...]] = {
    "objects": ("object_id", "schema_name", "object_name", "object_type"),
    "columns": (
        "object_id",
        "column_id",
        "column_name",
        "type_name",
        "base_type_name",
        "is_user_defined",
        "max_length",
        "precision",
        "scale",
        "is_nullable",
        "is_identity",
        "computed_definition",
        "is_persisted",
        "default_definition",
    ),
    "key_constraints": ("object_id", "constraint_name", "constraint_type", "key_ordinal", "column_name"),
    "foreign_keys": (
        "object_id",
        "constraint_name",
        "column_position",
        "column_name",
        "ref_schema",
        "ref_table",
        "ref_column",
        "on_delete",
        "on_update",
    ),
    "indexes": (
        "object_id",
        "index_id",
        "index_name",
        "is_unique",
        "filter_definition",
        "index_type",
        "index_column_id",
        "key_ordinal",
        "is_included_column",
        "column_name",
        "is_descending_key",
    ),
    "check_constraints": ("object_id", "constraint_name", "definition"),
    "extended_properties": ("class", "major_id", "minor_id", "schema_name", "comment"),
    "view_definitions": ("object_id", "definition"),
    "constraint_comments": ("object_id", "constraint_name", "comment"),
    "triggers": (
        "trigger_id",
        "parent_object_id",
        "trigger_name",
        "is_disabled",
        "is_instead_of_trigger",
        "event_type",
        "definition",
    ),
    "routines": ("object_id", "schema_name", "routine_name", "routine_type", "definition"),
    "parameters": (
        "object_id",
        "parameter_id",
        "parameter_name",
        "type_name",
        "is_user_defined",
        "max_length",
        "precision",
        "scale",
        "is_output",
        "is_readonly",
    ),
    "sequences": (
        "object_id",
        "schema_name",
        "sequence_name",
        "type_name",
        "is_user_defined",
        "precision",
        "scale",
        "start_value",
        "increment",
        "minimum_value",
        "maximum_value",
        "is_cycling",
    ),
    "types": (
        "user_type_id",
        "schema_name",
        "type_name",
        "base_type_name",
        "max_length",
        "precision",
        "scale",
        "is_nullable",
        "is_table_type",
        "is_assembly_type",
    ),
    "table_type_columns": (
        "user_type_id",
        "column_id",
        "column_name",
        "type_name",
        "is_user_defined",
        "max_length",
        "precision",
        "scale",
        "is_nullable",
        "is_identity",
    ),
    "partitions": (
        "object_id",
        "scheme_name",
        "function_name",
        "boundary_on_right",
        "column_name",
        "boundary_id",
        "boundary_value",
    ),
    "identity_columns": ("object_id", "column_id", "seed_value", "increment_value"),
    "temporal_tables": ("object_id", "history_schema", "history_table"),
    "period_columns": ("object_id", "column_id", "generated_always_type", "is_hidden"),
    "permissions": ("view_definition",),
    "row_counts": ("object_id", "row_count"),
}
#: catalog kinds read on every build (row counts are optional; permissions are checked first, apart)
SCHEMA_KINDS = tuple(k for k in CATALOG_COLUMNS if k not in ("row_counts", "permissions"))
#: sys.columns.generated_always_type -> what the column page says (2016+: a temporal table's period)
_GENERATED_ALWAYS = {1: "ALWAYS AS ROW START", 2: "ALWAYS AS ROW END"}
#: sys.indexes.type_desc -> Index.method (None: a nonclustered rowstore B-tree, the default)
_INDEX_METHODS = {"NONCLUSTERED": None, "HEAP": None}
_ROWSTORE = frozenset({"CLUSTERED", "NONCLUSTERED"})

# sys.extended_properties.class values (documented in the catalog view's page)
_EP_OBJECT_OR_COLUMN = 1
_EP_SCHEMA = 3
_EP_TYPE = 6
_EP_INDEX = 7

# sys.objects.type of routines -> (kind, language); table-valued functions return TABLE
_ROUTINE_TYPES = {
    "P": ("procedure", "T-SQL"),
    "FN": ("function", "T-SQL"),
    "IF": ("function", "T-SQL"),
    "TF": ("function", "T-SQL"),
    "PC": ("procedure", "CLR"),
    "FS": ("function", "CLR"),
    "FT": ("function", "CLR"),
    "AF": ("aggregate", "CLR"),
}
_TABLE_VALUED = frozenset({"IF", "TF", "FT"})
_TRIGGER_EVENT_ORDER = {"INSERT": 0, "UPDATE": 1, "DELETE": 2}

_UNICODE_CHAR_TYPES = frozenset({"nchar", "nvarchar"})
_BYTE_LENGTH_TYPES = frozenset({"char", "varchar", "binary", "varbinary"})
_DECIMAL_TYPES = frozenset({"decimal", "numeric"})
_FRACTIONAL_SECONDS_TYPES = frozenset({"datetime2", "datetimeoffset", "time"})

# sys.foreign_keys.*_referential_action_desc -> the words users write
_ACTIONS = {"CASCADE": "CASCADE", "SET_NULL": "SET NULL", "SET_DEFAULT": "SET DEFAULT"}


def format_type(
    type_name: str,
    max_length: int | None = None,
    precision: int | None = None,
    scale: int | None = None,
    *,
    is_user_defined: bool = False,
) -> str:
    """A column type as a user writes it in T-SQL, from sys.columns / sys.types values.

    `max_length` is in bytes (-1 for `max`), so n-types are halved; alias
    (user-defined) types are shown by their own name.
    """
    name = type_name.lower() if not is_user_defined else type_name
    if is_user_defined:
        return name
    if name in _UNICODE_CHAR_TYPES:
        return f"{name}({_length(max_length, 2)})"
    if name in _BYTE_LENGTH_TYPES:
        return f"{name}({_length(max_length, 1)})"
    if name in _DECIMAL_TYPES:
        return f"{name}({precision},{scale})"
    if name in _FRACTIONAL_SECONDS_TYPES:
        return f"{name}({scale})"
    if name == "float":
        # float(1..24) is stored as real, float(25..53) as float(53): the default
        return "float" if precision in (None, 53) else f"float({precision})"
    return name


def _length(max_length: int | None, bytes_per_char: int) -> str:
    if max_length is None:
        return "?"
    if max_length == -1:
        return "max"
    return str(max_length // bytes_per_char)


def strip_outer_parens(expr: str | None) -> str | None:
    """`((0))` -> `0`, `([a]>(0))` -> `[a]>(0)`: SQL Server wraps stored expressions in parentheses."""
    if expr is None:
        return None
    text = expr.strip()
    while text.startswith("(") and text.endswith(")") and _closing_paren(text, 0) == len(text) - 1:
        text = text[1:-1].strip()
    return text


def _closing_paren(text: str, start: int) -> int:
    """Index of the parenthesis closing the one at `start`, skipping string literals and [names]."""
    depth = 0
    i = start
    while i < len(text):
        ch = text[i]
        if ch == "'":
            end = text.find("'", i + 1)
            while end != -1 and end + 1 < len(text) and text[end + 1] == "'":
                end = text.find("'", end + 2)
            if end == -1:
                return -1
            i = end
        elif ch == "[":
            end = text.find("]", i + 1)
            while end != -1 and end + 1 < len(text) and text[end + 1] == "]":
                end = text.find("]", end + 2)
            if end == -1:
                return -1
            i = end
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def _rows(rows_by_kind: Mapping[str, Sequence[Sequence[Any]]], kind: str) -> list[dict[str, Any]]:
    """Rows of one kind as dicts keyed by CATALOG_COLUMNS[kind]; a wrong row width is a clear error."""
    names = CATALOG_COLUMNS[kind]
    out = []
    for row in rows_by_kind.get(kind, ()):
        if len(row) != len(names):
            raise SchemaSyncError(
                f"SQL Server catalog query {kind!r} returned {len(row)} columns, expected {len(names)} "
                f"({', '.join(names)}): sql/mssql/catalog/{kind}.sql and the adapter disagree"
            )
        out.append(dict(zip(names, row, strict=True)))
    return out


def build_catalog(rows_by_kind: Mapping[str, Sequence[Sequence[Any]]]) -> Catalog:
    """Turn the rows of the catalog queries (keyed by kind, shaped as CATALOG_COLUMNS says) into a Catalog."""
    tables: dict[int, Table] = {}
    for r in _rows(rows_by_kind, "objects"):
        if r["schema_name"] == OWN_SCHEMA:
            continue
        kind = "view" if str(r["object_type"]).strip() == "V" else "table"
        tables[r["object_id"]] = Table(schema=r["schema_name"], name=r["object_name"], kind=kind)

    columns: dict[int, list[tuple[int, Column]]] = defaultdict(list)
    for r in _rows(rows_by_kind, "columns"):
        if r["object_id"] not in tables:
            continue
        generated = strip_outer_parens(r["computed_definition"])
        if generated is not None and r["is_persisted"]:
            generated += " PERSISTED"
        col = Column(
            name=r["column_name"],
            type=format_type(
                r["type_name"],
                r["max_length"],
                r["precision"],
                r["scale"],
                is_user_defined=bool(r["is_user_defined"]),
            ),
            nullable=bool(r["is_nullable"]),
            default=strip_outer_parens(r["default_definition"]),
            identity=bool(r["is_identity"]),
            generated=generated,
        )
        columns[r["object_id"]].append((r["column_id"], col))
    column_ids: dict[tuple[int, int], Column] = {}
    for object_id, cols in columns.items():
        cols.sort(key=lambda item: item[0])
        tables[object_id].columns = [c for _, c in cols]
        column_ids.update({(object_id, cid): c for cid, c in cols})

    keys: dict[tuple[int, str], tuple[str, list[tuple[int, str]]]] = {}
    for r in _rows(rows_by_kind, "key_constraints"):
        if r["object_id"] not in tables:
            continue
        entry = keys.setdefault((r["object_id"], r["constraint_name"]), (str(r["constraint_type"]).strip(), []))
        entry[1].append((r["key_ordinal"], r["column_name"]))
    for (object_id, cname), (ctype, cols) in sorted(keys.items()):
        names = [c for _, c in sorted(cols)]
        if ctype == "PK":
            tables[object_id].primary_key = PrimaryKey(name=cname, columns=names)
        else:
            tables[object_id].uniques.append(UniqueConstraint(name=cname, columns=names))

    fks: dict[tuple[int, str], tuple[ForeignKey, list[tuple[int, str, str]]]] = {}
    for r in _rows(rows_by_kind, "foreign_keys"):
        if r["object_id"] not in tables:
            continue
        key = (r["object_id"], r["constraint_name"])
        if key not in fks:
            fk = ForeignKey(
                name=r["constraint_name"],
                columns=[],
                ref_schema=r["ref_schema"],
                ref_table=r["ref_table"],
                ref_columns=[],
                on_delete=_ACTIONS.get(r["on_delete"] or ""),
                on_update=_ACTIONS.get(r["on_update"] or ""),
            )
            fks[key] = (fk, [])
        fks[key][1].append((r["column_position"], r["column_name"], r["ref_column"]))
    for (object_id, _), (fk, pairs) in fks.items():
        pairs.sort()
        fk.columns = [p[1] for p in pairs]
        fk.ref_columns = [p[2] for p in pairs]
        tables[object_id].foreign_keys.append(fk)

    comments = _comments(rows_by_kind)
    for key, index in _indexes(rows_by_kind, tables, comments).items():
        tables[key[0]].indexes.append(index)

    for r in _rows(rows_by_kind, "check_constraints"):
        if r["object_id"] in tables:
            tables[r["object_id"]].checks.append(
                CheckConstraint(name=r["constraint_name"], expression=strip_outer_parens(r["definition"]) or "")
            )

    for r in _rows(rows_by_kind, "view_definitions"):
        if r["object_id"] in tables:
            tables[r["object_id"]].definition = r["definition"]

    for r in _rows(rows_by_kind, "row_counts"):
        if r["object_id"] in tables and r["row_count"] is not None:
            tables[r["object_id"]].row_count = int(r["row_count"])

    for object_id, text in comments.objects.items():
        if object_id in tables:
            tables[object_id].comment = text
    for (object_id, column_id), text in comments.columns.items():
        col = column_ids.get((object_id, column_id))
        if col is not None:
            col.comment = text

    _constraint_comments(rows_by_kind, tables)
    _partitions(rows_by_kind, tables)
    _identity_and_periods(rows_by_kind, column_ids)
    _temporal(rows_by_kind, tables)
    for table in tables.values():
        table.sort_members()
    return Catalog(
        dialect=NAME,
        tables=list(tables.values()),
        schema_comments=comments.schemas,
        triggers=_triggers(rows_by_kind, tables, comments),
        routines=_routines(rows_by_kind, comments),
        sequences=_sequences(rows_by_kind, comments),
        types=_types(rows_by_kind, comments),
    )


def _indexes(
    rows_by_kind: Mapping[str, Sequence[Sequence[Any]]], tables: dict[int, Table], comments: _Comments
) -> dict[tuple[int, int], Index]:
    """Key columns in key order with DESC, INCLUDE columns, the kind (clustered, columnstore, XML, spatial).

    On a partitioned table SQL Server adds the partitioning column to a rowstore index by itself, with
    key_ordinal 0 and not as INCLUDE: it is neither a key nor an included column the user wrote.
    Columnstore, XML and spatial indexes have no key order: their columns follow in column order.
    """
    keys: dict[tuple[int, int], list[tuple[int, str, bool]]] = defaultdict(list)
    included: dict[tuple[int, int], list[tuple[int, str]]] = defaultdict(list)
    meta: dict[tuple[int, int], dict[str, Any]] = {}
    for r in _rows(rows_by_kind, "indexes"):
        if r["object_id"] not in tables:
            continue
        key = (r["object_id"], r["index_id"])
        meta.setdefault(key, r)
        kind = str(r["index_type"]).strip().upper()
        if kind in _ROWSTORE and r["is_included_column"]:
            included[key].append((r["index_column_id"], r["column_name"]))
        elif kind in _ROWSTORE and not r["key_ordinal"]:
            continue  # the partitioning column SQL Server added
        else:
            order = r["key_ordinal"] if r["key_ordinal"] else 100_000 + r["index_column_id"]
            keys[key].append((order, r["column_name"], bool(r["is_descending_key"])))
    out = {}
    for key, m in meta.items():
        ordered = sorted(keys.get(key, []))
        kind = str(m["index_type"]).strip().upper()
        out[key] = Index(
            name=m["index_name"],
            columns=[c for _, c, _ in ordered],
            unique=bool(m["is_unique"]),
            where=strip_outer_parens(m["filter_definition"]),
            comment=comments.indexes.get(key),
            method=_INDEX_METHODS.get(kind, kind.lower()),
            include=[c for _, c in sorted(included.get(key, []))],
            options={str(i): "DESC" for i, (_, _, desc) in enumerate(ordered) if desc},
        )
    return out


def _identity_and_periods(
    rows_by_kind: Mapping[str, Sequence[Sequence[Any]]], column_ids: dict[tuple[int, int], Column]
) -> None:
    """IDENTITY(seed,increment) when not (1,1); ROW START / ROW END period columns and HIDDEN."""
    for r in _rows(rows_by_kind, "identity_columns"):
        col = column_ids.get((r["object_id"], r["column_id"]))
        if col is not None and (str(r["seed_value"]), str(r["increment_value"])) != ("1", "1"):
            col.identity_options = f"IDENTITY({r['seed_value']},{r['increment_value']})"
    for r in _rows(rows_by_kind, "period_columns"):
        col = column_ids.get((r["object_id"], r["column_id"]))
        if col is None:
            continue
        generated = _GENERATED_ALWAYS.get(int(r["generated_always_type"] or 0))
        if generated is not None:
            col.generated = generated
        if r["is_hidden"]:
            col.generated = f"{col.generated or ''} HIDDEN".strip()


def _temporal(rows_by_kind: Mapping[str, Sequence[Sequence[Any]]], tables: dict[int, Table]) -> None:
    """A system-versioned table names its history table; the history table says whose history it is."""
    by_name = {(t.schema, t.name): t for t in tables.values()}
    for r in _rows(rows_by_kind, "temporal_tables"):
        table = tables.get(r["object_id"])
        if table is None:
            continue
        table.versioning = f"SYSTEM_VERSIONING = ON (HISTORY_TABLE = {r['history_schema']}.{r['history_table']})"
        history = by_name.get((r["history_schema"], r["history_table"]))
        if history is not None:
            history.versioning = f"history of {table.schema}.{table.name}"


def _constraint_comments(rows_by_kind: Mapping[str, Sequence[Sequence[Any]]], tables: dict[int, Table]) -> None:
    notes = {(r["object_id"], r["constraint_name"]): r["comment"] for r in _rows(rows_by_kind, "constraint_comments")}
    if not notes:
        return
    for object_id, table in tables.items():
        members: list[Any] = [table.primary_key, *table.uniques, *table.foreign_keys, *table.checks]
        for member in members:
            if member is not None and (object_id, member.name) in notes:
                member.comment = str(notes[(object_id, member.name)])


def _triggers(
    rows_by_kind: Mapping[str, Sequence[Sequence[Any]]], tables: dict[int, Table], comments: _Comments
) -> list[Trigger]:
    """DML triggers: statement-level, AFTER or INSTEAD OF, on the events of their trigger_events rows."""
    found: dict[int, Trigger] = {}
    for r in _rows(rows_by_kind, "triggers"):
        table = tables.get(r["parent_object_id"])
        if table is None:
            continue
        trigger = found.get(r["trigger_id"])
        if trigger is None:
            trigger = found[r["trigger_id"]] = Trigger(
                schema=table.schema,
                table=table.name,
                name=r["trigger_name"],
                timing="INSTEAD OF" if r["is_instead_of_trigger"] else "AFTER",
                events=[],
                level="STATEMENT",
                definition=r["definition"],
                enabled=not r["is_disabled"],
                comment=comments.objects.get(r["trigger_id"]),
            )
        event = str(r["event_type"]).strip().upper()
        if event not in trigger.events:
            trigger.events.append(event)
    for trigger in found.values():
        trigger.events.sort(key=lambda e: _TRIGGER_EVENT_ORDER.get(e, 9))
    return list(found.values())


def _param_type(r: dict[str, Any]) -> str:
    return format_type(
        r["type_name"], r["max_length"], r["precision"], r["scale"], is_user_defined=bool(r["is_user_defined"])
    )


def _routines(rows_by_kind: Mapping[str, Sequence[Sequence[Any]]], comments: _Comments) -> list[Routine]:
    params: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in _rows(rows_by_kind, "parameters"):
        params[r["object_id"]].append(r)
    out = []
    for r in _rows(rows_by_kind, "routines"):
        if r["schema_name"] in SYSTEM_SCHEMAS:
            continue
        code = str(r["routine_type"]).strip()
        kind, language = _ROUTINE_TYPES.get(code, ("function", None))
        ordered = sorted(params.get(r["object_id"], []), key=lambda p: p["parameter_id"])
        args = [p for p in ordered if p["parameter_id"] > 0]
        result = next((p for p in ordered if p["parameter_id"] == 0), None)
        arguments = ", ".join(
            f"{p['parameter_name']} {_param_type(p)}"
            + (" OUTPUT" if p["is_output"] else "")
            + (" READONLY" if p["is_readonly"] else "")
            for p in args
        )
        returns = "TABLE" if code in _TABLE_VALUED else _param_type(result) if result is not None else None
        out.append(
            Routine(
                schema=r["schema_name"],
                name=r["routine_name"],
                kind=kind,
                signature=", ".join(_param_type(p) for p in args),
                arguments=arguments,
                returns=returns,
                language=language,
                definition=r["definition"].strip() if r["definition"] else None,
                comment=comments.objects.get(r["object_id"]),
            )
        )
    return out


def _sequences(rows_by_kind: Mapping[str, Sequence[Sequence[Any]]], comments: _Comments) -> list[SequenceObject]:
    return [
        SequenceObject(
            schema=r["schema_name"],
            name=r["sequence_name"],
            data_type=format_type(
                r["type_name"], None, r["precision"], r["scale"], is_user_defined=bool(r["is_user_defined"])
            ),
            start=_text(r["start_value"]),
            increment=_text(r["increment"]),
            min_value=_text(r["minimum_value"]),
            max_value=_text(r["maximum_value"]),
            cycle=bool(r["is_cycling"]),
            comment=comments.objects.get(r["object_id"]),
        )
        for r in _rows(rows_by_kind, "sequences")
        if r["schema_name"] not in SYSTEM_SCHEMAS
    ]


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _types(rows_by_kind: Mapping[str, Sequence[Sequence[Any]]], comments: _Comments) -> list[UserType]:
    """Alias types (a base type, nullability) and table types (their columns), CLR types by name."""
    columns: dict[int, list[tuple[int, Column]]] = defaultdict(list)
    for r in _rows(rows_by_kind, "table_type_columns"):
        col = Column(name=r["column_name"], type=_param_type(r), nullable=bool(r["is_nullable"]))
        col.identity = bool(r["is_identity"])
        columns[r["user_type_id"]].append((r["column_id"], col))
    out = []
    for r in _rows(rows_by_kind, "types"):
        if r["schema_name"] in SYSTEM_SCHEMAS:
            continue
        user_type = UserType(
            schema=r["schema_name"], name=r["type_name"], kind="alias", comment=comments.types.get(r["user_type_id"])
        )
        if r["is_table_type"]:
            user_type.kind = "table type"
            user_type.attributes = [c for _, c in sorted(columns.get(r["user_type_id"], []), key=lambda x: x[0])]
        elif r["is_assembly_type"]:
            user_type.kind = "clr"
        else:
            user_type.base_type = format_type(r["base_type_name"] or "?", r["max_length"], r["precision"], r["scale"])
            user_type.nullable = bool(r["is_nullable"])
        out.append(user_type)
    return out


def _partitions(rows_by_kind: Mapping[str, Sequence[Sequence[Any]]], tables: dict[int, Table]) -> None:
    """A partition function with n boundaries splits its table into n + 1 numbered partitions."""
    found: dict[int, tuple[dict[str, Any], list[tuple[int, str]]]] = {}
    for r in _rows(rows_by_kind, "partitions"):
        if r["object_id"] not in tables:
            continue
        entry = found.setdefault(r["object_id"], (r, []))
        if r["boundary_id"] is not None:
            entry[1].append((r["boundary_id"], str(r["boundary_value"])))
    for object_id, (r, numbered) in found.items():
        bounds = [value for _, value in sorted(numbered)]
        right = bool(r["boundary_on_right"])
        column = r["column_name"]
        table = tables[object_id]
        side = "RIGHT" if right else "LEFT"
        table.partition_key = f"RANGE {side} ({column}): function {r['function_name']}, scheme {r['scheme_name']}"
        low, high = (">=", "<") if right else (">", "<=")
        parts = []
        for i in range(len(bounds) + 1):
            conditions = []
            if i > 0:
                conditions.append(f"{column} {low} {bounds[i - 1]}")
            if i < len(bounds):
                conditions.append(f"{column} {high} {bounds[i]}")
            parts.append(Partition(str(i + 1), " AND ".join(conditions) or None))
        table.partitions = parts


class _Comments:
    def __init__(self) -> None:
        self.objects: dict[int, str] = {}
        self.columns: dict[tuple[int, int], str] = {}
        self.indexes: dict[tuple[int, int], str] = {}
        self.schemas: dict[str, str] = {}
        self.types: dict[int, str] = {}


def _comments(rows_by_kind: Mapping[str, Sequence[Sequence[Any]]]) -> _Comments:
    """MS_Description values by what they describe. Kept verbatim: escaping is the renderer's job."""
    out = _Comments()
    for r in _rows(rows_by_kind, "extended_properties"):
        text = r["comment"]
        if text is None:
            continue
        text = str(text)
        cls, major, minor = r["class"], r["major_id"], r["minor_id"]
        if cls == _EP_OBJECT_OR_COLUMN:
            if minor:
                out.columns[(major, minor)] = text
            else:
                out.objects[major] = text
        elif cls == _EP_INDEX:
            out.indexes[(major, minor)] = text
        elif cls == _EP_TYPE:
            out.types[major] = text
        elif cls == _EP_SCHEMA and r["schema_name"] and r["schema_name"] not in SYSTEM_SCHEMAS:
            out.schemas[r["schema_name"]] = text
    return out


def catalog_sql(kind: str) -> str:
    """The T-SQL of one catalog query (sql/mssql/catalog/<kind>.sql)."""
    if kind not in CATALOG_COLUMNS:
        raise SchemaSyncError(f"no SQL Server catalog query {kind!r}; known: {', '.join(CATALOG_COLUMNS)}")
    return read_sql(NAME, f"catalog/{kind}.sql")


def read_catalog(db: Connection, *, row_counts: bool = True) -> Catalog:
    """One query per object kind over the sys.* catalog views."""
    _require_view_definition(db)
    kinds = SCHEMA_KINDS + (("row_counts",) if row_counts else ())
    rows: dict[str, list[tuple[Any, ...]]] = {}
    for kind in kinds:
        sql = catalog_sql(kind)
        if kind == "row_counts":
            try:
                rows[kind] = db.query(sql)
            except SchemaSyncError as exc:  # VIEW DATABASE STATE may be missing: counts are optional
                log.info("row counts unavailable: %s", exc.message)
            continue
        rows[kind] = db.query(sql)
    return build_catalog(rows)


def _require_view_definition(db: Connection) -> None:
    """Without VIEW DEFINITION the sys.* views silently show only some objects: refuse a partial catalog."""
    rows = db.query(catalog_sql("permissions"))
    if not rows or rows[0][0] in (1, True):
        return
    raise SchemaSyncError(
        "the connected user lacks VIEW DEFINITION on this database: SQL Server would show only the objects it "
        "has rights on, without an error, and the documentation (and polling, which would log the rest as "
        "dropped) would be wrong. A DBA can run: GRANT VIEW DEFINITION TO [the user]"
    )


def change_signal(db: Connection) -> str:
    """One query: object count and last modify_date plus checksums of columns, indexes and comments."""
    result = db.query(read_sql(NAME, "change_signal.sql"))
    return "|".join("" if v is None else str(v) for v in result[0]) if result else ""
