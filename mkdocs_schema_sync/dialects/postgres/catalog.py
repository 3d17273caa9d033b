"""Reading a PostgreSQL catalog: five bulk queries over pg_catalog, the same SQL on pyodbc and psycopg.

The queries take no parameters and contain neither `?` nor `%`, so they run
unchanged whatever the driver's placeholder style. Arrays and vectors come
back as text (`conkey::text`, `indkey::text`) and attribute numbers are mapped
to names in Python from the columns already read: that keeps the work per row
small and the SQL free of correlated subqueries.
"""

from __future__ import annotations

import gc
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

if TYPE_CHECKING:
    from ..base import Connection

#: the project's own schema (drift log, event-trigger functions)
OWN_SCHEMA = "schema_sync"

# Namespaces that are documented: not the system's, not temporary, not ours.
_NS_FILTER = f"""
    n.nspname NOT IN ('pg_catalog', 'information_schema', '{OWN_SCHEMA}')
    AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
"""

_RELKINDS = {
    "r": "table",
    "v": "view",
    "m": "materialized view",
    "p": "partitioned table",
    "f": "foreign table",
}

_RELATIONS = f"""
SELECT c.oid::int8, n.nspname, c.relname, c.relkind::text, d.description,
       CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END,
       c.reltuples::float8
FROM pg_class AS c
JOIN pg_namespace AS n ON n.oid = c.relnamespace
LEFT JOIN pg_description AS d
       ON d.objoid = c.oid AND d.classoid = 'pg_class'::regclass AND d.objsubid = 0
WHERE c.relkind IN ('r', 'v', 'm', 'p', 'f') AND NOT c.relispartition AND {_NS_FILTER}
"""

_COLUMNS = f"""
SELECT a.attrelid::int8, a.attnum::int4, a.attname, format_type(a.atttypid, a.atttypmod),
       a.attnotnull, pg_get_expr(ad.adbin, ad.adrelid), a.attidentity::text, a.attgenerated::text,
       d.description
FROM pg_attribute AS a
JOIN pg_class AS c ON c.oid = a.attrelid
JOIN pg_namespace AS n ON n.oid = c.relnamespace
LEFT JOIN pg_attrdef AS ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
LEFT JOIN pg_description AS d
       ON d.objoid = a.attrelid AND d.classoid = 'pg_class'::regclass AND d.objsubid = a.attnum
WHERE a.attnum > 0 AND NOT a.attisdropped
  AND c.relkind IN ('r', 'v', 'm', 'p', 'f') AND NOT c.relispartition AND {_NS_FILTER}
ORDER BY a.attrelid, a.attnum
"""

# Primary keys, uniques, foreign keys and checks. A foreign key's target may sit in a
# schema we do not read; only then are its column names looked up in SQL.
_CONSTRAINTS = f"""
SELECT con.conrelid::int8, con.conname, con.contype::text, con.conkey::text,
       con.confrelid::int8, fn.nspname, fc.relname, con.confkey::text,
       con.confdeltype::text, con.confupdtype::text,
       CASE WHEN con.contype = 'c' THEN pg_get_expr(con.conbin, con.conrelid) END,
       CASE WHEN con.contype = 'f' AND (fc.relispartition
                 OR fn.nspname IN ('pg_catalog', 'information_schema', '{OWN_SCHEMA}'))
            THEN (SELECT string_agg(quote_ident(fa.attname), ',' ORDER BY k.i)
                  FROM unnest(con.confkey) WITH ORDINALITY AS k(num, i)
                  JOIN pg_attribute AS fa ON fa.attrelid = con.confrelid AND fa.attnum = k.num) END
FROM pg_constraint AS con
JOIN pg_class AS c ON c.oid = con.conrelid
JOIN pg_namespace AS n ON n.oid = c.relnamespace
LEFT JOIN pg_class AS fc ON fc.oid = con.confrelid
LEFT JOIN pg_namespace AS fn ON fn.oid = fc.relnamespace
WHERE con.contype IN ('p', 'u', 'f', 'c') AND con.conrelid <> 0
  AND NOT c.relispartition AND {_NS_FILTER}
ORDER BY con.conrelid, con.conname COLLATE "C"
"""

# Indexes that back a primary key, unique or exclusion constraint are shown as that constraint.
_INDEXES = f"""
SELECT i.indrelid::int8, ic.relname, i.indisunique, i.indnkeyatts::int4, i.indkey::text,
       pg_get_expr(i.indpred, i.indrelid),
       CASE WHEN i.indexprs IS NOT NULL THEN
            (SELECT string_agg(pg_get_indexdef(i.indexrelid, k, true), chr(31) ORDER BY k)
             FROM generate_series(1, i.indnkeyatts) AS k) END,
       d.description
FROM pg_index AS i
JOIN pg_class AS ic ON ic.oid = i.indexrelid
JOIN pg_class AS c ON c.oid = i.indrelid
JOIN pg_namespace AS n ON n.oid = c.relnamespace
LEFT JOIN pg_description AS d
       ON d.objoid = i.indexrelid AND d.classoid = 'pg_class'::regclass AND d.objsubid = 0
WHERE NOT c.relispartition AND NOT ic.relispartition AND {_NS_FILTER}
  AND NOT EXISTS (SELECT 1 FROM pg_constraint AS k
                  WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid AND k.contype IN ('p', 'u', 'x'))
ORDER BY i.indrelid, ic.relname COLLATE "C"
"""

_SCHEMA_COMMENTS = f"""
SELECT n.nspname, d.description
FROM pg_namespace AS n
JOIN pg_description AS d ON d.objoid = n.oid AND d.classoid = 'pg_namespace'::regclass
WHERE {_NS_FILTER}
"""

# One aggregate over the catalogs that hold what we document. Every row written by DDL
# gets a new, larger xmin, and drops lower the counts, so the pair moves on any change.
_CATALOGS = ("pg_class", "pg_attribute", "pg_constraint", "pg_index", "pg_description", "pg_namespace", "pg_attrdef")
_CHANGE_SIGNAL = "SELECT " + ", ".join(
    f"(SELECT count(*)::text || '/' || coalesce(sum(xmin::text::int8), 0)::text FROM {c})" for c in _CATALOGS
)

_FK_ACTIONS = {"a": None, "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}


def change_signal(db: Connection) -> str:
    return "|".join(str(v) for v in db.query(_CHANGE_SIGNAL)[0])


def read_catalog(db: Connection, *, row_counts: bool = True) -> Catalog:
    # Hundreds of thousands of new objects and no cycles among them: the cyclic garbage
    # collector would walk them again and again (a third of the time at 10,000 tables).
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _read(db, row_counts)
    finally:
        if enabled:
            gc.enable()


def _read(db: Connection, row_counts: bool) -> Catalog:
    tables: dict[int, Table] = {}
    for oid, schema, name, relkind, comment, viewdef, reltuples in db.query(_RELATIONS):
        kind = _RELKINDS[relkind]
        table = Table(schema=schema, name=name, kind=kind, comment=comment)
        if viewdef is not None:
            table.definition = viewdef.strip().rstrip(";").strip()
        if row_counts and kind in ("table", "materialized view", "partitioned table"):
            table.row_count = None if reltuples is None or reltuples < 0 else int(reltuples)
        tables[oid] = table

    # attnum -> name per relation, for constraint and index keys. This loop runs once per
    # column (200,000 times for 10,000 tables), so it is written for speed: rows arrive
    # grouped by relation, Column is built in one positional call, the common case first.
    attnames: dict[int, dict[int, str]] = {}
    last_relid = None
    columns: list[Column] = []
    names: dict[int, str] = {}
    skip = False
    for relid, attnum, name, type_text, notnull, default, identity, generated, comment in db.query(_COLUMNS):
        if relid != last_relid:
            last_relid = relid
            table = tables.get(relid)
            skip = table is None
            if table is not None:
                columns = table.columns
                names = attnames[relid] = {}
        if skip:
            continue
        if default is None:
            col = Column(name, type_text, not notnull, None, bool(identity), None, comment)
        elif generated:  # 's': stored generated column; the expression lives in pg_attrdef
            col = Column(name, type_text, not notnull, None, False, default, comment)
        else:  # a serial's nextval() default makes it an identity in all but name
            col = Column(name, type_text, not notnull, default, default.startswith("nextval("), None, comment)
        columns.append(col)
        names[attnum] = name

    keys_of: dict[str, tuple[int, ...]] = {}  # '{1,2}' / '1 2' -> (1, 2); few distinct values

    def cols_of(relid: int, text: str | None) -> list[str]:
        keys = keys_of.get(text or "")
        if keys is None:
            keys = keys_of[text or ""] = _int_list(text)
        names = attnames.get(relid)
        try:
            return [names[n] for n in keys]  # type: ignore[index]
        except (KeyError, TypeError):  # an expression (0) or a relation we did not read
            return [(names or {}).get(n) or f"#{n}" for n in keys]

    for row in db.query(_CONSTRAINTS):
        relid, conname, contype, conkey, frelid, fschema, ftable, confkey, ondel, onupd, check, fcols = row
        table = tables.get(relid)
        if table is None:
            continue
        cols = cols_of(relid, conkey)
        if contype == "f":
            ref_cols = _split_quoted(fcols) if fcols is not None else cols_of(frelid, confkey)
            actions = _FK_ACTIONS.get(ondel), _FK_ACTIONS.get(onupd)
            table.foreign_keys.append(ForeignKey(conname, cols, fschema, ftable, ref_cols, *actions))
        elif contype == "p":  # PostgreSQL makes primary key columns NOT NULL itself
            table.primary_key = PrimaryKey(conname, cols)
        elif contype == "u":
            table.uniques.append(UniqueConstraint(conname, cols))
        elif contype == "c":
            table.checks.append(CheckConstraint(conname, _strip_parens(check or "")))

    for relid, iname, unique, nkeys, indkey, predicate, exprs, comment in db.query(_INDEXES):
        table = tables.get(relid)
        if table is None:
            continue
        if exprs is not None:
            cols = exprs.split("\x1f")
        else:
            cols = cols_of(relid, indkey)
            if len(cols) > nkeys:  # INCLUDE columns are not part of the key
                cols = cols[:nkeys]
        where = _strip_parens(predicate) if predicate else None
        table.indexes.append(Index(iname, cols, bool(unique), where, comment))

    schema_comments = dict(db.query(_SCHEMA_COMMENTS))
    # members are already in sort_members() order: the queries sort names with COLLATE "C"
    return Catalog(dialect="postgresql", tables=list(tables.values()), schema_comments=schema_comments)


def _int_list(text: str | None) -> tuple[int, ...]:
    """`{1,2}` (an array as text) or `1 2` (an int2vector as text) as ints."""
    if not text:
        return ()
    return tuple(int(x) for x in text.strip("{}").replace(",", " ").split())


def _split_quoted(text: str) -> list[str]:
    """Split `a,"b,c"` (names joined by quote_ident) back into names."""
    out: list[str] = []
    i = 0
    while i < len(text):
        if text[i] == '"':
            j = i + 1
            buf = []
            while j < len(text):
                if text[j] == '"':
                    if j + 1 < len(text) and text[j + 1] == '"':
                        buf.append('"')
                        j += 2
                        continue
                    break
                buf.append(text[j])
                j += 1
            out.append("".join(buf))
            i = j + 2  # closing quote and comma
        else:
            j = text.find(",", i)
            j = len(text) if j < 0 else j
            out.append(text[i:j])
            i = j + 1
    return out


def _strip_parens(expr: str) -> str:
    """`(a >= 0)` -> `a >= 0` when the outer parentheses enclose the whole expression."""
    expr = expr.strip()
    while expr.startswith("(") and expr.endswith(")"):
        depth = 0
        quoted = False
        for i, ch in enumerate(expr):
            if ch == "'":
                quoted = not quoted
            elif quoted:
                continue
            elif ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
                if depth == 0 and i != len(expr) - 1:
                    return expr
        expr = expr[1:-1].strip()
    return expr
