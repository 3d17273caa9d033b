"""`GO` batches: the client-side separator of T-SQL scripts, split the way sqlcmd and SSMS do."""

from __future__ import annotations

import re

_GO_LINE = re.compile(r"^[ \t]*go(?:[ \t]+(\d+))?[ \t]*(?:--.*)?$", re.IGNORECASE)


def split_batches(sql: str) -> list[str]:
    """Split a script on `GO` lines, as sqlcmd and SSMS do.

    A separator is a line holding only `GO` (any case), optionally followed by
    a repeat count (`GO 2` repeats the batch) and a `--` comment. `GO` inside a
    string literal, a quoted or [bracketed] name, or a comment (block comments
    nest in T-SQL) does not split. Empty batches are dropped.
    """
    batches: list[str] = []
    current: list[str] = []
    state = _ScanState()
    for line in sql.splitlines(keepends=True):
        if state.is_code():
            m = _GO_LINE.match(line.rstrip("\r\n"))
            if m:
                text = "".join(current).strip()
                if text:
                    batches.extend([text] * int(m.group(1) or 1))
                current = []
                continue
        current.append(line)
        state.feed(line)
    text = "".join(current).strip()
    if text:
        batches.append(text)
    return batches


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
