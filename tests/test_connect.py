"""Connection strings and connection errors, against the real servers (no mocks).

Every error must be one line, say what went wrong, and never contain a password.
"""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import TEST_PASSWORD as SECRET
from conftest import ServerDB, _mariadb_admin

from mkdocs_schema_sync.db import odbc_pairs, open_database, parse_connection
from mkdocs_schema_sync.errors import ConnectError, SchemaSyncError
from mkdocs_schema_sync.masking import mask


def connect_error(text: str, timeout: float = 10.0) -> str:
    """Open `text`, expect a ConnectError, check it is one masked line, return the message."""
    with pytest.raises(ConnectError) as err:
        open_database(parse_connection(text, timeout=timeout))
    message = err.value.message
    assert SECRET not in message and SECRET not in str(err.value)
    assert "\n" not in message
    assert err.value.__cause__ is None and err.value.__suppress_context__  # no driver traceback chained
    return message


# --------------------------------------------------------------------------- parsing


def test_postgres_url_becomes_odbc_with_real_booleans_and_timeout() -> None:
    spec = parse_connection(f"postgresql://me:{SECRET.replace('!', '%21')}@db.example:6543/app", timeout=7)
    assert spec.dialect == "postgresql" and spec.driver == "pyodbc"
    pairs = odbc_pairs(spec.odbc or "")
    assert pairs["DRIVER"] == "{PostgreSQL Unicode}"
    assert (pairs["SERVER"], pairs["PORT"], pairs["DATABASE"], pairs["UID"]) == ("db.example", "6543", "app", "me")
    assert pairs["PWD"].strip("{}") == SECRET  # percent-decoded
    assert pairs["BOOLSASCHAR"] == "0"
    assert pairs["PQOPT"] == "{connect_timeout=7}"
    assert SECRET not in spec.display and "db.example:6543/app" in spec.display


def test_mariadb_url_sets_conn_timeout() -> None:
    spec = parse_connection("mariadb://root@127.0.0.1/shop", timeout=3)
    pairs = odbc_pairs(spec.odbc or "")
    assert spec.dialect == "mysql"
    assert pairs["DRIVER"] == "{MariaDB Unicode}" and pairs["PORT"] == "3306"
    assert pairs["CONN_TIMEOUT"] == "3"


def test_psycopg_url() -> None:
    spec = parse_connection(f"postgresql+psycopg://me:{SECRET.replace('!', '%21')}@h/app?sslmode=disable", timeout=4)
    assert spec.driver == "psycopg"
    assert spec.psycopg == {
        "host": "h", "port": 5432, "dbname": "app", "user": "me", "password": SECRET,
        "sslmode": "disable", "connect_timeout": 4,
    }  # fmt: skip
    assert SECRET not in spec.display


def test_raw_odbc_string_gets_defaults_but_keeps_user_choices() -> None:
    spec = parse_connection(f"DRIVER={{PostgreSQL Unicode}};SERVER=h;DATABASE=d;UID=u;PWD={SECRET};BoolsAsChar=1")
    pairs = odbc_pairs(spec.odbc or "")
    assert spec.dialect == "postgresql"
    assert pairs["BOOLSASCHAR"] == "1"  # the user's own choice wins
    assert pairs["PQOPT"].startswith("{connect_timeout=")
    assert SECRET not in spec.display and "PWD=***" in spec.display
    assert mask(f"the password is {SECRET}") == "the password is ***"  # registered as a secret

    maria = parse_connection("DRIVER={MariaDB Unicode};SERVER=h;DATABASE=d;CONN_TIMEOUT=9", timeout=2)
    assert maria.dialect == "mysql" and odbc_pairs(maria.odbc or "")["CONN_TIMEOUT"] == "9"


def test_extra_url_options_reach_the_odbc_string() -> None:
    spec = parse_connection("postgresql://u@h/d?SSLmode=require&driver=PostgreSQL ANSI")
    pairs = odbc_pairs(spec.odbc or "")
    assert pairs["DRIVER"] == "{PostgreSQL ANSI}" and pairs["SSLMODE"] == "require"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "connection is empty"),
        ("oracle://u@h/d", "unknown database type 'oracle'"),
        ("postgresql://u@h", "names no database"),
        ("mysql+psycopg://u@h/d", "+psycopg only works with postgresql"),
        ("postgresql+jdbc://u@h/d", "unknown driver +jdbc"),
        ("just words", "neither a URL"),
        ("postgresql://u@h:notaport/d", "bad connection URL"),
    ],
)
def test_bad_connection_strings(text: str, expected: str) -> None:
    with pytest.raises(SchemaSyncError) as err:
        parse_connection(text)
    assert expected in err.value.message


def test_env_reference_is_expanded_and_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SS_TEST_DB_PASSWORD", SECRET)
    spec = parse_connection("postgresql+psycopg://me:${SS_TEST_DB_PASSWORD}@h/app")
    assert spec.psycopg["password"] == SECRET
    assert SECRET not in spec.display
    with pytest.raises(SchemaSyncError) as err:
        parse_connection("postgresql://me:${SS_TEST_UNSET_VARIABLE}@h/app")
    assert "SS_TEST_UNSET_VARIABLE is not set" in err.value.message


# --------------------------------------------------------------------------- unreachable servers


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts TCP connections and never says a word: a hung or firewalled server."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)  # the kernel completes handshakes; nobody ever answers
    try:
        yield int(sock.getsockname()[1])
    finally:
        sock.close()


@pytest.mark.parametrize("scheme", ["postgresql", "postgresql+psycopg", "mariadb"])
def test_closed_port_fails_fast(scheme: str) -> None:
    port = _free_port()
    started = time.monotonic()
    message = connect_error(f"{scheme}://root:{SECRET}@127.0.0.1:{port}/x", timeout=10)
    assert time.monotonic() - started < 3
    assert "nothing accepts connections" in message
    assert f"127.0.0.1:{port}/x" in message


@pytest.mark.parametrize("scheme", ["postgresql", "postgresql+psycopg", "mariadb"])
def test_silent_server_is_bounded_by_timeout(scheme: str, silent_port: int) -> None:
    started = time.monotonic()
    message = connect_error(f"{scheme}://root:{SECRET}@127.0.0.1:{silent_port}/x", timeout=2)
    elapsed = time.monotonic() - started
    assert 1.5 <= elapsed < 6, elapsed
    assert "did not answer in time" in message


def test_unknown_host_name() -> None:
    message = connect_error(f"postgresql+psycopg://u:{SECRET}@no-such-host.invalid/x", timeout=3)
    assert "does not resolve" in message


# --------------------------------------------------------------------------- credentials and databases


@pytest.fixture
def mariadb_user(mariadb_db: ServerDB) -> Iterator[ServerDB]:
    """A MariaDB user with a password and rights on the throw-away database only."""
    user = f"ss_{uuid.uuid4().hex[:8]}"
    admin = _mariadb_admin()
    for host in ("localhost", "127.0.0.1", "%"):
        admin.execute(f"CREATE USER '{user}'@'{host}' IDENTIFIED BY '{SECRET}'")
        admin.execute(f"GRANT SELECT ON `{mariadb_db.name}`.* TO '{user}'@'{host}'")
    admin.close()
    try:
        yield ServerDB(mariadb_db.name, mariadb_db.host, mariadb_db.port, user, SECRET)
    finally:
        admin = _mariadb_admin()
        for host in ("localhost", "127.0.0.1", "%"):
            admin.execute(f"DROP USER IF EXISTS '{user}'@'{host}'")
        admin.close()


@pytest.mark.mariadb
def test_right_password_connects(mariadb_user: ServerDB) -> None:
    url = mariadb_user.url("mariadb").replace(SECRET, SECRET.replace("!", "%21"))
    with open_database(parse_connection(url)) as db:
        assert db.query("SELECT CURRENT_USER()")[0][0].startswith(mariadb_user.user + "@")
        assert SECRET not in db.spec.display


@pytest.mark.mariadb
@pytest.mark.parametrize("how", ["url", "odbc"])
def test_wrong_password(mariadb_user: ServerDB, how: str) -> None:
    # PostgreSQL here trusts 127.0.0.1 (pg_hba.conf) and accepts any password: test on MariaDB
    wrong = SECRET + "x"
    if how == "url":
        text = mariadb_user.url("mariadb", password=wrong.replace("!", "%21"))
    else:
        text = (
            f"DRIVER={{MariaDB Unicode}};SERVER={mariadb_user.host};PORT={mariadb_user.port};"
            f"DATABASE={mariadb_user.name};UID={mariadb_user.user};PWD={wrong}"
        )
    message = connect_error(text)
    assert "wrong user name or password" in message
    assert wrong not in message and SECRET not in message


@pytest.mark.mariadb
def test_no_rights_on_the_database(mariadb_user: ServerDB) -> None:
    text = mariadb_user.url("mariadb", password=SECRET.replace("!", "%21")).replace(f"/{mariadb_user.name}", "/mysql")
    message = connect_error(text)
    assert "may not connect to this database" in message


@pytest.mark.postgres
@pytest.mark.parametrize("scheme", ["postgresql", "postgresql+psycopg"])
def test_missing_postgres_database(pg_db: ServerDB, scheme: str) -> None:
    missing = ServerDB(pg_db.name + "_missing", pg_db.host, pg_db.port, pg_db.user, SECRET)
    message = connect_error(missing.url(scheme))
    assert "database does not exist" in message and f"{missing.name}" in message


@pytest.mark.postgres
def test_missing_postgres_role(pg_db: ServerDB) -> None:
    message = connect_error(pg_db.url("postgresql", user="ss_no_such_role", password=SECRET))
    assert "no such user" in message


@pytest.mark.mariadb
def test_missing_mariadb_database(mariadb_db: ServerDB) -> None:
    message = connect_error(f"mariadb://root@{mariadb_db.host}:{mariadb_db.port}/{mariadb_db.name}_missing")
    assert "database does not exist" in message


# --------------------------------------------------------------------------- drivers


def test_odbc_driver_not_installed() -> None:
    message = connect_error(f"DRIVER={{Bogus ODBC Driver 9}};SERVER=127.0.0.1;UID=u;PWD={SECRET}")
    assert "ODBC driver 'Bogus ODBC Driver 9' is not installed" in message
    assert "odbcinst -q -d" in message and "odbc-postgresql" in message


def test_known_driver_missing_names_its_package() -> None:
    # the mssql extra brings Driver 18 as a library (tests/test_mssql_driver.py); Driver 17 is really missing
    message = connect_error(f"mssql://sa:{SECRET}@127.0.0.1/master?driver=ODBC+Driver+17+for+SQL+Server")
    assert "ODBC Driver 17 for SQL Server" in message and "msodbcsql17" in message


def test_sqlite_over_odbc_is_recognised(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "x.db"
    sqlite3.connect(path).executescript("CREATE TABLE t (id INTEGER PRIMARY KEY); ")
    with open_database(parse_connection(f"DRIVER={{SQLite3}};DATABASE={path}")) as db:
        assert db.dialect.name == "sqlite"
        assert db.query("SELECT name FROM sqlite_master") == [("t",)]


def test_a_password_that_looks_braced_is_still_quoted() -> None:
    spec = parse_connection("mssql://me:%7Babc%7D@h:1433/app")
    assert odbc_pairs(spec.odbc or "")["PWD"] == "{{abc}}}"
    assert "abc" not in spec.display
    braced_driver = parse_connection("mssql://me@h/app?driver=%7BODBC+Driver+17+for+SQL+Server%7D")
    assert "DRIVER={ODBC Driver 17 for SQL Server}" in (braced_driver.odbc or "")
