"""A small project for deploy tests: mkdocs.yml, a contract file and migration files in a temporary folder."""

from __future__ import annotations

import textwrap
from pathlib import Path

from conftest import write_site

CONTRACTS = """\
version: 1
contracts:
  - name: orders-key
    owner: {team: Data Engineering, contact: data-eng@example.com}
    severity: error
    protects:
      - table: orders
        columns:
          order_key: {type: varchar(64), nullable: false}
"""


def project(root: Path, connection: str, files: dict[str, str], *, contracts: bool = True, extra: str = "") -> Path:
    """mkdocs.yml with `connection`, contracts.yml (orders.order_key protected) and migrations/<files>."""
    options = f"connection: {connection}\nsnapshot: schema.lock.json\n"
    if contracts:
        options += "contracts: contracts.yml\n"
        (root / "contracts.yml").parent.mkdir(parents=True, exist_ok=True)
        (root / "contracts.yml").write_text(CONTRACTS)
    options += extra
    write_site(root, options)
    write_migrations(root, files)
    return root


def write_migrations(root: Path, files: dict[str, str]) -> None:
    folder = root / "migrations"
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(textwrap.dedent(text).lstrip())
