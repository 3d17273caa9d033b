"""MySQL/MariaDB migration files as the mysql client reads them: one linear scan, `DELIMITER` lines included.

Strings ('…' and "…") take backslash escapes and doubled quotes, `names` take
doubled backticks, comments are `-- ` (a space after the dashes), `#` and
/* … */ (not nested). A line `DELIMITER //` is the client's command, not SQL:
from there on `//` ends a statement (and is not sent), until `DELIMITER ;`.
"""

from __future__ import annotations

import functools
import re

from ..statements import Pieces, Statement, skip_flat_comment

_DELIMITER_LINE = r"(?P<delimiter>^[ \t]*delimiter[ \t]+(?P<new>\S+)[^\n]*)"


@functools.lru_cache(maxsize=16)
def _tokens(delimiter: str) -> re.Pattern[str]:
    return re.compile(
        rf"(?P<semi>{re.escape(delimiter)})"
        rf"|{_DELIMITER_LINE}"
        r"|(?P<line>(?:--(?=[ \t\r\n]|\Z)|#)[^\n]*)"
        r"|(?P<block>/\*)"
        r"|(?P<text>'[^'\\]*(?:(?:\\.|'')[^'\\]*)*(?:'|\Z)"
        r'|"[^"\\]*(?:(?:\\.|"")[^"\\]*)*(?:"|\Z)'
        r"|`[^`]*(?:``[^`]*)*(?:`|\Z))",
        re.DOTALL | re.MULTILINE | re.IGNORECASE,
    )


def split_mysql(text: str) -> list[Statement]:
    """The statements of a MySQL script; `;` stays on its statement, a custom delimiter does not."""
    pieces = Pieces(text)
    delimiter, pos = ";", 0
    tokens = _tokens(delimiter)
    while True:
        m = tokens.search(text, pos)
        end = m.start() if m is not None else len(text)
        pieces.code_between(pos, end)
        if m is None:
            break
        kind = m.lastgroup
        if kind == "semi":
            pieces.emit(m.end(), m.end(), cut=0 if delimiter == ";" else len(delimiter))
            pos = m.end()
        elif kind == "delimiter":
            pieces.emit(m.start(), m.end())
            delimiter, pos = m.group("new"), m.end()
            tokens = _tokens(delimiter)
        elif kind == "block":
            pos = skip_flat_comment(text, m.end())
        elif kind == "line":
            pos = m.end()
        else:
            pieces.saw_code(m.start())
            pos = m.end()
    pieces.emit(len(text), len(text))
    return pieces.out
