"""Render the catalog into Markdown pages: {path inside docs: markdown}.

Templates are Jinja2 files shipped in `templates/`; a site can override any of
them by name with the `templates` option. Every `{{ value }}` is escaped by
`escape.finalize`, so a template cannot forget to escape database text.
Templates write the body only: `Renderer.render` requires each page's title and
writes the front matter itself through `escape.front_matter`, so no page (and no
overriding template) can hand MkDocs a title that is not escaped.
"""

from __future__ import annotations

import functools
import posixpath
import re
import traceback
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import yaml
from markupsafe import Markup

from ..catalog import Catalog, Column, Routine, Sequence, Table, UserType
from ..catalog.change import index_keys
from ..errors import SchemaSyncError
from ..files import utf8_problem
from ..settings import Settings
from . import escape, mermaid
from .slugs import slugs as _slugs

if TYPE_CHECKING:
    from ..contracts.check import ContractReport

_RESERVED = {"index", "er", "architecture", "changes", "contracts", "status"}
_TITLE_LINE = re.compile(r"^title\s*:")
#: pages of a schema's folder beside its table pages
_SCHEMA_PAGES = {"routines", "types", "sequences"}
_NEXTVAL = re.compile(r"(?i)\b(?:nextval|next\s+value\s+for)\b")


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
        self._schema_slugs = _slugs(catalog.schemas, _RESERVED, what="schemas")
        self._table_slugs: dict[str, str] = {}
        # a routine's page is its name's: overloads share it, each under its own anchor (README "Page addresses")
        self._routine_slugs: dict[int, str] = {}  # by id(): a MySQL function and procedure may share a key
        self._routine_anchors: dict[int, str] = {}
        self._overloads: dict[tuple[str, str], list[Routine]] = defaultdict(list)
        self._anchors: dict[tuple[str, str], str] = {}
        for r in catalog.routine_map().values():
            self._overloads[(r.schema, r.name)].append(r)
        for schema in catalog.schemas:
            tables = catalog.in_schema(schema)
            slugs = _slugs([t.name for t in tables], _RESERVED | _SCHEMA_PAGES, what=f"tables of schema {schema!r}")
            for t in tables:
                self._table_slugs[t.key] = slugs[t.name]
            names = [r.name for r in catalog.routines_in(schema)]
            routine_slugs = _slugs(list(dict.fromkeys(names)), what=f"routines of schema {schema!r}")
            for (owner, name), group in self._overloads.items():
                if owner == schema:
                    self._routine_slugs.update((id(r), routine_slugs[name]) for r in group)
                    if len(group) > 1:
                        self._routine_anchors.update(_overload_anchors(group))
            for kind, objects in (("type", catalog.types_in(schema)), ("seq", catalog.sequences_in(schema))):
                anchors = _slugs([o.name for o in objects])
                self._anchors.update({(kind, o.key): f"{kind}-{anchors[o.name]}" for o in objects})

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

    def routines(self, schema: str) -> str:
        return f"{self.root}/{self._schema_slugs[schema]}/routines.md"

    def routine(self, routine: Routine) -> str:
        """The page of the routine's name: the same for all its overloads, so adding one moves nothing."""
        return f"{self.root}/{self._schema_slugs[routine.schema]}/routines/{self._routine_slugs[id(routine)]}.md"

    def overloads(self, routine: Routine) -> list[Routine]:
        """The routines sharing `routine`'s page (itself alone unless overloaded), in catalog order."""
        return self._overloads[(routine.schema, routine.name)]

    def routine_anchor(self, routine: Routine) -> str:
        """The overload's anchor on its page (safe characters only), or "" when it is alone there."""
        return self._routine_anchors.get(id(routine), "")

    def types(self, schema: str) -> str:
        return f"{self.root}/{self._schema_slugs[schema]}/types.md"

    def sequences(self, schema: str) -> str:
        return f"{self.root}/{self._schema_slugs[schema]}/sequences.md"

    def anchor(self, obj: UserType | Sequence) -> Markup:
        """The id of a type's or sequence's entry on its schema's page (safe characters only: no escaping)."""
        return Markup(self._anchors[("type" if isinstance(obj, UserType) else "seq", obj.key)])

    def entry(self, obj: UserType | Sequence) -> str:
        """The page and anchor of a type's or sequence's entry."""
        page = self.types(obj.schema) if isinstance(obj, UserType) else self.sequences(obj.schema)
        return f"{page}#{self.anchor(obj)}"

    @staticmethod
    def rel(from_page: str, to_page: str) -> str:
        return posixpath.relpath(to_page, posixpath.dirname(from_page) or ".")


def _overload_anchors(group: list[Routine]) -> dict[int, str]:
    """Anchors for overloads on their shared page, from their argument types (kind too where those repeat)."""
    count: dict[str, int] = defaultdict(int)
    for r in group:
        count[r.signature] += 1
    wanted = {id(r): r.signature if count[r.signature] == 1 else f"{r.signature} {r.kind}" for r in group}
    anchors = _slugs(list(wanted.values()), what="overloads")
    return {ident: f"overload-{anchors[text]}" for ident, text in wanted.items()}


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
    """The templates' environment, one per folder for the process: a `serve` rebuild compiles no template
    again (Jinja reloads a template whose file changed)."""
    if templates is not None and not templates.is_dir():
        raise SchemaSyncError(f"templates folder {templates} does not exist (option `templates`)")
    return _environment(templates)


@functools.lru_cache(maxsize=8)
def _environment(templates: Path | None) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = []
    if templates is not None:
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
        code_block=escape.code_html,
        yaml_string=escape.yaml_string,
        md=lambda v: Markup(escape.md(v)),
        index_keys=index_keys,
    )
    return env


def render_template(env: jinja2.Environment, template: str, **context: Any) -> str:
    """Render one template; whatever goes wrong in it (or in what it includes) is one line naming file and line."""
    try:
        return env.get_template(template).render(**context)
    except UnicodeDecodeError as exc:
        name, data = _undecodable_template(exc, template)
        raise SchemaSyncError(f"template {utf8_problem(name, data, exc)}") from None
    except jinja2.TemplateSyntaxError as exc:
        raise SchemaSyncError(
            f"template {Path(exc.filename or exc.name or template).name}:{exc.lineno} failed: {exc}"
        ) from None
    except Exception as exc:  # a template raising at render time ({{ 1/0 }}, a missing include …)
        raise SchemaSyncError(f"template {_template_line(exc, template)} failed: {_what(exc)}") from None


def _template_line(exc: BaseException, template: str) -> str:
    """`file:line` of the innermost template frame (Jinja maps its frames to template lines)."""
    where = template
    for frame, line in traceback.walk_tb(exc.__traceback__):
        if frame.f_code.co_filename.endswith(".j2"):
            where = f"{Path(frame.f_code.co_filename).name}:{line}"
    return where


def _what(exc: BaseException) -> str:
    if isinstance(exc, jinja2.TemplateNotFound):
        return (
            f"template {exc.name!r} (named by extends, include or import) not found "
            "(in the `templates` folder or the shipped ones)"
        )
    if isinstance(exc, jinja2.TemplateError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def _undecodable_template(exc: UnicodeDecodeError, template: str) -> tuple[str, bytes]:
    """The file a loader could not decode (a loader frame holds its name), and its bytes."""
    name = template
    for frame, _line in traceback.walk_tb(exc.__traceback__):
        filename = frame.f_locals.get("filename")
        if isinstance(filename, str) and filename.endswith(".j2"):
            name = filename
    data = exc.object if isinstance(exc.object, bytes) else b""
    return Path(name).name, data


#: the home page lists a schema's tables and views when it has at most this many (else its schema page does)
INDEX_LIST_MAX = 500


class Renderer:
    def __init__(self, model: DocModel) -> None:
        self.model = model
        self.catalog = model.catalog
        self.settings = model.settings
        self.paths = Paths(model.catalog, model.settings.path)
        self.env = make_environment(model.settings.templates)

    def render(self, template: str, page: str, *, title: str, **context: Any) -> str:
        """Front matter with the escaped `title` (see `escape.title`), then the template's body."""

        def link(target: Table | Routine | UserType | Sequence | str) -> Markup:
            # Page paths and anchors are built from slugs (safe characters only): the URL needs no escaping.
            if isinstance(target, Table):
                to = self.paths.table(target)
            elif isinstance(target, Routine):
                anchor = self.paths.routine_anchor(target)
                to = self.paths.routine(target) + (f"#{anchor}" if anchor else "")
            elif isinstance(target, UserType | Sequence):
                to = self.paths.entry(target)
            else:
                to = target
            path, hash_mark, anchor = to.partition("#")
            return Markup(Paths.rel(page, path) + hash_mark + anchor)

        body = render_template(
            self.env,
            template,
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
            context = self._schema_context(schema)
            out[page] = self.render("schema.md.j2", page, title=schema, schema=schema, tables=tables, **context)
            out.update(self._object_pages(schema))
            er_page = self.paths.er(schema)
            drawn = [t for t in tables if not t.is_partition]  # a partitioned table stands for its partitions
            shown = mermaid.overview_selection(catalog, drawn, self.settings.er_max_tables)
            out[er_page] = self.render(
                "er.md.j2",
                er_page,
                title=f"ER diagram: {schema}",
                schema=schema,
                tables=drawn,
                shown=shown,
                diagram=mermaid.er_block(mermaid.er_diagram(catalog, shown, columns=len(shown) <= 15)),
            )
            for table in tables:
                out[self.paths.table(table)] = self.table_page(table)
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

    def table_page(self, table: Table) -> str:
        page = self.paths.table(table)
        return self.render("table.md.j2", page, title=table.name, table=table, **self._table_context(table))

    def _object_pages(self, schema: str) -> dict[str, str]:
        """The schema's routines page and a page per routine, its types page and its sequences page."""
        out: dict[str, str] = {}
        catalog = self.catalog
        routines = catalog.routines_in(schema)
        if routines:
            page = self.paths.routines(schema)
            title = f"Routines: {schema}"
            out[page] = self.render("routines.md.j2", page, title=title, schema=schema, **_split_extension(routines))
            triggers_of: dict[str, list[Any]] = defaultdict(list)
            for trigger in catalog.triggers:
                if trigger.function:
                    triggers_of[trigger.function].append((trigger, catalog.by_key(trigger.table_key)))
            key_of = {id(r): key for key, r in catalog.routine_map().items()}
            for routine in catalog.routines_in(schema):
                page = self.paths.routine(routine)
                group = self.paths.overloads(routine)
                if page in out or routine is not group[0]:
                    continue
                overloads = [
                    {
                        "routine": r,
                        "triggers": triggers_of.get(key_of[id(r)], []),
                        "anchor": self.paths.routine_anchor(r),
                    }
                    for r in group
                ]
                title = routine.label if len(group) == 1 else f"{routine.name} ({len(group)} overloads)"
                out[page] = self.render(
                    "routine.md.j2", page, title=title, routine=routine, triggers=overloads[0]["triggers"],
                    overloads=overloads,
                )  # fmt: skip
        types = catalog.types_in(schema)
        if types:
            page = self.paths.types(schema)
            used = self._columns_of_types()
            context = {"schema": schema, "used_by": used, **_split_extension(types)}
            out[page] = self.render("types.md.j2", page, title=f"Types: {schema}", **context)
        sequences = catalog.sequences_in(schema)
        if sequences:
            page = self.paths.sequences(schema)
            users = self._sequence_users()
            context = {"schema": schema, "users": users, "owner": self._owner, **_split_extension(sequences)}
            out[page] = self.render("sequences.md.j2", page, title=f"Sequences: {schema}", **context)
        return out

    def _schema_context(self, schema: str) -> dict[str, Any]:
        catalog = self.catalog
        return {
            "routines": catalog.routines_in(schema),
            "types": catalog.types_in(schema),
            "sequences": catalog.sequences_in(schema),
            "parent_of": lambda t: catalog.by_key(t.partition_of) if t.partition_of else None,
        }

    def _schema_rows(self) -> list[dict[str, Any]]:
        rows = []
        for schema in self.catalog.schemas:
            tables = [t for t in self.catalog.in_schema(schema) if not t.is_partition]
            rows.append(
                {
                    "name": schema,
                    "comment": self.catalog.schema_comments.get(schema),
                    "tables": sum(1 for t in tables if not t.is_view),
                    "views": sum(1 for t in tables if t.is_view),
                    # listed here only when few: at thousands, the list is its schema page's, and a change to
                    # one table would render (and MkDocs convert) both long pages again
                    "tables_list": tables if len(tables) <= INDEX_LIST_MAX else [],
                    "partitions": sum(1 for t in self.catalog.in_schema(schema) if t.is_partition),
                    "routines": len(self.catalog.routines_in(schema)),
                    "types": len(self.catalog.types_in(schema)),
                    "sequences": len(self.catalog.sequences_in(schema)),
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
            "triggers": len(self.catalog.triggers),
            "routines": len(self.catalog.routines),
            "types": len(self.catalog.types),
            "sequences": len(self.catalog.sequences),
        }

    # ------------------------------------------------------------------ what links the kinds together

    def _columns_of_types(self) -> dict[str, list[tuple[Table, Column]]]:
        """Columns by the key of the user-defined type they are of."""
        found = self.__dict__.get("_type_users")
        if found is None:
            found = defaultdict(list)
            for table in self.catalog.tables:
                for col in table.columns:
                    user_type = self._user_type(col.type, table.schema)
                    if user_type is not None:
                        found[user_type.key].append((table, col))
            self._type_users = found
        return found

    def _user_type(self, type_text: str, schema: str) -> UserType | None:
        """The user-defined type a column type names: `mood`, `mood[]`, `sales.mood`, `"My Type"`."""
        index = self.__dict__.get("_type_index")
        if index is None:
            index = {}
            by_name: dict[str, list[UserType]] = defaultdict(list)
            for t in self.catalog.types:
                index[(t.schema, t.name)] = t
                by_name[t.name].append(t)
            index.update({(None, name): ts[0] for name, ts in by_name.items() if len(ts) == 1})
            self._type_index = index
        bare = type_text.strip()
        while bare.endswith("[]"):
            bare = bare[:-2].strip()
        parts = [p.strip('"').replace('""', '"') for p in re.split(r'\.(?=(?:[^"]*"[^"]*")*[^"]*$)', bare)]
        if len(parts) == 2:
            return index.get((parts[0], parts[1]))
        return index.get((schema, parts[0])) or index.get((None, parts[0]))

    def _sequence_users(self) -> dict[str, list[tuple[Table, Column]]]:
        """Columns whose default draws from a sequence (nextval('s'), NEXT VALUE FOR s), by the sequence's key."""
        found = self.__dict__.get("_seq_users")
        if found is None:
            found = defaultdict(list)
            names: dict[str, list[Sequence]] = defaultdict(list)
            for seq in self.catalog.sequences:
                names[seq.name].append(seq)
            for table in self.catalog.tables:
                for col in table.columns:
                    if names and col.default is not None and _NEXTVAL.search(col.default):
                        for seq in _sequences_named_in(col.default, names, table.schema):
                            found[seq.key].append((table, col))
            self._seq_users = found
        return found

    def _column_sequences(self, table: Table) -> dict[str, list[Sequence]]:
        by_column = self.__dict__.get("_seq_by_column")
        if by_column is None:
            by_column = defaultdict(list)
            for seq in self.catalog.sequences:
                for t, col in self._sequence_users().get(seq.key, []):
                    by_column[(t.key, col.name)].append(seq)
            self._seq_by_column = by_column
        return {
            col.name: by_column[(table.key, col.name)] for col in table.columns if (table.key, col.name) in by_column
        }

    def _owner(self, seq: Sequence) -> tuple[Table | None, str | None]:
        """The table and column that own a sequence (OWNED BY / serial), for a link."""
        if not seq.owned_by:
            return None, None
        table_key, _, column = seq.owned_by.rpartition(".")
        return self.catalog.by_key(table_key), column

    def _table_context(self, table: Table) -> dict[str, Any]:
        catalog = self.catalog
        col_sequences = self._column_sequences(table)
        constraints: list[Any] = [
            table.primary_key,
            *table.uniques,
            *table.checks,
            *table.exclusions,
            *table.foreign_keys,
        ]
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
            "diagram": mermaid.er_block(mermaid.er_diagram(self.catalog, neighbours)),
            "user_type": lambda col: self._user_type(col.type, table.schema),
            "col_sequences": col_sequences,
            "constraint_notes": any(c is not None and c.comment for c in constraints),
            "triggers": catalog.triggers_of(table),
            "routine_of": catalog.routine,
            "parent": catalog.by_key(table.partition_of) if table.partition_of else None,
            "partitions": catalog.partitions_of(table),
            "parents": [(key, catalog.by_key(key)) for key in table.inherits],
            "children": catalog.children_of(table),
        }


_IDENTIFIER = re.compile(r'"((?:[^"]|"")+)"|`([^`]+)`|\[([^\]]+)\]|([\w$]+)')


def _sequences_named_in(default: str, names: dict[str, list[Sequence]], schema: str) -> list[Sequence]:
    """The sequences a default names: nextval('s'::regclass), nextval(`db`.`s`), NEXT VALUE FOR [x].[s]."""
    hits: list[Sequence] = []
    for groups in _IDENTIFIER.findall(default):
        word = next(g for g in groups if g).replace('""', '"')
        seqs = names.get(word)
        if seqs:
            same_schema = [s for s in seqs if s.schema == schema]
            hits.extend(s for s in (same_schema or seqs[:1]) if s not in hits)
    return hits


def _split_extension(objects: list[Any]) -> dict[str, list[Any]]:
    """The user's own objects, and those an extension installed (listed apart: option extension_objects)."""
    return {
        "own": [o for o in objects if o.extension is None],
        "from_extensions": [o for o in objects if o.extension is not None],
    }


def render_pages(model: DocModel) -> dict[str, str]:
    return Renderer(model).pages()
