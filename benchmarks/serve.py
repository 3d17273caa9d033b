"""`mkdocs serve` at N tables: how long a one-table change takes to show, and whether any page answers 404.

    .venv/bin/python benchmarks/serve.py [N] [--plain] [--baseline]
                                        (default N = 2000; --plain: also plain serve)

A fresh PostgreSQL database (superuser `postgres` at 127.0.0.1:5432) of N tables x 20 columns, each
with a primary key, a foreign key to an earlier table and an index; event triggers installed (so
the build polls nothing); Material with search, the default `nav: index`. For `serve --dirty` (and
with --plain, `serve`), measured in the same run:
  first     seconds from starting `mkdocs serve` until the middle table's page answers
  change    seconds from `ALTER TABLE <middle> ADD COLUMN` until its page shows the column
            (the watcher polls the change signal every second)
  errors    answers other than 200 from that page and from an unchanged one, polled every 0.1 s
            during the change (404, or 0: no answer within 10 s)
Prints the ratio of change to first: the rebuild against the whole build, on the same loaded machine,
and the peak resident memory of the serve process after the first build and after the rebuild.
With --baseline, also the peak memory of a plain `mkdocs build` of the same pages written as Markdown
files (`generate --out`, plugin off): what MkDocs itself holds for that many pages, the memory bound.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import psycopg
from peak_memory import mkdocs_build_peak_mb

BIN = Path(sys.executable).parent
HOST, PORT, USER = "127.0.0.1", 5432, "postgres"


def admin(sql: str, dbname: str = "postgres") -> None:
    with psycopg.connect(host=HOST, port=PORT, user=USER, dbname=dbname, autocommit=True) as conn:
        conn.execute(sql)


def make_db(n: int) -> str:
    name = f"ssbench_{uuid.uuid4().hex[:8]}"
    admin(f'CREATE DATABASE "{name}"')
    cols = ", ".join(f"c{k:02d} varchar({k * 4})" for k in range(2, 20))
    for first in range(0, n, 200):  # in chunks: one transaction of thousands of tables runs out of locks
        sql = []
        for i in range(first, min(n, first + 200)):
            ref = f", parent_id integer REFERENCES t{(i - 1) // 2:05d} (id)" if i else ""
            sql.append(f"CREATE TABLE t{i:05d} (id integer PRIMARY KEY{ref}, {cols});")
            sql.append(f"CREATE INDEX ix_t{i:05d} ON t{i:05d} (c03);")
            sql.append(f"COMMENT ON TABLE t{i:05d} IS 'Generated table {i}';")
        admin("".join(sql), name)
    return name


def status(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, ""
    except OSError:
        return 0, ""


def peak_mb(pid: int) -> float:
    """The process's peak resident memory so far (Linux: VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(root: Path, name: str, n: int, dirty: bool) -> dict[str, float]:
    port = free_port()
    args = [str(BIN / "mkdocs"), "serve", "-a", f"127.0.0.1:{port}"] + (["--dirty"] if dirty else [])
    log = (root / f"serve-{'dirty' if dirty else 'plain'}.log").open("w")
    start = time.perf_counter()
    proc = subprocess.Popen(args, cwd=root, stdout=log, stderr=subprocess.STDOUT, env={**os.environ})
    middle = f"http://127.0.0.1:{port}/schema/public/t{n // 2:05d}/"
    other = f"http://127.0.0.1:{port}/schema/public/t{n // 3:05d}/"
    column = f"extra_{'dirty' if dirty else 'plain'}"
    try:
        while status(middle)[0] != 200:
            if proc.poll() is not None or time.perf_counter() - start > 3600:
                raise SystemExit(f"serve did not come up: see {log.name}")
            time.sleep(0.5)
        first = time.perf_counter() - start
        first_mb = peak_mb(proc.pid)
        time.sleep(3)  # the watcher's baseline
        admin(f"ALTER TABLE t{n // 2:05d} ADD COLUMN {column} text", name)
        changed = time.perf_counter()
        errors: list[int] = []
        while True:
            code, body = status(middle)
            errors += [c for c in (code, status(other)[0]) if c != 200]
            if column in body:
                break
            if time.perf_counter() - changed > 1800:
                raise SystemExit("the change never showed")
            time.sleep(0.1)
        took = time.perf_counter() - changed
        return {"first": first, "change": took, "errors": errors, "first MB": first_mb, "peak MB": peak_mb(proc.pid)}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def static_peak_mb(root: Path) -> float:
    """Peak memory of `mkdocs build` over the generated pages as plain files (the plugin off, same nav)."""
    static = root / "static"
    (static / "docs").mkdir(parents=True)
    (static / "docs" / "index.md").write_text("# Bench\n")
    subprocess.run(
        [sys.executable, "-m", "mkdocs_schema_sync", "generate", "--out", str(static / "docs")],
        cwd=root,
        check=True,
        capture_output=True,
    )
    config = (root / "mkdocs.yml").read_text().split("  - schema-sync:")[0]
    (static / "mkdocs.yml").write_text(config + "not_in_nav: |\n  /schema/*/t*.md\n")
    return mkdocs_build_peak_mb(static, static / "site")


def main() -> None:
    n = int(next((a for a in sys.argv[1:] if not a.startswith("-")), "2000"))
    modes = [True, False] if "--plain" in sys.argv else [True]
    name = make_db(n)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            (root / "docs").mkdir()
            (root / "docs" / "index.md").write_text("# Bench\n")
            (root / "mkdocs.yml").write_text(
                "site_name: bench\ntheme:\n  name: material\n"
                "markdown_extensions:\n  - tables\n  - pymdownx.superfences\n"
                "plugins:\n  - search\n  - schema-sync:\n"
                f"      connection: postgresql+psycopg://{USER}@{HOST}:{PORT}/{name}\n"
                "      watch_interval: 1\n      row_counts: false\n",
                encoding="utf-8",
            )
            cli = [sys.executable, "-m", "mkdocs_schema_sync", "install-triggers"]
            subprocess.run(cli, cwd=root, check=True, capture_output=True)
            # a change logged before serve starts: the change log page exists, as on any site in use
            # (the first logged change adds a page to the navigation, and then every page is rebuilt)
            admin("COMMENT ON TABLE t00000 IS 'changed before serve'", name)
            results = {("serve --dirty" if d else "serve"): run(root, name, n, d) for d in modes}
            baseline = static_peak_mb(root) if "--baseline" in sys.argv else None
    finally:
        admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(f"PostgreSQL, {n} tables x 20 columns, Material, {os.cpu_count()} cores")
    print(
        "| mode | first build s | one-table change s | change / first | answers other than 200 "
        "| peak MB after first build | peak MB after change | x static build |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for mode, r in results.items():
        ratio, errors = r["change"] / r["first"], r["errors"] or "none"
        versus = f"{r['peak MB'] / baseline:.2f}" if baseline else "-"
        print(
            f"| {mode} | {r['first']:.1f} | {r['change']:.1f} | {ratio:.2f} | {errors} "
            f"| {r['first MB']:.0f} | {r['peak MB']:.0f} | {versus} |"
        )
    if baseline:
        print(f"static build of the same pages (mkdocs build, plugin off): peak {baseline:.0f} MB")


if __name__ == "__main__":
    main()
