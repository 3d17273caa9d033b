"""Is masking linear? `mask()` on 1 MB texts, next to `str.replace` over the same text.

    .venv/bin/python benchmarks/masking.py [MEGABYTES ...]      (default: 0.25 1 4)
    .venv/bin/python benchmarks/masking.py --postgres URL [MB]  (the trigger's masker, in the server)

For each size it builds ordinary text (DDL with role statements, a captured COMMENT, a
connection string) and texts made to break backtracking regular expressions (long runs
without spaces after `://`, keywords each opening a literal, nested comments, key=value
chains), then times `mask(text)` against the baseline `text.replace("hunter2", "***")`
(one linear pass in C over the same bytes), best of three. The `x baseline` column must
not grow with the size: a quadratic scanner would multiply it by the size ratio.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mkdocs_schema_sync.masking import mask

STATEMENT = "CREATE ROLE r PASSWORD E'x\\'hunter2'; CREATE TABLE t (id int primary key, name text); -- note\n"


DYNAMIC = "EXECUTE format('ALTER ROLE r PASSWORD %L', p); "
PLAIN = "CREATE TABLE orders (id int primary key, customer text, placed_at timestamptz); -- note\n"
CALL = "EXEC sp_addlinkedsrvlogin N'srv', 'false', NULL, N'bob', N'hunter2';\n"


def texts(size: int) -> dict[str, str]:
    return {
        "DDL without secret words": (PLAIN * (size // len(PLAIN) + 1))[:size],
        "DDL batches with passwords": (STATEMENT * (size // len(STATEMENT) + 1))[:size],
        "secret names opening literals": ("token '" * (size // 7 + 1))[:size],
        "dollar body naming a secret": "DO $b$ " + (DYNAMIC * (size // len(DYNAMIC)))[:size] + " $b$",
        "captured COMMENT": "COMMENT ON TABLE t IS '" + "x" * size + "'",
        "run without spaces after ://": "postgresql://" + "a" * size,
        "many :// without @": ("a://b:" * (size // 6 + 1))[:size],
        "keywords opening literals": ("password '" * (size // 10 + 1))[:size],
        "keywords + nested comments": ("password /* " * (size // 12 + 1))[:size],
        "key=value chain": ("pwd=" * (size // 4 + 1))[:size],
        "calls with secret arguments": (CALL * (size // len(CALL) + 1))[:size],
        "calls as each other's args": ("sp_password sp_addlogin, " * (size // 25 + 1))[:size],
    }


def best(func: Callable[[], object], runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def main(sizes: list[float]) -> None:
    print(f"{'text':<30} {'MB':>5} {'mask s':>8} {'replace s':>10} {'x baseline':>11}")
    for mb in sizes:
        size = int(mb * 1_000_000)
        for name, text in texts(size).items():
            masked = best(lambda t=text: mask(t))
            baseline = best(lambda t=text: t.replace("hunter2", "***"))
            print(f"{name:<30} {mb:>5g} {masked:>8.3f} {baseline:>10.5f} {masked / max(baseline, 1e-6):>11.0f}")


def postgres(url: str, mb: float = 1.0) -> None:
    """The trigger-side masker, `schema_sync.mask_statement` in PostgreSQL (install-triggers first), next to
    `replace()` in the same server over the same text."""
    import psycopg

    size = int(mb * 1_000_000)
    print(f"\nPostgreSQL schema_sync.mask_statement, {mb:g} MB ({url.split('@')[-1]})")
    print(f"{'text':<30} {'mask s':>8} {'replace s':>10} {'x baseline':>11}")
    with psycopg.connect(url, autocommit=True) as conn:
        for name in ("DDL without secret words", "DDL batches with passwords", "dollar body naming a secret"):
            text = texts(size)[name]
            masked = best(lambda t=text: conn.execute("SELECT length(schema_sync.mask_statement(%s))", (t,)), 1)
            baseline = best(lambda t=text: conn.execute("SELECT length(replace(%s, 'hunter2', '***'))", (t,)), 1)
            print(f"{name:<30} {masked:>8.3f} {baseline:>10.5f} {masked / max(baseline, 1e-6):>11.0f}")


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["--postgres"]:  # --postgres postgresql://user@host/db-with-install-triggers [MB]
        postgres(args[1], float(args[2]) if len(args) > 2 else 1.0)
    else:
        main([float(a) for a in args] or [0.25, 1, 4])
