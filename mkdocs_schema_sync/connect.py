"""Connection strings in, open connections out.

`parse_connection` turns what the user wrote (a URL or a raw ODBC string) into
a `ConnectionSpec`; `open_database` opens it with the right driver, imported
only when needed, and returns a `Database`: the raw DB-API connection plus the
dialect that knows how to read its catalog. Every error is one masked line.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from .errors import ConnectError, SchemaSyncError
from .masking import mask, register_secret

DIALECT_ALIASES = {
    "sqlite": "sqlite",
    "postgresql": "postgresql",
    "postgres": "postgresql",
    "mysql": "mysql",
    "mariadb": "mysql",
    "mssql": "mssql",
    "sqlserver": "mssql",
    "azuresql": "mssql",
}

DEFAULT_ODBC_DRIVERS = {
    "postgresql": "PostgreSQL Unicode",
    "mysql": "MariaDB Unicode",
    "mssql": "ODBC Driver 18 for SQL Server",
}

DEFAULT_PORTS = {"postgresql": 5432, "mysql": 3306, "mssql": 1433}

# Debian package that brings each ODBC driver, for the "driver missing" message.
ODBC_DRIVER_PACKAGES = {
    "PostgreSQL Unicode": "odbc-postgresql",
    "PostgreSQL ANSI": "odbc-postgresql",
    "MariaDB Unicode": "odbc-mariadb",
    "MariaDB": "odbc-mariadb",
    "SQLite3": "libsqliteodbc",
    "FreeTDS": "tdsodbc",
    "ODBC Driver 18 for SQL Server": "msodbcsql18 (Microsoft's repository)",
    "ODBC Driver 17 for SQL Server": "msodbcsql17 (Microsoft's repository)",
}

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass
class ConnectionSpec:
    """Where a database is and how to reach it. `display` is safe to print."""

    dialect: str | None  # None: a raw ODBC string, recognised on connect
    driver: str  # "sqlite3", "pyodbc" or "psycopg"
    display: str
    path: Path | None = None
    odbc: str | None = None
    psycopg: dict[str, Any] = field(default_factory=dict)
    timeout: float = 10.0


class Database:
    """An open connection and the dialect that reads it.

    All catalog SQL goes through `query`, with `?` placeholders for sqlite3 and
    pyodbc; the psycopg path binds `%s`, so dialect SQL that must run on both
    PostgreSQL drivers takes no parameters or uses `self.param`.
    """

    def __init__(self, raw: Any, spec: ConnectionSpec, dialect_name: str) -> None:
        from .dialects import get_dialect

        self.raw = raw
        self.spec = spec
        self.dialect = get_dialect(dialect_name)
        self.param = "%s" if spec.driver == "psycopg" else "?"
        self.queries = 0  # counted, so tests can prove "one query per check"

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        self.queries += 1
        cur = self.raw.cursor()
        try:
            if params:
                cur.execute(sql, tuple(params))
            else:  # no parameters: psycopg then leaves `%` alone, pyodbc sends the text as is
                cur.execute(sql)
            if cur.description is None:
                return []
            rows = cur.fetchall()
            if self.spec.driver == "pyodbc":  # pyodbc.Row: make plain tuples; the others already are
                return [tuple(row) for row in rows]
            return rows  # type: ignore[no-any-return]
        except Exception as exc:  # driver errors carry the statement; mask and shorten
            text = _first_line(exc)
            if _PERMISSION.search(text):
                raise SchemaSyncError(
                    f"permission denied reading the catalog of {self.spec.display}: {text}. "
                    "Connect as a user that may read the system catalog (PostgreSQL: pg_catalog; "
                    "MySQL/MariaDB: SELECT on the documented database; SQL Server: VIEW DEFINITION)"
                ) from None
            raise SchemaSyncError(f"{self.dialect.name} query failed: {text}") from None
        finally:
            cur.close()

    def execute_script(self, sql: str) -> None:
        """Run statements that change the database (trigger installs, deploys)."""
        self.queries += 1
        if self.spec.driver == "sqlite3":
            self.raw.executescript(sql)
            return
        cur = self.raw.cursor()
        try:
            cur.execute(sql)
        finally:
            cur.close()

    def commit(self) -> None:
        self.raw.commit()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Run the block in one transaction; callers commit, anything else is rolled back.

        Server connections are opened in autocommit so that catalog reads hold no
        locks (a long `mkdocs serve` would otherwise block other sessions' DDL);
        writes that must be all-or-nothing (installs, the polled log) use this.
        """
        if self.spec.driver == "sqlite3":  # sqlite3 opens transactions implicitly
            yield
            return
        self.raw.autocommit = False
        try:
            yield
        finally:
            with contextlib.suppress(Exception):  # after a commit there is nothing left to undo
                self.raw.rollback()
            self.raw.autocommit = True

    def close(self) -> None:
        with contextlib.suppress(Exception):  # closing a broken connection must not hide the real error
            self.raw.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def expand_env(text: str) -> str:
    """Replace `${VAR}` with the environment's value, registering it as a secret."""

    def repl(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in os.environ:
            raise SchemaSyncError(
                f"connection string refers to ${{{name}}}, but the environment variable {name} is not set"
            )
        value = os.environ[name]
        register_secret(value)
        return value

    return _ENV_REF.sub(repl, text)


def parse_connection(text: str, base_dir: Path | None = None, timeout: float = 10.0) -> ConnectionSpec:
    """Parse a connection URL or a raw ODBC string. Relative SQLite paths resolve against `base_dir`."""
    if not text or not text.strip():
        raise SchemaSyncError("connection is empty: set it to a URL such as sqlite:///data/app.db")
    raw = expand_env(text.strip())
    if "://" not in raw:
        if "=" in raw:
            return _parse_odbc(raw, timeout)
        raise SchemaSyncError(
            f"connection {mask(raw)!r} is neither a URL (sqlite:///path, postgresql://…, mysql://…, "
            "mssql://…) nor an ODBC string (DRIVER={…};SERVER=…)"
        )
    scheme = raw.split("://", 1)[0].lower()
    base, _, variant = scheme.partition("+")
    dialect = DIALECT_ALIASES.get(base)
    if dialect is None:
        raise SchemaSyncError(
            f"unknown database type {base!r} in connection {mask(raw)!r}; "
            f"use one of: {', '.join(sorted(DIALECT_ALIASES))}"
        )
    if dialect == "sqlite":
        return _parse_sqlite(raw, base_dir, timeout)
    return _parse_server_url(raw, dialect, variant, timeout)


def _parse_sqlite(raw: str, base_dir: Path | None, timeout: float) -> ConnectionSpec:
    rest = raw.split("://", 1)[1]
    if not rest.startswith("/") or rest in ("/", "//"):
        raise SchemaSyncError(
            f"bad SQLite URL {raw!r}: write sqlite:///relative/path.db or sqlite:////absolute/path.db"
        )
    rest = unquote(rest.split("?", 1)[0][1:])
    if rest == ":memory:":
        raise SchemaSyncError("sqlite:///:memory: has no schema to document; point at a database file")
    path = Path(rest)
    if not path.is_absolute():
        path = (base_dir or Path.cwd()) / path
    return ConnectionSpec(dialect="sqlite", driver="sqlite3", display=f"sqlite:///{path}", path=path, timeout=timeout)


def _parse_server_url(raw: str, dialect: str, variant: str, timeout: float) -> ConnectionSpec:
    try:
        url = urlsplit(raw)
        port = url.port
    except ValueError as exc:
        raise SchemaSyncError(f"bad connection URL {mask(raw)!r}: {exc}") from None
    user = unquote(url.username) if url.username else None
    password = unquote(url.password) if url.password else None
    register_secret(password)
    host = url.hostname or "localhost"
    port = port or DEFAULT_PORTS[dialect]
    database = unquote(url.path.lstrip("/"))
    if not database:
        raise SchemaSyncError(f"connection URL {mask(raw)!r} names no database: add /dbname after the host")
    options = dict(parse_qsl(url.query, keep_blank_values=True))
    auth = f"{user}{':' + password if password else ''}@" if user else ""
    display = mask(f"{url.scheme}://{auth}{host}:{port}/{database}")

    if variant in ("psycopg", "psycopg3"):
        if dialect != "postgresql":
            raise SchemaSyncError(f"+psycopg only works with postgresql://, not {url.scheme}://")
        conninfo: dict[str, Any] = {"host": host, "port": port, "dbname": database}
        if user:
            conninfo["user"] = user
        if password:
            conninfo["password"] = password
        conninfo.update(options)
        conninfo.setdefault("connect_timeout", max(1, int(timeout)))
        return ConnectionSpec(dialect, "psycopg", display, psycopg=conninfo, timeout=timeout)
    if variant not in ("", "odbc", "pyodbc"):
        raise SchemaSyncError(f"unknown driver +{variant} in {url.scheme}://; use +odbc (default) or +psycopg")

    driver = (options.pop("driver", None) or DEFAULT_ODBC_DRIVERS[dialect]).strip("{}")
    parts: dict[str, str] = {"DRIVER": "{" + driver + "}"}
    if dialect == "mssql":
        parts["SERVER"] = f"{host},{port}"
    else:
        parts["SERVER"] = host
        parts["PORT"] = str(port)
    parts["DATABASE"] = database
    if user:
        parts["UID"] = user
    if password is not None:
        parts["PWD"] = password
    # DRIVER and the query's own ODBC keywords may already be in ODBC syntax ({…}); user names,
    # passwords and database names are always quoted when they need it, even if they look braced.
    raw_syntax = {"DRIVER", *options}
    parts.update(options)
    pairs = (f"{k}={_odbc_value(v, keep_braces=k in raw_syntax)}" for k, v in parts.items())
    odbc = _with_odbc_defaults(";".join(pairs), dialect, timeout)
    return ConnectionSpec(dialect, "pyodbc", display, odbc=odbc, timeout=timeout)


def _with_odbc_defaults(odbc: str, dialect: str | None, timeout: float) -> str:
    """Add what the Debian drivers need unless the user set it: real booleans and a connect timeout.

    psqlODBC returns booleans as '1'/'0' unless BoolsAsChar=0, and takes libpq's
    connect_timeout through pqopt; MariaDB Connector/ODBC ignores the ODBC login
    timeout and TIMEOUT and waits for the server greeting until CONN_TIMEOUT.
    """
    keys = set(odbc_pairs(odbc))
    seconds = max(1, round(timeout))
    extra: list[str] = []
    if dialect == "postgresql":
        if "BOOLSASCHAR" not in keys:
            extra.append("BoolsAsChar=0")
        if "PQOPT" not in keys:
            extra.append(f"pqopt={{connect_timeout={seconds}}}")
    elif dialect == "mysql" and "CONN_TIMEOUT" not in keys:
        extra.append(f"CONN_TIMEOUT={seconds}")
    if not extra:
        return odbc
    return odbc.rstrip(";") + ";" + ";".join(extra)


def _odbc_value(value: str, *, keep_braces: bool = False) -> str:
    if keep_braces and value.startswith("{") and value.endswith("}"):
        return value
    if any(ch in value for ch in ";{}=") or value != value.strip():
        return "{" + value.replace("}", "}}") + "}"
    return value


def _parse_odbc(raw: str, timeout: float) -> ConnectionSpec:
    pairs = odbc_pairs(raw)
    for key, value in pairs.items():
        if key.upper() in ("PWD", "PASSWORD"):
            register_secret(value.strip("{}"))
    driver = pairs.get("DRIVER", "").strip("{}").lower()
    dialect: str | None = None
    if "postgres" in driver:
        dialect = "postgresql"
    elif "mariadb" in driver or "mysql" in driver:
        dialect = "mysql"
    elif "sql server" in driver or "freetds" in driver or "tds" in driver:
        dialect = "mssql"
    elif "sqlite" in driver:
        dialect = "sqlite"
    odbc = _with_odbc_defaults(raw, dialect, timeout)
    return ConnectionSpec(dialect, "pyodbc", mask(raw), odbc=odbc, timeout=timeout)


def odbc_pairs(raw: str) -> dict[str, str]:
    """Split `KEY=value;KEY={va;lue}` into a dict (keys upper-cased)."""
    out: dict[str, str] = {}
    i = 0
    while i < len(raw):
        eq = raw.find("=", i)
        if eq < 0:
            break
        key = raw[i:eq].strip().strip(";").strip()
        j = eq + 1
        if j < len(raw) and raw[j] == "{":
            k = j + 1
            while k < len(raw):
                if raw[k] == "}":
                    if k + 1 < len(raw) and raw[k + 1] == "}":
                        k += 2
                        continue
                    break
                k += 1
            value = raw[j : k + 1]
            nxt = raw.find(";", k)
            i = len(raw) if nxt < 0 else nxt + 1
        else:
            nxt = raw.find(";", j)
            value = raw[j:] if nxt < 0 else raw[j:nxt]
            i = len(raw) if nxt < 0 else nxt + 1
        if key:
            out[key.upper()] = value.strip()
    return out


def open_database(spec: ConnectionSpec, writable: bool = False) -> Database:
    """Open the connection. Raises ConnectError (one masked line) when it cannot.

    SQLite opens read-only unless `writable` (the drift log's writer asks for it);
    server connections are what their user's rights make them.
    """
    if spec.driver == "sqlite3":
        return _open_sqlite(spec, writable)
    if spec.driver == "psycopg":
        return _open_psycopg(spec)
    return _open_pyodbc(spec)


def _open_sqlite(spec: ConnectionSpec, writable: bool = False) -> Database:
    assert spec.path is not None
    if not spec.path.exists():
        raise ConnectError(
            f"SQLite database {spec.path} does not exist (a missing file is never created: "
            "check the path in `connection`, relative paths start at mkdocs.yml's folder)"
        )
    if not spec.path.is_file():
        raise ConnectError(f"SQLite database {spec.path} is not a file")
    try:
        mode = "rw" if writable else "ro"
        raw = sqlite3.connect(f"{spec.path.resolve().as_uri()}?mode={mode}", uri=True, timeout=spec.timeout)
        raw.execute("PRAGMA schema_version").fetchone()  # fails here for a file that is not SQLite
    except sqlite3.Error as exc:
        raise ConnectError(f"cannot open SQLite database {spec.path}: {exc}") from None
    return Database(raw, spec, "sqlite")


def _open_psycopg(spec: ConnectionSpec) -> Database:
    try:
        import psycopg
    except ImportError:
        raise SchemaSyncError(
            "postgresql+psycopg:// needs psycopg 3: pip install 'mkdocs-schema-sync[postgres]'"
        ) from None
    try:
        raw = psycopg.connect(**spec.psycopg, autocommit=True)  # see _open_pyodbc
    except psycopg.Error as exc:
        raise ConnectError(_connect_error_message(spec, _first_line(exc))) from None
    return Database(raw, spec, "postgresql")


def _open_pyodbc(spec: ConnectionSpec) -> Database:
    pyodbc = import_pyodbc()
    assert spec.odbc is not None
    try:
        # Autocommit: a catalog read inside an open transaction keeps its locks (pg_get_viewdef and
        # pg_get_expr lock the relations they read) and would block the team's ALTER TABLE until
        # the connection closes, which under `mkdocs serve` is never.
        raw = pyodbc.connect(spec.odbc, timeout=max(1, int(spec.timeout)), autocommit=True)
    except pyodbc.Error as exc:
        raise ConnectError(_odbc_error_message(spec, exc)) from None
    dialect = spec.dialect or dialect_from_dbms_name(raw.getinfo(pyodbc.SQL_DBMS_NAME))
    return Database(raw, spec, dialect)


def import_pyodbc() -> Any:
    """pyodbc's import fails without unixODBC's libodbc.so.2; say which package brings it."""
    try:
        import pyodbc
    except ImportError as exc:
        if "libodbc" in str(exc):
            raise SchemaSyncError(
                "pyodbc cannot load the unixODBC library (libodbc.so.2): install it with "
                "`apt-get install unixodbc` (Debian/Ubuntu) or `brew install unixodbc` (macOS)"
            ) from None
        raise SchemaSyncError("pyodbc is not installed: pip install pyodbc") from None
    return pyodbc


def dialect_from_dbms_name(name: str) -> str:
    low = (name or "").lower()
    if "postgres" in low:
        return "postgresql"
    if "mysql" in low or "mariadb" in low:
        return "mysql"
    if "sql server" in low or "microsoft" in low:
        return "mssql"
    if "sqlite" in low:
        return "sqlite"
    raise SchemaSyncError(f"the ODBC driver reports a database this plugin cannot read: {name!r}")


def _odbc_error_message(spec: ConnectionSpec, exc: Exception) -> str:
    text = _first_line(exc)
    state = exc.args[0] if exc.args else ""
    if state == "IM002" or "Can't open lib" in text or "Data source name not found" in text:
        driver = odbc_pairs(spec.odbc or "").get("DRIVER", "").strip("{}")
        package = ODBC_DRIVER_PACKAGES.get(driver)
        hint = (
            f" Install it: apt-get install {package}."
            if package
            else " Check `odbcinst -q -d` for installed drivers (Debian packages: odbc-postgresql, "
            "odbc-mariadb, libsqliteodbc, tdsodbc)."
        )
        return f"ODBC driver {driver or '(from DSN)'!r} is not installed for {spec.display}.{hint}"
    return _connect_error_message(spec, text)


_PERMISSION = re.compile(r"(?i)permission denied|command denied|access denied for user .* to database")

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
    (_PERMISSION, "the user may not connect to this database (grant it access)"),
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


def _connect_error_message(spec: ConnectionSpec, text: str) -> str:
    """One line: where, what it means, and the driver's own words (masked, without ODBC noise)."""
    detail = re.sub(r"\s*\((?:\d+)\)\s*\(SQLDriverConnect\)\s*$", "", text)
    detail = re.sub(r"^\[[0-9A-Z]{5}\]\s*(?:\[[^\]]*\]\s*)*", "", detail)
    for pattern, meaning in _CONNECT_PROBLEMS:
        if pattern.search(text):
            return mask(f"cannot connect to {spec.display}: {meaning} ({detail})")
    return mask(f"cannot connect to {spec.display}: {detail}")


def _first_line(exc: BaseException) -> str:
    text = str(exc.args[-1] if exc.args and isinstance(exc.args[-1], str) else exc)
    text = " ".join(text.split())
    return mask(text[:500])
