"""Splitting a migration file into the statements sent one at a time: one linear scan per dialect.

Each scanner walks the text once with a compiled regular expression that jumps
from one interesting spot to the next (a `;`, a quote, a comment start), and
skips a whole string, quoted name or comment at C speed: the cost is linear in
the file's size (benchmarks/migration_split.py measures it up to 50 MB).

- PostgreSQL: '…' (standard strings), E'…' (backslash escapes), "names",
  $tag$ … $tag$ dollar quotes, -- and nested /* */ comments, and
  `CREATE FUNCTION … BEGIN ATOMIC … END;` bodies (psql's own heuristic).
- SQLite: '…', "…", [names], `names`, comments, `CREATE TRIGGER … BEGIN … END;`.
- MySQL/MariaDB (dialects/mysql/statements.py): backslash escapes, `#` comments,
  the mysql client's `DELIMITER` lines.
- SQL Server (dialects/mssql/batches.py): GO batches.

Comments stay with the statement they precede; a piece that is only comments
is dropped. Every statement knows the line its code starts on.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_NONSPACE = re.compile(r"\S")
_WORDS = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
_BLOCK_EDGE = re.compile(r"/\*|\*/")
#: the statements whose `;` may sit inside a BEGIN … END body
_PG_ROUTINE = re.compile(r"create\s+(?:or\s+replace\s+)?(?:function|procedure)\b", re.IGNORECASE)
_SQLITE_TRIGGER = re.compile(r"create\s+(?:temp\s+|temporary\s+)?trigger\b", re.IGNORECASE)

_IDENT_CHAR = r"A-Za-z0-9_\x80-\U0010ffff"
_PG_TOKENS = re.compile(
    r"(?P<semi>;)"
    r"|(?P<line>--[^\n]*)"
    r"|(?P<block>/\*)"
    rf"|(?P<dollar>(?<![{_IDENT_CHAR}$])\$(?:[A-Za-z_\x80-\U0010ffff][{_IDENT_CHAR}]*)?\$)"
    rf"|(?P<text>(?<![{_IDENT_CHAR}$])[Ee]'[^'\\]*(?:(?:\\.|'')[^'\\]*)*(?:'|\Z)"
    r"|'[^']*(?:''[^']*)*(?:'|\Z)"
    r'|"[^"]*(?:""[^"]*)*(?:"|\Z))',
    re.DOTALL,
)
_SQLITE_TOKENS = re.compile(
    r"(?P<semi>;)"
    r"|(?P<line>--[^\n]*)"
    r"|(?P<block>/\*)"
    r"|(?P<text>'[^']*(?:''[^']*)*(?:'|\Z)"
    r'|"[^"]*(?:""[^"]*)*(?:"|\Z)'
    r"|`[^`]*(?:``[^`]*)*(?:`|\Z)"
    r"|\[[^\]]*(?:\]|\Z))",
)


class Statement(str):
    """A statement's text (a plain `str` to every caller) that also knows the line its code starts on."""

    line: int

    def __new__(cls, text: str, line: int) -> Statement:
        self = super().__new__(cls, text)
        self.line = line
        return self


def skip_nested_comment(text: str, pos: int) -> int:
    """The end of a /* … */ comment whose opening ends at `pos`, counting nested openings (PostgreSQL, T-SQL)."""
    depth = 1
    while depth:
        m = _BLOCK_EDGE.search(text, pos)
        if m is None:
            return len(text)
        depth += 1 if m.group() == "/*" else -1
        pos = m.end()
    return pos


def skip_flat_comment(text: str, pos: int) -> int:
    end = text.find("*/", pos)
    return len(text) if end < 0 else end + 2


class Pieces:
    """The statements found so far, and where the current one starts (its first code and its line)."""

    def __init__(self, text: str, *, keep_comments: bool = False) -> None:
        self.text = text
        self.keep_comments = keep_comments  # a piece of only comments is kept (T-SQL batches), not dropped
        self.out: list[Statement] = []
        self.start = 0  # where the current statement's text starts
        self.code_at = -1  # where its first code is (-1: none yet)
        self._line, self._counted = 1, 0

    def saw_code(self, at: int) -> None:
        if self.code_at < 0:
            self.code_at = at

    def code_between(self, a: int, b: int) -> None:
        if self.code_at < 0:
            m = _NONSPACE.search(self.text, a, b)
            if m is not None:
                self.code_at = m.start()

    def emit(self, end: int, next_start: int, cut: int = 0) -> None:
        """Close the current statement at `end` (its last `cut` characters are a delimiter to drop)."""
        if self.code_at < 0 and self.keep_comments:
            self.code_between(self.start, end)
        if self.code_at >= 0:
            self._line += self.text.count("\n", self._counted, self.code_at)
            self._counted = self.code_at
            piece = self.text[self.start : end - cut].strip()
            if piece:
                self.out.append(Statement(piece, self._line))
        self.start, self.code_at = next_start, -1


def _routine_depth(code: str, depth: int) -> int:
    """psql's heuristic for SQL-standard bodies: BEGIN opens, CASE opens inside a body, END closes."""
    for word in _WORDS.findall(code):
        w = word.lower()
        if w == "begin" or (w == "case" and depth > 0):
            depth += 1
        elif w == "end" and depth > 0:
            depth -= 1
    return depth


def _scan(
    text: str, tokens: re.Pattern[str], skip_block: Callable[[str, int], int], routine: re.Pattern[str]
) -> list[Statement]:
    pieces = Pieces(text)
    pos = 0
    code: list[tuple[int, int]] = []  # the code spans of the current statement (for BEGIN … END bodies)
    is_routine: bool | None = None  # None: not decided yet (at its first `;`)
    depth, depth_upto = 0, 0
    while True:
        m = tokens.search(text, pos)
        end = m.start() if m is not None else len(text)
        pieces.code_between(pos, end)
        code.append((pos, end))
        if m is None:
            break
        kind = m.lastgroup
        if kind == "semi":
            if is_routine is None:
                head = " ".join(text[a:b] for a, b in code[:8])[:300].strip()
                is_routine = routine.match(head) is not None
            if is_routine:
                depth = _routine_depth(" ".join(text[a:b] for a, b in code[depth_upto:]), depth)
                depth_upto = len(code)
                if depth > 0:
                    pos = m.end()
                    continue
            pieces.emit(m.end(), m.end())
            code, is_routine, depth, depth_upto = [], None, 0, 0
            pos = m.end()
        elif kind == "block":
            pos = skip_block(text, m.end())
        elif kind == "line":
            pos = m.end()
        elif kind == "dollar":
            pieces.saw_code(m.start())
            close = text.find(m.group(), m.end())
            pos = len(text) if close < 0 else close + len(m.group())
        else:  # a string or a quoted name
            pieces.saw_code(m.start())
            pos = m.end()
    pieces.emit(len(text), len(text))
    return pieces.out


def split_postgres(text: str) -> list[Statement]:
    return _scan(text, _PG_TOKENS, skip_nested_comment, _PG_ROUTINE)


def split_sqlite(text: str) -> list[Statement]:
    return _scan(text, _SQLITE_TOKENS, skip_flat_comment, _SQLITE_TRIGGER)


#: what remains of a statement for reading its words: strings and comments out (names stay)
_NOT_WORDS = {
    True: re.compile(r"'[^'\\]*(?:(?:\\.|'')[^'\\]*)*(?:'|\Z)|--[^\n]*|/\*.*?(?:\*/|\Z)", re.DOTALL),
    False: re.compile(r"'[^']*(?:''[^']*)*(?:'|\Z)|--[^\n]*|/\*.*?(?:\*/|\Z)", re.DOTALL),
}


_LEADING = re.compile(r"(?:\s+|--[^\n]*|/\*.*?\*/)*", re.DOTALL)


def code_words(statement: str, limit: int | None = None, *, backslash_escapes: bool = True) -> list[str]:
    """The statement's keywords and names in order, lower-cased: no strings, no comments, no quotes.

    `backslash_escapes`: a backslash escapes a quote in strings (MySQL); T-SQL and standard SQL: it does not.
    """
    if limit is not None:  # only the head is asked for: past the leading comments, read no more than needed
        start = _LEADING.match(statement).end()  # type: ignore[union-attr] - it matches the empty string
        statement = statement[start : start + limit * 64]
    bare = _NOT_WORDS[backslash_escapes].sub(" ", statement)
    words = [w.lower() for w in _WORDS.findall(bare)]
    return words if limit is None else words[:limit]
