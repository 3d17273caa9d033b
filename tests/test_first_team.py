"""The README's "PostgreSQL in ten commands", run as a new team would: its shell block line by line.

Substituted, and nothing else: the database URL (a test database), the role name (unique per run),
the package's git URL in step 1 (the test's own install is used; step 1 is skipped), and
`--install` for `init-ci` (this checkout is an editable install, which init-ci rightly refuses).
"""

from __future__ import annotations

import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from conftest import EXAMPLE, ServerDB, pg_execute
from github_stand_in import make_repo

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"

pytestmark = pytest.mark.postgres


def block(name: str) -> str:
    text = README.read_text(encoding="utf-8")
    m = re.search(
        rf"<!-- quick-start:{re.escape(name)} -->\n```\w+\n(.*?)```\n<!-- /quick-start:{re.escape(name)} -->",
        text,
        re.S,
    )
    assert m, f"README has no quick-start block {name}"
    return m.group(1)


def test_the_readme_quick_start_works_as_written(tmp_path: Path, pg_db: ServerDB) -> None:
    pg_execute(pg_db, (EXAMPLE / "scout.postgres.sql").read_text())
    repo = make_repo(tmp_path / "git")
    role = f"ssdocs_{uuid.uuid4().hex[:8]}"
    url = pg_db.url("postgresql+psycopg")
    admin = f"postgresql://{pg_db.user}@{pg_db.host}:{pg_db.port}/{pg_db.name}"
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True)
    spec = f"mkdocs-schema-sync @ git+file://{ROOT}@{head.stdout.strip()}"
    (repo.work / "mkdocs.yml").write_text(block("mkdocs.yml"), encoding="utf-8")
    lines = [line for line in block("postgres").splitlines() if line.strip() and not line.startswith("#")]
    assert len(lines) == 11  # ten steps, step 3 in two lines
    script = []
    for line in lines:
        if line.startswith("pip install"):
            continue  # step 1: the test's environment already has the package
        line = line.replace("postgresql+psycopg://postgres@db.example/scout", url)
        line = line.replace("postgresql://postgres@db.example/scout", admin).replace("docs_reader", role)
        if line == "mkdocs-schema-sync init-ci":
            line += f" --install '{spec}'"
        script.append(line)
    bin_dir = Path(sys.executable).parent
    done = subprocess.run(
        ["bash", "-e", "-c", "\n".join(script)], cwd=repo.work, capture_output=True, text=True, timeout=600,
        env={"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8",
             "GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.com",
             "GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@example.com"},
    )  # fmt: skip
    try:
        assert done.returncode == 0, done.stdout + done.stderr
        assert (repo.work / "schema.lock.json").is_file()
        assert (repo.work / "site" / "schema" / "index.html").is_file()
        assert repo.remote_head("main") is not None
        for name in ("schema-sync-drift.yml", "schema-sync-docs.yml"):
            assert "mkdocs-schema-sync[postgres] @ git+file://" in repo.show(
                "main", f".github/workflows/{name}"
            )  # pushed
        assert "SCHEMA_SYNC_CONNECTION" in done.stdout and "install:" in done.stdout  # the secrets to set
        assert "no drift" in done.stdout  # step 10: nothing drifted yet
        assert '"format"' in repo.show("main", "schema.lock.json")  # the snapshot is committed
    finally:
        pg_execute(pg_db, f'DROP ROLE IF EXISTS "{role}"')
