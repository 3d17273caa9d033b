"""What a driver's error means for the user: one masked line per kind of problem."""

from __future__ import annotations

import re

from ..dialects import get_dialect, odbc_driver_package
from ..errors import ConnectError, Unreachable
from ..masking import mask
from .spec import ConnectionSpec, odbc_pairs

#: PostgreSQL, MySQL/MariaDB and SQL Server (message 229 and its siblings: "The SELECT permission was denied";
#: 916: "The server principal … is not able to access the database … under the current security context")
PERMISSION = re.compile(
    r"(?i)permission denied|permission was denied|command denied|access denied for user .* to database|"
    r"not able to access the database .* under the current security context"
)

#: TLS: the client would not trust the server's certificate (OpenSSL's and Windows' words)
CERTIFICATE = re.compile(
    r"(?i)certificate verify failed|self[- ]signed certificate|"
    r"certificate chain was issued by an authority that is not trusted|"
    # Windows' words when the certificate names another host (HostNameInCertificate / the SERVER name)
    r"ssl provider: the target principal name is incorrect|hostname mismatch"
)
_CERTIFICATE_FIX = "install the certificate authority that signed it in this machine's trust store"

#: the connection broke under a query or while connecting: the server went away
LOST = re.compile(
    r"(?i)server closed the connection|terminating connection|lost connection|server has gone away|"
    r"connection reset|broken pipe|could not receive data|could not send data|no connection to the server|"
    r"communication link failure|connection (?:is|was|already) closed|ssl syscall|consuming input failed|"
    r"the database system is (?:starting up|shutting down|in recovery)|\b08S01\b|\b08003\b|\b08006\b|"
    # Azure SQL's transient errors (40613 database not currently available, 40197 and 40501 service busy,
    # 49918-49920 not enough resources / too many operations): retry later, as Microsoft documents
    r"is not currently available\.\s+please retry|the service is currently busy|"
    r"the service has encountered an error processing your request|"
    r"not enough resources to process request|too many (?:create or update )?operations in progress"
)
#: a query ran past its bound: statement_timeout / lock_timeout, max_statement_time, an ODBC query timeout
TIMEOUT = re.compile(
    r"(?i)canceling statement due to (?:statement|lock) timeout|lock timeout|max_statement_time|"
    r"maximum statement execution time|query execution was interrupted|timeout expired|\bHYT0[01]\b|"
    r"lock wait timeout|"
    # SQL Server 1222, raised by the SET LOCK_TIMEOUT every session gets (Dialect.set_query_timeout)
    r"lock request time out period exceeded"
)

# (pattern in the driver's message, what it means for the user, whether it is an outage); first match wins.
# Only an outage falls back to the snapshot: a wrong password or database name is a mistake to fix.
_CONNECT_PROBLEMS: list[tuple[re.Pattern[str], str, bool]] = [
    (
        re.compile(
            r"(?i)password authentication failed|access denied for user [^ ]+ \(using password|"
            r"login failed for user|no password supplied|password is required"
        ),
        "wrong user name or password",
        False,
    ),
    (re.compile(r"(?i)role \S+ does not exist"), "no such user on the server", False),
    (
        re.compile(r"(?i)database \S+ does not exist|unknown database|cannot open database"),
        "the database does not exist on the server (check the name after the host)",
        False,
    ),
    (PERMISSION, "the user may not connect to this database (grant it access)", False),
    (
        re.compile(
            r"(?i)error was encountered during handshakes before login|protocol error in tds stream|"
            r"not a sql server|unsupported version of sql server"
        ),
        "what answers at that host and port is not SQL Server (wrong port?)",
        False,
    ),
    (
        re.compile(r"(?i)encryption not supported on (?:sql server|the server)"),
        "the server does not offer TLS and the client requires it (Encrypt=yes, the default of ODBC Driver 18): "
        "enable TLS on the server, or set Encrypt=no only on a network you trust",
        False,
    ),
    (
        re.compile(r"(?i)error locating server/instance specified"),
        "SQL Server Browser did not name the instance's port (server down, UDP 1434 blocked or a wrong instance "
        "name; a port in the URL skips the Browser)",
        True,
    ),
    (
        re.compile(r"(?i)tcp provider: error code 0x2af[9ac]\b"),  # WSAHOST_NOT_FOUND, WSATRY_AGAIN, WSANO_DATA
        "the host name does not resolve",
        True,
    ),
    (
        re.compile(r"(?i)tcp provider: error code 0x27(?:4[5-9cde])\b"),  # 10053-10061: refused, reset, timed out
        "nothing accepts connections at that host and port (server down or wrong port?)",
        True,
    ),
    (
        re.compile(
            r"(?i)timeout expired|timed out|handshake|system error: 110|no route to host|"
            r"network is unreachable"
        ),
        "the server did not answer in time (host unreachable or firewalled?)",
        True,
    ),
    (
        re.compile(r"(?i)connection refused|can't connect to|could not connect|is the server running"),
        "nothing accepts connections at that host and port (server down or wrong port?)",
        True,
    ),
    (
        re.compile(
            r"(?i)could not translate host name|unknown (?:mysql |mariadb )?server host|"
            r"name or service not known|temporary failure in name resolution"
        ),
        "the host name does not resolve",
        True,
    ),
    (LOST, "the server closed the connection (restarting or shutting down?)", True),
]


def connect_problem(text: str) -> str | None:
    """What a driver's connect error means, in words that name no host, port or user; None if unknown."""
    if CERTIFICATE.search(text):  # before the timeouts: a TLS failure is not an unreachable host
        return "the server's TLS certificate is not trusted"
    return next((meaning for pattern, meaning, _outage in _CONNECT_PROBLEMS if pattern.search(text)), None)


def connect_error(spec: ConnectionSpec, text: str) -> ConnectError:
    """One line: where, what it means, and the driver's own words (masked, without ODBC noise).

    An `Unreachable` when the server cannot be reached (the build falls back to the snapshot), else a
    plain `ConnectError` (the build stops: a wrong password must not publish stale pages quietly).
    `reason` says what it means without naming host, port or user (pages may show it).
    """
    detail = re.sub(r"\s*\((?:-?\d+)\)\s*\(SQLDriverConnect\)\s*$", "", text)
    detail = re.sub(r"^\[[0-9A-Z]{5}\]\s*(?:\[[^\]]*\]\s*)*", "", detail)
    reason = connect_problem(text)
    if CERTIFICATE.search(text):  # before the timeouts: a TLS failure is not an unreachable host
        hint = get_dialect(spec.dialect).untrusted_certificate_hint if spec.dialect else None
        return ConnectError(
            mask(
                f"cannot connect to {spec.display}: the server's TLS certificate is not trusted; "
                f"{_CERTIFICATE_FIX}{', ' + hint if hint else ''} ({detail})"
            ),
            reason=reason,
        )
    for pattern, meaning, outage in _CONNECT_PROBLEMS:
        if pattern.search(text):
            message = mask(f"cannot connect to {spec.display}: {meaning} ({detail})")
            return Unreachable(message, reason=reason) if outage else ConnectError(message, reason=reason)
    return ConnectError(mask(f"cannot connect to {spec.display}: {detail}"), reason=reason)


def connect_error_message(spec: ConnectionSpec, text: str) -> str:
    return connect_error(spec, text).message


def first_line(exc: BaseException) -> str:
    text = str(exc.args[-1] if exc.args and isinstance(exc.args[-1], str) else exc)
    text = " ".join(text.split())
    return mask(text[:500])


def driver_missing(exc: Exception) -> bool:
    text = first_line(exc)
    state = exc.args[0] if exc.args else ""
    return state == "IM002" or "Can't open lib" in text or "Data source name not found" in text


def odbc_error(spec: ConnectionSpec, exc: Exception) -> ConnectError:
    if driver_missing(exc):
        driver = odbc_pairs(spec.odbc or "").get("DRIVER", "").strip("{}")
        package = odbc_driver_package(driver)
        hint = (
            f" Install it: apt-get install {package}."
            if package
            else " Check `odbcinst -q -d` for installed drivers (Debian packages: odbc-postgresql, "
            "odbc-mariadb, libsqliteodbc, tdsodbc)."
        )
        return ConnectError(
            f"ODBC driver {driver or '(from DSN)'!r} is not installed for {spec.display}.{hint}",
            reason="its ODBC driver is not installed",
        )
    return connect_error(spec, first_line(exc))


def odbc_error_message(spec: ConnectionSpec, exc: Exception) -> str:
    return odbc_error(spec, exc).message
