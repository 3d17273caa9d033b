"""How fast is read_catalog on big schemas, next to SQLAlchemy and the bare catalog queries?

    .venv/bin/python benchmarks/introspect.py [N ...] [--routines R] [--triggers T] [--no-sqlalchemy]
        (default: 2000 10000, no routines or triggers)
    .venv/bin/python benchmarks/introspect.py 10000 --routines 5000 --triggers 2000 --no-sqlalchemy

For each N it builds N tables x 20 columns (a foreign key to the previous table,
a unique constraint, two indexes, a table comment and five column comments per
table), and with --routines/--triggers that many functions (a tenth of them
overloads, a comment on each, ten of them trigger functions) and row triggers on
the first tables, in a throw-away PostgreSQL database and in a temporary SQLite
file (SQLite gets the triggers only: it has no routines), then times, each in
its own subprocess so that peak memory (ru_maxrss) is that of one measurement:

- floor: the adapter's own catalog queries, fetched with the bare driver and
  nothing done with the rows (what any reader has to pay at least);
- schema-sync read_catalog, through pyodbc and psycopg on PostgreSQL;
- SQLAlchemy 2.x reflection of the tables (inspect().get_multi_*), unless --no-sqlalchemy.

The ratio printed for each method is its time over the floor measured in the same
run with the same driver.

Each timing is the best of three runs in the same process (the first warms the
server's caches); a method that has spent over 30 s stops repeating.
Environment: SCHEMA_SYNC_BENCH_PG_HOST/PORT/USER (defaults 127.0.0.1, 5432, postgres).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_HOST = os.environ.get("SCHEMA_SYNC_BENCH_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("SCHEMA_SYNC_BENCH_PG_PORT", "5432"))
PG_USER = os.environ.get("SCHEMA_SYNC_BENCH_PG_USER", "postgres")
REPEAT = 3
COLUMNS = 20

# --------------------------------------------------------------------------- schema generation

_TYPES = ["varchar(64)", "numeric(10,2)", "timestamp", "text", "boolean", "integer", "date", "char(8)"]


def table_ddl(i: int, dialect: str) -> Iterator[str]:
    """Statements creating table t{i}: 20 columns, pk, fk to t{i-1}, unique, 2 indexes, comments."""
    cols = ["id integer PRIMARY KEY", f"parent_id integer REFERENCES t{i - 1} (id)" if i else "parent_id integer"]
    cols += [f"c{k} {_TYPES[k % len(_TYPES)]}" for k in range(2, COLUMNS)]
    cols.append(f"CONSTRAINT uq_t{i}_c2 UNIQUE (c2)")
    comment = f"Table number {i}, generated for the benchmark."
    if dialect == "sqlite":  # comments in the SQLite edition are `-- comments` in CREATE TABLE
        lines = []
        for n, c in enumerate(cols):
            sep = "," if n < len(cols) - 1 else ""
            lines.append(f"    {c}{sep}" + (f" -- column {c.split()[0]} of t{i}" if n < 5 else ""))
        body = "\n".join(lines)
        yield f"CREATE TABLE t{i} ( -- {comment}\n{body}\n)"
    else:
        yield f"CREATE TABLE t{i} ({', '.join(cols)})"
        yield f"COMMENT ON TABLE t{i} IS '{comment}'"
        for c in cols[:5]:
            name = c.split()[0]
            yield f"COMMENT ON COLUMN t{i}.{name} IS 'column {name} of t{i}'"
    yield f"CREATE INDEX ix_t{i}_parent ON t{i} (parent_id)"
    yield f"CREATE INDEX ix_t{i}_c3_c4 ON t{i} (c3, c4)"


def routine_ddl(k: int) -> Iterator[str]:
    """Function f{k}; every tenth has an overload, the first ten are trigger functions."""
    if k < 10:
        yield (f"CREATE FUNCTION trg_fn{k}() RETURNS trigger LANGUAGE plpgsql AS "
               f"$$ BEGIN NEW.c3 := coalesce(NEW.c3, 'x'); RETURN NEW; END $$")  # fmt: skip
        return
    yield (f"CREATE FUNCTION f{k}(a integer, b text DEFAULT 'x') RETURNS integer LANGUAGE plpgsql AS "
           f"$$ BEGIN RETURN a + {k} + length(b); END $$")  # fmt: skip
    yield f"COMMENT ON FUNCTION f{k}(integer, text) IS 'Function number {k}, generated for the benchmark.'"
    if k % 10 == 0:
        yield f"CREATE FUNCTION f{k}(a bigint) RETURNS bigint LANGUAGE sql AS $$ SELECT a * {k} $$"


def trigger_ddl(i: int, dialect: str) -> str:
    if dialect == "sqlite":
        return (f"CREATE TRIGGER trg_t{i} BEFORE UPDATE OF c3 ON t{i} FOR EACH ROW -- trigger {i}\n"
                f"BEGIN SELECT RAISE(ABORT, 'no') WHERE NEW.c3 = 'forbidden'; END")  # fmt: skip
    return f"CREATE TRIGGER trg_t{i} BEFORE INSERT OR UPDATE ON t{i} FOR EACH ROW EXECUTE FUNCTION trg_fn{i % 10}()"


def pg_admin(dbname: str = "postgres") -> Any:
    import psycopg

    return psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=dbname, autocommit=True)


def build_postgres(n: int, routines: int = 0, triggers: int = 0) -> str:
    name = f"ss_bench_{n}_{uuid.uuid4().hex[:8]}"
    with pg_admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    with pg_admin(name) as conn:
        chunk = 250  # one transaction per chunk: max_locks_per_transaction is small by default
        for start in range(0, n, chunk):
            script = ";\n".join(s for i in range(start, min(n, start + chunk)) for s in table_ddl(i, "postgresql"))
            with conn.transaction():
                conn.execute(script)
        for start in range(0, routines, 500):
            with conn.transaction():
                conn.execute(";\n".join(s for k in range(start, min(routines, start + 500)) for s in routine_ddl(k)))
        for start in range(0, min(triggers, n), chunk):
            with conn.transaction():
                conn.execute(
                    ";\n".join(trigger_ddl(i, "postgresql") for i in range(start, min(triggers, n, start + chunk)))
                )
        conn.execute("ANALYZE")
    return name


def drop_postgres(name: str) -> None:
    with pg_admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def build_sqlite(n: int, folder: Path, triggers: int = 0) -> Path:
    path = folder / f"bench_{n}.db"
    conn = sqlite3.connect(path)
    statements = [s for i in range(n) for s in table_ddl(i, "sqlite")]
    statements += [trigger_ddl(i, "sqlite") for i in range(min(triggers, n))]
    conn.executescript("BEGIN;\n" + ";\n".join(statements) + ";\nCOMMIT;")
    conn.commit()
    conn.close()
    return path


# --------------------------------------------------------------------------- measurements (run in a subprocess)


def _best(work: Callable[[], int]) -> tuple[float, int]:
    best = float("inf")
    objects = 0
    spent = 0.0
    for _ in range(REPEAT):
        t0 = time.perf_counter()
        objects = work()
        elapsed = time.perf_counter() - t0
        best = min(best, elapsed)
        spent += elapsed
        if spent > 30:  # slow methods (SQLAlchemy on SQLite at N=10000): one run says enough
            break
    return best, objects


def _pg_queries() -> list[str]:
    """Every query read_catalog runs (one per object kind: relations … routines, types, sequences)."""
    from mkdocs_schema_sync.dialects.postgres import catalog as postgres

    return [getattr(postgres, name) for name in postgres.QUERIES]


def _sqlite_queries() -> list[str]:
    from mkdocs_schema_sync.dialects.sqlite import catalog as sqlite

    return [sqlite._OBJECTS, sqlite._COLUMNS, sqlite._FOREIGN_KEYS, sqlite._INDEXES]


def _fetch_all(conn: Any, queries: list[str]) -> int:
    rows = 0
    for sql in queries:
        cur = conn.cursor()
        cur.execute(sql)
        rows += len(cur.fetchall())
        cur.close()
    return rows


def measure(kind: str, target: str) -> dict[str, Any]:
    """One measurement; `target` is a PostgreSQL database name or an SQLite path."""
    from mkdocs_schema_sync.db import open_database, parse_connection

    pg_url = f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{target}"
    work: Callable[[], int]
    if kind == "pg-floor-pyodbc":
        conn = open_database(parse_connection(pg_url)).raw
        work = lambda: _fetch_all(conn, _pg_queries())  # noqa: E731
    elif kind == "pg-floor-psycopg":
        conn = open_database(parse_connection(pg_url.replace("postgresql:", "postgresql+psycopg:"))).raw
        work = lambda: _fetch_all(conn, _pg_queries())  # noqa: E731
    elif kind in ("pg-read_catalog-pyodbc", "pg-read_catalog-psycopg"):
        url = pg_url if kind.endswith("pyodbc") else pg_url.replace("postgresql:", "postgresql+psycopg:")
        db = open_database(parse_connection(url))
        work = lambda: _count(db.dialect.read_catalog(db))  # noqa: E731
    elif kind == "pg-sqlalchemy":
        from sqlalchemy import create_engine

        engine = create_engine(pg_url.replace("postgresql:", "postgresql+psycopg:"))
        work = lambda: _sqlalchemy(engine, "public")  # noqa: E731
    elif kind == "sqlite-floor":
        conn = sqlite3.connect(target)
        work = lambda: _fetch_all(conn, _sqlite_queries())  # noqa: E731
    elif kind == "sqlite-read_catalog":
        db = open_database(parse_connection(f"sqlite:///{target}"))
        work = lambda: _count(db.dialect.read_catalog(db, row_counts=False))  # noqa: E731
    elif kind == "sqlite-sqlalchemy":
        from sqlalchemy import create_engine

        engine = create_engine(f"sqlite:///{target}")
        work = lambda: _sqlalchemy(engine, None)  # noqa: E731
    else:
        raise SystemExit(f"unknown measurement {kind}")
    seconds, objects = _best(work)
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"kind": kind, "seconds": seconds, "objects": objects, "peak_mb": rss_kb / 1024}


def _count(catalog: Any) -> int:
    """Objects read: tables, routines, triggers, types, sequences (no hashing: that is not reading)."""
    return sum(len(getattr(catalog, kind)) for kind in ("tables", "routines", "triggers", "types", "sequences"))


def _sqlalchemy(engine: Any, schema: str | None) -> int:
    """Reflect what read_catalog reads: columns, keys, indexes, checks, comments, views."""
    from sqlalchemy import inspect
    from sqlalchemy.engine.reflection import ObjectKind

    insp = inspect(engine)  # a fresh inspector each run: no cached reflection
    kind = ObjectKind.ANY
    columns = insp.get_multi_columns(schema=schema, kind=kind)
    insp.get_multi_pk_constraint(schema=schema, kind=kind)
    insp.get_multi_foreign_keys(schema=schema, kind=kind)
    insp.get_multi_indexes(schema=schema, kind=kind)
    insp.get_multi_unique_constraints(schema=schema, kind=kind)
    insp.get_multi_check_constraints(schema=schema, kind=kind)
    if engine.dialect.name != "sqlite":  # SQLite has no comments to reflect
        insp.get_multi_table_comment(schema=schema, kind=kind)
    for view in insp.get_view_names(schema=schema):
        insp.get_view_definition(view, schema=schema)
    return len(columns)


def run_measurement(kind: str, target: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--measure", kind, target], capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{out.stderr}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"  {kind}: {result['seconds']:.2f} s, {result['peak_mb']:.0f} MB", file=sys.stderr)
    return result


# --------------------------------------------------------------------------- report


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("sizes", nargs="*", type=int, help="numbers of tables (default: 2000 10000)")
    parser.add_argument("--routines", type=int, default=0, help="functions to create beside the tables")
    parser.add_argument("--triggers", type=int, default=0, help="row triggers, one on each of the first tables")
    parser.add_argument("--no-sqlalchemy", action="store_true", help="leave SQLAlchemy out (it is slow on SQLite)")
    args = parser.parse_args(argv)
    sizes = args.sizes or [2000, 10000]
    extra = ["sqlalchemy"] if not args.no_sqlalchemy else []
    print(f"# read_catalog benchmark: N tables x {COLUMNS} columns, {args.routines} routines, "
          f"{args.triggers} triggers, best of {REPEAT}, Python {sys.version.split()[0]}")  # fmt: skip
    rows: list[tuple[str, int, dict[str, Any], float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            t0 = time.perf_counter()
            pg_name = build_postgres(n, args.routines, args.triggers)
            sqlite_path = build_sqlite(n, Path(tmp), args.triggers)
            print(f"built N={n} in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
            try:
                for prefix, target, kinds in (
                    ("pg", pg_name, ["floor-pyodbc", "floor-psycopg", "read_catalog-pyodbc",
                                     "read_catalog-psycopg", *extra]),
                    ("sqlite", str(sqlite_path), ["floor", "read_catalog", *extra]),
                ):  # fmt: skip
                    results = [run_measurement(f"{prefix}-{k}", target) for k in kinds]
                    floors = {r["kind"].rsplit("-", 1)[-1]: r["seconds"] for r in results if "floor" in r["kind"]}
                    for r in results:
                        # compare with the floor of the same driver (SQLAlchemy runs on psycopg)
                        driver = r["kind"].rsplit("-", 1)[-1]
                        floor = floors.get(driver) or floors.get("psycopg") or min(floors.values())
                        rows.append(("PostgreSQL" if prefix == "pg" else "SQLite", n, r, r["seconds"] / floor))
            finally:
                drop_postgres(pg_name)
    print()
    print("| database | N tables | routines | triggers | method | rows / objects | seconds | x floor | peak RSS MB |")
    print("|---|---:|---:|---:|---|---:|---:|---:|---:|")
    for db, n, r, ratio in rows:
        method = r["kind"].split("-", 1)[1]
        routines = args.routines if db == "PostgreSQL" else 0
        print(f"| {db} | {n} | {routines} | {min(args.triggers, n)} | {method} | {r['objects']} | "
              f"{r['seconds']:.2f} | {ratio:.2f} | {r['peak_mb']:.0f} |")  # fmt: skip


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--measure":
        print(json.dumps(measure(sys.argv[2], sys.argv[3])))
    else:
        main(sys.argv[1:])
