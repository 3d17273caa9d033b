"""A snapshot as a folder: one file per object, and an index file holding the rest.

The one-file snapshot (`schema.lock.json`) is rewritten whole by every change: at 10,000 tables that
is 15 MB that git hashes, compresses and pushes again for one added column, and a pull-request diff
GitHub does not show. A snapshot path that does not end in `.json` names a folder instead:

    <folder>/snapshot.json            format, dialect, schema comments, SHA-256, and each object's SHA-256
    <folder>/<map>/<file>.json        one object, `{"key": {"sha256": …, …}}` as the one-file snapshot holds it

`<map>` is `objects` (tables and views), `routines`, `triggers`, `types` or `sequences`. A change to one
table rewrites its file and the index; a pull request lists the tables that changed, each a small diff.
Both layouts hold the same objects with the same hashes: `sha256` is the same for the same catalog.

A file is named after the object's key when the key is lower-case letters, digits and `_ . $ -`
(`public.orders.json`); any other key (capitals, spaces, quotes, slashes, a name Windows reserves)
gets a readable part and 12 hex digits of the key's SHA-256 (`public.my_table~1a2b3c4d5e6f.json`), so two
keys never share a file, on a case-insensitive file system either. The key inside the file is what counts.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from ..errors import SchemaSyncError
from ..files import write_atomic
from ..untrusted import escape_surrogates
from .model import SNAPSHOT_FORMAT, canonical_json
from .snapshot_text import MAPS, AnyEntry, Entry, LazyEntry, SnapshotText, TextSource, preload

INDEX = "snapshot.json"
#: the index's own members; `layout` tells a folder's index from a one-file snapshot
_TOP = {"dialect", "format", "layout", "schema_comments", "sha256", "hashes", "with_parents"}
LAYOUT = "folder"
_PLAIN = re.compile(r"[a-z0-9_][a-z0-9_.$-]{0,119}").fullmatch
_RESERVED = re.compile(r"(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?").fullmatch  # Windows device names


def is_folder(path: Path) -> bool:
    """A snapshot path not ending in `.json` names a folder snapshot."""
    return path.suffix.lower() != ".json"


def file_name(key: str) -> str:
    """The file of an object with this key inside its map's folder."""
    if _PLAIN(key) and not key.endswith(".") and not _RESERVED(key):
        return key + ".json"
    slug = re.sub(r"[^a-z0-9_.$-]+", "_", key.lower()).strip("._")[:80] or "_"
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return f"{slug}~{digest}.json"


def entry_path(name: str, key: str) -> str:
    """`<map>/<file>.json`, relative to the snapshot folder."""
    return f"{name}/{file_name(key)}"


def file_text(entry: AnyEntry) -> str:
    """The file of one entry: the entry's text one level out, as a document of its own."""
    # a lone surrogate in database text is written as `canonical_json` writes it
    return escape_surrogates("{\n" + entry.text[2:].replace("\n  ", "\n") + "\n}\n")


def entry_text(text: str) -> str:
    """The entry a file holds, as the one-file snapshot holds it (`file_text` undone); ValueError when the
    file is not laid out so."""
    if not text.startswith('{\n  "') or not text.endswith("\n}\n"):
        raise ValueError("not a snapshot entry file")
    return "  " + text[2:-3].replace("\n", "\n  ")


def index_data(snap: SnapshotText) -> dict[str, Any]:
    hashes = {name: {key: e.sha256 for key, e in entries.items()} for name, entries in snap.maps.items() if entries}
    return {
        "dialect": snap.dialect,
        "format": SNAPSHOT_FORMAT,
        "hashes": hashes,
        "layout": LAYOUT,
        "schema_comments": dict(sorted(snap.schema_comments.items())),
        "sha256": snap.sha256,
        "with_parents": snap.with_parents(),
    }


def index_text(snap: SnapshotText) -> str:
    return canonical_json(index_data(snap))


def files_of(snap: SnapshotText, changed_from: SnapshotText | None = None) -> dict[str, str | None]:
    """The folder's files ({relative path: text}): all of them, or (`changed_from`: the snapshot `snap` was
    patched from) only the ones that differ from it, with None for a file to remove. The index always."""
    out: dict[str, str | None] = {}
    for name, entries in snap.maps.items():
        before = changed_from.maps[name] if changed_from is not None else {}
        for key, entry in entries.items():
            if before.get(key) is not entry:
                out[entry_path(name, key)] = file_text(entry)
        out.update({entry_path(name, key): None for key in before.keys() - entries.keys()})
    out[INDEX] = index_text(snap)
    return out


def parse_index(text: str) -> dict[str, Any] | None:
    """The index when it is one, else None."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict) or set(data) != _TOP or data.get("layout") != LAYOUT:
        return None
    if data["format"] != SNAPSHOT_FORMAT or not isinstance(data["dialect"], str):
        return None
    if not isinstance(data["schema_comments"], dict) or not isinstance(data["hashes"], dict):
        return None
    if set(data["hashes"]) - set(MAPS) or not isinstance(data["with_parents"], list):
        return None
    return data


def from_index(index: dict[str, Any], source: TextSource, files: dict[str, str] | None = None) -> SnapshotText | None:
    """The snapshot of a folder whose index is `index`, entries read from `source` when needed: by the
    id `files` gives their path ({path: id}), else by (map, key). With `files`, None unless the folder holds
    exactly the index's files; always None unless the index's SHA-256 is the one its hashes give."""
    parents = set(index["with_parents"])
    maps: dict[str, dict[str, AnyEntry]] = {}
    expected = {INDEX}
    for name, hashes in index["hashes"].items():
        if not isinstance(hashes, dict):
            return None
        entries: dict[str, AnyEntry] = {}
        for key, sha in hashes.items():
            if not isinstance(sha, str):
                return None
            found: Any = (name, key)
            if files is not None:
                path = entry_path(name, key)
                found = files.get(path)
                if found is None:
                    return None
                expected.add(path)
            entries[key] = LazyEntry(sha, found, source, name == "objects" and key in parents)
        maps[name] = entries
    if files is not None and set(files) != expected:
        return None
    snap = SnapshotText(index["dialect"], index["schema_comments"], maps)
    return snap if snap.sha256 == index["sha256"] else None


class _Files:
    """Texts of a folder on disk, by relative path."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def texts(self, ids: Any) -> dict[str, str]:
        return {rel: entry_text((self.root / rel).read_text(encoding="utf-8")) for rel in ids}


def read_folder(path: Path) -> SnapshotText:
    """The snapshot a folder holds, every file read and checked against the index."""
    index_file = path / INDEX
    if not index_file.is_file():
        raise SchemaSyncError(f"snapshot folder {path} has no {INDEX}: take one with `mkdocs-schema-sync snapshot`")
    try:
        index = parse_index(index_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise SchemaSyncError(f"snapshot {index_file} cannot be read: {exc}") from None
    if index is None:
        raise SchemaSyncError(f"{index_file} is not the index of a snapshot folder of format {SNAPSHOT_FORMAT}")
    files = {p.relative_to(path).as_posix(): p.relative_to(path).as_posix() for p in _listed(path)}
    files[INDEX] = INDEX
    snap = from_index(index, _Files(path), files)
    if snap is None:
        raise SchemaSyncError(
            f"snapshot folder {path} does not hold the files its {INDEX} lists (a write that stopped half-way, "
            "or a file edited or added by hand): take the snapshot again with `mkdocs-schema-sync snapshot`"
        )
    entries = [e for entries in snap.maps.values() for e in entries.values()]
    try:
        preload(entries)
        for name, objs in snap.maps.items():
            for key, entry in objs.items():
                held = Entry.of_text(entry.text)
                if held.sha256 != entry.sha256 or next(iter(json.loads("{" + entry.text + "}"))) != key:
                    raise ValueError(f"{entry_path(name, key)} does not hold {key} with the SHA-256 the index gives")
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise SchemaSyncError(f"snapshot folder {path} is inconsistent: {exc}; take the snapshot again") from None
    return snap


def write_folder(snap: SnapshotText, path: Path) -> bool:
    """Write the folder (each file replaced atomically, the index last, files of objects that went removed);
    False when it already held exactly this."""
    if path.exists() and not path.is_dir():
        raise SchemaSyncError(f"the snapshot path {path} is a file; a path not ending in .json names a folder")
    if path.is_dir() and not (path / INDEX).exists() and any(path.iterdir()):
        raise SchemaSyncError(  # never remove files of a folder that is not a snapshot's
            f"the snapshot folder {path} already holds files and no {INDEX}: it is not a snapshot folder; "
            "name an empty or new folder in the `snapshot` option"
        )
    files = files_of(snap)
    changed = False
    for old in _listed(path) if path.is_dir() else []:
        if old.relative_to(path).as_posix() not in files:
            old.unlink()
            changed = True
    for rel, text in sorted(files.items(), key=lambda item: item[0] == INDEX):  # the index last
        target = path / rel
        assert text is not None
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            write_atomic(target, text)
            changed = True
    return changed


def _listed(path: Path) -> list[Path]:
    """The entry files in a snapshot folder (other files there are not the snapshot's)."""
    return [p for name in MAPS if (path / name).is_dir() for p in (path / name).glob("*.json") if p.is_file()]
