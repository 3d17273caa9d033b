"""The sync, as configured and as it stands: a status page, and the architecture page's flows.

Status: when and from what these pages were built, the snapshot's hash, drift-log
rows by status with the last synced pull request, contracts by status, the last
monitor pass. Architecture: both directions of the sync as Mermaid flows drawn
from the actual configuration, each step marked on or off for this database.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markupsafe import Markup

from ..drift.log import DriftEntry
from . import escape
from .pages import DocModel, ExtraPage

PAGE_NAME = "status"
DRIFT_WORKFLOW = "schema-sync-drift.yml"
DOCS_WORKFLOW = "schema-sync-docs.yml"
_SAFE_URL = re.compile(r"^https?://[A-Za-z0-9.-]+(?::\d+)?(?:/[A-Za-z0-9._~/-]*)?$")


@dataclass
class SyncInfo:
    """What the build knows about the sync beside the catalog (read by the pipeline)."""

    built_at: str  # UTC
    capture: str | None = None  # "triggers", "poll", "json" or None (not installed)
    capture_outdated: str | None = None  # the triggers are older than this release: what to do
    snapshot_name: str | None = None
    snapshot_sha: str | None = None
    last_pass: dict[str, Any] | None = None
    workflows: dict[str, str] = field(default_factory=dict)  # file name -> path shown


def find_workflows(base_dir: Path) -> dict[str, str]:
    """The init-ci workflows beside mkdocs.yml or in the repository root above it."""
    found: dict[str, str] = {}
    for folder in [base_dir, *base_dir.parents]:
        for name in (DRIFT_WORKFLOW, DOCS_WORKFLOW):
            path = folder / ".github" / "workflows" / name
            if name not in found and path.is_file():
                found[name] = path.relative_to(folder).as_posix()
        if (folder / ".git").exists():
            break
    return found


def link_or_code(url: str | None) -> Markup:
    """A stored reference (a PR URL): a link when it is a plain http(s) URL, else escaped text."""
    if not url:
        return Markup("")
    if _SAFE_URL.match(url):
        return Markup(f"[{escape.md(url)}]({url})")
    return escape.code(url)


def _capture_text(capture: str | None) -> tuple[bool, str]:
    return {
        "triggers": (True, "DDL/event triggers write every change, with who and the statement"),
        "poll": (True, "polling: each check compares fingerprints; the log lives in the database"),
        "json": (True, "polling: the log is a JSON file beside the snapshot (the database is not written)"),
    }.get(capture or "", (False, "not installed: run mkdocs-schema-sync install-triggers"))


def sync_steps(model: DocModel, info: SyncInfo) -> dict[str, list[dict[str, Any]]]:
    """Each step of both directions: on or off, and what it is here."""
    s = model.settings
    gh = s.github
    drift_wf = info.workflows.get(DRIFT_WORKFLOW)
    docs_wf = info.workflows.get(DOCS_WORKFLOW)
    on, capture = _capture_text(info.capture)
    last = info.last_pass or {}
    pr_target = None
    if gh is not None:
        pr_target = f"{gh.repository or 'GITHUB_REPOSITORY'} (base {gh.base or 'the default branch'})"
        if gh.api_url != "https://api.github.com":
            pr_target += f" at {gh.api_url}"
    targets, migrations = _deploy_targets(getattr(s, "deploy", None))
    to_repo = [
        {
            "id": "capture",
            "step": "Drift capture",
            "on": on,
            "detail": capture + (f"; {info.capture_outdated}" if info.capture_outdated else ""),
        },
        {
            "id": "monitor",
            "step": "Monitor schedule",
            "on": drift_wf is not None,
            "detail": (
                f"monitor --once on the cron {s.monitor_schedule} (UTC), {drift_wf}"
                if drift_wf
                else f"no workflow: mkdocs-schema-sync init-ci writes one (cron {s.monitor_schedule} UTC)"
            )
            + (f"; last pass {last.get('time')} UTC: {last.get('action')}" if last else ""),
        },
        {
            "id": "pr",
            "step": "Pull request target",
            "on": gh is not None,
            "detail": pr_target or "not configured: set the github: option to open pull requests",
        },
        {
            "id": "publish",
            "step": "Docs build and publish",
            "on": docs_wf is not None,
            "detail": (f"GitHub Pages on pushes to the default branch, {docs_wf}" if docs_wf else "no workflow")
            + (f"; published at {s.docs_url}" if s.docs_url else ""),
        },
    ]
    to_db = [
        {
            "id": "deploy",
            "step": "Deploy targets",
            "on": bool(targets),
            "detail": f"{migrations}/ to {', '.join(targets)}" if targets else "none configured (the deploy option)",
        }
    ]
    return {"to_repo": to_repo, "to_db": to_db}


def _deploy_targets(deploy: Any) -> tuple[list[str], str]:
    """The target names and migrations folder of the `deploy` option (a mapping), when it is set."""
    if not isinstance(deploy, dict):
        return [], "migrations"
    targets = deploy.get("targets")
    names = sorted(str(k) for k in targets) if isinstance(targets, dict) else []
    return names, str(deploy.get("migrations") or "migrations")


def _mark(on: bool) -> str:
    return "on" if on else "off"


def flows(model: DocModel, steps: dict[str, list[dict[str, Any]]]) -> dict[str, Markup]:
    """Two Mermaid flowcharts; a step that is off is drawn dashed and grey."""
    dialect = escape.mermaid_string(model.catalog.dialect)
    by = {st["id"]: st for st in steps["to_repo"] + steps["to_db"]}

    def node(ident: str, label: str) -> str:
        state = "on" if by[ident]["on"] else "off"
        return f'{ident}["{escape.mermaid_string(label, 80)} ({state})"]:::{_mark(by[ident]["on"])}'

    style = [
        "    classDef on fill:#e8f5e9,stroke:#2e7d32",
        "    classDef off fill:#eeeeee,stroke:#9e9e9e,stroke-dasharray:4",
    ]
    to_repo = [
        "flowchart LR",
        f'    ddl(["DDL on the {dialect} database"]) --> {node("capture", "drift log")}',
        f"    capture --> {node('monitor', 'monitor pass')}",
        '    monitor --> snap["schema.lock.json on branch schema-sync/…"]',
        f"    snap --> {node('pr', 'pull request')}",
        '    pr -->|reviewed and merged| main["default branch"]',
        f"    main --> {node('publish', 'docs build and publish')}",
        *style,
    ]
    to_db = [
        "flowchart LR",
        '    sqlfiles["SQL files in the repository"] --> plan["deploy plan, reviewed"]',
        f"    plan --> {node('deploy', 'deploy to the database')}",
        f'    deploy --> db[("{dialect} database")]',
        '    db -->|"drift log rows: deployed, not sent back"| log["drift log"]',
        *style,
    ]
    return {
        "to_repo": escape.fence("\n".join(to_repo), "mermaid"),
        "to_db": escape.fence("\n".join(to_db), "mermaid"),
    }


def attach_sync(model: DocModel, info: SyncInfo, drift: list[DriftEntry] | None) -> None:
    """The status page, and the sync flows and steps on the architecture page."""
    steps = sync_steps(model, info)
    model.sync = {"steps": steps, "flows": flows(model, steps)}
    entries = drift or []
    counts = Counter(e.sync_status for e in entries)
    last_synced = next((e for e in entries if e.sync_status == "synced" and e.status_ref), None)
    report = model.contract_report
    live_sha = model.catalog.sha256()
    last = dict(info.last_pass or {})
    model.extra_pages.append(
        ExtraPage(
            PAGE_NAME,
            "status.md.j2",
            "Schema sync status",
            {
                "info": info,
                "live_sha": live_sha,
                "snapshot_matches": info.snapshot_sha == live_sha if info.snapshot_sha else None,
                "drift_known": drift is not None,
                "drift_counts": sorted(counts.items()),
                "drift_shown": len(entries),
                "last_synced": last_synced.masked() if last_synced else None,
                "last_synced_link": link_or_code(last_synced.status_ref if last_synced else None),
                "last_pass": last,
                "last_pass_link": link_or_code(last.get("pr")),
                "contracts": report.results if report else None,
                "steps": steps,
            },
        )
    )
