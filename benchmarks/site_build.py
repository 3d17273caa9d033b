"""Build time and output size of a Material site over a generated N-table SQLite schema.

    .venv/bin/python benchmarks/site_build.py [N]        (default N = 2000)

Measured in the same run:
  baseline  the same pages written to docs/ by `generate --out`, built as plain Markdown with
            the plugin disabled and table pages kept out of the nav (what MkDocs itself costs)
  index     the plugin, default nav (index pages in the nav, tables reached from them)
  full      the plugin, `nav: full` (every table page in every page's nav; only up to N = 2000)
Prints seconds, site size, peak resident memory of the `mkdocs build` process and the ratio of
each to the baseline.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from peak_memory import mkdocs_build_peak_mb

BIN = Path(sys.executable).parent
COLUMNS = 20


def make_schema(path: Path, n: int) -> None:
    conn = sqlite3.connect(path)
    for i in range(n):
        cols = [f"id INTEGER PRIMARY KEY -- Key of table {i}."]
        if i:
            cols.append(f"parent_id INTEGER REFERENCES t{(i - 1) // 2:05d} (id) -- Parent row.")
        while len(cols) < COLUMNS:
            k = len(cols)
            cols.append(f"c{k:02d} VARCHAR({k * 4}) {'NOT NULL' if k % 3 == 0 else ''} -- Column {k} of t{i:05d}.")
        body = ",\n".join(c if idx == len(cols) - 1 else c.replace(" --", ", --", 1) for idx, c in enumerate(cols))
        # a trailing comma goes before the comment, so strip it from the last column
        conn.execute(f"CREATE TABLE t{i:05d} ( -- Generated table {i}.\n{body}\n)")
        conn.execute(f"CREATE INDEX ix_t{i:05d}_c03 ON t{i:05d} (c03)")
    conn.commit()
    conn.close()


def write_config(root: Path, plugin: str) -> None:
    (root / "mkdocs.yml").write_text(
        "site_name: bench\ntheme:\n  name: material\n"
        "markdown_extensions:\n  - tables\n  - pymdownx.superfences\n"
        f"plugins:\n  - search\n{plugin}",
        encoding="utf-8",
    )


def build(root: Path) -> tuple[float, int, float]:
    """Seconds, site bytes and peak MB of one `mkdocs build`."""
    site = root / "site"
    shutil.rmtree(site, ignore_errors=True)
    start = time.perf_counter()
    peak = mkdocs_build_peak_mb(root, site)
    seconds = time.perf_counter() - start
    size = sum(p.stat().st_size for p in site.rglob("*") if p.is_file())
    return seconds, size, peak


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "docs").mkdir()
        (root / "docs" / "index.md").write_text("# Bench\n")
        make_schema(root / "bench.db", n)
        results: dict[str, tuple[float, int, float]] = {}

        write_config(root, "  - schema-sync:\n      connection: sqlite:///bench.db\n")
        subprocess.run(
            [sys.executable, "-m", "mkdocs_schema_sync", "generate", "--out", str(root / "docs")], cwd=root, check=True
        )
        tables = sorted(str(p.relative_to(root / "docs")) for p in (root / "docs" / "schema").glob("*/t*.md"))
        write_config(root, "")
        yml = root / "mkdocs.yml"
        yml.write_text(yml.read_text() + "not_in_nav: |\n  /schema/*/t*.md\n")
        results["baseline"] = build(root)
        shutil.rmtree(root / "docs" / "schema")

        # `nav: full` puts every table in every page's navigation: quadratic, hours at 10,000 (not a default)
        for mode in ("index", "full") if n <= 2000 else ("index",):
            write_config(root, f"  - schema-sync:\n      connection: sqlite:///bench.db\n      nav: {mode}\n")
            results[mode] = build(root)

        base_s, base_b, base_m = results["baseline"]
        print(f"{n} tables x {COLUMNS} columns ({len(tables)} table pages), Material theme, {os.cpu_count()} cores")
        print(f"{'build':<10}{'seconds':>10}{'site MB':>10}{'peak MB':>10}{'time x':>9}{'size x':>9}{'memory x':>10}")
        for name, (secs, size, peak) in results.items():
            print(
                f"{name:<10}{secs:>10.1f}{size / 1e6:>10.1f}{peak:>10.0f}"
                f"{secs / base_s:>9.2f}{size / base_b:>9.2f}{peak / base_m:>10.2f}"
            )


if __name__ == "__main__":
    main()
