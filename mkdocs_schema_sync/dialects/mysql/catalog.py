"""Reading a MySQL/MariaDB catalog: bulk queries over information_schema, scoped to the connected database.

The schema of every object is the database name (`DATABASE()`) on pages; the snapshot,
hashes and `diff` leave it out (`Catalog.portable`): the database is the connection. The two servers
differ in a few places, handled here: MariaDB quotes literal column defaults and
reports `NULL` for `DEFAULT NULL`, its CHECK_CONSTRAINTS has a TABLE_NAME column
(check names are unique per table, not per schema), and it has no functional
indexes. MySQL and MariaDB create an index for every foreign key that has none;
such an index, named after the constraint or its first column and covering
exactly the key's columns, is implied by the foreign key and not listed again.

Beside tables and views: triggers (information_schema.TRIGGERS), functions and
procedures (ROUTINES, with their PARAMETERS: no overloading, so a routine's key
is its name and argument types), partitions (PARTITIONS: parts of their table,
not tables) and, on MariaDB, sequences (tables of type SEQUENCE, whose settings
are read in one UNION ALL over them). ENUM and SET are column types, not named
types: their values are in the column type, and `diff` names the values a
change removed or added. There are no comments on constraints and no enabled
flag on triggers.
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
    Partition,
    PrimaryKey,
    Routine,
    Sequence,
    Table,
    Trigger,
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

# INDEX_TYPE: BTREE, HASH, FULLTEXT, SPATIAL; COLLATION 'D' is a descending key. MySQL 8
# has functional key parts (COLUMN_NAME NULL, EXPRESSION set); MariaDB has no EXPRESSION.
_INDEXES = """
SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME, SUB_PART, INDEX_COMMENT, INDEX_TYPE, COLLATION, {expression}
FROM information_schema.STATISTICS
WHERE TABLE_SCHEMA = DATABASE()
ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX
"""


_TRIGGERS = """
SELECT TRIGGER_NAME, EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORIENTATION, ACTION_STATEMENT
FROM information_schema.TRIGGERS
WHERE TRIGGER_SCHEMA = DATABASE()
ORDER BY EVENT_OBJECT_TABLE, TRIGGER_NAME
"""

_ROUTINES = """
SELECT SPECIFIC_NAME, ROUTINE_NAME, ROUTINE_TYPE, DTD_IDENTIFIER, ROUTINE_BODY, ROUTINE_DEFINITION,
       IS_DETERMINISTIC, SQL_DATA_ACCESS, SECURITY_TYPE, ROUTINE_COMMENT
FROM information_schema.ROUTINES
WHERE ROUTINE_SCHEMA = DATABASE()
"""

# Position 0 is a function's return value (ROUTINES says it already).
_PARAMETERS = """
SELECT SPECIFIC_NAME, ROUTINE_TYPE, PARAMETER_MODE, PARAMETER_NAME, DTD_IDENTIFIER
FROM information_schema.PARAMETERS
WHERE SPECIFIC_SCHEMA = DATABASE() AND ORDINAL_POSITION > 0
ORDER BY SPECIFIC_NAME, ROUTINE_TYPE, ORDINAL_POSITION
"""

_PARTITIONS = """
SELECT TABLE_NAME, PARTITION_NAME, SUBPARTITION_NAME, PARTITION_METHOD, PARTITION_EXPRESSION,
       SUBPARTITION_METHOD, SUBPARTITION_EXPRESSION, PARTITION_DESCRIPTION, PARTITION_COMMENT
FROM information_schema.PARTITIONS
WHERE TABLE_SCHEMA = DATABASE() AND PARTITION_NAME IS NOT NULL
ORDER BY TABLE_NAME, PARTITION_ORDINAL_POSITION, SUBPARTITION_ORDINAL_POSITION
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
            "COALESCE(SUB_PART, 0x00), INDEX_COMMENT, INDEX_TYPE, COALESCE(COLLATION, 0x00)",
        ),
        _fingerprint(
            "KEY_COLUMN_USAGE",
            "TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, ORDINAL_POSITION, "
            "COALESCE(REFERENCED_TABLE_NAME, 0x00), COALESCE(REFERENCED_COLUMN_NAME, 0x00)",
        ),
        _fingerprint("REFERENTIAL_CONSTRAINTS", "CONSTRAINT_NAME, DELETE_RULE, UPDATE_RULE", "CONSTRAINT_SCHEMA"),
        _fingerprint("CHECK_CONSTRAINTS", "CONSTRAINT_NAME, CHECK_CLAUSE", "CONSTRAINT_SCHEMA"),
        _fingerprint("VIEWS", "TABLE_NAME, VIEW_DEFINITION"),
        _fingerprint(
            "TRIGGERS",
            "TRIGGER_NAME, EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORDER, ACTION_STATEMENT",
            "TRIGGER_SCHEMA",
        ),
        _fingerprint(  # CREATE OR REPLACE rewrites the body; ALTER changes the characteristics and LAST_ALTERED
            "ROUTINES",
            "SPECIFIC_NAME, ROUTINE_TYPE, COALESCE(DTD_IDENTIFIER, 0x00), COALESCE(ROUTINE_DEFINITION, 0x00), "
            "IS_DETERMINISTIC, SQL_DATA_ACCESS, SECURITY_TYPE, ROUTINE_COMMENT, LAST_ALTERED",
            "ROUTINE_SCHEMA",
        ),
        _fingerprint(
            "PARAMETERS",
            "SPECIFIC_NAME, ROUTINE_TYPE, ORDINAL_POSITION, COALESCE(PARAMETER_MODE, 0x00), "
            "COALESCE(PARAMETER_NAME, 0x00), DTD_IDENTIFIER",
            "SPECIFIC_SCHEMA",
        ),
        _fingerprint(
            "PARTITIONS",
            "TABLE_NAME, COALESCE(PARTITION_NAME, 0x00), COALESCE(SUBPARTITION_NAME, 0x00), "
            "COALESCE(PARTITION_METHOD, 0x00), COALESCE(PARTITION_EXPRESSION, 0x00), "
            "COALESCE(PARTITION_DESCRIPTION, 0x00), PARTITION_COMMENT",
        ),
    ]
)

_KINDS = {"BASE TABLE": "table", "SYSTEM VERSIONED": "table", "VIEW": "view"}
_SEQUENCE = "SEQUENCE"  # MariaDB 10.3+: a sequence is a table of this type


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
    sequences: list[Sequence] = []
    schema = ""
    mariadb = False
    for database, version, name, ttype, comment, rows, viewdef in db.query(_TABLES):
        schema = database
        mariadb = "mariadb" in (version or "").lower()
        kind = _KINDS.get(ttype)
        if ttype == _SEQUENCE:
            sequences.append(Sequence(schema=schema, name=name, comment=comment or None))
            continue
        if kind is None or name.startswith(OWN_TABLE_PREFIX):
            continue  # this project's own tables
        table = Table(schema=schema, name=name, kind=kind, comment=(comment or None) if kind == "table" else None)
        if kind == "view":  # the server names the view's tables `db`.`t`: within the database, `t` says it
            table.definition = (viewdef or "").replace(_quote(database) + ".", "").strip() or None
        elif row_counts:
            table.row_count = None if rows is None else int(rows)
        tables[name] = table
    if not schema:
        (database,) = db.query("SELECT DATABASE()")[0]
        if database is None:
            raise SchemaSyncError("the MySQL/MariaDB connection names no database: add /dbname to the URL")
        return Catalog(dialect="mysql", database=database)

    for tname, cname, ctype, nullable, default, extra, gen_expr, comment in db.query(_COLUMNS):
        table = tables.get(tname)
        if table is None:
            continue
        extra = extra or ""
        col = Column(name=cname, type=ctype, nullable=nullable == "YES", comment=comment or None)
        if gen_expr:
            col.generated = gen_expr
            col.generated_storage = "stored" if "stored" in extra.lower() else "virtual"
        else:
            col.default = _default(default, extra, mariadb)
            col.identity = "auto_increment" in extra.lower()
            col.on_update = _on_update(extra)
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
    sql = _INDEXES.format(expression="NULL" if mariadb else "EXPRESSION")
    for tname, iname, non_unique, col, sub_part, comment, itype, collation, expression in db.query(sql):
        table = tables.get(tname)
        if table is None or iname == "PRIMARY" or (tname, iname) in constraint_cols:
            continue
        index = indexes.get((tname, iname))
        if index is None:
            index = indexes[(tname, iname)] = Index(
                name=iname, columns=[], unique=not int(non_unique), comment=comment or None
            )
            index.method = None if (itype or "BTREE") == "BTREE" else str(itype).lower()
            table.indexes.append(index)
        if collation == "D":
            index.options[str(len(index.columns))] = "DESC"
        if col is None:
            index.columns.append(f"({expression})" if expression else "(expression)")
        else:
            index.columns.append(f"{col}({sub_part})" if sub_part else col)

    for table in tables.values():
        if table.foreign_keys and table.indexes:
            table.indexes = [i for i in table.indexes if not _implied_by_fk(i, table.foreign_keys)]
        table.sort_members()
    _read_partitions(db, tables)
    _read_sequence_settings(db, sequences)
    return Catalog(
        dialect="mysql",
        tables=list(tables.values()),
        triggers=_triggers(db, schema, tables),
        routines=_routines(db, schema),
        sequences=sequences,
        database=schema,
    )


def _triggers(db: Connection, schema: str, tables: dict[str, Table]) -> list[Trigger]:
    """MySQL/MariaDB triggers run the statement of their body; the CREATE TRIGGER is put back together."""
    out = []
    for name, table, timing, event, orientation, body in db.query(_TRIGGERS):
        if table not in tables:
            continue
        definition = f"CREATE TRIGGER {_quote(name)} {timing} {event} ON {_quote(table)} FOR EACH {orientation} {body}"
        out.append(Trigger(schema, table, name, timing, [event], orientation, None, definition))
    return out


def _routines(db: Connection, schema: str) -> list[Routine]:
    params: dict[tuple[str, str], list[tuple[str | None, str | None, str]]] = {}
    for specific, rtype, mode, pname, dtd in db.query(_PARAMETERS):
        params.setdefault((specific, rtype), []).append((mode, pname, dtd))
    out = []
    for specific, name, rtype, returns, body_kind, body, deterministic, access, security, comment in db.query(
        _ROUTINES
    ):
        args = params.get((specific, rtype), [])
        is_function = rtype == "FUNCTION"
        arguments = ", ".join(  # as people read them; the definition below quotes the names
            " ".join(p for p in ((mode if not is_function else None), pname, dtd) if p) for mode, pname, dtd in args
        )
        declared = ", ".join(
            " ".join(p for p in ((mode if not is_function else None), _quote(pname or ""), dtd) if p)
            for mode, pname, dtd in args
        )
        traits = [
            "DETERMINISTIC" if deterministic == "YES" else "NOT DETERMINISTIC",
            access or "",
            f"SQL SECURITY {security}" if security else "",
        ]
        head = f"CREATE {rtype} {_quote(name)}({declared})" + (f" RETURNS {returns}" if is_function else "")
        definition = "\n".join([head, " ".join(t for t in traits if t), body or ""]).strip()
        out.append(
            Routine(
                schema=schema,
                name=name,
                kind=rtype.lower(),
                signature=", ".join(dtd for _, _, dtd in args),
                arguments=arguments,
                returns=returns if is_function else None,
                language=body_kind,
                definition=definition,
                comment=comment or None,
            )
        )
    return out


def _read_partitions(db: Connection, tables: dict[str, Table]) -> None:
    """Partitions are parts of their table here: the key on the table, each part with its bound."""
    for tname, part, sub, method, expr, sub_method, sub_expr, description, comment in db.query(_PARTITIONS):
        table = tables.get(tname)
        if table is None:
            continue
        if table.partition_key is None:
            table.partition_key = f"{method} ({expr})" if expr else str(method)
            if sub_method:
                table.partition_key += f" SUBPARTITION BY {sub_method} ({sub_expr})"
        bound = None
        if description is not None:
            bound = f"VALUES LESS THAN ({description})" if "RANGE" in str(method) else f"VALUES IN ({description})"
            if str(description) == "MAXVALUE":
                bound = "VALUES LESS THAN MAXVALUE"
        table.partitions.append(Partition(f"{part}.{sub}" if sub else part, bound, comment or None))


def _read_sequence_settings(db: Connection, sequences: list[Sequence]) -> None:
    """A MariaDB sequence keeps its settings in its one row: one UNION ALL over them (in chunks), not one query each."""
    for start in range(0, len(sequences), 200):
        part = sequences[start : start + 200]
        sql = " UNION ALL ".join(  # rows are matched by position: no name is bound or spliced as a value
            f"SELECT {i}, start_value, increment, minimum_value, maximum_value, cycle_option FROM {_quote(s.name)}"
            for i, s in enumerate(part)
        )
        try:
            rows = db.query(sql)
        except SchemaSyncError as exc:  # a sequence the user may not SELECT from: its name is still documented
            log.info("sequence settings unavailable: %s", exc.message)
            continue
        for i, first, step, low, high, cycle in rows:
            seq = part[int(i)]
            seq.start, seq.increment, seq.min_value, seq.max_value = str(first), str(step), str(low), str(high)
            seq.cycle = bool(int(cycle))


def _quote(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


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


def _on_update(extra: str) -> str | None:
    """`current_timestamp()` of EXTRA `on update current_timestamp()` (MariaDB) or
    `DEFAULT_GENERATED on update CURRENT_TIMESTAMP` (MySQL), as the server writes it."""
    at = extra.lower().find("on update ")
    return extra[at + len("on update ") :].strip() or None if at >= 0 else None


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _action(rule: str | None) -> str | None:
    """InnoDB treats NO ACTION as RESTRICT and reports RESTRICT when none was given: both are the default."""
    return None if rule in (None, "NO ACTION", "RESTRICT") else rule
