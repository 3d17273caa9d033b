"""`mkdocs build` in a child Python that reports its own peak resident memory (shared by the benchmarks)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

#: prints ru_maxrss (KB on Linux) as the child exits, after MkDocs' own command ran
_MEASURED = (
    "import atexit, resource, sys\n"
    "atexit.register(lambda: print('PEAK_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr))\n"
    "from mkdocs.__main__ import cli\n"
    "sys.argv = ['mkdocs'] + sys.argv[1:]\n"
    "cli()\n"
)


def mkdocs_build_peak_mb(cwd: Path, site: Path) -> float:
    """Run `mkdocs build -q -d site` in `cwd`; its peak resident memory in MB."""
    done = subprocess.run(
        [sys.executable, "-c", _MEASURED, "build", "-q", "-d", str(site)],
        cwd=cwd,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        check=True,
        capture_output=True,
        text=True,
    )
    return next(int(line.split()[1]) for line in done.stderr.splitlines() if line.startswith("PEAK_KB")) / 1024
