"""`mkdocs serve` watching the database: a thread polls the change signal and asks for a rebuild.

MkDocs has no API to trigger a rebuild from a plugin, but it rebuilds when a
watched file changes. The plugin watches a small file in a temporary folder;
when the database's change signal moves, this thread invalidates the catalog
cache and touches that file.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ..db import Database, connection_spec, open_database
from ..errors import SchemaSyncError
from ..masking import get_logger

if TYPE_CHECKING:
    from ..settings import Settings

log = get_logger("watch")


class DatabaseWatcher:
    """Checks the change signal every `interval` seconds (one query each) on one kept-open connection."""

    def __init__(self, settings: Settings, on_change: Callable[[], None], signal_file: Path, interval: float) -> None:
        self.settings = settings
        self.on_change = on_change
        self.signal_file = signal_file
        self.interval = interval
        self.last: str | None = None
        self.changes = 0
        self.reachable: bool | None = None  # None: not checked yet
        self._offline_build = False  # the last build showed the snapshot: the database was away
        self._retry_delay = interval  # between rebuilds for a database that answers us but not the build
        self._retry_at = 0.0
        self._db: Database | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="schema-sync-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.interval + 5)

    def _run(self) -> None:
        self.check_once()  # the baseline; the connection belongs to this thread (sqlite3 insists)
        while not self._stop.wait(self.interval):
            self.check_once()
        self._drop_connection()

    def built_offline(self, offline: bool) -> None:
        """The plugin says how the last build went: from the snapshot (the database was away) or live."""
        self._offline_build = offline
        if not offline:
            self._retry_delay = self.interval

    def check_once(self) -> bool:
        """True when a rebuild was asked for: the signal moved, or the database answers again after an
        outage (or after a build that had to show the snapshot)."""
        try:
            signal = self._signal()
        except Exception as exc:  # a watcher thread must outlive a driver hiccup
            message = exc.message if isinstance(exc, SchemaSyncError) else str(exc)
            if self.reachable is not False:
                log.info("the database cannot be reached (%s): watching for it to come back", message)
            self.reachable = False
            self._drop_connection()
            return False
        back = (self.reachable is False or self._offline_build) and time.monotonic() >= self._retry_at
        moved = self.last is not None and signal != self.last
        self.reachable = True
        self.last = signal
        if back:  # once per return; a build that still fails is retried less and less often
            self._offline_build = False
            self._retry_at = time.monotonic() + self._retry_delay
            self._retry_delay = min(self._retry_delay * 2, 300.0)
            log.info("the database answers again: rebuilding from it")
        elif moved:
            self.changes += 1
            log.info("the database schema changed: rebuilding")
        if back or moved:
            self.on_change()
            self.signal_file.write_text(f"{signal}\n{time.time()}\n", encoding="utf-8")
        return back or moved

    def _signal(self) -> str:
        if self._db is None:
            self._db = open_database(connection_spec(self.settings))
        try:
            return self._db.dialect.change_signal(self._db)
        finally:
            self._db.rollback_quietly()  # end the read: no transaction left open between checks

    def _drop_connection(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
