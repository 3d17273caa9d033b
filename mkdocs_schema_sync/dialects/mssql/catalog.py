"""Reading a SQL Server / Azure SQL Database catalog: bulk reads of the sys.* catalog views.

One query per object kind (the T-SQL lives in `sql/mssql/catalog/*.sql`); the
rows are turned into the catalog model by pure functions (`build_catalog`,
`format_type`) that need no server, so they are tested on rows shaped like the
ones the queries return.
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
    PrimaryKey,
    Table,
    UniqueConstraint,
)
from ...errors import SchemaSyncError
from ...masking import get_logger
from ..sqlfiles import read_sql

if TYPE_CHECKING:
    from ..base import Connection

log = get_logger("mssql")

NAME = "mssql"
#: version written to schema_sync.install_info by sql/mssql/install.sql
INSTALL_VERSION = "1"
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
    ),
    "check_constraints": ("object_id", "constraint_name", "definition"),
    "extended_properties": ("class", "major_id", "minor_id", "schema_name", "comment"),
    "view_definitions": ("object_id", "definition"),
    "row_counts": ("object_id", "row_count"),
}
#: catalog kinds read on every build (row counts are optional)
SCHEMA_KINDS = tuple(k for k in CATALOG_COLUMNS if k != "row_counts")

# sys.extended_properties.class values (documented in the catalog view's page)
_EP_OBJECT_OR_COLUMN = 1
_EP_SCHEMA = 3
_EP_INDEX = 7

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

    index_cols: dict[tuple[int, int], list[tuple[int, str]]] = defaultdict(list)
    index_meta: dict[tuple[int, int], dict[str, Any]] = {}
    for r in _rows(rows_by_kind, "indexes"):
        if r["object_id"] not in tables:
            continue
        key = (r["object_id"], r["index_id"])
        index_meta.setdefault(key, r)
        if r["is_included_column"] and "COLUMNSTORE" not in str(r["index_type"]).upper():
            continue  # INCLUDE (...) columns are not part of the key
        # key columns by key_ordinal; columns with no key position (columnstore, XML, spatial) after them
        order = r["key_ordinal"] if r["key_ordinal"] else 100_000 + r["index_column_id"]
        index_cols[key].append((order, r["column_name"]))

    comments = _comments(rows_by_kind)
    for key, meta in index_meta.items():
        tables[key[0]].indexes.append(
            Index(
                name=meta["index_name"],
                columns=[c for _, c in sorted(index_cols.get(key, []))],
                unique=bool(meta["is_unique"]),
                where=strip_outer_parens(meta["filter_definition"]),
                comment=comments.indexes.get(key),
            )
        )

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

    for table in tables.values():
        table.sort_members()
    return Catalog(dialect=NAME, tables=list(tables.values()), schema_comments=comments.schemas)


class _Comments:
    def __init__(self) -> None:
        self.objects: dict[int, str] = {}
        self.columns: dict[tuple[int, int], str] = {}
        self.indexes: dict[tuple[int, int], str] = {}
        self.schemas: dict[str, str] = {}


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


def change_signal(db: Connection) -> str:
    """One query: object count and last modify_date plus checksums of columns, indexes and comments."""
    result = db.query(read_sql(NAME, "change_signal.sql"))
    return "|".join("" if v is None else str(v) for v in result[0]) if result else ""
