"""Which tables the drift log's newest rows can have changed, so a rebuild re-reads only those.

Each row names one object and holds the statement that changed it (masked, but its names intact).
The answer is the names the statements contain when every row is about a table, view, index,
trigger, column or constraint and every statement is one whose effect stays on the tables it names
(`dialects.touched.touched_names`). Anything else is None, and the caller reads the whole catalog:
a routine, type, sequence, schema or extension; a rename or CASCADE; a statement that was not kept;
a serial column (it makes a sequence); dropping a table or column that owns a sequence. A trigger's
row is about the table PostgreSQL names in it (`name on table`), whatever function it runs. The
partitions and inheriting children of a named table are named too: its ALTER TABLE, CREATE INDEX,
triggers and DROP reach them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..catalog import Catalog
from ..dialects.touched import touched_names
from .log import DriftEntry

#: object types (PostgreSQL's event triggers, SQL Server's EVENTDATA) whose change stays on a table
TABLE_OBJECTS = frozenset(
    {
        "table",
        "view",
        "materialized view",
        "foreign table",
        "index",
        "trigger",
        "table column",
        "table constraint",
        "column",
        "constraint",
        "statistics",
    }
)
#: words of a statement that makes or drops a sequence besides the tables it names
_SEQUENCE_WORDS = frozenset(
    {"serial", "serial2", "serial4", "serial8", "smallserial", "bigserial", "sequence", "extension"}
)


def touched_tables(entries: Iterable[DriftEntry], old: Catalog, split: Callable[[str], list[str]]) -> set[str] | None:
    """Lower-cased names that cover every table the rows changed, or None when they cannot be bounded.

    `split` cuts a logged statement (a client may send several at once) into statements.
    """
    names: set[str] = set()
    for entry in entries:
        kind = (entry.object_type or "").lower()
        if kind == "trigger" and " on " in (entry.object_name or ""):  # PostgreSQL names it `name on table`
            parts = entry.object_name.lower().split(" on ")  # type: ignore[union-attr]
            names.update(" on ".join(parts[i:]) for i in range(1, len(parts)))  # a table may say " on " too
            continue
        if kind not in TABLE_OBJECTS or not entry.statement:
            return None
        words = touched_names(split(entry.statement))
        if words is None or words & _SEQUENCE_WORDS:
            return None
        names |= words
    _add_descendants(names, old)
    for sequence in old.sequences:  # dropping its owner (table or column) drops it too
        owner = (sequence.owned_by or "").lower().rsplit(".", 1)[0]
        if owner and (owner in names or owner.split(".", 1)[-1] in names):
            return None
    return names


def _add_descendants(names: set[str], old: Catalog) -> None:
    """Add the partitions and inheriting children of the named tables, theirs too: an ALTER TABLE, CREATE
    INDEX, trigger or DROP of a partitioned (or inherited) table reaches them without naming them."""
    children = [t for t in old.tables if t.partition_of or t.inherits]
    grew = True
    while grew:
        grew = False
        for table in children:
            name = table.name.lower()
            if name not in names and any(_may_name(p, names) for p in [table.partition_of or "", *table.inherits]):
                names.add(name)
                grew = True


def _may_name(key: str, names: set[str]) -> bool:
    """Whether the table keyed `schema.name` may be one called one of `names` (schemas may hold dots)."""
    parts = key.lower().split(".")
    return any(".".join(parts[i:]) in names for i in range(1, len(parts)))
