"""Every HTTP exchange has a total deadline, and odd answers are one line (issue 21 items 5 and 7).

A local server speaks raw HTTP so that it can misbehave as a broken proxy or API would: headers, then one
byte every second (a per-read timeout never fires); a 200 with an HTML page; an object where a list belongs."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from mkdocs_schema_sync.settings import GitHubSettings
from mkdocs_schema_sync.sync.github import GitHub, GitHubError


@dataclass
class RawServer:
    """Answers every connection with `head` then `body`, one byte per `trickle` seconds when trickle > 0."""

    head: bytes
    body: bytes = b""
    trickle: float = 0.0
    sock: socket.socket = field(default_factory=lambda: socket.create_server(("127.0.0.1", 0)))
    stop: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def serve(self) -> None:
        self.sock.settimeout(0.2)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return  # closed by the fixture
            threading.Thread(target=self.answer, args=(conn,), daemon=True).start()

    def answer(self, conn: socket.socket) -> None:
        with conn:
            conn.recv(65536)
            try:
                conn.sendall(self.head)
                if self.trickle <= 0:
                    conn.sendall(self.body)
                    return
                for i in range(len(self.body)):  # bounded: the body's length, and the stop flag
                    if self.stop.wait(self.trickle):
                        return
                    conn.sendall(self.body[i : i + 1])
            except OSError:
                return  # the client gave up: what the deadline is for


@pytest.fixture
def raw_server() -> Iterator[list[RawServer]]:
    servers: list[RawServer] = []
    yield servers
    for s in servers:
        s.stop.set()
        s.sock.close()


def start(servers: list[RawServer], head: bytes, body: bytes = b"", trickle: float = 0.0) -> RawServer:
    server = RawServer(head, body, trickle)
    threading.Thread(target=server.serve, daemon=True).start()
    servers.append(server)
    return server


def client(url: str, timeout: float = 30.0) -> GitHub:
    return GitHub(GitHubSettings(repository="acme/docs", api_url=url), "ghp_" + "x" * 36, timeout=timeout)


def test_a_github_api_that_trickles_bytes_is_cut_at_the_total_deadline(raw_server: list[RawServer]) -> None:
    """Before: the 30 s timeout was per read, so a byte a second kept `monitor` waiting for ever."""
    body = b"[" + b" " * 200 + b"]"
    head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
    server = start(raw_server, head, body, trickle=1.0)
    start_time = time.monotonic()
    with pytest.raises(GitHubError, match=r"did not answer in full within 3 s") as exc:
        client(server.url, timeout=3).find_open_pr("schema-sync/db")
    assert time.monotonic() - start_time < 6
    assert "\n" not in str(exc.value)


def test_headers_that_never_come_are_cut_too(raw_server: list[RawServer]) -> None:
    server = start(raw_server, b"HTTP/1.1 200 OK\r\n", b"X-Slow: " + b"a" * 100, trickle=1.0)
    start_time = time.monotonic()
    with pytest.raises(GitHubError, match=r"did not answer in full within 2 s"):
        client(server.url, timeout=2).find_open_pr("b")
    assert time.monotonic() - start_time < 5


def test_a_200_with_html_is_one_line_not_a_traceback(raw_server: list[RawServer]) -> None:
    body = b"<html><body>Sign in to the proxy</body></html>"
    head = f"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {len(body)}\r\n\r\n".encode()
    server = start(raw_server, head, body)
    with pytest.raises(GitHubError, match=r"answered 200 with something that is not JSON \(text/html\)"):
        client(server.url).find_open_pr("b")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{"message": "ok"}', "a list of pull requests expected, got an object"),
        (b"[1, 2]", "a pull request object with a number expected, got a number"),
        (b'[{"number": "7"}]', "a pull request object with a number expected, got an object"),
    ],
)
def test_answers_of_the_wrong_shape_are_refused(raw_server: list[RawServer], body: bytes, expected: str) -> None:
    """Before: `KeyError: 0` / TypeError from monitor, exit 1 with a traceback."""
    head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
    server = start(raw_server, head, body)
    with pytest.raises(GitHubError, match=expected):
        client(server.url).find_open_pr("b")


def test_a_webhook_that_trickles_bytes_is_cut_at_the_total_deadline(raw_server: list[RawServer]) -> None:
    """Before: urllib's timeout was per read, so one delivery thread hung as long as the receiver trickled."""
    from mkdocs_schema_sync.contracts.notify import Webhook, post

    server = start(raw_server, b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", b"x" * 100, trickle=1.0)
    start_time = time.monotonic()
    error = post(Webhook(server.url + "/hook"), {"text": "x"}, timeout=2.0)
    assert error == "no complete answer within 2 s"
    assert time.monotonic() - start_time < 4


def test_exchanges_work_from_a_thread_whose_event_loop_is_running(raw_server: list[RawServer]) -> None:
    """An async host (or Playwright's sync API in this very test session) runs a loop in the calling thread:
    `asyncio.run` refused it ("cannot be called from a running event loop") and every exchange failed."""
    import asyncio

    from mkdocs_schema_sync.contracts.notify import Webhook, post

    pulls = start(raw_server, b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n", b"[]")
    hook = start(raw_server, b"HTTP/1.1 204 No Content\r\n\r\n")
    trickle = start(raw_server, b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", b"x" * 100, trickle=1.0)

    async def host() -> tuple[object, str | None, str | None]:
        found = client(pulls.url).find_open_pr("b")  # synchronous calls, made while this loop runs
        return (
            found,
            post(Webhook(hook.url + "/hook"), {"text": "x"}, 5.0),
            post(Webhook(trickle.url + "/hook"), {"text": "x"}, 2.0),
        )

    # a thread of its own: the test session's main thread may run a loop already (Playwright's sync API)
    results: list[tuple[object, str | None, str | None]] = []
    thread = threading.Thread(target=lambda: results.append(asyncio.run(host())))
    thread.start()
    thread.join(timeout=60)
    assert results, "the host loop did not finish"
    found, delivered, cut = results[0]
    assert found is None and delivered is None
    assert cut == "no complete answer within 2 s"  # the total deadline holds in the helper thread too
