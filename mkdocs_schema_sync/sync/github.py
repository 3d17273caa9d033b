"""GitHub REST, the few endpoints a drift pull request needs, through httpx.

The API URL is configurable (GitHub Enterprise: https://HOST/api/v3; the tests'
local stand-in). Every failure is one line that says what to fix: 401 (token),
404 (repository), 422 (what GitHub refused), a plain 403 (permissions: never
retried), and rate limits (403/429 with `x-ratelimit-remaining: 0` or
`retry-after`), which are waited out when the wait fits in `max_wait`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

import httpx

from ..errors import SchemaSyncError
from ..masking import get_logger, register_secret
from ..settings import GitHubSettings

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
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.gh = gh
        gh.require_repository()
        self.sleep = sleep
        register_secret(token)
        self.client = httpx.Client(
            base_url=gh.api_url,
            timeout=timeout,
            transport=transport,
            headers={
                "Authorization": f"Bearer {token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": API_VERSION,
                "User-Agent": "mkdocs-schema-sync",
            },
        )

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> GitHub:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ transport

    def request(self, method: str, path: str, what: str, **kwargs: Any) -> Any:
        """Send one request; waits out rate limits within `max_wait` (in total), raises GitHubError otherwise."""
        budget = self.gh.max_wait
        while True:
            try:
                response = self.client.request(method, path, **kwargs)
            except httpx.HTTPError as exc:
                raise GitHubError(f"the GitHub API at {self.gh.api_url} cannot be reached ({what}): {exc}") from None
            if response.status_code < 300:
                return response.json() if response.content else None
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
        pulls = self.request(
            "GET",
            self._repo("/pulls"),
            "list the open pull requests",
            params={"head": f"{self.gh.owner}:{branch}", "state": "open", "per_page": 10},
        )
        return pulls[0] if pulls else None

    def create_pr(self, *, title: str, body: str, head: str, base: str) -> dict[str, Any]:
        payload = {"title": title, "body": body, "head": head, "base": base, "maintainer_can_modify": True}
        result: dict[str, Any] = self.request("POST", self._repo("/pulls"), "open the pull request", json=payload)
        return result

    def update_pr(self, number: int, *, title: str, body: str) -> dict[str, Any]:
        result: dict[str, Any] = self.request(
            "PATCH",
            self._repo(f"/pulls/{number}"),
            f"update pull request #{number}",
            json={"title": title, "body": body},
        )
        return result

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
