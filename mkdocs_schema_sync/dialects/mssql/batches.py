"""`GO` batches: the client-side separator of T-SQL scripts, split the way sqlcmd and SSMS do.

This is the one GO splitter of the project: every SQL Server script (install,
uninstall, polling's log tables, the contracts) reaches the server through
`MSSQLDialect.split_script`, which is this function.
"""

from __future__ import annotations

import re

from ...errors import SchemaSyncError

#: a line whose first word is GO: sqlcmd takes it for its command, valid or not
_GO_WORD = re.compile(r"^[ \t]*go(?=[ \t;]|$)", re.IGNORECASE)
#: GO, an optional repeat count, then only comments (a block comment must close on the line)
_GO_LINE = re.compile(r"^[ \t]*go(?:[ \t]+(\d+))?[ \t]*(?:/\*(?:(?!\*/).)*\*/[ \t]*)*(?:--.*)?$", re.IGNORECASE)
#: `GO n` repeats the batch n times; a larger count is a typo, not a plan
MAX_GO_COUNT = 100_000


def split_batches(sql: str) -> list[str]:
    """Split a script on `GO` lines, as sqlcmd and SSMS do.

    A separator is a line holding only `GO` (any case), optionally followed by
    a positive repeat count (`GO 2` runs the batch twice, as sqlcmd does) and
    comments. A line starting with the word GO that sqlcmd would reject
    (`GO;`, `GO 0`, `GO x`) is refused with its line number rather than sent to
    the server. `GO` inside a string literal, a quoted or [bracketed] name, or a
    comment (block comments nest in T-SQL) does not split. Empty batches are
    dropped.
    """
    batches: list[str] = []
    current: list[str] = []
    state = _ScanState()
    for number, line in enumerate(sql.splitlines(keepends=True), start=1):
        bare = line.rstrip("\r\n")
        if state.is_code() and _GO_WORD.match(bare):
            count = _repeat_count(bare, number)
            text = "".join(current).strip()
            if text:
                batches.extend([text] * count)
            current = []
            continue
        current.append(line)
        state.feed(line)
    text = "".join(current).strip()
    if text:
        batches.append(text)
    return batches


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


class _ScanState:
    """Where a T-SQL scanner stands at the end of a line: in code, a string, a name or a comment."""

    def __init__(self) -> None:
        self.quote: str | None = None  # "'", '"' or "]" while inside one
        self.comment_depth = 0

    def is_code(self) -> bool:
        return self.quote is None and self.comment_depth == 0

    def feed(self, line: str) -> None:
        i, n = 0, len(line)
        while i < n:
            ch = line[i]
            two = line[i : i + 2]
            if self.comment_depth:
                if two == "/*":
                    self.comment_depth += 1
                    i += 2
                    continue
                if two == "*/":
                    self.comment_depth -= 1
                    i += 2
                    continue
                i += 1
                continue
            if self.quote:
                if ch == self.quote:
                    if line[i + 1 : i + 2] == self.quote:  # doubled: an escaped quote
                        i += 2
                        continue
                    self.quote = None
                i += 1
                continue
            if two == "--":
                return  # the rest of the line is a comment
            if two == "/*":
                self.comment_depth = 1
                i += 2
                continue
            if ch == "'" or ch == '"':
                self.quote = ch
            elif ch == "[":
                self.quote = "]"
            i += 1
