"""`diff` marks the changes that break a contract, and puts them first."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from conftest import EXAMPLE, cli, make_sqlite


def scout_site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("site", "scout.db"))
    make_sqlite(root / "scout.db", (EXAMPLE / "scout.sql").read_text())
    return root


def test_diff_marks_a_retyped_protected_column_and_leads_with_it(tmp_path: Path) -> None:
    root = scout_site(tmp_path)
    assert cli("snapshot", cwd=root).returncode == 0
    conn = sqlite3.connect(root / "scout.db")
    conn.executescript(
        "PRAGMA legacy_alter_table = ON; ALTER TABLE regions ADD COLUMN note TEXT;"
        "CREATE TABLE t2 (item_id INTEGER PRIMARY KEY, CanonicalTxID INTEGER NOT NULL, product_id INTEGER NOT NULL,"
        " quantity INTEGER NOT NULL, unit_price DECIMAL(10,2) NOT NULL, line_total DECIMAL(12,2));"
        "DROP TABLE TransactionItems; ALTER TABLE t2 RENAME TO TransactionItems;"
    )
    conn.close()

    text = cli("diff", cwd=root)
    assert text.returncode == 1, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0].startswith("CONTRACT"), text.stdout
    assert "transaction-items-payload-join" in lines[0]
    marked = [line for line in lines if line.startswith("CONTRACT")]
    assert any("CanonicalTxID" in line and "type" in line for line in marked)
    # unrelated changes are not contract breaks: the new column on regions, the product FK, comments
    assert not any("regions" in line for line in marked)
    assert not any("product_id" in line or "comment" in line for line in marked), marked
    assert len(marked) == 2
    assert "break contracts" in lines[-1]

    md = cli("diff", "--format", "markdown", cwd=root)
    assert md.returncode == 1
    body = md.stdout
    assert body.index("These changes break ETL contracts") < body.index("### Changes that break contracts")
    assert body.index("### Changes that break contracts") < body.index("### Additive changes")


def test_diff_without_contract_breaks_marks_nothing(tmp_path: Path) -> None:
    root = scout_site(tmp_path)
    assert cli("snapshot", cwd=root).returncode == 0
    conn = sqlite3.connect(root / "scout.db")
    conn.execute("ALTER TABLE TransactionItems ADD COLUMN note TEXT")
    conn.commit()
    conn.close()
    result = cli("diff", "--format", "json", cwd=root)
    assert result.returncode == 1
    import json

    changes = json.loads(result.stdout)["changes"]
    assert [c["kind"] for c in changes] == ["column_added"]
    assert changes[0]["contracts"] == []


def test_a_broken_contract_leads_the_index_and_the_change_log(tmp_path: Path) -> None:
    from conftest import Site, mkdocs_build

    root = scout_site(tmp_path)
    assert mkdocs_build(Site(root)).returncode == 0  # first build records the polling baseline
    conn = sqlite3.connect(root / "scout.db")
    conn.executescript(
        "PRAGMA legacy_alter_table = ON;"
        "CREATE TABLE t2 (item_id INTEGER PRIMARY KEY, CanonicalTxID INTEGER NOT NULL, product_id INTEGER NOT NULL,"
        " quantity INTEGER NOT NULL, unit_price DECIMAL(10,2) NOT NULL, line_total DECIMAL(12,2));"
        "DROP TABLE TransactionItems; ALTER TABLE t2 RENAME TO TransactionItems;"
    )
    conn.close()
    site = Site(root)
    result = mkdocs_build(site, strict=False)
    assert result.returncode == 0, result.stderr
    for page in ("schema/index.html", "schema/changes/index.html"):
        body = site.html(page)
        article = body[body.index("<article") :]
        first_heading = article.index("<h1")
        assert article.find("Broken ETL contract") != -1 and article.find("Broken ETL contract") < first_heading, page
        assert "transaction-items-payload-join" in article[:first_heading]
    assert "Broken ETL contract" not in site.html("schema/main/stores/index.html")
