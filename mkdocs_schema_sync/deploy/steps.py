"""Statement by statement, where a file cannot be one transaction: groups, progress rows, refusals.

MySQL/MariaDB commit every DDL statement, and a `-- schema-sync: no-transaction`
file runs in autocommit on purpose. Before each group of statements a
`needs_repair` row naming the group is committed: a deploy killed there leaves
that row as the file's state, so the next deploy refuses it until `repair`
instead of running it again from statement 1. Consecutive data statements
(INSERT, UPDATE, DELETE, REPLACE) share one transaction and one row, at most
`GROUP_LIMIT` of them; every other statement is a group of its own.
"""

from __future__ import annotations

from ..dialects.base import Dialect
from ..dialects.statements import Statement, code_words

#: the most statements one progress row (and one transaction) covers
GROUP_LIMIT = 1000
_DATA = frozenset({"insert", "update", "delete", "replace"})


def is_data(statement: str) -> bool:
    words = code_words(statement, limit=1)
    return bool(words) and words[0] in _DATA


def groups(statements: list[Statement]) -> list[tuple[int, int]]:
    """[start, end) index ranges: runs of up to GROUP_LIMIT data statements, every other statement alone."""
    out: list[tuple[int, int]] = []
    start: int | None = None
    for i, statement in enumerate(statements):
        if is_data(statement):
            if start is not None and i - start >= GROUP_LIMIT:
                out.append((start, i))
                start = None
            start = i if start is None else start
            continue
        if start is not None:
            out.append((start, i))
            start = None
        out.append((i, i + 1))
    if start is not None:
        out.append((start, len(statements)))
    return out


def progress_text(deploy_id: str, statements: list[Statement], group: tuple[int, int]) -> str:
    a, b = group
    which = f"statement {a + 1}" if b - a == 1 else f"statements {a + 1}-{b}"
    done = f"statements 1-{a} are applied" if a else "no earlier statement of it ran"
    return (
        f"deploy {deploy_id} was running {which} of {len(statements)} (line {statements[a].line}); if no deploy "
        f"is running now it stopped there: {done}, {which} may be partly applied; check the database, then "
        "run `repair`"
    )


def transaction_refusals(dialect: Dialect, script: str, statements: list[Statement], no_transaction: bool) -> list[str]:
    """One line per statement that controls the transaction: refused before anything runs."""
    out = []
    for statement in statements:
        words = dialect.transaction_control(statement)
        if words is None:
            continue
        why = (
            "each statement of a no-transaction file runs on its own"
            if no_transaction
            else "a deploy runs each file in its own transaction and commits it with its history row after the "
            "contract gate, so a COMMIT or ROLLBACK in the file would defeat the gate and the rollback"
        )
        out.append(f"{script} line {statement.line}: {words} controls the transaction ({why}); remove it")
    return out
