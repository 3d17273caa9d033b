"""Which tables the drift log's newest rows can have changed, so a rebuild re-reads only those.

Each row names one object and holds the statement that changed it (masked, but its names intact).
The answer is the names the statements contain when every row is about a table, view, index,
trigger, column or constraint and every statement is one whose effect stays on the tables it names
(`dialects.touched.touched_names`). Anything else is None, and the caller reads the whole catalog:
a routine, type, sequence, schema or extension; a rename or CASCADE; a statement that was not kept;
a serial column (it makes a sequence); dropping a table or column that owns a sequence. A trigger's
row is about the table PostgreSQL names in it (`name on table`), whatever function it runs.
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
    for sequence in old.sequences:  # dropping its owner (table or column) drops it too
        owner = (sequence.owned_by or "").lower().rsplit(".", 1)[0]
        if owner and (owner in names or owner.split(".", 1)[-1] in names):
            return None
    return names
