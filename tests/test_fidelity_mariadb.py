"""MariaDB catalog fidelity (issue 18): index kinds and descending keys, ON UPDATE, and snapshots
that do not depend on the database's name.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import (
    MARIADB_HOST,
    MARIADB_PORT,
    MARIADB_USER,
    ServerDB,
    Site,
    _mariadb_admin,
    cli,
    mariadb_execute,
    mkdocs_build,
    visible_text,
    write_site,
)

from mkdocs_schema_sync.catalog.diff import diff_catalogs
from mkdocs_schema_sync.catalog.snapshot import read_snapshot
from mkdocs_schema_sync.db.open import open_database
from mkdocs_schema_sync.db.spec import parse_connection

pytestmark = pytest.mark.mariadb

SCHEMA = """
CREATE TABLE shop (id int PRIMARY KEY, name varchar(40), notes text, spot geometry NOT NULL,
  last_update timestamp NOT NULL DEFAULT current_timestamp() ON UPDATE current_timestamp(),
  FULLTEXT KEY ft_notes (notes), SPATIAL KEY sp_spot (spot), KEY k_name (name DESC, id)) ENGINE=InnoDB;
CREATE TABLE item (id int PRIMARY KEY, shop_id int, CONSTRAINT fk_shop FOREIGN KEY (shop_id) REFERENCES shop (id));
CREATE TRIGGER item_ins BEFORE INSERT ON item FOR EACH ROW SET NEW.id = NEW.id;
CREATE PROCEDURE noop() SELECT 1
"""


def _url(db: ServerDB) -> str:
    return db.url("mariadb")


@pytest.fixture
def site(mariadb_db: ServerDB, tmp_path: Path) -> Site:
    mariadb_execute(mariadb_db, SCHEMA)
    site = write_site(tmp_path / "site", f"connection: {_url(mariadb_db)}\nconnect_timeout: 5\n")
    assert cli("snapshot", cwd=site.root).returncode == 0
    return site


@pytest.fixture
def twin(mariadb_server: None) -> Iterator[ServerDB]:
    """A second database, named apart, holding the same schema."""
    name = f"sstest_{uuid.uuid4().hex[:10]}_copy"
    conn = _mariadb_admin()
    conn.execute(f"CREATE DATABASE `{name}`")
    conn.close()
    db = ServerDB(name=name, host=MARIADB_HOST, port=MARIADB_PORT, user=MARIADB_USER)
    try:
        mariadb_execute(db, SCHEMA)
        yield db
    finally:
        conn = _mariadb_admin()
        conn.execute(f"DROP DATABASE IF EXISTS `{name}`")
        conn.close()


def _read(db: ServerDB):  # type: ignore[no-untyped-def]
    conn = open_database(parse_connection(_url(db)))
    try:
        return conn.dialect.read_catalog(conn)
    finally:
        conn.close()


def test_index_kinds_desc_keys_and_on_update_recorded_and_shown(site: Site, mariadb_db: ServerDB) -> None:
    shop = json.loads((site.root / "schema.lock.json").read_text())["objects"]["shop"]
    by_name = {i["name"]: i for i in shop["indexes"]}
    assert by_name["ft_notes"]["method"] == "fulltext"
    assert by_name["sp_spot"]["method"] == "spatial"
    assert by_name["k_name"]["options"] == {"0": "DESC"} and "method" not in by_name["k_name"]
    last = next(c for c in shop["columns"] if c["name"] == "last_update")
    assert last["on_update"] == "current_timestamp()"
    assert "on_update" not in next(c for c in shop["columns"] if c["name"] == "name")
    assert mkdocs_build(site).returncode == 0
    page = visible_text(site.html(f"schema/{mariadb_db.name}/shop/index.html"))
    assert "fulltext" in page and "spatial" in page and "name DESC, id" in page
    assert "on update current_timestamp()" in page


def test_fulltext_to_btree_and_on_update_removed_are_breaking(site: Site, mariadb_db: ServerDB) -> None:
    mariadb_execute(
        mariadb_db,
        "ALTER TABLE shop DROP INDEX ft_notes, ADD INDEX ft_notes (notes(20));\n"
        "ALTER TABLE shop MODIFY last_update timestamp NOT NULL DEFAULT current_timestamp()",
    )
    data = json.loads(cli("diff", "--format", "json", cwd=site.root).stdout)
    kinds = {c["kind"]: c for c in data["changes"]}
    assert kinds["index_changed"]["breaking"] is True  # MATCH … AGAINST needs the FULLTEXT index
    assert kinds["column_on_update_changed"]["breaking"] is True
    assert kinds["column_on_update_changed"]["before"] == "current_timestamp()"
    assert kinds["column_on_update_changed"]["after"] is None
    out = cli("diff", cwd=site.root).stdout
    assert "ft_notes USING fulltext (notes) -> ft_notes (notes(20))" in out


def test_two_databases_with_one_schema_do_not_drift(site: Site, mariadb_db: ServerDB, twin: ServerDB) -> None:
    assert diff_catalogs(_read(mariadb_db), _read(twin)) == []
    r = cli("diff", "--to", _url(twin), cwd=site.root)  # the snapshot of one against the other, live
    assert r.returncode == 0, r.stdout + r.stderr
    snapshot = json.loads((site.root / "schema.lock.json").read_text())
    assert "shop" in snapshot["objects"] and "item.item_ins" in snapshot["triggers"]
    assert mariadb_db.name not in json.dumps(snapshot)  # the database's name is no part of it


def test_old_snapshot_with_database_keys_still_reads(
    site: Site, mariadb_db: ServerDB, caplog: pytest.LogCaptureFixture
) -> None:
    live = _read(mariadb_db)
    old = site.root / "old.lock.json"  # written as snapshots were before: every key names a database
    old.write_text(json.dumps(_old_form(live.canonical(), "scout")), "utf-8")
    with caplog.at_level(logging.INFO):
        catalog = read_snapshot(old)
    assert diff_catalogs(catalog, live) == []
    assert sum("keys MySQL/MariaDB objects with their database" in r.getMessage() for r in caplog.records) == 1
    r = cli("diff", "--from", str(old), cwd=site.root)
    assert r.returncode == 0, r.stdout + r.stderr


def _old_form(data: dict, database: str) -> dict:
    """A snapshot as written before issue 18: every key and schema field names the database."""
    out = dict(data)
    for kind in ("objects", "routines", "triggers", "sequences"):
        if kind in data:
            moved = {}
            for key, obj in data[kind].items():
                obj = dict(obj, schema=database)
                for fk in obj.get("foreign_keys", []):
                    fk["ref_schema"] = database
                moved[f"{database}.{key}"] = obj
            out[kind] = moved
    return out


def test_views_do_not_carry_the_database_name(mariadb_db: ServerDB, twin: ServerDB) -> None:
    """Found on sakila: MariaDB writes a view's tables as `db`.`t`, so every view differed between copies."""
    mariadb_execute(mariadb_db, SCHEMA)
    for db in (mariadb_db, twin):
        mariadb_execute(db, "CREATE VIEW shop_names AS SELECT s.name FROM shop s JOIN item i ON i.shop_id = s.id")
    view = _read(mariadb_db).get(mariadb_db.name, "shop_names")
    assert view is not None and view.definition is not None and mariadb_db.name not in view.definition
    assert diff_catalogs(_read(mariadb_db), _read(twin)) == []


def test_virtual_and_stored_generated_columns(mariadb_db: ServerDB, tmp_path: Path) -> None:
    mariadb_execute(mariadb_db, "CREATE TABLE g (a int, v int AS (a + 1) VIRTUAL, s int AS (a * 2) STORED)")
    site = write_site(tmp_path / "site", f"connection: {_url(mariadb_db)}\nconnect_timeout: 5\n")
    assert cli("snapshot", cwd=site.root).returncode == 0
    cols = {c["name"]: c for c in json.loads((site.root / "schema.lock.json").read_text())["objects"]["g"]["columns"]}
    assert (cols["v"]["generated_storage"], cols["s"]["generated_storage"]) == ("virtual", "stored")
    assert "generated_storage" not in cols["a"]
    assert mkdocs_build(site).returncode == 0
    page = visible_text(site.html(f"schema/{mariadb_db.name}/g/index.html"))
    assert "generated (virtual)" in page and "generated (stored)" in page
    mariadb_execute(mariadb_db, "ALTER TABLE g DROP COLUMN v, ADD COLUMN v int AS (a + 1) STORED AFTER a")
    data = json.loads(cli("diff", "--format", "json", cwd=site.root).stdout)
    assert [(c["kind"], c["before"], c["after"], c["breaking"]) for c in data["changes"]] == [
        ("column_generated_storage_changed", "virtual", "stored", False)
    ]


def test_schemas_and_exclude_still_select_from_a_snapshot_without_database_names(
    mariadb_db: ServerDB, tmp_path: Path
) -> None:
    mariadb_execute(mariadb_db, SCHEMA)
    options = f"connection: {_url(mariadb_db)}\nschemas: ['{mariadb_db.name}']\nexclude: ['{mariadb_db.name}.item']\n"
    site = write_site(tmp_path / "site", options)
    assert cli("snapshot", cwd=site.root).returncode == 0
    assert set(json.loads((site.root / "schema.lock.json").read_text())["objects"]) == {"shop"}
    r = cli("diff", cwd=site.root)  # the snapshot's `shop` is the connection's database's
    assert r.returncode == 0, r.stdout + r.stderr
