"""What the contract gate costs a deploy: PostgreSQL, N tables, F migration files.

    .venv/bin/python benchmarks/deploy.py [N] [F]        (defaults: N = 500 tables, F = 20 files)

Measured in the same run, each on a fresh copy of the same database (PostgreSQL at
127.0.0.1:5432, superuser `postgres`, as the tests use):
  baseline  `deploy` without a contract file: lock, history, one transaction per file, no gate
  gate      the same with one contract: the catalog is read and checked inside every file's transaction
  plan      `deploy --plan` with the contract: every file applied, gated, diffed, rolled back
Prints seconds and the ratio of each to the baseline.
"""

from __future__ import annotations

import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

from mkdocs_schema_sync.db import open_database, parse_connection
from mkdocs_schema_sync.deploy.apply import Deployer, DeployOptions
from mkdocs_schema_sync.settings import Settings

HOST, PORT, USER = "127.0.0.1", 5432, "postgres"
CONTRACT = """version: 1
contracts:
  - name: t0-key
    owner: {team: bench}
    protects:
      - table: t00000
        columns:
          c01: {type: varchar(64), nullable: false}
"""


def admin(sql: str, dbname: str = "postgres") -> None:
    with psycopg.connect(host=HOST, port=PORT, user=USER, dbname=dbname, autocommit=True) as conn:
        conn.execute(sql)


def make_db(n: int) -> str:
    name = f"ssbench_{uuid.uuid4().hex[:8]}"
    admin(f'CREATE DATABASE "{name}"')
    try:
        for first in range(0, n, 200):  # in chunks: one transaction of thousands of tables runs out of locks
            admin(
                "".join(
                    f"CREATE TABLE t{i:05d} (id integer PRIMARY KEY, c01 varchar(64) NOT NULL, c02 text, c03 integer);"
                    f"CREATE INDEX ix_t{i:05d} ON t{i:05d} (c03);"
                    for i in range(first, min(n, first + 200))
                ),
                name,
            )
    except BaseException:
        admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        raise
    return name


def run(name: str, folder: Path, contracts: Path | None, plan: bool) -> float:
    settings = Settings(base_dir=folder.parent, connection=f"postgresql://{USER}@{HOST}:{PORT}/{name}")
    settings.contracts, settings.contracts_explicit = contracts, contracts is not None
    with open_database(parse_connection(settings.connection or ""), writable=True) as db:
        start = time.perf_counter()
        report = Deployer(db, settings, folder, DeployOptions()).run(plan=plan)
        took = time.perf_counter() - start
    assert not report.stopped, report.stopped
    assert len(report.results) == len(list(folder.iterdir())), "every file must have run"
    return took


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    f = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        folder = root / "migrations"
        folder.mkdir()
        for i in range(1, f + 1):
            (folder / f"{i:03d}_add_column.sql").write_text(f"ALTER TABLE t{i % n:05d} ADD COLUMN extra_{i} text;\n")
        contracts = root / "contracts.yml"
        contracts.write_text(CONTRACT)
        results = {}
        for label, path, plan in (("baseline", None, False), ("gate", contracts, False), ("plan", contracts, True)):
            name = make_db(n)
            try:
                results[label] = run(name, folder, path, plan)
            finally:
                admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(f"PostgreSQL, {n} tables, {f} files")
    print("| run | seconds | x baseline | per file |")
    print("|---|---:|---:|---:|")
    for label, took in results.items():
        print(f"| {label} | {took:.2f} | {took / results['baseline']:.2f} | {took / f * 1000:.0f} ms |")


if __name__ == "__main__":
    main()
