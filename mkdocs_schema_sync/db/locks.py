"""Named session locks: two processes doing the same job against one database never both act.

The lock lives in the database session (PostgreSQL advisory lock, MySQL GET_LOCK,
SQL Server sp_getapplock with a session owner; an flock beside a SQLite file), so
it dies with the process that holds it: no stale lock rows to clean up.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

from .database import Database

#: the longest single wait for a lock, in seconds
_SLICE = 1.0


@contextlib.contextmanager
def session_lock(db: Database, name: str, wait: float = 0.0) -> Iterator[bool]:
    """Hold `name` for the block; yields False (and holds nothing) when another session has it after `wait` s.

    The wait goes in slices of at most a second, so Ctrl-C ends it at once and no single wait inside the
    server outlasts the statement bound (`query_timeout`), which would pass for an outage.
    """
    deadline = time.monotonic() + max(0.0, wait)
    while True:
        acquired = db.dialect.try_lock(db, name, min(_SLICE, max(0.0, deadline - time.monotonic())))
        if acquired or time.monotonic() >= deadline:
            break
        time.sleep(0.05)  # a server that rounds a short wait down to none (GET_LOCK) is not asked in a spin
    try:
        yield acquired
    finally:
        if acquired:
            with contextlib.suppress(Exception):  # a broken connection has given the lock back already
                db.dialect.unlock(db, name)
