"""Microsoft's real SQL Server driver, from the `mssql` extra, against a local TDS stand-in (tests/tds_stand_in.py).

No SQL Server runs here, but ODBC Driver 18 (mssql-python-odbc) and mssql-python do:
connection strings we build are parsed and acted on by the real client (named
instances, ports, Encrypt / TrustServerCertificate, Driver= overrides), and every
error it can produce without a server goes through `open_database` and must be
classified right (an outage falls back to the snapshot; a mistake stops the build).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pyodbc
import pytest
from conftest import TEST_PASSWORD, make_sqlite, mkdocs_build
from msodbc_messages import DRIVER, MSSQL_PYTHON, SERVER, WINDOWS_NAME_MISMATCH
from mssql_python.connection_string_parser import _ConnectionStringParser
from tds_stand_in import ENCRYPT_ON, TDSStandIn, self_signed
from test_connection_failures import assert_refused, site_with_snapshot

from mkdocs_schema_sync.db import parse_connection
from mkdocs_schema_sync.db.open import open_database
from mkdocs_schema_sync.db.problems import connect_error
from mkdocs_schema_sync.dialects.mssql import driver
from mkdocs_schema_sync.errors import ConnectError, SchemaSyncError, Unreachable


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed(tmp_path_factory.mktemp("tds-cert"))


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A port nothing listens on (bound, never listening, so no other test takes it meanwhile)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    yield sock.getsockname()[1]
    sock.close()


def _fails(url: str, timeout: float = 3, query_timeout: float = 10) -> tuple[ConnectError, float]:
    spec = parse_connection(url, timeout=timeout, query_timeout=query_timeout)
    started = time.monotonic()
    with pytest.raises(ConnectError) as caught:
        open_database(spec).close()
    return caught.value, time.monotonic() - started


# --------------------------------------------------------------------------- the bundled driver


def test_the_extra_installs_the_driver_library_and_it_is_found_by_path() -> None:
    lib = driver.bundled_driver()
    assert lib is not None and lib.is_file() and lib.name.startswith("libmsodbcsql-18")
    assert "ODBC Driver 18 for SQL Server" not in pyodbc.drivers()  # nothing registered: the bundle is what runs


@pytest.mark.parametrize(
    ("os_release", "family"),
    [
        ('ID=ubuntu\nID_LIKE=debian\nVERSION_ID="24.04"', "debian_ubuntu"),
        ('ID="rocky"\nID_LIKE="rhel centos fedora"', "rhel"),
        ('ID="opensuse-leap"\nID_LIKE="suse opensuse"', "suse"),
        ("ID=alpine", None),
    ],
)
def test_the_bundle_for_the_os_family_is_chosen(os_release: str, family: str | None) -> None:
    assert driver.os_family(os_release) == family
    libs = driver.bundle_libs()
    assert libs is not None
    chosen = driver.bundled_driver(libs, family or "debian_ubuntu", "x86_64")
    assert chosen is not None and f"/{family or 'debian_ubuntu'}/" in chosen.as_posix()


def test_a_registered_driver_wins_over_the_bundle_and_none_at_all_names_the_extra() -> None:
    bundled = driver.bundled_driver()
    assert (
        driver.choose_driver(["FreeTDS", "ODBC Driver 18 for SQL Server"], bundled) == "ODBC Driver 18 for SQL Server"
    )
    assert driver.choose_driver(["FreeTDS"], bundled) == str(bundled)
    with pytest.raises(ConnectError, match=r"pip install 'mkdocs-schema-sync\[mssql\]'"):
        driver.choose_driver(["FreeTDS"], None)


def test_a_url_without_driver_reaches_the_server_through_the_bundled_driver() -> None:
    with TDSStandIn("plain") as server:
        spec = parse_connection(f"mssql://reader:{TEST_PASSWORD}@127.0.0.1:{server.port}/Scout?Encrypt=no", timeout=5)
        with pytest.raises(ConnectError) as caught:
            open_database(spec)
    assert not isinstance(caught.value, Unreachable)  # a wrong password is a mistake, not an outage
    assert "Login failed for user 'reader'" in caught.value.message
    assert TEST_PASSWORD not in caught.value.message
    assert spec.odbc is not None and spec.odbc.startswith("DRIVER={" + str(driver.bundled_driver()) + "}")
    assert (server.received.user, server.received.database) == ("reader", "Scout")


def test_driver_in_the_url_wins_over_the_bundle() -> None:
    error, _ = _fails("mssql://reader:pw@127.0.0.1:1/Scout?driver=ODBC+Driver+17+for+SQL+Server")
    assert "'ODBC Driver 17 for SQL Server' is not installed" in error.message
    assert "msodbcsql17" in error.message


# --------------------------------------------------------------------------- where the server is


def test_a_named_instance_with_a_port_goes_to_that_port() -> None:
    with TDSStandIn("plain") as server:
        error, _ = _fails(f"mssql://reader:pw@127.0.0.1%5CSQLEXPRESS:{server.port}/Scout?Encrypt=no")
    assert "wrong user name or password" in error.message
    assert server.received.user == "reader"


def test_a_named_instance_without_a_port_asks_sql_browser_and_its_silence_is_an_outage() -> None:
    spec = parse_connection("mssql+mssqlpython://reader:pw@127.0.0.1%5CNOSUCH/Scout", timeout=2)
    assert "Server=127.0.0.1\\NOSUCH;" in (spec.odbc or "")
    with pytest.raises(Unreachable) as caught:
        open_database(spec)
    assert "SQL Server Browser" in caught.value.message


# --------------------------------------------------------------------------- encryption


def test_encrypt_is_the_default_and_a_server_without_tls_is_a_mistake_with_the_fix() -> None:
    with TDSStandIn("plain") as server:
        error, _ = _fails(f"mssql://reader:pw@127.0.0.1:{server.port}/Scout")
    assert server.received.client_encryption == ENCRYPT_ON
    assert not isinstance(error, Unreachable)
    assert "does not offer TLS" in error.message and "Encrypt=no" in error.message


def test_an_untrusted_certificate_is_refused_and_the_message_names_trust_server_certificate(
    cert: tuple[Path, Path],
) -> None:
    with TDSStandIn("tls", cert=cert) as server:
        error, _ = _fails(f"mssql://reader:pw@127.0.0.1:{server.port}/Scout")
    assert not isinstance(error, Unreachable)
    assert "TLS certificate is not trusted" in error.message and "TrustServerCertificate=yes" in error.message
    assert server.received.user is None  # the password never left the client


def test_trust_server_certificate_logs_in_over_tls(cert: tuple[Path, Path]) -> None:
    with TDSStandIn("tls", cert=cert) as server:
        error, _ = _fails(f"mssql://reader:pw@127.0.0.1:{server.port}/Scout?TrustServerCertificate=yes")
    assert server.received.tls and server.received.user == "reader"
    assert "wrong user name or password" in error.message


# --------------------------------------------------------------------------- outages and mistakes


def test_a_closed_port_is_an_outage_after_the_login_timeout(closed_port: int) -> None:
    error, took = _fails(f"mssql://reader:pw@127.0.0.1:{closed_port}/Scout", timeout=2)
    assert isinstance(error, Unreachable)
    assert 1.5 <= took < 10


def test_a_server_that_never_answers_is_an_outage_bounded_by_the_connect_timeout() -> None:
    with TDSStandIn("silent") as server:
        error, took = _fails(f"mssql://reader:pw@127.0.0.1:{server.port}/Scout", timeout=2)
    assert isinstance(error, Unreachable) and "did not answer in time" in error.message
    assert took < 10


@pytest.mark.parametrize("mode", ["garbage", "postgres-like"])
def test_something_else_on_the_port_is_a_mistake_not_an_outage(mode: str) -> None:
    if mode == "garbage":
        with TDSStandIn("garbage") as server:
            error, _ = _fails(f"mssql://reader:pw@127.0.0.1:{server.port}/Scout")
    else:  # a server that closes at once, as PostgreSQL does on a TDS PRELOGIN
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen(4)
        port = sock.getsockname()[1]

        def hang_up() -> None:
            for _ in range(4):
                try:
                    conn, _ = sock.accept()
                except OSError:
                    return
                conn.recv(64)
                conn.sendall(b"E\x00\x00\x00\x08junk")
                conn.close()

        threading.Thread(target=hang_up, daemon=True).start()
        try:
            error, _ = _fails(f"mssql://reader:pw@127.0.0.1:{port}/Scout")
        finally:
            sock.close()
    assert not isinstance(error, Unreachable), error.message
    assert "not SQL Server" in error.message


def test_an_unresolvable_host_is_an_outage_with_both_drivers() -> None:
    for scheme in ("mssql", "mssql+mssqlpython"):
        error, _ = _fails(f"{scheme}://reader:pw@no-such-host.invalid/Scout", timeout=2)
        assert isinstance(error, Unreachable), error.message


def test_login_timeout_and_query_timeout_are_told_apart() -> None:
    with TDSStandIn("plain", login="ok") as server:
        spec = parse_connection(
            f"mssql://reader:pw@127.0.0.1:{server.port}/Scout?Encrypt=no", timeout=3, query_timeout=2
        )
        db = open_database(spec)
        try:
            started = time.monotonic()
            with pytest.raises(Unreachable) as caught:
                db.query("WAITFOR DELAY '00:01:00'")
            took = time.monotonic() - started
        finally:
            db.close()
    assert "within query_timeout (2 s)" in caught.value.message and "Query timeout expired" in caught.value.message
    assert took < 5  # the driver's own timeout, before our watchdog (2 + 2 s grace)
    assert "SET LOCK_TIMEOUT 2000" in server.received.batches  # the server bounds lock waits the same


@pytest.mark.parametrize("number", sorted(SERVER))
def test_server_errors_in_a_query_are_classified_through_the_real_driver(number: int) -> None:
    severity, text, outage = SERVER[number]
    with TDSStandIn("plain", login="ok", batch_errors={"SELECT 1": (number, severity, text)}) as server:
        db = open_database(parse_connection(f"mssql://reader:pw@127.0.0.1:{server.port}/Scout?Encrypt=no", timeout=3))
        try:
            with pytest.raises(SchemaSyncError) as caught:
                db.query("SELECT 1")
        finally:
            db.close()
    assert f"({number})" in caught.value.message
    assert isinstance(caught.value, Unreachable) is outage, caught.value.message
    if number == 916:
        assert "permission denied reading the catalog" in caught.value.message


@pytest.mark.parametrize("number", [40613, 18456])
def test_server_errors_at_login_are_classified_through_the_real_driver(number: int) -> None:
    severity, text, outage = SERVER[number]
    with TDSStandIn("plain", error=(number, severity, text)) as server:
        error, _ = _fails(f"mssql://reader:pw@127.0.0.1:{server.port}/Scout?Encrypt=no")
    assert isinstance(error, Unreachable) is outage, error.message


# --------------------------------------------------------------------------- the captured texts stay true


def _driver_says(url: str) -> str:
    spec = parse_connection(url, timeout=2)
    lib = driver.bundled_driver()
    odbc = (spec.odbc or "").replace("DRIVER={ODBC Driver 18 for SQL Server}", "DRIVER={" + str(lib) + "}")
    with pytest.raises(pyodbc.Error) as caught:
        pyodbc.connect(odbc, timeout=2)
    return str(caught.value.args[1])


def test_the_captured_driver_texts_are_what_the_driver_says_now(cert: tuple[Path, Path], closed_port: int) -> None:
    said = {"login timeout": _driver_says(f"mssql://reader:pw@127.0.0.1:{closed_port}/Scout")}
    for name, mode, extra in [
        ("protocol error", "garbage", ""),
        ("encryption not supported", "plain", ""),
        ("self-signed certificate", "tls", ""),
        ("login failed", "plain", "?Encrypt=no"),
    ]:
        with TDSStandIn(mode, cert=cert) as server:
            said[name] = _driver_says(f"mssql://reader:pw@127.0.0.1:{server.port}/Scout{extra}")
    for name, text in said.items():
        assert text == DRIVER[name][1], name


@pytest.mark.parametrize("name", sorted(DRIVER))
def test_each_captured_driver_text_is_classified(name: str) -> None:
    _state, text, outage = DRIVER[name]
    spec = parse_connection("mssql://reader:pw@sql01/Scout")
    assert isinstance(connect_error(spec, text), Unreachable) is outage


@pytest.mark.parametrize("name", sorted(MSSQL_PYTHON))
def test_each_mssql_python_text_is_classified(name: str) -> None:
    text, outage = MSSQL_PYTHON[name]
    spec = parse_connection("mssql+mssqlpython://reader:pw@sql01/Scout")
    assert isinstance(connect_error(spec, text), Unreachable) is outage


def test_windows_name_mismatch_is_the_certificate_case() -> None:
    error = connect_error(parse_connection("mssql://reader:pw@sql01/Scout"), WINDOWS_NAME_MISMATCH)
    assert not isinstance(error, Unreachable) and "TLS certificate is not trusted" in error.message


# --------------------------------------------------------------------------- mssql-python and Entra ID


def test_mssql_python_logs_in_through_its_own_driver(cert: tuple[Path, Path]) -> None:
    with TDSStandIn("tls", cert=cert) as server:
        error, _ = _fails(
            f"mssql+mssqlpython://reader:{TEST_PASSWORD}@127.0.0.1:{server.port}/Scout?TrustServerCertificate=yes"
        )
    assert server.received.tls and server.received.user == "reader"
    assert "wrong user name or password" in error.message and TEST_PASSWORD not in error.message


def test_mssql_python_sessions_are_bounded_and_classified_like_pyodbc_ones() -> None:
    lock = SERVER[1222]
    with TDSStandIn("plain", login="ok", batch_errors={"SELECT 1": (1222, lock[0], lock[1])}) as server:
        url = f"mssql+mssqlpython://reader:pw@127.0.0.1:{server.port}/Scout?Encrypt=no"
        db = open_database(parse_connection(url, timeout=3, query_timeout=2))
        try:
            with pytest.raises(Unreachable, match="Lock request time out period exceeded"):
                db.query("SELECT 1")
            started = time.monotonic()
            with pytest.raises(Unreachable, match="Query timeout expired"):
                db.query("WAITFOR DELAY '00:01:00'")
            assert time.monotonic() - started < 5
        finally:
            db.close()
    assert server.received.batches[0] == "SET LOCK_TIMEOUT 2000"


def test_mssql_python_connection_string_passes_its_own_keyword_check() -> None:
    spec = parse_connection(
        "mssql+mssqlpython://sql.example.net/Scout?Authentication=ActiveDirectoryDefault&Encrypt=yes"
    )
    assert spec.driver == "mssqlpython"
    parsed = _ConnectionStringParser(validate_keywords=True)._parse(spec.odbc or "")
    assert {k.lower(): v for k, v in parsed.items()} == {
        "server": "sql.example.net,1433",
        "database": "Scout",
        "authentication": "ActiveDirectoryDefault",
        "encrypt": "yes",
    }


def test_mssql_python_refuses_a_driver_keyword_and_an_unknown_one_clearly() -> None:
    with pytest.raises(SchemaSyncError, match="always uses the ODBC driver mssql-python ships"):
        parse_connection("mssql+mssqlpython://u:pw@h/db?driver=FreeTDS")
    error, _ = _fails("mssql+mssqlpython://u:pw@127.0.0.1:1/db?NoSuchKeyword=1")
    assert "nosuchkeyword" in error.message.lower() and not isinstance(error, Unreachable)


@pytest.mark.parametrize(
    "method", ["ActiveDirectoryDefault", "ActiveDirectoryInteractive", "ActiveDirectoryDeviceCode"]
)
def test_pyodbc_with_an_entra_method_only_mssql_python_does_is_refused_with_the_hint(method: str) -> None:
    for text in (
        f"azuresql://sql.example.net/Scout?Authentication={method}",
        f"DRIVER={{ODBC Driver 18 for SQL Server}};SERVER=sql.example.net;DATABASE=Scout;Authentication={method}",
    ):
        with pytest.raises(SchemaSyncError) as caught:
            parse_connection(text)
        assert "mssql+mssqlpython://" in caught.value.message and "ActiveDirectoryMsi" in caught.value.message


# --------------------------------------------------------------------------- whole builds


def test_a_build_against_an_unreachable_sql_server_shows_the_snapshot(tmp_path: Path, closed_port: int) -> None:
    db = make_sqlite(tmp_path / "app.db", "CREATE TABLE t (id INTEGER PRIMARY KEY);")
    site, env = site_with_snapshot(tmp_path / "s", f"sqlite:///{db}", f"mssql://sa:pw@127.0.0.1:{closed_port}/app")
    result = mkdocs_build(site, strict=True, env=env)
    assert result.returncode == 0, result.stderr
    assert "Login timeout expired" in result.stderr  # the driver's own words, after the connect timeout
    assert "Not the live database" in site.html("schema/index.html")


def test_a_build_against_something_that_is_not_sql_server_stops(tmp_path: Path) -> None:
    db = make_sqlite(tmp_path / "app.db", "CREATE TABLE t (id INTEGER PRIMARY KEY);")
    with TDSStandIn("garbage") as server:
        site, env = site_with_snapshot(tmp_path / "s", f"sqlite:///{db}", f"mssql://sa:pw@127.0.0.1:{server.port}/app")
        assert_refused(site, env, "is not SQL Server")
