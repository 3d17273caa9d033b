"""What SQLite's pragmas do not say, read from the stored CREATE statement.

SQLite keeps no check constraints, generated expressions or comments in its
catalog, only the original `CREATE TABLE` text. This splits that text into its
top-level items (quotes, brackets and comments respected) and picks out:
`CHECK (...)` constraints with their names, `GENERATED ALWAYS AS (...)`
expressions, AUTOINCREMENT, and `-- comments` written after a column (used as
the column's description), after a table constraint (the constraint's) or on
the `CREATE TABLE ... (` line (the table's). From a `CREATE TRIGGER` statement
it reads the timing, the events and the comments before `BEGIN`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass
class Item:
    text: str = ""
    comments: list[str] = field(default_factory=list)
    line: int | None = None  # line on which the item's text starts

    def add(self, text: str, line: int) -> None:
        if self.line is None and text.strip():
            self.line = line
        self.text += text


@dataclass
class TableDDL:
    comment: str | None = None
    column_comments: dict[str, str] = field(default_factory=dict)
    generated: dict[str, str] = field(default_factory=dict)
    autoincrement: set[str] = field(default_factory=set)
    checks: list[tuple[str | None, str]] = field(default_factory=list)
    check_comments: dict[int, str] = field(default_factory=dict)  # index in `checks` -> comment
    #: comments on table constraints: ("p" | "u" | "f", their columns) -> comment
    constraint_comments: dict[tuple[str, tuple[str, ...]], str] = field(default_factory=dict)
    #: names given to foreign keys (`CONSTRAINT fk_a FOREIGN KEY (a) …`, `a … CONSTRAINT fk_a REFERENCES …`),
    #: by their columns and target table (lower case): SQLite keeps them only in the DDL
    fk_names: dict[tuple[tuple[str, ...], str], str] = field(default_factory=dict)


_CONSTRAINT_START = re.compile(r"(?is)^\s*(constraint\b|primary\s+key\b|unique\b|check\b|foreign\s+key\b)")


def split_items(sql: str) -> tuple[list[Item], list[str]]:
    """Top-level items of the parenthesised body, and comments before the first item."""
    start = _body_start(sql)
    if start < 0:
        return [], []
    items: list[Item] = [Item()]
    head_comments: list[str] = []
    depth = 1
    i = start
    n = len(sql)
    newline_since_comma = True
    line = 0
    while i < n:
        ch = sql[i]
        if ch in "'\"`[":
            end = _skip_quoted(sql, i)
            items[-1].add(sql[i:end], line)
            line += sql.count("\n", i, end)
            i = end
            continue
        if sql.startswith("--", i):
            end = sql.find("\n", i)
            end = n if end < 0 else end
            comment = sql[i + 2 : end].strip()
            _attach(items, head_comments, comment, newline_since_comma, line)
            i = end
            continue
        if sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            end = n if end < 0 else end + 2
            comment = sql[i + 2 : end - 2].strip()
            _attach(items, head_comments, comment, newline_since_comma, line)
            line += sql.count("\n", i, end)
            i = end
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                break
        elif ch == "," and depth == 1:
            items.append(Item())
            newline_since_comma = False
            i += 1
            continue
        elif ch == "\n":
            newline_since_comma = True
            line += 1
        items[-1].add(ch, line)
        i += 1
    return [it for it in items if it.text.strip() or it.comments], head_comments


def _attach(items: list[Item], head: list[str], comment: str, newline_since_comma: bool, line: int) -> None:
    """A comment belongs to the first item that starts on its line.

    That keeps `a INT, b INT, -- about a` right, which is what SQLite writes
    when `ALTER TABLE ... ADD COLUMN b` inserts after a commented column.
    """
    if not comment:
        return
    for item in items:
        if item.line == line:
            item.comments.append(comment)
            return
    current = items[-1]
    if current.text.strip():
        current.comments.append(comment)
    elif len(items) > 1 and not newline_since_comma:
        items[-2].comments.append(comment)  # `col INT, -- about col`
    elif len(items) == 1:
        head.append(comment)
    else:
        current.comments.append(comment)


def _body_start(sql: str) -> int:
    """Index just after the `(` that opens the column list, skipping quoted names."""
    i = 0
    while i < len(sql):
        ch = sql[i]
        if ch in "'\"`[":
            i = _skip_quoted(sql, i)
            continue
        if ch == "(":
            return i + 1
        i += 1
    return -1


def _skip_quoted(sql: str, i: int) -> int:
    close = "]" if sql[i] == "[" else sql[i]
    j = i + 1
    while j < len(sql):
        if sql[j] == close:
            if close != "]" and j + 1 < len(sql) and sql[j + 1] == close:
                j += 2
                continue
            return j + 1
        j += 1
    return len(sql)


def _balanced(text: str, open_at: int) -> str:
    """The text inside the parentheses that open at `open_at`."""
    depth = 0
    i = open_at
    while i < len(text):
        ch = text[i]
        if ch in "'\"`[":
            i = _skip_quoted(text, i)
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return text[open_at + 1 : i].strip()
        i += 1
    return text[open_at + 1 :].strip()


def unquote_ident(name: str) -> str:
    name = name.strip()
    if len(name) >= 2 and name[0] in '"`[' and name[-1] in '"`]':
        inner = name[1:-1]
        return inner.replace('""', '"') if name[0] == '"' else inner.replace("``", "`")
    return name


def _leading_ident(text: str) -> str:
    text = text.lstrip()
    if text and text[0] in '"`[':
        end = _skip_quoted(text, 0)
        return unquote_ident(text[:end])
    m = re.match(r"[^\s(,]+", text)
    return m.group(0) if m else ""


_CHECK = re.compile(r"(?is)(?:\bconstraint\s+((?:\"(?:[^\"]|\"\")*\"|`[^`]*`|\[[^\]]*\]|\w+))\s+)?\bcheck\s*\(")
_GENERATED = re.compile(r"(?is)\b(?:generated\s+always\s+)?as\s*\(")


def _top_level_positions(text: str, pattern: re.Pattern[str]) -> list[re.Match[str]]:
    """Matches of `pattern` that are not inside quotes."""
    masked = []
    i = 0
    while i < len(text):
        if text[i] in "'\"`[":
            end = _skip_quoted(text, i)
            masked.append(text[i] + " " * (end - i - 2) + text[end - 1] if end - i >= 2 else text[i:end])
            i = end
        else:
            masked.append(text[i])
            i += 1
    return list(pattern.finditer("".join(masked)))


def parse_create_table(sql: str | None) -> TableDDL:
    out = TableDDL()
    if not sql:
        return out
    items, head = split_items(sql)
    if head:
        out.comment = " ".join(head)
    for item in items:
        text = item.text.strip()
        if not text:
            continue
        is_constraint = bool(_CONSTRAINT_START.match(text))
        for m in _top_level_positions(text, _CHECK):
            name = unquote_ident(m.group(1)) if m.group(1) else None
            if is_constraint and item.comments:
                out.check_comments[len(out.checks)] = " ".join(item.comments)
            out.checks.append((name, _balanced(text, m.end() - 1)))
        if is_constraint:
            _constraint_comment(out, text, item.comments)
            _fk_name(out, text)
            continue
        col = _leading_ident(text)
        if not col:
            continue
        for m in _top_level_positions(text, _COLUMN_FK):  # matched on a masked copy: the name is read from `text`
            target = _leading_ident(text[m.end() :]).lower()
            out.fk_names[((col,), target)] = unquote_ident(text[m.start(1) : m.end(1)])
        if item.comments:
            out.column_comments[col] = " ".join(item.comments)
        rest = text[len(text) - len(text.lstrip()) :]
        for m in _top_level_positions(rest, _GENERATED):
            out.generated[col] = _balanced(rest, m.end() - 1)
            break
        if re.search(r"(?i)\bautoincrement\b", text):
            out.autoincrement.add(col)
    return out


_KEY_CONSTRAINT = re.compile(
    r"(?is)^\s*(?:constraint\s+(?:\"(?:[^\"]|\"\")*\"|`[^`]*`|\[[^\]]*\]|\S+)\s+)?"
    r"(primary\s+key|unique|foreign\s+key)\s*\("
)


_CONSTRAINT_NAME = r"(\"(?:[^\"]|\"\")*\"|`[^`]*`|\[[^\]]*\]|[^\s(]+)"
_NAMED_FK = re.compile(r"(?is)^\s*constraint\s+" + _CONSTRAINT_NAME + r"\s+foreign\s+key\s*\(")
_COLUMN_FK = re.compile(r"(?is)\bconstraint\s+" + _CONSTRAINT_NAME + r"\s+references\b")
_REFERENCES = re.compile(r"(?is)\breferences\s+")


def _fk_name(out: TableDDL, text: str) -> None:
    m = _NAMED_FK.match(text)
    if m is None:
        return
    columns = tuple(_leading_ident(part) for part in _split_top(_balanced(text, m.end() - 1)))
    refs = _top_level_positions(text, _REFERENCES)
    target = _leading_ident(text[refs[0].end() :]).lower() if refs else ""
    out.fk_names[(columns, target)] = unquote_ident(m.group(1))


def _constraint_comment(out: TableDDL, text: str, comments: list[str]) -> None:
    """`PRIMARY KEY (a)`, `UNIQUE (a, b)`, `FOREIGN KEY (a) …` with a comment: keyed by kind and columns."""
    m = _KEY_CONSTRAINT.match(text)
    if not comments or m is None:
        return
    kind = m.group(1).lower()[0]  # p, u, f
    columns = tuple(_leading_ident(part) for part in _split_top(_balanced(text, m.end() - 1)))
    out.constraint_comments[(kind, columns)] = " ".join(comments)


def _split_top(text: str) -> list[str]:
    """`a, "b,c" DESC` -> [`a`, `"b,c" DESC`]: commas outside quotes and parentheses."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(text):
        ch = text[i]
        if ch in "'\"`[":
            i = _skip_quoted(text, i)
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
        i += 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


@dataclass
class TriggerDDL:
    timing: str = "BEFORE"  # SQLite's default when none is written
    events: list[str] = field(default_factory=list)
    comment: str | None = None


_NAME = r"(?:\"(?:[^\"]|\"\")*\"|`[^`]*`|\[[^\]]*\]|[^\s.(]+)"
_TRIGGER_HEAD = re.compile(
    rf"(?is)^\s*create\s+(?:temp(?:orary)?\s+)?trigger\s+(?:if\s+not\s+exists\s+)?(?:{_NAME}\s*\.\s*)?{_NAME}\s+"
    r"(?P<timing>before\s+|after\s+|instead\s+of\s+)?(?P<event>delete|insert|update)"
    r"(?:\s+of\s+(?P<columns>.+?))?\s+on\s"
)


def parse_create_trigger(sql: str | None) -> TriggerDDL:
    """Timing, event and the comments before `BEGIN` of a CREATE TRIGGER statement."""
    out = TriggerDDL()
    if not sql:
        return out
    begin = _top_level_positions(sql, re.compile(r"(?is)\bbegin\b"))
    head = sql[: begin[0].start()] if begin else sql
    plain, comments = _strip_comments(head)
    if comments:
        out.comment = " ".join(comments)
    m = _TRIGGER_HEAD.match(plain)
    if m is None:
        return out
    if m.group("timing"):
        out.timing = " ".join(m.group("timing").upper().split())
    event = m.group("event").upper()
    if m.group("columns"):
        event += " OF " + ", ".join(_leading_ident(c) for c in _split_top(m.group("columns")))
    out.events = [event]
    return out


def _strip_comments(text: str) -> tuple[str, list[str]]:
    """The text without its `--` and `/* */` comments (quotes respected), and the comments."""
    kept: list[str] = []
    comments: list[str] = []
    i = 0
    while i < len(text):
        if text[i] in "'\"`[":
            end = _skip_quoted(text, i)
            kept.append(text[i:end])
            i = end
        elif text.startswith("--", i):
            end = text.find("\n", i)
            end = len(text) if end < 0 else end
            comments.append(text[i + 2 : end].strip())
            kept.append(" ")
            i = end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = len(text) if end < 0 else end + 2
            comments.append(text[i + 2 : end - 2].strip())
            kept.append(" ")
            i = end
        else:
            kept.append(text[i])
            i += 1
    return "".join(kept), [c for c in comments if c]


def index_where(sql: str | None) -> str | None:
    """The WHERE clause of a partial index's CREATE INDEX statement."""
    if not sql:
        return None
    matches = _top_level_positions(sql, re.compile(r"(?is)\bwhere\b"))
    if not matches:
        return None
    return sql[matches[-1].end() :].strip().rstrip(";").strip() or None


def view_select(sql: str | None) -> str | None:
    """The SELECT of a CREATE VIEW statement (what the view is), as written."""
    if not sql:
        return None
    matches = _top_level_positions(sql, re.compile(r"(?is)\bas\b"))
    if not matches:
        return sql.strip()
    return sql[matches[0].end() :].strip()
