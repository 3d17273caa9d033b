"""Connection strings in, `ConnectionSpec` out: URLs and raw ODBC strings, with secrets registered for masking.

`parse_connection` turns what the user wrote into a `ConnectionSpec` saying
which dialect, which driver and how to reach the database; `display` is the
form safe to print. Per-database details (ports, default ODBC drivers, the
keywords a driver needs) come from the dialect.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from ..dialects import dialect_for_odbc_driver, dialect_for_scheme, get_dialect, url_schemes
from ..dialects.base import Dialect
from ..errors import SchemaSyncError
from ..masking import expand_env as expand_env_values
from ..masking import mask, register_secret
from ..settings import Settings


@dataclass
class ConnectionSpec:
    """Where a database is and how to reach it. `display` is safe to print (masked) in logs and errors;
    `public()` is what published pages say: the kind and name of the database, nothing about where it is."""

    dialect: str | None  # None: a raw ODBC string, recognised on connect
    driver: str  # "sqlite3", "pyodbc", "psycopg" or "mssqlpython" (Microsoft's mssql-python)
    display: str
    path: Path | None = None
    odbc: str | None = None
    psycopg: dict[str, Any] = field(default_factory=dict)
    timeout: float = 10.0  # seconds to connect
    query_timeout: float = 60.0  # seconds a query may take (see db/watchdog.py and Dialect.set_query_timeout)
    database: str = ""  # its name alone: no host, port, user or folder (a SQLite file's stem)
    #: the URL named no ODBC driver: the dialect may pick an installed one on connect (SQL Server: the bundled one)
    default_driver: bool = False

    def public(self, label: str | None = None) -> str:
        """ "PostgreSQL database scout": `label` is the dialect's (known once connected for a raw ODBC string)."""
        kind = label or (get_dialect(self.dialect).label if self.dialect else "ODBC")
        return f"{kind} database {self.database}" if self.database else f"{kind} database"


def expand_env(text: str) -> str:
    """Replace `${VAR}` with the environment's value, registering it as a secret."""
    try:
        return expand_env_values(text, "connection string")
    except ValueError as exc:
        raise SchemaSyncError(str(exc)) from None


def connection_spec(settings: Settings) -> ConnectionSpec:
    """The `connection` option, with the settings' timeouts."""
    if not settings.connection:
        raise SchemaSyncError(settings.connection_error or "no `connection` is set for schema-sync")
    return parse_connection(settings.connection, settings.base_dir, settings.connect_timeout, settings.query_timeout)


def parse_connection(
    text: str, base_dir: Path | None = None, timeout: float = 10.0, query_timeout: float = 60.0
) -> ConnectionSpec:
    """Parse a connection URL or a raw ODBC string. Relative SQLite paths resolve against `base_dir`."""
    spec = _parse(text, base_dir, timeout)
    spec.query_timeout = query_timeout
    return spec


def _parse(text: str, base_dir: Path | None, timeout: float) -> ConnectionSpec:
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
    dialect = dialect_for_scheme(base)
    if dialect is None:
        raise SchemaSyncError(
            f"unknown database type {base!r} in connection {mask(raw)!r}; use one of: {', '.join(url_schemes())}"
        )
    if dialect.default_port is None:  # a database in a file
        return _parse_file_url(raw, dialect, base_dir, timeout)
    return _parse_server_url(raw, dialect, variant, timeout)


def _parse_file_url(raw: str, dialect: Dialect, base_dir: Path | None, timeout: float) -> ConnectionSpec:
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
    return ConnectionSpec(
        dialect=dialect.name,
        driver="sqlite3",
        display=f"sqlite:///{path}",
        path=path,
        timeout=timeout,
        database=path.stem,
    )


def _parse_server_url(raw: str, dialect: Dialect, variant: str, timeout: float) -> ConnectionSpec:
    try:
        url = urlsplit(raw)
        port = url.port
    except ValueError as exc:
        raise SchemaSyncError(f"bad connection URL {mask(raw)!r}: {exc}") from None
    user = unquote(url.username) if url.username else None
    password = unquote(url.password) if url.password else None
    register_secret(password)
    host = _host(url.netloc) or "localhost"
    database = unquote(url.path.lstrip("/"))
    if not database:
        raise SchemaSyncError(f"connection URL {mask(raw)!r} names no database: add /dbname after the host")
    options = _options(url.query, raw)
    auth = f"{user}{':' + password if password else ''}@" if user else ""
    display = mask(f"{url.scheme}://{auth}{dialect.display_address(host, port)}/{database}")

    if variant in ("psycopg", "psycopg3"):
        if not dialect.supports_psycopg:
            raise SchemaSyncError(f"+psycopg only works with postgresql://, not {url.scheme}://")
        conninfo: dict[str, Any] = {"host": host, "port": port or dialect.default_port, "dbname": database}
        if user:
            conninfo["user"] = user
        if password:
            conninfo["password"] = password
        conninfo.update(options)
        conninfo.setdefault("connect_timeout", max(1, int(timeout)))
        return ConnectionSpec(dialect.name, "psycopg", display, psycopg=conninfo, timeout=timeout, database=database)
    if variant in MSSQL_PYTHON:
        if dialect.name != "mssql":
            raise SchemaSyncError(
                f"+{variant} (Microsoft's mssql-python) only works with mssql://, not {url.scheme}://"
            )
        text = _mssql_python_string(dialect, host, port, database, user, password, options, raw)
        return ConnectionSpec(dialect.name, "mssqlpython", display, odbc=text, timeout=timeout, database=database)
    if variant not in ("", "odbc", "pyodbc"):
        raise SchemaSyncError(
            f"unknown driver +{variant} in {url.scheme}://; use +odbc (default), +psycopg or +mssqlpython"
        )
    if dialect.name == "mssql":
        _refuse_odbc_authentication(options, raw)

    driver_key = next((k for k in options if k.upper() == "DRIVER"), None)
    driver = (options.pop(driver_key) if driver_key else dialect.default_odbc_driver or "").strip("{}")
    parts: dict[str, str] = {"DRIVER": "{" + driver + "}"}
    parts.update(dialect.odbc_server(host, port))
    parts["DATABASE"] = database
    if user:
        parts["UID"] = user
    if password is not None:
        parts["PWD"] = password
    # DRIVER and the query's own ODBC keywords may already be in ODBC syntax ({…}); user names,
    # passwords and database names are always quoted when they need it, even if they look braced.
    raw_syntax = {"DRIVER", *options}
    for key, value in options.items():  # ODBC keywords are case-insensitive: the user's replaces ours
        parts.pop(next((k for k in parts if k.upper() == key.upper()), key), None)
        parts[key] = value
    pairs = (f"{k}={_odbc_value(v, keep_braces=k in raw_syntax)}" for k, v in parts.items())
    odbc = _with_odbc_defaults(";".join(pairs), dialect, timeout)
    return ConnectionSpec(
        dialect.name, "pyodbc", display, odbc=odbc, timeout=timeout, database=database, default_driver=not driver_key
    )


#: URL variants that select Microsoft's mssql-python driver (mssql+mssqlpython://)
MSSQL_PYTHON = ("mssqlpython", "mssql_python", "mssql-python")
#: Microsoft Entra ID methods that only mssql-python (through azure-identity) performs on Linux and macOS
_PYTHON_ONLY_AUTH = ("activedirectorydefault", "activedirectorydevicecode", "activedirectoryinteractive")


def _refuse_odbc_authentication(options: dict[str, str], raw: str) -> None:
    """pyodbc hands `Authentication=` to the ODBC driver, which has no ActiveDirectoryDefault (nor device
    code, nor interactive sign-in off Windows): say which driver does."""
    value = next((v for k, v in options.items() if k.upper() == "AUTHENTICATION"), "")
    if value.strip("{}").lower() in _PYTHON_ONLY_AUTH:
        raise SchemaSyncError(
            f"Authentication={value.strip('{}')} in {mask(raw)!r} is not something the ODBC driver does "
            "(pyodbc): use the mssql+mssqlpython:// scheme (Microsoft's mssql-python signs in through "
            "azure-identity), or with pyodbc Authentication=ActiveDirectoryMsi / "
            "ActiveDirectoryServicePrincipal / ActiveDirectoryPassword"
        )


def _mssql_python_string(
    dialect: Dialect,
    host: str,
    port: int | None,
    database: str,
    user: str | None,
    password: str | None,
    options: dict[str, str],
    raw: str,
) -> str:
    """The connection string mssql-python takes: ODBC keywords without DRIVER (it always loads its own)."""
    if any(k.upper() == "DRIVER" for k in options):
        raise SchemaSyncError(
            f"mssql+mssqlpython:// always uses the ODBC driver mssql-python ships: remove driver=… from {mask(raw)!r}"
        )
    parts: dict[str, str] = {"Server": dialect.odbc_server(host, port)["SERVER"], "Database": database}
    if user:
        parts["UID"] = user
    if password is not None:
        parts["PWD"] = password
    for key, value in options.items():
        parts.pop(next((k for k in parts if k.upper() == key.upper()), key), None)
        parts[key] = value
    return ";".join(f"{k}={_odbc_value(v, keep_braces=k in options)}" for k, v in parts.items())


def _host(netloc: str) -> str:
    """The host as written, case kept and percent-decoded (`sql01%5CSQLEXPRESS`: the instance `sql01\\SQLEXPRESS`)."""
    host = netloc.rpartition("@")[2]
    if host.startswith("["):  # [IPv6]:port
        return host[1 : host.find("]")] if "]" in host else host
    name, colon, port = host.rpartition(":")
    return unquote(name if colon and port.isdigit() else host)


def _options(query: str, raw: str) -> dict[str, str]:
    """The URL's query as ODBC keywords; a keyword given twice (in any case) is refused."""
    options: dict[str, str] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        twin = next((k for k in options if k.upper() == key.upper()), None)
        if twin is not None:
            raise SchemaSyncError(
                f"connection URL {mask(raw)!r} sets {key.upper()} twice ({twin}=…, {key}=…): keep one"
            )
        options[key] = value
    return options


def _with_odbc_defaults(odbc: str, dialect: Dialect | None, timeout: float) -> str:
    """Add what the driver needs unless the user set it (real booleans, a connect timeout: see the dialect)."""
    if dialect is None:
        return odbc
    extra = dialect.odbc_defaults(set(odbc_pairs(odbc)), max(1, round(timeout)))
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
    dialect = dialect_for_odbc_driver(pairs.get("DRIVER", "").strip("{}"))
    if dialect is not None and dialect.name == "mssql":
        _refuse_odbc_authentication(pairs, raw)
    odbc = _with_odbc_defaults(raw, dialect, timeout)
    return ConnectionSpec(
        dialect.name if dialect else None,
        "pyodbc",
        mask(raw),
        odbc=odbc,
        timeout=timeout,
        database=_odbc_database(pairs),
    )


def _odbc_database(pairs: dict[str, str]) -> str:
    """The database's name in an ODBC string (a file path gives its stem), else the DSN's name."""
    for key in ("DATABASE", "INITIAL CATALOG", "DBQ", "DSN"):
        value = pairs.get(key, "").strip("{}").strip()
        if value:
            return Path(value).stem if ("/" in value or "\\" in value) else value
    return ""


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
