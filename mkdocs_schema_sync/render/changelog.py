"""The drift log in the site: a `changes` page, and recent changes on each table page."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from markupsafe import Markup

from ..catalog import Catalog, Table
from ..drift.log import DriftEntry
from .clip import INLINE_STATEMENT_CHARS, STATEMENT_CHARS, clip
from .pages import DocModel, ExtraPage, Paths, make_environment, render_template

TABLE_RECENT = 10  # rows shown on a table page


def tables_of(entry: DriftEntry, catalog: Catalog) -> list[Table]:
    """The documented tables a log row is about: by name, `table.column`, index or constraint name, or statement."""
    schema, name = entry.schema_name or "", entry.object_name or ""
    hit = catalog.get(schema, name)
    if hit is not None:
        return [hit]
    if entry.object_type == "trigger" and " on " in name:  # `trg_audit on orders`: the trigger's table
        hit = catalog.get(schema, name.rsplit(" on ", 1)[1])
        if hit is not None:
            return [hit]
    if "." in name:
        hit = catalog.get(schema, name.split(".", 1)[0])
        if hit is not None:
            return [hit]
    in_schema = catalog.in_schema(schema)
    for t in in_schema:
        if name and (any(i.name == name for i in t.indexes) or any(c.name == name for c in t.checks)):
            return [t]
    statement = entry.statement or ""
    return [t for t in in_schema if re.search(r"(?<![\w$])" + re.escape(t.name) + r"(?![\w$])", statement)]


def add_change_log(model: DocModel, entries: list[DriftEntry]) -> None:
    """Adds the `changes` page and the recent changes on table pages, from drift log rows (newest first)."""
    catalog = model.catalog
    paths = Paths(catalog, model.settings.path)
    changes_page = paths.page("changes")
    rows: list[dict[str, Any]] = []
    per_table: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entry in entries:
        safe = entry.masked()
        tables = tables_of(safe, catalog)
        row = {
            "e": safe,
            "statement": clip(safe.statement, STATEMENT_CHARS),
            "summary": clip(safe.statement, INLINE_STATEMENT_CHARS),
            "object": ".".join(p for p in (safe.schema_name, safe.object_name) if p),
            "table_pages": [paths.table(t) for t in tables],
            "lang": "sql" if safe.source == "trigger" else "text",
        }
        rows.append(row)
        for t in tables:
            per_table[t.key].append(row)
    by_schema: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_schema[row["e"].schema_name or "(database)"].append(row)
    model.extra_pages.append(
        ExtraPage("changes", "changes.md.j2", "Schema changes", {"rows": rows, "by_schema": sorted(by_schema.items())})
    )
    env = make_environment(model.settings.templates)

    for table in catalog.tables:
        recent = per_table.get(table.key)
        if not recent:
            continue
        page = paths.table(table)
        text = render_template(
            env,
            "_table_changes.md.j2",
            rows=recent[:TABLE_RECENT],
            total=len(recent),
            changes=Paths.rel(page, changes_page),
        )
        model.table_sections.setdefault(table.key, []).append(Markup(text))
    model.architecture_rows.append(("Drift log rows shown", len(rows)))
