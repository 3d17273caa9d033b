"""Every line that reaches a CI log goes through the one-line path (`untrusted.safe_lines`): deploy, plan,
history, repair and baseline output, `diff --format markdown` fences; and the PR body escapes drift-log
fields whatever their type and the configured `docs_url` (issue 22 item 4, issue 21 items 14, 15)."""

from __future__ import annotations

import json
import sqlite3
from html import unescape
from pathlib import Path

import markdown
from conftest import cli, make_sqlite
from deploy_helpers import project
from test_untrusted_outputs import workflow_commands

from mkdocs_schema_sync.drift.log import JsonLog, entry_from
from mkdocs_schema_sync.render.escape import github_link
from mkdocs_schema_sync.sync import pr_body

HOSTILE = "x\n::error::pwned ##[add-mask]y \x1b[31m"
ORDERS = "CREATE TABLE orders (id INTEGER PRIMARY KEY, order_key VARCHAR(64) NOT NULL);"


def test_plan_deploy_and_history_print_database_text_on_one_line(tmp_path: Path) -> None:
    """A contract warning names the new type, a failed file's error names a table: both database text."""
    root = tmp_path / "p"
    root.mkdir()
    make_sqlite(root / "app.db", ORDERS)
    files = {
        "001_retype.sql": f'DROP TABLE orders;\nCREATE TABLE orders (id INTEGER PRIMARY KEY, order_key "{HOSTILE}");\n',
        "002_fails.sql": f'SELECT * FROM "{HOSTILE}3";\n',
    }
    project(root, "sqlite:///app.db", files)
    contracts = (root / "contracts.yml").read_text().replace("severity: error", "severity: warning")
    (root / "contracts.yml").write_text(contracts)
    plan = cli("plan", cwd=root)
    deploy = cli("deploy", cwd=root)
    history = cli("history", cwd=root)
    assert deploy.returncode == 1 and "pwned" in history.stdout
    for run in (plan, deploy, history):
        out = run.stdout + run.stderr
        assert "pwned" in out, out  # the names are shown …
        assert workflow_commands(out) == [] and "\x1b" not in out, out  # … as text on one line


def test_diff_markdown_fences_open_no_workflow_command(tmp_path: Path) -> None:
    view = "CREATE VIEW v AS SELECT /*\n::error::pwned\n*/ {} AS a /*\n##[add-mask]x */"
    db = make_sqlite(tmp_path / "d.db", view.format(1))
    root = tmp_path / "p"
    root.mkdir()
    project(root, f"sqlite:///{db}", {}, contracts=False)
    assert cli("snapshot", cwd=root).returncode == 0
    with sqlite3.connect(db) as conn:
        conn.executescript("DROP VIEW v;" + view.format(2))
    run = cli("diff", "--format", "markdown", cwd=root)
    assert run.returncode == 1, run.stderr
    assert "pwned" in run.stdout and "add-mask" in run.stdout  # the definition's diff is shown …
    assert workflow_commands(run.stdout) == [], run.stdout  # … and no line of it is a command


def test_drift_log_fields_of_any_type_are_escaped_in_the_pr_body(tmp_path: Path) -> None:
    """A writer of the log (SQLite table or JSON file) chooses every field, event_time and id included."""
    log = JsonLog(tmp_path / "drift.json")
    hostile_time = "@acme/admins <!-- [x](http://e.x)"
    log.path.write_text(
        json.dumps(
            {
                "entries": [
                    {"event_time": hostile_time, "login_name": 7, "event_type": ["ALTER"], "id": "3; --",
                     "object_name": {"o": 1}, "statement": None, "source": "poll", "sync_status": "pending"},
                ],
                "state": {},
            }
        ),
        encoding="utf-8",
    )  # fmt: skip
    (entry,) = log.read()
    assert entry.id is None and entry.login_name == "7" and isinstance(entry.event_type, str)
    assert entry_from({"event_time": 20261203, "id": 4}).event_time == "20261203"
    data = pr_body.BodyInput(
        database="db", sha256="0" * 64, changes=[], entries=[entry], docs_url="https://x.example> @acme/admins <!-- >"
    )
    body = pr_body.body(data)
    html = markdown.markdown(body, extensions=["tables"])
    assert "@acme/admins" not in body  # neither the field nor the URL mentions a team
    assert "<!--" not in body.split("-->", 1)[1]  # only our own marker comment
    assert hostile_time[:19] in unescape(body) and 'href="http://e.x"' not in html  # shown, as text
    assert "<https://x.example%3E%20%40acme/admins%20%3C!--%20%3E>" in body  # one autolink, nothing left outside


def test_github_link_links_only_http_urls() -> None:
    assert github_link("https://docs.example/a b") == "<https://docs.example/a%20b>"
    assert str(github_link("javascript:alert(1)")).startswith("<code>")
    assert str(github_link("https://[::1")).startswith("<code>")
