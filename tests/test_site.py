"""Real MkDocs (and ProperDocs) builds into temporary folders."""

from __future__ import annotations

import re
import shutil
from html import unescape
from pathlib import Path

import pytest
from conftest import EXAMPLE, Site, cli, make_sqlite, mkdocs_build, write_site

from mkdocs_schema_sync.db import open_database, parse_connection


@pytest.fixture
def example(tmp_path: Path) -> Site:
    """A copy of example-site/ with its Scout database created from scout.sql, as `make demo` does."""
    root = tmp_path / "example"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("site", "scout.db"))
    make_sqlite(root / "scout.db", (EXAMPLE / "scout.sql").read_text())
    return Site(root)


def text_of(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", html))


def test_example_site_builds_strict_with_every_table_column_and_description(example: Site) -> None:
    before = sorted(p.relative_to(example.docs_dir) for p in example.docs_dir.rglob("*"))
    result = mkdocs_build(example)
    assert result.returncode == 0, result.stderr
    with open_database(parse_connection(f"sqlite:///{example.root / 'scout.db'}")) as db:
        catalog = db.dialect.read_catalog(db)
    assert len(catalog.tables) == 10
    index = text_of(example.html("schema/index.html"))
    for table in catalog.tables:
        assert table.name in index
        page = text_of(example.html(f"schema/main/{table.name}/index.html"))
        for col in table.columns:
            assert col.name in page
            assert col.type in page
            if col.comment:
                assert " ".join(col.comment.split()) in page, (table.name, col.name)
        if table.comment:
            assert table.comment in page
        for fk in table.foreign_keys:
            assert f'href="../{fk.ref_table}/"' in example.html(f"schema/main/{table.name}/index.html")
    # descriptions.yml overlays the views, which have no comments in SQLite
    assert "Interactions and revenue per store and day" in text_of(
        example.html("schema/main/v_daily_store_sales/index.html")
    )
    # nothing was written into docs/
    assert sorted(p.relative_to(example.docs_dir) for p in example.docs_dir.rglob("*")) == before


def nav_links(html: str) -> list[str]:
    nav = re.search(r'<nav class="md-nav md-nav--primary".*?</nav>\s*</div>\s*</div>\s*</div>', html, flags=re.S)
    assert nav is not None
    return re.findall(r'href="([^"]+)"', nav.group(0))


def test_default_nav_keeps_table_pages_out_of_every_pages_nav(example: Site) -> None:
    assert mkdocs_build(example).returncode == 0
    links = nav_links(example.html("schema/architecture/index.html"))
    assert any(link.endswith("main/") or link.endswith("main/er/") for link in links)
    assert not any("stores" in link for link in links)


def test_nav_full_puts_tables_in_the_nav(example: Site) -> None:
    yml = example.root / "mkdocs.yml"
    yml.write_text(
        yml.read_text().replace("      title: Scout database", "      title: Scout database\n      nav: full")
    )
    assert mkdocs_build(example).returncode == 0
    links = nav_links(example.html("schema/architecture/index.html"))
    assert any("stores" in link for link in links)


def test_users_own_nav_keeps_working_and_gets_the_section(tmp_path: Path, scout_db: Path) -> None:
    site = write_site(
        tmp_path / "s",
        f"connection: sqlite:///{scout_db}",
        extra_yaml="nav:\n  - Home: index.md\n",
    )
    result = mkdocs_build(site)
    assert result.returncode == 0, result.stderr
    home = site.html("index.html")
    assert 'href="schema/"' in home or 'href="schema/index.html"' in home or "schema/" in home
    assert "Database schema" in home

    site2 = write_site(
        tmp_path / "s2",
        f"connection: sqlite:///{scout_db}",
        extra_yaml="nav:\n  - Home: index.md\n  - Tables: schema/index.md\n",
    )
    assert mkdocs_build(site2).returncode == 0
    home2 = site2.html("index.html")
    assert "Tables" in home2 and "Database schema</a>" not in home2


def test_properdocs_builds_the_same_site(example: Site) -> None:
    result = mkdocs_build(example, program="properdocs")
    assert result.returncode == 0, result.stderr
    page = text_of(example.html("schema/main/TransactionItems/index.html"))
    assert "CanonicalTxID" in page and "Canonical transaction id of the basket" in page


def test_generate_writes_the_pages_a_build_would_show(example: Site, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = cli("generate", "--out", str(out), cwd=example.root)
    assert result.returncode == 0, result.stderr
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*.md"))
    assert "schema/main/PayloadTransactions.md" in files and "schema/index.md" in files
    assert len(files) == 16  # 10 tables and views, index, er, schema, architecture, contracts, status
    assert mkdocs_build(example).returncode == 0
    built = sorted(
        str(p.relative_to(example.site_dir / "schema")) for p in (example.site_dir / "schema").rglob("index.html")
    )
    assert len(built) == len(files)


def test_table_added_shows_in_next_build(example: Site) -> None:
    assert mkdocs_build(example).returncode == 0
    assert not (example.site_dir / "schema/main/promotions/index.html").exists()
    make_sqlite(example.root / "scout.db", "CREATE TABLE promotions (promo_id INTEGER PRIMARY KEY, title TEXT);")
    assert mkdocs_build(example).returncode == 0
    assert "promo_id" in example.html("schema/main/promotions/index.html")


# ---------------------------------------------------------------- configuration errors


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ("connection: sqlite:///x.db\nbogus_option: 1", "unknown schema-sync option 'bogus_option'"),
        ("connection: oracle://u@h/db", "unknown database type 'oracle'"),
        ("connection: sqlite:///missing.db\non_unreachable: fail", "missing.db does not exist"),
        ("connection: sqlite:///missing.db", "there is no snapshot"),
        ("connection: sqlite:///x.db\nnav: sideways", "nav"),
        ("connection: sqlite:///x.db\ntemplates: no-such-folder", "templates folder"),
        ("connection: sqlite:///x.db\ndescriptions: nope.yml", "descriptions file"),
    ],
)
def test_config_errors_are_one_clear_line(tmp_path: Path, options: str, expected: str) -> None:
    site = write_site(tmp_path / "s", options)
    make_sqlite(site.root / "x.db", "CREATE TABLE t (id INTEGER PRIMARY KEY);")
    result = mkdocs_build(site, strict=False)
    assert result.returncode != 0
    assert expected in result.stderr
    assert "Traceback" not in result.stderr


def test_template_syntax_error_names_the_template(tmp_path: Path) -> None:
    site = write_site(tmp_path / "s", "connection: sqlite:///x.db\ntemplates: tpl")
    make_sqlite(site.root / "x.db", "CREATE TABLE t (id INTEGER PRIMARY KEY);")
    (site.root / "tpl").mkdir()
    (site.root / "tpl" / "table.md.j2").write_text("# {{ table.name \n")
    result = mkdocs_build(site, strict=False)
    assert result.returncode != 0
    assert "table.md.j2" in result.stderr and "Traceback" not in result.stderr


def test_templates_can_be_overridden(tmp_path: Path) -> None:
    site = write_site(tmp_path / "s", "connection: sqlite:///x.db\ntemplates: tpl")
    make_sqlite(site.root / "x.db", "CREATE TABLE t (id INTEGER PRIMARY KEY); -- <b>")
    (site.root / "tpl").mkdir()
    (site.root / "tpl" / "table.md.j2").write_text(
        "# Custom {{ table.name }}\n\nColumns: {{ table.columns | length }}\n"
    )
    assert mkdocs_build(site).returncode == 0
    assert "Custom t" in site.html("schema/main/t/index.html")


def test_a_build_never_creates_objects_in_the_database(example: Site) -> None:
    """Without `install-triggers`, polling at build time keeps its log beside the snapshot, not in the database."""
    import sqlite3

    assert mkdocs_build(example).returncode == 0
    make_sqlite(example.root / "scout.db", "ALTER TABLE stores ADD COLUMN manager TEXT;")
    assert mkdocs_build(example).returncode == 0
    conn = sqlite3.connect(example.root / "scout.db")
    own = conn.execute("SELECT name FROM sqlite_master WHERE name LIKE 'schema_sync%'").fetchall()
    conn.close()
    assert own == []
    assert (example.root / "schema.drift.json").is_file()
    assert "manager" in text_of(example.html("schema/changes/index.html"))
