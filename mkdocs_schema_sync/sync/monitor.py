"""One monitor pass: drift in the database becomes one pull request, and the drift log says so.

A pass, under a session lock in the database (two monitors: one acts):

1. poll (databases without triggers append what changed to the drift log);
2. read the `pending` drift-log rows, then the live catalog (so every row read
   is in the catalog read after it). Where DDL triggers fill the log and the last
   pass left a snapshot equal to the database at a known row, only the tables the
   rows since then name are read, and that snapshot is patched (`incremental`);
3. compare the catalog's SHA-256 with `schema.lock.json` on the base branch:
   - equal: no drift. An open PR is closed with a comment and its branch
     deleted (the change was reverted, or merged); pending rows are marked
     `synced` (their effect is already in the base branch);
   - different: build one commit (snapshot, and pages when `generate_out` is
     set) on the base branch's head, push it to `schema-sync/<name>` with
     `--force-with-lease` unless that branch already holds this SHA-256 on
     this base, open or update the PR, notify newly broken contracts, and
     only then mark the rows read in step 2 `synced` with the PR's URL.

Killed anywhere, the next pass converges: the work is keyed by the SHA-256 (a
pushed commit carries it in a trailer, so it is not pushed twice), the PR is
found by its head branch (never opened twice), and rows are marked last.
Rows recorded by a deploy (`deployed`) are never pending, so never sent back.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..catalog import Catalog
from ..catalog.diff import Change, diff_catalogs
from ..catalog.snapshot import write_snapshot
from ..catalog.snapshot_dir import is_folder
from ..contracts import policy
from ..contracts.check import ContractReport, check_contracts, mark_contract_breaks
from ..contracts.model import ContractFile
from ..db import Database
from ..db.locks import session_lock
from ..drift.log import (
    DEPLOYED_STATE,
    DriftEntry,
    JsonLog,
    json_log_path,
    load_state_value,
    mark_rows,
    read_pending,
    read_state,
    utc_now,
    write_state,
)
from ..drift.poller import Poller
from ..errors import SchemaSyncError
from ..masking import get_logger
from ..pipeline import MONITOR_STATE, LoadedCatalog, render_site
from ..render.pages import SourceInfo
from ..settings import GitHubSettings, Settings, select_tables
from . import incremental, notified, pr_body
from .git import Repo
from .github import GitHub, token_from_env
from .snapshot_git import GitSnapshots

log = get_logger("monitor")

#: seconds after which a pass reads and compares the whole catalog even when nothing signalled a change
WHOLE_PASS_EVERY = 3600.0

#: test-only fault injection: `push` or `pr` makes the process exit right after that step (os._exit)
CRASH_ENV = "SCHEMA_SYNC_TEST_CRASH_AFTER"
CRASH_EXIT = 70


def crash_point(step: str) -> None:
    """Test-only: die like a killed process (no cleanup, no finally) after `step` when asked to."""
    if os.environ.get(CRASH_ENV) == step:
        os._exit(CRASH_EXIT)


@dataclass
class PassResult:
    action: str  # busy | idle | no-github | no-drift | deployed | unchanged | opened | updated | closed | dry-run
    lines: list[str] = field(default_factory=list)
    pr_url: str | None = None
    marked: int = 0
    sha256: str | None = None
    branch: str | None = None
    text: pr_body.PullRequestText | None = None
    commit: str | None = None
    #: the broken contracts could not be sent (a webhook's `!ENV` variable is unset): the pass did everything
    #: else (pull request, rows marked, pass recorded), and the command then fails with this
    problem: str | None = None
    tables_read: int | None = None  # tables read again where the last snapshot was patched; None: read whole
    why_whole: str = ""  # why the catalog was read whole (empty when patched, or when nothing was read)


def database_name(settings: Settings, db: Database) -> str:
    """A short name of the documented database, for the branch and the PR title."""
    if settings.name:  # an entry of `databases:`
        return settings.name
    spec = db.spec
    if spec.path is not None:
        name = spec.path.stem
    elif "://" in spec.display:
        name = urlsplit(spec.display).path.strip("/")
    else:
        m = re.search(r"(?i)\b(?:DATABASE|Initial Catalog)=([^;]+)", spec.display)
        name = m.group(1) if m else ""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip(".-") or "database"


def sync_branch(settings: Settings, db: Database) -> str:
    gh = settings.github
    return (gh.branch if gh and gh.branch else None) or f"schema-sync/{database_name(settings, db)}"


# --------------------------------------------------------------------------- where the drift rows live


class DriftStore:
    """The drift log in the database, or the JSON file beside the snapshot where the database has none."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.json: JsonLog | None = None
        if read_state(db, names=("version",)) is None and settings.snapshot is not None:
            self.json = JsonLog(json_log_path(settings.snapshot))
        db.rollback_quietly()

    def pending(self, *, synced_to: str | None = None) -> list[DriftEntry]:
        """Pending rows, or with `synced_to` the rows already marked synced to that PR (oldest first)."""
        if self.json is not None:
            return self.json.pending(synced_to=synced_to) if self.json.exists() else []
        rows = read_pending(self.db, synced_to=synced_to) or []
        self.db.rollback_quietly()
        return rows

    def mark(self, entries: list[DriftEntry], ref: str) -> int:
        ids = [e.id for e in entries if e.id is not None]
        if not ids:
            return 0
        if self.json is not None:
            return self.json.mark(ids, "synced", ref)
        try:
            with self.db.transaction():
                done = mark_rows(self.db, ids, "synced", ref)
                self.db.commit()
        except SchemaSyncError as exc:
            raise SchemaSyncError(f"cannot mark the drift-log rows synced: {exc.message}") from None
        return done

    def last_pass(self) -> dict[str, Any]:
        """What `save_pass` recorded last ({} when nothing, or it cannot be read)."""
        try:
            if self.json is not None:
                raw: Any = self.json.state().get(MONITOR_STATE) if self.json.exists() else None
            else:
                raw = (read_state(self.db, names=(MONITOR_STATE,)) or {}).get(MONITOR_STATE)
                self.db.rollback_quietly()
            raw = json.loads(raw) if isinstance(raw, str) else raw
        except (SchemaSyncError, ValueError):
            self.db.rollback_quietly()
            return {}
        return raw if isinstance(raw, dict) else {}

    def save_pass(self, info: dict[str, Any]) -> None:
        """The last pass (time, result, PR) for the status page; never fails the pass."""
        text = json.dumps(info, sort_keys=True)
        try:
            if self.json is not None:
                if self.json.exists() or self.json.path.parent.is_dir():
                    self.json.update([], {MONITOR_STATE: info})
                return
            with self.db.transaction():
                write_state(self.db, {MONITOR_STATE: text})
                self.db.commit()
        except Exception as exc:  # the pass itself succeeded: record that it could not be recorded
            self.db.rollback_quietly()
            log.warning("could not record the monitor pass: %s", exc)


# --------------------------------------------------------------------------- the pass


class Monitor:
    """Keeps the poller (and its last signal) across passes of a loop."""

    def __init__(
        self,
        settings: Settings,
        *,
        github: Callable[[GitHubSettings], GitHub] | None = None,
        dry_run: bool = False,
        poll: bool = True,
    ) -> None:
        self.settings = settings
        self.poller = Poller(settings)
        self.dry_run = dry_run
        self.poll = poll
        self._github = github or (lambda gh: GitHub(gh, token_from_env(gh)))
        self._retry = False  # a webhook failed: the next pass must not be idle, it sends again
        self._problem: str | None = None  # why the broken contracts could not be sent at all (see _notify)

    def run_pass(self, db: Database) -> PassResult:
        branch = sync_branch(self.settings, db)
        with session_lock(db, f"schema-sync monitor {branch}", 0.0) as held:
            if not held:
                return PassResult("busy", [f"another monitor is working on {branch}: this pass does nothing"])
            try:
                result = self._pass(db, branch)
            except SchemaSyncError as exc:
                db.rollback_quietly()
                if not self.dry_run:  # the status page shows that the last pass failed, and why
                    with contextlib.suppress(Exception):
                        DriftStore(db, self.settings).save_pass(
                            {"time": utc_now(), "action": "failed", "error": exc.message}
                        )
                raise
            finally:
                db.rollback_quietly()
        return result

    def _pass(self, db: Database, branch: str) -> PassResult:
        settings = self.settings
        lines: list[str] = []
        self._retry, self._problem = False, None
        # read before anything else: the next pass compares it to know whether anything can have changed
        triggers = _triggers_log(db)
        logged = self.poll and not self.dry_run and triggers
        signal = db.dialect.change_signal(db) if self.poll and not self.dry_run and not logged else None
        if logged:  # every DDL writes a row: the log's newest id is the signal, whatever the catalog's size
            signal = f"log {_newest_row(db)}"
        if self.poll and not logged:  # with triggers the poller stands aside: no need to ask it
            polled = self.poller.check(db, signal=signal)
            db.rollback_quietly()
            for e in polled.entries:
                lines.append(f"{e.event_time} {e.event_type} {e.schema_name}.{e.object_name}")
        store = DriftStore(db, settings)
        entries = store.pending()  # before the catalog: every row read is in what is read next
        resume = Resume(signal, settings, branch)
        if signal is not None and not entries:
            idle = self._idle(store, resume, branch)
            if idle is not None:
                return idle
        contracts = policy.load_for(settings)
        gh = settings.github
        if gh is None:
            catalog = select_tables(db.dialect.read_catalog(db, row_counts=False), settings)
            db.rollback_quietly()
            report = check_contracts(contracts, catalog, "live") if contracts is not None else None
            lines.extend(_broken_lines(report))
            self._notify(report, db)
            lines.append("no `github:` option: drift is logged, no pull request is opened")
            if signal is not None:
                note = resume.note(None, None, self._retry, time.time())
                info = {"time": utc_now(), "action": "no-github", "broken": _broken_lines(report), **note}
                store.save_pass({**info, "error": self._problem} if self._problem else info)
            return PassResult("no-github", lines, problem=self._problem)
        if settings.snapshot is None:
            raise SchemaSyncError("the `snapshot` option is empty: a pull request carries the snapshot file")

        repo = Repo(settings.base_dir)
        base = gh.base or repo.default_branch()
        state = repo.state(base, branch)
        lock_path = repo.relpath(settings.snapshot)
        mark = incremental.read_mark(db) if triggers else None  # before the catalog, and the rows after the last
        reader = incremental.Reader(db, settings, repo, lock_path, state, resume.inputs, mark)
        live = reader.read(store.last_pass(), contracts, WHOLE_PASS_EVERY)
        report = check_contracts(contracts, live.new, "live") if contracts is not None else None
        broken_lines = _broken_lines(report)
        lines.extend(broken_lines)
        if live.tables_read is not None:
            lines.append(f"read again {live.tables_read} table(s) the drift log named, not the whole catalog")
        sha = live.sha256
        result = PassResult(
            "unchanged", lines, sha256=sha, branch=branch, tables_read=live.tables_read, why_whole=live.why_whole
        )
        ref = f"{base}@{state.base_sha[:12]}"  # rows whose effect is already in the base branch

        deployed = load_state_value(db, settings.snapshot, DEPLOYED_STATE)
        if live.base_sha256 != sha and not entries and deployed == sha and state.head_sha is None:
            result.action = "deployed"
            lines.append(f"the schema is the one `deploy` left ({sha[:12]}): no drift to send back, no pull request")
        elif live.base_sha256 == sha:
            self._no_drift(repo, gh, branch, state.head_sha, result)
            ref = result.pr_url or ref
            if not self.dry_run:
                self._notify(report, db)
                result.marked = store.mark(entries, ref)
        else:
            changes = diff_catalogs(live.old, live.new)
            if contracts is not None:
                mark_contract_breaks(contracts, live.old, live.new, changes)
            data = pr_body.BodyInput(
                database=database_name(settings, db),
                sha256=sha,
                changes=changes,
                entries=entries,
                broken=_broken(report),
                files=self._files(repo, lock_path),
                docs_url=settings.docs_url,
                base=base,
            )
            result.text = pr_body.render(data)
            if self.dry_run:
                result.action = "dry-run"
                return result
            with self._github(gh) as api:
                api.check_access()  # a wrong token or repository stops here, before the branch is pushed
            self._push(repo, state.base_sha, state.head_sha, branch, live, lock_path, result, db)
            reviewers = gh.reviewers or _reviewers(contracts, changes, live.old, live.new)
            self._upsert(gh, branch, base, result, reviewers, lambda url: _rebody(data, store.pending(synced_to=url)))
            crash_point("pr")
            self._notify(report, db)
            assert result.pr_url is not None
            ref = result.pr_url
            result.marked = store.mark(entries, ref)
        if result.marked:
            result.lines.append(f"marked {result.marked} drift-log row(s) synced ({ref})")
        result.problem = self._problem
        if not self.dry_run:
            head = None if result.action in ("no-drift", "closed") else (result.commit or state.head_sha)
            record = reader.record(live, head)
            info = {
                "time": utc_now(),
                "action": result.action,
                "pr": result.pr_url,
                "sha256": sha,
                "rows": result.marked,
                "broken": broken_lines,  # an idle pass says them again: still broken, nothing re-read
                **resume.note(state.base_sha, head, self._retry, live.whole_at),
                **({incremental.RECORD: record} if record is not None else {}),
            }
            store.save_pass({**info, "error": self._problem} if self._problem else info)  # the status page says it
        return result

    def _idle(self, store: DriftStore, resume: Resume, branch: str) -> PassResult | None:
        """Nothing pending, and the change signal, settings, contracts and both branches as the last pass left
        them: its result stands, so this pass reads no catalog (None: a whole pass is needed)."""
        last = store.last_pass()
        if not resume.matches(last):
            return None
        gh = self.settings.github
        if gh is not None:
            repo = Repo(self.settings.base_dir)
            state = repo.state(gh.base or repo.default_branch(), branch)
            if [state.base_sha, state.head_sha] != [last.get("base"), last.get("head")]:
                return None
        sha = str(last.get("sha256") or "")
        broken = last.get("broken")
        lines = [str(line) for line in broken] if isinstance(broken, list) else []
        when = f"{last.get('time')}, {last.get('action')}"
        lines.append(f"{branch}: no change since the last pass ({when}): nothing to do")
        store.save_pass({**last, "time": utc_now(), "action": "idle", "rows": 0})
        return PassResult("idle", lines, pr_url=last.get("pr"), sha256=sha or None, branch=branch)

    # ------------------------------------------------------------------ steps

    def _files(self, repo: Repo, lock_path: str) -> list[str]:
        files = [lock_path]
        if self.settings.generate_out is not None:
            files.append(repo.relpath(self.settings.generate_out) + "/")
        return files

    def _push(
        self,
        repo: Repo,
        base_sha: str,
        head_sha: str | None,
        branch: str,
        live: incremental.Live,
        lock_path: str,
        result: PassResult,
        db: Database,
    ) -> None:
        """Push the commit unless origin's branch already holds this SHA-256 on this base (a rerun)."""
        assert result.text is not None and result.sha256 is not None
        if head_sha and repo.keyed_sha(head_sha) == result.sha256 and repo.parent(head_sha) == base_sha:
            result.commit = head_sha
            result.lines.append(f"{branch} already holds snapshot {result.sha256[:12]} ({head_sha[:12]})")
            return
        settings = self.settings
        pages: dict[str, str] = {}
        if settings.generate_out is not None:
            assert live.catalog is not None  # a pass that renders pages reads the whole catalog
            loaded = LoadedCatalog(live.catalog, SourceInfo("live", db.spec.display))
            pages = render_site(settings, loaded)
        snapshot = live.snapshot if live.snapshot is not None else live.catalog
        assert snapshot is not None and settings.snapshot is not None
        out_rel = repo.relpath(settings.generate_out) if settings.generate_out is not None else None

        def write(tree: Path) -> list[str]:
            assert live.catalog is not None  # pages: read whole
            write_snapshot(live.catalog, tree / lock_path)
            paths = [lock_path]
            if out_rel is not None:
                shutil.rmtree(tree / out_rel, ignore_errors=True)  # pages of dropped tables go too
                for rel, text in pages.items():
                    page = tree / out_rel / rel
                    page.parent.mkdir(parents=True, exist_ok=True)
                    page.write_text(text, encoding="utf-8")
                (tree / out_rel).mkdir(parents=True, exist_ok=True)
                paths.append(out_rel)
            return paths

        if out_rel is None:  # the snapshot alone: no worktree (it would check out, then hash, all of it)
            store = GitSnapshots(repo, lock_path, is_folder(settings.snapshot))
            commit = store.commit(base_sha, snapshot, live.start, result.text.message)
        else:
            commit = repo.build_commit(base_sha, write, result.text.message)
        repo.push(commit, branch, head_sha)
        result.commit = commit
        result.lines.append(f"pushed {commit[:12]} to {branch} (snapshot {result.sha256[:12]})")
        crash_point("push")

    def _upsert(
        self,
        gh: GitHubSettings,
        branch: str,
        base: str,
        result: PassResult,
        reviewers: list[str],
        body_for: Callable[[str], str],
    ) -> None:
        """Open the PR, or update the open one; `body_for(url)` is its body with the rows it already covers."""
        assert result.text is not None
        with self._github(gh) as api:
            pr = api.find_open_pr(branch)
            if pr is not None:
                result.text.body = body_for(str(pr.get("html_url") or ""))
            if pr is None:
                pr = api.create_pr(title=result.text.title, body=result.text.body, head=branch, base=base)
                result.action = "opened"
                new_reviewers = reviewers
            else:
                if pr.get("title") != result.text.title or pr.get("body") != result.text.body:
                    pr = {**pr, **api.update_pr(int(pr["number"]), title=result.text.title, body=result.text.body)}
                result.action = "updated"
                asked = {u.get("login") for u in pr.get("requested_reviewers") or []}
                asked |= {f"{gh.owner}/{t.get('slug')}" for t in pr.get("requested_teams") or []}
                new_reviewers = [r for r in reviewers if r not in asked]
            number = int(pr["number"])
            result.pr_url = str(pr.get("html_url") or "")
            result.lines.append(f"{result.action} pull request #{number}: {result.pr_url}")
            # labels and reviewers are extras: a refusal (unknown user, the author as reviewer) is a warning;
            # what the pull request already has is not sent again (a pass with nothing new sends nothing)
            have = {lb.get("name") for lb in pr.get("labels") or [] if isinstance(lb, dict)}
            new_labels = [label for label in gh.labels if label not in have]
            for step, args in ((api.add_labels, new_labels), (api.request_reviewers, new_reviewers)):
                try:
                    step(number, list(args))
                except SchemaSyncError as exc:
                    result.lines.append(f"warning: {exc.message}")

    def _no_drift(self, repo: Repo, gh: GitHubSettings, branch: str, head_sha: str | None, result: PassResult) -> None:
        """The database matches the base branch: close the open PR (with a comment) and delete the branch."""
        result.action = "no-drift"
        if head_sha is None:
            result.lines.append("no drift: the database matches the snapshot on the base branch")
            return
        if self.dry_run:
            result.lines.append(f"no drift: would close the pull request of {branch} and delete the branch")
            return
        with self._github(gh) as api:
            pr = api.find_open_pr(branch)
            if pr is not None:
                api.close_pr(
                    int(pr["number"]),
                    "The database matches the base branch again (the drift was reverted or merged), "
                    "so this pull request is no longer needed. Closed by `mkdocs-schema-sync monitor`.",
                )
                result.action = "closed"
                result.pr_url = str(pr.get("html_url") or "")
                result.lines.append(f"closed pull request #{pr['number']}: the database matches the base branch")
        repo.delete(branch, head_sha)
        result.lines.append(f"deleted branch {branch}")

    def _notify(self, report: ContractReport | None, db: Database) -> None:
        """Send the newly broken contracts. When they cannot be sent at all (a webhook's `!ENV` variable is unset:
        only a command that notifies needs it), the pass still finishes its bookkeeping (the pull request is
        open, the rows must be marked) and fails afterwards; the next pass is not idle, so it tries again."""
        if report is None:
            return
        try:
            self._retry = notified.notify(report, self.settings, db.spec.display, db).failed > 0
        except SchemaSyncError as exc:
            db.rollback_quietly()
            self._retry, self._problem = True, exc.message


class Resume:
    """What an idle pass compares with the last pass: the change signal, the settings and contract file (by
    hash), the branch, and (after) the base and head commits."""

    def __init__(self, signal: str | None, settings: Settings, branch: str) -> None:
        self.signal = signal
        contracts = settings.contracts
        text = contracts.read_bytes() if contracts is not None and contracts.is_file() else b""
        self.inputs = hashlib.sha256(repr(settings).encode("utf-8") + b"\0" + text).hexdigest()
        self.branch = branch

    def note(self, base: str | None, head: str | None, retry: bool, whole_at: float) -> dict[str, Any]:
        """`whole_at`: when the catalog was last read whole (a patched pass keeps the time of the last one)."""
        if self.signal is None or retry:
            return {}
        note = {"signal": self.signal, "inputs": self.inputs, "branch": self.branch, "base": base, "head": head}
        return {**note, "whole_at": whole_at}

    def matches(self, last: dict[str, Any]) -> bool:
        return (
            self.signal is not None
            and last.get("signal") == self.signal
            and last.get("inputs") == self.inputs
            and last.get("branch") == self.branch
            # the periodic whole pass: what no signal can say (triggers disabled, DDL they do not see)
            and time.time() - float(last.get("whole_at") or 0) < WHOLE_PASS_EVERY
        )


def _triggers_log(db: Database) -> bool:
    """Whether the database's DDL/event triggers fill its drift log (then they say what changed)."""
    state = read_state(db, names=("mode",))
    db.rollback_quietly()
    return state is not None and db.dialect.triggers_installed(state)


def _newest_row(db: Database) -> str:
    rows = db.query(f"SELECT max(id) FROM {db.dialect.log_table}")
    db.rollback_quietly()
    return str(rows[0][0] if rows else None)


def _rebody(data: pr_body.BodyInput, synced: list[DriftEntry]) -> str:
    """The body of an open PR: the rows earlier passes marked synced to it, then the pending ones."""
    if not synced:
        return pr_body.body(data)
    entries = sorted({e.id: e for e in [*synced, *data.entries]}.values(), key=lambda e: e.id or 0)
    return pr_body.body(replace(data, entries=entries))


def _broken_lines(report: ContractReport | None) -> list[str]:
    return [
        f"contract {broken.name} is broken: {broken.summary()} (owner: {broken.contract.owner})"
        for broken in (report.broken if report else [])
    ]


def _broken(report: ContractReport | None) -> list[pr_body.BrokenContract]:
    if report is None:
        return []
    return [
        pr_body.BrokenContract(r.name, str(r.contract.owner), r.summary(), r.contract.severity) for r in report.broken
    ]


def _reviewers(contracts: ContractFile | None, changes: list[Change], old: Catalog, new: Catalog) -> list[str]:
    """The reviewers of every contract protecting a table these changes touch."""
    if contracts is None:
        return []
    touched = {c.key for c in changes}
    out: list[str] = []
    for contract in contracts.contracts:
        keys = {t.key for rule in contract.protects for cat in (old, new) for t in cat.find(rule.table)}
        if keys & touched or any(contract.name in c.contracts for c in changes):
            out += [r for r in contract.reviewers if r not in out]
    return out
