"""Every catalog object on PostgreSQL: documented on the right page, snapshotted, diffed and polled.

One database holds triggers, functions (overloaded), a procedure, an aggregate, an
enum, a domain, a composite type, sequences (a serial's and a free one), a
partitioned table with partitions, inheritance, commented constraints and an
extension. The site builds under --strict; the HTML of each page is checked for
its objects; `diff` names a dropped trigger, a removed enum value and a changed
function body; polling sees a function changed by CREATE OR REPLACE.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import ServerDB, Site, cli, mkdocs_build, pg_execute, unhighlighted, write_site

pytestmark = pytest.mark.postgres

SHOP = r"""
CREATE SCHEMA shop;
COMMENT ON SCHEMA shop IS 'The shop';
CREATE TYPE shop.mood AS ENUM ('happy', 'sad', 'meh');
COMMENT ON TYPE shop.mood IS 'How a customer feels';
CREATE DOMAIN shop.positive_int AS integer NOT NULL CONSTRAINT positive CHECK (VALUE > 0);
COMMENT ON DOMAIN shop.positive_int IS 'A count of things';
COMMENT ON CONSTRAINT positive ON DOMAIN shop.positive_int IS 'Never zero';
CREATE TYPE shop.address AS (street text, zip varchar(10));
CREATE SEQUENCE shop.invoice_no START 1000 INCREMENT 5;
COMMENT ON SEQUENCE shop.invoice_no IS 'Invoice numbers, never reused';
CREATE TABLE shop.orders (
    id serial PRIMARY KEY,
    invoice bigint DEFAULT nextval('shop.invoice_no'),
    feeling shop.mood,
    qty shop.positive_int,
    ship_to shop.address,
    total numeric(10,2) NOT NULL DEFAULT 0 CONSTRAINT ck_total CHECK (total >= 0),
    CONSTRAINT uq_invoice UNIQUE (invoice)
);
COMMENT ON CONSTRAINT ck_total ON shop.orders IS 'Totals are never negative';
COMMENT ON CONSTRAINT orders_pkey ON shop.orders IS 'One row per order';
CREATE TABLE shop.audit (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id int REFERENCES shop.orders (id),
    note text
);
COMMENT ON CONSTRAINT audit_order_id_fkey ON shop.audit IS 'Audit rows follow their order';
CREATE FUNCTION shop.add_tax(amount numeric, rate numeric DEFAULT 0.2) RETURNS numeric
    LANGUAGE sql IMMUTABLE AS $$ SELECT amount * (1 + rate) $$;
COMMENT ON FUNCTION shop.add_tax(numeric, numeric) IS 'Adds <b>VAT</b> | at a rate';
CREATE FUNCTION shop.add_tax(amount integer) RETURNS integer LANGUAGE sql AS $$ SELECT amount $$;
CREATE PROCEDURE shop.close_order(p_id integer) LANGUAGE plpgsql
    AS $$ BEGIN UPDATE shop.orders SET total = 0 WHERE id = p_id; END $$;
CREATE AGGREGATE shop.total_of(numeric) (SFUNC = numeric_add, STYPE = numeric, INITCOND = '0');
CREATE FUNCTION shop.audit_order() RETURNS trigger LANGUAGE plpgsql
    AS $$ BEGIN INSERT INTO shop.audit (order_id, note) VALUES (NEW.id, 'new'); RETURN NEW; END $$;
CREATE TRIGGER trg_audit AFTER INSERT ON shop.orders FOR EACH ROW EXECUTE FUNCTION shop.audit_order();
COMMENT ON TRIGGER trg_audit ON shop.orders IS 'Writes the audit row';
CREATE TRIGGER trg_truncate BEFORE TRUNCATE ON shop.orders FOR EACH STATEMENT EXECUTE FUNCTION shop.audit_order();
ALTER TABLE shop.orders DISABLE TRIGGER trg_truncate;
CREATE TABLE shop.events (id int, at date NOT NULL, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
COMMENT ON TABLE shop.events IS 'Events by year';
CREATE TABLE shop.events_2024 PARTITION OF shop.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE shop.events_2025 PARTITION OF shop.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE shop.event_refs (id int PRIMARY KEY, event_id int, event_at date,
                              FOREIGN KEY (event_id, event_at) REFERENCES shop.events (id, at));
CREATE TABLE shop.base_note (id int, body text);
CREATE TABLE shop.order_note (order_id int) INHERITS (shop.base_note);
CREATE EXTENSION citext SCHEMA shop;
"""


@pytest.fixture
def shop(pg_db: ServerDB) -> ServerDB:
    pg_execute(pg_db, SHOP)
    return pg_db


def site_for(db: ServerDB, tmp_path: Path, extra: str = "") -> Site:
    return write_site(tmp_path / "site", f"connection: {db.url('postgresql+psycopg')}\nconnect_timeout: 5\n{extra}")


def page(site: Site, rel: str) -> str:
    """The text of a built page (entities decoded), e.g. `schema/shop/orders/index.html`."""
    return unhighlighted(site.html(rel))


def test_every_object_on_its_page(shop: ServerDB, tmp_path: Path) -> None:
    site = site_for(shop, tmp_path)
    r = mkdocs_build(site)
    assert r.returncode == 0, r.stderr

    orders = page(site, "schema/shop/orders/index.html")
    assert "trg_audit" in orders and "Writes the audit row" in orders
    assert "AFTER" in orders and "INSERT" in orders
    assert 'href="../routines/audit_order/"' in orders  # the function the trigger runs
    assert "trg_truncate" in orders and "BEFORE" in orders and "STATEMENT" in orders
    assert re.search(r"trg_truncate</td>(.*?)</tr>", orders, re.S).group(1).count("<td>no</td>") == 1  # disabled
    assert "CREATE TRIGGER trg_audit AFTER INSERT ON shop.orders" in orders  # its definition, in a code block
    assert "Totals are never negative" in orders and "One row per order" in orders  # constraint comments
    assert 'href="../types/#type-mood"' in orders and 'href="../types/#type-positive_int"' in orders
    assert 'href="../sequences/#seq-orders_id_seq"' in orders  # serial: a sequence default …
    assert 'href="../sequences/#seq-invoice_no"' in orders
    id_row = re.search(r"<strong>id</strong>(.*?)</tr>", orders, re.S).group(1)
    assert "identity" not in id_row  # … not an identity column
    audit = page(site, "schema/shop/audit/index.html")
    assert "identity" in re.search(r"<strong>id</strong>(.*?)</tr>", audit, re.S).group(1)
    assert "Audit rows follow their order" in audit

    routines = page(site, "schema/shop/routines/index.html")
    assert routines.count(">add_tax</a>") == 2  # overloads are distinct
    for text in ("close_order", "procedure", "total_of", "aggregate", "audit_order", "trigger",
                 "amount numeric, rate numeric DEFAULT 0.2", "Adds <b>VAT</b> | at a rate"):  # fmt: skip
        assert text in routines, text
    assert "<b>VAT</b>" not in site.html("schema/shop/routines/index.html")  # comments are text, not HTML
    assert "citext" not in routines  # extension objects are hidden by default
    assert len(re.findall(r'href="add_tax/#overload-[^"]+"', routines)) == 2  # one page, an anchor each
    add_tax = unhighlighted(page(site, "schema/shop/routines/add_tax/index.html"))
    assert "SELECT amount * (1 + rate)" in add_tax and "SELECT amount" in add_tax
    assert len(re.findall(r'<a id="overload-[^"]+"></a>', add_tax)) == 2
    audit_fn = page(site, "schema/shop/routines/audit_order/index.html")
    assert "Run by triggers" in audit_fn and "trg_audit" in audit_fn and "INSERT INTO shop.audit" in audit_fn
    assert "<td>" not in re.search(r"Definition</h2>(.*)", audit_fn, re.S).group(1).split("</pre>")[0]

    types = page(site, "schema/shop/types/index.html")
    values = re.search(r"<h3[^>]*>mood</h3>(.*?)<h3", types, re.S).group(1)
    assert re.findall(r"<li><code>(\w+)</code></li>", values) == ["happy", "sad", "meh"]  # in order
    assert "How a customer feels" in values and "orders.feeling" in values
    domain = re.search(r"<h3[^>]*>positive_int</h3>(.*?)(<h3|$)", types, re.S).group(1)
    assert "integer" in domain and "NOT NULL" in domain and "VALUE > 0" in domain and "Never zero" in domain
    composite = re.search(r"<h3[^>]*>address</h3>(.*?)(<h3|$)", types, re.S).group(1)
    assert "street" in composite and "character varying(10)" in composite
    assert "citext" not in types

    sequences = page(site, "schema/shop/sequences/index.html")
    assert "invoice_no" in sequences and "Invoice numbers, never reused" in sequences and "1000" in sequences
    serial = re.search(r"orders_id_seq(.*?)</tr>", sequences, re.S).group(1)
    assert "orders.id" in serial  # owned by the serial column

    events = page(site, "schema/shop/events/index.html")
    assert "RANGE (at)" in events and 'href="../events_2024/"' in events and 'href="../events_2025/"' in events
    assert "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')" in events
    part = page(site, "schema/shop/events_2024/index.html")
    assert "Partition of" in part and 'href="../events/"' in part
    refs = page(site, "schema/shop/event_refs/index.html")
    assert refs.count("<td>event_refs_event_id_event_at_fkey</td>") == 1  # not once more per partition
    assert 'href="../base_note/"' in page(site, "schema/shop/order_note/index.html")
    assert "Inherited by" in page(site, "schema/shop/base_note/index.html")

    schema_index = page(site, "schema/shop/index.html")
    assert "Partitions" in schema_index and "events_2024" in schema_index
    er = page(site, "schema/shop/er/index.html")
    assert "events_2024" not in er and "add_tax" not in er and "mood" not in er.split("erDiagram")[0]  # tables only


def test_extension_objects_listed_apart(shop: ServerDB, tmp_path: Path) -> None:
    site = site_for(shop, tmp_path, "extension_objects: separate")
    r = mkdocs_build(site)
    assert r.returncode == 0, r.stderr
    routines = page(site, "schema/shop/routines/index.html")
    own, _, apart = routines.partition('<h2 id="installed-by-extensions">')
    assert "add_tax" in own and "citext" not in own
    assert "citext" in apart and "regexp_match" in apart and "add_tax" not in apart
    assert "citext" in page(site, "schema/shop/types/index.html").partition('<h2 id="installed-by-extensions">')[2]


def test_descriptions_override_comments_of_every_kind(shop: ServerDB, tmp_path: Path) -> None:
    site = site_for(shop, tmp_path, "descriptions: descriptions.yml")
    (site.root / "descriptions.yml").write_text(
        "shop.orders:\n"
        "  constraints:\n    ck_total: From git, the check.\n    primary key: From git, the key.\n"
        "  triggers:\n    trg_audit: From git, the trigger.\n"
        "routines:\n  shop.add_tax(numeric, numeric): From git, one overload.\n  close_order: From git, the procedure.\n"
        "types:\n  mood: From git, the enum.\n"
        "sequences:\n  shop.invoice_no: From git, the sequence.\n",
        encoding="utf-8",
    )
    r = mkdocs_build(site)
    assert r.returncode == 0, r.stderr
    orders = page(site, "schema/shop/orders/index.html")
    for text in ("From git, the check.", "From git, the key.", "From git, the trigger."):
        assert text in orders, text
    assert "Totals are never negative" not in orders
    routines = page(site, "schema/shop/routines/index.html")
    assert routines.count("From git, one overload.") == 1 and "From git, the procedure." in routines
    assert "From git, the enum." in page(site, "schema/shop/types/index.html")
    assert "From git, the sequence." in page(site, "schema/shop/sequences/index.html")


def test_diff_names_a_dropped_trigger_a_removed_enum_value_and_a_changed_body(shop: ServerDB, tmp_path: Path) -> None:
    site = site_for(shop, tmp_path)
    assert cli("snapshot", cwd=site.root).returncode == 0
    snapshot = json.loads((site.root / "schema.lock.json").read_text())
    assert {"routines", "triggers", "types", "sequences"} <= snapshot.keys()
    assert all(len(o["sha256"]) == 64 for o in snapshot["routines"].values())
    assert cli("diff", cwd=site.root).returncode == 0  # unchanged: no drift

    pg_execute(
        shop,
        "DROP TRIGGER trg_audit ON shop.orders;"
        # PostgreSQL cannot drop an enum value: the type is made again without it
        "ALTER TYPE shop.mood RENAME TO mood_old;"
        "CREATE TYPE shop.mood AS ENUM ('happy', 'sad');"
        "ALTER TABLE shop.orders ALTER COLUMN feeling TYPE shop.mood USING feeling::text::shop.mood;"
        "DROP TYPE shop.mood_old;"
        "COMMENT ON TYPE shop.mood IS 'How a customer feels';"
        "CREATE OR REPLACE FUNCTION shop.add_tax(amount numeric, rate numeric DEFAULT 0.2) RETURNS numeric"
        " LANGUAGE sql IMMUTABLE AS $$ SELECT round(amount * (1 + rate), 2) $$;",
    )
    text = cli("diff", cwd=site.root)
    assert text.returncode == 1, text.stderr
    out = text.stdout
    assert "BREAKING  trigger removed: shop.orders.trg_audit (AFTER INSERT FOR EACH ROW)" in out
    assert "BREAKING  enum value removed from shop.mood: 'meh'" in out
    assert "additive  routine definition changed: shop.add_tax(numeric, numeric)" in out
    assert "+AS $function$ SELECT round(amount * (1 + rate), 2) $function$" in out  # the short textual diff
    assert "-AS $function$ SELECT amount * (1 + rate) $function$" in out
    assert "add_tax(integer)" not in out  # the other overload did not change

    data = json.loads(cli("diff", "--format", "json", cwd=site.root).stdout)
    kinds = {(c["kind"], c["category"], c["breaking"]) for c in data["changes"]}
    assert ("trigger_removed", "trigger", True) in kinds
    assert ("enum_value_removed", "type", True) in kinds
    assert ("routine_definition_changed", "routine", False) in kinds
    md = cli("diff", "--format", "markdown", cwd=site.root).stdout
    assert "### Definition changes" in md and "```diff" in md


def test_polling_sees_a_function_replaced_without_triggers(shop: ServerDB, tmp_path: Path) -> None:
    """No event triggers installed: the change signal moves and the poll logs the routine by name."""
    site = site_for(shop, tmp_path)
    r = cli("monitor", "--once", cwd=site.root)  # the baseline, in schema.drift.json beside the snapshot
    assert r.returncode == 0, r.stderr
    pg_execute(shop, "CREATE OR REPLACE FUNCTION shop.add_tax(amount integer) RETURNS integer LANGUAGE sql"
                     " AS $$ SELECT amount * 2 $$")  # fmt: skip
    r = cli("monitor", "--once", cwd=site.root)
    assert r.returncode == 0, r.stderr
    assert "ALTER FUNCTION shop.add_tax(integer)" in r.stdout
    log = json.loads((site.root / "schema.drift.json").read_text())
    (entry,) = [e for e in log["entries"] if e["object_type"] == "function"]
    assert (entry["schema_name"], entry["object_name"]) == ("shop", "add_tax(integer)")
    assert (
        "routine definition changed" in entry["statement"] and "+AS $function$ SELECT amount * 2" in entry["statement"]
    )


def test_adding_an_overload_moves_no_page(pg_db: ServerDB, tmp_path: Path) -> None:
    """A hand-written link to a routine keeps working under --strict when an overload appears (issue 18 item 5)."""
    pg_execute(pg_db, "CREATE FUNCTION public.last_day(d date) RETURNS date LANGUAGE sql AS $$ SELECT d + 30 $$;")
    link = "# Home\n\n[Month end](schema/public/routines/last_day.md) · [schema](schema/index.md)\n"
    site = write_site(
        tmp_path / "site",
        f"connection: {pg_db.url('postgresql+psycopg')}\nconnect_timeout: 5",
        pages={"index.md": link},
    )
    first = mkdocs_build(site)
    assert first.returncode == 0, first.stderr
    assert "SELECT d + 30" in page(site, "schema/public/routines/last_day/index.html")

    pg_execute(pg_db, "CREATE FUNCTION public.last_day(d date, n int) RETURNS date LANGUAGE sql AS $$ SELECT d + n $$;")
    second = mkdocs_build(site)
    assert second.returncode == 0, second.stderr  # --strict: the hand-written link still resolves
    text = page(site, "schema/public/routines/last_day/index.html")
    assert "SELECT d + 30" in text and "SELECT d + n" in text  # the first one's content did not move
    assert sorted(p.parent.name for p in site.site_dir.glob("schema/public/routines/*/index.html")) == ["last_day"]
