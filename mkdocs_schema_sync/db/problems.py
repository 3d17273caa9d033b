"""What a driver's error means for the user: one masked line per kind of problem."""

from __future__ import annotations

import re

from ..dialects import get_dialect, odbc_driver_package
from ..masking import mask
from .spec import ConnectionSpec, odbc_pairs

#: PostgreSQL, MySQL/MariaDB and SQL Server (message 229 and its siblings: "The SELECT permission was denied")
PERMISSION = re.compile(
    r"(?i)permission denied|permission was denied|command denied|access denied for user .* to database"
)

#: TLS: the client would not trust the server's certificate (OpenSSL's and Windows' words)
CERTIFICATE = re.compile(
    r"(?i)certificate verify failed|self[- ]signed certificate|"
    r"certificate chain was issued by an authority that is not trusted"
)
_CERTIFICATE_FIX = "install the certificate authority that signed it in this machine's trust store"

# (pattern in the driver's message, what it means for the user); first match wins
_CONNECT_PROBLEMS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(
            r"(?i)password authentication failed|access denied for user [^ ]+ \(using password|"
            r"login failed for user|no password supplied|password is required"
        ),
        "wrong user name or password",
    ),
    (re.compile(r"(?i)role \S+ does not exist"), "no such user on the server"),
    (
        re.compile(r"(?i)database \S+ does not exist|unknown database|cannot open database"),
        "the database does not exist on the server (check the name after the host)",
    ),
    (PERMISSION, "the user may not connect to this database (grant it access)"),
    (
        re.compile(
            r"(?i)timeout expired|timed out|handshake|system error: 110|no route to host|"
            r"network is unreachable"
        ),
        "the server did not answer in time (host unreachable or firewalled?)",
    ),
    (
        re.compile(r"(?i)connection refused|can't connect to|could not connect|is the server running"),
        "nothing accepts connections at that host and port (server down or wrong port?)",
    ),
    (
        re.compile(
            r"(?i)could not translate host name|unknown (?:mysql |mariadb )?server host|"
            r"name or service not known|temporary failure in name resolution"
        ),
        "the host name does not resolve",
    ),
]


def connect_problem(text: str) -> str | None:
    """What a driver's connect error means, in words that name no host, port or user; None if unknown."""
    if CERTIFICATE.search(text):  # before the timeouts: a TLS failure is not an unreachable host
        return "the server's TLS certificate is not trusted"
    return next((meaning for pattern, meaning in _CONNECT_PROBLEMS if pattern.search(text)), None)


def connect_error_message(spec: ConnectionSpec, text: str) -> str:
    """One line: where, what it means, and the driver's own words (masked, without ODBC noise)."""
    detail = re.sub(r"\s*\((?:-?\d+)\)\s*\(SQLDriverConnect\)\s*$", "", text)
    detail = re.sub(r"^\[[0-9A-Z]{5}\]\s*(?:\[[^\]]*\]\s*)*", "", detail)
    if CERTIFICATE.search(text):  # before the timeouts: a TLS failure is not an unreachable host
        hint = get_dialect(spec.dialect).untrusted_certificate_hint if spec.dialect else None
        return mask(
            f"cannot connect to {spec.display}: the server's TLS certificate is not trusted; "
            f"{_CERTIFICATE_FIX}{', ' + hint if hint else ''} ({detail})"
        )
    meaning = connect_problem(text)
    if meaning:
        return mask(f"cannot connect to {spec.display}: {meaning} ({detail})")
    return mask(f"cannot connect to {spec.display}: {detail}")


def first_line(exc: BaseException) -> str:
    text = str(exc.args[-1] if exc.args and isinstance(exc.args[-1], str) else exc)
    text = " ".join(text.split())
    return mask(text[:500])


def driver_missing(exc: Exception) -> bool:
    text = first_line(exc)
    state = exc.args[0] if exc.args else ""
    return state == "IM002" or "Can't open lib" in text or "Data source name not found" in text


def odbc_error_message(spec: ConnectionSpec, exc: Exception) -> str:
    text = first_line(exc)
    if driver_missing(exc):
        driver = odbc_pairs(spec.odbc or "").get("DRIVER", "").strip("{}")
        package = odbc_driver_package(driver)
        hint = (
            f" Install it: apt-get install {package}."
            if package
            else " Check `odbcinst -q -d` for installed drivers (Debian packages: odbc-postgresql, "
            "odbc-mariadb, libsqliteodbc, tdsodbc)."
        )
        return f"ODBC driver {driver or '(from DSN)'!r} is not installed for {spec.display}.{hint}"
    return connect_error_message(spec, text)
