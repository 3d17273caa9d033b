"""Reading a SQLite catalog: bulk queries over sqlite_master and the pragma functions.

SQLite has tables, views, indexes and triggers; no routines, types, sequences
or partitions. Triggers come from sqlite_master with the rest (one query).
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from ...catalog import (
    Catalog,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    PrimaryKey,
    Table,
    Trigger,
    UniqueConstraint,
)
from ...errors import SchemaSyncError
from ...masking import get_logger
from ..base import double_quoted
from .ddl import index_where, parse_create_table, parse_create_trigger, view_select

if TYPE_CHECKING:
    from ..base import Connection

log = get_logger("sqlite")

SCHEMA = "main"
#: tables this project creates in a SQLite database (the polled drift log)
OWN_TABLES = frozenset({"schema_sync_drift_log", "schema_sync_state", "schema_sync_deploy_history"})

_OBJECTS = """
SELECT type, name, tbl_name, sql FROM sqlite_master
WHERE type IN ('table', 'view', 'index', 'trigger') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
"""
_COLUMNS = """
SELECT m.name, p.cid, p.name, p.type, p."notnull", p.dflt_value, p.pk, p.hidden
FROM sqlite_master AS m JOIN pragma_table_xinfo(m.name) AS p
WHERE m.type IN ('table', 'view') AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
ORDER BY m.name, p.cid
"""
_FOREIGN_KEYS = """
SELECT m.name, f.id, f.seq, f."table", f."from", f."to", f.on_update, f.on_delete
FROM sqlite_master AS m JOIN pragma_foreign_key_list(m.name) AS f
WHERE m.type = 'table'
ORDER BY m.name, f.id, f.seq
"""
_INDEXES = """
SELECT m.name, il.name, il."unique", il.origin, il.partial, ii.seqno, ii.cid, ii.name
FROM sqlite_master AS m
JOIN pragma_index_list(m.name) AS il
JOIN pragma_index_xinfo(il.name) AS ii
WHERE m.type = 'table' AND ii.key = 1
ORDER BY m.name, il.name, ii.seqno
"""


def change_signal(db: Connection) -> str:
    (version,) = db.query("PRAGMA schema_version")[0]
    return str(version)


def read_catalog(db: Connection, *, row_counts: bool = True) -> Catalog:
    """The catalog; text that is not UTF-8 (see db.open.Utf8Replacing) is noted once per read."""
    decoder = getattr(db.raw, "text_factory", None)
    before = getattr(decoder, "replaced", 0)
    catalog = _read(db, row_counts)
    if getattr(decoder, "replaced", 0) > before:
        log.info(
            "the SQLite database holds text that is not UTF-8 (in a stored CREATE statement, a name or a "
            "comment): shown with replacement characters (U+FFFD)"
        )
    return catalog


def _read(db: Connection, row_counts: bool) -> Catalog:
    objects = db.query(_OBJECTS)
    tables: dict[str, Table] = {}
    ddl: dict[str, Any] = {}
    index_sql: dict[str, str | None] = {}
    trigger_rows: list[tuple[str, str, str | None]] = []
    for kind, name, tbl_name, sql in objects:
        if kind == "index":
            index_sql[name] = sql
            continue
        if kind == "trigger":
            trigger_rows.append((name, tbl_name, sql))
            continue
        if name in OWN_TABLES:
            continue
        parsed = parse_create_table(sql) if kind == "table" else None
        ddl[name] = parsed
        tables[name] = Table(
            schema=SCHEMA,
            name=name,
            kind=kind,
            comment=parsed.comment if parsed else None,
            definition=view_select(sql) if kind == "view" else None,
        )

    pk_cols: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for row in _bulk(db, _COLUMNS, tables):
        tname, _cid, cname, ctype, notnull, default, pk, hidden = row
        table = tables.get(tname)
        if table is None or hidden == 1:
            continue
        parsed = ddl.get(tname)
        col = Column(
            name=cname,
            type=" ".join((ctype or "").split()),
            nullable=not notnull,
            default=default,
            comment=parsed.column_comments.get(cname) if parsed else None,
        )
        if hidden in (2, 3) and parsed:
            col.generated = parsed.generated.get(cname, "")
        if parsed and cname in parsed.autoincrement:
            col.identity = True
        if pk:
            pk_cols[tname].append((pk, cname))
        table.columns.append(col)

    for tname, cols in pk_cols.items():
        table = tables[tname]
        names = [c for _, c in sorted(cols)]
        table.primary_key = PrimaryKey(name=None, columns=names)
        for col in table.columns:
            if col.name in names:
                col.nullable = False
        if len(names) == 1:
            col = table.column(names[0])
            if col is not None and col.type.upper() == "INTEGER":
                col.identity = True  # an INTEGER PRIMARY KEY is the rowid: assigned automatically

    fks: dict[tuple[str, int], ForeignKey] = {}
    for tname, fk_id, _seq, ref, col_from, col_to, on_update, on_delete in _bulk(db, _FOREIGN_KEYS, tables):
        if tname not in tables:
            continue
        fk = fks.get((tname, fk_id))
        if fk is None:
            fk = ForeignKey(
                name=None,
                columns=[],
                ref_schema=SCHEMA,
                ref_table=ref,
                ref_columns=[],
                on_delete=_action(on_delete),
                on_update=_action(on_update),
            )
            fks[(tname, fk_id)] = fk
            tables[tname].foreign_keys.append(fk)
        fk.columns.append(col_from)
        fk.ref_columns.append(col_to)  # None: the target's primary key, resolved below
    for fk in fks.values():
        if any(c is None for c in fk.ref_columns):
            target = tables.get(fk.ref_table)
            if target is not None and target.primary_key:
                fk.ref_columns = list(target.primary_key.columns)
    for (tname, _), fk in fks.items():
        parsed = ddl.get(tname)
        if parsed:
            fk.comment = parsed.constraint_comments.get(("f", tuple(fk.columns)))
            fk.name = parsed.fk_names.get((tuple(fk.columns), fk.ref_table.lower()))

    indexes: dict[tuple[str, str], tuple[str, bool, bool, list[str]]] = {}
    for tname, iname, unique, origin, partial, _seqno, cid, cname in _bulk(db, _INDEXES, tables):
        if tname not in tables:
            continue
        entry = indexes.setdefault((tname, iname), (origin, bool(unique), bool(partial), []))
        entry[3].append(cname if cname is not None else ("(rowid)" if cid == -1 else "(expression)"))
    for (tname, iname), (origin, unique, partial, cols) in sorted(indexes.items()):
        table = tables[tname]
        if origin == "pk":
            continue
        if origin == "u":
            comment = ddl[tname].constraint_comments.get(("u", tuple(cols))) if ddl.get(tname) else None
            table.uniques.append(UniqueConstraint(name=None, columns=cols, comment=comment))
            continue
        sql = index_sql.get(iname)
        table.indexes.append(
            Index(name=iname, columns=cols, unique=unique, where=index_where(sql) if partial else None)
        )

    for tname, parsed in ddl.items():
        if parsed:
            tables[tname].checks = [
                CheckConstraint(name=n, expression=e, comment=parsed.check_comments.get(i))
                for i, (n, e) in enumerate(parsed.checks)
            ]
            pk = tables[tname].primary_key
            if pk is not None:
                pk.comment = parsed.constraint_comments.get(("p", tuple(pk.columns)))

    if row_counts:
        for tname, count in _row_counts(db, [t.name for t in tables.values() if t.kind == "table"]).items():
            tables[tname].row_count = count
    for table in tables.values():
        table.sort_members()
    return Catalog(dialect="sqlite", tables=list(tables.values()), triggers=_triggers(trigger_rows, tables))


def _triggers(rows: list[tuple[str, str, str | None]], tables: dict[str, Table]) -> list[Trigger]:
    """Triggers of the documented tables and views (SQLite's are always FOR EACH ROW, and always enabled)."""
    out = []
    for name, tbl_name, sql in rows:
        if tbl_name not in tables:
            continue
        parsed = parse_create_trigger(sql)
        definition = sql.strip() if sql else None
        out.append(
            Trigger(SCHEMA, tbl_name, name, parsed.timing, parsed.events, "ROW", None, definition, True, parsed.comment)
        )
    return out


def _bulk(db: Connection, sql: str, tables: dict[str, Table]) -> list[tuple[Any, ...]]:
    """One query for all tables; if one broken view makes it fail, fall back per object and say which."""
    try:
        return db.query(sql)
    except SchemaSyncError:
        pass
    rows: list[tuple[Any, ...]] = []
    single = sql.replace("WHERE ", "WHERE m.name = ? AND ", 1)
    for name in tables:
        try:
            rows.extend(db.query(single, (name,)))
        except SchemaSyncError as exc:
            log.warning("skipping details of %s: %s", name, exc.message)
    return rows


def _row_counts(db: Connection, names: list[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    chunk = 200  # below SQLite's limit of 500 terms in a compound SELECT
    for start in range(0, len(names), chunk):
        part = names[start : start + chunk]
        sql = " UNION ALL ".join(f"SELECT ?, count(*) FROM {double_quoted(n)}" for n in part)
        try:
            counts.update(dict(db.query(sql, part)))
        except SchemaSyncError as exc:
            log.info("row counts unavailable: %s", exc.message)
    return counts


def _action(value: str | None) -> str | None:
    return None if value in (None, "NO ACTION") else value
