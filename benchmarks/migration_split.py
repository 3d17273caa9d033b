"""Is migration splitting linear? Each dialect's scanner on 1, 5 and 50 MB files, next to `str.split(";")`.

    .venv/bin/python benchmarks/migration_split.py [MEGABYTES ...]      (default: 1 5 50)
    .venv/bin/python benchmarks/migration_split.py --deploy [MEGABYTES]  (default: 5)

For each size it builds a file of INSERT statements (strings holding `;` and quotes, a
comment every ten rows: the kind of file that took sqlparse 263 s at 5 MB) in each
dialect's spelling, then times `split_migration(text)` against the baseline
`text.split(";")` (one pass in C over the same characters), best of three. The
`x baseline` column must not grow with the size: a quadratic scanner would multiply it
by the size ratio (x5, then x10).

`--deploy` runs a whole deploy of such a SQLite file (the issue's 5 MB file took 263 s, nearly all
of it sqlparse) and, as the baseline in the same run, sqlite3's `executescript` of the same file in one
transaction on a fresh copy of the database: the deploy's own cost is the difference (splitting, one
`execute` per statement, history, lock).
"""

from __future__ import annotations

import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mkdocs_schema_sync.db import open_database, parse_connection
from mkdocs_schema_sync.deploy.apply import Deployer, DeployOptions
from mkdocs_schema_sync.dialects import get_dialect
from mkdocs_schema_sync.settings import Settings

ROWS = {
    "postgresql": "INSERT INTO orders (id, note, body) VALUES ({i}, 'it''s; fine', E'a\\'b;c');\n",
    "sqlite": "INSERT INTO [orders] (id, note) VALUES ({i}, 'it''s; fine'); -- row {i}; done\n",
    "mysql": "INSERT INTO `orders` (id, note) VALUES ({i}, 'it\\'s; fine'); # row {i}\n",
    "mssql": "INSERT INTO [orders] (id, note) VALUES ({i}, N'it''s; fine');\n",
}


def make(dialect: str, size: int) -> str:
    parts, total, i = [], 0, 0
    row = ROWS[dialect]
    while total < size:
        line = row.format(i=i)
        if dialect == "mssql" and i % 1000 == 999:
            line += "GO\n"
        elif i % 10 == 0:
            line = f"/* batch {i}; of rows */\n" + line
        parts.append(line)
        total += len(line)
        i += 1
    return "".join(parts)


def best(func: Callable[[], object], runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def main(sizes: list[float]) -> None:
    print("| dialect | MB | statements | split s | s per MB | str.split s | x baseline |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for mb in sizes:
        for dialect in ROWS:
            text = make(dialect, int(mb * 1_000_000))
            split = get_dialect(dialect).split_migration
            count = len(split(text))
            runs = 1 if mb >= 20 else 3
            took = best(lambda s=split, t=text: s(t), runs)
            baseline = best(lambda t=text: t.split(";"), 5)
            ratio = took / max(baseline, 1e-6)
            print(
                f"| {dialect} | {mb:g} | {count} | {took:.2f} | {took / mb:.3f} | {baseline:.4f} | {ratio:.0f} |",
                flush=True,
            )


def deploy(mb: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        empty = root / "empty.db"
        with sqlite3.connect(empty) as conn:
            conn.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, note TEXT)")
        text = make("sqlite", int(mb * 1_000_000))
        (root / "migrations").mkdir()
        (root / "migrations" / "001_rows.sql").write_text(text)
        shutil.copy(empty, root / "script.db")
        start = time.perf_counter()
        with sqlite3.connect(root / "script.db") as conn:
            conn.executescript(f"BEGIN;\n{text}\nCOMMIT;")  # one transaction, as the deploy runs it
        baseline = time.perf_counter() - start
        shutil.copy(empty, root / "app.db")
        settings = Settings(base_dir=root, connection="sqlite:///app.db")
        start = time.perf_counter()
        with open_database(parse_connection("sqlite:///app.db", root), writable=True) as db:
            report = Deployer(db, settings, root / "migrations", DeployOptions()).run()
        took = time.perf_counter() - start
        assert not report.stopped, report.stopped
    print("| SQLite file | statements | deploy s | executescript s | x baseline |")
    print("|---|---:|---:|---:|---:|")
    print(f"| {mb:g} MB | {report.results[0].statements} | {took:.2f} | {baseline:.2f} | {took / baseline:.1f} |")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--deploy"]:
        deploy(float(sys.argv[2]) if len(sys.argv) > 2 else 5)
    else:
        main([float(a) for a in sys.argv[1:]] or [1, 5, 50])
