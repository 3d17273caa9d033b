"""`repair` (accept reviewed edits, reset a half-applied file) and `baseline` (mark an existing database)."""

from __future__ import annotations

import difflib
import uuid
from pathlib import Path

from ..db import Database
from ..db.locks import session_lock
from ..errors import SchemaSyncError
from ..masking import mask
from .apply import LOCK_NAME, DeployLocked
from .files import discover, version_key
from .history import BASELINE, REPAIRED, add_row, applied_by, ensure_table, new_row, read_history
from .plan import BLOCKED, CHANGED, classify, is_applied

_DIFF_LINES = 40


def repair(
    db: Database, folder: Path, *, target: str | None, lock_wait: float = 0.0, root: Path | None = None
) -> list[str]:
    """Accept applied files whose content changed (saying what changed) and reset files that failed half-way.

    Both are appended as `repaired` rows: an accepted edit carries the new
    checksum; a reset carries none, so the file is pending again.
    """
    migrations = discover(folder, root)
    with session_lock(db, LOCK_NAME, lock_wait) as held:
        if not held:
            raise DeployLocked(f"another deploy is running against {db.spec.display}: try again when it is done")
        history = read_history(db)
        if not history:
            return ["nothing to repair: the deploy history is empty"]
        status = classify(migrations, history, allow_out_of_order=True)
        deploy_id, who, lines = str(uuid.uuid4()), applied_by(db), []
        for f in status.files:
            m = f.migration
            if f.status == CHANGED:
                assert f.row is not None
                old = f.row.content or ""
                add_row(
                    db,
                    new_row(
                        m.version,
                        m.description,
                        m.script,
                        REPAIRED,
                        deploy_id=deploy_id,
                        applied_by=who,
                        target=target or "default",
                        checksum=m.checksum,
                        error_text=f"accepted an edit: checksum {f.row.checksum} -> {m.checksum}",
                        content=m.text,
                    ),
                )
                lines.append(
                    f"{m.script}: accepted the edited file (checksum {(f.row.checksum or '')[:12]} -> "
                    f"{m.checksum[:12]}); it is not run again. What changed:"
                )
                lines += _diff(old, mask(m.text), m.script)
            elif f.status == BLOCKED:
                assert f.row is not None
                add_row(
                    db,
                    new_row(
                        m.version,
                        m.description,
                        m.script,
                        REPAIRED,
                        deploy_id=deploy_id,
                        applied_by=who,
                        target=target or "default",
                        error_text=f"reset after a partial failure in deploy {f.row.deploy_id}",
                    ),
                )
                lines.append(
                    f"{m.script}: reset after its partial failure (deploy {f.row.deploy_id}); "
                    "the next deploy runs it again from its first statement"
                )
        db.commit()
        for row in status.missing:
            lines.append(f"note: {row.script} (version {row.version}) is applied but its file is gone")
        return lines or ["nothing to repair: every applied file matches its checksum"]


def baseline(
    db: Database,
    version: str,
    *,
    target: str | None,
    description: str,
    lock_wait: float = 0.0,
    folder: Path | None = None,
) -> str:
    """Mark an existing database as being at `version`: files up to it are never run there.

    A version beyond every file in `folder` is refused: it would silently skip files not written yet.
    """
    version = str(version_key(version))
    if folder is not None:
        newest = max(discover(folder), key=lambda m: m.order, default=None)
        if newest is None or int(version) > newest.order:
            have = f"the newest is {newest.script} (version {newest.version})" if newest else "it holds none"
            raise SchemaSyncError(
                f"baseline {version}: no migration file in {folder} has that version or a higher one ({have}); "
                "a baseline names the newest file the database already reflects"
            )
    with session_lock(db, LOCK_NAME, lock_wait) as held:
        if not held:
            raise DeployLocked(f"another deploy is running against {db.spec.display}: try again when it is done")
        ensure_table(db)
        history = read_history(db)
        if any(is_applied(r) or r.outcome == BASELINE for r in history):
            raise SchemaSyncError(
                f"{db.dialect.history_table} already records applied files or a baseline: "
                "baseline marks a database that has no deploy history yet"
            )
        add_row(
            db,
            new_row(
                version,
                description,
                "<< baseline >>",
                BASELINE,
                deploy_id=str(uuid.uuid4()),
                applied_by=applied_by(db),
                target=target or "default",
            ),
        )
        db.commit()
    return f"baseline: {db.spec.display} is marked at version {version}; files up to it will not run there"


def _diff(old: str, new: str, name: str) -> list[str]:
    lines = list(
        difflib.unified_diff(old.splitlines(), new.splitlines(), f"{name} (applied)", f"{name} (now)", lineterm="")
    )
    if len(lines) > _DIFF_LINES:
        lines = [*lines[:_DIFF_LINES], f"… {len(lines) - _DIFF_LINES} more diff lines"]
    return ["    " + line for line in lines]
