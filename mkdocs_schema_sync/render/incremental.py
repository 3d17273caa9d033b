"""Rendering again only the table pages whose inputs changed (`mkdocs serve` after a one-table change).

A table page shows its table, the tables its foreign keys join it to (both ways, the diagram too), its
triggers and the routines they run, its partition family, and what the model adds to it (notices,
badges, sections). Its key is a hash of all of those plus a site-wide key: the source, the settings,
the templates, every object's key (a slug, a link or a list may change when any object comes or goes)
and every routine, type and sequence. A page whose key is the last build's is the last build's text;
the other pages (indexes, diagrams, routines, change log, status) are few and always rendered.
"""

from __future__ import annotations

import hashlib
import zlib
from pathlib import Path
from typing import Any

from ..catalog import Table, sha256_of
from .mermaid import neighbourhood
from .pages import DocModel, Renderer


class PageCache:
    """Kept across builds (the plugin's instance lives through `mkdocs serve`): table pages by key."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[str, bytes]] = {}  # page path -> (key, text zlib-compressed: memory)
        self.rendered = 0  # table pages rendered by the last build (the others were reused)

    def render(self, model: DocModel) -> dict[str, str]:
        renderer = _Reusing(model, self)
        pages = renderer.pages()
        self.pages = renderer.kept
        self.rendered = renderer.rendered
        return pages


class _Reusing(Renderer):
    def __init__(self, model: DocModel, cache: PageCache) -> None:
        super().__init__(model)
        self.cache = cache
        self.kept: dict[str, tuple[str, bytes]] = {}
        self.rendered = 0
        self.shas = model.catalog.table_hashes()
        self.site = _site_key(model, self.shas)

    def table_page(self, table: Table) -> str:
        page = self.paths.table(table)
        key = self._key(table)
        old = self.cache.pages.get(page)
        if old is not None and old[0] == key:
            self.kept[page] = old
            return zlib.decompress(old[1]).decode("utf-8")
        text = super().table_page(table)
        self.rendered += 1
        self.kept[page] = (key, zlib.compress(text.encode("utf-8"), 1))
        return text

    def _key(self, table: Table) -> str:
        catalog, extra = self.catalog, self.model
        related = {t.key for t in neighbourhood(catalog, table)}
        related |= {t.key for t in catalog.partitions_of(table)} | {t.key for t in catalog.children_of(table)}
        related |= set(table.inherits) | ({table.partition_of} if table.partition_of else set())
        triggers = catalog.triggers_of(table)
        parts: list[Any] = [
            self.site,
            table.row_count,  # not in the canonical form (data, not schema), but on the page
            sorted((k, self.shas.get(k)) for k in related | {table.key}),
            [t.sha256() for t in triggers],
            [r.sha256() if (r := catalog.routine(t.function)) else None for t in triggers if t.function],
            repr(extra.table_notices.get(table.key)),
            repr(extra.table_sections.get(table.key)),
            repr([extra.column_badges.get(f"{table.key}.{c.name}") for c in table.columns]),
        ]
        return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()


def _site_key(model: DocModel, shas: dict[str, str]) -> str:
    catalog = model.catalog
    templates = model.settings.templates
    template_files = (
        sorted((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in Path(templates).rglob("*") if p.is_file())
        if templates is not None and Path(templates).is_dir()
        else []
    )
    data = {
        "dialect": catalog.dialect,
        "source": repr(model.source),
        "settings": repr(model.settings),
        "templates": template_files,
        "notices": repr(model.notices),
        "tables": sorted(shas),
        "schemas": sorted(catalog.schema_comments.items()),
        "objects": {
            kind: sorted((k, o.sha256()) for k, o in objs.items()) for kind, objs in catalog.kind_maps().items()
        },
    }
    return sha256_of(data)
