"""A snapshot's text cut at its objects, so that a change to a few tables rewrites only those.

`Catalog.to_json()` writes one JSON document: sorted keys, two spaces of indent, and in each map
(`objects`, `routines`, `triggers`, `types`, `sequences`) one entry per object carrying its own
SHA-256. JSON escapes every newline inside a string, so each line break in that text is layout:
an entry of a map is the text between two `,\\n` followed by exactly four spaces and a quote.

`SnapshotText.parse(text)` cuts such a text into its entries without decoding them, and gives None
unless rendering the parts again gives back exactly `text`. `patched(fresh, names)` is the snapshot
with the tables called one of `names` replaced by their rows in `fresh` (as `catalog.patch.patched`
does for a `Catalog`), encoding only those; `render()` is then the text `to_json()` writes for the
patched catalog, and `sha256` its SHA-256, computed from the entries' own hashes. `catalog(keys)`
decodes just the entries a diff or a contract check needs.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from .model import (
    KINDS,
    SNAPSHOT_FORMAT,
    Catalog,
    json_member,
    object_key,
    sha256_of,
    snapshot_document,
    snapshot_entry,
)

#: the maps of a snapshot, each of objects that carry their own SHA-256
MAPS = ("objects", *KINDS)
_TOP = '  "'  # a line of the document's own members: two spaces, then a quote
_ENTRY = '    "'  # a line that starts an entry of a map: four spaces, then a quote
_SHA = '\n      "sha256": "'  # an entry's own member: six spaces in
_HEX = re.compile(r"[0-9a-f]{64}").fullmatch
_DECODER = json.JSONDecoder()


_PARENT_MARKS = ('\n      "partition_of": ', '\n      "inherits": [')


@dataclass(frozen=True)
class Entry:
    """One object as the snapshot holds it: `    "key": {…}` (no comma, no line break after it)."""

    text: str
    sha256: str

    @classmethod
    def of_text(cls, text: str) -> Entry:
        """An entry as a snapshot holds it, its SHA-256 read from it (ValueError when it holds none)."""
        return _entry(text, 0, len(text))[1]

    def value(self) -> dict[str, Any]:
        return _value(self.text)

    @property
    def has_parent(self) -> bool:
        """Whether the object is a partition of, or inherits from, another table (read off the text)."""
        return any(mark in self.text for mark in _PARENT_MARKS)


class TextSource(Protocol):
    """Where the texts of lazy entries come from (a snapshot folder in git): by id, many at once."""

    def texts(self, ids: Collection[Any]) -> dict[Any, str]: ...


class LazyEntry:
    """An entry whose SHA-256 is known (a snapshot folder's index) and whose text is read when first needed,
    together with the other entries a step needs (`preload`): a pass that changed one table of ten
    thousand reads a few files, not all of them."""

    __slots__ = ("_text", "has_parent", "id", "sha256", "source")

    def __init__(self, sha256: str, id: Any, source: TextSource, has_parent: bool) -> None:
        self.sha256, self.id, self.source, self.has_parent = sha256, id, source, has_parent
        self._text: str | None = None

    @property
    def text(self) -> str:
        if self._text is None:
            preload([self])
        assert self._text is not None
        return self._text

    def value(self) -> dict[str, Any]:
        return _value(self.text)


AnyEntry = Entry | LazyEntry


def preload(entries: Iterable[AnyEntry]) -> None:
    """Read the texts of the lazy entries among `entries` that are not read yet, one request per source."""
    wanted: dict[int, tuple[TextSource, list[LazyEntry]]] = {}
    for e in entries:
        if isinstance(e, LazyEntry) and e._text is None:
            wanted.setdefault(id(e.source), (e.source, []))[1].append(e)
    for source, lazy in wanted.values():
        texts = source.texts({e.id for e in lazy})
        for e in lazy:
            text = texts.get(e.id)
            if text is None:
                raise ValueError(f"the snapshot holds no text for entry {e.id}")
            e._text = text


def _value(text: str) -> dict[str, Any]:
    decoded = json.loads("{" + text + "}")
    return next(iter(decoded.values()))


def entry_of(key: str, canonical: dict[str, Any]) -> Entry:
    """The entry `to_json()` writes for an object of this key and canonical form."""
    return Entry(*snapshot_entry(key, canonical))


class SnapshotText:
    """A snapshot as entries: what a patch keeps is copied, never encoded again."""

    def __init__(self, dialect: str, schema_comments: dict[str, str], maps: dict[str, dict[str, AnyEntry]]) -> None:
        self.dialect = dialect
        self.schema_comments = dict(schema_comments)
        self.maps = {name: dict(maps.get(name) or {}) for name in MAPS}

    # ------------------------------------------------------------------ in and out

    @classmethod
    def of(cls, catalog: Catalog) -> SnapshotText:
        """What `catalog.to_json()` writes, as entries (each object encoded once)."""
        catalog = catalog.portable()
        tables: dict[str, AnyEntry] = {t.key: entry_of(t.key, t.canonical()) for t in catalog.tables}
        maps: dict[str, dict[str, AnyEntry]] = {"objects": tables}
        for kind, objs in catalog.kind_maps().items():
            maps[kind] = {key: entry_of(key, o.canonical()) for key, o in objs.items()}
        return cls(catalog.dialect, catalog.schema_comments, maps)

    @classmethod
    def parse(cls, text: str) -> SnapshotText | None:
        """`text` cut into entries; None unless it is laid out as `to_json()` writes it: the document's own
        members sorted and written as json.dumps writes them, each map's entries sorted by key, each with
        its SHA-256, and the stored SHA-256 the one computed from those. (What is inside an entry is kept
        as it is: a monitor trusts a snapshot as one it wrote by its git blob, not by reading it.)"""
        if not text.startswith("{\n") or not text.endswith("\n}\n"):
            return None
        top: dict[str, Any] = {}
        maps: dict[str, dict[str, AnyEntry]] = {}
        names: list[str] = []
        try:  # positions in `text`, not slices of it: a snapshot may be tens of megabytes
            for first, last in _spans(text, 2, len(text) - 3, _TOP):
                name, end = _DECODER.raw_decode(text, first + len(_TOP) - 1)
                if not isinstance(name, str) or not text.startswith(": ", end):
                    return None
                names.append(name)
                at = end + 2
                if name not in MAPS:
                    top[name] = json.loads(text[at:last])
                    if text[first:last] != json_member(name, top[name], 1):
                        return None
                elif name == "objects" and text[at:last] == "{}":  # another kind is left out when it has none
                    maps[name] = {}
                elif text.startswith("{\n", at) and text.endswith("\n  }", at, last):
                    entries = [_entry(text, a, b) for a, b in _spans(text, at + 2, last - 4, _ENTRY)]
                    keys = [key for key, _ in entries]
                    if any(a >= b for a, b in itertools.pairwise(keys)):  # sorted, no key twice
                        return None
                    maps[name] = dict(entries)
                else:
                    return None
        except ValueError:
            return None
        dialect, comments = top.get("dialect"), top.get("schema_comments")
        if names != sorted(set(names)) or set(top) != {"dialect", "format", "schema_comments", "sha256"}:
            return None
        if "objects" not in maps or top["format"] != SNAPSHOT_FORMAT:
            return None
        if not isinstance(dialect, str) or not isinstance(comments, dict):
            return None
        parsed = cls(dialect, comments, maps)
        return parsed if parsed.sha256 == top["sha256"] else None

    def render(self) -> str:
        """The snapshot's text: byte for byte what `to_json()` writes for the same catalog."""
        texts = {name: [entries[key].text for key in sorted(entries)] for name, entries in self.maps.items()}
        return snapshot_document(self.dialect, self.schema_comments, self.sha256, texts)

    # ------------------------------------------------------------------ hashes

    @functools.cached_property
    def sha256(self) -> str:
        """`Catalog.sha256()` of the catalog this text holds, from the entries' own SHA-256 (a SnapshotText
        is never changed: `patched` and `with_entries` make another)."""
        data: dict[str, Any] = {"dialect": self.dialect}
        for name, entries in self.maps.items():
            if entries or name == "objects":
                data[name] = {key: e.sha256 for key, e in entries.items()}
        return sha256_of(data)

    def hashes(self) -> dict[tuple[str, str], str]:
        """Every entry's SHA-256 by (map, key): what differs between two snapshots, without decoding them."""
        return {(name, key): e.sha256 for name, entries in self.maps.items() for key, e in entries.items()}

    # ------------------------------------------------------------------ reading parts

    def tables_named(self, names: Collection[str]) -> list[str]:
        """Keys of the tables and views whose name, compared case-insensitively, is one of `names`."""
        wanted = {n.lower() for n in names}
        if not wanted:
            return []
        lasts = {n.rpartition(".")[2] for n in wanted}  # a key ends with the name's last part: a cheap sieve
        objects = self.maps["objects"]
        sieved = [key for key in objects if key.lower().rpartition(".")[2] in lasts]
        preload(objects[key] for key in sieved)
        return [key for key in sieved if objects[key].value()["name"].lower() in wanted]

    def catalog(self, keys: Iterable[tuple[str, str]]) -> Catalog:
        """A catalog of the entries `keys` name, as (map, key), and the schema comments: what a diff or a
        contract check of those objects needs, decoded alone."""
        data: dict[str, Any] = {"dialect": self.dialect, "schema_comments": self.schema_comments}
        keys = list(keys)
        preload(e for name, key in keys if (e := self.maps[name].get(key)) is not None)
        for name, key in keys:
            entry = self.maps[name].get(key)
            if entry is not None:
                data.setdefault(name, {})[key] = entry.value()
        return Catalog.from_canonical(data)

    def with_parents(self) -> list[str]:
        """Keys of the tables that are a partition of, or inherit from, another (what `drift.touched`
        needs to pass a parent's change on to them), found without decoding the other entries."""
        return [key for key, e in self.maps["objects"].items() if e.has_parent]

    def with_entries(self, entries: dict[tuple[str, str], AnyEntry | None], comments: dict[str, str]) -> SnapshotText:
        """This snapshot with the entries given by (map, key) replaced, added or (None) removed, and
        these schema comments: another snapshot told by how it differs from this one."""
        maps = {name: dict(objs) for name, objs in self.maps.items()}
        for (name, key), entry in entries.items():
            if entry is None:
                maps[name].pop(key, None)
            else:
                maps[name][key] = entry
        return SnapshotText(self.dialect, comments, maps)

    def has_schema(self, schema: str) -> bool:
        """Whether a table, routine, type or sequence is in `schema` (a trigger goes with its table)."""
        prefix = schema + "."
        for name in ("objects", "routines", "types", "sequences"):
            for key, entry in self.maps[name].items():
                if key.startswith(prefix) and entry.value()["schema"] == schema:
                    return True
        return False

    # ------------------------------------------------------------------ the patch

    def patched(self, fresh: Catalog, names: Collection[str]) -> SnapshotText | None:
        """This snapshot with every table called one of `names` replaced by its row in `fresh` (already
        limited to `schemas`/`exclude`) or removed when `fresh` has none, their triggers with them.

        None when the result cannot be told from what is here: a table read into a schema that held
        nothing documented before (whether that schema has a comment was not read).
        """
        wanted = {n.lower() for n in names}
        objects, triggers = dict(self.maps["objects"]), dict(self.maps["triggers"])
        gone = {key: objects.pop(key).value()["schema"] for key in self.tables_named(wanted)}
        read = [t for t in fresh.tables if t.name.lower() in wanted]
        for table in read:
            if table.schema not in self.schema_comments and not self.has_schema(table.schema):
                return None
        theirs = [k for k in triggers if any(k.startswith(g + ".") for g in gone)]
        preload(triggers[k] for k in theirs)
        for key in theirs:
            value = triggers[key].value()
            if object_key(value["schema"], value["table"]) in gone:
                del triggers[key]
        objects.update({t.key: entry_of(t.key, t.canonical()) for t in read})
        read_keys = {t.key for t in read}
        triggers.update({t.key: entry_of(t.key, t.canonical()) for t in fresh.triggers if t.table_key in read_keys})
        out = SnapshotText(self.dialect, self.schema_comments, {**self.maps, "objects": objects, "triggers": triggers})
        for schema in set(gone.values()) - {t.schema for t in read}:
            if schema in out.schema_comments and not out.has_schema(schema):  # its last object went
                del out.schema_comments[schema]
        return out


def _spans(text: str, first: int, last: int, start: str) -> Iterable[tuple[int, int]]:
    """The parts of `text[first:last]`, as positions, cut before each `,\n` followed by `start`."""
    if not text.startswith(start, first):
        raise ValueError("not the start of a member")
    cut = ",\n" + start
    while True:
        at = text.find(cut, first, last)
        if at < 0:
            yield first, last
            return
        yield first, at
        first = at + 2


def _entry(text: str, first: int, last: int) -> tuple[str, Entry]:
    """The entry `text[first:last]` (`    "key": {…}`) and its key."""
    key, _ = _DECODER.raw_decode(text, first + len(_ENTRY) - 1)
    at = text.rfind(_SHA, first, last) + len(_SHA)  # the entry's own member is the only one six spaces in
    sha = text[at : at + 64]
    if not isinstance(key, str) or at < first + len(_SHA) or not _HEX(sha) or not text.startswith('"', at + 64):
        raise ValueError("not an entry of a snapshot map")
    return key, Entry(text[first:last], sha)
