"""Webhook notifications for newly broken contracts: one message per contract and webhook, never per build.

Which contracts were already announced is kept in a small JSON state file
(option `state_file`, default `.schema-sync-state.json` beside mkdocs.yml).
A contract that holds again is forgotten, so breaking it again notifies again.
Delivery uses httpx with a total deadline (`post`: the whole exchange, not each
read, so a receiver trickling bytes is cut too), in threads that the caller waits
for at most `timeout + 1` seconds: a receiver that is down or slow costs the
build that long, never more, and never fails it. Webhook URLs carry secrets:
they are registered with the masking function and never logged or stored.

Reasons name database objects. The text of a message is escaped for its receiver
(`untrusted`): Slack's `&`, `<`, `>` (no `<!channel>`, mentions or disguised links,
and `mrkdwn` off), Markdown for Teams, one line for the generic `text`. The generic
payload's other fields are data: JSON carries them as they are (a lone surrogate as its escape).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ..aio import run_async
from ..errors import SchemaSyncError
from ..files import read_json, write_json
from ..masking import expand_env, get_logger, mask, register_secret
from ..tls import tls_context
from ..untrusted import escape_surrogates, markdown_inline, one_line, slack_text
from .check import ContractReport, ContractResult

log = get_logger("notify")

KINDS = ("slack", "teams", "generic")
STATE_FORMAT = 1


@dataclass(frozen=True)
class Webhook:
    url: str
    kind: str = "generic"

    @property
    def key(self) -> str:
        """A stable id for the state file that does not reveal the URL."""
        return hashlib.sha256(self.url.encode("utf-8")).hexdigest()[:16]


def parse_webhooks(items: list[Any]) -> list[Webhook]:
    """The `notify` option: a list of `{url: ..., kind: slack|teams|generic}`; `${VAR}` comes from the environment."""
    hooks = []
    for n, item in enumerate(items, start=1):
        where = f"notify entry {n}"
        if not isinstance(item, dict):
            raise SchemaSyncError(f"{where} must be a mapping; write `- url: !ENV SLACK_WEBHOOK_URL` instead")
        unknown = sorted(set(map(str, item)) - {"url", "kind"})
        if unknown:
            raise SchemaSyncError(f"{where} has unknown key(s) {', '.join(unknown)}; use `url` and `kind`")
        url, kind = item.get("url"), item.get("kind", "generic")
        if not isinstance(url, str) or not url.strip():
            raise SchemaSyncError(f"{where} has no `url`; write `url: !ENV SLACK_WEBHOOK_URL` (or `${{VAR}}`) instead")
        url = _expand(url.strip(), where)
        register_secret(url)
        if not url.lower().startswith(("http://", "https://")):
            raise SchemaSyncError(f"{where}: the url must start with https:// (got {mask(url)!r})")
        if kind not in KINDS:
            raise SchemaSyncError(f"{where}: kind {kind!r} is not known; write one of {', '.join(KINDS)} instead")
        hooks.append(Webhook(url=url, kind=kind))
    return hooks


def _expand(text: str, where: str) -> str:
    try:
        return expand_env(text, f"{where}: the url")
    except ValueError as exc:
        raise SchemaSyncError(str(exc)) from None


_TEXT_ESCAPE: dict[str, Callable[[object], str]] = {
    "slack": slack_text,
    "teams": markdown_inline,
    "generic": one_line,
}


def message(result: ContractResult, report: ContractReport, source: str, kind: str = "generic") -> str:
    """The one-paragraph text of a message, every name and reason escaped for the receiver `kind`."""
    esc = _TEXT_ESCAPE[kind]
    c = result.contract
    consumers = ", ".join(c.consumers) or "none listed"
    return (
        f"ETL contract '{esc(c.name)}' is {'broken' if result.status == 'broken' else 'broken (object missing)'} "
        f"on {esc(source)}: {esc(result.summary())}. Owner: {esc(c.owner)}. Consumers: {esc(consumers)}. "
        f"Severity: {c.severity}."
    )


def payload(hook: Webhook, result: ContractResult, report: ContractReport, source: str) -> dict[str, Any]:
    text = message(result, report, source, hook.kind)
    if hook.kind == "slack":
        return {"text": text, "mrkdwn": False}
    if hook.kind == "teams":
        return {"text": text}
    c = result.contract
    return {
        "text": text,
        "contract": c.name,
        "status": result.status,
        "severity": c.severity,
        "owner": {"team": c.owner.team, "contact": c.owner.contact},
        "consumers": list(c.consumers),
        "reasons": [r.text for r in result.reasons],
        "file": report.file.display,
        "source": source,
    }


def post(hook: Webhook, body: dict[str, Any], timeout: float) -> str | None:
    """POST JSON within `timeout` seconds in total; returns None when the receiver accepted it, else a (masked)
    reason. A lone surrogate in the data is sent as its JSON escape (`\\ud800`), the same code point."""
    data = escape_surrogates(json.dumps(body, ensure_ascii=False)).encode("utf-8")
    headers = {"Content-Type": "application/json", "User-Agent": "mkdocs-schema-sync"}

    import httpx  # here, not at the top: with rich and pygments it costs every command ~0.1 s to start

    async def exchange() -> int:
        async with httpx.AsyncClient(timeout=timeout, follow_redirects=False, verify=tls_context()) as client:
            response = await asyncio.wait_for(client.post(hook.url, content=data, headers=headers), timeout)
            return response.status_code

    try:
        status = run_async(exchange)
    except TimeoutError:
        return f"no complete answer within {timeout:g} s"
    except Exception as exc:  # down, refused, DNS: never the build's problem
        return mask(f"{type(exc).__name__}: {exc}")
    return None if 200 <= status < 300 else f"HTTP {status}"


def load_notified(path: Path | None) -> dict[str, list[str]]:
    """Which contracts were announced to which webhooks (by a hash of the URL), from the state file."""
    if path is None or not path.is_file():
        return {}
    try:
        data = read_json(path)
        notified = data.get("notified_contracts", {})
        return {str(k): [str(x) for x in v] for k, v in notified.items()}
    except (OSError, ValueError, AttributeError, TypeError):
        log.info("state file %s is unreadable; starting afresh", path)
        return {}


def save_notified(path: Path, notified: dict[str, list[str]]) -> None:
    write_json(path, {"format": STATE_FORMAT, "notified_contracts": {k: sorted(v) for k, v in notified.items()}})


@dataclass
class Outcome:
    sent: int = 0
    failed: int = 0
    seconds: float = 0.0


class NotifiedStore(Protocol):
    """Where "already notified" lives when not in the state file (the drift log's state table: sync/notified.py)."""

    def load(self) -> dict[str, list[str]]: ...

    def save(self, notified: dict[str, list[str]]) -> None: ...


def notify_broken(
    report: ContractReport,
    hooks: list[Webhook],
    state_path: Path | None,
    timeout: float,
    source: str,
    store: NotifiedStore | None = None,
) -> Outcome:
    """Send one message per newly broken contract to each webhook that has not had it yet."""
    outcome = Outcome()
    if not hooks:
        return outcome
    state = store.load() if store is not None else load_notified(state_path)
    before = {k: list(v) for k, v in state.items()}
    broken = {r.name: r for r in report.broken}
    for name in list(state):
        if name not in broken and any(r.name == name for r in report.results):
            del state[name]  # holds again: a new break notifies again
    jobs = [(r, h) for r in broken.values() for h in hooks if h.key not in state.get(r.name, [])]
    start = time.monotonic()
    results: dict[int, str | None] = {}

    def run(i: int, result: ContractResult, hook: Webhook) -> None:
        results[i] = post(hook, payload(hook, result, report, source), timeout)

    threads = [threading.Thread(target=run, args=(i, r, h), daemon=True) for i, (r, h) in enumerate(jobs)]
    for t in threads:
        t.start()
    deadline = start + timeout + 1.0
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    for i, (result, hook) in enumerate(jobs):
        error = results.get(i, "no answer within the timeout")
        if error is None:
            outcome.sent += 1
            state.setdefault(result.name, []).append(hook.key)
            log.info("notified %s webhook about broken contract %r", hook.kind, result.name)
        else:
            outcome.failed += 1
            log.info(
                "could not notify %s webhook about contract %r (%s); will retry next time",
                hook.kind,
                result.name,
                error,
            )
    outcome.seconds = time.monotonic() - start
    if state != before and store is not None:
        try:
            store.save(state)
        except SchemaSyncError as exc:
            log.info("could not record the notified contracts: %s", exc.message)
    elif state_path is not None and state != before:
        try:
            save_notified(state_path, state)
        except OSError as exc:
            log.info("could not write state file %s: %s", state_path, exc)
    return outcome
