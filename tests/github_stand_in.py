"""A local stand-in for the GitHub REST endpoints the pull-request code uses, and a git repository with an origin.

The server (threading http.server on 127.0.0.1, a free port) keeps pull requests
in memory, records every request, checks the token, answers 404 for another
repository, refuses a second open PR for one head (422, as GitHub does), and
can be told to answer the next requests with an error status and headers.
"""

from __future__ import annotations

import html
import json
import subprocess
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from conftest import GITHUB_TOKEN as TOKEN


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    auth: str | None


@dataclass
class Fault:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    message: str = "error"
    method: str | None = None  # only requests of this method
    path_part: str | None = None  # only paths containing this
    times: int = 1


class GitHubStandIn:
    def __init__(self, repository: str = "acme/data-docs", token: str = TOKEN) -> None:
        self.repository = repository
        self.token = token
        self.pulls: dict[int, dict[str, Any]] = {}
        self.comments: dict[int, list[str]] = {}
        self.labels: dict[int, list[str]] = {}
        self.reviewers: dict[int, dict[str, list[str]]] = {}
        self.requests: list[Recorded] = []
        self.faults: list[Fault] = []
        self.delay: dict[str, float] = {}  # "GET /pulls": seconds, to make two monitors overlap
        self.push = True  # the token's push permission, as GET /repos/{repo} reports it
        self.lock = threading.Lock()
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                url = urlsplit(self.path)
                status, headers, payload = stand_in.handle(
                    self.command, url.path, parse_qs(url.query), body, self.headers.get("Authorization")
                )
                data = json.dumps(payload).encode() if payload is not None else b""
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_DELETE = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # A short poll: shutdown() waits for the loop to notice (the default 0.5 s, in every test's teardown).
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/v3"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # ------------------------------------------------------------------ what tests look at

    def calls(self, method: str, part: str = "") -> list[Recorded]:
        return [r for r in self.requests if r.method == method and part in r.path]

    def body(self, number: int) -> str:
        """A PR body as read on GitHub: entities turned back into characters."""
        return html.unescape(self.pulls[number]["body"])

    def open_pulls(self) -> list[dict[str, Any]]:
        return [p for p in self.pulls.values() if p["state"] == "open"]

    # ------------------------------------------------------------------ the endpoints

    def handle(
        self, method: str, path: str, query: dict[str, list[str]], body: Any, auth: str | None
    ) -> tuple[int, dict[str, str], Any]:
        for key, seconds in self.delay.items():
            if key == f"{method} {path.rsplit('/', 1)[-1]}":
                time.sleep(seconds)
        with self.lock:
            self.requests.append(Recorded(method, path, query, body, auth))
            for fault in self.faults:
                if fault.times > 0 and (fault.method in (None, method)) and (fault.path_part or "") in path:
                    fault.times -= 1
                    return fault.status, fault.headers, {"message": fault.message}
            if auth != f"Bearer {self.token}":
                return 401, {}, {"message": "Bad credentials"}
            prefix = f"/api/v3/repos/{self.repository}"
            if path == prefix and method == "GET":
                return 200, {}, {"full_name": self.repository, "permissions": {"pull": True, "push": self.push}}
            if not path.startswith(prefix + "/"):
                return 404, {}, {"message": "Not Found"}
            return self._route(method, path[len(prefix) :], query, body)

    def _route(self, method: str, rest: str, query: dict[str, list[str]], body: Any) -> tuple[int, dict[str, str], Any]:
        parts = rest.strip("/").split("/")
        owner = self.repository.split("/")[0]
        if parts == ["pulls"] and method == "GET":
            head = query.get("head", [""])[0]
            state = query.get("state", ["open"])[0]
            found = [p for p in self.pulls.values() if f"{owner}:{p['head']['ref']}" == head and p["state"] == state]
            return 200, {}, [{**p, "labels": [{"name": n} for n in self.labels.get(p["number"], [])]} for p in found]
        if parts == ["pulls"] and method == "POST":
            if any(p["head"]["ref"] == body["head"] and p["state"] == "open" for p in self.pulls.values()):
                return (
                    422,
                    {},
                    {
                        "message": "Validation Failed",
                        "errors": [{"message": f"A pull request already exists for {owner}:{body['head']}."}],
                    },
                )
            number = len(self.pulls) + 1
            pr = {
                "number": number,
                "html_url": f"https://github.example/{self.repository}/pull/{number}",
                "state": "open",
                "title": body["title"],
                "body": body["body"],
                "head": {"ref": body["head"]},
                "base": {"ref": body["base"]},
                "requested_reviewers": [],
                "requested_teams": [],
            }
            self.pulls[number] = pr
            return 201, {}, pr
        if len(parts) == 2 and parts[0] == "pulls" and method == "PATCH":
            pr = self.pulls.get(int(parts[1]))
            if pr is None:
                return 404, {}, {"message": "Not Found"}
            pr.update({k: v for k, v in body.items() if k in ("title", "body", "state")})
            return 200, {}, pr
        if len(parts) == 3 and parts[0] == "issues" and parts[2] == "comments" and method == "POST":
            self.comments.setdefault(int(parts[1]), []).append(body["body"])
            return 201, {}, {"id": 1}
        if len(parts) == 3 and parts[0] == "issues" and parts[2] == "labels" and method == "POST":
            have = self.labels.setdefault(int(parts[1]), [])
            have += [label for label in body["labels"] if label not in have]
            return 200, {}, [{"name": n} for n in have]
        if len(parts) == 3 and parts[0] == "pulls" and parts[2] == "requested_reviewers" and method == "POST":
            pr = self.pulls[int(parts[1])]
            got = self.reviewers.setdefault(int(parts[1]), {"users": [], "teams": []})
            got["users"] += body.get("reviewers", [])
            got["teams"] += body.get("team_reviewers", [])
            pr["requested_reviewers"] = [{"login": u} for u in got["users"]]
            pr["requested_teams"] = [{"slug": t} for t in got["teams"]]
            return 201, {}, pr
        return 404, {}, {"message": f"stand-in has no {method} {rest}"}


# --------------------------------------------------------------------------- git


def git(*args: str, cwd: Path) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout.strip()


@dataclass
class GitRepo:
    """A clone (`work`) of a bare `origin`, default branch main."""

    origin: Path
    work: Path

    def remote_head(self, branch: str) -> str | None:
        out = git("ls-remote", str(self.origin), f"refs/heads/{branch}", cwd=self.work)
        return out.split()[0] if out else None

    def show(self, ref: str, path: str) -> str:
        return git("--git-dir", str(self.origin), "show", f"{ref}:{path}", cwd=self.work)

    def commit_all(self, message: str) -> None:
        git("add", "-A", cwd=self.work)
        git("commit", "-q", "-m", message, cwd=self.work)
        git("push", "-q", "origin", "HEAD:main", cwd=self.work)


def make_repo(tmp_path: Path) -> GitRepo:
    tmp_path.mkdir(parents=True, exist_ok=True)
    origin = tmp_path / "origin.git"
    work = tmp_path / "work"
    git("init", "-q", "--bare", "-b", "main", str(origin), cwd=tmp_path)
    git("clone", "-q", str(origin), str(work), cwd=tmp_path)
    git("checkout", "-q", "-b", "main", cwd=work)
    git("config", "user.name", "Test Person", cwd=work)
    git("config", "user.email", "test@example.com", cwd=work)
    return GitRepo(origin, work)
