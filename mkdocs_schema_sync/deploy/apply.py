"""Applying the pending files: one deploy at a time, one transaction per file, the gate before each commit.

Where DDL is transactional (PostgreSQL, SQLite, SQL Server) a file's
statements, the contract check and its history row commit together or not at
all; a file may not control the transaction (COMMIT, ROLLBACK, BEGIN … are
refused before anything runs) and after each file the deploy checks that its
transaction is still the one it opened. MySQL/MariaDB commit every DDL
statement by themselves, and a `-- schema-sync: no-transaction` file runs in
autocommit on purpose: there the file goes statement by statement with a
progress row before each group (steps.py), the gate runs after each DDL
statement, and a file that stops half-way is `needs_repair` at that statement.
A `--plan` runs the same path inside one transaction that is rolled back.
Files are split before the deploy lock is taken: the lock is held only while
executing.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..catalog import Catalog
from ..catalog.diff import Change, diff_catalogs
from ..contracts import policy
from ..db import Database
from ..db.locks import session_lock
from ..db.problems import first_line
from ..dialects.statements import Statement
from ..dialects.touched import touched_names
from ..drift.log import DEPLOYED_STATE, read_state, save_state_value
from ..drift.poller import DeployTag, Poller
from ..errors import SchemaSyncError
from ..masking import get_logger
from ..settings import Settings, select_tables
from .files import Migration, scan
from .gate import Gate, GateResult, may_break
from .history import (
    APPLIED,
    FAILED,
    NEEDS_REPAIR,
    NO_TRANSACTION,
    PER_STATEMENT,
    REFUSED,
    TRANSACTION,
    HistoryRow,
    add_row,
    applied_by,
    ensure_table,
    new_row,
    read_history,
)
from .plan import FileState, Status, classify
from .steps import groups, is_data, progress_text, transaction_refusals

log = get_logger("deploy")

LOCK_NAME = "mkdocs-schema-sync deploy"
#: exit codes of `deploy`: done (or nothing to do); a file failed or the gate stopped it; refused or an error;
#: another deploy holds the lock
EXIT_DONE, EXIT_STOPPED, EXIT_REFUSED, EXIT_LOCKED = 0, 1, 2, 3


class DeployLocked(SchemaSyncError):
    exit_code = EXIT_LOCKED


@dataclass
class DeployOptions:
    target: str | None = None  # the target's name (None: the plugin's own `connection`)
    allow_breaking: set[str] = field(default_factory=set)
    allow_out_of_order: bool = False
    lock_wait: float = 0.0
    timeout: float | None = None  # each statement's bound (None: none, it runs as long as it needs)
    root: Path | None = None  # the repository: a migration linked from outside it is refused


@dataclass
class FileResult:
    script: str
    checksum: str
    outcome: str  # applied | failed | refused | needs_repair | planned
    statements: int
    duration_ms: int = 0
    error: str | None = None
    statement: str | None = None
    allowed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    may_break: list[str] = field(default_factory=list)  # textual gate (no transactional DDL): "statement N: …"
    run_mode: str = TRANSACTION
    statement_index: int | None = None  # where it stopped (1-based), or how many ran
    notes: tuple[str, ...] = ()  # about the file itself (a BOM removed, a symbolic link, no-transaction)


@dataclass
class DeployReport:
    deploy_id: str
    target: str
    status: Status
    results: list[FileResult] = field(default_factory=list)
    diff: list[Change] | None = None  # the plan's schema diff (None: textual plan)
    textual_only: bool = False
    stopped: str | None = None  # the one line saying why the deploy stopped
    notes: list[str] = field(default_factory=list)  # warnings for the person deploying

    @property
    def exit_code(self) -> int:
        return EXIT_STOPPED if self.stopped else EXIT_DONE


class _StatementFailed(Exception):
    def __init__(self, index: int, statement: str, error: str) -> None:
        super().__init__(error)
        self.index, self.statement, self.error = index, statement, error


class Deployer:
    """One run of `deploy` or `deploy --plan` against one open (writable) database."""

    def __init__(self, db: Database, settings: Settings, folder: Path, options: DeployOptions) -> None:
        self.db = db
        self.settings = settings
        self.options = options
        self.migrations, self.skipped = scan(folder, options.root)
        self._statements: dict[str, list[Statement]] = {}
        self._checked: set[str] = set()  # files whose transaction control was checked
        self.gate = Gate(policy.load_for(settings), settings, options.allow_breaking)
        self.deploy_id = str(uuid.uuid4())
        self.target = options.target or "default"

    # ------------------------------------------------------------------ entry points

    def run(self, *, plan: bool = False) -> DeployReport:
        self._refuse_transaction_control(self._pending_before_lock())
        with self._locked():
            if not plan:
                ensure_table(self.db)
            history = read_history(self.db)
            status = classify(self.migrations, history, allow_out_of_order=self.options.allow_out_of_order)
            refusals = status.refusals()
            if refusals:
                raise SchemaSyncError("deploy refused: " + " | ".join(refusals), exit_code=EXIT_REFUSED)
            self._refuse_transaction_control([f.migration for f in status.pending])  # split already: cached
            report = DeployReport(self.deploy_id, self.target, status, notes=list(self.skipped))
            if not status.pending:
                return report
            if plan:
                self._plan(report)
            else:
                self._apply(report)
            return report

    def statements(self, m: Migration) -> list[Statement]:
        if m.script not in self._statements:
            self._statements[m.script] = self.db.dialect.split_migration(m.text)
        return self._statements[m.script]

    def _pending_before_lock(self) -> list[Migration]:
        """The files a deploy will likely run, split (the slow part for big files) before the lock is taken."""
        try:
            history = read_history(self.db)
        except SchemaSyncError:
            return []
        status = classify(self.migrations, history, allow_out_of_order=True)
        return [f.migration for f in status.pending]

    def _refuse_transaction_control(self, migrations: list[Migration]) -> None:
        lines = []
        for m in migrations:
            if m.script not in self._checked:  # before the lock, then again only for newly pending files
                lines += transaction_refusals(self.db.dialect, m.script, self.statements(m), m.no_transaction)
                self._checked.add(m.script)
        if lines:
            more = f" | … {len(lines) - 5} more" if len(lines) > 5 else ""
            raise SchemaSyncError("deploy refused: " + " | ".join(lines[:5]) + more, exit_code=EXIT_REFUSED)

    def _result(self, m: Migration, outcome: str, statements: list[Statement]) -> FileResult:
        notes = m.notes
        if m.no_transaction:
            notes = (*notes, "-- schema-sync: no-transaction: statement by statement, in autocommit")
        mode = TRANSACTION
        if m.no_transaction:
            mode = NO_TRANSACTION
        elif not self.db.dialect.transactional_ddl:
            mode = PER_STATEMENT
        return FileResult(m.script, m.checksum, outcome, len(statements), run_mode=mode, notes=notes)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with session_lock(self.db, LOCK_NAME, self.options.lock_wait) as held:
            if not held:
                holder = None
                with contextlib.suppress(SchemaSyncError):
                    holder = self.db.dialect.lock_holder(self.db, LOCK_NAME)
                raise DeployLocked(
                    f"another deploy is running against {self.db.spec.display} (it holds the deploy lock"
                    + (f": {holder}" if holder else "")
                    + "): wait for it to finish, or pass --lock-wait SECONDS"
                )
            yield

    @contextlib.contextmanager
    def _statement_bound(self) -> Iterator[None]:
        """A migration's statements run under `deploy.timeout` (default none), not the catalog's bound."""
        timeout = self.options.timeout
        self.db.dialect.set_deploy_timeout(self.db, timeout)
        watch = self.db.watchdog.seconds
        self.db.watchdog.seconds = 0 if timeout is None else timeout + max(2.0, timeout / 4)
        try:
            yield
        finally:
            self.db.watchdog.seconds = watch
            with contextlib.suppress(Exception):  # an aborted transaction: its rollback restores the setting
                self.db.dialect.set_query_timeout(self.db, self.db.spec.query_timeout)

    # ------------------------------------------------------------------ plan

    def _catalog(self, names: set[str] | None = None) -> Catalog:
        """The whole catalog, or (`names`) the tables so named: all the pending files can change."""
        if names is not None:
            return self.db.dialect.read_tables(self.db, names)
        return self.db.dialect.read_catalog(self.db, row_counts=False)

    def _plan(self, report: DeployReport) -> None:
        """Apply every pending file inside one transaction, gate each, diff, and roll everything back.

        A no-transaction file cannot run inside it: from the first one on, files are read by text only.
        """
        pending = report.status.pending
        if not self.db.dialect.transactional_ddl:
            report.textual_only = True
            self._plan_by_text(report, pending)
            return
        touched = touched_names(s for f in pending for s in self.statements(f.migration))
        before = self._catalog(touched)
        if self.gate.active:
            self.gate.start(self.gate.read(self.db))
        good: list[list[str]] = []  # the statements of the files that passed
        self.db.begin()
        try:
            mark = self.db.dialect.transaction_mark(self.db, start=True)
            for number, f in enumerate(pending):
                m = f.migration
                if m.no_transaction:
                    report.notes.append(
                        f"{m.script} is a no-transaction file: the plan cannot run it inside its transaction, "
                        "so it and the files after it are checked by their text only"
                    )
                    self._plan_by_text(report, pending[number:])
                    break
                statements = self.statements(m)
                result = self._result(m, "planned", statements)
                report.results.append(result)
                started = time.monotonic()
                try:
                    self._run_statements(statements)
                except _StatementFailed as exc:
                    result.outcome, result.error, result.statement = FAILED, exc.error, exc.statement
                    report.stopped = self._failed_line(m, exc, len(statements), planned=True)
                    break
                if mark is not None and self.db.dialect.transaction_mark(self.db, start=False) != mark:
                    result.outcome = FAILED
                    report.stopped = f"plan: {m.script} ended the plan's transaction (what ran before may be committed)"
                    break
                gate = self.gate.check(self.gate.read(self.db)) if self.gate.active else GateResult()
                result.duration_ms = _ms(started)
                self._note_gate(result, gate)
                if gate.blocking:
                    result.outcome = REFUSED
                    report.stopped = f"plan: {gate.message(m.script)}"
                    break
                self.gate.accept(gate)
                good.append(statements)
            after = self._catalog(touched) if not report.stopped else None
        finally:
            self.db.end(commit=False)
        if after is None:  # the diff of the files before the one that stops: applied again, read, rolled back
            after = before
            if good:
                self.db.begin()
                try:
                    for statements in good:
                        self._run_statements(statements)
                    after = self._catalog(touched)
                finally:
                    self.db.end(commit=False)
        report.diff = diff_catalogs(select_tables(before, self.settings), select_tables(after, self.settings))

    def _plan_by_text(self, report: DeployReport, pending: list[FileState]) -> None:
        for f in pending:
            m = f.migration
            statements = self.statements(m)
            result = self._result(m, "planned", statements)
            result.may_break = self._may_break(statements)
            report.results.append(result)
            if result.may_break and not report.stopped:
                report.stopped = f"plan: {self._may_break_line(m, result.may_break)}"

    # ------------------------------------------------------------------ apply

    def _apply(self, report: DeployReport) -> None:
        who = applied_by(self.db)
        untagged = self.db.dialect.untagged_capture(self.db)
        if untagged:
            report.notes.append(untagged)
        with contextlib.suppress(SchemaSyncError):  # an older server without the setting: nothing lost
            self.db.dialect.deploy_session(self.db)
        drift = _DriftTagger(self.db, self.settings, own_connection=self.options.target is None)
        drift.before()
        if self.gate.active:
            self.gate.start(self.gate.read(self.db))
        self.db.dialect.tag_session(self.db, self.deploy_id)
        try:
            for f in report.status.pending:
                m = f.migration
                if self.db.dialect.transactional_ddl and not m.no_transaction:
                    result, stopped = self._apply_atomic(m, who)
                else:
                    result, stopped = self._apply_stepwise(m, who)
                report.results.append(result)
                if stopped:
                    done = sum(1 for r in report.results if r.outcome == APPLIED)
                    earlier = (
                        f"{done} earlier file(s) of this deploy stay applied"
                        if done
                        else ("no earlier file of this deploy was applied")
                    )
                    report.stopped = f"deploy stopped: {stopped}; {earlier}"
                    break
        finally:
            with contextlib.suppress(SchemaSyncError):
                self.db.dialect.tag_session(self.db, None)
            drift.after(DeployTag(self.deploy_id, who))
            if any(r.outcome == APPLIED for r in report.results):
                drift.remember_schema()

    def _apply_atomic(self, m: Migration, who: str) -> tuple[FileResult, str | None]:
        """The file, the gate and its history row in one transaction: all committed, or none."""
        statements = self.statements(m)
        result = self._result(m, APPLIED, statements)
        result.statement_index = len(statements)
        started = time.monotonic()
        self.db.begin()
        try:
            mark = self.db.dialect.transaction_mark(self.db, start=True)
            self._run_statements(statements)
            if mark is not None and self.db.dialect.transaction_mark(self.db, start=False) != mark:
                self.db.end(commit=False)
                return self._ended_transaction(m, result, who, started)
            gate = self.gate.check(self.gate.read(self.db)) if self.gate.active else GateResult()
        except _StatementFailed as exc:
            self.db.end(commit=False)
            result.outcome, result.error, result.statement = FAILED, exc.error, exc.statement
            result.statement_index = exc.index + 1
            result.duration_ms = _ms(started)
            self._record(m, result, who)
            return result, self._failed_line(m, exc, len(statements))
        except BaseException:
            self.db.end(commit=False)
            raise
        self._note_gate(result, gate)
        if gate.blocking:
            self.db.end(commit=False)
            result.outcome, result.error, result.duration_ms = REFUSED, gate.message(m.script), _ms(started)
            self._record(m, result, who)
            return result, f"{gate.message(m.script)} — {m.script} was rolled back"
        try:
            result.duration_ms = _ms(started)
            self._record(m, result, who)
        except BaseException:
            self.db.end(commit=False)
            raise
        try:
            self.db.end(commit=True)
        except Exception as exc:  # deferred constraints are checked at COMMIT: the file failed there
            self.db.end(commit=False)
            failed = _StatementFailed(len(statements) - 1, "COMMIT", first_line(exc))
            result.outcome, result.error, result.statement = FAILED, failed.error, failed.statement
            self._record(m, result, who)
            return result, f"{m.script} failed at COMMIT: {failed.error} — {m.script} was rolled back"
        self.gate.accept(gate)
        return result, None

    def _ended_transaction(
        self, m: Migration, result: FileResult, who: str, started: float
    ) -> tuple[FileResult, str | None]:
        """The file ended the deploy's transaction in a way its text did not show: what ran before is
        committed and cannot be told apart, so the file needs repair."""
        result.outcome, result.duration_ms = NEEDS_REPAIR, _ms(started)
        result.error = (
            f"{m.script} ended the deploy's transaction (it was not the one the deploy opened after the file): "
            "part of it may be committed outside the contract gate"
        )
        self._record(m, result, who)
        return result, f"{result.error}; check the database, then run `repair`"

    def _apply_stepwise(self, m: Migration, who: str) -> tuple[FileResult, str | None]:
        """Statement by statement (MySQL/MariaDB, no-transaction files): a progress row before each group,
        the gate after each DDL statement; a half-done file needs `repair`."""
        statements = self.statements(m)
        result = self._result(m, APPLIED, statements)
        started = time.monotonic()
        result.may_break = self._may_break(statements)
        if result.may_break:  # read before anything commits: refused whole
            result.outcome, result.error = REFUSED, self._may_break_line(m, result.may_break)
            self._record(m, result, who)
            return result, f"{result.error} — nothing of {m.script} was applied"
        self.db.autocommit()
        for group in groups(statements):
            a, b = group
            self._record_progress(m, result, statements, group, who)
            try:
                if b - a > 1:  # data statements: one transaction, rolled back whole when one fails
                    self.db.begin()
                    try:
                        self._run_statements(statements[a:b], offset=a)
                    except BaseException:
                        self.db.end(commit=False)
                        raise
                    self.db.end(commit=True)
                else:
                    self._run_statements(statements[a:b], offset=a)
            except _StatementFailed as exc:
                ran = a if b - a > 1 else exc.index  # statements before it that stay applied
                result.outcome = FAILED if ran == 0 else NEEDS_REPAIR
                result.error, result.statement, result.duration_ms = exc.error, exc.statement, _ms(started)
                result.statement_index = exc.index + 1
                self._record(m, result, who)
                return result, self._failed_line(m, exc, len(statements), ran=ran)
            if is_data(statements[a]) or not self.gate.active:
                continue
            gate = self.gate.check(self.gate.read(self.db))
            self._note_gate(result, gate)
            if gate.blocking:
                result.outcome, result.error, result.statement = NEEDS_REPAIR, gate.message(m.script), statements[a]
                result.statement_index, result.duration_ms = a + 1, _ms(started)
                self._record(m, result, who)
                return result, (
                    f"{gate.message(m.script)} — statement {a + 1} of {len(statements)} did it and "
                    f"{self._committer(m)} has already committed it: restore the column, then run `repair`"
                )
            self.gate.accept(gate)
        result.duration_ms, result.statement_index = _ms(started), len(statements)
        self._record(m, result, who)
        return result, None

    def _record_progress(
        self, m: Migration, result: FileResult, statements: list[Statement], group: tuple[int, int], who: str
    ) -> None:
        """A committed `needs_repair` row naming the group about to run: the file's state if the deploy dies."""
        progress = dataclasses.replace(
            result,
            outcome=NEEDS_REPAIR,
            error=progress_text(self.deploy_id, statements, group),
            statement=statements[group[0]],
            statement_index=group[0] + 1,
            allowed=list(result.allowed),
        )
        self._record(m, progress, who, content=False)

    # ------------------------------------------------------------------ helpers

    def _run_statements(self, statements: list[Statement], offset: int = 0) -> None:
        with self._statement_bound():
            for index, statement in enumerate(statements, start=offset):
                try:
                    self.db.execute(statement)
                except Exception as exc:  # the driver's error: recorded with the statement, then one line
                    raise _StatementFailed(index, statement, first_line(exc)) from None

    def _may_break(self, statements: list[str]) -> list[str]:
        return [
            f"statement {i}: {hit}"
            for i, statement in enumerate(statements, start=1)
            for hit in may_break(self.gate.contracts, self.gate.allow, statement)
        ]

    def _may_break_line(self, m: Migration, hits: list[str]) -> str:
        names = sorted({h.split("'")[1] for h in hits})
        why = (
            "a no-transaction file commits each statement as it runs"
            if m.no_transaction
            else f"{self.db.dialect.label} commits DDL as it runs"
        )
        return (
            f"{m.script} may break {'; '.join(hits)}: {why} and cannot roll it back, "
            f"so the gate reads the text first; review it and pass "
            f"{' '.join(f'--allow-breaking {n}' for n in names)} to deploy it"
        )

    def _note_gate(self, result: FileResult, gate: GateResult) -> None:
        result.allowed += [r.name for r in gate.allowed if r.name not in result.allowed]
        result.warnings += [f"{r.name}: {r.summary()}" for r in gate.warnings]
        for r in gate.allowed:
            log.warning("%s breaks contract %r (allowed by --allow-breaking): %s", result.script, r.name, r.summary())

    def _failed_line(
        self, m: Migration, exc: _StatementFailed, total: int, planned: bool = False, ran: int | None = None
    ) -> str:
        line = getattr(exc.statement, "line", None)
        at = f" (line {line})" if line else ""
        where = f"{m.script} failed at statement {exc.index + 1} of {total}{at}: {exc.error}"
        if planned:
            return f"plan: {where}"
        if ran is None:
            return f"{where} — {m.script} was rolled back"
        if ran == 0:
            return f"{where} — nothing of it was applied"
        return (
            f"{where} — statements 1-{ran} of it stay applied ({self._committer(m)} committed them): "
            "fix the database by hand, then run `repair`"
        )

    def _committer(self, m: Migration) -> str:
        return "autocommit (a no-transaction file)" if m.no_transaction else self.db.dialect.label

    def _record(self, m: Migration, result: FileResult, who: str, *, content: bool = True) -> HistoryRow:
        row = new_row(
            m.version,
            m.description,
            m.script,
            result.outcome,
            deploy_id=self.deploy_id,
            applied_by=who,
            target=self.target,
            checksum=m.checksum,
            duration_ms=result.duration_ms,
            error_text=result.error,
            failed_statement=result.statement,
            allowed_breaking=", ".join(result.allowed) or None,
            content=m.text if content else None,
            run_mode=result.run_mode,
            statement_index=result.statement_index,
        )
        add_row(self.db, row)
        return row


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


class _DriftTagger:
    """Where polling fills the drift log, a deploy's own changes are logged as such (not as drift).

    Before the deploy, a poll logs whatever others changed (still `pending`); after
    it, the changes found are the deploy's: source 'deploy', sync_status 'deployed'.
    Triggers tag their rows themselves (Dialect.tag_session). The JSON log beside
    the snapshot belongs to the plugin's own connection, never to another target.
    """

    def __init__(self, db: Database, settings: Settings, own_connection: bool) -> None:
        self.db = db
        self.settings = settings if own_connection else dataclasses.replace(settings, snapshot=None)
        self.poller = Poller(self.settings)
        self.active = self._polling()

    def _polling(self) -> bool:
        try:
            state = read_state(self.db, names=("mode", "version"))
        except SchemaSyncError:
            return False
        if state is not None:
            return not self.db.dialect.triggers_installed(state)
        return self.settings.snapshot is not None and self.poller.json_exists()

    def before(self) -> None:
        if self.active:
            self._check(None)

    def after(self, tag: DeployTag) -> None:
        if self.active:
            self._check(tag)

    def remember_schema(self) -> None:
        """Record the schema this deploy left, so `monitor` does not send it back as drift."""
        if self.settings.snapshot is None and not self._has_drift_log():
            return  # another target without a drift log: `monitor` never watches it, nothing to record
        try:
            sha = select_tables(self.db.dialect.read_catalog(self.db, row_counts=False), self.settings).sha256()
            save_state_value(self.db, self.settings.snapshot, DEPLOYED_STATE, sha)
        except SchemaSyncError as exc:
            log.warning("could not record the deployed schema for `monitor`: %s", exc.message)
        finally:
            self.db.rollback_quietly()

    def _has_drift_log(self) -> bool:
        try:
            return read_state(self.db, names=("version",)) is not None
        except SchemaSyncError:
            return False
        finally:
            self.db.rollback_quietly()

    def _check(self, tag: DeployTag | None) -> None:
        try:
            self.poller.check(self.db, deploy=tag)
        except SchemaSyncError as exc:
            log.warning("the drift log could not record the deploy: %s", exc.message)
