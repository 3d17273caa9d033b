"""Public sample databases for the fidelity tests: where their SQL is and how to load it.

The SQL files are not part of this repository (they are other people's, under their own
licenses): they are looked for under $SCHEMA_SYNC_SAMPLES, else /work/shared/samples, as

    pagila/pagila-schema.sql            github.com/devrimgunduz/pagila @ e0e35a6 (pre-PostgreSQL 18)
    sakila/mysql-sakila-schema.sql      github.com/jOOQ/sakila, mysql-sakila-db/
    sakila/sqlite-sakila-schema.sql     github.com/jOOQ/sakila, sqlite-sakila-db/
    chinook/Chinook_*_schema.sql        github.com/lerocha/chinook-database, DataSources/Chinook_*.sql
                                        cut before "Populate Tables" (schema only)

each folder with the project's LICENSE and a SOURCE note. A test whose file is missing skips,
naming the file and where to get it, even under CI (they cannot be committed here).
"""

from __future__ import annotations

import os
import re
import sqlite3
from pathlib import Path

import pytest

SAMPLES = Path(os.environ.get("SCHEMA_SYNC_SAMPLES") or "/work/shared/samples")

SOURCES = {
    "pagila": "https://github.com/devrimgunduz/pagila (commit e0e35a6, pagila-schema.sql)",
    "sakila": "https://github.com/jOOQ/sakila (mysql-sakila-db/, sqlite-sakila-db/ *-schema.sql)",
    "chinook": "https://github.com/lerocha/chinook-database (DataSources/Chinook_*.sql, schema part)",
}


def sample(name: str, file: str) -> str:
    """The text of a sample's SQL file, or skip saying where to get it."""
    path = SAMPLES / name / file
    if not path.is_file():
        pytest.skip(
            f"sample SQL {path} is missing: fetch it from {SOURCES[name]} into $SCHEMA_SYNC_SAMPLES/{name}/ "
            "(see tests/samples.py; sample files are not committed)"
        )
    return path.read_text(encoding="utf-8")


def without_database_statements(sql: str) -> str:
    """A script without its own DROP/CREATE DATABASE, USE and \\c lines: the test's database is used."""
    skip = re.compile(r"(?i)^\s*(drop\s+database|create\s+database|create\s+schema\s+sakila|use\s|\\c\s)")
    return "\n".join(line for line in sql.splitlines() if not skip.match(line))


def mysql_statements(sql: str) -> list[str]:
    """Split a mysql-client script into statements, honouring `DELIMITER`."""
    out: list[str] = []
    delimiter = ";"
    buf: list[str] = []
    for line in sql.splitlines():
        stripped = line.strip()
        if stripped.upper().startswith("DELIMITER "):
            delimiter = stripped.split()[1]
            continue
        buf.append(line)
        if stripped.endswith(delimiter):
            text = "\n".join(buf).strip()
            buf = []
            text = text[: -len(delimiter)].strip()
            if text and not all(part.strip().startswith("--") for part in text.splitlines() if part.strip()):
                out.append(text)
    return out


def load_sqlite(path: Path, sql: str) -> Path:
    conn = sqlite3.connect(path)
    conn.executescript(sql)
    conn.commit()
    conn.close()
    return path
