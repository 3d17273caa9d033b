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
    """The database could not be reached or refused us (the offline fallback catches this).

    `reason` says what it means in words that name no host, port, user or path (pages show it
    when they do not show the connection); None when the driver's message was not understood.
    """

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason
