"""Run one driver call in a worker thread with a deadline, for calls no timeout of the driver bounds.

MariaDB Connector/ODBC (3.1.15 here) crashes the process (SIGSEGV, exit 139) when its own READ_TIMEOUT or
WRITE_TIMEOUT fires while it prepares a statement, so those are not set; a stalled connection is instead
cut from our side. `pyodbc.connect` is the call nothing else bounds (the watchdog guards queries, and needs
the sockets `connect` opens): it runs in a daemon thread, and so do MariaDB's queries (db/database.py).
Shutting the socket down under that driver crashes it as well (SIGSEGV, checked with a proxy that stops
forwarding), so when the deadline passes the call is not woken: the caller goes on without it, reports an
outage, and the thread is left behind with its connection (one thread and one socket per stall, until the
stalled peer closes the connection or the process ends). Drivers that survive a cut socket (psqlODBC,
FreeTDS, psycopg) keep the watchdog's cut, which frees everything.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

#: how long a call may take to return after its sockets were shut down
SETTLE_SECONDS = 2.0


class DeadlinePassed(Exception):
    """The call did not return within its deadline (its sockets were shut down)."""


def call_with_deadline(call: Callable[[], T], seconds: float, on_deadline: Callable[[], None] | None) -> T:
    """`call()` in a worker thread: its result, or its exception. Past `seconds`: `on_deadline()` when given
    (shut the call's sockets down) and a wait of SETTLE_SECONDS for the call to return; then DeadlinePassed.
    Without `on_deadline` the call is left running in its (daemon) thread at once."""
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["value"] = call()
        except BaseException as exc:  # handed to the caller as it is
            outcome["error"] = exc

    worker = threading.Thread(target=work, name="schema-sync-deadline", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        if on_deadline is None:
            raise DeadlinePassed
        on_deadline()
        worker.join(SETTLE_SECONDS)
        raise DeadlinePassed
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]  # type: ignore[no-any-return]
