"""What a `monitor` pass costs at N tables against the same pass at 100 tables (issue 20 goal 3).

    .venv/bin/python benchmarks/monitor.py [--folder] [N ...]        (default: 2000)

`--folder`: the snapshot is a folder (`schema-lock/`, one file per object) instead of one file.

For 100 tables (the baseline) and each N: a fresh PostgreSQL database (superuser `postgres` at
127.0.0.1:5432, event triggers installed), a git repository with a bare origin and the snapshot
committed, and the GitHub stand-in of the tests. Measured, each as `monitor --once` would run it
(a new Monitor in this process, connection opened and closed inside the timing):
  first     the first pass (no drift: the whole catalog read and compared with the snapshot)
  idle      a pass with nothing pending (median of 5)
  change    a pass after one `ALTER TABLE … ADD COLUMN` (a pull request opened, rows marked)
  update    a pass after one more `ALTER TABLE … ADD COLUMN`, the pull request open (median of 3)
  after     the idle pass that follows (median of 5)
With DDL triggers a pass with a change reads only the tables the drift log names and patches the
snapshot the last pass left (`sync/incremental.py`); `read` says what the change passes read.
Prints seconds and the ratio of each to the same pass at 100 tables, and the peak RSS of the process.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(Path(__file__).resolve().parent)]

from deploy import HOST, PORT, USER, admin, make_db  # noqa: E402
from github_stand_in import TOKEN, GitHubStandIn  # noqa: E402

from mkdocs_schema_sync.catalog.snapshot import write_snapshot  # noqa: E402
from mkdocs_schema_sync.db import open_database, parse_connection  # noqa: E402
from mkdocs_schema_sync.drift.capture import install  # noqa: E402
from mkdocs_schema_sync.settings import GitHubSettings, Settings  # noqa: E402
from mkdocs_schema_sync.sync.monitor import Monitor  # noqa: E402


def git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, timeout=120)


SNAPSHOT = "schema.lock.json"


def project(tmp: Path, name: str, api_url: str) -> Settings:
    origin, work = tmp / "origin.git", tmp / "work"
    git("init", "-q", "--bare", "-b", "main", str(origin), cwd=tmp)
    git("clone", "-q", str(origin), str(work), cwd=tmp)
    git("checkout", "-q", "-b", "main", cwd=work)
    git("config", "user.name", "Bench", cwd=work)
    git("config", "user.email", "bench@example.com", cwd=work)
    settings = Settings(base_dir=work, connection=f"postgresql+psycopg://{USER}@{HOST}:{PORT}/{name}")
    settings.snapshot = work / SNAPSHOT
    settings.github = GitHubSettings(repository="acme/data-docs", api_url=api_url)
    with open_database(parse_connection(settings.connection or ""), writable=True) as db:
        install(db)
        write_snapshot(db.dialect.read_catalog(db, row_counts=False), settings.snapshot)
    git("add", "-A", cwd=work)
    git("commit", "-q", "-m", "snapshot", cwd=work)
    git("push", "-q", "origin", "HEAD:main", cwd=work)
    return settings


def one_pass(settings: Settings) -> tuple[float, str]:
    start = time.perf_counter()
    with open_database(parse_connection(settings.connection or ""), writable=True) as db:
        result = Monitor(settings).run_pass(db)
    took = time.perf_counter() - start
    if result.tables_read is not None:
        return took, f"{result.action}, read {result.tables_read} table(s)"
    return took, f"{result.action}, read whole" if result.action != "idle" else result.action


def measure(n: int, stand_in: GitHubStandIn) -> dict[str, tuple[float, str]]:
    name = make_db(n)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            settings = project(Path(tmp), name, stand_in.url)
            out = {"first": one_pass(settings)}
            runs = [one_pass(settings) for _ in range(5)]
            out["idle"] = (statistics.median(t for t, _ in runs), runs[-1][1])
            admin(f"ALTER TABLE t{n // 2:05d} ADD COLUMN extra text", name)
            out["change"] = one_pass(settings)
            runs = []
            for i in range(3):
                admin(f"ALTER TABLE t{n // 3 + i:05d} ADD COLUMN extra text", name)
                runs.append(one_pass(settings))
            out["update"] = (statistics.median(t for t, _ in runs), runs[-1][1])
            runs = [one_pass(settings) for _ in range(5)]
            out["after"] = (statistics.median(t for t, _ in runs), runs[-1][1])
            return out
    finally:
        admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    global SNAPSHOT
    args = sys.argv[1:]
    if "--folder" in args:
        args.remove("--folder")
        SNAPSHOT = "schema-lock"
    sizes = [int(a) for a in args] or [2000]
    os.environ["GITHUB_TOKEN"] = TOKEN
    stand_in = GitHubStandIn()
    try:
        results = {n: measure(n, stand_in) for n in [100, *sizes]}
    finally:
        stand_in.close()
    layout = "a folder, one file per object" if SNAPSHOT == "schema-lock" else "one file"
    print(f"PostgreSQL with event triggers, the snapshot {layout}; ratio: the same pass at 100 tables")
    print("| N tables | pass | action | seconds | x 100 tables |")
    print("|---:|---|---|---:|---:|")
    for n, passes in results.items():
        for label, (took, action) in passes.items():
            print(f"| {n} | {label} | {action} | {took:.3f} | {took / results[100][label][0]:.2f} |")
    print(f"peak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB")


if __name__ == "__main__":
    main()
