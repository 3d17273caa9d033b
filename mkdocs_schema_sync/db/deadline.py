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

Ctrl-C lands in the caller's thread while the call runs in the worker. The caller must not unwind at once:
its `finally` blocks close the call's cursor and connection, and MariaDB's driver, asked to free a statement
another thread is executing, frees the statement's descriptors before it waits for the connection's lock;
the executing thread then runs on freed memory (seen: the same query sent again and again, the lock never
given back, the closing thread waiting for it forever). So the interrupt waits for the call to return,
bounded by INTERRUPT_SECONDS; a call still running then is left in its thread and CallLeftRunning says so.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

#: how long a call may take to return after its sockets were shut down
SETTLE_SECONDS = 2.0
#: how long Ctrl-C waits for a call in flight to return before going on without it
INTERRUPT_SECONDS = 5.0


class DeadlinePassed(Exception):
    """The call did not return within its deadline (its sockets were shut down)."""


class CallLeftRunning(KeyboardInterrupt):
    """Ctrl-C came while a driver call ran, and the call had not returned INTERRUPT_SECONDS later (or a second
    Ctrl-C came first): it runs on in its thread, so nothing may touch its connection again. A KeyboardInterrupt,
    so that it ends what Ctrl-C ends."""


def call_with_deadline(call: Callable[[], T], seconds: float, on_deadline: Callable[[], None] | None) -> T:
    """`call()` in a worker thread: its result, or its exception. Past `seconds`: `on_deadline()` when given
    (shut the call's sockets down) and a wait of SETTLE_SECONDS for the call to return; then DeadlinePassed.
    Without `on_deadline` the call is left running in its (daemon) thread at once."""
    outcome: dict[str, Any] = {}
    # the worker's end is an Event, not Thread.join: Python 3.11's join, interrupted by Ctrl-C, marks a thread
    # that is still running as stopped (is_alive() False), which would pass for the call having returned
    returned = threading.Event()
    # and the call begins only once the caller watches it: Ctrl-C can land anywhere, in `start()` too, and a
    # call begun then would run on unwatched while the caller closes its cursor
    watched = threading.Event()

    def work() -> None:
        watched.wait()
        try:
            if "cancelled" not in outcome:
                outcome["value"] = call()
        except BaseException as exc:  # handed to the caller as it is
            outcome["error"] = exc
        finally:
            returned.set()

    try:
        threading.Thread(target=work, name="schema-sync-deadline", daemon=True).start()
        watched.set()
        if not returned.wait(seconds):
            if on_deadline is None:
                raise DeadlinePassed
            on_deadline()
            returned.wait(SETTLE_SECONDS)
            raise DeadlinePassed
    except KeyboardInterrupt:
        begun = watched.is_set()
        if not begun:  # Ctrl-C before the call began: it never will
            outcome["cancelled"] = True
        watched.set()  # (again: a set() the interrupt cut short may have left the worker asleep)
        if begun:
            settle(returned)
        raise
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]  # type: ignore[no-any-return]


def settle(returned: threading.Event) -> None:
    """Ctrl-C came while a call was in the driver: wait up to INTERRUPT_SECONDS for it to return (`returned`;
    the caller then unwinds and closes as usual), else raise CallLeftRunning. A second Ctrl-C stops the wait."""
    started = time.monotonic()
    with contextlib.suppress(KeyboardInterrupt):  # a second Ctrl-C
        returned.wait(INTERRUPT_SECONDS)
    if not returned.is_set():
        waited = time.monotonic() - started
        raise CallLeftRunning(f"a database call had not returned {waited:.1f} s after Ctrl-C") from None
