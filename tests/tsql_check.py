"""Checking T-SQL without a server: sqlfluff's `tsql` parser, and which sys.* columns a batch reads.

A weak check by design. sqlfluff is a linter's parser, not SQL Server's: a batch
it accepts can still fail on a server (a misspelt function, a wrong type, a rule
of the engine), and it rejects a few things SQL Server accepts. Those gaps are
rewritten here, in `for_sqlfluff`, into T-SQL that means the same and that
sqlfluff parses; the shipped SQL is never changed to please the parser.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

#: sqlfluff's known gaps, each rewritten into an equivalent spelling (see test_tsql_workarounds_are_needed)
WORKAROUNDS: list[tuple[str, re.Pattern[str], str]] = [
    # the ODBC parameter marker pyodbc binds: T-SQL sees a parameter, written @p here
    ("? markers", re.compile(r"\?"), "@p"),
    # sqlfluff reads a bare `definition` as a keyword; [definition] is the same column to SQL Server
    ("bare definition", re.compile(r"(?<![\[\w@])definition\b(?!\])", re.IGNORECASE), "[definition]"),
    # ALTER TABLE ... ADD col ... DEFAULT x WITH VALUES: sqlfluff stops at WITH VALUES
    ("WITH VALUES", re.compile(r"\s+WITH\s+VALUES\b", re.IGNORECASE), ""),
]


def for_sqlfluff(batch: str, *, skip: str | None = None) -> str:
    """The batch with sqlfluff's gaps rewritten (parameters numbered @p1, @p2 …); `skip` leaves one gap open."""
    text = batch
    for name, pattern, replacement in WORKAROUNDS:
        if name == skip:
            continue
        text = _numbered(pattern, text) if name == "? markers" else pattern.sub(replacement, text)
    return text


def _numbered(pattern: re.Pattern[str], text: str) -> str:
    numbers = itertools.count(1)
    return pattern.sub(lambda _m: f"@p{next(numbers)}", text)


@cache
def _linter() -> Any:
    from sqlfluff.core import FluffConfig, Linter

    return Linter(config=FluffConfig(overrides={"dialect": "tsql"}))


@dataclass
class Parsed:
    errors: list[str]
    tree: Any = None
    sys_columns: set[tuple[str, str]] = field(default_factory=set)
    unresolved: list[str] = field(default_factory=list)


@cache
def parse_tsql(batch: str, *, rewrite: bool = True, skip: str | None = None) -> Parsed:
    """Parse one batch; errors are sqlfluff's lexing and parsing errors (empty: it parsed). Cached: don't mutate."""
    result = _linter().parse_string(for_sqlfluff(batch, skip=skip) if rewrite else batch)
    errors = [f"line {e.line_no}: {e.desc()}" for e in result.violations]
    tree = result.parsed_variants[0].tree if result.parsed_variants else None
    if tree is None:
        return Parsed(errors or ["sqlfluff produced no parse tree"])
    if any(True for _ in tree.recursive_crawl("unparsable")) and not errors:
        errors.append("unparsable section")
    parsed = Parsed(errors, tree)
    if not errors:
        _collect_sys_columns(tree, parsed)
    return parsed


# --------------------------------------------------------------------------- sys.* columns a batch reads


def _name(segment: Any) -> str:
    return segment.raw.strip("[]").lower()


def _own(segment: Any, kind: str) -> list[Any]:
    """Descendants of `kind` that belong to this SELECT, not to a SELECT nested in it."""
    out: list[Any] = []
    for child in segment.segments:
        if child.type == "select_statement":
            continue
        if child.type == kind:
            out.append(child)
        out.extend(_own(child, kind))
    return out


def _selects(segment: Any, parent: Any = None) -> list[tuple[Any, Any]]:
    """Every SELECT with the SELECT it is nested in (None at the top)."""
    out: list[tuple[Any, Any]] = []
    for child in segment.segments:
        if child.type == "select_statement":
            out.append((child, parent))
            out.extend(_selects(child, child))
        else:
            out.extend(_selects(child, parent))
    return out


def _tables(select: Any) -> dict[str, str]:
    """alias (or bare name) -> table reference, for the FROM/JOIN items of this SELECT."""
    tables: dict[str, str] = {}
    for element in _own(select, "from_expression_element"):
        refs = [s for s in element.recursive_crawl("table_reference", no_recursive_seg_type="select_statement")]
        if not refs:
            continue  # a derived table or a function
        parts = [_name(s) for s in refs[0].segments if s.type == "identifier" or "identifier" in s.type]
        table = ".".join(parts)
        aliases = [s for s in element.segments if s.type == "alias_expression"]
        alias = _name([s for s in aliases[0].recursive_crawl("identifier")][-1]) if aliases else parts[-1]
        tables[alias] = table
    return tables


def _output_aliases(select: Any) -> set[str]:
    return {
        _name([s for s in a.recursive_crawl("identifier")][-1])
        for clause in _own(select, "select_clause")
        for a in clause.recursive_crawl("alias_expression", no_recursive_seg_type="select_statement")
    }


def _collect_sys_columns(tree: Any, parsed: Parsed) -> None:
    """(view, column) for every column read from a sys.* catalog view; `unresolved` names what could not be tied."""
    selects = _selects(tree)
    parent_of = {id(s): p for s, p in selects}
    tables_of = {id(s): _tables(s) for s, _ in selects}
    for select, _ in selects:
        own_tables = tables_of[id(select)]
        outputs = _output_aliases(select)
        for ref in _own(select, "column_reference"):
            parts = [_name(s) for s in ref.segments if "identifier" in s.type]
            if len(parts) == 1:
                column = parts[0]
                sys_tables = [t for t in own_tables.values() if t.startswith("sys.")]
                if not sys_tables or column in outputs:
                    continue
                if len(own_tables) > 1:
                    parsed.unresolved.append(f"unqualified column {column!r} in a SELECT over {sorted(own_tables)}")
                    continue
                parsed.sys_columns.add((sys_tables[0], column))
                continue
            qualifier, column = parts[-2], parts[-1]
            scope: Any = select
            while scope is not None and qualifier not in tables_of[id(scope)]:
                scope = parent_of[id(scope)]
            if scope is None:
                if qualifier == "sys":
                    parsed.unresolved.append(f"{'.'.join(parts)} read without a FROM")
                continue  # a variable's method (@event.value) or a non-table qualifier
            table = tables_of[id(scope)][qualifier]
            if table.startswith("sys."):
                parsed.sys_columns.add((table, column))


def split_for_check(sql: str) -> list[str]:
    """A script's GO batches (the project's one splitter)."""
    from mkdocs_schema_sync.dialects.mssql.batches import split_batches

    return split_batches(sql)


_RE_SYS_VIEW = re.compile(r"\bsys\.(\w+)", re.IGNORECASE)


def sys_views_named(sql: str) -> set[str]:
    """Every `sys.<name>` written in the text (a cross-check that the parse tree missed none)."""
    code = re.sub(r"--[^\n]*", " ", re.sub(r"/\*.*?\*/", " ", sql, flags=re.S))
    code = re.sub(r"N?'(?:[^']|'')*'", "''", code)
    return {f"sys.{m.group(1).lower()}" for m in _RE_SYS_VIEW.finditer(code)}
