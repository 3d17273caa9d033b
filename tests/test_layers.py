"""The layout's rules hold, and `lint-imports` (run by `make test`) catches an edit that breaks them.

Each case copies the package beside pyproject.toml into a temporary folder, adds one
forbidden import and runs the real `lint-imports` on the copy (PYTHONPATH puts it first).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from conftest import ROOT, run, tool


def lint_copy(tmp_path: Path, edit: tuple[str, str] | None = None):  # type: ignore[no-untyped-def]
    shutil.copytree(
        ROOT / "mkdocs_schema_sync", tmp_path / "mkdocs_schema_sync", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    if edit is not None:
        module, line = edit
        path = tmp_path / "mkdocs_schema_sync" / module
        path.write_text(path.read_text(encoding="utf-8") + f"\n{line}  # noqa\n", encoding="utf-8")
    env = {"PYTHONPATH": str(tmp_path) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return run([tool("lint-imports"), "--no-cache"], tmp_path, env=env)


def test_the_tree_keeps_its_layers(tmp_path: Path) -> None:
    result = lint_copy(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("edit", "contract", "names"),
    [
        # the core reaching up into a shell
        (
            ("catalog/model.py", "from ..cli import main"),
            "Layers",
            "mkdocs_schema_sync.catalog.model -> mkdocs_schema_sync.cli",
        ),
        # a command module importing the group that registers it: a circle
        (
            ("cli/drift.py", "from .main import main"),
            "No import circles",
            "No cycles are allowed in mkdocs_schema_sync.cli",
        ),
        # MkDocs or click inside the core
        (
            ("drift/log.py", "import click"),
            "The core knows neither MkDocs nor click",
            "mkdocs_schema_sync.drift.log -> click",
        ),
        (
            ("db/spec.py", "import mkdocs.plugins"),
            "The core knows neither MkDocs nor click",
            "mkdocs_schema_sync.db.spec -> mkdocs",
        ),
        # a database's behaviour outside its dialect reaching into another room
        (
            ("dialects/postgres/catalog.py", "from ...drift import log"),
            "Layers",
            "mkdocs_schema_sync.dialects.postgres.catalog -> mkdocs_schema_sync.drift",
        ),
    ],
)
def test_a_forbidden_import_fails_lint_imports(
    tmp_path: Path, edit: tuple[str, str], contract: str, names: str
) -> None:
    result = lint_copy(tmp_path, edit)
    assert result.returncode != 0, result.stdout
    assert "BROKEN" in result.stdout
    broken = [line for line in result.stdout.splitlines() if line.endswith("BROKEN")]
    assert any(line.startswith(contract) for line in broken), broken
    assert names in " ".join(result.stdout.split()), result.stdout
