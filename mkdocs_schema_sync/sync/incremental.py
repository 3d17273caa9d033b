"""What a monitor pass compares with the base branch: the catalog read whole, or the last snapshot patched.

Where DDL triggers fill the drift log, each pass reads the log's newest id and its number of rows
(one statement, before the catalog) and records them with the git blob of a snapshot equal to the
database at that mark: the one it pushed, or the base branch's when the database matches it. The
next pass then reads the rows after that id and, when they say which tables they changed
(`drift.touched`), reads only those (`Dialect.read_tables`) and patches the recorded snapshot's
text (`catalog.snapshot_text`): the other objects keep their text and their SHA-256. The diff with
the base branch and the contract check decode only the objects whose SHA-256 differs and the tables
the contracts name. The snapshot a patched pass pushes is byte for byte the one a whole read would.

A blob is trusted only when a pass wrote it, or (once per blob, in a whole read) found it to be what
`to_json` writes for it; the record keeps those (`texts`: blob -> [SHA-256, SHA-256 of the schema
comments]). With the pull request open it also keeps the base branch's versions of the objects that
differ (`base_diff`), so that the next pass reads one snapshot from git, not two. The whole catalog is read when
the drift log has no triggers, `generate_out` is set (pages come from the whole catalog), the
settings, contract file or tool changed, the last whole read is older than `whole_every`, the
recorded or the base branch's snapshot is not a trusted one, a row appeared at or below the recorded
id (a transaction that committed late) or rows went, more than PARTIAL_ROWS_MAX rows came, a row
cannot be bounded to tables, or a table was read into a schema with nothing documented before.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import __version__
from ..catalog import SNAPSHOT_FORMAT, Catalog, sha256_of
from ..catalog.snapshot_dir import is_folder
from ..catalog.snapshot_text import Entry, SnapshotText
from ..contracts.model import ContractFile
from ..db import Database
from ..drift.log import log_mark, read_since, rows_up_to
from ..drift.touched import touched_tables
from ..masking import get_logger
from ..pipeline import PARTIAL_ROWS_MAX
from ..settings import Settings, select_tables
from .git import BranchState, Repo
from .snapshot_git import GitSnapshots

log = get_logger("monitor")

#: the key of the pass record (`DriftStore.save_pass`) that says what the next pass may patch
RECORD = "snapshot"
#: a record from another version of the tool (or snapshot format) is not trusted
VERSION = f"{__version__}/{SNAPSHOT_FORMAT}"
#: the most text of the base branch's differing objects a record keeps (else the next pass reads that snapshot)
BASE_DIFF_MAX = 256_000


@dataclass
class Live:
    """The live schema as one pass compares it with the base branch's snapshot."""

    sha256: str
    base_sha256: str
    new: Catalog  # the live catalog; patched: the objects that differ from the base, and the contracts' tables
    old: Catalog  # the base branch's snapshot, the same way
    comments: str  # SHA-256 of the schema comments: the snapshot holds them, `sha256` does not cover them
    whole_at: float  # when the catalog was last read whole (time.time())
    catalog: Catalog | None = None  # the whole catalog (pages are rendered from it); None when patched
    tables_read: int | None = None  # patched: how many tables were read again
    why_whole: str = ""  # read whole: why the last snapshot could not be patched
    base_exact: Callable[[Catalog], bool] | None = None  # read whole: is the base stored as a pass writes it
    # patched: both snapshots, and the entries (map, key) in which they differ
    snapshot: SnapshotText | None = None
    start: tuple[str, SnapshotText] | None = None  # patched: the snapshot patched, and its git id
    base_snapshot: SnapshotText | None = None
    differ: set[tuple[str, str]] | None = None


def comments_hash(comments: dict[str, str]) -> str:
    return sha256_of(comments)


def read_mark(db: Database) -> tuple[int, int] | None:
    """The drift log's newest id and number of rows, read before anything they must cover."""
    mark = log_mark(db)
    db.rollback_quietly()
    return mark


class Reader:
    """Reads the live schema for one pass, and says what the next pass may patch."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        repo: Repo,
        lock_path: str,
        state: BranchState,
        inputs: str,
        mark: tuple[int, int] | None,
    ) -> None:
        self.db, self.settings, self.repo, self.lock_path = db, settings, repo, lock_path
        self.state, self.inputs, self.mark = state, inputs, mark
        self.store = GitSnapshots(repo, lock_path, is_folder(settings.snapshot or Path(lock_path)))
        self.base_blob = self.store.id_at(state.base_sha)
        self.known: dict[str, Any] = {}
        self.texts: dict[str, list[str]] = {}

    def read(self, last: dict[str, Any], contracts: ContractFile | None, whole_every: float) -> Live:
        known = last.get(RECORD)
        self.known = known if isinstance(known, dict) else {}
        texts = self.known.get("texts")
        self.texts = {
            str(blob): [str(v) for v in pair]
            for blob, pair in (texts.items() if isinstance(texts, dict) else [])
            if isinstance(pair, list) and len(pair) == 2
        }
        try:
            patched = self._patched(contracts, whole_every)
        except (KeyError, TypeError, ValueError) as exc:  # a record edited by hand: read whole
            patched = f"the last pass's record cannot be used ({type(exc).__name__})"
        if isinstance(patched, Live):
            return patched
        log.debug("reading the whole catalog: %s", patched)
        live = self._whole()
        live.why_whole = patched
        return live

    def _patched(self, contracts: ContractFile | None, whole_every: float) -> Live | str:
        """The last snapshot patched with the tables the drift log names since; else why not."""
        known, mark, db = self.known, self.mark, self.db
        if mark is None:
            return "no DDL trigger fills the drift log"
        if self.settings.generate_out is not None:
            return "`generate_out` renders every page from the whole catalog"
        if not known.get("blob"):
            return "the last pass left no snapshot equal to the database"
        if known.get("version") != VERSION or known.get("inputs") != self.inputs:
            return "the settings, the contract file or the tool changed"
        whole_at = float(known["whole_at"])
        if not 0 <= time.time() - whole_at < whole_every:
            return "the periodic whole read"
        blob, last_id, count = str(known["blob"]), int(known["log"]), int(known["rows"])
        if blob not in self.texts or self.base_blob not in self.texts:
            return "the snapshot to patch or the base branch's is not one a pass wrote or checked"
        old = self._load(blob, self.texts[blob])
        if old is None:
            return "the recorded snapshot is not in the repository, or not the one recorded"
        base = old if self.base_blob == blob else self._base(old, blob)
        if base is None or old.dialect == "mysql":
            return "the base branch's snapshot is not the one recorded"
        if mark[0] < last_id or rows_up_to(db, last_id) != count:
            return f"drift-log rows up to id {last_id} appeared or went since the last pass (a late commit)"
        rows = read_since(db, last_id)
        db.rollback_quietly()
        if rows is None or len(rows) > PARTIAL_ROWS_MAX:
            return f"more than {PARTIAL_ROWS_MAX} drift-log rows since the last pass"
        needed = [*(("sequences", key) for key in old.maps["sequences"]), *(("objects", k) for k in old.with_parents())]
        names = touched_tables(rows, old.catalog(needed), db.dialect.split_migration)
        if names is None:
            return "a drift-log row that does not say which tables it changed"
        new: SnapshotText | None = old
        read = 0
        if names:
            fresh = select_tables(db.dialect.read_tables(db, names, row_counts=False), self.settings)
            db.rollback_quietly()
            new, read = old.patched(fresh, names), len(fresh.tables)
        if new is None:
            return "a table was read into a schema with nothing documented before"
        log.debug("re-read %d table(s) named by %d drift-log row(s)", read, len(rows))
        named = contracts.table_names() if contracts is not None else set()
        before, after = base.hashes(), new.hashes()
        differ = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
        return Live(
            sha256=new.sha256,
            base_sha256=base.sha256,
            new=new.catalog(differ | {("objects", key) for key in new.tables_named(named)}),
            old=base.catalog(differ | {("objects", key) for key in base.tables_named(named)}),
            comments=comments_hash(new.schema_comments),
            whole_at=whole_at,
            tables_read=read,
            snapshot=new,
            start=(blob, old),
            base_snapshot=base,
            differ=differ,
        )

    def _base(self, old: SnapshotText, blob: str) -> SnapshotText | None:
        """The base branch's snapshot: `old` with the entries in which the record says they differ (when
        it says so for these two blobs, and the result has the base's recorded hashes), else read."""
        want = self.texts[str(self.base_blob)]
        told = self.known.get("base_diff")
        if isinstance(told, dict) and told.get("base") == self.base_blob and told.get("of") == blob:
            try:
                entries = {(str(m), str(k)): Entry.of_text(t) if t is not None else None for m, k, t in told["entries"]}
                base = old.with_entries(entries, dict(told["comments"]))
            except (KeyError, TypeError, ValueError):
                base = None
            if base is not None and [base.sha256, comments_hash(base.schema_comments)] == want:
                return base
        return self._load(str(self.base_blob), want)

    def _load(self, object_id: str, known: list[str]) -> SnapshotText | None:
        """The snapshot with this git id when it is the one recorded ([SHA-256, SHA-256 of its schema comments])."""
        parsed = self.store.load(object_id)
        if parsed is None or [parsed.sha256, comments_hash(parsed.schema_comments)] != known:
            return None
        return parsed

    def _whole(self) -> Live:
        db = self.db
        catalog = select_tables(db.dialect.read_catalog(db, row_counts=False), self.settings)
        db.rollback_quietly()
        stored, exact = self.store.read_whole(self.state.base_sha)
        base = stored if stored is not None else Catalog(dialect=catalog.dialect, tables=[])
        return Live(
            sha256=catalog.sha256(),
            base_sha256=base.sha256(),
            new=catalog,
            old=base,
            comments=comments_hash(catalog.schema_comments),
            whole_at=time.time(),
            catalog=catalog,
            base_exact=exact,
        )

    def record(self, live: Live, commit: str | None) -> dict[str, Any] | None:
        """What the next pass may patch: the blob equal to the database at this pass's mark (if any),
        the mark, and the blobs known to be snapshots as a pass writes them. `commit`: the head of the
        sync branch this pass left (pushed, or found holding this schema), None when there is none."""
        if self.mark is None:
            return None
        mine = [live.sha256, live.comments]
        texts = dict(self.texts)
        head = self.store.id_at(commit) if commit else None
        if head is not None and commit != self.state.head_sha:  # written by this pass
            texts[head] = mine
        base = self.base_blob
        if (
            base is not None
            and base not in texts
            and live.catalog is not None  # read whole: `old` is the base branch's snapshot, all of it
            and self.settings.generate_out is None
            and live.catalog.dialect != "mysql"
            and live.base_exact is not None
            and live.base_exact(live.old)  # once per blob: the file is what a pass writes for it
        ):
            texts[base] = [live.base_sha256, comments_hash(live.old.schema_comments)]
        blob = next((b for b in (head, base) if b is not None and texts.get(b) == mine), None)
        keep = sorted({b for b in (blob, base, head) if b is not None and b in texts})
        record: dict[str, Any] = {
            "blob": blob,
            "log": self.mark[0],
            "rows": self.mark[1],
            "whole_at": live.whole_at,
            "inputs": self.inputs,
            "version": VERSION,
            "texts": {b: texts[b] for b in keep},
        }
        told = _base_diff(live) if blob is not None and blob == head and base not in (None, head) else None
        if told is not None:  # the next pass need not read the base branch's snapshot: it is this one, so changed
            record["base_diff"] = {"base": base, "of": blob, **told}
        return record


def _base_diff(live: Live) -> dict[str, Any] | None:
    """The base's entries where the pushed snapshot differs from it (None where the base has none), and its
    schema comments; None when not known here (a whole read) or too large to keep in the record."""
    if live.snapshot is None or live.base_snapshot is None or live.differ is None:
        return None
    base = live.base_snapshot.maps
    entries = [[name, key, e.text if (e := base[name].get(key)) else None] for name, key in sorted(live.differ)]
    if sum(len(text or "") for *_, text in entries) > BASE_DIFF_MAX:
        return None
    return {"comments": live.base_snapshot.schema_comments, "entries": entries}
