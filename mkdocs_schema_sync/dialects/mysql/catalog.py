"""Reading a MySQL/MariaDB catalog: bulk queries over information_schema, scoped to the connected database.

The schema of every object is the database name (`DATABASE()`). The two servers
differ in a few places, handled here: MariaDB quotes literal column defaults and
reports `NULL` for `DEFAULT NULL`, its CHECK_CONSTRAINTS has a TABLE_NAME column
(check names are unique per table, not per schema), and it has no functional
indexes. MySQL and MariaDB create an index for every foreign key that has none;
such an index, named after the constraint or its first column and covering
exactly the key's columns, is implied by the foreign key and not listed again.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

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

if TYPE_CHECKING:
    from ..base import Connection

log = get_logger("mysql")

#: tables this project creates in a MySQL/MariaDB database (the polled drift log)
OWN_TABLE_PREFIX = "schema_sync_"

_TABLES = """
SELECT DATABASE(), VERSION(), t.TABLE_NAME, t.TABLE_TYPE, t.TABLE_COMMENT, t.TABLE_ROWS, v.VIEW_DEFINITION
FROM information_schema.TABLES AS t
LEFT JOIN information_schema.VIEWS AS v
       ON v.TABLE_SCHEMA = t.TABLE_SCHEMA AND v.TABLE_NAME = t.TABLE_NAME
WHERE t.TABLE_SCHEMA = DATABASE()
"""

_COLUMNS = """
SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA,
       GENERATION_EXPRESSION, COLUMN_COMMENT
FROM information_schema.COLUMNS
WHERE TABLE_SCHEMA = DATABASE()
ORDER BY TABLE_NAME, ORDINAL_POSITION
"""

_KEYS = """
SELECT tc.TABLE_NAME, tc.CONSTRAINT_NAME, tc.CONSTRAINT_TYPE, k.COLUMN_NAME,
       k.REFERENCED_TABLE_SCHEMA, k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME,
       rc.DELETE_RULE, rc.UPDATE_RULE
FROM information_schema.TABLE_CONSTRAINTS AS tc
JOIN information_schema.KEY_COLUMN_USAGE AS k
  ON k.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND k.TABLE_NAME = tc.TABLE_NAME
 AND k.CONSTRAINT_NAME = tc.CONSTRAINT_NAME
LEFT JOIN information_schema.REFERENTIAL_CONSTRAINTS AS rc
  ON rc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND rc.TABLE_NAME = tc.TABLE_NAME
 AND rc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME
WHERE tc.TABLE_SCHEMA = DATABASE() AND tc.CONSTRAINT_TYPE IN ('PRIMARY KEY', 'UNIQUE', 'FOREIGN KEY')
ORDER BY tc.TABLE_NAME, tc.CONSTRAINT_NAME, k.ORDINAL_POSITION
"""

_CHECKS_MARIADB = """
SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE
FROM information_schema.CHECK_CONSTRAINTS
WHERE CONSTRAINT_SCHEMA = DATABASE()
"""

_CHECKS_MYSQL = """
SELECT tc.TABLE_NAME, tc.CONSTRAINT_NAME, cc.CHECK_CLAUSE
FROM information_schema.TABLE_CONSTRAINTS AS tc
JOIN information_schema.CHECK_CONSTRAINTS AS cc
  ON cc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND cc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME
WHERE tc.TABLE_SCHEMA = DATABASE() AND tc.CONSTRAINT_TYPE = 'CHECK'
"""

_INDEXES = """
SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME, SUB_PART, INDEX_COMMENT
FROM information_schema.STATISTICS
WHERE TABLE_SCHEMA = DATABASE()
ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX
"""


def _fingerprint(table: str, columns: str, schema_column: str = "TABLE_SCHEMA") -> str:
    """Row count and an order-independent checksum of the listed columns of one information_schema view."""
    return (
        f"(SELECT CONCAT(COUNT(*), '/', COALESCE(SUM(CRC32(CONCAT_WS(0x1f, {columns}))), 0)) "
        f"FROM information_schema.{table} WHERE {schema_column} = DATABASE())"
    )


# No DDL triggers on MySQL/MariaDB: the change signal is one query that fingerprints
# everything read_catalog reads (not TABLE_ROWS or UPDATE_TIME, which move with data).
# SUM(CRC32(...)) instead of GROUP_CONCAT: no group_concat_max_len to raise, no truncation.
_CHANGE_SIGNAL = "SELECT " + ",\n".join(
    [
        _fingerprint("TABLES", "TABLE_NAME, TABLE_TYPE, TABLE_COMMENT, CREATE_TIME"),
        _fingerprint(
            "COLUMNS",
            "TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, COLUMN_TYPE, IS_NULLABLE, "
            "COALESCE(COLUMN_DEFAULT, 0x00), EXTRA, COALESCE(GENERATION_EXPRESSION, 0x00), COLUMN_COMMENT",
        ),
        _fingerprint(
            "STATISTICS",
            "TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX, COALESCE(COLUMN_NAME, 0x00), NON_UNIQUE, "
            "COALESCE(SUB_PART, 0x00), INDEX_COMMENT",
        ),
        _fingerprint(
            "KEY_COLUMN_USAGE",
            "TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, ORDINAL_POSITION, "
            "COALESCE(REFERENCED_TABLE_NAME, 0x00), COALESCE(REFERENCED_COLUMN_NAME, 0x00)",
        ),
        _fingerprint("REFERENTIAL_CONSTRAINTS", "CONSTRAINT_NAME, DELETE_RULE, UPDATE_RULE", "CONSTRAINT_SCHEMA"),
        _fingerprint("CHECK_CONSTRAINTS", "CONSTRAINT_NAME, CHECK_CLAUSE", "CONSTRAINT_SCHEMA"),
        _fingerprint("VIEWS", "TABLE_NAME, VIEW_DEFINITION"),
    ]
)

_KINDS = {"BASE TABLE": "table", "SYSTEM VERSIONED": "table", "VIEW": "view"}


def change_signal(db: Connection) -> str:
    return "|".join(str(v) for v in db.query(_CHANGE_SIGNAL)[0])


#: what information_schema says in TABLE_COMMENT (and a warning) for a table a DDL statement is changing
_BEING_CHANGED = "since its definition is being modified by concurrent DDL"


def read_catalog(db: Connection, *, row_counts: bool = True) -> Catalog:
    """The catalog, read again while a concurrent DDL statement leaves a table half-visible.

    information_schema is not a snapshot: a table that is being created or altered while it is read
    shows up with the comment "Table … was skipped since its definition is being modified by
    concurrent DDL statement" (and without its columns). Taken as it is, polling would log that
    comment, and the next poll its disappearance.
    """
    for attempt in range(6):
        catalog = _read_once(db, row_counts)
        if not any(t.comment and _BEING_CHANGED in t.comment for t in catalog.tables):
            return catalog
        time.sleep(0.05 * 2**attempt)
    raise SchemaSyncError("the MySQL/MariaDB catalog kept changing under concurrent DDL while it was read; try again")


def _read_once(db: Connection, row_counts: bool) -> Catalog:
    tables: dict[str, Table] = {}
    schema = ""
    mariadb = False
    for database, version, name, ttype, comment, rows, viewdef in db.query(_TABLES):
        schema = database
        mariadb = "mariadb" in (version or "").lower()
        kind = _KINDS.get(ttype)
        if kind is None or name.startswith(OWN_TABLE_PREFIX):
            continue  # sequences, and this project's own tables
        table = Table(schema=schema, name=name, kind=kind, comment=(comment or None) if kind == "table" else None)
        if kind == "view":
            table.definition = (viewdef or "").strip() or None
        elif row_counts:
            table.row_count = None if rows is None else int(rows)
        tables[name] = table
    if not schema:
        (database,) = db.query("SELECT DATABASE()")[0]
        if database is None:
            raise SchemaSyncError("the MySQL/MariaDB connection names no database: add /dbname to the URL")
        return Catalog(dialect="mysql")

    for tname, cname, ctype, nullable, default, extra, gen_expr, comment in db.query(_COLUMNS):
        table = tables.get(tname)
        if table is None:
            continue
        extra = extra or ""
        col = Column(name=cname, type=ctype, nullable=nullable == "YES", comment=comment or None)
        if gen_expr:
            col.generated = gen_expr
        else:
            col.default = _default(default, extra, mariadb)
            col.identity = "auto_increment" in extra.lower()
        table.columns.append(col)

    fks: dict[tuple[str, str], ForeignKey] = {}
    constraint_cols: dict[tuple[str, str], list[str]] = {}
    for tname, cname, ctype, col, ref_schema, ref_table, ref_col, on_delete, on_update in db.query(_KEYS):
        table = tables.get(tname)
        if table is None:
            continue
        key = (tname, cname)
        cols = constraint_cols.get(key)
        if cols is None:
            cols = constraint_cols[key] = []
            if ctype == "PRIMARY KEY":
                table.primary_key = PrimaryKey(name=None, columns=cols)  # always called PRIMARY
            elif ctype == "UNIQUE":
                table.uniques.append(UniqueConstraint(name=cname, columns=cols))
            else:
                fk = ForeignKey(
                    name=cname,
                    columns=cols,
                    ref_schema=ref_schema,
                    ref_table=ref_table,
                    ref_columns=[],
                    on_delete=_action(on_delete),
                    on_update=_action(on_update),
                )
                fks[key] = fk
                table.foreign_keys.append(fk)
        cols.append(col)
        if ctype == "FOREIGN KEY":
            fks[key].ref_columns.append(ref_col)

    try:
        checks = db.query(_CHECKS_MARIADB if mariadb else _CHECKS_MYSQL)
    except SchemaSyncError as exc:  # MySQL before 8.0.16 has no CHECK_CONSTRAINTS
        log.info("check constraints unavailable: %s", exc.message)
        checks = []
    for tname, cname, clause in checks:
        table = tables.get(tname)
        if table is not None:
            table.checks.append(CheckConstraint(name=cname, expression=clause))

    indexes: dict[tuple[str, str], Index] = {}
    for tname, iname, non_unique, col, sub_part, comment in db.query(_INDEXES):
        table = tables.get(tname)
        if table is None or iname == "PRIMARY" or (tname, iname) in constraint_cols:
            continue
        index = indexes.get((tname, iname))
        if index is None:
            index = indexes[(tname, iname)] = Index(
                name=iname, columns=[], unique=not int(non_unique), comment=comment or None
            )
            table.indexes.append(index)
        if col is None:
            index.columns.append("(expression)")
        else:
            index.columns.append(f"{col}({sub_part})" if sub_part else col)

    for table in tables.values():
        if table.foreign_keys and table.indexes:
            table.indexes = [i for i in table.indexes if not _implied_by_fk(i, table.foreign_keys)]
        table.sort_members()
    return Catalog(dialect="mysql", tables=list(tables.values()))


def _implied_by_fk(index: Index, fks: list[ForeignKey]) -> bool:
    """The index the server created for a foreign key (named after it or its first column)."""
    if index.unique:
        return False
    return any(index.columns == fk.columns and index.name in (fk.name, fk.columns[0]) for fk in fks)


def _default(value: str | None, extra: str, mariadb: bool) -> str | None:
    """The default as an SQL expression (MariaDB reports it so; MySQL gives literals bare)."""
    if value is None:
        return None
    if mariadb:
        return None if value == "NULL" else value
    if "DEFAULT_GENERATED" in extra or _is_number(value):
        return value
    return "'" + value.replace("'", "''") + "'"


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _action(rule: str | None) -> str | None:
    """InnoDB treats NO ACTION as RESTRICT and reports RESTRICT when none was given: both are the default."""
    return None if rule in (None, "NO ACTION", "RESTRICT") else rule
