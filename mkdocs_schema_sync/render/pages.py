"""Render the catalog into Markdown pages: {path inside docs: markdown}.

Templates are Jinja2 files shipped in `templates/`; a site can override any of
them by name with the `templates` option. Every `{{ value }}` is escaped by
`escape.finalize`, so a template cannot forget to escape database text.
Templates write the body only: `Renderer.render` requires each page's title and
writes the front matter itself through `escape.front_matter`, so no page (and no
overriding template) can hand MkDocs a title that is not escaped.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import yaml
from markupsafe import Markup

from ..catalog import Catalog, Table
from ..errors import SchemaSyncError
from ..settings import Settings
from . import escape, mermaid

if TYPE_CHECKING:
    from ..contracts.check import ContractReport

_SAFE_SLUG = re.compile(r"[^A-Za-z0-9_.-]")
_RESERVED = {"index", "er", "architecture", "changes", "contracts", "status"}
_TITLE_LINE = re.compile(r"^title\s*:")


@dataclass
class SourceInfo:
    """Where the catalog came from; `notice` is shown on every page when it is not the live database.

    `display` is what pages print: the database's kind and name ("PostgreSQL database scout"), or
    the masked connection with `show_connection: true`. `connection` (masked) is for log lines and
    messages to the team, never for pages.
    """

    kind: str  # "live" or "snapshot"
    display: str
    notice: str | None = None
    connection: str = ""

    def __post_init__(self) -> None:
        self.connection = self.connection or self.display


@dataclass
class ExtraPage:
    """A page beside the schema pages (change log, contracts): `<path>/<name>.md` from `template`."""

    name: str
    template: str
    title: str
    context: dict[str, Any] = field(default_factory=dict)


@dataclass
class Notice:
    """A callout: a bold title, then text (plain text is escaped; Markup is trusted)."""

    title: str
    text: str | Markup


@dataclass
class DocModel:
    """Everything the pages show: the catalog, and what optional parts (drift log, contracts) add."""

    catalog: Catalog
    settings: Settings
    source: SourceInfo
    extra_pages: list[ExtraPage] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)  # every page
    lead_notices: list[Notice] = field(default_factory=list)  # the schema index and the change log
    table_notices: dict[str, list[Notice]] = field(default_factory=dict)  # by table key
    table_sections: dict[str, list[Markup]] = field(default_factory=dict)  # by table key, after the diagram
    column_badges: dict[str, list[Markup]] = field(default_factory=dict)  # by `schema.table.column`
    architecture_rows: list[tuple[str, object]] = field(default_factory=list)
    contract_report: ContractReport | None = None
    sync: dict[str, Any] | None = None  # the sync's steps and flows (render/status.py), for the architecture page

    def template_extra(self) -> dict[str, Any]:
        """The optional parts as the templates read them (`extra.get("table_notices", {})` …)."""
        return {
            "notices": self.notices,
            "lead_notices": self.lead_notices,
            "table_notices": self.table_notices,
            "table_sections": self.table_sections,
            "column_badges": self.column_badges,
            "architecture_rows": self.architecture_rows,
            "contract_report": self.contract_report,
            "sync": self.sync,
        }


class Paths:
    """Where each generated page lives, and relative links between them."""

    def __init__(self, catalog: Catalog, root: str) -> None:
        self.root = root.strip("/") or "schema"
        self._schema_slugs = _slugs(catalog.schemas)
        self._table_slugs: dict[str, str] = {}
        for schema in catalog.schemas:
            tables = catalog.in_schema(schema)
            slugs = _slugs([t.name for t in tables])
            for t in tables:
                self._table_slugs[t.key] = slugs[t.name]

    def index(self) -> str:
        return f"{self.root}/index.md"

    def page(self, name: str) -> str:
        return f"{self.root}/{name}.md"

    def schema(self, schema: str) -> str:
        return f"{self.root}/{self._schema_slugs[schema]}/index.md"

    def er(self, schema: str) -> str:
        return f"{self.root}/{self._schema_slugs[schema]}/er.md"

    def table(self, table: Table) -> str:
        return f"{self.root}/{self._schema_slugs[table.schema]}/{self._table_slugs[table.key]}.md"

    @staticmethod
    def rel(from_page: str, to_page: str) -> str:
        return posixpath.relpath(to_page, posixpath.dirname(from_page) or ".")


def _slugs(names: list[str]) -> dict[str, str]:
    """File names for database names: safe characters only, unique even on case-insensitive disks."""
    base = {n: _SAFE_SLUG.sub("-", n).strip(".") or "-" for n in names}
    lowered: dict[str, int] = defaultdict(int)
    for slug in base.values():
        lowered[slug.lower()] += 1
    out = {}
    for name, slug in base.items():
        if slug != name or lowered[slug.lower()] > 1 or slug.lower() in _RESERVED:
            slug = f"{slug}-{hashlib.sha256(name.encode('utf-8')).hexdigest()[:6]}"
        out[name] = slug
    return out


def _split_front_matter(text: str, template: str) -> tuple[dict[str, Any], str]:
    """A template's own front matter (e.g. Material's `hide:`), apart from the body; its `title:` line is dropped."""
    if not text.startswith("---\n"):
        return {}, text
    end = text.find("\n---\n", 3)
    if end < 0:
        raise SchemaSyncError(f"template {template}: front matter opened with --- is never closed")
    lines = [line for line in text[4:end].splitlines() if not _TITLE_LINE.match(line)]
    try:
        meta = yaml.safe_load("\n".join(lines)) or {}
    except yaml.YAMLError as exc:
        problem = " ".join(str(getattr(exc, "problem", None) or exc).split())
        raise SchemaSyncError(f"template {template}: its front matter is not YAML ({problem})") from None
    if not isinstance(meta, dict):
        raise SchemaSyncError(f"template {template}: front matter must be a mapping such as `hide: [toc]`")
    return meta, text[end + 5 :]


def make_environment(templates: Path | None) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = []
    if templates is not None:
        if not templates.is_dir():
            raise SchemaSyncError(f"templates folder {templates} does not exist (option `templates`)")
        loaders.append(jinja2.FileSystemLoader(str(templates)))
    loaders.append(jinja2.PackageLoader("mkdocs_schema_sync.render", "templates"))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=False,
        finalize=escape.finalize,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        cell=escape.cell,
        code=escape.code,
        code_block=escape.code_block,
        yaml_string=escape.yaml_string,
        md=lambda v: Markup(escape.md(v)),
    )
    return env


class Renderer:
    def __init__(self, model: DocModel) -> None:
        self.model = model
        self.catalog = model.catalog
        self.settings = model.settings
        self.paths = Paths(model.catalog, model.settings.path)
        self.env = make_environment(model.settings.templates)

    def render(self, template: str, page: str, *, title: str, **context: Any) -> str:
        """Front matter with the escaped `title` (see `escape.title`), then the template's body."""

        def link(target: Table | str) -> Markup:
            # Page paths are built from slugs (safe characters only), so the URL needs no escaping.
            to = self.paths.table(target) if isinstance(target, Table) else target
            return Markup(Paths.rel(page, to))

        try:
            tpl = self.env.get_template(template)
            body = tpl.render(
                page=page,
                title=title,
                link=link,
                catalog=self.catalog,
                settings=self.settings,
                source=self.model.source,
                paths=self.paths,
                extra=self.model.template_extra(),
                **context,
            )
        except jinja2.TemplateError as exc:
            where = f"{exc.filename}:{exc.lineno}" if isinstance(exc, jinja2.TemplateSyntaxError) else template
            raise SchemaSyncError(f"template {where} failed: {exc}") from None
        meta, body = _split_front_matter(body, template)
        return escape.front_matter(title, meta) + body

    def pages(self) -> dict[str, str]:
        out: dict[str, str] = {}
        catalog = self.catalog
        out[self.paths.index()] = self.render(
            "index.md.j2", self.paths.index(), title=self.settings.title, schemas=self._schema_rows()
        )
        for schema in catalog.schemas:
            tables = catalog.in_schema(schema)
            page = self.paths.schema(schema)
            out[page] = self.render("schema.md.j2", page, title=schema, schema=schema, tables=tables)
            er_page = self.paths.er(schema)
            shown = mermaid.overview_selection(catalog, tables, self.settings.er_max_tables)
            out[er_page] = self.render(
                "er.md.j2",
                er_page,
                title=f"ER diagram: {schema}",
                schema=schema,
                tables=tables,
                shown=shown,
                diagram=escape.code_block(mermaid.er_diagram(catalog, shown, columns=len(shown) <= 15), "mermaid"),
            )
            for table in tables:
                page = self.paths.table(table)
                out[page] = self.render(
                    "table.md.j2", page, title=table.name, table=table, **self._table_context(table)
                )
        out[self.paths.page("architecture")] = self.render(
            "architecture.md.j2",
            self.paths.page("architecture"),
            title="How this documentation is kept in sync",
            counts=self._counts(),
        )
        for extra in self.model.extra_pages:
            page = self.paths.page(extra.name)
            out[page] = self.render(extra.template, page, title=extra.title, **extra.context)
        return dict(sorted(out.items()))

    def _schema_rows(self) -> list[dict[str, Any]]:
        rows = []
        for schema in self.catalog.schemas:
            tables = self.catalog.in_schema(schema)
            rows.append(
                {
                    "name": schema,
                    "comment": self.catalog.schema_comments.get(schema),
                    "tables": sum(1 for t in tables if not t.is_view),
                    "views": sum(1 for t in tables if t.is_view),
                    "tables_list": tables,
                }
            )
        return rows

    def _counts(self) -> dict[str, int]:
        tables = self.catalog.tables
        return {
            "schemas": len(self.catalog.schemas),
            "tables": sum(1 for t in tables if not t.is_view),
            "views": sum(1 for t in tables if t.is_view),
            "columns": sum(len(t.columns) for t in tables),
            "foreign_keys": sum(len(t.foreign_keys) for t in tables),
        }

    def _table_context(self, table: Table) -> dict[str, Any]:
        pk = set(table.primary_key.columns) if table.primary_key else set()
        fk_by_col: dict[str, list[Any]] = defaultdict(list)
        for fk in table.foreign_keys:
            for col, ref_col in zip(fk.columns, fk.ref_columns, strict=False):
                fk_by_col[col].append((fk, ref_col))
        unique_cols = {u.columns[0] for u in table.uniques if len(u.columns) == 1}
        unique_cols |= {i.columns[0] for i in table.indexes if i.unique and len(i.columns) == 1 and not i.where}
        neighbours = mermaid.neighbourhood(self.catalog, table)
        return {
            "pk": pk,
            "fk_by_col": fk_by_col,
            "unique_cols": unique_cols,
            "incoming": self.catalog.referencing(table),
            "target": lambda fk: self.catalog.by_key(fk.ref_key),
            "diagram": escape.code_block(mermaid.er_diagram(self.catalog, neighbours), "mermaid"),
        }


def render_pages(model: DocModel) -> dict[str, str]:
    return Renderer(model).pages()
