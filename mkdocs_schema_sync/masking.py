"""One masking function for every log line, page, error, PR body and exception.

Secrets are known two ways: values registered when a connection string,
webhook URL or token is read (`register_secret`, `expand_env`), and patterns
that look like credentials in free text (ODBC `PWD=`, URL user info,
`PASSWORD '...'` in captured DDL).
"""

from __future__ import annotations

import logging
import os
import re
from typing import Any

from .untrusted import one_line

MASK = "***"

_registered: set[str] = set()

_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # ODBC / ADO style key=value pairs
    (re.compile(r"(?i)\b((?:PWD|PASSWORD|Pwd|AccessToken|Token)\s*=\s*)(\{(?:[^}]|\}\})*\}|[^;\s]*)"), r"\1" + MASK),
    # scheme://user:password@host
    (re.compile(r"(?i)([a-z][a-z0-9+.\-]*://[^:/@\s]*:)([^@\s]*)(@)"), r"\1" + MASK + r"\3"),
    # CREATE USER ... PASSWORD 'x', ALTER ROLE ... PASSWORD 'x', IDENTIFIED BY 'x', WITH PASSWORD = 'x'
    (
        re.compile(
            r"(?i)\b(PASSWORD\s*(?:=\s*)?|IDENTIFIED\s+(?:WITH\s+\w+\s+)?BY\s+(?:PASSWORD\s+)?)"
            r"(N?'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\$\$.*?\$\$)"
        ),
        r"\1'" + MASK + "'",
    ),
    # PostgreSQL libpq keyword form: password=xyz
    (re.compile(r"(?i)\b(password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s';]+)"), r"\1" + MASK),
    # GitHub tokens
    (re.compile(r"\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})\b"), MASK),
    # secret=... in webhook query strings
    (re.compile(r"(?i)([?&](?:sig|signature|token|key|code|secret)=)[^&\s]+"), r"\1" + MASK),
]


def register_secret(value: str | None) -> None:
    """Remember a secret so that `mask` removes it wherever it shows up."""
    if value and len(value) >= 3:
        _registered.add(value)


_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def expand_env(text: str, where: str = "connection string") -> str:
    """Replace `${VAR}` with the environment's value, registering each value as a secret.

    Raised as ValueError with a message naming `where`; callers word it as their error.
    """

    def repl(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in os.environ:
            raise ValueError(f"{where} refers to ${{{name}}}, but the environment variable {name} is not set")
        value = os.environ[name]
        register_secret(value)
        return value

    return _ENV_REF.sub(repl, text)


def mask(text: Any) -> str:
    out = str(text)
    for secret in sorted(_registered, key=len, reverse=True):
        if secret in out:
            out = out.replace(secret, MASK)
    for pattern, repl in _PATTERNS:
        out = pattern.sub(repl, out)
    return out


class MaskingLogger(logging.LoggerAdapter):  # type: ignore[type-arg]
    """Formats the message first, masks it, makes it one line (database names in it cannot start a CI
    workflow command, see `untrusted.one_line`), then logs it with a `schema-sync: ` prefix."""

    def log(self, level: int, msg: Any, *args: Any, **kwargs: Any) -> None:
        if not self.isEnabledFor(level):
            return
        text = str(msg) % args if args else str(msg)
        kwargs.pop("exc_info", None)  # tracebacks may hold secrets: never attach them
        self.logger.log(level, "schema-sync: " + one_line(mask(text)), **kwargs)


def get_logger(name: str) -> MaskingLogger:
    """Loggers live under `mkdocs.plugins.` so that MkDocs shows them and --strict counts warnings."""
    return MaskingLogger(logging.getLogger(f"mkdocs.plugins.schema_sync.{name}"), {})
