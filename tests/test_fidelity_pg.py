"""PostgreSQL catalog fidelity (issue 18): partitions keep what their parent gave them, index
methods and per-key options are recorded, shown and diffed, trigger and sequence/domain changes
are classified and described.

Each test reads the real database, writes the snapshot with the CLI, changes the database with
real DDL and runs `diff`: the text output is what a reviewer reads.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import ServerDB, Site, cli, mkdocs_build, pg_execute, visible_text, write_site

pytestmark = pytest.mark.postgres

SCHEMA = r"""
CREATE TABLE r (id int PRIMARY KEY);
CREATE TABLE pay (id int, at date, note text, tags text[], doc tsvector,
                  PRIMARY KEY (id, at), CONSTRAINT pay_r FOREIGN KEY (id) REFERENCES r (id),
                  CONSTRAINT pay_pos CHECK (id > 0)) PARTITION BY RANGE (at);
CREATE TABLE pay_2020 PARTITION OF pay FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');
CREATE TABLE pay_2021 PARTITION OF pay FOR VALUES FROM ('2021-01-01') TO ('2022-01-01');
CREATE INDEX pay_note ON pay (note DESC NULLS LAST);
CREATE INDEX pay_2020_doc ON pay_2020 USING gist (doc);
CREATE INDEX pay_2020_expr ON pay_2020 (lower(note) text_pattern_ops, id) INCLUDE (tags);
CREATE UNIQUE INDEX r_nnd ON r (id) NULLS NOT DISTINCT;
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER pay_touch BEFORE INSERT OR UPDATE ON pay FOR EACH ROW EXECUTE FUNCTION touch();
CREATE TRIGGER r_touch AFTER INSERT OR UPDATE ON r FOR EACH ROW EXECUTE FUNCTION touch();
CREATE SEQUENCE counter INCREMENT 1;
CREATE DOMAIN year AS integer;
"""


@pytest.fixture
def site(pg_db: ServerDB, tmp_path: Path) -> Site:
    pg_execute(pg_db, SCHEMA)
    site = write_site(tmp_path / "site", f"connection: {pg_db.url('postgresql+psycopg')}\nconnect_timeout: 5\n")
    assert cli("snapshot", cwd=site.root).returncode == 0
    return site


def _snapshot(site: Site) -> dict:
    return json.loads((site.root / "schema.lock.json").read_text())


def test_partitions_have_their_inherited_keys_indexes_and_triggers(site: Site) -> None:
    objects = _snapshot(site)["objects"]
    part = objects["public.pay_2020"]
    assert part["primary_key"]["columns"] == ["id", "at"] and part["primary_key"]["inherited"] is True
    assert [(f["name"], f.get("inherited")) for f in part["foreign_keys"]] == [("pay_r", True)]
    assert [(c["expression"], c.get("inherited")) for c in part["checks"]] == [("id > 0", True)]
    by_name = {i["name"]: i for i in part["indexes"]}
    assert by_name["pay_2020_note_idx"]["inherited"] is True  # attached to pay_note
    assert "inherited" not in by_name["pay_2020_doc"]  # the partition's own
    # the parent's own objects are not marked, and a foreign key to the partitioned table is one key
    assert "inherited" not in objects["public.pay"]["primary_key"]
    triggers = _snapshot(site)["triggers"]
    assert triggers["public.pay_2020.pay_touch"]["inherited"] is True
    assert "inherited" not in triggers["public.pay.pay_touch"]

    assert mkdocs_build(site).returncode == 0
    page = visible_text(site.html("schema/public/pay_2020/index.html"))
    assert "Primary key (inherited)" in page and "pay_2020_pkey" in page
    assert "pay_touch (inherited)" in page


def test_detach_partition_is_honest(site: Site, pg_db: ServerDB) -> None:
    pg_execute(pg_db, "ALTER TABLE pay DETACH PARTITION pay_2021")
    out = cli("diff", cwd=site.root).stdout
    assert "partition of changed on public.pay_2021" in out
    assert "primary key inheritance changed on public.pay_2021" in out
    assert "foreign key inheritance changed on public.pay_2021" in out
    # no key appears from nowhere: the partition had them all along
    assert "primary key changed" not in out and "foreign key added" not in out
    data = json.loads(cli("diff", "--format", "json", cwd=site.root).stdout)
    kinds = {(c["kind"], c["breaking"]) for c in data["changes"] if c["table"] == "pay_2021"}
    assert ("primary_key_inheritance_changed", False) in kinds
    assert ("trigger_removed", True) in kinds  # PostgreSQL drops the cloned trigger on DETACH


def test_index_method_and_options_are_diffed(site: Site, pg_db: ServerDB) -> None:
    pg_execute(
        pg_db,
        "DROP INDEX pay_2020_doc; CREATE INDEX pay_2020_doc ON pay_2020 USING gin (doc);"
        "DROP INDEX pay_2020_expr; CREATE INDEX pay_2020_expr ON pay_2020 (lower(note), id DESC);",
    )
    data = json.loads(cli("diff", "--format", "json", cwd=site.root).stdout)
    changes = {c["before"]["name"]: c for c in data["changes"] if c["kind"] == "index_changed"}
    assert changes["pay_2020_doc"]["before"]["method"] == "gist" and changes["pay_2020_doc"]["after"]["method"] == "gin"
    assert changes["pay_2020_doc"]["breaking"] is False  # queries still run: a planner matter
    expr = changes["pay_2020_expr"]
    assert expr["before"]["options"] == {"0": "text_pattern_ops"} and expr["after"]["options"] == {"1": "DESC"}
    assert expr["before"]["include"] == ["tags"] and "include" not in expr["after"]
    out = cli("diff", cwd=site.root).stdout
    assert "pay_2020_doc USING gist (doc) -> pay_2020_doc USING gin (doc)" in out


def test_index_details_on_the_page(site: Site) -> None:
    assert mkdocs_build(site).returncode == 0
    page = visible_text(site.html("schema/public/pay_2020/index.html"))
    assert "gist" in page and "lower(note) text_pattern_ops, id" in page and "tags" in page
    r_page = visible_text(site.html("schema/public/r/index.html"))
    assert "yes, nulls not distinct" in r_page


def test_trigger_changes_are_classified(site: Site, pg_db: ServerDB) -> None:
    pg_execute(
        pg_db,
        "DROP TRIGGER r_touch ON r;CREATE TRIGGER r_touch BEFORE INSERT ON r FOR EACH ROW EXECUTE FUNCTION touch();",
    )
    data = json.loads(cli("diff", "--format", "json", cwd=site.root).stdout)
    (change,) = [c for c in data["changes"] if c["kind"] == "trigger_changed"]
    assert change["breaking"] is True  # fires BEFORE now, and no longer on UPDATE
    out = cli("diff", cwd=site.root).stdout
    assert "timing AFTER → BEFORE" in out and "events INSERT OR UPDATE → INSERT" in out


def test_sequence_and_domain_changes_say_what_changed(site: Site, pg_db: ServerDB) -> None:
    pg_execute(
        pg_db, "ALTER SEQUENCE counter INCREMENT 10; ALTER DOMAIN year ADD CONSTRAINT recent CHECK (VALUE > 1900)"
    )
    out = cli("diff", cwd=site.root).stdout
    assert "increment 1 → 10" in out
    assert "check added: VALUE > 1900" in out


def test_types_and_sequences_pages_qualify_columns_of_other_schemas(pg_db: ServerDB, tmp_path: Path) -> None:
    pg_execute(
        pg_db,
        "CREATE SCHEMA hr; CREATE SCHEMA pr; CREATE TYPE public.mood AS ENUM ('a'); CREATE SEQUENCE public.n;"
        "CREATE TABLE hr.d (m public.mood, k bigint DEFAULT nextval('public.n'));"
        "CREATE TABLE pr.d (m public.mood); CREATE TABLE public.d (m public.mood);",
    )
    site = write_site(tmp_path / "site", f"connection: {pg_db.url('postgresql+psycopg')}\nconnect_timeout: 5\n")
    assert mkdocs_build(site).returncode == 0
    types = visible_text(site.html("schema/public/types/index.html"))
    assert "hr.d.m" in types and "pr.d.m" in types
    assert "public.d.m" not in types and "d.m" in types  # the page's own schema is not repeated
    assert "hr.d.k" in visible_text(site.html("schema/public/sequences/index.html"))


def test_exclusion_and_nulls_not_distinct_constraints(pg_db: ServerDB, tmp_path: Path) -> None:
    pg_execute(
        pg_db,
        "CREATE EXTENSION IF NOT EXISTS btree_gist;"
        "CREATE TABLE booking (room int, during tstzrange, code text,"
        " CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&),"
        " CONSTRAINT one_code UNIQUE NULLS NOT DISTINCT (code));",
    )
    site = write_site(tmp_path / "site", f"connection: {pg_db.url('postgresql+psycopg')}\nconnect_timeout: 5\n")
    assert cli("snapshot", cwd=site.root).returncode == 0
    booking = _snapshot(site)["objects"]["public.booking"]
    assert booking["exclusions"] == [
        {"name": "no_overlap", "expression": "EXCLUDE USING gist (room WITH =, during WITH &&)"}
    ]
    assert booking["uniques"] == [{"name": "one_code", "columns": ["code"], "nulls_not_distinct": True}]
    assert mkdocs_build(site).returncode == 0
    page = visible_text(site.html("schema/public/booking/index.html"))
    assert "no_overlap" in page and "EXCLUDE USING gist" in page and "code NULLS NOT DISTINCT" in page
    pg_execute(pg_db, "ALTER TABLE booking DROP CONSTRAINT no_overlap")
    data = json.loads(cli("diff", "--format", "json", cwd=site.root).stdout)
    assert [(c["kind"], c["breaking"]) for c in data["changes"]] == [("exclusion_removed", False)]
