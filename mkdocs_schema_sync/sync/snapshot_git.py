"""The snapshot as the repository holds it at a commit: one file, or a folder (`catalog.snapshot_dir`).

A monitor pass reads the snapshot it last pushed (to patch it) and the base branch's (to compare), and
commits the one it pushes. For a folder it reads the index, and an object's file only when a step needs
that object (the whole folder, checked file by file, only when a pass reads the catalog whole); it
commits the files that changed on top of the tree it patched.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from typing import Any

from ..catalog import Catalog
from ..catalog.snapshot_dir import (
    INDEX,
    entry_path,
    entry_text,
    file_text,
    files_of,
    from_index,
    index_text,
    parse_index,
)
from ..catalog.snapshot_text import SnapshotText, preload
from ..errors import SchemaSyncError
from .git import Repo


class _Blobs:
    """Entry texts of a folder snapshot in git: by blob id, or by (map, key) inside the folder's tree."""

    #: above this many files by path, the tree is listed once (each `tree:path` lookup scans the tree)
    BY_PATH_MAX = 64

    def __init__(self, repo: Repo, tree: str | None = None) -> None:
        self.repo, self.tree = repo, tree
        self.listed: dict[str, str] | None = None

    def texts(self, ids: Collection[Any]) -> dict[Any, str]:
        wanted = {i: i if isinstance(i, str) else self._spec(*i, len(ids)) for i in ids}
        found = self.repo.cat_many(sorted(set(wanted.values())))
        return {i: entry_text(found[spec].decode("utf-8")) for i, spec in wanted.items() if spec in found}

    def _spec(self, name: str, key: str, count: int) -> str:
        path = entry_path(name, key)
        if count <= self.BY_PATH_MAX and self.listed is None:
            return f"{self.tree}:{path}"
        if self.listed is None:
            self.listed = self.repo.tree_files(str(self.tree))
        return self.listed.get(path, f"{self.tree}:{path}")


class GitSnapshots:
    """Snapshots at `relpath` in `repo`'s history; `folder`: the folder layout."""

    def __init__(self, repo: Repo, relpath: str, folder: bool) -> None:
        self.repo, self.relpath, self.folder = repo, relpath, folder

    def id_at(self, commit: str) -> str | None:
        """The id of the snapshot's blob (one file) or tree (folder) at `commit`; None when absent."""
        return self.repo.blob(commit, self.relpath)

    def load(self, object_id: str) -> SnapshotText | None:
        """The snapshot with this id, laid out as a pass writes it; None when it is not (or not there). A
        folder's entries are read when needed, by path: its id is trusted (a pass wrote it, or a whole pass
        checked it file by file), so its file list is not read."""
        if not self.folder:
            text = self.repo.cat(object_id)
            return SnapshotText.parse(text) if text is not None else None
        index = self._index(object_id)
        return from_index(index, _Blobs(self.repo, object_id)) if index is not None else None

    def _checked(self, object_id: str) -> SnapshotText | None:
        """A folder snapshot that holds exactly the files its index lists (None when it does not)."""
        try:
            files = self.repo.tree_files(object_id)
        except SchemaSyncError:  # not a tree (a file where the folder should be)
            return None
        index = self._index(object_id)
        return from_index(index, _Blobs(self.repo), files) if index is not None else None

    def _index(self, tree: str) -> dict[str, Any] | None:
        spec = f"{tree}:{INDEX}"
        raw = self.repo.cat_many([spec]).get(spec)
        try:
            return parse_index(raw.decode("utf-8")) if raw is not None else None
        except UnicodeDecodeError:
            return None

    def read_whole(self, commit: str) -> tuple[Catalog | None, Callable[[Catalog], bool]]:
        """The whole snapshot at `commit` (None when there is none), and a test of whether it is stored
        exactly as a pass writes the catalog it holds (a pass may then patch it later)."""
        if not self.folder:
            text = self.repo.show(commit, self.relpath)
            if text is None:
                return None, lambda _: False
            try:
                catalog = Catalog.from_canonical(json.loads(text))
            except (ValueError, KeyError, TypeError) as exc:
                raise SchemaSyncError(f"{self.relpath} on the base branch cannot be read: {exc}") from None
            return catalog, lambda c: text == c.to_json()
        object_id = self.id_at(commit)
        if object_id is None:
            return None, lambda _: False
        snap = self._checked(object_id)
        if snap is None:
            raise SchemaSyncError(
                f"{self.relpath} on the base branch is not a snapshot folder with the files its {INDEX} lists: "
                "take the snapshot again (`mkdocs-schema-sync snapshot`) and commit it"
            )
        entries = [(name, key) for name, objs in snap.maps.items() for key in objs]
        try:
            catalog = snap.catalog(entries)
        except (ValueError, KeyError, TypeError) as exc:
            raise SchemaSyncError(
                f"{self.relpath} on the base branch cannot be read ({exc}): take the snapshot again and commit it"
            ) from None

        def exact(c: Catalog) -> bool:
            again = SnapshotText.of(c)
            if index_text(again) != index_text(snap):
                return False
            preload(e for objs in snap.maps.values() for e in objs.values())
            pairs = [(again.maps[name].get(key), e) for name, objs in snap.maps.items() for key, e in objs.items()]
            return all(a is not None and file_text(a) == file_text(b) for a, b in pairs)

        return catalog, exact

    def commit(
        self, base_sha: str, snap: SnapshotText | Catalog, start: tuple[str, SnapshotText] | None, message: str
    ) -> str:
        """A commit on `base_sha` holding this snapshot, nothing else changed. `start`: the snapshot `snap`
        was patched from, and its id (a folder: only the files that differ from it are written)."""
        if not self.folder:
            text = snap.render() if isinstance(snap, SnapshotText) else snap.to_json()
            return self.repo.commit_file(base_sha, self.relpath, text, message)
        if isinstance(snap, Catalog):
            snap = SnapshotText.of(snap)
        if start is None:
            return self.repo.commit_folder(base_sha, self.relpath, None, files_of(snap), message)
        return self.repo.commit_folder(base_sha, self.relpath, start[0], files_of(snap, start[1]), message)
