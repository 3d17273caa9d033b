"""`asyncio.run` that works from any thread, including one whose event loop is already running.

HTTP exchanges run as one asyncio task so that a total deadline covers the whole exchange. The caller may
be a thread that already runs an event loop (an async host, a notebook, Playwright's sync API in a test
session): `asyncio.run` refuses that thread, so the exchange then runs in a short-lived thread of its own.
The wait is bounded by the exchange's own deadline.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run_async(factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run the coroutine `factory()` makes to completion and return its result (or raise its exception)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # the usual case: no loop in this thread
        return asyncio.run(factory())
    outcome: list[T] = []
    failure: list[BaseException] = []

    def work() -> None:
        try:
            outcome.append(asyncio.run(factory()))
        except BaseException as exc:  # handed to the caller's thread
            failure.append(exc)

    thread = threading.Thread(target=work, name="schema-sync-exchange", daemon=True)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return outcome[0]
