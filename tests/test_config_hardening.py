"""Options that must be refused with one clear line, and command-line details (real builds, real CLI runs)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import cli, make_sqlite, mkdocs_build, write_site

BAD_PATHS = ["../../outside", "schema/../../outside", "/tmp/abs-schema", "a\\..\\..\\b", "C:/x", "a//b", ".", ""]


@pytest.mark.parametrize("value", BAD_PATHS)
def test_a_path_that_leaves_the_site_is_refused(tmp_path: Path, value: str) -> None:
    site = write_site(tmp_path / "deep" / "s", f"connection: sqlite:///x.db\npath: {value!r}")
    make_sqlite(site.root / "x.db", "CREATE TABLE t (id INTEGER PRIMARY KEY);")
    before = set(tmp_path.rglob("*"))
    result = mkdocs_build(site, strict=False)
    assert result.returncode != 0
    assert "option `path`" in result.stderr and "Traceback" not in result.stderr
    written = {p for p in set(tmp_path.rglob("*")) - before if site.site_dir not in p.parents and p != site.site_dir}
    assert not [p for p in written if p.suffix in (".html", ".md")], written
    assert not Path("/tmp/abs-schema").exists()
    out = tmp_path / "out"
    result = cli("generate", "--out", str(out), cwd=site.root)
    assert result.returncode == 2 and "option `path`" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "outside").exists() and not (tmp_path / "deep" / "outside").exists()


def test_a_nested_path_inside_the_site_is_fine(tmp_path: Path) -> None:
    site = write_site(tmp_path / "s", "connection: sqlite:///x.db\npath: reference/db/")
    make_sqlite(site.root / "x.db", "CREATE TABLE t (id INTEGER PRIMARY KEY);")
    result = mkdocs_build(site, strict=False)
    assert result.returncode == 0, result.stderr
    assert (site.site_dir / "reference/db/main/t/index.html").is_file()


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("drift_limit: -1", "option `drift_limit` must be a number, 0 or more"),
        ("connect_timeout: -5", "option `connect_timeout` must be a number, more than 0"),
        ("connect_timeout: 0", "option `connect_timeout` must be a number, more than 0"),
        ("query_timeout: -1", "option `query_timeout` must be a number, more than 0"),
        ("cache_ttl: -1", "option `cache_ttl` must be a number, 0 or more"),
        ("watch_interval: -2", "option `watch_interval` must be a number, 0 or more"),
        ("notify_timeout: 0", "option `notify_timeout` must be a number, more than 0"),
        ("er_max_tables: 0", "option `er_max_tables` must be a number, 1 or more"),
        # issue 21 item 7: OverflowError, a traceback, or a healthy database shown as "unreachable" before
        ("connect_timeout: .inf", "option `connect_timeout` must be a finite number"),
        ("connect_timeout: .nan", "option `connect_timeout` must be a finite number"),
        ("query_timeout: .inf", "option `query_timeout` must be a finite number"),
        ("query_timeout: .nan", "option `query_timeout` must be a finite number"),
        ("query_timeout: 3000000", "option `query_timeout` must be a number, more than 0 and at most 2147483"),
        ("monitor_schedule: '61 * * * *'", "has minute '61', outside 0-59"),
        ("monitor_schedule: '0 9 * * 8'", "has day of week '8', outside 0-6"),
        ("connect_timeout: true", "option `connect_timeout` must be a number"),
    ],
)
def test_out_of_range_numbers_are_refused(tmp_path: Path, option: str, message: str) -> None:
    site = write_site(tmp_path / "s", f"connection: sqlite:///x.db\n{option}")
    make_sqlite(site.root / "x.db", "CREATE TABLE t (id INTEGER PRIMARY KEY);")
    result = mkdocs_build(site, strict=False)
    assert result.returncode != 0 and message in result.stderr and "Traceback" not in result.stderr
    result = cli("snapshot", cwd=site.root)
    assert result.returncode == 2 and message in result.stderr


def test_validate_without_a_contract_file_has_nothing_to_check(tmp_path: Path) -> None:
    """README: a missing default contracts.yml means "no contracts" — for `validate` too (exit 0, said once)."""
    import json

    site = write_site(tmp_path / "s", "connection: sqlite:///x.db")
    make_sqlite(site.root / "x.db", "CREATE TABLE t (id INTEGER PRIMARY KEY);")
    result = cli("validate", cwd=site.root)
    assert result.returncode == 0, result.stderr
    assert "no contracts" in result.stderr and "contracts.yml does not exist" in result.stderr
    result = cli("validate", "--format", "json", cwd=site.root)
    assert result.returncode == 0 and json.loads(result.stdout)["contracts"] == []
    # a file named in the option must exist
    (site.root / "mkdocs.yml").write_text((site.root / "mkdocs.yml").read_text() + "      contracts: mine.yml\n")
    result = cli("validate", cwd=site.root)
    assert result.returncode == 2 and "mine.yml does not exist" in result.stderr


def test_generate_removes_the_pages_of_dropped_tables_and_only_those(tmp_path: Path) -> None:
    import sqlite3

    db = make_sqlite(tmp_path / "app.db", "CREATE TABLE keep (id INTEGER PRIMARY KEY); CREATE TABLE gone (id INTEGER);")
    site = write_site(tmp_path / "s", f"connection: sqlite:///{db}")
    out = tmp_path / "docs"
    (out / "schema" / "main").mkdir(parents=True)
    (out / "index.md").write_text("# Mine\n")
    (out / "schema" / "main" / "notes.md").write_text("# Hand-written, beside generated pages\n")
    assert cli("generate", "--out", str(out), cwd=site.root).returncode == 0
    assert (out / "schema/main/gone.md").is_file() and (out / "schema/main/keep.md").is_file()
    conn = sqlite3.connect(db)
    conn.execute("DROP TABLE gone")
    conn.commit()
    conn.close()
    result = cli("generate", "--out", str(out), cwd=site.root)
    assert result.returncode == 0, result.stderr
    assert not (out / "schema/main/gone.md").exists()
    assert (out / "schema/main/keep.md").is_file()
    assert (out / "index.md").read_text() == "# Mine\n"
    assert (out / "schema/main/notes.md").is_file()
    assert "removed 1 page(s)" in result.stdout
    # another `path`: every page of the old section goes, the hand-written ones stay
    (site.root / "mkdocs.yml").write_text((site.root / "mkdocs.yml").read_text() + "      path: db\n")
    assert cli("generate", "--out", str(out), cwd=site.root).returncode == 0
    assert (out / "db/main/keep.md").is_file() and not (out / "schema/main/keep.md").exists()
    assert not (out / "schema/index.md").exists() and (out / "schema/main/notes.md").is_file()


def build_with(tmp_path: Path, options: str, files: dict[str, bytes]) -> str:
    """Build a one-table site with extra files; return stderr of the failed build (one line, no traceback)."""
    site = write_site(tmp_path / "s", "connection: sqlite:///x.db\n" + options)
    make_sqlite(site.root / "x.db", "CREATE TABLE t (id INTEGER PRIMARY KEY);")
    for rel, data in files.items():
        (site.root / rel).parent.mkdir(parents=True, exist_ok=True)
        (site.root / rel).write_bytes(data)
    result = mkdocs_build(site, strict=False)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("ERROR")]
    assert len(errors) == 1, result.stderr
    return errors[0]


@pytest.mark.parametrize(
    ("options", "files", "expected"),
    [
        ("templates: tpl", {"tpl/table.md.j2": b"# {{ table.name }}\n\n{{ 1/0 }}\n"},
         "template table.md.j2:3 failed: ZeroDivisionError: division by zero"),
        ("templates: tpl", {"tpl/table.md.j2": b"# t\n\n{% include 'nope.md.j2' %}\n"},
         "template table.md.j2:3 failed: template 'nope.md.j2' (named by extends, include or import) not found"),
        # issue 21 item 11: an extends was reported as an include, a YAML error had no file:line
        ("templates: tpl", {"tpl/table.md.j2": b'{% extends "nope" %}\n'},
         "failed: template 'nope' (named by extends, include or import) not found"),
        ("descriptions: d.yml", {"d.yml": b"t:\n  description: [unclosed\n  other: x\n"},
         "d.yml:3:8 is not valid YAML: expected ',' or ']', but got ':'"),
        ("templates: tpl", {"tpl/table.md.j2": b"# caf\xe9\n"},
         "table.md.j2:1: not UTF-8 text (byte 0xe9); save it as UTF-8"),
        ("", {"contracts.yml": b"contracts:\n  - name: x\n    owner: Caf\xe9\n"},
         "contracts.yml:3: not UTF-8 text (byte 0xe9); save it as UTF-8"),
        ("descriptions: d.yml", {"d.yml": b"t:\n  description: caf\xe9\n"},
         "d.yml:2: not UTF-8 text (byte 0xe9); save it as UTF-8"),
    ],
)  # fmt: skip
def test_template_and_file_errors_are_one_line_naming_file_and_line(
    tmp_path: Path, options: str, files: dict[str, bytes], expected: str
) -> None:
    assert expected in build_with(tmp_path, options, files)


def test_install_triggers_contracts_on_sqlite_refuses_before_installing_anything(tmp_path: Path) -> None:
    import sqlite3

    db = make_sqlite(tmp_path / "app.db", "CREATE TABLE t (id INTEGER PRIMARY KEY);")
    site = write_site(tmp_path / "s", f"connection: sqlite:///{db}")
    (site.root / "contracts.yml").write_text("contracts:\n  - name: c\n    protects:\n      - t\n")
    result = cli("install-triggers", "--contracts", cwd=site.root)
    assert result.returncode == 2 and "contracts are installed into" in result.stderr
    conn = sqlite3.connect(db)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    conn.close()
    assert tables == {"t"}, tables  # no drift log half-installed


def test_config_file_option_after_the_command_name(tmp_path: Path) -> None:
    db = make_sqlite(tmp_path / "app.db", "CREATE TABLE t (id INTEGER PRIMARY KEY);")
    site = write_site(tmp_path / "s", f"connection: sqlite:///{db}")
    (site.root / "mkdocs.yml").rename(site.root / "docs.yml")
    elsewhere = tmp_path
    for args in (
        ["snapshot", "-f", str(site.root / "docs.yml")],
        ["snapshot", "--config-file", str(site.root / "docs.yml")],
    ):
        result = cli(*args, cwd=elsewhere)
        assert result.returncode == 0, result.stderr
    assert (site.root / "schema.lock.json").is_file()
    result = cli("-f", str(site.root / "docs.yml"), "diff", cwd=elsewhere)  # before it, as always
    assert result.returncode == 0, result.stderr


def test_schemas_matching_nothing_warn_and_diff_honours_schemas_and_exclude(tmp_path: Path) -> None:
    db = make_sqlite(tmp_path / "app.db", "CREATE TABLE t (id INTEGER PRIMARY KEY); CREATE TABLE tmp_x (id INTEGER);")
    site = write_site(tmp_path / "s", f"connection: sqlite:///{db}")
    assert cli("snapshot", cwd=site.root).returncode == 0  # every table
    yml = site.root / "mkdocs.yml"
    base = yml.read_text()
    yml.write_text(base + "      schemas: [sales]\n")
    result = mkdocs_build(site, strict=False)
    assert (
        result.returncode == 0 and "schemas: 'sales' matches no schema of the database (it has: main)" in result.stderr
    )
    assert mkdocs_build(site, strict=True).returncode != 0  # a warning: --strict fails
    result = cli("diff", cwd=site.root)
    assert result.returncode == 0, result.stdout  # both sides limited the same way: nothing removed
    assert "matches no schema" in result.stderr
    yml.write_text(base + "      exclude: ['tmp_*']\n")
    result = cli("diff", cwd=site.root)
    assert result.returncode == 0, result.stdout


def test_a_missing_server_names_files_and_variables_that_exist() -> None:
    """The skip (or, under CI, failure) message points at `.ci/run` and the README, not at a file the
    repository does not have, and the variables it names are documented."""
    import conftest

    with pytest.raises((pytest.skip.Exception, pytest.fail.Exception)) as info:
        conftest.server_missing("PostgreSQL at 127.0.0.1:1", "refused")
    message = str(info.value)
    assert "DESIGN.md" not in message
    assert ".ci/run" in message and (conftest.ROOT / ".ci" / "run").is_file()
    readme = (conftest.ROOT / "README.md").read_text(encoding="utf-8")
    assert "## Two commands" in readme
    for variable in ("SCHEMA_SYNC_TEST_PG_PORT", "SCHEMA_SYNC_TEST_MARIADB_PORT", "SCHEMA_SYNC_TEST_PG_HOST"):
        assert variable in readme


@pytest.mark.parametrize("value", [None, ""])
def test_an_unset_or_empty_env_connection_is_a_mistake_not_an_outage(tmp_path: Path, value: str | None) -> None:
    """Issue 17 item 7: an empty CI secret built from the snapshot with exit 0 and one INFO line."""
    site = write_site(tmp_path / "s", "connection: !ENV SCHEMA_SYNC_CONN_T\n")
    make_sqlite(site.root / "x.db", "CREATE TABLE t (id INTEGER PRIMARY KEY);")
    env = {} if value is None else {"SCHEMA_SYNC_CONN_T": value}
    assert (
        cli("-f", "mkdocs.yml", "snapshot", cwd=site.root, env={"SCHEMA_SYNC_CONN_T": "sqlite:///x.db"}).returncode == 0
    )
    built = mkdocs_build(site, strict=False, env=env)
    assert built.returncode != 0 and "SCHEMA_SYNC_CONN_T is not set or empty" in built.stderr
    r = cli("diff", cwd=site.root, env=env)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "SCHEMA_SYNC_CONN_T" in r.stderr
    # `!ENV [VAR, null]` opts into the snapshot explicitly
    cfg = site.root / "mkdocs.yml"
    cfg.write_text(
        cfg.read_text().replace("!ENV SCHEMA_SYNC_CONN_T", "!ENV [SCHEMA_SYNC_CONN_T, null]"), encoding="utf-8"
    )
    assert mkdocs_build(site, strict=False, env=env).returncode == 0


def test_install_triggers_says_what_it_does_on_a_terminal(tmp_path: Path) -> None:
    """Issue 17 item 13: install-triggers and monitor were silent for seconds; on a terminal they say each step."""
    import os
    import pty
    import subprocess
    import sys

    site = write_site(tmp_path / "s", "connection: sqlite:///x.db\n")
    make_sqlite(site.root / "x.db", "CREATE TABLE t (id INTEGER PRIMARY KEY);")
    master, replica = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "mkdocs_schema_sync", "install-triggers"],
            cwd=site.root, stdout=subprocess.PIPE, stderr=replica, text=True, timeout=120,
        )  # fmt: skip
        os.close(replica)
        said = os.read(master, 65536).decode()
    finally:
        os.close(master)
    assert done.returncode == 0
    assert "connecting to the database …" in said and "installing drift capture" in said
    piped = cli("install-triggers", cwd=site.root)
    assert "connecting to the database" not in piped.stderr  # a pipe's stderr stays for errors


def test_an_unset_env_connection_of_one_database_entry_is_named(tmp_path: Path) -> None:
    """Item 7 for `databases:`: the entry whose `!ENV` is unset fails with its variable, not a snapshot build."""
    site = write_site(
        tmp_path / "s",
        "databases:\n  - name: app\n    connection: sqlite:///x.db\n  - name: wh\n    connection: !ENV SCHEMA_SYNC_WH_T\n",
    )
    make_sqlite(site.root / "x.db", "CREATE TABLE t (id INTEGER PRIMARY KEY);")
    built = mkdocs_build(site, strict=False)
    assert built.returncode != 0 and "SCHEMA_SYNC_WH_T is not set or empty" in built.stderr
