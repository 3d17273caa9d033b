"""Page addresses (README "Page addresses"): unique by construction, bounded, README/index reserved,
a real collision a hard error, and a `generate` stopped half-way still records what it wrote."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from conftest import cli, make_sqlite, mkdocs_build, write_site

from mkdocs_schema_sync.catalog import Catalog, Table
from mkdocs_schema_sync.errors import SchemaSyncError
from mkdocs_schema_sync.render.pages import Paths
from mkdocs_schema_sync.render.slugs import MAX_SLUG, short_hash, slugs


def test_a_name_spelled_like_another_ones_slug_gets_its_own_page(tmp_path: Path) -> None:
    """`a b` becomes a-b-<hash>; a table literally named so must not overwrite it (nor a schema)."""
    twin = f"a-b-{short_hash('a b')}"
    assert slugs(["a b"])["a b"] == twin
    sql = (
        f'CREATE TABLE "a b" (victim INTEGER); CREATE TABLE "{twin}" (attacker INTEGER);'
        'CREATE TABLE "README" (r INTEGER); CREATE TABLE "Index" (i INTEGER);'
    )
    db = make_sqlite(tmp_path / "s.db", sql)
    out = tmp_path / "out"
    site = write_site(tmp_path / "site", f"connection: sqlite:///{db}")
    result = cli("generate", "--out", str(out), cwd=site.root)
    assert result.returncode == 0, result.stderr
    pages = {p.relative_to(out).as_posix(): p.read_text(encoding="utf-8") for p in out.rglob("*.md")}
    tables = {k: v for k, v in pages.items() if k.startswith("schema/main/") and Path(k).stem not in ("index", "er")}
    victim = [k for k, v in tables.items() if "victim" in v]
    attacker = [k for k, v in tables.items() if "attacker" in v]
    assert len(victim) == 1 and len(attacker) == 1 and victim != attacker, sorted(pages)
    assert "readme" not in {Path(k).stem.lower() for k in pages}  # MkDocs would make it the folder's index
    assert sum(1 for k in pages if k.startswith("schema/main/readme-") or k.startswith("schema/main/README-")) == 1
    assert sum(1 for k in pages if k.lower().startswith("schema/main/index-")) == 1
    built = mkdocs_build(site)
    assert built.returncode == 0, built.stderr


def test_schemas_and_case_twins_never_share_a_folder() -> None:
    """PostgreSQL names are case-sensitive; a reader's disk may not be: C-D and c-d get a page each."""
    twin = f"my-schema-{short_hash('my schema')}"
    catalog = Catalog(
        dialect="postgresql",
        tables=[Table("my schema", "t"), Table(twin, "t"), Table("s", "C-D"), Table("s", "c-d"), Table("s", "readme")],
    )
    paths = Paths(catalog, "schema")
    files = [paths.table(t).lower() for t in catalog.tables]
    assert len(set(files)) == len(files), files
    assert not any(f.endswith("/readme.md") for f in files)


def test_long_names_get_bounded_file_names_and_build(tmp_path: Path) -> None:
    """252+ bytes used to fail `generate` (file name too long), 256+ `mkdocs build` with a traceback."""
    long_names = ["t" * 300, "é" * 200, "x" * (MAX_SLUG + 1)]
    db = make_sqlite(tmp_path / "s.db", "".join(f'CREATE TABLE "{n}" (id INTEGER);' for n in long_names))
    site = write_site(tmp_path / "site", f"connection: sqlite:///{db}")
    out = tmp_path / "out"
    result = cli("generate", "--out", str(out), cwd=site.root)
    assert result.returncode == 0, result.stderr
    stems = [p.stem for p in (out / "schema" / "main").glob("*.md")]
    assert len(stems) == len(long_names) + 2  # tables, the schema's index and ER pages
    assert max(len(s) for s in stems) <= MAX_SLUG
    built = mkdocs_build(site)
    assert built.returncode == 0, built.stderr


def _colliding_pair() -> tuple[str, str]:
    """Two names with one readable part (`a-b`) and the same six hex digits of hash."""
    seen: dict[str, str] = {}
    for code in range(0x100, 0x30000):
        name = f"a{chr(code)}b"
        if 0xD800 <= code < 0xE000:
            continue
        other = seen.setdefault(short_hash(name), name)
        if other != name:
            return other, name
    raise AssertionError("no collision found")


def test_a_collision_that_still_happens_is_a_hard_error_naming_both() -> None:
    first, second = _colliding_pair()
    with pytest.raises(SchemaSyncError) as info:
        Paths(Catalog(dialect="sqlite", tables=[Table("main", first), Table("main", second)]), "schema")
    message = info.value.message
    assert repr(first) in message and repr(second) in message and "share one page" in message


def test_generate_stopped_half_way_records_the_pages_it_wrote(tmp_path: Path) -> None:
    db = make_sqlite(tmp_path / "s.db", "CREATE TABLE a (id INTEGER); CREATE TABLE zz (id INTEGER);")
    site = write_site(tmp_path / "site", f"connection: sqlite:///{db}")
    out = tmp_path / "out"
    (out / "schema" / "main" / "zz.md").mkdir(parents=True)  # a folder where the page goes: the write fails
    failed = cli("generate", "--out", str(out), cwd=site.root)
    assert failed.returncode != 0 and "cannot write the pages" in failed.stderr, failed.stderr
    assert (out / "schema" / "main" / "a.md").is_file()
    manifest = next(out.glob(".*.json"))
    assert "schema/main/a.md" in json.loads(manifest.read_text())["pages"]

    (out / "schema" / "main" / "zz.md").rmdir()
    with sqlite3.connect(db) as conn:
        conn.execute("DROP TABLE a")
    again = cli("generate", "--out", str(out), cwd=site.root)
    assert again.returncode == 0, again.stderr
    assert not (out / "schema" / "main" / "a.md").exists()  # the dropped table's page, written half-way, is gone
