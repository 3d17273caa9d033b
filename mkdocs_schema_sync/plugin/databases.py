"""The `databases:` option: several databases in one site, each parsed into the same `Settings` as the
single-connection form (which stays the one-database case, with its page URLs unchanged).

Each entry has a `name` and any per-database option. Options set beside `databases:` are defaults for
every entry, except those that name one database's own things (its connection, snapshot, contracts,
descriptions, state file, generated pages, deploy folder): those belong in the entry, and each entry's
files default to names carrying the database's name (`schema.<name>.lock.json`, `contracts.<name>.yml`,
`.schema-sync-state.<name>.json`, migrations under `migrations/<name>/`, branch `schema-sync/<name>`), so
two databases never share a file or a branch.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..errors import SchemaSyncError
from ..settings import Settings, section_path
from ..sync.config_refs import unset_env_connection
from .config import SchemaSyncConfig, settings_from_config

#: options of the whole site: not allowed inside an entry
SITE_ONLY = ("enabled", "mermaid", "path", "nav", "databases", "monitor_schedule")
#: options of one database: not allowed beside `databases:` (a shared value would mix two databases)
DATABASE_ONLY = ("connection", "snapshot", "state_file", "contracts", "descriptions", "generate_out", "deploy")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
#: page names of the site's own pages beside the databases' folders
_RESERVED = {"index", "status", "architecture", "changes", "contracts", "er"}


def entry_defaults(name: str) -> dict[str, str]:
    """Each database's own files, named after it (relative to mkdocs.yml)."""
    return {
        "snapshot": f"schema.{name}.lock.json",
        "contracts": f"contracts.{name}.yml",
        "state_file": f".schema-sync-state.{name}.json",
    }


def check_name(raw: Any, where: str) -> str:
    if not isinstance(raw, str) or not _NAME.match(raw):
        raise SchemaSyncError(
            f"{where}: `name` must be lower-case letters, digits, `-` or `_` (starting with a letter or digit, "
            f"at most 63), such as `warehouse`; it names the pages' folder and the branch; not {raw!r}"
        )
    if raw in _RESERVED:
        raise SchemaSyncError(f"{where}: `name` {raw!r} is taken by a page of the site; choose another")
    return raw


def parse_databases(raw_options: dict[str, Any], top: SchemaSyncConfig, config_file: str | Path) -> list[Settings]:
    """Every entry of `databases:` as `Settings` (pages under `<path>/<name>/`), checked and unique."""
    entries = raw_options.get("databases")
    if not isinstance(entries, list) or not entries:
        raise SchemaSyncError("option `databases` must be a list of mappings, each with a `name` and a `connection`")
    for key in DATABASE_ONLY:
        if key in raw_options:
            raise SchemaSyncError(
                f"option `{key}` belongs to one database: with `databases:`, set it inside each entry"
            )
    root = section_path(top.path)
    inherited = {k: v for k, v in raw_options.items() if k not in SITE_ONLY and k not in DATABASE_ONLY}
    out: list[Settings] = []
    names: set[str] = set()
    for i, entry in enumerate(entries):
        where = f"databases[{i}]"
        if not isinstance(entry, dict):
            raise SchemaSyncError(f"{where} must be a mapping such as {{name: warehouse, connection: …}}")
        name = check_name(entry.get("name"), where)
        if name in names:
            raise SchemaSyncError(f"{where}: two databases are named {name!r}; each needs its own name")
        names.add(name)
        where = f"databases[{i}] ({name})"
        misplaced = sorted(k for k in entry if k in SITE_ONLY)
        if misplaced:
            raise SchemaSyncError(f"{where}: option `{misplaced[0]}` is for the whole site: set it beside `databases`")
        options = {**inherited, **entry_defaults(name), **{k: v for k, v in entry.items() if k != "name"}}
        options["title"] = entry.get("title", name)
        if isinstance(options.get("deploy", {}), dict):  # each database's own SQL files
            options["deploy"] = {"migrations": f"migrations/{name}", **options.get("deploy", {})}
        options["github"] = _github(raw_options.get("github"), entry.get("github"), name, where)
        if "docs_url" not in entry and isinstance(top.docs_url, str) and top.docs_url:
            options["docs_url"] = f"{top.docs_url.rstrip('/')}/{root}/{name}/"
        options["path"] = f"{root}/{name}"
        options["nav"] = top.nav
        settings = _settings(options, config_file, where, name)
        settings.contracts_explicit = "contracts" in entry  # the default file may be missing: no contracts
        settings.connection_error = unset_env_connection(Path(config_file), settings.connection, i)
        out.append(settings)
    _check_unique(out)
    return out


def _github(top: Any, own: Any, name: str, where: str) -> Any:
    """The site's `github:` with the entry's keys over it; the branch is `schema-sync/<name>` unless set."""
    if own is not None and not isinstance(own, dict):
        raise SchemaSyncError(f"{where}: `github` must be a mapping such as {{repository: owner/name}}")
    if top is None and own is None:
        return None
    merged = {**(top if isinstance(top, dict) else {}), **(own or {})}
    if not (own or {}).get("branch"):
        merged["branch"] = f"schema-sync/{name}"
    return merged


def _settings(options: dict[str, Any], config_file: str | Path, where: str, name: str) -> Settings:
    cfg = SchemaSyncConfig(config_file_path=str(config_file))
    cfg.load_dict(options)
    errors, warnings = cfg.validate()
    schema_keys = {k for k, _ in SchemaSyncConfig._schema}
    known = sorted(schema_keys - set(SITE_ONLY))
    for key, _warning in warnings:
        if key not in schema_keys:
            raise SchemaSyncError(f"{where}: unknown option {key!r}; known options: name, {', '.join(known)}")
    if errors:
        key, error = errors[0]
        raise SchemaSyncError(f"{where}: option `{key}`: {error}")
    try:
        settings = settings_from_config(cfg, config_file)
    except SchemaSyncError as exc:
        raise SchemaSyncError(f"{where}: {exc.message}") from None
    settings.name = name
    return settings


def _check_unique(databases: list[Settings]) -> None:
    """Two databases writing one snapshot, drift log, state file or branch would overwrite each other."""
    seen: dict[tuple[str, str], str | None] = {}
    for s in databases:
        keys = [(opt, str(p)) for opt in ("snapshot", "state_file", "generate_out") if (p := getattr(s, opt))]
        if s.github is not None and s.github.branch:
            keys.append(("github branch", s.github.branch))
        for opt, value in keys:
            other = seen.setdefault((opt, value), s.name)
            if other != s.name:
                raise SchemaSyncError(f"databases: {other!r} and {s.name!r} have the same {opt} {value!r}")
