"""A snapshot as a folder (catalog.snapshot_dir): one file per object and an index, the same catalog and
hashes as the one-file snapshot, safe file names for any key, and a folder that does not hold what its
index lists is refused with a message that says what to do."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import cli, make_sqlite, mkdocs_build, write_site
from test_catalog_objects import hostile_catalog, sample
from test_snapshot_text import CATALOGS, dotted

from mkdocs_schema_sync.catalog import Catalog, Column, Table
from mkdocs_schema_sync.catalog.snapshot import read_snapshot, snapshot_exists, write_snapshot
from mkdocs_schema_sync.catalog.snapshot_dir import INDEX, entry_path, file_name, files_of, is_folder
from mkdocs_schema_sync.catalog.snapshot_text import SnapshotText
from mkdocs_schema_sync.errors import SchemaSyncError


def test_the_path_says_the_layout() -> None:
    assert not is_folder(Path("schema.lock.json")) and not is_folder(Path("docs/Schema.JSON"))
    assert is_folder(Path("schema-lock")) and is_folder(Path("schema.lock"))


@pytest.mark.parametrize("catalog", CATALOGS, ids=["sample", "hostile", "dotted", "empty"])
def test_a_folder_holds_the_same_catalog_as_the_file(tmp_path: Path, catalog: Catalog) -> None:
    folder, single = tmp_path / "schema-lock", tmp_path / "schema.lock.json"
    assert write_snapshot(catalog, folder) and write_snapshot(catalog, single)
    assert not write_snapshot(catalog, folder)  # unchanged: nothing written
    back = read_snapshot(folder)
    assert back.to_json() == single.read_text(encoding="utf-8") == catalog.to_json()
    assert back.sha256() == catalog.sha256() == read_snapshot(single).sha256()
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert files == sorted(files_of(SnapshotText.of(catalog)))
    keys = {t.key for t in catalog.tables}  # (`s.x`.`t.y` and `s`.`x.t.y` share a key: one entry, as in the file)
    assert len(files) == 1 + len(keys) + sum(len(m) for m in catalog.kind_maps().values())
    for rel in files:  # every file UTF-8 JSON (a lone surrogate written as its escape)
        json.loads((folder / rel).read_bytes().decode("utf-8"))


def test_file_names_are_safe_distinct_and_case_insensitively_distinct() -> None:
    keys = [t.key for t in hostile_catalog().tables + dotted().tables] + [
        "public.orders",
        "public.Orders",
        "public.ORDERS",
        '"; DROP TABLE x; --',
        "../../etc/passwd",
        "a/b\\c",
        "con",
        "NUL.txt",
        "main.x" + "y" * 300,
        "main.x" + "y" * 301,
        "half \ud800 of a pair",
        "snapshot",
        "dbo.f(int, text)",
    ]
    names = [file_name(k) for k in keys]
    assert len({n.lower() for n in names}) == len(set(keys))  # no two keys share a file, whatever the case
    assert file_name("public.orders") == "public.orders.json"  # a plain key is its own name
    for name in names:
        assert name.endswith(".json") and len(name.encode()) <= 160
        assert all(c.isascii() and (c.isalnum() or c in "_.$~-") for c in name), name
        assert (not name.startswith(".") and name.islower()) or name == name.lower()
    assert file_name("con").startswith("con~") and file_name("NUL.txt").startswith("nul.txt~")
    assert entry_path("routines", "dbo.f(int, text)").startswith("routines/dbo.f_int_text~")


def test_a_change_rewrites_its_file_and_the_index_and_a_dropped_table_loses_its_file(tmp_path: Path) -> None:
    folder = tmp_path / "lock"
    catalog = dotted()
    write_snapshot(catalog, folder)
    before = {p: p.read_text(encoding="utf-8") for p in folder.rglob("*.json")}
    changed, dropped = catalog.get("other", "t"), catalog.get("s", "t")
    assert changed is not None and dropped is not None
    gone = [entry_path("triggers", t.key) for t in catalog.triggers if t.table_key == dropped.key]
    assert gone  # its trigger's file goes with it
    changed.columns.append(Column("added", "text"))
    catalog = Catalog(
        dialect=catalog.dialect,
        tables=[t for t in catalog.tables if t is not dropped],
        schema_comments=catalog.schema_comments,
        triggers=[t for t in catalog.triggers if t.table_key != dropped.key],
    )
    assert write_snapshot(catalog, folder)
    after = {p: p.read_text(encoding="utf-8") for p in folder.rglob("*.json")}
    differ = {p.relative_to(folder).as_posix() for p in before.keys() | after.keys() if before.get(p) != after.get(p)}
    assert differ == {INDEX, entry_path("objects", changed.key), entry_path("objects", dropped.key), *gone}
    assert not (folder / entry_path("objects", dropped.key)).exists()
    assert read_snapshot(folder).sha256() == catalog.sha256()


def _written(tmp_path: Path) -> tuple[Path, Catalog]:
    folder = tmp_path / "lock"
    catalog = sample()
    write_snapshot(catalog, folder)
    return folder, catalog


def test_a_folder_that_does_not_hold_what_its_index_lists_is_refused(tmp_path: Path) -> None:
    folder, catalog = _written(tmp_path)
    one = folder / entry_path("objects", catalog.tables[0].key)

    text = one.read_text(encoding="utf-8")
    one.write_text(text.replace('"sha256": "', '"sha256": "0', 1), encoding="utf-8")
    with pytest.raises(SchemaSyncError, match=r"inconsistent.*take the snapshot again"):
        read_snapshot(folder)
    one.write_text(text, encoding="utf-8")
    read_snapshot(folder)

    (folder / "objects" / "stray.json").write_text("{}", encoding="utf-8")  # a file the index does not list
    with pytest.raises(SchemaSyncError, match=r"does not hold the files its snapshot\.json lists"):
        read_snapshot(folder)
    (folder / "objects" / "stray.json").unlink()
    one.unlink()  # a file the index lists is missing (a write that stopped half-way)
    with pytest.raises(SchemaSyncError, match="does not hold the files"):
        read_snapshot(folder)

    (folder / INDEX).write_text('{"format": 1}', encoding="utf-8")
    with pytest.raises(SchemaSyncError, match="is not the index of a snapshot folder"):
        read_snapshot(folder)
    (folder / INDEX).unlink()
    assert snapshot_exists(folder)  # the folder is there, without an index
    with pytest.raises(SchemaSyncError, match=r"has no snapshot\.json"):
        read_snapshot(folder)


def test_a_file_where_a_folder_is_named_and_the_other_way_round_are_refused(tmp_path: Path) -> None:
    catalog = Catalog(dialect="sqlite", tables=[Table("main", "t", columns=[Column("id", "integer")])])
    (tmp_path / "lock").write_text("not a folder", encoding="utf-8")
    with pytest.raises(SchemaSyncError, match=r"is a file; a path not ending in \.json names a folder"):
        write_snapshot(catalog, tmp_path / "lock")
    (tmp_path / "x.json").mkdir()
    with pytest.raises(SchemaSyncError, match=r"is a folder; a path ending in \.json names one file"):
        write_snapshot(catalog, tmp_path / "x.json")
    assert not snapshot_exists(tmp_path / "lock") and not snapshot_exists(tmp_path / "x.json")
    assert (tmp_path / "lock").read_text(encoding="utf-8") == "not a folder"  # nothing lost

    docs = tmp_path / "docs"  # `snapshot: docs` by mistake: a folder of someone's files, never emptied
    (docs / "objects").mkdir(parents=True)
    (docs / "objects" / "mine.json").write_text("{}", encoding="utf-8")
    with pytest.raises(SchemaSyncError, match=r"already holds files and no snapshot\.json"):
        write_snapshot(catalog, docs)
    assert (docs / "objects" / "mine.json").read_text(encoding="utf-8") == "{}"


def test_snapshot_diff_and_an_offline_build_with_a_snapshot_folder(tmp_path: Path) -> None:
    """As a user runs it: `snapshot` writes the folder, `diff` compares with it, and a build with the
    database gone shows the folder's catalog with the offline notice."""
    db = make_sqlite(tmp_path / "app.db", "CREATE TABLE orders (id INTEGER PRIMARY KEY, total REAL);")
    site = write_site(tmp_path / "site", f"connection: sqlite:///{db}\nsnapshot: schema-lock")
    r = cli("snapshot", cwd=site.root)
    assert r.returncode == 0 and "wrote" in r.stdout and "schema-lock" in r.stdout, r.stderr
    assert (site.root / "schema-lock" / "objects" / "main.orders.json").is_file()
    assert cli("diff", cwd=site.root).returncode == 0  # no drift
    make_sqlite(db, "ALTER TABLE orders ADD COLUMN note TEXT;")
    r = cli("diff", cwd=site.root)
    assert r.returncode == 1 and "main.orders.note" in r.stdout, r.stdout + r.stderr
    r = cli("diff", "--from", "schema-lock", "--to", "schema-lock", cwd=site.root)
    assert r.returncode == 0, r.stdout + r.stderr

    db.unlink()  # the database is gone: the pages come from the folder
    r = mkdocs_build(site, strict=False)
    assert r.returncode == 0, r.stderr
    page = site.html("schema/main/orders/index.html")
    assert "These pages show the snapshot schema-lock of" in page
    assert "<td><strong>total</strong></td>" in page and "<td><strong>note</strong></td>" not in page

    (site.root / "schema-lock" / "objects" / "main.orders.json").unlink()  # a damaged folder: one clear line
    r = cli("diff", cwd=site.root)
    assert r.returncode == 2 and "does not hold the files its snapshot.json lists" in r.stderr, r.stderr


def test_snapshot_suggests_a_folder_for_a_large_catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from mkdocs_schema_sync.cli import drift
    from mkdocs_schema_sync.cli.main import main

    db = make_sqlite(tmp_path / "app.db", "CREATE TABLE a (id INTEGER); CREATE TABLE b (id INTEGER);")
    site = write_site(tmp_path / "site", f"connection: sqlite:///{db}")
    monkeypatch.chdir(site.root)
    monkeypatch.setattr(drift, "FOLDER_HINT", 2)
    result = CliRunner().invoke(main, ["snapshot"])
    assert result.exit_code == 0 and "set `snapshot: schema.lock`" in result.stderr, result.output
    assert "note:" not in result.stdout  # stdout stays the one line scripts read
    monkeypatch.setattr(drift, "FOLDER_HINT", 3)
    result = CliRunner().invoke(main, ["snapshot"])
    assert result.exit_code == 0 and "note:" not in result.output
