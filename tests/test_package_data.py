"""Every SQL file the code can ask for is in the INSTALLED package, for every dialect (issue 11).

A checkout and an editable install read the repository's top-level `sql/` folder,
so a file missing from the wheel (`sql/mssql/log_tables.sql` once was: "missing
from the installation; reinstall") never shows in the other tests. Here the wheel
is built (hatchling, no isolation: `build` and `hatchling` are dev extras), unzipped
into tmp_path, and a separate Python that imports the package from there reads
each file through importlib.resources and through `read_sql`.

Which files the code can ask for is derived from the code: every `….sql` string
literal in the package (and the one f-string, `catalog/{kind}.sql`, expanded over
the kinds the code allows), attributed to its dialect by where it is written;
running the install, uninstall and catalog code with a recording `sql_path`
checks that the scan missed nothing.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT

from mkdocs_schema_sync.dialects import all_dialects

PACKAGE = ROOT / "mkdocs_schema_sync"
_SQL_NAME = re.compile(r"[\w-]+(?:/[\w-]+)*\.sql")


def _is_sql_name(text: str) -> bool:
    return _SQL_NAME.fullmatch(text) is not None


def _expansions() -> dict[str, list[str]]:
    """f-string file names and the values the code allows in them."""
    from mkdocs_schema_sync.dialects.mssql.catalog import CATALOG_COLUMNS

    return {"catalog/{}.sql": sorted(CATALOG_COLUMNS)}


def _literals(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and _is_sql_name(node.value):
            names.add(node.value)
        elif isinstance(node, ast.JoinedStr):
            template = "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
            if template.endswith(".sql") and " " not in template:
                expansions = _expansions()
                assert template in expansions, f"teach {__name__} how to expand the SQL file name f{template!r}"
                names |= {template.format(v) for v in expansions[template]}
    return names


def requested_sql_files() -> set[tuple[str, str]]:
    """(sql folder, file name) for every SQL file the package's code names."""
    dialect_of_package = {type(d).__module__.rsplit(".", 1)[-1]: d.sql_dir for d in all_dialects()}
    every_dialect = set(dialect_of_package.values())
    found: set[tuple[str, str]] = set()
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE).parts
        # code in dialects/<db>/ asks for its own files; code elsewhere (base.py, drift/) for every dialect's
        dirs = {dialect_of_package[rel[1]]} if rel[0] == "dialects" and rel[1] in dialect_of_package else every_dialect
        for name in _literals(ast.parse(path.read_text(encoding="utf-8"))):
            found |= {(d, name) for d in dirs}
    return found


def test_the_scan_finds_what_the_code_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run the code that reads SQL files and record every file it asks for: the scan must have found each."""
    from mkdocs_schema_sync.dialects import sqlfiles
    from mkdocs_schema_sync.dialects.mssql import catalog as mssql_catalog
    from mkdocs_schema_sync.dialects.postgres.contracts import PostgresContracts

    asked: set[tuple[str, str]] = set()
    real = sqlfiles.sql_path

    def recording(dialect: str, name: str):  # type: ignore[no-untyped-def]
        asked.add((dialect, name))
        return real(dialect, name)

    monkeypatch.setattr(sqlfiles, "sql_path", recording)
    for dialect in all_dialects():
        dialect.install_script(triggers=True)
        dialect.install_script(triggers=False)
        dialect.uninstall_script(keep_log=True)
        dialect.uninstall_script(keep_log=False)
        dialect.read_sql("log_tables.sql")  # what polling's create_log_tables reads on every database
    for kind in mssql_catalog.CATALOG_COLUMNS:
        mssql_catalog.catalog_sql(kind)
    PostgresContracts().script([], True)
    PostgresContracts().script([], False)
    scanned = requested_sql_files()
    assert asked, "nothing recorded: sql_path is no longer how SQL files are read"
    assert asked - scanned == set()
    assert ("mssql", "log_tables.sql") in scanned and ("mssql", "catalog/objects.sql") in scanned


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built from this checkout and unzipped: what `pip install` puts in site-packages."""
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out / "dist"), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    wheels = list((out / "dist").glob("mkdocs_schema_sync-*.whl"))
    assert len(wheels) == 1, wheels
    site = out / "site"
    with zipfile.ZipFile(wheels[0]) as wheel:
        wheel.extractall(site)
    return site


_CHECK = """
import json, sys
from importlib import resources
import mkdocs_schema_sync
from mkdocs_schema_sync.dialects.sqlfiles import read_sql, sql_path
from mkdocs_schema_sync.errors import SchemaSyncError
root = resources.files("mkdocs_schema_sync")
out = {"package": mkdocs_schema_sync.__file__, "files": {}}
for folder, name in json.loads(sys.argv[1]):
    entry = root.joinpath("sql", folder, *name.split("/"))
    found = {"resource": entry.is_file(), "same": False, "path": None}
    if found["resource"]:
        try:
            found["same"] = read_sql(folder, name) == entry.read_text(encoding="utf-8")
            found["path"] = str(sql_path(folder, name))
        except SchemaSyncError as exc:
            found["error"] = str(exc)
    out["files"][folder + "/" + name] = found
print(json.dumps(out))
"""


def check_installed(site: Path, files: set[tuple[str, str]], cwd: Path) -> dict[str, dict[str, object]]:
    """Import the package from `site` in a fresh interpreter and look up each file there."""
    env = {**os.environ, "PYTHONPATH": str(site)}
    result = subprocess.run(
        [sys.executable, "-c", _CHECK, json.dumps(sorted(files))],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert Path(out["package"]).is_relative_to(site), out["package"]  # the wheel's copy, not the checkout
    return out["files"]  # type: ignore[no-any-return]


def _missing(report: dict[str, dict[str, object]], site: Path) -> list[str]:
    return [
        name
        for name, found in sorted(report.items())
        if not (found["resource"] and found["same"] and Path(str(found["path"])).is_relative_to(site))
    ]


def test_every_sql_file_the_code_reads_is_in_the_installed_package(installed: Path, tmp_path: Path) -> None:
    files = requested_sql_files()
    assert {d for d, _ in files} == {d.sql_dir for d in all_dialects()}  # every dialect asks for some
    report = check_installed(installed, files, tmp_path)
    assert _missing(report, installed) == []


def test_the_wheel_carries_the_whole_sql_folder(installed: Path) -> None:
    shipped = {p.relative_to(ROOT / "sql").as_posix() for p in (ROOT / "sql").rglob("*.sql")}
    in_wheel = {
        p.relative_to(installed / "mkdocs_schema_sync" / "sql").as_posix()
        for p in (installed / "mkdocs_schema_sync" / "sql").rglob("*.sql")
    }
    assert in_wheel == shipped


def test_a_file_missing_from_the_installation_is_caught(installed: Path, tmp_path: Path) -> None:
    """What the check reports for a file the wheel lacks (as mssql/log_tables.sql once was)."""
    site = tmp_path / "site"
    import shutil

    shutil.copytree(installed, site)
    (site / "mkdocs_schema_sync" / "sql" / "mssql" / "log_tables.sql").unlink()
    report = check_installed(site, {("mssql", "log_tables.sql"), ("mssql", "install.sql")}, tmp_path)
    assert _missing(report, site) == ["mssql/log_tables.sql"]


def test_the_wheel_carries_the_bundled_mermaid_and_its_license(installed: Path) -> None:
    """`mermaid: bundled` copies these from the installed package into every built site (issue 9)."""
    assets = installed / "mkdocs_schema_sync" / "assets"
    assert (assets / "mermaid.min.js").read_bytes() == (PACKAGE / "assets" / "mermaid.min.js").read_bytes()
    assert "MIT License" in (assets / "mermaid.LICENSE").read_text(encoding="utf-8")
