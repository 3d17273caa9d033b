"""Splitting a migration file into the statements sent one at a time.

sqlparse (a well-kept lexer) knows quotes, dollar quotes, comments and
BEGIN ... END bodies, so `;` inside them does not split. MySQL's client-side
`DELIMITER` lines are not SQL at all (sqlparse leaves them in): `split_delimited`
handles them before sqlparse sees the text.
"""

from __future__ import annotations

import re

import sqlparse

_DELIMITER_LINE = re.compile(r"^[ \t]*delimiter[ \t]+(\S+)[ \t]*$", re.IGNORECASE | re.MULTILINE)


def has_code(statement: str) -> bool:
    """False for a piece that is only comments and blanks."""
    return bool(sqlparse.format(statement, strip_comments=True).strip().strip(";").strip())


def split_statements(text: str) -> list[str]:
    """The statements of `text`, `;`-terminated, comments kept with the statement they precede."""
    return [s.strip() for s in sqlparse.split(text) if has_code(s)]


def split_delimited(text: str) -> list[str]:
    """MySQL scripts with `DELIMITER //` blocks (procedures, triggers): the delimiter ends a statement."""
    out: list[str] = []
    delimiter, pos = ";", 0
    for m in _DELIMITER_LINE.finditer(text):
        out += _split_with(text[pos : m.start()], delimiter)
        delimiter, pos = m.group(1), m.end()
    out += _split_with(text[pos:], delimiter)
    return out


def _split_with(chunk: str, delimiter: str) -> list[str]:
    if delimiter == ";":
        return split_statements(chunk)
    # A custom delimiter ends a statement at the end of a line, as the mysql client reads it in practice.
    parts = re.split(rf"{re.escape(delimiter)}[ \t]*(?:\r?\n|$)", chunk)
    return [p.strip() for p in parts if has_code(p)]
