"""`mkdocs serve` after a change: rebuild only what changed, and never let a page answer 404 meanwhile.

MkDocs 1.6 rebuilds every page on each change; `serve --dirty` skips a page whose
`file.is_modified()` is False. A generated page is always "modified" to MkDocs (it has
content, no source file), so `GeneratedPage` decides instead: modified when its text differs
from the last build's. Other pages print the titles of the pages in the navigation, which MkDocs
reads only from pages it builds: the plugin reads the source of the skipped ones itself. A dirty
build leaves the pages it skipped out of the search index; `SearchIndex` puts the last build's
entries of those pages back.

A plain `serve` empties the served folder before it builds, so every page answers 404 until
the new one is written. `Staging` points MkDocs at a folder of its own while it builds, then
moves each new or changed file into the served folder (a rename: never half a file) and
removes what the last build wrote that this one did not.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import zlib
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files


def digest(text: str | bytes) -> str:
    return hashlib.sha256(text.encode("utf-8") if isinstance(text, str) else text).hexdigest()


class GeneratedPage(File):
    """A generated page that is modified for `serve --dirty` only when its text changed (see module doc)."""

    changed = True

    def is_modified(self) -> bool:
        return self.changed or not os.path.isfile(self.abs_dest_path)


def nav_shape(items: list[Any]) -> list[Any]:
    """The navigation's pages (URLs) and sections (titles), nested. Not page titles: MkDocs has not read
    the pages when it builds the navigation (ours change title only with their URL)."""
    out: list[Any] = []
    for item in items:
        if getattr(item, "is_page", False) or getattr(item, "is_link", False):
            out.append(item.url)
        else:
            out.append((getattr(item, "title", None), nav_shape(getattr(item, "children", None) or [])))
    return out


def rebuild_all(files: Files) -> None:
    """Make MkDocs' dirty build rebuild every page (ours and the project's own)."""
    for file in files.documentation_pages():
        if isinstance(file, GeneratedPage):
            file.changed = True
        else:  # the project's page, a File of MkDocs: its answer for this one build
            file.is_modified = _modified  # type: ignore[method-assign]


def _modified() -> bool:
    return True


class SearchIndex:
    """The last build's search entries per page, to fill in the pages a dirty build did not rebuild."""

    def __init__(self) -> None:
        # page URL -> its entries as JSON text (`,`-joined objects, as the index file has them), compressed
        self.by_page: dict[str, bytes] = {}
        self.built: set[str] = set()  # page URLs built by the running build
        self.order: list[str] = []  # page URLs in the order a whole build indexes them

    def start(self) -> None:
        self.built = set()

    def finish(self, config: MkDocsConfig, dirty: bool) -> bool:
        """After the search plugin wrote its index: merge (dirty build) and remember. True when rewritten.

        A page's entries are kept as the JSON text they had in the file, and an unbuilt page's text goes back
        as it was: a rebuild at 10,000 pages encodes only the pages it built."""
        path = Path(config.site_dir) / "search" / "search_index.json"
        if not path.is_file():
            return False
        data = json.loads(path.read_text(encoding="utf-8"))
        docs = data.get("docs")
        if not isinstance(docs, list):
            return False
        fresh: dict[str, list[dict[str, Any]]] = {}
        for doc in docs:
            fresh.setdefault(str(doc.get("location", "")).partition("#")[0], []).append(doc)
        texts = {url: zlib.compress(_entries_json(entries).encode("utf-8"), 1) for url, entries in fresh.items()}
        if not (dirty and self.by_page):
            self.by_page = texts
            return False
        merged: dict[str, bytes] = {}
        for url in self.order:
            kept = texts.get(url) if url in self.built else self.by_page.get(url)
            if kept is not None:
                merged[url] = kept
        for url, text in texts.items():
            merged.setdefault(url, text)
        self.by_page = {url: text for url, text in merged.items() if text != _EMPTY}
        joined = ",".join(zlib.decompress(text).decode("utf-8") for text in self.by_page.values())
        # the file as the search plugin writes it (its key order, no spaces), the merged entries as "docs"
        fields = [
            f'"docs":[{joined}]' if key == "docs" else f"{_json(key)}:{_json(value)}" for key, value in data.items()
        ]
        path.write_text("{" + ",".join(fields) + "}", encoding="utf-8")
        return True


_EMPTY = zlib.compress(b"", 1)


def _json(value: Any) -> str:
    """JSON as MkDocs' and Material's search plugins write it: no spaces, keys in the order they wrote them."""
    return json.dumps(value, separators=(",", ":"))


def _entries_json(entries: list[dict[str, Any]]) -> str:
    """A page's entries as they stand in the index file."""
    return ",".join(_json(e) for e in entries)


class Staging:
    """Builds of a plain `serve` go to a folder of their own, then into the served one file by file."""

    def __init__(self) -> None:
        self.folder: Path | None = None
        self.served: Path | None = None
        self.published: dict[str, str] = {}  # relative path -> digest of what is in the served folder

    def enter(self, config: MkDocsConfig) -> None:
        if self.folder is None:
            self.folder = Path(tempfile.mkdtemp(prefix="schema-sync-stage-"))
        self.served = Path(config.site_dir)
        config.site_dir = str(self.folder)

    def publish(self, config: MkDocsConfig) -> int:
        """Move the build into the served folder; returns how many files changed there."""
        if self.folder is None or self.served is None:
            return 0
        served, changed = self.served, 0
        now: dict[str, str] = {}
        for path in sorted(self.folder.rglob("*")):
            if path.is_dir():
                continue
            rel = path.relative_to(self.folder).as_posix()
            data = path.read_bytes()
            now[rel] = digest(data)
            target = served / rel
            if self.published.get(rel) == now[rel] and target.is_file():
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_name(target.name + ".schema-sync-new")
            temporary.write_bytes(data)
            os.replace(temporary, target)
            changed += 1
        for rel in set(self.published) - set(now):
            (served / rel).unlink(missing_ok=True)
            changed += 1
        self.published = now
        config.site_dir = str(served)
        return changed

    def close(self) -> None:
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None
