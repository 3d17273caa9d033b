"""Small files the tool keeps beside mkdocs.yml (snapshot, polled drift log, notification state).

Every write goes to a temporary file that then replaces the target, so a crash
or a full disk never leaves half a file behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .untrusted import escape_surrogates

try:  # POSIX
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]
    import msvcrt


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def write_json(path: Path, data: Any, *, indent: int = 2) -> None:
    """UTF-8 JSON; a lone surrogate in database text is written as its JSON escape (the same code point)."""
    write_atomic(path, escape_surrogates(json.dumps(data, sort_keys=True, indent=indent, ensure_ascii=False)) + "\n")


class NotUtf8(ValueError):
    """A text file that is not UTF-8; the message is `file:line: …` and says how to fix it."""


def utf8_problem(display: str, data: bytes, exc: UnicodeDecodeError) -> NotUtf8:
    line = data.count(b"\n", 0, exc.start) + 1
    return NotUtf8(f"{display}:{line}: not UTF-8 text (byte 0x{data[exc.start]:02x}); save it as UTF-8")


def read_utf8(path: Path, display: str | None = None) -> str:
    """The text of a file the user writes (contracts, descriptions); NotUtf8 names the line of a bad byte."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise utf8_problem(display or str(path), data, exc) from None


def read_json(path: Path) -> Any:
    """The parsed file; raises OSError or ValueError (json.JSONDecodeError) for the caller to word."""
    return json.loads(path.read_text(encoding="utf-8"))


@contextlib.contextmanager
def file_lock(path: Path, timeout: float) -> Iterator[bool]:
    """Hold an exclusive lock on `path` (created if missing) for the block; yields False when another
    process kept it for `timeout` seconds (then nothing is held). The operating system drops the lock
    when the process ends, however it ends."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        delay = 0.01
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                yield False
                return
            time.sleep(delay)
            delay = min(delay * 2, 0.25)
        yield True
    finally:
        os.close(fd)  # closing releases the lock


def _try_lock(fd: int) -> bool:
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    except OSError:
        return False
    return True


#: the list of pages `write_pages` wrote last time, kept in the folder it wrote them to
PAGES_MANIFEST = ".schema-sync-pages.json"


def write_pages(out_dir: Path, pages: dict[str, str]) -> tuple[int, int]:
    """Write `pages` ({relative path: text}) under `out_dir`, and remove the pages written last time that are
    gone now (a dropped table's), never anything else: the folder may hold hand-written pages.

    Unchanged pages are not rewritten. Returns (pages written or unchanged, pages removed).
    """
    root = out_dir.resolve()
    manifest = root / PAGES_MANIFEST
    try:
        before = {str(p) for p in read_json(manifest)["pages"]}
    except (OSError, ValueError, KeyError, TypeError):
        before = set()
    written: list[str] = []
    try:
        for rel, text in pages.items():
            target = _inside(root, rel)
            if target is None:
                raise ValueError(f"page path {rel!r} would leave {root}")
            if not target.is_file() or target.read_text(encoding="utf-8") != text:
                write_atomic(target, text)
            written.append(rel)
    except BaseException:
        # stopped half-way: the pages written so far are recorded with the earlier ones, so a later run removes
        # them when their objects are gone (nothing is removed now)
        with contextlib.suppress(OSError):
            write_json(manifest, {"pages": sorted(before | set(written))})
        raise
    removed = 0
    for rel in sorted(before - set(pages)):
        target = _inside(root, rel)
        if target is None or not target.is_file():
            continue
        target.unlink()
        removed += 1
        for folder in target.parents:  # folders our pages left empty
            if folder == root or not folder.is_relative_to(root) or any(folder.iterdir()):
                break
            folder.rmdir()
    write_json(manifest, {"pages": sorted(pages)})
    return len(pages), removed


def _inside(root: Path, rel: str) -> Path | None:
    target = (root / rel).resolve()
    return target if target.is_relative_to(root) and target != root else None
