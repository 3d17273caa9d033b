"""The SQL Server defects a review found (issue 11), each pinned by a test that failed before its fix.

No SQL Server can run here. Where a test needs a connection it uses a recording
pyodbc-shaped fake (the only kind of fake the project allows, and only for SQL
Server); the code path that drains result sets also runs for real on PostgreSQL
and MariaDB through pyodbc, to show it did not regress there.

Microsoft pages behind the expectations:
- GO [count]: https://learn.microsoft.com/en-us/sql/t-sql/language-elements/sql-server-utilities-statements-go
  ("count: is a positive integer"; "do not use a semicolon as a statement terminator after GO").
- pyodbc and errors after the first result: pyodbc issues #128 and #739 (an error raised after the first
  row count only surfaces when the result sets are drained with `nextset()`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyodbc
import pytest
from conftest import TEST_PASSWORD, ServerDB
from mssql_fake import RecordingConnection, mssql_db, poll_answers

from mkdocs_schema_sync.db import Database, open_database, parse_connection
from mkdocs_schema_sync.dialects import get_dialect
from mkdocs_schema_sync.dialects.mssql.batches import split_batches
from mkdocs_schema_sync.dialects.sqlfiles import read_sql
from mkdocs_schema_sync.errors import SchemaSyncError

# --------------------------------------------------------------------------- defect 1: drain every result set


def test_an_error_in_the_second_result_of_a_batch_is_raised() -> None:
    raw = RecordingConnection(results_per_batch=3, fail_at=2)
    db = mssql_db(raw)
    with pytest.raises(SchemaSyncError) as info:
        db.execute_script("CREATE SCHEMA a;\nCREATE TABLE a.drift_log (id int);\nSELECT 1;")
    message = info.value.message
    assert "There is already an object named 'drift_log'" in message
    assert "(2714)" in message
    assert TEST_PASSWORD not in message
    assert raw.closed_cursors == 1  # closed even though it failed


def test_every_result_set_is_drained_when_nothing_fails() -> None:
    raw = RecordingConnection(results_per_batch=4)
    mssql_db(raw).execute_script("INSERT a VALUES (1); INSERT a VALUES (2); UPDATE a SET x = 1; SELECT 1;")
    assert raw.nextset_calls == 4  # three more results, then False
    assert raw.closed_cursors == 1


def test_install_triggers_fails_when_a_later_statement_of_a_batch_fails() -> None:
    from mkdocs_schema_sync.drift.capture import install

    raw = RecordingConnection(results_per_batch=2, fail_at=2)
    with pytest.raises(SchemaSyncError, match="already an object named 'drift_log'"):
        install(mssql_db(raw))
    assert raw.commits == 0  # a failed install never reports success nor commits
    assert raw.rollbacks >= 1
    assert len([sql for sql in raw.sent if "applock" not in sql]) == 1  # it stopped at the failing batch


def test_the_error_in_the_first_result_still_surfaces() -> None:
    raw = RecordingConnection(results_per_batch=1, fail_at=1)
    with pytest.raises(SchemaSyncError, match="2714"):
        mssql_db(raw).execute_script("CREATE TABLE a.drift_log (id int)")


# The same drained path for real, on the servers that run here: multi-result batches keep working and an
# error still surfaces as one line.


def _open(url: str) -> Database:
    return open_database(parse_connection(url, Path.cwd()))


@pytest.mark.postgres
def test_postgres_through_pyodbc_runs_multi_result_scripts_and_reports_errors(pg_db: ServerDB) -> None:
    with _open(pg_db.url("postgresql")) as db:
        assert db.driver == "pyodbc"
        db.execute_script("CREATE TABLE t (x int); INSERT INTO t VALUES (1); SELECT x FROM t; INSERT INTO t VALUES (2)")
        assert db.query("SELECT count(*) FROM t") == [(2,)]
        with pytest.raises(SchemaSyncError, match="division by zero"):
            db.execute_script("INSERT INTO t VALUES (3); SELECT 1/0")
        assert db.query("SELECT count(*) FROM t") == [(2,)]  # autocommit: the batch failed as a whole


@pytest.mark.mariadb
def test_mariadb_through_pyodbc_runs_the_shipped_script_and_reports_errors(mariadb_db: ServerDB) -> None:
    with _open(mariadb_db.url("mariadb")) as db:
        assert db.driver == "pyodbc"
        db.run_script(db.dialect.read_sql("log_tables.sql"))
        assert db.query("SELECT name, value FROM schema_sync_state ORDER BY name") == [
            ("mode", "poll"),
            ("version", "1"),
        ]
        db.execute_script("SELECT 1")  # a statement with a result set is drained without error
        with pytest.raises(SchemaSyncError, match="doesn't exist"):
            db.execute_script("INSERT INTO no_such_table VALUES (1)")


# --------------------------------------------------------------------------- defect 2: one GO splitter, GO n decided


def test_go_count_repeats_the_batch_as_sqlcmd_does() -> None:
    assert split_batches("INSERT a VALUES (1)\nGO 3\nSELECT 1\n") == ["INSERT a VALUES (1)"] * 3 + ["SELECT 1"]


@pytest.mark.parametrize(
    ("script", "why"),
    [
        ("SELECT 1\nGO 0\n", "positive"),
        ("GO;\nSELECT 1\n", "GO;"),
        ("SELECT 1\nGO 2x\n", "GO 2x"),
        ("SELECT 1\nGO -1\n", "GO -1"),
        ("SELECT 1\n\nGO 100001\n", "100000"),
    ],
)
def test_go_lines_sqlcmd_refuses_are_refused_with_their_line(script: str, why: str) -> None:
    with pytest.raises(SchemaSyncError) as info:
        split_batches(script)
    assert why in info.value.message
    assert "line " in info.value.message


def test_go_with_trailing_comments_still_separates() -> None:
    assert split_batches("SELECT 1\nGO /* done */ -- really\nSELECT 2\nGO 2 /* twice */\n") == [
        "SELECT 1",
        "SELECT 2",
        "SELECT 2",
    ]


def test_no_other_go_splitter_exists_in_the_package() -> None:
    """Only dialects/mssql/batches.py may know what a GO line is; every script runs through Dialect.split_script."""
    import re

    package = Path(__file__).resolve().parents[1] / "mkdocs_schema_sync"
    go_regex = re.compile(r"""re\.(?:compile|split|sub|match|search|fullmatch|finditer)\([^)]*\bgo\b""", re.I)
    offenders = [
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if path.name != "batches.py" and go_regex.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
    callers = [
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if "split_batches" in path.read_text(encoding="utf-8")
    ]
    assert sorted(callers) == ["dialects/mssql/__init__.py", "dialects/mssql/batches.py"]


# --------------------------------------------------------------------------- defect 3: polling on SQL Server


def _norm(sql: str) -> str:
    import re

    sql = re.sub(r"/\*.*?\*/", " ", sql, flags=re.S)
    return " ".join(re.sub(r"--[^\n]*", " ", sql).split())


def test_polling_creates_the_log_tables_from_the_shipped_script() -> None:
    from mkdocs_schema_sync.drift.log import create_log_tables

    raw = RecordingConnection(results_per_batch=1)
    create_log_tables(mssql_db(raw))
    batches = split_batches(read_sql("mssql", "log_tables.sql"))
    assert raw.sent[: len(batches)] == batches
    rest = raw.sent[len(batches) :]
    upsert = [
        "DELETE FROM schema_sync.install_info WHERE name = ?",
        "INSERT INTO schema_sync.install_info (name, value) VALUES (?, ?)",
    ]
    assert rest == upsert * 2  # mode = poll, version = 1
    assert raw.commits == 1


def test_log_tables_sql_is_the_log_part_of_install_sql_batch_for_batch() -> None:
    """Same tables, same columns, same upgrades: every batch of log_tables.sql is a batch of install.sql."""
    install = {_norm(b) for b in split_batches(read_sql("mssql", "install.sql"))}
    log_tables = [_norm(b) for b in split_batches(read_sql("mssql", "log_tables.sql"))]
    assert any("CREATE TABLE schema_sync.drift_log" in b for b in log_tables)
    assert any("CREATE TABLE schema_sync.install_info" in b for b in log_tables)
    assert [b for b in log_tables if b not in install] == []
    for batch in log_tables:  # polling needs neither the trigger nor its user
        assert "TRIGGER" not in batch and "CREATE USER" not in batch


def test_install_info_holds_the_polled_catalog() -> None:
    """Polling stores the last catalog (JSON, far beyond 256 characters) in install_info.value."""
    for name in ("install.sql", "log_tables.sql"):
        code = _norm(read_sql("mssql", name))
        assert "value nvarchar(max) NULL" in code, name
        assert "ALTER TABLE schema_sync.install_info ALTER COLUMN value nvarchar(max) NULL" in code, name


def test_a_polled_sql_server_is_not_taken_for_one_with_triggers(tmp_path: Path) -> None:
    from mkdocs_schema_sync.drift.poller import Poller
    from mkdocs_schema_sync.settings import Settings

    raw = RecordingConnection(results_per_batch=1, answer=poll_answers({"mode": "poll", "version": "1", "signal": "x"}))
    result = Poller(Settings(base_dir=tmp_path)).check(mssql_db(raw))
    assert result.where == "database" and result.checked
    assert "DELETE FROM schema_sync.install_info WHERE name = ?" in raw.sent  # it wrote its poll state


@pytest.mark.parametrize(
    ("state", "installed"),
    [
        ({"mode": "poll", "version": "1"}, False),  # create_log_tables wrote these
        ({"mode": "triggers", "version": "1"}, True),  # install.sql writes both
        ({"version": "1"}, True),  # an install made before install.sql wrote a mode
        ({}, False),  # uninstall.sql removed both
    ],
)
def test_triggers_installed_on_sql_server(state: dict[str, str], installed: bool) -> None:
    assert get_dialect("mssql").triggers_installed(state) is installed


def test_install_marks_triggers_and_uninstall_unmarks_them() -> None:
    install = _norm(read_sql("mssql", "install.sql"))
    assert "UPDATE schema_sync.install_info SET value = N'triggers' WHERE name = 'mode'" in install
    assert "VALUES ('mode', N'triggers')" in install
    uninstall = _norm(read_sql("mssql", "uninstall.sql"))
    assert "DELETE FROM schema_sync.install_info WHERE name IN ('version', 'mode')" in uninstall


# --------------------------------------------------------------------------- defect 4: connection strings


@pytest.mark.parametrize("key", ["driver", "Driver", "DRIVER", "dRiVeR"])
def test_the_users_driver_wins_whatever_the_case_of_the_key(key: str) -> None:
    from mkdocs_schema_sync.db import odbc_pairs

    spec = parse_connection(f"mssql://u:pw12345@db.example/Sales?{key}=ODBC+Driver+17+for+SQL+Server")
    odbc = spec.odbc or ""
    assert odbc.upper().count("DRIVER=") == 1, odbc
    assert odbc_pairs(odbc)["DRIVER"] == "{ODBC Driver 17 for SQL Server}"


def test_an_odbc_keyword_given_twice_in_the_url_is_refused() -> None:
    with pytest.raises(SchemaSyncError, match=r"sets DRIVER twice \(driver=…, Driver=…\): keep one"):
        parse_connection("mssql://u:pw12345@db.example/Sales?driver=FreeTDS&Driver=ODBC+Driver+18+for+SQL+Server")


@pytest.mark.parametrize(
    ("url", "server"),
    [
        (r"mssql://u:pw12345@sql01\SQLEXPRESS/Sales", r"sql01\SQLEXPRESS"),
        ("mssql://u:pw12345@sql01%5CSQLEXPRESS/Sales", r"sql01\SQLEXPRESS"),
        ("mssql://u:pw12345@sql01%5cReporting/Sales", r"sql01\Reporting"),
        # an explicit port wins over SQL Browser (the instance name is then only informative)
        ("mssql://u:pw12345@sql01%5CSQLEXPRESS:14330/Sales", r"sql01\SQLEXPRESS,14330"),
        (r"mssql://u:pw12345@sql01\SQLEXPRESS:1433/Sales", r"sql01\SQLEXPRESS,1433"),
        # a default instance keeps the default port
        ("mssql://u:pw12345@sql01/Sales", "sql01,1433"),
    ],
)
def test_named_instances_are_resolved_by_sql_browser_unless_a_port_is_given(url: str, server: str) -> None:
    from mkdocs_schema_sync.db import odbc_pairs

    spec = parse_connection(url)
    assert odbc_pairs(spec.odbc or "")["SERVER"] == server
    assert server.split(",")[0] in spec.display
    assert "pw12345" not in spec.display


def test_permission_denied_in_sql_servers_words_is_a_permission_problem() -> None:
    """Message 229 and its siblings (300, 262) as SQL Server words them."""
    from mkdocs_schema_sync.db.problems import PERMISSION

    for text in (
        "[42000] [Microsoft][ODBC Driver 18 for SQL Server][SQL Server]The SELECT permission was denied on the "
        "object 'extended_properties', database 'mssqlsystemresource', schema 'sys'. (229) (SQLExecDirectW)",
        "[42000] [Microsoft][ODBC Driver 18 for SQL Server][SQL Server]VIEW SERVER STATE permission was denied "
        "on object 'server', database 'master'. (300) (SQLExecDirectW)",
        "[42000] [Microsoft][ODBC Driver 18 for SQL Server][SQL Server]CREATE TABLE permission denied in "
        "database 'Sales'. (262) (SQLExecDirectW)",
    ):
        assert PERMISSION.search(text), text


def test_a_denied_catalog_read_says_what_permission_to_grant() -> None:
    def deny(sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]] | None:
        raise pyodbc.ProgrammingError(
            "42000",
            "[42000] [Microsoft][ODBC Driver 18 for SQL Server][SQL Server]The SELECT permission was denied on "
            "the object 'objects', database 'mssqlsystemresource', schema 'sys'. (229) (SQLExecDirectW)",
        )

    db = mssql_db(RecordingConnection(answer=deny))
    with pytest.raises(SchemaSyncError) as info:
        db.dialect.read_catalog(db)
    assert info.value.message.startswith("permission denied reading the catalog of mssql://sa:")
    assert "VIEW DEFINITION" in info.value.message


# --------------------------------------------------------------------------- defect 5: untrusted server certificates

#: ODBC Driver 18 on Linux (OpenSSL 3, then 1.1) and on Windows (schannel), as users reported them; see
#: microsoft/mssql-python#362 and https://learn.microsoft.com/en-us/sql/connect/odbc/major-version-differences
#: ("connections are encrypted by default ... a self-signed or otherwise untrusted certificate ... fails").
CERTIFICATE_ERRORS = [
    "[08001] [Microsoft][ODBC Driver 18 for SQL Server]SSL Provider: [error:0A000086:SSL routines::certificate "
    "verify failed:self-signed certificate] (-1) (SQLDriverConnect)",
    "[08001] [Microsoft][ODBC Driver 18 for SQL Server]SSL Provider: [error:1416F086:SSL routines:"
    "tls_process_server_certificate:certificate verify failed:self signed certificate] (-1) (SQLDriverConnect)",
    "[08001] [Microsoft][ODBC Driver 18 for SQL Server]SSL Provider: The certificate chain was issued by an "
    "authority that is not trusted. (-2146893019) (SQLDriverConnect)",
]


@pytest.mark.parametrize("text", CERTIFICATE_ERRORS)
def test_an_untrusted_certificate_names_both_fixes_and_the_risk(text: str) -> None:
    from mkdocs_schema_sync.db.problems import odbc_error_message

    spec = parse_connection(f"mssql://sa:{TEST_PASSWORD}@sql01.corp.example/Sales")
    message = odbc_error_message(spec, pyodbc.OperationalError("08001", text))
    assert message.startswith("cannot connect to mssql://sa:***@sql01.corp.example:1433/Sales: ")
    assert "certificate" in message and "not trusted" in message
    assert "TrustServerCertificate=yes" in message  # the quick way out ...
    assert "man-in-the-middle" in message  # ... and what it costs
    assert "certificate authority" in message  # the real fix
    assert "timed out" not in message and "did not answer" not in message
    assert TEST_PASSWORD not in message
    assert "\n" not in message
