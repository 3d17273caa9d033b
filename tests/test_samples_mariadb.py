"""Public sample databases on MariaDB (sakila, Chinook): the snapshot and the built pages against
information_schema, object by object, and a diff round trip of realistic changes.

Each sample is loaded once per session. The round trip changes sakila and puts it back.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import (
    MARIADB_HOST,
    MARIADB_PORT,
    MARIADB_USER,
    ServerDB,
    Site,
    _mariadb_admin,
    cli,
    mkdocs_build,
    visible_text,
    write_site,
)
from samples import mysql_statements, sample, without_database_statements

from mkdocs_schema_sync.catalog import Catalog
from mkdocs_schema_sync.catalog.diff import diff_catalogs
from mkdocs_schema_sync.db.open import open_database
from mkdocs_schema_sync.db.spec import parse_connection

pytestmark = pytest.mark.mariadb


def _load(sql: str, label: str) -> ServerDB:
    name = f"sstest_{label}_{uuid.uuid4().hex[:8]}"
    conn = _mariadb_admin()
    conn.execute(f"CREATE DATABASE `{name}`")
    conn.close()
    conn = _mariadb_admin(name)
    for statement in mysql_statements(without_database_statements(sql)):
        conn.execute(statement)
    conn.close()
    return ServerDB(name=name, host=MARIADB_HOST, port=MARIADB_PORT, user=MARIADB_USER)


def _drop(db: ServerDB) -> None:
    conn = _mariadb_admin()
    conn.execute(f"DROP DATABASE IF EXISTS `{db.name}`")
    conn.close()


@pytest.fixture(scope="session")
def sakila(mariadb_server: None) -> Iterator[ServerDB]:
    # one view names its tables `sakila.film` …: here they are in the test's database
    db = _load(sample("sakila", "mysql-sakila-schema.sql").replace(" sakila.", " "), "sakila")
    yield db
    _drop(db)


@pytest.fixture(scope="session")
def chinook_mariadb(mariadb_server: None) -> Iterator[ServerDB]:
    db = _load(sample("chinook", "Chinook_MySql_schema.sql"), "chinook")
    yield db
    _drop(db)


@pytest.fixture(scope="session")
def sakila_site(sakila: ServerDB, tmp_path_factory: pytest.TempPathFactory) -> Site:
    site = write_site(tmp_path_factory.mktemp("sakila") / "site", f"connection: {sakila.url('mariadb')}\n")
    assert cli("snapshot", cwd=site.root).returncode == 0
    r = mkdocs_build(site)
    assert r.returncode == 0, r.stderr
    return site


def _read(db: ServerDB) -> Catalog:
    conn = open_database(parse_connection(db.url("mariadb")))
    try:
        return conn.dialect.read_catalog(conn)
    finally:
        conn.close()


def _truth(db: ServerDB, sql: str) -> list[tuple[Any, ...]]:
    conn = _mariadb_admin(db.name)
    try:
        return [tuple(r) for r in conn.execute(sql).fetchall()]
    finally:
        conn.close()


_TABLES = "SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()"
_COLUMNS = """SELECT TABLE_NAME, COLUMN_NAME, IS_NULLABLE = 'YES', COLUMN_TYPE, EXTRA
              FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()
              ORDER BY TABLE_NAME, ORDINAL_POSITION"""
_FKS = """SELECT TABLE_NAME, CONSTRAINT_NAME FROM information_schema.REFERENTIAL_CONSTRAINTS
          WHERE CONSTRAINT_SCHEMA = DATABASE()"""
_PKS = """SELECT TABLE_NAME, GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX) FROM information_schema.STATISTICS
          WHERE TABLE_SCHEMA = DATABASE() AND INDEX_NAME = 'PRIMARY' GROUP BY TABLE_NAME"""
_INDEX_TYPES = """SELECT TABLE_NAME, INDEX_NAME, MIN(INDEX_TYPE) FROM information_schema.STATISTICS
                  WHERE TABLE_SCHEMA = DATABASE() AND INDEX_TYPE <> 'BTREE' GROUP BY TABLE_NAME, INDEX_NAME"""
_TRIGGERS = """SELECT EVENT_OBJECT_TABLE, TRIGGER_NAME, ACTION_TIMING, EVENT_MANIPULATION
               FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()"""
_ROUTINES = "SELECT ROUTINE_NAME, ROUTINE_TYPE FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()"


def _check_against_truth(db: ServerDB, snapshot: dict[str, Any]) -> None:
    objects = snapshot["objects"]
    kinds = {"BASE TABLE": "table", "VIEW": "view"}
    assert {k: o["kind"] for k, o in objects.items()} == {n: kinds[t] for n, t in _truth(db, _TABLES)}
    assert db.name not in json.dumps(snapshot)  # keys are names within the database

    columns: dict[str, list[tuple[str, bool, str, str | None]]] = {}
    for table, col, nullable, type_name, extra in _truth(db, _COLUMNS):
        on_update = extra.split("on update ", 1)[1] if "on update " in extra else None
        columns.setdefault(table, []).append((col, bool(nullable), type_name, on_update))
    for key, obj in objects.items():
        got = [(c["name"], c["nullable"], c["type"], c.get("on_update")) for c in obj["columns"]]
        assert got == columns[key], key

    pks = {t: cols.split(",") for t, cols in _truth(db, _PKS)}
    assert {k: o["primary_key"]["columns"] for k, o in objects.items() if o["primary_key"]} == pks
    fks: dict[str, set[str]] = {}
    for table, name in _truth(db, _FKS):
        fks.setdefault(table, set()).add(name)
    assert {k: {f["name"] for f in o["foreign_keys"]} for k, o in objects.items() if o["foreign_keys"]} == fks
    kinds_of = {(t, n): kind.lower() for t, n, kind in _truth(db, _INDEX_TYPES)}
    got_kinds = {(k, i["name"]): i["method"] for k, o in objects.items() for i in o["indexes"] if "method" in i}
    assert got_kinds == kinds_of

    triggers = {f"{t}.{n}": (timing, event) for t, n, timing, event in _truth(db, _TRIGGERS)}
    got = snapshot.get("triggers", {})
    assert {k: (t["timing"], t["events"][0]) for k, t in got.items()} == triggers
    routines = {(n, t.lower()) for n, t in _truth(db, _ROUTINES)}
    assert {(r["name"], r["kind"]) for r in snapshot.get("routines", {}).values()} == routines


def test_sakila_snapshot_matches_the_catalog(sakila: ServerDB, sakila_site: Site) -> None:
    snapshot = json.loads((sakila_site.root / "schema.lock.json").read_text())
    _check_against_truth(sakila, snapshot)
    on_update = [c for o in snapshot["objects"].values() for c in o["columns"] if c.get("on_update")]
    assert len(on_update) == 15  # every last_update column, which the issue found dropped
    assert snapshot["objects"]["film_text"]["indexes"][0]["method"] == "fulltext"


def test_chinook_mariadb_snapshot_matches_the_catalog(chinook_mariadb: ServerDB) -> None:
    _check_against_truth(chinook_mariadb, _read(chinook_mariadb).canonical())


def test_sakila_pages_show_every_object(sakila: ServerDB, sakila_site: Site) -> None:
    snapshot = json.loads((sakila_site.root / "schema.lock.json").read_text())
    for key, obj in snapshot["objects"].items():
        page = visible_text(sakila_site.html(f"schema/{sakila.name}/{obj['name']}/index.html"))
        for col in obj["columns"]:
            assert col["name"] in page, (key, col["name"])
            if col.get("on_update"):
                assert f"on update {col['on_update']}" in page, key
        for fk in obj["foreign_keys"]:
            assert fk["name"] in page, (key, fk["name"])
        for index in obj["indexes"]:
            assert index["name"] in page and (index.get("method") or "") in page, (key, index["name"])
    for trigger in snapshot["triggers"].values():
        assert trigger["name"] in visible_text(sakila_site.html(f"schema/{sakila.name}/{trigger['table']}/index.html"))


def test_sakila_diff_round_trip(sakila: ServerDB) -> None:
    """Realistic changes, each named and classified; then sakila is put back as it was."""
    before = _read(sakila)
    change = [
        "DROP TRIGGER ins_film",
        "ALTER TABLE film_text DROP INDEX idx_title_description, ADD INDEX idx_title_description (title)",
        "ALTER TABLE actor MODIFY last_update TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP",
        "ALTER TABLE film MODIFY rating ENUM('G','PG','PG-13','R','NC-17','X') DEFAULT 'G'",
    ]
    ins_film = _truth(sakila, "SHOW CREATE TRIGGER ins_film")[0][2]
    undo = [
        ins_film,  # its CREATE TRIGGER, as the server keeps it
        "ALTER TABLE film_text DROP INDEX idx_title_description,"
        " ADD FULLTEXT INDEX idx_title_description (title, description)",
        "ALTER TABLE actor MODIFY last_update TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP",
        "ALTER TABLE film MODIFY rating ENUM('G','PG','PG-13','R','NC-17') DEFAULT 'G'",
    ]
    conn = _mariadb_admin(sakila.name)
    try:
        for statement in change:
            conn.execute(statement)
        changes = {(c.kind, c.where): c for c in diff_catalogs(before, _read(sakila))}
    finally:
        for statement in undo:
            conn.execute(statement)
        conn.close()
    assert diff_catalogs(before, _read(sakila)) == []  # put back
    assert changes[("trigger_removed", f"{sakila.name}.film.ins_film")].breaking
    fulltext = changes[("index_changed", f"{sakila.name}.film_text")]
    assert (fulltext.before["method"], fulltext.after.get("method"), fulltext.breaking) == ("fulltext", None, True)
    on_update = changes[("column_on_update_changed", f"{sakila.name}.actor.last_update")]
    assert on_update.before is not None and on_update.after is None and on_update.breaking
    assert not changes[("column_type_changed", f"{sakila.name}.film.rating")].breaking  # an ENUM value added
