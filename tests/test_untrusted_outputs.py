"""Database text at every boundary that is not a page: CI logs, GitHub annotations, JSON, JUnit XML,
PR bodies, webhooks. A name with a newline, `%0A` or `##[` must never become a workflow command."""

from __future__ import annotations

import json
import re
import sqlite3
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import cli, make_sqlite, write_site
from test_contracts_site import Receiver

from mkdocs_schema_sync.contracts.check import check_contracts
from mkdocs_schema_sync.contracts.loader import load_contracts
from mkdocs_schema_sync.contracts.model import ContractFile
from mkdocs_schema_sync.contracts.notify import Webhook, notify_broken
from mkdocs_schema_sync.db import open_database, parse_connection
from mkdocs_schema_sync.untrusted import json_text, markdown_inline, one_line, slack_text, workflow_data

TABLE = "t\n::error::pwned ##[add-mask]x"
COLUMN = "c%0A::add-mask::secret%0A::error::y"
TYPE = "weird\n::error::type ##[stop-commands]tok"
TYPE_SHOWN = " ".join(TYPE.split())  # types are normalised: white space becomes one space
ESC_COLUMN = "e\x1b[31m\x07"
SQL = f"""CREATE TABLE "{TABLE}" (
    id INTEGER PRIMARY KEY,
    "{COLUMN}" "{TYPE}" NOT NULL,
    "{ESC_COLUMN}" TEXT
);
"""
CONTRACTS = """contracts:
  - name: hostile
    owner: "Data @team <data@example.com>"
    protects:
      - table: "t\\n::error::pwned ##[add-mask]x"
        columns:
          "c%0A::add-mask::secret%0A::error::y": {type: integer, nullable: false}
          "e\\x1b[31m\\x07": {type: integer}
"""


def workflow_commands(output: str) -> list[str]:
    """The lines GitHub's runner would read as commands: `::x::` at the start, or `##[x]` anywhere."""
    found = []
    for line in re.split(r"\r\n|\r|\n", output):
        stripped = line.lstrip()
        if (stripped.startswith("::") and stripped.find("::", 2) > 0) or "##[" in line:
            found.append(line)
    return found


def decode_data(data: str) -> str:
    return data.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


@pytest.fixture
def hostile_site(tmp_path: Path) -> Path:
    db = make_sqlite(tmp_path / "h.db", SQL)
    site = write_site(tmp_path / "site", f"connection: sqlite:///{db}\ndrift_log: false")
    (site.root / "contracts.yml").write_text(CONTRACTS, encoding="utf-8")
    return site.root


# ------------------------------------------------------------------ the functions


def test_one_line_leaves_no_line_break_no_control_and_no_legacy_command() -> None:
    text = "a\nb\r\nc\u2028d\x1b[31m\x00e ##[add-mask]f \ud800"
    out = one_line(text)
    assert out == "a\\nb\\r\\nc\\u2028d\\x1b[31m\\x00e ##\\[add-mask]f \\ud800"
    assert out.encode("utf-8")  # printable: no lone surrogate left
    assert workflow_commands(out) == []


def test_workflow_data_keeps_percent_sequences_literal() -> None:
    assert decode_data(workflow_data("a%0A::error::b")) == "a%0A::error::b"
    assert workflow_commands("::error::" + workflow_data("x\n::add-mask::y")) == ["::error::x\\n::add-mask::y"]


def test_json_text_is_the_same_json() -> None:
    doc = json.dumps({"name": "##[add-mask]x ##[", "n": [1]}, indent=2)
    assert "##[" not in json_text(doc) and json.loads(json_text(doc)) == json.loads(doc)


def test_slack_and_markdown_escaping() -> None:
    assert slack_text("<!channel> <https://evil|click> a&b") == "&lt;!channel&gt; &lt;https://evil|click&gt; a&amp;b"
    assert not re.search(r"[<>\[\]()*_`@|]", markdown_inline("[x](javascript:a) *b* <i> `c` @d |"))


# ------------------------------------------------------------------ validate


def test_validate_github_annotations_are_the_only_workflow_commands(hostile_site: Path) -> None:
    summary = hostile_site / "summary.md"
    run = cli("validate", "--format", "github", cwd=hostile_site, env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert run.returncode == 1, run.stderr
    commands = workflow_commands(run.stdout)
    assert commands and all(c.startswith("::error file=contracts.yml,line=") for c in commands), commands
    data = decode_data(commands[0].split("::", 2)[2])
    assert one_line(TABLE) in data and COLUMN in data and one_line(TYPE_SHOWN) in data, data
    assert workflow_commands(run.stderr) == []
    text = summary.read_text(encoding="utf-8")
    assert "<" not in text.replace("<br>", "") and "@team" not in text and "](" not in text


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_validate_text_and_json_hold_no_workflow_command(hostile_site: Path, fmt: str) -> None:
    run = cli("validate", "--format", fmt, cwd=hostile_site)
    assert run.returncode == 1, run.stderr
    assert workflow_commands(run.stdout) == [] and workflow_commands(run.stderr) == []
    if fmt == "json":
        reasons = json.loads(run.stdout)["contracts"][0]["reasons"]
        assert TABLE in reasons[0]["text"] and TYPE_SHOWN in reasons[0]["text"]  # JSON keeps the exact text
    else:
        assert one_line(TABLE) in run.stdout and one_line(TYPE_SHOWN) in run.stdout


def test_validate_junit_is_well_formed_xml(hostile_site: Path) -> None:
    run = cli("validate", "--format", "junit", cwd=hostile_site)
    assert run.returncode == 1, run.stderr
    suite = ET.fromstring(run.stdout)
    failure = next(suite.iter("failure"))
    assert one_line(TABLE) in failure.get("message", "") and one_line(TYPE_SHOWN) in (failure.text or "")
    assert one_line(ESC_COLUMN) in (failure.text or "")  # "\x1b" and "\x07" spelled out: XML 1.0 forbids them
    assert workflow_commands(run.stdout) == []


# ------------------------------------------------------------------ diff and monitor


def test_diff_formats_hold_no_workflow_command_and_markdown_is_code(hostile_site: Path) -> None:
    assert cli("snapshot", cwd=hostile_site).returncode == 0
    db = hostile_site.parent / "h.db"
    conn = sqlite3.connect(db)
    conn.execute(f'CREATE TABLE "{TABLE}2" (id INTEGER PRIMARY KEY, "[x](javascript:alert(1)) @all" "{TYPE}")')
    conn.execute(f'ALTER TABLE "{TABLE}" ADD COLUMN "{ESC_COLUMN}2" "{TYPE}"')
    conn.commit()
    conn.close()
    for fmt in ("text", "json", "markdown"):
        run = cli("diff", "--format", fmt, cwd=hostile_site)
        assert run.returncode == 1, run.stderr
        assert workflow_commands(run.stdout) == [], (fmt, run.stdout)
        assert "\x1b" not in run.stdout
    body = cli("diff", "--format", "markdown", cwd=hostile_site).stdout
    cells = [cell for line in body.splitlines() if line.startswith("| <code>") for cell in line.split(" | ")[:1]]
    assert cells and all(re.fullmatch(r"\| <code>[^<>\[\]()@`*]*</code>", c) for c in cells), cells
    run = cli("monitor", "--once", cwd=hostile_site)
    assert run.returncode == 0 and workflow_commands(run.stdout + run.stderr) == []


# ------------------------------------------------------------------ webhooks


def test_webhook_messages_are_escaped_for_their_receiver(hostile_site: Path) -> None:
    with open_database(parse_connection(f"sqlite:///{hostile_site.parent / 'h.db'}")) as db:
        catalog = db.dialect.read_catalog(db)
    contracts = load_contracts(hostile_site / "contracts.yml", explicit=True, base_dir=hostile_site)
    assert contracts is not None
    report = check_contracts(contracts, catalog)
    receiver = Receiver()
    try:
        hooks = [Webhook(f"http://127.0.0.1:{receiver.port}/{kind}", kind) for kind in ("slack", "teams", "generic")]
        out = notify_broken(report, hooks, hostile_site / "state.json", 5, "db <@U123>")
        assert out.sent == 3
        by_kind = {path.strip("/"): msg for path, msg in zip(receiver.paths, receiver.messages, strict=True)}
    finally:
        receiver.close()
    slack = by_kind["slack"]
    assert slack["mrkdwn"] is False
    assert "<" not in slack["text"] and "&lt;@U123&gt;" in slack["text"] and "\n" not in slack["text"]
    teams = by_kind["teams"]["text"]
    assert not re.search(r"[<>\[\]`*_@]", teams) and "\n" not in teams
    generic = by_kind["generic"]
    assert "\n" not in generic["text"] and one_line(TABLE) in generic["text"]
    assert any(TABLE in reason for reason in generic["reasons"])  # the data fields stay exact


def _odd_contract(tmp_path: Path) -> ContractFile:
    """One contract on `t.c` (an integer), for the lone-surrogate tests."""
    (tmp_path / "contracts.yml").write_text(
        "contracts:\n  - name: odd\n    owner: data\n    protects:\n      - table: t\n"
        "        columns:\n          c: {type: integer}\n",
        encoding="utf-8",
    )
    contracts = load_contracts(tmp_path / "contracts.yml", explicit=True, base_dir=tmp_path)
    assert contracts is not None
    return contracts


def test_a_lone_surrogate_in_database_text_reaches_every_webhook(tmp_path: Path) -> None:
    """A column type holding a UTF-16 half (as SQL Server's NVARCHAR can): the generic payload's data carries
    it as its JSON escape (the receiver reads the same code point back), the message texts show `\\udcff`."""
    from mkdocs_schema_sync.catalog import Catalog, Column, Table

    contracts = _odd_contract(tmp_path)
    catalog = Catalog(dialect="sqlite", tables=[Table("main", "t", columns=[Column("c", "text\udcff")])])
    report = check_contracts(contracts, catalog)
    receiver = Receiver()
    try:
        hooks = [Webhook(f"http://127.0.0.1:{receiver.port}/{kind}", kind) for kind in ("slack", "teams", "generic")]
        out = notify_broken(report, hooks, tmp_path / "state.json", 5, "db\ud800")
        by_kind = {path.strip("/"): msg for path, msg in zip(receiver.paths, receiver.messages, strict=True)}
    finally:
        receiver.close()
    assert out.sent == 3 and out.failed == 0
    assert any("text\udcff" in reason for reason in by_kind["generic"]["reasons"])  # the data stays exact
    assert by_kind["generic"]["source"] == "db\ud800"
    for kind in ("slack", "teams", "generic"):
        assert "text\\udcff" in by_kind[kind]["text"] or "text&#92;udcff" in by_kind[kind]["text"], kind


def test_a_lone_surrogate_reaches_the_json_drift_log_and_the_json_reports(tmp_path: Path) -> None:
    """Database text holding UTF-16 halves: the poller's JSON drift log (the database is not written),
    `diff --format json` and `validate --format json` write each as its JSON escape, the same code point."""
    import dataclasses

    from mkdocs_schema_sync.catalog import Column, Table
    from mkdocs_schema_sync.catalog.diff import diff_catalogs
    from mkdocs_schema_sync.contracts import output
    from mkdocs_schema_sync.drift.log import JsonLog, json_log_path
    from mkdocs_schema_sync.drift.poller import Poller
    from mkdocs_schema_sync.render.diff_formats import to_json
    from mkdocs_schema_sync.settings import Settings

    db = make_sqlite(tmp_path / "app.db", "CREATE TABLE t (c TEXT);")
    snapshot = tmp_path / "schema.lock.json"
    settings = Settings(base_dir=tmp_path, connection=f"sqlite:///{db}", snapshot=snapshot)
    poller = Poller(settings)
    with open_database(parse_connection(settings.connection or "", tmp_path)) as conn:
        assert poller.check(conn).where == "json"  # the baseline
        make_sqlite(db, "CREATE TABLE moved (id INTEGER);")  # the signal moves
        signal = conn.dialect.change_signal(conn)
        before = conn.dialect.read_catalog(conn, row_counts=False)
        odd = Table("main", "t", columns=[Column("c", "text\udcff")], comment="p\ud800q")
        after = dataclasses.replace(before, tables=[odd if t.name == "t" else t for t in before.tables])
        assert poller.check(conn, catalog=after, signal=signal).where == "json"
    text = json_log_path(snapshot).read_text(encoding="utf-8")
    assert "text\\udcff" in text
    logged = JsonLog(json_log_path(snapshot)).read()
    assert any("text\udcff" in (e.statement or "") for e in logged)  # read back: the same code point

    diff = to_json(diff_catalogs(before, after))
    assert "text\udcff" in json.dumps(json.loads(diff.encode("utf-8")), ensure_ascii=False)
    contracts = _odd_contract(tmp_path)
    report = output.to_json(check_contracts(contracts, after))
    reasons = json.loads(report.encode("utf-8"))["contracts"][0]["reasons"]
    assert any("text\udcff" in r["text"] for r in reasons)
