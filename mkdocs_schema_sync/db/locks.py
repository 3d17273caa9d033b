"""Named session locks: two processes doing the same job against one database never both act.

The lock lives in the database session (PostgreSQL advisory lock, MySQL GET_LOCK,
SQL Server sp_getapplock with a session owner; an flock beside a SQLite file), so
it dies with the process that holds it: no stale lock rows to clean up.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from .database import Database


@contextlib.contextmanager
def session_lock(db: Database, name: str, wait: float = 0.0) -> Iterator[bool]:
    """Hold `name` for the block; yields False (and holds nothing) when another session has it after `wait` s."""
    acquired = db.dialect.try_lock(db, name, wait)
    try:
        yield acquired
    finally:
        if acquired:
            with contextlib.suppress(Exception):  # a broken connection has given the lock back already
                db.dialect.unlock(db, name)
