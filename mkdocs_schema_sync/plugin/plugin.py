"""The MkDocs plugin: a thin shell over `pipeline` that turns rendered pages into virtual files."""

from __future__ import annotations

import shutil
import signal
import tempfile
import threading
from pathlib import Path
from typing import Any

from cachetools import TTLCache
from markupsafe import Markup
from mkdocs.config.base import ValidationError
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority, get_plugin_logger
from mkdocs.structure.files import Files, InclusionLevel
from mkdocs.structure.pages import Page

from ..contracts import policy
from ..errors import SchemaSyncError
from ..pipeline import LoadedCatalog, build_model, database_of, load_catalog
from ..render import escape
from ..render.incremental import PageCache
from ..render.pages import DocModel, Paths, render_pages
from ..render.site import Section, attach_cross_database_links, attach_foreign_sources, site_pages
from ..settings import Settings, section_path
from ..sync import notified
from . import mermaid
from .config import SchemaSyncConfig, settings_from_config
from .databases import parse_databases
from .incremental import GeneratedPage, SearchIndex, Staging, digest, nav_shape, rebuild_all
from .search_titles import text_titles_in_search_index
from .watcher import DatabaseWatcher

log = get_plugin_logger(__name__)


class SchemaSyncPlugin(BasePlugin[SchemaSyncConfig]):
    """Emits the schema section at build time; nothing is written into docs/."""

    supports_multiple_instances = False

    def __init__(self) -> None:
        self.databases: list[Settings] = []  # one, or one per entry of `databases:`
        self.multi = False  # `databases:` is set: a section per database, and the site's own pages
        self._raw_options: dict[str, Any] = {}
        self.is_serve = False
        self._cache: TTLCache[tuple[Any, ...], LoadedCatalog] | None = None
        self._cache_lock = threading.Lock()  # cachetools caches are not thread-safe
        self.generated: list[str] = []
        self._generated_set: frozenset[str] = frozenset()
        self._watchers: dict[int, DatabaseWatcher] = {}  # by index into `databases`
        self._watch_folder: Path | None = None
        self.strict = False
        self._mermaid_url: str | None = None
        # `serve`: pages rendered again only when their inputs changed, dirty rebuilds, no 404 (incremental.py)
        self.dirty = False
        self._page_caches: dict[int, PageCache] = {}  # per database, by its position
        # per database: the last read and its cache key; a change re-reads it only in part (same options)
        self._last_read: dict[int, tuple[tuple[Any, ...], LoadedCatalog]] = {}
        self._hashes: dict[str, str] = {}  # page -> digest of its text as the last finished build wrote it
        self._next_hashes: dict[str, str] = {}
        self._written: dict[str, str] = {}  # page -> the file the last build wrote it to (serve --dirty)
        self._next_written: dict[str, str] = {}
        self._search = SearchIndex()
        self._staging: Staging | None = None
        self._nav_shape: list[Any] | None = None

    def load_config(self, options: dict[str, Any], config_file_path: str | None = None) -> tuple[Any, Any]:
        """MkDocs only warns about unknown plugin options; a typo here would silently drop a setting."""
        self._raw_options = dict(options)
        errors, warnings = super().load_config(options, config_file_path)
        known = ", ".join(sorted(key for key, _ in self.config_class._schema))
        for key, message in list(warnings):
            if "Unrecognised configuration name" in message:
                warnings.remove((key, message))
                errors.append((key, ValidationError(f"unknown schema-sync option {key!r}; known options: {known}")))
        return errors, warnings

    def to_databases(self, config_file: str | Path) -> list[Settings]:
        """The settings of every documented database (the companion command reads mkdocs.yml through this)."""
        if self.config.databases is not None:
            return parse_databases(self._raw_options, self.config, config_file)
        return [settings_from_config(self.config, config_file)]

    # Defining on_startup keeps this instance (and its cache) across `mkdocs serve` rebuilds.
    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.is_serve = command == "serve"
        self.dirty = dirty
        if self.is_serve and not dirty:
            self._staging = Staging()

    def on_pre_build(self, *, config: MkDocsConfig) -> None:
        """Before MkDocs empties site_dir: a plain `serve` builds into the staging folder instead."""
        self._search.start()
        if self._staging is not None and self.config.enabled:
            self._staging.enter(config)

    @event_priority(100)  # before mkdocs-mermaid2-plugin reads extra_javascript
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        self._mermaid_url = None
        if not self.config.enabled:
            return config
        try:
            self.databases = self.to_databases(config.config_file_path)
        except SchemaSyncError as exc:
            raise PluginError(f"schema-sync: {exc.message}") from None
        self.multi = self.config.databases is not None
        self.strict = bool(config.strict)
        self._mermaid_url = mermaid.add_script(config, self.config.mermaid)
        mermaid.add_style(config)
        ttl = max(min(s.cache_ttl for s in self.databases), 0.001)
        if self._cache is None or self._cache.ttl != ttl:
            self._cache = TTLCache(maxsize=8 * len(self.databases), ttl=ttl)
        return config

    @staticmethod
    def cache_key(s: Settings) -> tuple[Any, ...]:
        return (
            s.name,
            s.connection,
            tuple(s.schemas),
            tuple(s.exclude),
            s.extension_objects,
            s.row_counts,
            s.on_unreachable,
            str(s.snapshot),
        )

    def load(self, index: int = 0) -> LoadedCatalog:
        """The catalog, from the cache while it is fresh (serve rebuilds after a Markdown edit cost no query)."""
        assert self._cache is not None
        settings = self.databases[index]
        key = self.cache_key(settings)
        with self._cache_lock:
            loaded = self._cache.get(key)
        if loaded is None:
            last = self._last_read.get(index)
            previous = last[1] if self.is_serve and last is not None and last[0] == key else None
            loaded = load_catalog(settings, previous)  # one database down falls back to its snapshot alone
            self._last_read[index] = (key, loaded)
            if loaded.read_tables is not None:
                log.info("re-read %d table(s) the drift log named", loaded.read_tables)
            with self._cache_lock:
                self._cache[key] = loaded
            watcher = self._watchers.get(index)
            if watcher is not None:  # from the snapshot: rebuild as soon as the database answers
                watcher.built_offline(loaded.source.kind != "live")
        return loaded

    def invalidate(self) -> None:
        """Drop the cached catalog (called from the database watcher's thread)."""
        with self._cache_lock:
            if self._cache is not None:
                self._cache.clear()

    def on_serve(self, server: Any, /, *, config: MkDocsConfig, builder: Any) -> Any:
        """Rebuild when the snapshot, descriptions, contracts or templates change, or a database's schema does."""
        if not self.config.enabled or not self.databases:
            return server
        for i, s in enumerate(self.databases):
            for path in (s.snapshot, s.descriptions, s.contracts, s.templates):
                if path is not None and path.exists():
                    server.watch(str(path))
            if s.connection and s.watch_interval > 0 and i not in self._watchers:
                if self._watch_folder is None:
                    self._watch_folder = Path(tempfile.mkdtemp(prefix="schema-sync-watch-"))
                    server.watch(str(self._watch_folder))
                    _sigterm_as_interrupt()
                signal_file = self._watch_folder / f"database-signal-{i}"
                signal_file.write_text("", encoding="utf-8")
                watcher = DatabaseWatcher(s, self.invalidate, signal_file, s.watch_interval)
                self._watchers[i] = watcher
                with self._cache_lock:
                    first = self._cache.get(self.cache_key(s)) if self._cache is not None else None
                if first is not None:  # the first build ran before serve started the watcher
                    watcher.built_offline(first.source.kind != "live")
                watcher.start()
        return server

    def on_shutdown(self) -> None:
        if self._staging is not None:
            self._staging.close()
        for watcher in self._watchers.values():
            watcher.stop()
        self._watchers = {}
        if self._watch_folder is not None:  # nothing left behind in the temporary folder
            shutil.rmtree(self._watch_folder, ignore_errors=True)
            self._watch_folder = None

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files | None:
        if not self.config.enabled or not self.databases:
            return files
        sections: list[tuple[Settings, DocModel, Paths, set[str], dict[str, str]]] = []
        try:
            models = [build_model(settings, self.load(i)) for i, settings in enumerate(self.databases)]
            site = [Section(str(s.name), m, database_of(s)) for s, m in zip(self.databases, models, strict=True)]
            attach_foreign_sources(site)  # a foreign table links to its source's page when that is in the site
            attach_cross_database_links(site)  # views and foreign keys naming another database of the site
            for settings, model in zip(self.databases, models, strict=True):
                cache = self._page_caches.setdefault(len(sections), PageCache())
                pages = cache.render(model) if self.is_serve else render_pages(model)
                self._contracts(settings, model)
                paths = Paths(model.catalog, settings.path)
                # pages of single objects (tables, views, routines): reached from index pages unless nav is `full`
                table_pages = {paths.table(t) for t in model.catalog.tables}
                table_pages |= {paths.routine(r) for r in model.catalog.routine_map().values()}
                sections.append((settings, model, paths, table_pages, pages))
        except SchemaSyncError as exc:
            raise PluginError(f"schema-sync: {exc.message}") from None
        own = site_pages(self.root, self.config.title, site) if self.multi else {}
        self.generated = []
        self._next_hashes = {}
        self._next_written = {}
        for path, text in [*own.items(), *((p, t) for *_, pages in sections for p, t in pages.items())]:
            if files.get_file_from_path(path) is not None:
                raise PluginError(
                    f"schema-sync: docs/{path} exists and would be replaced by a generated page; "
                    f"rename it or set another `path` (now {self.root!r})"
                )
            table_pages = next((t for s, _, _, t, _ in sections if path.startswith(s.path + "/")), set())
            inclusion = self._inclusion(path, table_pages)
            page = GeneratedPage.generated(config, path, content=text, inclusion=inclusion)
            self._next_hashes[path] = digest(text)
            self._next_written[path] = page.abs_dest_path
            page.changed = self._hashes.get(path) != self._next_hashes[path]
            files.append(page)
            self.generated.append(path)
        self._generated_set = frozenset(self.generated)
        if files.get_file_from_path(mermaid.STYLE) is None:
            files.append(mermaid.style_file(config))
        if self._mermaid_url == mermaid.SCRIPT:
            for asset in mermaid.asset_files(config):
                if files.get_file_from_path(asset.src_uri) is None:
                    files.append(asset)
        if config.nav is not None and self.config.nav != "none" and not _nav_mentions(config.nav, self._generated_set):
            entries = [self._nav_section(s, p, m, t, list(pages)) for s, m, p, t, pages in sections]
            if self.multi:
                entries = [*own, *entries]
                config.nav.append({escape.title(self.config.title): entries})
            else:
                config.nav.append(entries[0])
        for _settings, model, _, _, pages in sections:
            log.info("generated %d pages from %s", len(pages), model.source.connection)
        return files

    @property
    def root(self) -> str:
        """The docs prefix of every generated page (`path`)."""
        return section_path(self.config.path)

    def on_page_markdown(self, markdown: str, /, *, page: Page, config: MkDocsConfig, files: Files) -> str | None:
        """Our titles are escaped HTML (`escape.title`); as Markup a theme's `| e` cannot escape them twice."""
        if page.file.src_uri in self._generated_set and isinstance(page.meta.get("title"), str):
            page.meta["title"] = Markup(page.meta["title"])
        return markdown

    def on_nav(self, nav: Any, /, *, config: MkDocsConfig, files: Files) -> Any:
        """A dirty build reads no page it skips, so every page would print those pages' nav titles as None:
        read the source of the pages in the navigation (a few; the title comes from it)."""
        if self.dirty:
            for page in nav.pages:
                if page.markdown is None and not page.file.is_modified():
                    page.read_source(config)
                    if page.file.src_uri in self._generated_set and isinstance(page.meta.get("title"), str):
                        page.meta["title"] = Markup(page.meta["title"])  # as on_page_markdown does
            shape = nav_shape(nav.items)
            if self._nav_shape is not None and shape != self._nav_shape:
                rebuild_all(files)  # a page came, went or was renamed: every page prints the navigation
            self._nav_shape = shape
        return nav

    def on_env(self, env: Any, /, *, config: MkDocsConfig, files: Files) -> Any:
        self._search.order = [f.url for f in files.documentation_pages()]
        return env

    def on_page_context(self, context: Any, /, *, page: Page, config: MkDocsConfig, nav: Any) -> Any:
        self._search.built.add(page.url)  # MkDocs builds this page (a dirty build skips the unchanged)
        return context

    @event_priority(-50)  # after the search plugin has written its index
    def _after_search(self, *, config: MkDocsConfig) -> None:
        if self.config.enabled and self.databases:
            text_titles_in_search_index(config, self.root)
            self._search.finish(config, self.dirty)
            self._hashes = self._next_hashes  # this build wrote them
            if self.dirty:  # a dirty build removes nothing: the page of a dropped table would stay served
                for path in set(self._written) - set(self._next_written):
                    Path(self._written[path]).unlink(missing_ok=True)
            self._written = self._next_written

    @event_priority(-100)  # last: every plugin has written its files
    def _publish(self, *, config: MkDocsConfig) -> None:
        if self._staging is not None and self.config.enabled:
            changed = self._staging.publish(config)
            log.debug("served folder updated: %d file(s) changed", changed)

    on_post_build = CombinedEvent(_after_search, _publish)

    def _contracts(self, settings: Settings, model: DocModel) -> None:
        """Notify about newly broken contracts, then fail or warn (`fail_on_broken_contract`)."""
        report = model.contract_report
        if report is None:
            return
        notified.notify(report, settings, model.source.connection)
        policy.enforce(report, policy.should_fail(settings, self.strict))

    def _inclusion(self, path: str, table_pages: set[str]) -> InclusionLevel:
        """Scalable default: index pages in the nav, table pages reached from them (not in every page's nav)."""
        mode = self.config.nav
        if mode == "none" or (mode == "index" and path in table_pages):
            return InclusionLevel.NOT_IN_NAV
        return InclusionLevel.UNDEFINED

    def _nav_section(
        self, settings: Settings, paths: Paths, model: DocModel, table_pages: set[str], pages: list[str]
    ) -> dict[str, Any]:
        """With a hand-written `nav:`, the section of one database (added unless the user placed one of our pages)."""
        section: list[Any] = [paths.index()]
        for schema in model.catalog.schemas:
            entries: list[Any] = [paths.schema(schema), paths.er(schema)]
            entries += [p for p in (paths.routines(schema), paths.types(schema), paths.sequences(schema)) if p in pages]
            if settings.nav == "full":
                entries.extend(paths.table(t) for t in model.catalog.in_schema(schema))
                entries.extend(dict.fromkeys(paths.routine(r) for r in model.catalog.routines_in(schema)))
            section.append({escape.title(schema): entries})
        depth = settings.path.count("/") + 1
        section.extend(p for p in pages if p not in table_pages and p.count("/") == depth and p != paths.index())
        return {escape.title(settings.title): section}


def _nav_mentions(nav: Any, pages: set[str]) -> bool:
    if isinstance(nav, str):
        return nav in pages
    if isinstance(nav, list):
        return any(_nav_mentions(item, pages) for item in nav)
    if isinstance(nav, dict):
        return any(_nav_mentions(v, pages) for v in nav.values())
    return False


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _sigterm_as_interrupt() -> None:
    """SIGTERM (systemd, `docker stop`) ends `mkdocs serve` the way Ctrl-C does, so on_shutdown cleans up."""
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _interrupt)
