"""Pages name the database by kind and name only; the connection (masked) only with `show_connection: true`."""

from __future__ import annotations

import re
import socket
from html import unescape
from pathlib import Path

import pytest
from conftest import TEST_PASSWORD, ServerDB, cli, make_sqlite, mkdocs_build, pg_execute, write_site

PAGES = ("index.html", "schema/index.html", "schema/architecture/index.html", "schema/contracts/index.html")
CONTRACTS = "contracts:\n  - name: c\n    protects:\n      - table: t\n        columns:\n          id: {}\n"


def texts(site_dir: Path) -> str:
    """The text and the HTML of every generated page, together (a leak in either counts)."""
    parts = []
    for page in site_dir.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        parts += [html, unescape(re.sub(r"<[^>]+>", " ", html))]
    return "\n".join(parts)


def sqlite_site(tmp_path: Path, options: str = "") -> tuple[Path, Path]:
    db = make_sqlite(tmp_path / "data" / "warehouse.db", "CREATE TABLE t (id INTEGER PRIMARY KEY);")
    site = write_site(tmp_path / "site", f"connection: sqlite:///{db}\n{options}")
    (site.root / "contracts.yml").write_text(CONTRACTS, encoding="utf-8")
    result = mkdocs_build(site)
    assert result.returncode == 0, result.stderr
    return site.site_dir, db


@pytest.fixture(autouse=True)
def _data_dir(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()


def test_pages_show_the_kind_and_name_of_a_sqlite_database_not_its_path(tmp_path: Path) -> None:
    site_dir, db = sqlite_site(tmp_path)
    everything = texts(site_dir)
    assert str(db.parent) not in everything and "sqlite:///" not in everything
    for page in PAGES[1:]:
        assert "SQLite database warehouse" in unescape(re.sub(r"<[^>]+>", "", (site_dir / page).read_text()))


def test_show_connection_prints_the_connection(tmp_path: Path) -> None:
    site_dir, db = sqlite_site(tmp_path, "show_connection: true")
    architecture = unescape(re.sub(r"<[^>]+>", "", (site_dir / "schema/architecture/index.html").read_text()))
    assert f"sqlite:///{db}" in architecture


def test_generate_out_pages_hide_the_connection_too(tmp_path: Path) -> None:
    db = make_sqlite(tmp_path / "data" / "warehouse.db", "CREATE TABLE t (id INTEGER PRIMARY KEY);")
    site = write_site(tmp_path / "site", f"connection: sqlite:///{db}")
    out = tmp_path / "out"
    assert cli("generate", "--out", str(out), cwd=site.root).returncode == 0
    text = "\n".join(p.read_text(encoding="utf-8") for p in out.rglob("*.md"))
    assert str(db.parent) not in text and "SQLite database warehouse" in unescape(text)


@pytest.mark.postgres
def test_pages_of_a_server_database_show_no_host_port_or_user(pg_db: ServerDB, tmp_path: Path) -> None:
    pg_execute(pg_db, "CREATE TABLE t (id integer PRIMARY KEY)")
    url = pg_db.url("postgresql+psycopg")
    site = write_site(tmp_path / "site", f"connection: {url}")
    (site.root / "contracts.yml").write_text(CONTRACTS, encoding="utf-8")
    result = mkdocs_build(site)
    assert result.returncode == 0, result.stderr
    everything = texts(site.site_dir)
    assert f"{pg_db.host}:{pg_db.port}" not in everything and f"{pg_db.user}@" not in everything
    assert f"PostgreSQL database {pg_db.name}" in everything
    assert TEST_PASSWORD not in everything


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_unreachable_notice_does_not_publish_the_address(tmp_path: Path) -> None:
    """Built from the snapshot because the server is down: the notice on every page names no host or port."""
    db = make_sqlite(tmp_path / "data" / "warehouse.db", "CREATE TABLE t (id INTEGER PRIMARY KEY);")
    site = write_site(tmp_path / "site", f"connection: sqlite:///{db}")
    assert cli("snapshot", cwd=site.root).returncode == 0
    port = closed_port()
    yml = site.root / "mkdocs.yml"
    url = f"postgresql+psycopg://scout_reader@127.0.0.1:{port}/warehouse"
    yml.write_text(yml.read_text().replace(f"sqlite:///{db}", url) + "      connect_timeout: 2\n", encoding="utf-8")
    result = mkdocs_build(site, strict=False)
    assert result.returncode == 0, result.stderr
    everything = texts(site.site_dir)
    assert "could not be reached" in everything
    assert f"127.0.0.1:{port}" not in everything and "scout_reader" not in everything
    assert "PostgreSQL database warehouse" in everything


@pytest.mark.parametrize(
    ("connection", "expected"),
    [
        ("sqlite:////srv/data/scout.db", "SQLite database scout"),
        ("postgresql://etl:pw@db.internal:6543/scout?sslmode=require", "PostgreSQL database scout"),
        ("mysql://root@10.0.0.5/shop", "MySQL/MariaDB database shop"),
        ("mssql://sa:pw@sql.corp:1433/dw?driver=ODBC+Driver+18+for+SQL+Server", "SQL Server database dw"),
        ("DRIVER={PostgreSQL Unicode};SERVER=db.internal;DATABASE=scout;UID=etl;PWD=x", "PostgreSQL database scout"),
        ("DRIVER={SQLite3};DATABASE=/srv/data/scout.db", "SQLite database scout"),
        ("DSN=warehouse;UID=etl", "ODBC database warehouse"),
    ],
)
def test_public_name_is_kind_and_database_only(connection: str, expected: str) -> None:
    from mkdocs_schema_sync.db import parse_connection

    spec = parse_connection(connection, Path("/tmp"))
    assert spec.public() == expected
