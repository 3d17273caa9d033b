"""A crash is never read as drift: the contract-marking crash of issue 17, and every command's unexpected error."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import GITHUB_TOKEN, TEST_PASSWORD, cli, make_sqlite, write_site
from github_stand_in import GitHubStandIn, make_repo

from mkdocs_schema_sync.cli import common
from mkdocs_schema_sync.cli.main import main

CONTRACT = """\
version: 1
contracts:
  - name: t-key
    protects:
      - table: t
        columns:
          k:
            type: varchar(10)
            nullable: false
"""


def _contract_site(root: Path, github: str = "") -> Path:
    write_site(root, "connection: sqlite:///t.db\ncontracts: contracts.yml\nsnapshot: schema.lock.json\n" + github)
    (root / "contracts.yml").write_text(CONTRACT)
    (root / ".gitignore").write_text("site/\nt.db\n.schema-sync-state.json\n")
    make_sqlite(root / "t.db", "CREATE TABLE t (k varchar(10) NOT NULL);")
    assert cli("snapshot", cwd=root).returncode == 0
    return root


def test_a_broken_contract_beside_an_added_table_is_drift_not_a_crash(tmp_path: Path) -> None:
    stand_in = GitHubStandIn()
    try:
        github = f"github:\n  repository: acme/data-docs\n  api_url: {stand_in.url}\n"
        repo = make_repo(tmp_path / "git")
        root = _contract_site(repo.work, github)
        repo.commit_all("docs with a snapshot and a contract")
        assert cli("install-triggers", cwd=root).returncode == 0
        conn = sqlite3.connect(root / "t.db")
        conn.executescript("CREATE TABLE u (a INTEGER); ALTER TABLE t RENAME COLUMN k TO k2;")
        conn.close()

        text = cli("diff", cwd=root)
        assert text.returncode == 1, text.stderr
        assert "Traceback" not in text.stderr
        lines = text.stdout.splitlines()
        assert lines[0] == "CONTRACT  column removed: main.t.k  [breaks contract: t-key]"
        assert "additive  table added: main.u" in lines  # a new table breaks no contract

        changes = json.loads(cli("diff", "--format", "json", cwd=root).stdout)["changes"]
        marked = {c["kind"]: c["contracts"] for c in changes}
        assert marked["table_added"] == [] and marked["column_removed"] == ["t-key"]

        env = {"GITHUB_TOKEN": GITHUB_TOKEN}
        dry = cli("pr", "--dry-run", cwd=root, env=env)
        assert dry.returncode == 0, dry.stderr
        assert "t-key" in dry.stdout and "table added" in dry.stdout
        once = cli("monitor", "--once", cwd=root, env=env)
        assert once.returncode == 0, once.stderr
        assert len(stand_in.pulls) == 1 and "t-key" in next(iter(stand_in.pulls.values()))["body"]
    finally:
        stand_in.close()


def test_a_table_that_makes_a_protected_name_ambiguous_is_what_broke_the_contract(tmp_path: Path) -> None:
    """`t` in a second schema makes the contract's unqualified `t` ambiguous: that table_added is the break."""
    from mkdocs_schema_sync.catalog import Catalog
    from mkdocs_schema_sync.catalog.diff import diff_catalogs
    from mkdocs_schema_sync.catalog.snapshot import read_snapshot
    from mkdocs_schema_sync.contracts.check import mark_contract_breaks
    from mkdocs_schema_sync.contracts.loader import load_contracts

    root = _contract_site(tmp_path / "site")
    old = read_snapshot(root / "schema.lock.json")
    data = old.canonical()
    twin = json.loads(json.dumps(data["objects"]["main.t"]))
    twin["schema"] = "other"
    data["objects"]["other.t"] = twin
    new = Catalog.from_canonical(data)
    changes = diff_catalogs(old, new)
    contracts = load_contracts(root / "contracts.yml")
    assert contracts is not None
    assert mark_contract_breaks(contracts, old, new, changes) == ["t-key"]
    (added,) = changes
    assert (added.kind, added.key, added.contracts, added.breaking) == ("table_added", "other.t", ["t-key"], True)


# every registered command, with the arguments it needs to get as far as reading its settings
ARGS = {"generate": ["--out", "out"], "baseline": ["1"], "deploy": [], "plan": []}


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_command_turns_an_unexpected_error_into_one_line_and_exit_2(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(config_file: Path) -> None:
        raise KeyError(f"injected with postgresql://u:{TEST_PASSWORD}@h/db")

    monkeypatch.setattr(common, "load_databases", explode)
    monkeypatch.delenv("SCHEMA_SYNC_DEBUG", raising=False)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, [command, *ARGS.get(command, [])])
    assert result.exit_code == 2, (command, result.output)
    out = result.output.strip().splitlines()
    assert len(out) == 1, out
    assert out[0].startswith(f"Error: unexpected error in `{command}`: KeyError"), out
    assert "--debug" in out[0] and TEST_PASSWORD not in out[0]
    assert "Traceback" not in result.output


def test_debug_shows_the_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(config_file: Path) -> None:
        raise KeyError("injected")

    monkeypatch.setattr(common, "load_databases", explode)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["--debug", "diff"])
    assert isinstance(result.exception, KeyError)
    monkeypatch.setenv("SCHEMA_SYNC_DEBUG", "1")
    result = CliRunner().invoke(main, ["diff"])
    assert isinstance(result.exception, KeyError)
