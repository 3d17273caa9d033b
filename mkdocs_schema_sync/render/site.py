"""The site's own pages when it documents several databases (`databases:`): an index of the databases,
a status page and an architecture page showing every one, each linking to that database's section.

Every database's own pages stay what `render_pages` makes of its model, under `<path>/<name>/`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from . import escape
from .pages import DocModel, Paths
from .status import PAGE_NAME as STATUS_PAGE
from .status import link_or_code


@dataclass
class Section:
    """One database of the site: its name (its folder) and its model."""

    name: str
    model: DocModel


def _link(from_page: str, to_page: str, text: object) -> str:
    return f"[{escape.md(text)}]({Paths.rel(from_page, to_page)})"


def _status_context(model: DocModel) -> dict[str, Any]:
    page = next((p for p in model.extra_pages if p.name == STATUS_PAGE), None)
    return page.context if page is not None else {}


def _source(model: DocModel) -> str:
    return "live" if model.source.kind == "live" else "**snapshot** (the database could not be read)"


def site_pages(root: str, title: str, sections: list[Section]) -> dict[str, str]:
    """`<root>/index.md`, `<root>/status.md` and `<root>/architecture.md` over every database."""
    index, status, arch = f"{root}/index.md", f"{root}/status.md", f"{root}/architecture.md"
    return {
        index: _index(index, title, sections),
        status: _status(status, sections),
        arch: _architecture(arch, sections),
    }


def _index(page: str, title: str, sections: list[Section]) -> str:
    lines = [escape.front_matter(title), f"# {escape.md(title)}", ""]
    lines += [f"This site documents {len(sections)} databases, each in its own section.", ""]
    lines += ["| Database | Kind | Built from | Schemas | Tables and views |", "|---|---|---|---|---|"]
    for s in sections:
        cat = s.model.catalog
        home = f"{s.model.settings.path}/index.md"
        lines.append(
            f"| {_link(page, home, s.model.settings.title)} | {escape.cell(cat.dialect)} | {_source(s.model)} "
            f"| {len(cat.schemas)} | {len(cat.tables)} |"
        )
    lines += ["", "The [status](status.md) and [architecture](architecture.md) pages show every database.", ""]
    return "\n".join(lines)


def _status(page: str, sections: list[Section]) -> str:
    lines = [escape.front_matter("Schema sync status"), "# Schema sync status", ""]
    lines += [
        "| Database | Built from | Snapshot | Drift log | Contracts | Last monitor pass | Pull request branch |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in sections:
        m = s.model
        ctx = _status_context(m)
        own = f"{m.settings.path}/{STATUS_PAGE}.md"
        matches = ctx.get("snapshot_matches")
        snap = {True: "matches", False: "**differs** (drift)", None: "none yet"}[matches]
        counts = ctx.get("drift_counts") or []
        drift = ", ".join(f"{n} {escape.md(status)}" for status, n in counts) if ctx.get("drift_known") else "none"
        report = m.contract_report
        contracts = "none" if report is None else f"{len(report.broken)} broken of {len(report.results)}"
        last = ctx.get("last_pass") or {}
        passed = (
            f"{escape.md(last.get('time'))} UTC: {escape.md(last.get('action'))} {link_or_code(last.get('pr'))}"
            if last
            else "none recorded"
        )
        gh = m.settings.github
        branch = escape.code(gh.branch) if gh is not None and gh.branch else Markup("no `github:`")
        lines.append(
            f"| {_link(page, own, m.settings.title)} | {_source(m)} | {snap} | {drift or 'empty'} | {contracts} "
            f"| {passed.strip()} | {branch} |"
        )
    lines += ["", "Each database's name links to its own status page.", ""]
    return "\n".join(lines)


def _architecture(page: str, sections: list[Section]) -> str:
    lines = [escape.front_matter("How this documentation is kept in sync"), "# How this documentation is kept in sync"]
    lines += [
        "",
        "Each database is read at every build into its own section; a schema change in one becomes a pull "
        "request on its own branch, and a deploy applies one database's SQL files to it alone.",
        "",
    ]
    flow = ["flowchart LR"]
    for i, s in enumerate(sections):
        gh = s.model.settings.github
        label = escape.mermaid_string(f"{s.model.settings.title} ({s.model.catalog.dialect})", 80)
        branch = escape.mermaid_string(gh.branch if gh is not None and gh.branch else "no pull requests", 80)
        flow.append(f'    db{i}[("{label}")] --> pages{i}["pages under {escape.mermaid_string(s.name)}/"]')
        flow.append(f'    db{i} -->|drift| pr{i}["{branch}"]')
        flow.append(f'    pr{i} --> main["default branch"]')
    lines += [str(escape.fence("\n".join(flow), "mermaid")), ""]
    lines += ["| Database | Drift capture | Pull request target | Deploy targets |", "|---|---|---|---|"]
    for s in sections:
        m = s.model
        steps = {st["id"]: st for group in (m.sync or {}).get("steps", {}).values() for st in group}
        cells = [escape.cell(steps[k]["detail"]) if k in steps else "" for k in ("capture", "pr", "deploy")]
        own = f"{m.settings.path}/architecture.md"
        lines.append(f"| {_link(page, own, m.settings.title)} | " + " | ".join(cells) + " |")
    lines += ["", "Each database's name links to its own architecture page, with both directions of its sync.", ""]
    return "\n".join(lines)
