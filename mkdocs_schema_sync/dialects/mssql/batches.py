"""`GO` batches: the client-side separator of T-SQL scripts, split the way sqlcmd and SSMS do.

This is the one GO splitter of the project: every SQL Server script (install,
uninstall, polling's log tables, the contracts) reaches the server through
`MSSQLDialect.split_script`, which is this function.
"""

from __future__ import annotations

import re

from ...errors import SchemaSyncError
from ..statements import Pieces, Statement, skip_nested_comment

#: the spots a batch scanner stops at: a line whose first word is GO (sqlcmd takes it for its command,
#: valid or not; `GO--x` and `GO/*x*/` too), comments, strings (N'…' is a string after an N) and names
_TOKENS = re.compile(
    r"(?P<go>^[ \t]*go(?=[ \t;\-/\r]|$)[^\n]*)"
    r"|(?P<line>--[^\n]*)"
    r"|(?P<block>/\*)"
    r"|(?P<text>'[^']*(?:''[^']*)*(?:'|\Z)"
    r'|"[^"]*(?:""[^"]*)*(?:"|\Z)'
    r"|\[[^\]]*(?:\]\][^\]]*)*(?:\]|\Z))",
    re.IGNORECASE | re.MULTILINE,
)
#: GO, an optional repeat count, then only comments (a block comment must close on the line)
_GO_LINE = re.compile(r"^[ \t]*go(?:[ \t]+(\d+))?[ \t]*(?:/\*(?:(?!\*/).)*\*/[ \t]*)*(?:--.*)?$", re.IGNORECASE)
#: `GO n` repeats the batch n times; a larger count is a typo, not a plan
MAX_GO_COUNT = 100_000


def split_batches(sql: str) -> list[Statement]:
    """Split a script on `GO` lines, as sqlcmd and SSMS do, in one linear scan.

    A separator is a line holding only `GO` (any case), optionally followed by
    a positive repeat count (`GO 2` runs the batch twice, as sqlcmd does) and
    comments (`GO -- done`, `GO--done`). A line starting with the word GO that
    sqlcmd would reject (`GO;`, `GO 0`, `GO x`) is refused with its line number
    rather than sent to the server. `GO` inside a string literal (N'…' too), a
    quoted or [bracketed] name, or a comment (block comments nest in T-SQL)
    does not split. Empty batches are dropped. Each batch knows its first line.
    """
    pieces = Pieces(sql, keep_comments=True)
    pos, counted, lines = 0, 0, 1
    while True:
        m = _TOKENS.search(sql, pos)
        end = m.start() if m is not None else len(sql)
        pieces.code_between(pos, end)
        if m is None:
            break
        kind = m.lastgroup
        if kind == "go":
            line = m.group().rstrip("\r")
            lines += sql.count("\n", counted, m.start())
            counted = m.start()
            count = _repeat_count(line, lines)
            before = len(pieces.out)
            pieces.emit(m.start(), m.end())
            pieces.out.extend(pieces.out[before:] * (count - 1))
            pos = m.end()
        elif kind == "block":
            pos = skip_nested_comment(sql, m.end())
        elif kind == "line":
            pos = m.end()
        else:
            pieces.saw_code(m.start())
            pos = m.end()
    pieces.emit(len(sql), len(sql))
    return list(pieces.out)


def _repeat_count(line: str, number: int) -> int:
    m = _GO_LINE.match(line)
    if m is None:
        raise SchemaSyncError(
            f"line {number}: {line.strip()!r} is not a batch separator sqlcmd accepts; write GO alone on its "
            "line, optionally with a repeat count and a comment (GO 2 -- twice), and no semicolon after it"
        )
    count = int(m.group(1) or 1)
    if not 1 <= count <= MAX_GO_COUNT:
        raise SchemaSyncError(
            f"line {number}: {line.strip()!r}: the repeat count of GO must be a positive integer "
            f"(at most {MAX_GO_COUNT})"
        )
    return count
