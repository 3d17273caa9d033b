"""Every catalog object MariaDB has: documented on the right page, snapshotted, diffed and polled.

Triggers, a function and a procedure, ENUM and SET columns (MySQL/MariaDB have no
named types or domains), a sequence used by a column default, a partitioned table
and commented indexes (MariaDB keeps no comments on constraints). The site builds
under --strict; `diff` names a dropped trigger, a removed ENUM value and a changed
function body; polling sees a function changed by CREATE OR REPLACE.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import ServerDB, Site, cli, mariadb_execute, mkdocs_build, unhighlighted, write_site

pytestmark = pytest.mark.mariadb

# mariadb_execute splits on ";\n": bodies with `;` keep them inside one line.
SHOP = """
CREATE SEQUENCE invoice_no START WITH 1000 INCREMENT BY 5 COMMENT 'Invoice numbers, never reused';
CREATE TABLE orders (
    id INT AUTO_INCREMENT PRIMARY KEY,
    invoice BIGINT NOT NULL DEFAULT nextval(invoice_no),
    status ENUM('new', 'paid', 'shipped') NOT NULL DEFAULT 'new' COMMENT 'Where the order is',
    tags SET('gift', 'rush', 'fragile'),
    total DECIMAL(10,2) NOT NULL DEFAULT 0,
    CONSTRAINT ck_total CHECK (total >= 0)
) COMMENT 'Customer orders';
CREATE TABLE audit (id INT AUTO_INCREMENT PRIMARY KEY, order_id INT, note VARCHAR(100));
CREATE TRIGGER trg_audit AFTER INSERT ON orders FOR EACH ROW INSERT INTO audit (order_id, note) VALUES (NEW.id, 'new');
CREATE TRIGGER trg_guard BEFORE UPDATE ON orders FOR EACH ROW BEGIN IF NEW.total < 0 THEN SET NEW.total = 0; END IF; END;
CREATE FUNCTION add_tax(amount DECIMAL(10,2), rate DECIMAL(4,2)) RETURNS DECIMAL(10,2) DETERMINISTIC COMMENT 'Adds VAT' RETURN amount * (1 + rate);
CREATE PROCEDURE close_order(IN p_id INT, OUT p_done TINYINT) COMMENT 'Ships one order' BEGIN UPDATE orders SET status = 'shipped' WHERE id = p_id; SET p_done = 1; END;
CREATE TABLE events (id INT NOT NULL, at DATE NOT NULL, PRIMARY KEY (id, at)) COMMENT 'Events by year'
    PARTITION BY RANGE (YEAR(at)) (
        PARTITION p2024 VALUES LESS THAN (2025) COMMENT 'The old year',
        PARTITION p2025 VALUES LESS THAN (2026),
        PARTITION pmax VALUES LESS THAN MAXVALUE
    )
"""


@pytest.fixture
def shop(mariadb_db: ServerDB) -> ServerDB:
    mariadb_execute(mariadb_db, SHOP)
    return mariadb_db


def site_for(db: ServerDB, tmp_path: Path) -> Site:
    return write_site(tmp_path / "site", f"connection: {db.url('mysql')}\nconnect_timeout: 5")


def page(site: Site, rel: str) -> str:
    return unhighlighted(site.html(rel))


def test_every_object_on_its_page(shop: ServerDB, tmp_path: Path) -> None:
    site = site_for(shop, tmp_path)
    r = mkdocs_build(site)
    assert r.returncode == 0, r.stderr
    base = f"schema/{shop.name}"

    orders = page(site, f"{base}/orders/index.html")
    assert "trg_audit" in orders and "trg_guard" in orders
    assert re.search(r"<td>trg_audit</td>\s*<td>AFTER</td>\s*<td>INSERT</td>\s*<td>ROW</td>", orders)
    assert re.search(r"<td>trg_guard</td>\s*<td>BEFORE</td>\s*<td>UPDATE</td>", orders)
    assert "CREATE TRIGGER `trg_guard` BEFORE UPDATE ON `orders` FOR EACH ROW BEGIN" in orders  # the body it runs
    assert "enum('new','paid','shipped')" in orders and "set('gift','rush','fragile')" in orders
    assert 'href="../sequences/#seq-invoice_no"' in orders  # a column default drawing from the sequence
    id_row = re.search(r"<strong>id</strong>(.*?)</tr>", orders, re.S).group(1)
    assert "identity" in id_row  # AUTO_INCREMENT

    routines = page(site, f"{base}/routines/index.html")
    assert "add_tax" in routines and "Adds VAT" in routines and "decimal(10,2)" in routines
    assert (
        "close_order" in routines and "procedure" in routines and "IN p_id int(11), OUT p_done tinyint(4)" in routines
    )
    add_tax = page(site, f"{base}/routines/add_tax/index.html")
    assert "RETURN amount * (1 + rate)" in add_tax and "DETERMINISTIC" in add_tax

    sequences = page(site, f"{base}/sequences/index.html")
    row = re.search(r"invoice_no(.*?)</tr>", sequences, re.S).group(1)
    assert "1000" in row and ">5<" in row and "orders.invoice" in row and "Invoice numbers, never reused" in row

    events = page(site, f"{base}/events/index.html")
    assert "RANGE (year(`at`))" in events
    assert re.search(
        r"<td>p2024</td>\s*<td><code>VALUES LESS THAN \(2025\)</code></td>\s*<td>The old year</td>", events
    )
    assert "VALUES LESS THAN MAXVALUE" in events
    assert (site.site_dir / base / "types").exists() is False  # MariaDB has no named types: ENUM lives in the column

    index = page(site, f"{base}/index.html")
    assert "Routines" in index and "Sequences" in index


def test_diff_names_a_dropped_trigger_a_removed_enum_value_and_a_changed_body(shop: ServerDB, tmp_path: Path) -> None:
    site = site_for(shop, tmp_path)
    assert cli("snapshot", cwd=site.root).returncode == 0
    assert cli("diff", cwd=site.root).returncode == 0
    mariadb_execute(
        shop,
        "DROP TRIGGER trg_audit;\n"
        "ALTER TABLE orders MODIFY status ENUM('new', 'paid') NOT NULL DEFAULT 'new' COMMENT 'Where the order is';\n"
        "ALTER TABLE orders MODIFY tags SET('gift', 'rush', 'fragile', 'insured');\n"
        "CREATE OR REPLACE FUNCTION add_tax(amount DECIMAL(10,2), rate DECIMAL(4,2)) RETURNS DECIMAL(10,2)"
        " DETERMINISTIC COMMENT 'Adds VAT' RETURN ROUND(amount * (1 + rate), 2)",
    )
    text = cli("diff", cwd=site.root)
    assert text.returncode == 1, text.stderr
    out = text.stdout
    s = shop.name
    assert f"BREAKING  trigger removed: {s}.orders.trg_audit (AFTER INSERT FOR EACH ROW)" in out
    assert f"BREAKING  column type changed on {s}.orders.status:" in out
    assert "(enum value(s) removed: 'shipped')" in out
    assert f"additive  column type changed on {s}.orders.tags:" in out  # a value added to a SET breaks nobody
    assert "(set value(s) added: 'insured')" in out
    assert f"additive  routine definition changed: {s}.add_tax(decimal(10,2), decimal(4,2))" in out
    assert "+RETURN ROUND(amount * (1 + rate), 2)" in out and "-RETURN amount * (1 + rate)" in out
    data = json.loads(cli("diff", "--format", "json", cwd=site.root).stdout)
    assert {c["kind"] for c in data["changes"]} == {
        "trigger_removed",
        "column_type_changed",
        "routine_definition_changed",
    }


def test_polling_sees_a_function_replaced(shop: ServerDB, tmp_path: Path) -> None:
    site = site_for(shop, tmp_path)
    assert cli("monitor", "--once", cwd=site.root).returncode == 0  # the baseline
    mariadb_execute(shop, "CREATE OR REPLACE FUNCTION add_tax(amount DECIMAL(10,2), rate DECIMAL(4,2))"
                          " RETURNS DECIMAL(10,2) DETERMINISTIC RETURN amount")  # fmt: skip
    r = cli("monitor", "--once", cwd=site.root)
    assert r.returncode == 0, r.stderr
    assert f"ALTER FUNCTION {shop.name}.add_tax(decimal(10,2), decimal(4,2))" in r.stdout
    log = json.loads((site.root / "schema.drift.json").read_text())
    (entry,) = [e for e in log["entries"] if e["object_type"] == "function"]
    assert "+RETURN amount" in entry["statement"] and "comment changed" in entry["statement"]
