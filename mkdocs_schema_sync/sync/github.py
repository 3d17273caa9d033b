"""GitHub REST, the few endpoints a drift pull request needs, through httpx.

The API URL is configurable (GitHub Enterprise: https://HOST/api/v3; the tests'
local stand-in). Every failure is one line that says what to fix: 401 (token),
404 (repository), 422 (what GitHub refused), a plain 403 (permissions: never
retried), and rate limits (403/429 with `x-ratelimit-remaining: 0` or
`retry-after`), which are waited out when the wait fits in `max_wait`.

Every exchange has a total deadline (`timeout`), not a per-read one: a server that
trickles a byte every few seconds is cut when the deadline passes. httpx has no
total timeout, so each exchange runs as one asyncio task under `asyncio.wait_for`,
whose cancellation closes the connection. Answers are checked for their shape: a
200 with HTML (a proxy, a wrong `api_url`) or an object where a list belongs is
one line naming what was expected, never a traceback.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..aio import run_async
from ..errors import SchemaSyncError
from ..masking import get_logger, register_secret
from ..settings import GitHubSettings
from ..tls import tls_context

if TYPE_CHECKING:
    import httpx

log = get_logger("github")

API_VERSION = "2022-11-28"
PERMISSIONS = "contents: write and pull-requests: write"


class GitHubError(SchemaSyncError):
    """GitHub refused or could not be reached; `status` is the HTTP status (0: no answer)."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


def token_from_env(gh: GitHubSettings) -> str:
    """The token from the environment variable `github.token_env` names, registered as a secret."""
    gh.require_repository()
    token = os.environ.get(gh.token_env, "").strip()
    if not token:
        raise SchemaSyncError(
            f"no GitHub token: set the environment variable {gh.token_env} to a token with {PERMISSIONS} "
            f"on {gh.repository} (or name another variable with `github: token_env:`)"
        )
    register_secret(token)
    return token


def _one_line(text: object, limit: int = 300) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class GitHub:
    """One repository's pull requests. `sleep` is replaceable so tests need not wait for real."""

    def __init__(
        self,
        gh: GitHubSettings,
        token: str,
        *,
        timeout: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.gh = gh
        gh.require_repository()
        self.sleep = sleep
        self.timeout = timeout  # seconds for a whole exchange: connect, send, headers and body
        register_secret(token)
        self.headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": "mkdocs-schema-sync",
        }

    def close(self) -> None:
        """Nothing is kept open between exchanges (each has its own connection and deadline)."""

    def __enter__(self) -> GitHub:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ transport

    def request(self, method: str, path: str, what: str, **kwargs: Any) -> Any:
        """Send one request; waits out rate limits within `max_wait` (in total), raises GitHubError otherwise."""
        budget = self.gh.max_wait
        while True:
            response = self._exchange(method, path, what, **kwargs)
            if response.status_code < 300:
                return self._json(response, what) if response.content else None
            wait = self._rate_limit_wait(response)
            if wait is None:
                raise self._error(response, what)
            if wait > budget:
                raise GitHubError(
                    f"GitHub rate limit reached ({response.status_code}) while trying to {what}: it resets in "
                    f"{wait:.0f} s, more than the {self.gh.max_wait:.0f} s `github: max_wait` allows; "
                    "the next pass tries again",
                    response.status_code,
                )
            log.info("GitHub rate limit (%s): waiting %.0f s before retrying to %s", response.status_code, wait, what)
            self.sleep(wait)
            budget -= wait

    def _exchange(self, method: str, path: str, what: str, **kwargs: Any) -> httpx.Response:
        """One request and its whole answer within `timeout` seconds in total."""
        import httpx  # here, not at the top: with rich and pygments it costs every command ~0.1 s to start

        async def exchange() -> httpx.Response:
            async with httpx.AsyncClient(
                base_url=self.gh.api_url, headers=self.headers, timeout=self.timeout, verify=tls_context()
            ) as c:
                return await asyncio.wait_for(c.request(method, path, **kwargs), self.timeout)

        try:
            return run_async(exchange)
        except TimeoutError:
            raise GitHubError(
                f"the GitHub API at {self.gh.api_url} did not answer in full within {self.timeout:g} s "
                f"(trying to {what}); the next pass tries again"
            ) from None
        except httpx.HTTPError as exc:
            raise GitHubError(f"the GitHub API at {self.gh.api_url} cannot be reached ({what}): {exc}") from None

    def _json(self, response: httpx.Response, what: str) -> Any:
        try:
            return response.json()
        except ValueError:
            kind = _one_line(response.headers.get("content-type", "no content type"), 60)
            raise GitHubError(
                f"GitHub answered {response.status_code} with something that is not JSON ({kind}) while trying "
                f"to {what}: is `github: api_url` ({self.gh.api_url}) the REST API (GitHub Enterprise: "
                "https://HOST/api/v3), and no proxy in between?",
                response.status_code,
            ) from None

    def _unexpected(self, what: str, expected: str, data: Any) -> GitHubError:
        names = {dict: "an object", list: "a list", str: "a string", int: "a number", float: "a number"}
        got = names.get(type(data), type(data).__name__)
        return GitHubError(
            f"GitHub's answer to {what} is not what its API returns ({expected} expected, got {got}): "
            f"is `github: api_url` ({self.gh.api_url}) the REST API?"
        )

    def _pull(self, data: Any, what: str) -> dict[str, Any]:
        """A pull request as GitHub returns it: an object with a whole `number`."""
        number = data.get("number") if isinstance(data, dict) else None
        if isinstance(number, bool) or not isinstance(number, int):
            raise self._unexpected(what, "a pull request object with a number", data)
        return data

    @staticmethod
    def _rate_limit_wait(response: httpx.Response) -> float | None:
        """Seconds to wait when `response` is a rate limit; None when it is not (a plain 403 is permissions)."""
        if response.status_code not in (403, 429):
            return None
        retry_after = response.headers.get("retry-after")
        if retry_after is not None:
            try:
                return max(0.0, float(retry_after))
            except ValueError:
                return 60.0
        if response.headers.get("x-ratelimit-remaining") == "0":
            try:
                return max(0.0, float(response.headers.get("x-ratelimit-reset", "0")) - time.time()) + 1
            except ValueError:
                return 60.0
        return 60.0 if response.status_code == 429 else None

    def _error(self, response: httpx.Response, what: str) -> GitHubError:
        status = response.status_code
        try:
            data = response.json()
        except ValueError:
            data = {}
        message = _one_line(data.get("message") or response.reason_phrase) if isinstance(data, dict) else ""
        repo = self.gh.repository
        if status == 401:
            text = (
                f"GitHub rejected the token from {self.gh.token_env} (401 {message}) while trying to {what}: "
                "set a valid, unexpired token"
            )
        elif status == 403:
            text = (
                f"GitHub refused to {what} (403 {message}): the token lacks permission on {repo}; it needs "
                f"{PERMISSIONS} (from Actions: `permissions:` in the workflow and the repository setting "
                "'Allow GitHub Actions to create and approve pull requests')"
            )
        elif status == 404:
            text = (
                f"GitHub answered 404 while trying to {what}: repository {repo} not found at {self.gh.api_url}, "
                "or the token cannot see it (check `github: repository:` and the token's repository access)"
            )
        elif status == 422:
            errors = data.get("errors") if isinstance(data, dict) else None
            detail = "; ".join(
                _one_line(e.get("message") or e.get("code") or e) if isinstance(e, dict) else _one_line(e)
                for e in (errors or [])
            )
            text = f"GitHub refused to {what} (422 {message}{': ' + detail if detail else ''})"
        else:
            text = f"GitHub answered {status} {message} while trying to {what}"
        return GitHubError(_one_line(text, 600), status)

    # ------------------------------------------------------------------ endpoints

    def _repo(self, rest: str = "") -> str:
        return f"/repos/{self.gh.repository}{rest}"

    def check_access(self) -> None:
        """One cheap call before anything is pushed: a wrong token (401), repository (404) or a token that
        may not push stops the pass here, not after the branch went out."""
        repo = self.request("GET", self._repo(), "read the repository")
        perms = repo.get("permissions") if isinstance(repo, dict) else None
        if isinstance(perms, dict) and perms.get("push") is False:
            raise GitHubError(
                f"the token from {self.gh.token_env} may read but not push to {self.gh.repository}: "
                f"it needs {PERMISSIONS}",
                403,
            )

    def find_open_pr(self, branch: str) -> dict[str, Any] | None:
        what = "list the open pull requests"
        pulls = self.request(
            "GET",
            self._repo("/pulls"),
            what,
            params={"head": f"{self.gh.owner}:{branch}", "state": "open", "per_page": 10},
        )
        if not isinstance(pulls, list):
            raise self._unexpected(what, "a list of pull requests", pulls)
        return self._pull(pulls[0], what) if pulls else None

    def create_pr(self, *, title: str, body: str, head: str, base: str) -> dict[str, Any]:
        payload = {"title": title, "body": body, "head": head, "base": base, "maintainer_can_modify": True}
        what = "open the pull request"
        return self._pull(self.request("POST", self._repo("/pulls"), what, json=payload), what)

    def update_pr(self, number: int, *, title: str, body: str) -> dict[str, Any]:
        what = f"update pull request #{number}"
        result = self.request("PATCH", self._repo(f"/pulls/{number}"), what, json={"title": title, "body": body})
        return self._pull(result, what)

    def close_pr(self, number: int, comment: str) -> None:
        self.request("POST", self._repo(f"/issues/{number}/comments"), f"comment on #{number}", json={"body": comment})
        self.request("PATCH", self._repo(f"/pulls/{number}"), f"close pull request #{number}", json={"state": "closed"})

    def add_labels(self, number: int, labels: list[str]) -> None:
        if labels:
            self.request("POST", self._repo(f"/issues/{number}/labels"), f"label #{number}", json={"labels": labels})

    def request_reviewers(self, number: int, names: list[str]) -> None:
        users = [n for n in names if "/" not in n]
        teams = [n.split("/", 1)[1] for n in names if "/" in n]
        if users or teams:
            self.request(
                "POST",
                self._repo(f"/pulls/{number}/requested_reviewers"),
                f"request reviewers on #{number}",
                json={"reviewers": users, "team_reviewers": teams},
            )
