"""The site's own pages when it documents several databases (`databases:`): an index of the databases,
a status page and an architecture page showing every one, each linking to that database's section.

Every database's own pages stay what `render_pages` makes of its model, under `<path>/<name>/`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from ..catalog import ForeignSource, Table
from . import escape
from .pages import DocModel, Paths
from .status import PAGE_NAME as STATUS_PAGE
from .status import link_or_code


@dataclass
class Section:
    """One database of the site: its name (its folder), its model, and the database's own name (its
    connection's: what another database's foreign table names it by); None when not known."""

    name: str
    model: DocModel
    database: str | None = None


def attach_foreign_sources(sections: list[Section]) -> None:
    """On each foreign table's page, where its rows live; a link to that table's page when its database
    is a section of this site (PostgreSQL foreign tables of postgres_fdw, mysql_fdw, tds_fdw …)."""
    by_database: dict[str, list[Section]] = {}
    for s in sections:
        if s.database:
            by_database.setdefault(s.database, []).append(s)
    for s in sections:
        paths = Paths(s.model.catalog, s.model.settings.path)
        for table in s.model.catalog.tables:
            src = table.foreign_source
            if src is None:
                continue
            page = paths.table(table)
            text = (
                f"**Foreign table**: its rows live in {escape.code(_dotted(src.schema, src.table))} of the database "
                f"{escape.code(src.database or 'the server names')} (server {escape.code(src.server)}, "
                f"{escape.code(src.wrapper)})."
            )
            target = _target(src, by_database.get(src.database or "", []))
            if target is not None:
                other, other_table = target
                to = Paths(other.model.catalog, other.model.settings.path).table(other_table)
                label = f"{other.model.settings.title}: {other_table.schema}.{other_table.name}"
                text += f" Documented in this site: {_link(page, to, label)}."
            s.model.table_sections.setdefault(table.key, []).append(Markup(text))


#: an identifier as SQL writes it: `back-quoted`, [bracketed], "double-quoted" or bare
#: (at most 128 characters, SQL Server's limit: bounded, so a scan stays linear in the definition's length)
_IDENT = r'(?:`(?:[^`]|``){1,128}+`|\[(?:[^\]]|\]\]){1,128}+\]|"(?:[^"]|""){1,128}+"|[A-Za-z_][A-Za-z0-9_$#@]{0,127}+)'
#: starts only where an identifier starts, and never gives back what it took
_QUALIFIED = re.compile(rf"(?<![A-Za-z0-9_$#@]){_IDENT}(?:\s*+\.\s*+{_IDENT}){{1,2}}")
_PART = re.compile(_IDENT)


def _unquote(part: str) -> str:
    if part[0] in '`["':
        close = {"`": "`", "[": "]", '"': '"'}[part[0]]
        return part[1:-1].replace(close * 2, close)
    return part


def attach_cross_database_links(sections: list[Section]) -> None:
    """Where a view names a table of another database of the site (SQL Server `db.schema.table`, MySQL and
    MariaDB `db.table`), or a foreign key points into one (MySQL/MariaDB), the page links to that table."""
    by_database = {s.database: s for s in sections if s.database}
    for s in sections:
        paths = Paths(s.model.catalog, s.model.settings.path)
        for table in s.model.catalog.tables:
            page = paths.table(table)
            found: dict[str, str] = {}
            for other, target in _view_targets(table, s, by_database) + _fk_targets(table, s, by_database):
                to = Paths(other.model.catalog, other.model.settings.path).table(target)
                label = f"{other.model.settings.title}: {target.schema}.{target.name}"
                found.setdefault(to, _link(page, to, label))
            if found:
                what = "This view reads" if table.is_view else "Foreign keys point to"
                text = f"**Other databases of this site.** {what}: " + ", ".join(found.values()) + "."
                s.model.table_sections.setdefault(table.key, []).append(Markup(text))


def _view_targets(table: Table, own: Section, by_database: dict[str, Section]) -> list[tuple[Section, Table]]:
    if not table.is_view or not table.definition:
        return []
    out = []
    for m in _QUALIFIED.finditer(table.definition):
        parts = [_unquote(p) for p in _PART.findall(m.group(0))]
        other = by_database.get(parts[0])
        if other is None or other is own:
            continue
        # `db.schema.table` (SQL Server), `db.table` or `db.table.column` (MySQL/MariaDB: the schema is the database)
        names = {(parts[0], parts[1])} | ({(parts[1], parts[2])} if len(parts) == 3 else set())
        out += [(other, t) for t in other.model.catalog.tables if (t.schema, t.name) in names]
    return out


def _fk_targets(table: Table, own: Section, by_database: dict[str, Section]) -> list[tuple[Section, Table]]:
    """A MySQL/MariaDB foreign key into another database names it as its schema."""
    out = []
    for fk in table.foreign_keys:
        other = by_database.get(fk.ref_schema)
        if other is None or other is own or own.model.catalog.by_key(fk.ref_key) is not None:
            continue
        out += [(other, t) for t in other.model.catalog.tables if t.schema == fk.ref_schema and t.name == fk.ref_table]
    return out


def _dotted(schema: str | None, name: str | None) -> str:
    return ".".join(p for p in (schema, name) if p) or "a table the server decides"


def _target(src: ForeignSource, candidates: list[Section]) -> tuple[Section, Table] | None:
    """The one table of one section the foreign table reads (MySQL/MariaDB: the schema is the database)."""
    found = []
    for s in candidates:
        schema = src.schema or (src.database if s.model.catalog.dialect == "mysql" else None)
        found += [
            (s, t)
            for t in s.model.catalog.tables
            if t.name == src.table and (schema is None or t.schema == schema) and t.foreign_source is None
        ]
    return found[0] if len(found) == 1 else None


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
