"""How long a command takes to start: `monitor --once` and `mkdocs build` on a one-table SQLite site.

The test suite runs these as subprocesses well over a thousand times, and CI runs them on every
schedule, so their start-up (imports, mostly) is most of their cost on a small database. The floor is
an interpreter that imports what any such command needs (click and MkDocs' configuration); the
figures are medians of RUNS runs, each a fresh process.

    .venv/bin/python benchmarks/cli_start.py [RUNS]
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def timed(cmd: list[str], cwd: Path, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, check=True, capture_output=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        conn = sqlite3.connect(root / "a.db")
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)")
        conn.commit()
        conn.close()
        (root / "docs").mkdir()
        (root / "docs" / "index.md").write_text("# Home\n", encoding="utf-8")
        (root / "mkdocs.yml").write_text(
            "site_name: T\nplugins:\n  - schema-sync:\n      connection: sqlite:///a.db\n", encoding="utf-8"
        )
        subprocess.run(
            [sys.executable, "-m", "mkdocs_schema_sync", "monitor", "--once"], cwd=root, check=True, capture_output=True
        )
        cases = {
            "floor": [sys.executable, "-c", "import click, mkdocs.config.defaults"],
            "monitor --once": [sys.executable, "-m", "mkdocs_schema_sync", "monitor", "--once"],
            "mkdocs build": [str(BIN / "mkdocs"), "build", "-q"],
        }
        results = {name: timed(cmd, root, runs) for name, cmd in cases.items()}
    print(f"median of {runs} runs, one-table SQLite site, {os.cpu_count()} cores")
    print(f"{'command':16} {'seconds':>8} {'x floor':>8}")
    for name, seconds in results.items():
        print(f"{name:16} {seconds:8.3f} {seconds / results['floor']:8.2f}")


if __name__ == "__main__":
    main()
