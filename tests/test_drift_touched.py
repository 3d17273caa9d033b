"""Which tables the drift log's new rows can have changed (what `serve` and `monitor` re-read)."""

from __future__ import annotations

from mkdocs_schema_sync.catalog import Catalog, Column, Sequence, Table
from mkdocs_schema_sync.catalog.patch import patched
from mkdocs_schema_sync.dialects.postgres import PostgresDialect
from mkdocs_schema_sync.drift.log import DriftEntry
from mkdocs_schema_sync.drift.touched import touched_tables

SPLIT = PostgresDialect().split_migration
OLD = Catalog(
    dialect="postgresql",
    tables=[Table("public", "orders", columns=[Column("id", "integer")]), Table("public", "items")],
    sequences=[Sequence("public", "items_id_seq", owned_by="public.items.id")],
)


def row(object_type: str, statement: str | None, name: str = "x") -> DriftEntry:
    return DriftEntry("2026-12-03 00:00:00", "me", "ALTER TABLE", object_type, "public", name, statement)


def test_rows_about_tables_name_what_their_statements_name() -> None:
    names = touched_tables([row("table", "ALTER TABLE orders ADD COLUMN note text")], OLD, SPLIT)
    assert names is not None and "orders" in names and "items" not in names
    # a trigger row names its table, whatever its function is; a table name may hold " on "
    names = touched_tables([row("trigger", "CREATE TRIGGER t ...", "t on a on b")], OLD, SPLIT)
    assert names is not None and {"a on b", "b"} <= names


def test_rows_that_may_reach_further_read_everything() -> None:
    assert touched_tables([row("function", "CREATE FUNCTION f() ...")], OLD, SPLIT) is None
    assert touched_tables([row("table", None)], OLD, SPLIT) is None  # no statement kept
    assert touched_tables([row("table", "ALTER TABLE orders RENAME TO o")], OLD, SPLIT) is None
    assert touched_tables([row("table", "CREATE TABLE t (id serial)")], OLD, SPLIT) is None
    assert touched_tables([row("table", "DROP TABLE items")], OLD, SPLIT) is None  # items_id_seq goes too
    # the second statement of one query string is checked too
    both = "ALTER TABLE orders ADD COLUMN a int; DROP TABLE orders CASCADE"
    assert touched_tables([row("table", both)], OLD, SPLIT) is None


def test_patched_replaces_the_named_tables_and_keeps_the_rest() -> None:
    fresh = Catalog(dialect="postgresql", tables=[Table("public", "orders", columns=[Column("note", "text")])])
    new = patched(OLD, fresh, {"orders", "gone", "alter"})
    assert [t.name for t in new.tables] == ["items", "orders"]
    assert [c.name for c in new.get("public", "orders").columns] == ["note"]  # type: ignore[union-attr]
    assert new.sequences == OLD.sequences
    assert [t.name for t in patched(OLD, Catalog(dialect="postgresql"), {"items"}).tables] == ["orders"]


def test_a_patched_catalog_hashes_only_the_tables_read_again(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import copy

    tables = [Table("public", f"t{i}", comment=f"table {i}", columns=[Column("id", "integer")]) for i in range(50)]
    old = Catalog(dialect="postgresql", tables=tables)
    before = old.table_hashes()
    calls: list[str] = []
    real = Table.sha256
    monkeypatch.setattr(Table, "sha256", lambda self: calls.append(self.name) or real(self))
    fresh = Catalog(dialect="postgresql", tables=[Table("public", "t7", columns=[Column("note", "text")])])
    new = patched(old, fresh, {"t7"})
    hashes = new.table_hashes()
    assert calls == ["t7"]  # the 49 others are the same objects: their hashes are reused
    assert {k: v for k, v in hashes.items() if k != "public.t7"} == {
        k: v for k, v in before.items() if k != "public.t7"
    }
    assert hashes["public.t7"] != before["public.t7"]
    assert new.sha256() == Catalog(dialect="postgresql", tables=copy.deepcopy(new.tables)).sha256()
    # an edited deep copy (descriptions, clipping) starts without them
    edited = copy.deepcopy(new)
    edited.tables[0].comment = "described"
    assert edited.table_hashes()[edited.tables[0].key] != hashes[edited.tables[0].key]


def test_a_parents_change_names_its_partitions_and_children_at_every_level() -> None:
    """ALTER TABLE of a partitioned table adds the column to its partitions, which the statement does not
    name (before: they were not read again, and a patched snapshot kept them without it)."""
    old = Catalog(
        dialect="postgresql",
        tables=[
            Table("public", "events", kind="partitioned table"),
            Table("public", "events_2024", kind="partitioned table", partition_of="public.events"),
            Table("public", "events_2024_01", partition_of="public.events_2024"),
            Table("archive", "old_events", inherits=["public.events"]),
            Table("public", "other_2024", partition_of="public.other"),
        ],
    )
    names = touched_tables([row("table", "ALTER TABLE events ADD COLUMN note text")], old, SPLIT)
    assert names is not None and {"events", "events_2024", "events_2024_01", "old_events"} <= names
    assert "other_2024" not in names
