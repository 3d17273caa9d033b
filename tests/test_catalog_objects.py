"""Every catalog object SQLite has, and the model of the new kinds without a database.

SQLite has triggers (on tables, and INSTEAD OF on views) and constraints; a
`-- comment` after a table constraint or on a trigger's first lines is its
description. It has no routines, types, sequences or partitions. The site builds
under --strict with the triggers on their tables' pages; `diff` names a dropped
trigger and shows a changed trigger body; polling sees both.
"""

from __future__ import annotations

import html
import json
import re
import sqlite3
from pathlib import Path

from conftest import ROOT, cli, make_sqlite, mkdocs_build, visible_text, write_site

from mkdocs_schema_sync.catalog import Catalog, Column, Routine, Sequence, Table, Trigger, UserType
from mkdocs_schema_sync.catalog.descriptions import load_descriptions
from mkdocs_schema_sync.catalog.diff import apply_changes, diff_catalogs
from mkdocs_schema_sync.catalog.snapshot import read_snapshot
from mkdocs_schema_sync.db import open_database, parse_connection
from mkdocs_schema_sync.settings import Settings, select_tables

SHOP = """
CREATE TABLE orders ( -- Customer orders.
    id INTEGER PRIMARY KEY,
    status TEXT NOT NULL DEFAULT 'new',
    total DECIMAL(10,2) NOT NULL DEFAULT 0,
    CONSTRAINT ck_total CHECK (total >= 0), -- Totals are never negative.
    CONSTRAINT ck_status CHECK (status IN ('new', 'paid', 'shipped'))
);
CREATE TABLE lines (
    order_id INTEGER NOT NULL,
    line_no INTEGER NOT NULL,
    qty INTEGER NOT NULL,
    PRIMARY KEY (order_id, line_no), -- One row per line of an order.
    FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE CASCADE, -- Lines die with their order.
    UNIQUE (order_id, qty) -- An odd rule, for the test.
);
CREATE TABLE audit (id INTEGER PRIMARY KEY, order_id INTEGER, note TEXT);
CREATE TRIGGER trg_audit -- Writes the audit row.
AFTER INSERT ON orders
BEGIN
    INSERT INTO audit (order_id, note) VALUES (NEW.id, 'new');
END;
CREATE TRIGGER trg_total BEFORE UPDATE OF total ON orders FOR EACH ROW WHEN NEW.total < 0
BEGIN
    SELECT RAISE(ABORT, 'negative total');
END;
CREATE VIEW v_orders AS SELECT id, total FROM orders;
CREATE TRIGGER trg_v_insert INSTEAD OF INSERT ON v_orders
BEGIN
    INSERT INTO orders (id, total) VALUES (NEW.id, NEW.total);
END;
"""


def read(path: Path) -> Catalog:
    with open_database(parse_connection(f"sqlite:///{path}")) as db:
        return db.dialect.read_catalog(db)


def test_sqlite_triggers_and_constraint_comments(tmp_path: Path) -> None:
    cat = read(make_sqlite(tmp_path / "shop.db", SHOP))
    by_key = {t.key: t for t in cat.triggers}
    assert sorted(by_key) == ["main.orders.trg_audit", "main.orders.trg_total", "main.v_orders.trg_v_insert"]
    audit = by_key["main.orders.trg_audit"]
    assert (audit.timing, audit.events, audit.level, audit.comment) == (
        "AFTER",
        ["INSERT"],
        "ROW",
        "Writes the audit row.",
    )
    total = by_key["main.orders.trg_total"]
    assert (total.timing, total.events) == ("BEFORE", ["UPDATE OF total"])
    assert by_key["main.v_orders.trg_v_insert"].timing == "INSTEAD OF"
    orders, lines = cat.get("main", "orders"), cat.get("main", "lines")
    assert {c.name: c.comment for c in orders.checks} == {"ck_total": "Totals are never negative.", "ck_status": None}
    assert lines.primary_key.comment == "One row per line of an order."
    assert lines.foreign_keys[0].comment == "Lines die with their order."
    assert lines.uniques[0].comment == "An odd rule, for the test."
    assert orders.column("id").identity  # INTEGER PRIMARY KEY: the rowid


def test_sqlite_site_diff_and_polling(tmp_path: Path) -> None:
    db = make_sqlite(tmp_path / "shop.db", SHOP)
    site = write_site(tmp_path / "site", f"connection: sqlite:///{db}")
    r = mkdocs_build(site)
    assert r.returncode == 0, r.stderr
    orders = html.unescape(site.html("schema/main/orders/index.html"))
    assert re.search(
        r"<td>trg_audit</td>\s*<td>AFTER</td>\s*<td>INSERT</td>\s*<td>ROW</td>\s*<td>its body, below</td>", orders
    )
    assert "Writes the audit row." in orders and "Totals are never negative." in orders
    assert "INSERT INTO audit (order_id, note) VALUES (NEW.id, 'new');" in visible_text(
        orders
    )  # the body, in a code block
    assert "trg_v_insert" in html.unescape(site.html("schema/main/v_orders/index.html"))
    assert "trg_v_insert" not in orders
    assert not (site.site_dir / "schema/main/routines").exists()  # nothing to list: no empty pages

    assert cli("snapshot", cwd=site.root).returncode == 0
    assert cli("monitor", "--once", cwd=site.root).returncode == 0  # baseline of the polled log
    conn = sqlite3.connect(db)
    conn.executescript(
        "DROP TRIGGER trg_audit;"
        "DROP TRIGGER trg_total;"
        "CREATE TRIGGER trg_total BEFORE UPDATE OF total ON orders FOR EACH ROW WHEN NEW.total < 0\n"
        "BEGIN\n    SELECT RAISE(ABORT, 'a total cannot be negative');\nEND;"
    )
    conn.close()
    out = cli("diff", cwd=site.root)
    assert out.returncode == 1
    assert "BREAKING  trigger removed: main.orders.trg_audit (AFTER INSERT FOR EACH ROW)" in out.stdout
    assert "additive  trigger changed: main.orders.trg_total" in out.stdout
    assert "+    SELECT RAISE(ABORT, 'a total cannot be negative');" in out.stdout
    # `diff` read the live database, so it polled too: the drift log beside the snapshot has both triggers
    assert cli("monitor", "--once", cwd=site.root).returncode == 0
    log = json.loads((site.root / "schema.drift.json").read_text())
    rows = {(e["event_type"], e["object_type"], e["schema_name"], e["object_name"]) for e in log["entries"]}
    assert rows == {
        ("DROP TRIGGER", "trigger", "main", "trg_audit on orders"),
        ("ALTER TRIGGER", "trigger", "main", "trg_total on orders"),
    }


def test_snapshot_of_a_database_without_the_new_kinds_is_unchanged(scout_db: Path, tmp_path: Path) -> None:
    """Written before routines, triggers, types and sequences existed in the model: not one byte moves."""
    golden = ROOT / "tests" / "golden" / "scout.sqlite.lock.json"
    assert read(scout_db).to_json() == golden.read_text(encoding="utf-8")


def sample() -> Catalog:
    return Catalog(
        dialect="postgresql",
        tables=[Table("s", "t", columns=[Column("id", "integer"), Column("m", "mood")])],
        routines=[
            Routine("s", "f", signature="integer", arguments="a integer", returns="integer", definition="SELECT 1"),
            Routine("s", "f", signature="text", arguments="a text", returns="text"),
            Routine("ext", "g", extension="pgcrypto"),
        ],
        triggers=[Trigger("s", "t", "trg", "AFTER", ["INSERT"], function="s.f()")],
        types=[UserType("s", "mood", "enum", values=["a", "b"])],
        sequences=[Sequence("s", "seq", owned_by="s.t.id")],
    )


def test_each_object_has_its_own_hash_and_unchanged_ones_do_not_move() -> None:
    before = sample()
    after = sample()
    after.routine("s.f(integer)").definition = "SELECT 2"  # type: ignore[union-attr]
    old, new = before.object_hashes(), after.object_hashes()
    assert {k for k in old if old[k] != new[k]} == {"routines:s.f(integer)"}
    assert len(old) == 7 and before.sha256() != after.sha256()
    again = Catalog.from_canonical(json.loads(before.to_json()))
    assert again.object_hashes() == old and again.to_json() == before.to_json()


def test_old_snapshots_called_a_serial_an_identity(tmp_path: Path) -> None:
    """A snapshot written before sequences were read has identity: true beside a nextval() default."""
    data = json.loads((ROOT / "tests" / "golden" / "scout.postgres.lock.json").read_text())
    column = data["objects"]["public.stores"]["columns"][0]
    column.update(identity=True, default="nextval('stores_store_id_seq'::regclass)")
    path = tmp_path / "old.lock.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    col = read_snapshot(path).get("public", "stores").columns[0]
    assert col.identity is False and col.default.startswith("nextval(")


def test_extension_objects_are_hidden_or_kept() -> None:
    cat = sample()
    hidden = select_tables(cat, Settings(base_dir=Path(".")))
    assert [r.key for r in hidden.routines] == ["s.f(integer)", "s.f(text)"]
    kept = select_tables(cat, Settings(base_dir=Path("."), extension_objects="separate"))
    assert "ext.g()" in {r.key for r in kept.routines} and "ext" in kept.schemas
    only_t = select_tables(cat, Settings(base_dir=Path("."), exclude=["t"]))
    assert only_t.triggers == [] and only_t.routines  # triggers go with their table


def test_descriptions_reach_routines_types_sequences_constraints_and_triggers(tmp_path: Path) -> None:
    path = tmp_path / "d.yml"
    path.write_text(
        "routines:\n  f: every overload\n  s.f(text): just this one\n"
        "types:\n  mood: feelings\nsequences:\n  s.seq: numbers\n"
        "t:\n  triggers:\n    trg: audits\n    nope: missing\n",
        encoding="utf-8",
    )
    out = load_descriptions(path).apply(sample())
    assert [out.routine(k).comment for k in ("s.f(integer)", "s.f(text)")] == ["every overload", "just this one"]
    assert out.types[0].comment == "feelings" and out.sequences[0].comment == "numbers"
    assert out.triggers[0].comment == "audits"


def test_a_signature_change_of_one_overload_is_breaking_and_applies_back() -> None:
    old, new = sample(), sample()
    new = Catalog(
        dialect=old.dialect,
        tables=old.tables,
        routines=[r for r in old.routines if r.signature != "text"]
        + [Routine("s", "f", signature="varchar", arguments="a varchar", returns="text")],
        triggers=old.triggers,
        types=old.types,
        sequences=old.sequences,
    )
    changes = diff_catalogs(old, new)
    assert [(c.kind, c.breaking) for c in changes] == [("routine_signature_changed", True)]
    assert changes[0].describe() == "routine signature changed: s.f(a text) returns text -> f(a varchar) returns text"
    assert apply_changes(old, changes).to_json() == new.to_json()


EVIL = "<script>alert(1)</script> | **x** [l](http://evil.example) `t`"


def hostile_catalog() -> Catalog:
    """Every new kind with names and text that mean something to Markdown, HTML and YAML."""
    table = Table("we|rd", 'or"ders', comment=EVIL, columns=[Column("id", "integer"), Column("m", '"we|rd"."mo<od>"')])
    table.partition_key = EVIL
    part = Table("we|rd", "part]1", partition_of='we|rd.or"ders', partition_bound=EVIL, columns=[Column("id", "int")])
    return Catalog(
        dialect="postgresql",
        tables=[table, part],
        routines=[
            Routine("we|rd", "index", signature="integer", arguments=EVIL, returns=EVIL, definition=EVIL + "\n```\n"),
            Routine("we|rd", "index", signature="text", comment=EVIL),
            Routine("we|rd", "<b>f</b>", signature="", extension="e<x>t"),
        ],
        triggers=[
            Trigger(
                "we|rd",
                'or"ders',
                "t<r>g",
                "AFTER",
                [EVIL],
                function="we|rd.index(integer)",
                definition=EVIL,
                comment=EVIL,
            )
        ],
        types=[UserType("we|rd", "mo<od>", "enum", values=[EVIL, "a_b"], comment=EVIL)],
        sequences=[Sequence("we|rd", "s_e<q>", owned_by='we|rd.or"ders.id', comment=EVIL)],
    )


def test_hostile_names_and_text_of_every_kind_build_strict_as_text(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", "snapshot: hostile.lock.json\nextension_objects: separate")
    (site.root / "hostile.lock.json").write_text(hostile_catalog().to_json(), encoding="utf-8")
    r = mkdocs_build(site)
    assert r.returncode == 0, r.stderr  # every link resolves, no page is lost to a clash
    built = {
        p.relative_to(site.site_dir).as_posix(): p.read_text(encoding="utf-8") for p in site.site_dir.rglob("*.html")
    }
    pages = {k: v for k, v in built.items() if k.startswith("schema/")}
    assert all(re.fullmatch(r"[A-Za-z0-9_./-]+", k) for k in pages), sorted(pages)
    routine_pages = [k for k in pages if "/routines/" in k and not k.endswith("routines/index.html")]
    assert len(routine_pages) == 2  # the two overloads of `index` share a page, not the routines page itself
    (overloaded,) = [v for k, v in pages.items() if re.search(r"/routines/index-[0-9a-f]{6}/", k)]
    assert len(re.findall(r'<a id="overload-[^"]+"></a>', overloaded)) == 2
    for name, text in pages.items():
        body = re.sub(r"<pre>.*?</pre>", "", text, flags=re.S)  # code blocks hold the text as text
        assert "<script>alert" not in body and "<b>f</b>" not in body and "<od>" not in body, name
        assert 'href="http://evil.example"' not in text, name
    types_page = next(v for k, v in pages.items() if k.endswith("/types/index.html"))
    anchor = re.search(r'<a id="(type-[^"]+)"', types_page).group(1)
    table_page = next(v for k, v in pages.items() if "or-ders" in k and "part" not in k)
    assert f'types/#{anchor}"' in table_page  # the column of that type links to its entry


def test_constraints_alike_but_for_their_comment_keep_one_order() -> None:
    """Found by the property test: two unnamed UNIQUE (a, id), one commented, sorted apart by the comment."""
    from mkdocs_schema_sync.catalog import UniqueConstraint

    def table(uniques: list[UniqueConstraint]) -> Table:
        return Table("main", "t3", columns=[Column("id", "INTEGER"), Column("a", "INTEGER")], uniques=uniques)

    old = Catalog(dialect="sqlite", tables=[table([])])
    for order in ([None, "one"], ["one", None]):
        new = Catalog(dialect="sqlite", tables=[table([UniqueConstraint(None, ["a", "id"], c) for c in order])])
        assert apply_changes(old, diff_catalogs(old, new)).object_hashes() == new.object_hashes()


def test_a_function_and_a_procedure_of_one_name_and_arguments_get_an_entry_each(tmp_path: Path) -> None:
    """MySQL keeps functions and procedures apart: `f(int)` may be both; neither hides the other (one page, two
    anchors)."""
    from mkdocs_schema_sync.render.pages import Paths

    cat = Catalog(
        dialect="mysql",
        routines=[Routine("db", "f", "function", "int", definition="RETURN 1"), Routine("db", "f", "procedure", "int")],
    )
    assert sorted(cat.routine_map()) == ["db.f(int)", "db.f(int) procedure"]
    paths = Paths(cat, "schema")
    assert len({paths.routine(r) for r in cat.routines}) == 1
    assert len({paths.routine_anchor(r) for r in cat.routines}) == 2
    assert diff_catalogs(cat, Catalog.from_canonical(json.loads(cat.to_json()))) == []
