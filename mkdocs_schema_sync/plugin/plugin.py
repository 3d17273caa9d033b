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
from mkdocs.plugins import BasePlugin, event_priority, get_plugin_logger
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page

from ..contracts import policy
from ..errors import SchemaSyncError
from ..pipeline import LoadedCatalog, build_model, load_catalog
from ..render import escape
from ..render.pages import DocModel, Paths, render_pages
from ..settings import Settings
from ..sync import notified
from . import mermaid
from .config import SchemaSyncConfig, settings_from_config
from .search_titles import text_titles_in_search_index
from .watcher import DatabaseWatcher

log = get_plugin_logger(__name__)


class SchemaSyncPlugin(BasePlugin[SchemaSyncConfig]):
    """Emits the schema section at build time; nothing is written into docs/."""

    supports_multiple_instances = False

    def __init__(self) -> None:
        self.settings: Settings | None = None
        self.is_serve = False
        self._cache: TTLCache[tuple[Any, ...], LoadedCatalog] | None = None
        self._cache_lock = threading.Lock()  # cachetools caches are not thread-safe
        self.generated: list[str] = []
        self._generated_set: frozenset[str] = frozenset()
        self._watcher: DatabaseWatcher | None = None
        self._watch_folder: Path | None = None
        self.strict = False
        self._mermaid_url: str | None = None

    def load_config(self, options: dict[str, Any], config_file_path: str | None = None) -> tuple[Any, Any]:
        """MkDocs only warns about unknown plugin options; a typo here would silently drop a setting."""
        errors, warnings = super().load_config(options, config_file_path)
        known = ", ".join(sorted(key for key, _ in self.config_class._schema))
        for key, message in list(warnings):
            if "Unrecognised configuration name" in message:
                warnings.remove((key, message))
                errors.append((key, ValidationError(f"unknown schema-sync option {key!r}; known options: {known}")))
        return errors, warnings

    def to_settings(self, config_file: str | Path) -> Settings:
        """The core settings of these options (the companion command reads mkdocs.yml through this)."""
        return settings_from_config(self.config, config_file)

    # Defining on_startup keeps this instance (and its cache) across `mkdocs serve` rebuilds.
    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.is_serve = command == "serve"

    @event_priority(100)  # before mkdocs-mermaid2-plugin reads extra_javascript
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        self._mermaid_url = None
        if not self.config.enabled:
            return config
        try:
            self.settings = settings_from_config(self.config, config.config_file_path)
        except SchemaSyncError as exc:
            raise PluginError(f"schema-sync: {exc.message}") from None
        self.strict = bool(config.strict)
        self._mermaid_url = mermaid.add_script(config, self.config.mermaid)
        ttl = max(self.settings.cache_ttl, 0.001)
        if self._cache is None or self._cache.ttl != ttl:
            self._cache = TTLCache(maxsize=8, ttl=ttl)
        return config

    def cache_key(self) -> tuple[Any, ...]:
        s = self.settings
        assert s is not None
        return (
            s.connection,
            tuple(s.schemas),
            tuple(s.exclude),
            s.extension_objects,
            s.row_counts,
            s.on_unreachable,
            str(s.snapshot),
        )

    def load(self) -> LoadedCatalog:
        """The catalog, from the cache while it is fresh (serve rebuilds after a Markdown edit cost no query)."""
        assert self.settings is not None and self._cache is not None
        key = self.cache_key()
        with self._cache_lock:
            loaded = self._cache.get(key)
        if loaded is None:
            loaded = load_catalog(self.settings)
            with self._cache_lock:
                self._cache[key] = loaded
            if self._watcher is not None:  # from the snapshot: rebuild as soon as the database answers
                self._watcher.built_offline(loaded.source.kind != "live")
        return loaded

    def invalidate(self) -> None:
        """Drop the cached catalog (called from the database watcher's thread)."""
        with self._cache_lock:
            if self._cache is not None:
                self._cache.clear()

    def on_serve(self, server: Any, /, *, config: MkDocsConfig, builder: Any) -> Any:
        """Rebuild when the snapshot, descriptions, contracts or templates change, or the database's schema does."""
        if not self.config.enabled or self.settings is None:
            return server
        s = self.settings
        for path in (s.snapshot, s.descriptions, s.contracts, s.templates):
            if path is not None and path.exists():
                server.watch(str(path))
        if s.connection and s.watch_interval > 0 and self._watcher is None:
            self._watch_folder = Path(tempfile.mkdtemp(prefix="schema-sync-watch-"))
            signal_file = self._watch_folder / "database-signal"
            signal_file.write_text("", encoding="utf-8")
            self._watcher = DatabaseWatcher(s, self.invalidate, signal_file, s.watch_interval)
            with self._cache_lock:
                first = next(iter(self._cache.values()), None) if self._cache is not None else None
            if first is not None:  # the first build ran before serve started the watcher
                self._watcher.built_offline(first.source.kind != "live")
            self._watcher.start()
            server.watch(str(self._watch_folder))
            _sigterm_as_interrupt()
        return server

    def on_shutdown(self) -> None:
        if self._watcher is not None:
            self._watcher.stop()
            self._watcher = None
        if self._watch_folder is not None:  # nothing left behind in the temporary folder
            shutil.rmtree(self._watch_folder, ignore_errors=True)
            self._watch_folder = None

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files | None:
        if not self.config.enabled or self.settings is None:
            return files
        try:
            model = build_model(self.settings, self.load())
            pages = render_pages(model)
            self._contracts(model)
        except SchemaSyncError as exc:
            raise PluginError(f"schema-sync: {exc.message}") from None
        paths = Paths(model.catalog, self.settings.path)
        # pages of single objects (tables, views, routines): reached from index pages unless nav is `full`
        table_pages = {paths.table(t) for t in model.catalog.tables}
        table_pages |= {paths.routine(r) for r in model.catalog.routine_map().values()}
        for path, text in pages.items():
            if files.get_file_from_path(path) is not None:
                raise PluginError(
                    f"schema-sync: docs/{path} exists and would be replaced by a generated page; "
                    f"rename it or set another `path` (now {self.settings.path!r})"
                )
            files.append(File.generated(config, path, content=text, inclusion=self._inclusion(path, table_pages)))
        self.generated = list(pages)
        self._generated_set = frozenset(pages)
        if self._mermaid_url == mermaid.SCRIPT:
            for asset in mermaid.asset_files(config):
                if files.get_file_from_path(asset.src_uri) is None:
                    files.append(asset)
        if config.nav is not None and self.settings.nav != "none":
            self._extend_user_nav(config, paths, model, table_pages)
        log.info("generated %d pages from %s", len(pages), model.source.connection)
        return files

    def on_page_markdown(self, markdown: str, /, *, page: Page, config: MkDocsConfig, files: Files) -> str | None:
        """Our titles are escaped HTML (`escape.title`); as Markup a theme's `| e` cannot escape them twice."""
        if page.file.src_uri in self._generated_set and isinstance(page.meta.get("title"), str):
            page.meta["title"] = Markup(page.meta["title"])
        return markdown

    @event_priority(-50)  # after the search plugin has written its index
    def on_post_build(self, *, config: MkDocsConfig) -> None:
        if self.config.enabled and self.settings is not None:
            text_titles_in_search_index(config, self.settings.path)

    def _contracts(self, model: DocModel) -> None:
        """Notify about newly broken contracts, then fail or warn (`fail_on_broken_contract`)."""
        report = model.contract_report
        if report is None or self.settings is None:
            return
        notified.notify(report, self.settings, model.source.connection)
        policy.enforce(report, policy.should_fail(self.settings, self.strict))

    def _inclusion(self, path: str, table_pages: set[str]) -> InclusionLevel:
        """Scalable default: index pages in the nav, table pages reached from them (not in every page's nav)."""
        mode = self.settings.nav if self.settings else "index"
        if mode == "none" or (mode == "index" and path in table_pages):
            return InclusionLevel.NOT_IN_NAV
        return InclusionLevel.UNDEFINED

    def _extend_user_nav(self, config: MkDocsConfig, paths: Paths, model: DocModel, table_pages: set[str]) -> None:
        """With a hand-written `nav:`, add our section unless the user already placed one of our pages."""
        assert self.settings is not None
        pages = set(self.generated)
        if _nav_mentions(config.nav, set(self.generated)):
            return
        section: list[Any] = [paths.index()]
        for schema in model.catalog.schemas:
            entries: list[Any] = [paths.schema(schema), paths.er(schema)]
            entries += [p for p in (paths.routines(schema), paths.types(schema), paths.sequences(schema)) if p in pages]
            if self.settings.nav == "full":
                entries.extend(paths.table(t) for t in model.catalog.in_schema(schema))
                entries.extend(paths.routine(r) for r in model.catalog.routines_in(schema))
            section.append({escape.title(schema): entries})
        section.extend(p for p in self.generated if p not in table_pages and p.count("/") == 1 and p != paths.index())
        config.nav.append({escape.title(self.settings.title): section})


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
