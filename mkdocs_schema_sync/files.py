"""Small files the tool keeps beside mkdocs.yml (snapshot, polled drift log, notification state).

Every write goes to a temporary file that then replaces the target, so a crash
or a full disk never leaves half a file behind.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def write_json(path: Path, data: Any, *, indent: int = 2) -> None:
    write_atomic(path, json.dumps(data, sort_keys=True, indent=indent, ensure_ascii=False) + "\n")


def read_json(path: Path) -> Any:
    """The parsed file; raises OSError or ValueError (json.JSONDecodeError) for the caller to word."""
    return json.loads(path.read_text(encoding="utf-8"))
