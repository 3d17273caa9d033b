"""The one exception type the core raises for user mistakes and unreachable things."""

from __future__ import annotations

from .masking import mask
from .untrusted import one_line


class SchemaSyncError(Exception):
    """A problem the user can fix: the message says what, where and how.

    The message is masked on the way in, so no caller can leak a secret by
    printing it, and made one line (`untrusted.one_line`), so a name from the
    database in it cannot start a CI workflow command. `exit_code` is what the
    CLI exits with.
    """

    exit_code = 2

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(one_line(mask(message)))
        if exit_code is not None:
            self.exit_code = exit_code

    @property
    def message(self) -> str:
        return str(self.args[0])


class ConnectError(SchemaSyncError):
    """Connecting failed: the database refused us (wrong password, no such database, not a SQLite file,
    no driver) or could not be reached (`Unreachable`). Only the latter is an outage.

    `reason` says what it means in words that name no host, port, user or path (pages show it
    when they do not show the connection); None when the driver's message was not understood.
    """

    def __init__(self, message: str, *, reason: str | None = None, exit_code: int | None = None) -> None:
        super().__init__(message, exit_code=exit_code)
        self.reason = reason


class Unreachable(ConnectError):
    """The server cannot be reached or stopped answering: down, firewalled, paused, or slower than
    `query_timeout`. The one failure a build survives by showing the snapshot."""


class LockBusy(SchemaSyncError):
    """Another process holds the database's schema-sync lock (polling, installing) longer than we wait."""
