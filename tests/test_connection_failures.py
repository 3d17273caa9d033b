"""A wrong password or a wrong path is a mistake, not an outage: the build fails with one line instead of
publishing the snapshot. Only a server that cannot be reached falls back (real servers, real builds)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import (
    TEST_PASSWORD,
    PrivatePostgres,
    ServerDB,
    cli,
    free_port,
    make_sqlite,
    mkdocs_build,
    write_site,
)

from mkdocs_schema_sync.db import open_database, parse_connection
from mkdocs_schema_sync.errors import ConnectError, Unreachable


def site_with_snapshot(root: Path, good: str, bad: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    """A site whose snapshot was taken through `good`, then pointed at `bad`."""
    site = write_site(root, "connection: !ENV SS_TEST_CONNECTION\nconnect_timeout: 5")
    result = cli("snapshot", cwd=site.root, env={"SS_TEST_CONNECTION": good})
    assert result.returncode == 0, result.stderr
    return site, {"SS_TEST_CONNECTION": bad, **(env or {})}


def assert_refused(site, env: dict[str, str], expected: str) -> None:  # type: ignore[no-untyped-def]
    for strict in (False, True):
        result = mkdocs_build(site, strict=strict, env=env)
        assert result.returncode != 0, result.stderr
        assert expected in result.stderr and "Traceback" not in result.stderr
        assert "not an outage" in result.stderr
        assert not (site.site_dir / "schema" / "index.html").exists()
    result = cli("diff", cwd=site.root, env=env)
    assert result.returncode == 2 and expected in result.stderr


@pytest.mark.mariadb
def test_wrong_mariadb_password_fails_the_build(tmp_path: Path, mariadb_db: ServerDB) -> None:
    from conftest import mariadb_execute

    mariadb_execute(mariadb_db, "CREATE TABLE t (id INT PRIMARY KEY)")
    good = mariadb_db.url("mariadb")
    bad = mariadb_db.url("mariadb", password=TEST_PASSWORD.replace("!", "%21"))
    site, env = site_with_snapshot(tmp_path / "s", good, bad)
    assert_refused(site, env, "wrong user name or password")


@pytest.mark.postgres
@pytest.mark.parametrize("scheme", ["postgresql", "postgresql+psycopg"])
def test_wrong_postgres_password_fails_the_build(tmp_path: Path, private_pg: PrivatePostgres, scheme: str) -> None:
    private_pg.admin("CREATE TABLE t (id int PRIMARY KEY)")
    good = private_pg.url(scheme)
    bad = private_pg.url(scheme, password="not-the-password")
    site, env = site_with_snapshot(tmp_path / "s", good, bad)
    assert_refused(site, env, "wrong user name or password")


@pytest.mark.postgres
def test_unknown_postgres_database_fails_the_build(tmp_path: Path, pg_db: ServerDB) -> None:
    from conftest import pg_execute

    pg_execute(pg_db, "CREATE TABLE t (id int PRIMARY KEY)")
    site, env = site_with_snapshot(tmp_path / "s", pg_db.url("postgresql"), pg_db.url("postgresql") + "_typo")
    assert_refused(site, env, "database does not exist")


def test_a_file_that_is_not_sqlite_fails_the_build(tmp_path: Path) -> None:
    db = make_sqlite(tmp_path / "app.db", "CREATE TABLE t (id INTEGER PRIMARY KEY);")
    notes = tmp_path / "notes.txt"
    notes.write_text("just some notes, not a database\n" * 100)
    site, env = site_with_snapshot(tmp_path / "s", f"sqlite:///{db}", f"sqlite:///{notes}")
    assert_refused(site, env, "not a SQLite database")


def test_a_missing_odbc_driver_fails_the_build(tmp_path: Path) -> None:
    db = make_sqlite(tmp_path / "app.db", "CREATE TABLE t (id INTEGER PRIMARY KEY);")
    # the mssql extra brings ODBC Driver 18 (tests/test_mssql_driver.py); Driver 17 is really missing here
    missing = f"mssql://sa:{TEST_PASSWORD}@127.0.0.1/app?driver=ODBC+Driver+17+for+SQL+Server"
    site, env = site_with_snapshot(tmp_path / "s", f"sqlite:///{db}", missing)
    assert_refused(site, env, "is not installed")


def test_an_unreachable_server_still_falls_back_even_under_strict(tmp_path: Path) -> None:
    db = make_sqlite(tmp_path / "app.db", "CREATE TABLE t (id INTEGER PRIMARY KEY);")
    site, env = site_with_snapshot(tmp_path / "s", f"sqlite:///{db}", f"postgresql://u@127.0.0.1:{free_port()}/x")
    result = mkdocs_build(site, strict=True, env=env)
    assert result.returncode == 0, result.stderr
    assert "Not the live database" in site.html("schema/index.html")


def test_error_classes() -> None:
    with pytest.raises(Unreachable):
        open_database(parse_connection(f"postgresql+psycopg://u@127.0.0.1:{free_port()}/x", timeout=3))
    with pytest.raises(ConnectError) as err:
        open_database(
            parse_connection(f"mssql://sa:{TEST_PASSWORD}@127.0.0.1/app?driver=ODBC+Driver+17+for+SQL+Server")
        )
    assert not isinstance(err.value, Unreachable)
