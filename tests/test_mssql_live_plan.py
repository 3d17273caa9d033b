"""The live-server plan (tests/mssql_live_plan.py) says valid T-SQL and covers what the issue asks a live server for."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from mssql_live_plan import STEPS
from tsql_check import parse_tsql

HERE = Path(__file__).parent


@pytest.mark.parametrize("batch", [b for s in STEPS for b in s.sql], ids=lambda b: b[:40])
def test_every_tsql_step_of_the_plan_parses(batch: str) -> None:
    assert parse_tsql(batch).errors == []


def test_the_plan_covers_what_only_a_live_server_can_settle() -> None:
    text = " ".join(f"{s.name} {s.why} {s.expect} {' '.join(s.sql)}" for s in STEPS)
    for needle in (
        "sqlcmd WITHOUT -I",
        "collation",
        "autocommit",
        "explicit transaction",
        "IMPLICIT_TRANSACTIONS",
        "statistics",
        "sp_rename",
        "1 MB",
        "ALTER DATABASE",
        "10,000-table",
        "1222",
        "40613",
        "EVENTDATA of ALTER_SCHEMA",
        "disabled trigger",
    ):
        assert needle in text, needle


def test_the_plan_prints_without_a_server() -> None:
    out = subprocess.run(
        [sys.executable, str(HERE / "mssql_live_plan.py")], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    assert out.count("   settles: ") == len(STEPS)
