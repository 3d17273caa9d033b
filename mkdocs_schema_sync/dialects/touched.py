"""Which tables a migration file can change, read from its statements, so `plan` re-reads only those.

A file of ordinary statements (CREATE/ALTER/DROP TABLE, CREATE INDEX, views, comments on tables and
columns, INSERT/UPDATE/DELETE) changes no table it does not name, so the names its statements contain
are a superset of what it touched (the one blind spot: DML firing a trigger that runs DDL). Anything
else (a rename, a schema move, CASCADE, a DROP INDEX that names no table, routines, types, DO blocks,
SELECT and the functions it may call) may reach further: then the touched set is unknown (None) and
the whole catalog is read, as before.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
#: one linear pass: strings and comments are skipped, a quoted name is one word, the rest are words
_TOKEN = re.compile(
    r"(?P<skip>[Ee]?'[^']*(?:''[^']*)*(?:'|\Z)|--[^\n]*|/\*.*?(?:\*/|\Z))"
    r'|"(?P<dq>[^"]*(?:""[^"]*)*)(?:"|\Z)'
    r"|`(?P<bq>[^`]*(?:``[^`]*)*)(?:`|\Z)"
    r"|\[(?P<br>[^\]]*)(?:\]|\Z)"
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_$]*)",
    re.DOTALL,
)

#: statement heads whose every touched table is named in the statement
_SAFE_HEADS = (
    ("create", "table"),
    ("create", "unlogged", "table"),
    ("create", "index"),
    ("create", "unique", "index"),
    ("alter", "table"),
    ("drop", "table"),
    ("create", "view"),
    ("create", "or", "replace", "view"),
    ("create", "materialized", "view"),
    ("drop", "view"),
    ("drop", "materialized", "view"),
    ("comment", "on", "table"),
    ("comment", "on", "column"),
    ("comment", "on", "view"),
    ("comment", "on", "constraint"),
    ("insert",),
    ("update",),
    ("delete",),
)
#: words that make a safe-looking statement reach tables it does not name
_FAR_WORDS = frozenset({"rename", "cascade", "schema", "type", "execute", "function", "procedure", "call", "do"})


def touched_names(statements: Iterable[str]) -> set[str] | None:
    """The lower-cased names the statements contain, or None when a statement may change other tables."""
    names: set[str] = set()
    for statement in statements:
        words = list(_words(statement))
        if not words:
            continue
        if not any(tuple(words[: len(head)]) == head for head in _SAFE_HEADS) or _FAR_WORDS & set(words):
            return None
        names.update(words)
    return names


def _words(statement: str) -> Iterator[str]:
    """Keywords and names in order, lower-cased; a quoted name whole (`"Order Lines"`), no strings or comments."""
    for m in _TOKEN.finditer(statement):
        kind = m.lastgroup
        if kind == "word":
            yield m.group("word").lower()
        elif kind == "dq":
            yield m.group("dq").replace('""', '"').lower()
        elif kind == "bq":
            yield m.group("bq").replace("``", "`").lower()
        elif kind == "br":
            yield m.group("br").lower()
