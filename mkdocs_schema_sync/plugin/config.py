"""The plugin's options in mkdocs.yml, and their translation into core `Settings`."""

from __future__ import annotations

import os
import re
from pathlib import Path

from mkdocs.config import base
from mkdocs.config import config_options as c

from ..contracts.model import DEFAULT_FILE
from ..contracts.notify import Webhook, parse_webhooks
from ..deploy.targets import parse_deploy
from ..settings import (
    DEFAULT_SCHEDULE,
    EXTENSION_MODES,
    NAV_MODES,
    UNREACHABLE_MODES,
    Settings,
    parse_github,
    parse_schedule,
)
from ..sync.config_refs import unset_env_connection
from .mermaid import MODES as MERMAID_MODES

_DOLLAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class SchemaSyncConfig(base.Config):
    enabled = c.Type(bool, default=True)
    connection = c.Optional(c.Type(str))
    connect_timeout = c.Type((int, float), default=10)
    query_timeout = c.Type((int, float), default=60)
    schemas = c.ListOfItems(c.Type(str), default=[])
    exclude = c.ListOfItems(c.Type(str), default=[])
    path = c.Type(str, default="schema")
    title = c.Type(str, default="Database schema")
    nav = c.Choice(NAV_MODES, default="index")
    descriptions = c.Optional(c.Type(str))
    templates = c.Optional(c.Type(str))
    snapshot = c.Type(str, default="schema.lock.json")
    on_unreachable = c.Choice(UNREACHABLE_MODES, default="snapshot")
    cache_ttl = c.Type((int, float), default=60)
    row_counts = c.Type(bool, default=True)
    er_max_tables = c.Type(int, default=50)
    extension_objects = c.Choice(EXTENSION_MODES, default="hide")
    drift_log = c.Type(bool, default=True)
    drift_limit = c.Type(int, default=200)
    watch_interval = c.Type((int, float), default=2)
    contracts = c.Optional(c.Type(str))
    fail_on_broken_contract = c.Optional(c.Type(bool))
    notify = c.ListOfItems(c.Type(dict), default=[])
    notify_timeout = c.Type((int, float), default=5)
    state_file = c.Type(str, default=".schema-sync-state.json")
    github = c.Optional(c.Type(dict))
    docs_url = c.Optional(c.Type(str))
    generate_out = c.Optional(c.Type(str))
    monitor_schedule = c.Type(str, default=DEFAULT_SCHEDULE)
    deploy = c.Type(dict, default={})
    show_connection = c.Type(bool, default=False)
    mermaid = c.Choice(MERMAID_MODES, default="bundled")  # a site option only: the core emits fences
    databases = c.Optional(c.Type(list))  # several databases (plugin/databases.py); None: `connection` alone


def settings_from_config(cfg: SchemaSyncConfig, config_file: str | Path) -> Settings:
    """Relative paths in the options start at mkdocs.yml's folder."""
    base_dir = Path(config_file).resolve().parent
    # a missing secret is a mistake, not an outage: whatever needs the connection says so (never a silent
    # build from the snapshot); a deploy to another target, which does not, goes on
    unset = unset_env_connection(Path(config_file), cfg.connection)
    settings = Settings(
        base_dir=base_dir,
        connection=cfg.connection or None,
        connection_error=unset,
        connect_timeout=cfg.connect_timeout,
        query_timeout=cfg.query_timeout,
        schemas=list(cfg.schemas),
        exclude=list(cfg.exclude),
        path=cfg.path,
        title=cfg.title,
        nav=cfg.nav,
        on_unreachable=cfg.on_unreachable,
        cache_ttl=cfg.cache_ttl,
        row_counts=cfg.row_counts,
        er_max_tables=cfg.er_max_tables,
        extension_objects=cfg.extension_objects,
        drift_log=cfg.drift_log,
        drift_limit=cfg.drift_limit,
        watch_interval=cfg.watch_interval,
        show_connection=cfg.show_connection,
    )
    settings.descriptions = settings.resolve(cfg.descriptions)
    settings.templates = settings.resolve(cfg.templates)
    settings.snapshot = settings.resolve(cfg.snapshot)
    _contract_settings(cfg, settings)
    settings.github = parse_github(cfg.github)
    settings.docs_url = cfg.docs_url.rstrip("/") if cfg.docs_url else None
    settings.generate_out = settings.resolve(cfg.generate_out)
    settings.monitor_schedule = parse_schedule(cfg.monitor_schedule)
    settings.deploy = dict(cfg.deploy)
    parse_deploy(settings.deploy)  # a mistake in `deploy` fails the build too, not only the deploy
    settings.check()
    return settings


def _webhooks(items: list[dict]) -> tuple[list[Webhook], str | None]:
    """The `notify` entries; one whose url comes from an unset variable is left out and named, not fatal here."""
    ready, missing = [], None
    for n, item in enumerate(items, start=1):
        url = item.get("url") if "url" in item else ""
        unset = url is None or (isinstance(url, str) and any(v not in os.environ for v in _DOLLAR.findall(url)))
        if unset:
            missing = missing or (
                f"notify entry {n}: its url comes from an environment variable that is not set "
                "(`!ENV` or `${VAR}`); set it (in CI: the repository secret) or remove the entry"
            )
            continue
        ready.append(item)
    return parse_webhooks(ready), missing


def _contract_settings(cfg: SchemaSyncConfig, settings: Settings) -> None:
    settings.contracts_explicit = cfg.contracts is not None
    settings.contracts = settings.resolve(cfg.contracts or DEFAULT_FILE)
    settings.fail_on_broken_contract = cfg.fail_on_broken_contract
    settings.notify, settings.notify_error = _webhooks(list(cfg.notify))
    settings.notify_timeout = cfg.notify_timeout
    settings.state_file = settings.resolve(cfg.state_file)
