"""Where each migration file stands against the history: pending, applied, changed, out of order, blocked."""

from __future__ import annotations

from dataclasses import dataclass, field

from .files import Migration, version_key
from .history import APPLIED, BASELINE, NEEDS_REPAIR, REPAIRED, HistoryRow

PENDING, DONE, CHANGED, OUT_OF_ORDER, BELOW_BASELINE, BLOCKED = (
    "pending",
    "applied",
    "changed",
    "out-of-order",
    "below-baseline",
    "needs-repair",
)


@dataclass
class FileState:
    migration: Migration
    status: str
    row: HistoryRow | None = None  # the history row that decides the status


@dataclass
class Status:
    files: list[FileState] = field(default_factory=list)
    missing: list[HistoryRow] = field(default_factory=list)  # applied versions whose file is gone
    baseline: str | None = None

    @property
    def pending(self) -> list[FileState]:
        return [f for f in self.files if f.status == PENDING]

    def refusals(self) -> list[str]:
        """Why nothing may be applied: every reason, one line each, with what to do."""
        out = []
        for f in self.files:
            name = f.migration.script
            if f.status == CHANGED:
                assert f.row is not None
                out.append(
                    f"{name} was applied with checksum {(f.row.checksum or '')[:12]} but is now "
                    f"{f.migration.checksum[:12]}: an applied file must not change (revert it, or run "
                    "`mkdocs-schema-sync repair` after review)"
                )
            elif f.status == OUT_OF_ORDER:
                out.append(
                    f"{name} (version {f.migration.version}) is older than the newest applied version: "
                    "renumber it, or pass --allow-out-of-order"
                )
            elif f.status == BLOCKED:
                assert f.row is not None
                at = f" at statement {f.row.statement_index}" if f.row.statement_index else ""
                out.append(
                    f"{name} stopped part-way{at} on an earlier deploy ({f.row.deploy_id}: failed, or killed "
                    f"while it ran) and needs `repair`: fix the database by hand, then run `mkdocs-schema-sync "
                    f"repair` (statement: {_one_line(f.row.failed_statement)})"
                )
        return out


def current_rows(history: list[HistoryRow]) -> dict[int, HistoryRow]:
    """The newest row that counts for each version (failed and refused attempts leave a version pending)."""
    out: dict[int, HistoryRow] = {}
    for row in history:
        if row.outcome == BASELINE or not row.version.isdigit():
            continue
        out[int(row.version)] = row
    return out


def baseline_of(history: list[HistoryRow]) -> str | None:
    rows = [r for r in history if r.outcome == BASELINE]
    return rows[-1].version if rows else None


def is_applied(row: HistoryRow | None) -> bool:
    """Applied, or accepted by `repair` (a repair with no checksum reset a partly applied file instead)."""
    if row is None:
        return False
    return row.outcome == APPLIED or (row.outcome == REPAIRED and row.checksum is not None)


def classify(migrations: list[Migration], history: list[HistoryRow], *, allow_out_of_order: bool = False) -> Status:
    rows = current_rows(history)
    baseline = baseline_of(history)
    floor = version_key(baseline) if baseline is not None else -1
    applied = [v for v, r in rows.items() if is_applied(r) or r.outcome == NEEDS_REPAIR]
    newest = max([*applied, floor], default=-1)
    status = Status(baseline=baseline)
    for m in migrations:
        row = rows.get(m.order)
        if row is not None and row.outcome == NEEDS_REPAIR:
            state = BLOCKED
        elif is_applied(row):
            assert row is not None
            state = DONE if row.checksum == m.checksum else CHANGED
        elif m.order <= floor:
            state = BELOW_BASELINE
        elif m.order < newest and not allow_out_of_order:
            state = OUT_OF_ORDER
        else:
            state = PENDING
        status.files.append(FileState(m, state, row))
    on_disk = {m.order for m in migrations}
    status.missing = [r for v, r in sorted(rows.items()) if is_applied(r) and v not in on_disk]
    return status


def _one_line(text: str | None) -> str:
    flat = " ".join((text or "").split())
    return flat if len(flat) <= 120 else flat[:119] + "…"
