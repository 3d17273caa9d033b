"""Contracts in real builds and in `validate`: the example site, a broken Scout copy, CI formats, webhooks."""

from __future__ import annotations

import json
import re
import shutil
import socket
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from html import unescape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import EXAMPLE, WEBHOOK_SECRET, Site, cli, make_sqlite, mkdocs_build, write_site
from test_contracts import catalog_of

from mkdocs_schema_sync.contracts.check import check_contracts
from mkdocs_schema_sync.contracts.loader import load_contracts
from mkdocs_schema_sync.contracts.notify import Webhook, notify_broken

PAYLOAD_COL = "    canonical_tx_id_norm  VARCHAR(64) NOT NULL,  "
ITEMS_COL = "    CanonicalTxID  VARCHAR(64) NOT NULL REFERENCES"


def example_copy(root: Path, *, retype: str | None = None, retype_items: bool = False, options: str = "") -> Site:
    """example-site/ with its database; `retype` changes PayloadTransactions.canonical_tx_id_norm's type."""
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("site", "scout.db"))
    sql = (EXAMPLE / "scout.sql").read_text()
    if retype:
        assert sql.count(PAYLOAD_COL) == 1
        sql = sql.replace(PAYLOAD_COL, f"    canonical_tx_id_norm  {retype} NOT NULL,  ")
    if retype_items:
        assert sql.count(ITEMS_COL) == 1
        sql = sql.replace(ITEMS_COL, "    CanonicalTxID  INTEGER NOT NULL REFERENCES")
    make_sqlite(root / "scout.db", sql)
    if options:
        cfg = root / "mkdocs.yml"
        cfg.write_text(cfg.read_text() + options, encoding="utf-8")
    return Site(root)


def text_of(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", "", html)).split())


def line_of(path: Path, needle: str, after: str = "") -> int:
    lines = path.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if after in line) if after else 0
    return next(i for i in range(start, len(lines)) if needle in lines[i]) + 1


# ------------------------------------------------------------------ example site


def test_example_contracts_hold_and_render(tmp_path: Path) -> None:
    site = example_copy(tmp_path / "ex")
    result = mkdocs_build(site)  # --strict
    assert result.returncode == 0, result.stderr
    page = text_of(site.html("schema/contracts/index.html"))
    assert "3 hold, 0 broken" in page
    for name in ("payload-transaction-key", "sales-interactions-payload-join", "transaction-items-payload-join"):
        assert name in page
    assert "Stop the flatten.py schedule" in page  # recovery Markdown rendered as Markdown
    assert "<code>flatten.py</code>" in site.html("schema/contracts/index.html")
    table = site.html("schema/main/PayloadTransactions/index.html")
    assert 'href="../../contracts/#contract-payload-transaction-key"' in table
    assert "Broken ETL contract" not in table
    run = cli("validate", cwd=site.root)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "3 hold, 0 broken" in run.stdout


def test_contracts_hold_against_the_snapshot_too(tmp_path: Path) -> None:
    from mkdocs_schema_sync.catalog.snapshot import write_snapshot

    site = example_copy(tmp_path / "ex")
    write_snapshot(catalog_of(site.root / "scout.db"), site.root / "schema.lock.json")
    (site.root / "scout.db").unlink()
    run = cli("validate", "--snapshot", "--format", "json", cwd=site.root)
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert data["source"] == "snapshot" and data["summary"]["holds"] == 3


# ------------------------------------------------------------------ a broken Scout


@pytest.mark.parametrize("retype", ["VARCHAR(32)", "INTEGER"])
def test_retyped_scout_fails_strict_build_naming_the_contract(tmp_path: Path, retype: str) -> None:
    site = example_copy(tmp_path / "ex", retype=retype)
    result = mkdocs_build(site)
    assert result.returncode != 0
    found = "varchar(32)" if retype == "VARCHAR(32)" else "integer"
    assert "contract 'payload-transaction-key' is broken" in result.stderr
    assert (
        f"PayloadTransactions.canonical_tx_id_norm: expected varchar(64) NOT NULL, found {found} NOT NULL"
        in result.stderr
    )
    assert "owner: Scout Data Engineering <data-eng@scout.example>" in result.stderr
    assert "Traceback" not in result.stderr


def test_broken_contract_warns_without_strict_and_shows_notices(tmp_path: Path) -> None:
    site = example_copy(tmp_path / "ex", retype="VARCHAR(32)")
    result = mkdocs_build(site, strict=False)
    assert result.returncode == 0, result.stderr
    assert re.search(r"WARNING.*contract 'payload-transaction-key' is broken", result.stderr)
    table = text_of(site.html("schema/main/PayloadTransactions/index.html"))
    assert "Broken ETL contract:" in table and "expected varchar(64) NOT NULL, found varchar(32) NOT NULL" in table
    assert "(broken)" in table
    page = text_of(site.html("schema/contracts/index.html"))
    assert "2 hold, 1 broken" in page and "BROKEN" in page
    # other tables carry no notice
    assert "Broken ETL contract" not in site.html("schema/main/stores/index.html")


def test_fail_on_broken_contract_option(tmp_path: Path) -> None:
    site = example_copy(tmp_path / "a", retype="VARCHAR(32)", options="      fail_on_broken_contract: true\n")
    assert mkdocs_build(site, strict=False).returncode != 0
    site = example_copy(tmp_path / "b", retype="VARCHAR(32)", options="      fail_on_broken_contract: false\n")
    result = mkdocs_build(site, strict=False)
    assert result.returncode == 0 and "is broken" in result.stderr


def test_warning_severity_never_fails_the_build(tmp_path: Path) -> None:
    site = example_copy(tmp_path / "ex", retype="VARCHAR(32)")
    path = site.root / "contracts.yml"
    path.write_text(path.read_text().replace("severity: error", "severity: warning"), encoding="utf-8")
    result = mkdocs_build(site)  # --strict
    assert result.returncode == 0, result.stderr
    run = cli("validate", "--format", "junit", cwd=site.root)
    assert run.returncode == 0
    assert "<skipped" in run.stdout


def test_validate_exits_1_with_junit_and_github_annotation(tmp_path: Path) -> None:
    site = example_copy(tmp_path / "ex", retype="VARCHAR(32)")
    run = cli("validate", "--format", "junit", cwd=site.root)
    assert run.returncode == 1, run.stderr
    suite = ET.fromstring(run.stdout)
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert set(cases) == {
        "payload-transaction-key",
        "sales-interactions-payload-join",
        "transaction-items-payload-join",
    }
    failure = cases["payload-transaction-key"].find("failure")
    assert failure is not None and "expected varchar(64) NOT NULL, found varchar(32) NOT NULL" in failure.get(
        "message", ""
    )
    assert cases["sales-interactions-payload-join"].find("failure") is None

    summary = tmp_path / "summary.md"
    run = cli("validate", "--format", "github", cwd=site.root, env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert run.returncode == 1
    line = line_of(site.root / "contracts.yml", "type: varchar(64)", after="table: PayloadTransactions")
    annotations = [x for x in run.stdout.splitlines() if x.startswith("::")]
    assert annotations == [
        f"::error file=contracts.yml,line={line},title=Contract payload-transaction-key broken::"
        "PayloadTransactions.canonical_tx_id_norm: expected varchar(64) NOT NULL, found varchar(32) NOT NULL "
        "(contract payload-transaction-key, owner%3A Scout Data Engineering <data-eng@scout.example>)".replace(
            "%3A", ":"
        )
    ]
    text = summary.read_text()
    assert "## Schema contracts" in text and "❌ | payload-transaction-key" in text

    run = cli("validate", "--format", "json", cwd=site.root)
    data = json.loads(run.stdout)
    assert data["exit_code"] == 1
    assert [c["status"] for c in data["contracts"]] == ["broken", "holds", "holds"]


def test_validate_errors_exit_2(tmp_path: Path) -> None:
    site = example_copy(tmp_path / "ex")
    (site.root / "contracts.yml").write_text(
        "contracts:\n  - name: a\n    protects:\n      - table: t\n        columns:\n          x: {type: 12}\n"
    )
    run = cli("validate", cwd=site.root)
    assert run.returncode == 2
    assert "contracts.yml:6:" in run.stderr and "Traceback" not in run.stderr
    result = mkdocs_build(site)
    assert result.returncode != 0 and "contracts.yml:6:" in result.stderr


def test_explicit_missing_contract_file_is_an_error(tmp_path: Path) -> None:
    site = example_copy(tmp_path / "ex", options="")
    (site.root / "contracts.yml").unlink()
    result = mkdocs_build(site)
    assert result.returncode != 0 and "contracts.yml does not exist" in result.stderr


def test_default_contract_file_is_optional(tmp_path: Path) -> None:
    db = make_sqlite(tmp_path / "s.db", "CREATE TABLE t (id INTEGER PRIMARY KEY);")
    site = write_site(tmp_path / "site", f"connection: sqlite:///{db}")
    assert mkdocs_build(site).returncode == 0
    assert not (site.site_dir / "schema" / "contracts").exists()


def test_hostile_contract_text_is_escaped(tmp_path: Path) -> None:
    db = make_sqlite(tmp_path / "s.db", "CREATE TABLE t (id INTEGER PRIMARY KEY, code VARCHAR(8));")
    site = write_site(tmp_path / "site", f"connection: sqlite:///{db}")
    (site.root / "contracts.yml").write_text(
        'contracts:\n  - name: "<script>alert(1)</script>"\n'
        '    owner: {team: "<img src=x onerror=alert(2)>", contact: "a|b"}\n'
        "    protects:\n      - table: t\n        columns:\n          code: {nullable: false}\n"
        "    recovery: |\n      Call **the owner**.\n",
        encoding="utf-8",
    )
    result = mkdocs_build(site, strict=False)
    assert result.returncode == 0, result.stderr
    for page in ("schema/contracts/index.html", "schema/main/t/index.html"):
        html = site.html(page)
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html or "&#60;script&#62;" in html
    assert "<strong>the owner</strong>" in site.html("schema/contracts/index.html")


# ------------------------------------------------------------------ webhooks


class Receiver:
    """A webhook receiver on 127.0.0.1 that records what it is sent (optionally after a delay)."""

    def __init__(self, delay: float = 0.0) -> None:
        self.messages: list[dict[str, object]] = []
        self.paths: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if delay:
                    time.sleep(delay)
                outer.paths.append(self.path)
                outer.messages.append(json.loads(body))
                try:
                    self.send_response(200)
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:  # the client gave up waiting (the slow-receiver test)
                    pass

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()  # a quick shutdown()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_one_message_per_newly_broken_contract_across_builds(tmp_path: Path, receiver: Receiver) -> None:
    options = (
        "      fail_on_broken_contract: false\n"
        "      notify:\n"
        "        - url: ${HOOK_URL}\n"
        "          kind: slack\n"
        "        - url: !ENV HOOK_URL2\n"
    )
    site = example_copy(tmp_path / "ex", retype="VARCHAR(32)", retype_items=True, options=options)
    secret = WEBHOOK_SECRET
    env = {
        "HOOK_URL": f"http://127.0.0.1:{receiver.port}/slack/{secret}",
        "HOOK_URL2": f"http://127.0.0.1:{receiver.port}/generic/{secret}",
    }
    for _ in range(2):
        result = mkdocs_build(site, strict=False, env=env)
        assert result.returncode == 0, result.stderr
        assert secret not in result.stderr + result.stdout
    slack = [m for m, p in zip(receiver.messages, receiver.paths, strict=True) if p.startswith("/slack/")]
    generic = [m for m, p in zip(receiver.messages, receiver.paths, strict=True) if p.startswith("/generic/")]
    assert len(slack) == 2 and len(generic) == 2  # two broken contracts, two webhooks, two builds
    assert all(set(m) == {"text", "mrkdwn"} and m["mrkdwn"] is False for m in slack)
    assert sorted(m["contract"] for m in generic) == ["payload-transaction-key", "transaction-items-payload-join"]
    assert any("found varchar(32)" in str(m["text"]) for m in slack)
    # kept in the JSON drift log beside the snapshot (this SQLite file has no state table), not a git-ignored file
    assert not (site.root / ".schema-sync-state.json").exists()
    log_text = (site.root / "schema.drift.json").read_text()
    state = json.loads(json.loads(log_text)["state"]["notified_contracts"])
    assert sorted(state) == ["payload-transaction-key", "transaction-items-payload-join"]
    assert secret not in log_text
    # validate shares the state: nothing new to say
    assert cli("validate", cwd=site.root, env=env).returncode == 1
    assert len(receiver.messages) == 4


def test_fresh_ci_runs_notify_once(tmp_path: Path, receiver: Receiver) -> None:
    """Issue 17 item 5: three fresh checkouts against one database post once, not once per run (the record was
    a git-ignored file); the record is in the database's drift-log state table."""
    (tmp_path / "db").mkdir()
    shared = tmp_path / "db" / "scout.db"
    bad = (EXAMPLE / "scout.sql").read_text().replace(PAYLOAD_COL, "    canonical_tx_id_norm  VARCHAR(32) NOT NULL,  ")
    make_sqlite(shared, bad)
    options = "      fail_on_broken_contract: false\n      notify:\n        - url: !ENV HOOK_URL\n"
    env = {"HOOK_URL": f"http://127.0.0.1:{receiver.port}/generic/{WEBHOOK_SECRET}"}
    first = example_copy(tmp_path / "run0", options=options)
    cfg = first.root / "mkdocs.yml"
    cfg.write_text(cfg.read_text().replace('"sqlite:///scout.db"', f'"sqlite:///{shared}"'), encoding="utf-8")
    r = cli("install-triggers", cwd=first.root, env=env)
    assert r.returncode == 0, r.stderr
    for run in range(3):
        site = Site(tmp_path / f"fresh{run}")
        shutil.copytree(first.root, site.root)  # a fresh checkout: no state file, no JSON drift log
        result = mkdocs_build(site, strict=False, env=env)
        assert result.returncode == 0, result.stderr
        assert not (site.root / ".schema-sync-state.json").exists()
    assert [m["contract"] for m in receiver.messages] == ["payload-transaction-key"]


def test_unset_webhook_variable_fails_only_commands_that_notify(tmp_path: Path) -> None:
    """An unset `!ENV` webhook url made every command fatal (even `snapshot`); now only a notifying one says so."""
    options = "      fail_on_broken_contract: false\n      notify:\n        - url: !ENV HOOK_URL_UNSET\n"
    site = example_copy(tmp_path / "ex", retype="VARCHAR(32)", options=options)
    assert cli("snapshot", cwd=site.root).returncode == 0
    r = mkdocs_build(site, strict=False)
    assert r.returncode != 0 and "HOOK_URL_UNSET" not in r.stderr and "notify entry 1" in r.stderr
    good = example_copy(tmp_path / "good", options=options)
    assert mkdocs_build(good, strict=False).returncode == 0  # nothing broken: nothing to send


def test_fixed_contract_notifies_again_when_it_breaks_again(tmp_path: Path, receiver: Receiver) -> None:
    contracts = load_contracts(EXAMPLE / "contracts.yml")
    good = catalog_of(make_sqlite(tmp_path / "good.db", (EXAMPLE / "scout.sql").read_text()))
    bad_sql = (
        (EXAMPLE / "scout.sql").read_text().replace(PAYLOAD_COL, "    canonical_tx_id_norm  VARCHAR(32) NOT NULL,  ")
    )
    bad = catalog_of(make_sqlite(tmp_path / "bad.db", bad_sql))
    hook = [Webhook(f"http://127.0.0.1:{receiver.port}/x", "generic")]
    state = tmp_path / "state.json"
    for catalog in (bad, bad, good, bad):
        notify_broken(check_contracts(contracts, catalog), hook, state, 5, "test")
    assert [m["contract"] for m in receiver.messages] == ["payload-transaction-key"] * 2


def test_closed_port_and_slow_receiver_are_bounded(tmp_path: Path) -> None:
    contracts = load_contracts(EXAMPLE / "contracts.yml")
    bad_sql = (
        (EXAMPLE / "scout.sql").read_text().replace(PAYLOAD_COL, "    canonical_tx_id_norm  VARCHAR(32) NOT NULL,  ")
    )
    report = check_contracts(contracts, catalog_of(make_sqlite(tmp_path / "bad.db", bad_sql)))

    start = time.monotonic()
    out = notify_broken(report, [Webhook(f"http://127.0.0.1:{closed_port()}/x")], tmp_path / "s1.json", 1.0, "t")
    assert out.failed == 1 and out.sent == 0
    assert time.monotonic() - start < 1.0

    slow = Receiver(delay=4.0)
    try:
        start = time.monotonic()
        out = notify_broken(report, [Webhook(f"http://127.0.0.1:{slow.port}/x")], tmp_path / "s2.json", 1.0, "t")
        elapsed = time.monotonic() - start
    finally:
        slow.close()
    assert out.failed == 1
    assert 0.9 <= elapsed < 2.5, elapsed  # timeout 1 s plus margin, not the receiver's 4 s


def test_build_with_unreachable_and_slow_webhooks_succeeds(tmp_path: Path) -> None:
    slow = Receiver(delay=5.0)
    try:
        options = (
            "      fail_on_broken_contract: false\n      notify_timeout: 1\n      notify:\n"
            f"        - url: http://127.0.0.1:{closed_port()}/down\n"
            f"        - url: http://127.0.0.1:{slow.port}/slow\n"
        )
        site = example_copy(tmp_path / "ex", retype="VARCHAR(32)", options=options)
        baseline = example_copy(
            tmp_path / "base", retype="VARCHAR(32)", options="      fail_on_broken_contract: false\n"
        )
        start = time.monotonic()
        assert mkdocs_build(baseline, strict=False).returncode == 0
        base_time = time.monotonic() - start
        start = time.monotonic()
        result = mkdocs_build(site, strict=False)
        elapsed = time.monotonic() - start
    finally:
        slow.close()
    assert result.returncode == 0, result.stderr
    assert "could not notify" in result.stderr
    assert elapsed < base_time + 1.0 + 1.5, (elapsed, base_time)


def test_monitor_reports_and_notifies_a_broken_contract_once(tmp_path: Path, receiver: Receiver) -> None:
    options = "      notify:\n        - url: ${HOOK_URL}\n          kind: generic\n"
    site = example_copy(tmp_path / "ex", retype="VARCHAR(32)", options=options)
    env = {"HOOK_URL": f"http://127.0.0.1:{receiver.port}/hook/s3cretpath"}
    first = cli("monitor", "--once", cwd=site.root, env=env)
    assert first.returncode == 0, first.stderr
    assert "contract payload-transaction-key is broken" in first.stdout
    assert [m["contract"] for m in receiver.messages] == ["payload-transaction-key"]
    second = cli("monitor", "--once", cwd=site.root, env=env)
    assert second.returncode == 0 and "payload-transaction-key is broken" in second.stdout
    assert len(receiver.messages) == 1  # not announced twice
