"""Public sample databases on SQLite (sakila, Chinook): the snapshot and the built pages against
sqlite_master and the pragmas, object by object. Each file is loaded once per session.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from conftest import Site, cli, mkdocs_build, visible_text, write_site
from samples import load_sqlite, sample


@pytest.fixture(scope="session")
def sakila_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return load_sqlite(tmp_path_factory.mktemp("sakila") / "sakila.db", sample("sakila", "sqlite-sakila-schema.sql"))


@pytest.fixture(scope="session")
def chinook_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sql = sample("chinook", "Chinook_Sqlite_schema.sql")
    return load_sqlite(tmp_path_factory.mktemp("chinook") / "chinook.db", sql)


def _site(db: Path) -> Site:
    site = write_site(db.parent / "site", f"connection: sqlite:///{db}\n")
    assert cli("snapshot", cwd=site.root).returncode == 0
    r = mkdocs_build(site)
    assert r.returncode == 0, r.stderr
    return site


def _truth(db: Path) -> dict[str, Any]:
    """What SQLite itself says, per table: columns, primary key, foreign keys, indexes, triggers."""
    conn = sqlite3.connect(db)
    try:
        out: dict[str, Any] = {}
        for name, kind in conn.execute(
            "SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%'"
        ):
            cols = conn.execute(f'PRAGMA table_info("{name}")').fetchall()
            fks: dict[int, list[Any]] = {}
            for fk_id, _seq, ref, col, *_ in conn.execute(f'PRAGMA foreign_key_list("{name}")'):
                fks.setdefault(fk_id, [ref, []])[1].append(col)
            indexes = [
                (row[1], bool(row[2]))
                for row in conn.execute(f'PRAGMA index_list("{name}")')
                if row[3] == "c"  # made by CREATE INDEX (not by a PRIMARY KEY or UNIQUE)
            ]
            out[name] = {
                "kind": kind,
                "columns": [(c[1], " ".join(c[2].split())) for c in cols],
                "pk": [c[1] for c in sorted(cols, key=lambda c: c[5]) if c[5]],
                "fks": sorted((ref, cols) for ref, cols in fks.values()),
                "indexes": sorted(indexes),
            }
        out["triggers"] = {
            f"main.{t}.{n}" for n, t in conn.execute("SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'")
        }
        return out
    finally:
        conn.close()


def _check(db: Path, site: Site) -> dict[str, Any]:
    snapshot = json.loads((site.root / "schema.lock.json").read_text())
    truth = _truth(db)
    triggers = truth.pop("triggers")
    objects = snapshot["objects"]
    assert {o["name"] for o in objects.values()} == truth.keys()
    for obj in objects.values():
        t = truth[obj["name"]]
        assert obj["kind"] == t["kind"]
        assert [(c["name"], c["type"]) for c in obj["columns"]] == t["columns"], obj["name"]
        assert (obj["primary_key"] or {"columns": []})["columns"] == t["pk"], obj["name"]
        assert sorted((f["ref_table"], f["columns"]) for f in obj["foreign_keys"]) == t["fks"], obj["name"]
        assert sorted((i["name"], i["unique"]) for i in obj["indexes"]) == t["indexes"], obj["name"]
        page = visible_text(site.html(f"schema/main/{obj['name']}/index.html"))
        for col in obj["columns"]:
            assert col["name"] in page, (obj["name"], col["name"])
        for fk in obj["foreign_keys"]:
            assert fk["ref_table"] in page and (fk["name"] or "") in page, obj["name"]
        for index in obj["indexes"]:
            assert index["name"] in page, (obj["name"], index["name"])
    assert set(snapshot.get("triggers", {})) == triggers
    return snapshot


def test_sakila_sqlite_matches_sqlite_itself(sakila_sqlite: Path) -> None:
    snapshot = _check(sakila_sqlite, _site(sakila_sqlite))
    assert len(snapshot["triggers"]) > 0 and len(snapshot["objects"]) >= 16


def test_chinook_sqlite_matches_sqlite_itself(chinook_sqlite: Path) -> None:
    snapshot = _check(chinook_sqlite, _site(chinook_sqlite))
    assert snapshot["objects"]["main.Album"]["primary_key"]["columns"] == ["AlbumId"]
