"""A bound on every query, enforced from our side: cut the connection's socket when a query outlives it.

The servers get their own bound at connect time (`Dialect.set_query_timeout`: PostgreSQL
statement_timeout and lock_timeout, MariaDB max_statement_time, SQL Server LOCK_TIMEOUT and the ODBC
query timeout), which answers with an error. A server that is paused (SIGSTOP, a frozen VM) or a
network that swallows packets answers nothing at all, and the kernel keeps the TCP connection alive:
only the client can give up. psycopg exposes its socket; for ODBC drivers the sockets the driver
opened while connecting are found by comparing the process's open file descriptors before and after
(`/proc/self/fd` on Linux, `/dev/fd` elsewhere). Shutting a socket down wakes the thread blocked on
it with an error, which `Database` reports as a timeout.
"""

from __future__ import annotations

import contextlib
import os
import socket
import stat
import threading
from collections.abc import Iterator

_FD_DIRS = ("/proc/self/fd", "/dev/fd")


def open_fds() -> dict[int, tuple[int, int]]:
    """The process's open sockets, by file descriptor, with their identity (device, inode).

    The identity tells a new socket from an old number reused (listing the folder opens a descriptor of
    its own, which is gone by the time it is looked at). Empty where the system lists no descriptors.
    """
    for folder in _FD_DIRS:
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        found = {}
        for name in names:
            with contextlib.suppress(OSError, ValueError):
                st = os.fstat(int(name))
                if stat.S_ISSOCK(st.st_mode):
                    found[int(name)] = (st.st_dev, st.st_ino)
        return found
    return {}


def new_stream_sockets(before: dict[int, tuple[int, int]]) -> list[int]:
    """Stream sockets opened since `before` was taken (the ones a driver opened while connecting)."""
    known = set(before.values())
    found = []
    for fd, identity in sorted(open_fds().items()):
        if identity in known:
            continue
        try:
            sock = socket.socket(fileno=os.dup(fd))
        except OSError:
            continue
        with sock:
            if sock.type == socket.SOCK_STREAM:
                found.append(fd)
    return found


class Watchdog:
    """Arms a timer around each query; when it runs out, the connection's sockets are shut down."""

    def __init__(self, sockets: list[int], seconds: float) -> None:
        self.sockets = sockets
        self.seconds = seconds
        self.fired = False

    @contextlib.contextmanager
    def guard(self) -> Iterator[None]:
        if not self.sockets or self.seconds <= 0:
            yield
            return
        timer = threading.Timer(self.seconds, self._cut)
        timer.daemon = True
        timer.start()
        try:
            yield
        finally:
            timer.cancel()

    def _cut(self) -> None:
        self.fired = True
        cut_sockets(self.sockets)


def cut_sockets(fds: list[int]) -> None:
    """Shut the sockets down (not closed: the driver still owns the descriptors), waking blocked reads."""
    for fd in fds:
        with contextlib.suppress(OSError):
            sock = socket.socket(fileno=os.dup(fd))
            with sock:
                sock.shutdown(socket.SHUT_RDWR)
