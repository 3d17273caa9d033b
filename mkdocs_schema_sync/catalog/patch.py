"""A catalog brought up to date by re-reading only the tables a change named.

`patched(old, fresh, names)` is `old` with every table and view called (case-insensitively) one of
`names` replaced by its row in `fresh` (what `Dialect.read_tables(names)` returned), or removed when
`fresh` has none: a dropped table. Their triggers go with them. Everything else (routines, types,
sequences, schema comments) is `old`'s: the caller re-reads the whole catalog when a change may have
reached those (see `drift.touched`). A table read again has the row count `fresh` has (read it with
the same `row_counts` as `old`).
"""

from __future__ import annotations

from collections.abc import Collection

from .model import Catalog


def patched(old: Catalog, fresh: Catalog, names: Collection[str]) -> Catalog:
    wanted = {n.lower() for n in names}
    gone = {t.key for t in old.tables if t.name.lower() in wanted}
    kept = [t for t in old.tables if t.key not in gone]
    read = [t for t in fresh.tables if t.name.lower() in wanted]
    read_keys = {t.key for t in read}
    triggers = [t for t in old.triggers if t.table_key not in gone]
    triggers += [t for t in fresh.triggers if t.table_key in read_keys]
    out = Catalog(
        dialect=old.dialect,
        tables=kept + read,
        schema_comments=dict(old.schema_comments),
        routines=list(old.routines),
        triggers=triggers,
        types=list(old.types),
        sequences=list(old.sequences),
        database=old.database,
    )
    return out.keeping_hashes(old)
