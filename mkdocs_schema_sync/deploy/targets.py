"""The `deploy` option: where migration files live and which databases (targets) they go to.

    deploy:
      migrations: migrations            # folder of NNN_description.sql (default: migrations)
      lock_wait: 0                      # seconds to wait for another deploy's lock
      timeout: 0                        # seconds one statement may run (0, the default: no bound)
      targets:
        staging: !ENV SCHEMA_SYNC_STAGING
        production: postgresql://deploy:${PROD_DB_PASSWORD}@db.example/scout

A target's connection takes `!ENV` (MkDocs) and `${VAR}` (expanded when it is
opened, the value registered as a secret). Without `--target` a deploy goes to
the plugin's own `connection`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import SchemaSyncError

_KEYS = ("migrations", "lock_wait", "timeout", "targets")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")


@dataclass
class DeployConfig:
    migrations: str = "migrations"
    lock_wait: float = 0.0
    timeout: float | None = None  # None: a statement runs as long as it needs
    targets: dict[str, str | None] = field(default_factory=dict)


def parse_deploy(raw: Any) -> DeployConfig:
    """Validate the option; every mistake is one line naming the key and what to write instead."""
    if raw is None:
        return DeployConfig()
    if not isinstance(raw, dict):
        raise SchemaSyncError("schema-sync option `deploy` must be a mapping with `migrations` and `targets`")
    unknown = sorted(set(map(str, raw)) - set(_KEYS))
    if unknown:
        raise SchemaSyncError(
            f"schema-sync option `deploy` has unknown key(s) {', '.join(unknown)}; known: {', '.join(_KEYS)} "
            "(targets go under `targets:`)"
        )
    cfg = DeployConfig()
    migrations = raw.get("migrations", cfg.migrations)
    if not isinstance(migrations, str) or not migrations.strip():
        raise SchemaSyncError("`deploy.migrations` must be a folder name, e.g. `migrations`")
    cfg.migrations = migrations.strip()
    cfg.lock_wait = _seconds(raw, "lock_wait")
    cfg.timeout = _seconds(raw, "timeout") or None
    targets = raw.get("targets") or {}
    if not isinstance(targets, dict):
        raise SchemaSyncError("`deploy.targets` must map names to connections, e.g. `staging: !ENV STAGING_DB`")
    for name, value in targets.items():
        if not isinstance(name, str) or not _NAME.match(name):
            raise SchemaSyncError(f"`deploy.targets`: {name!r} is not a target name (letters, digits, - _ .)")
        if value is not None and not isinstance(value, str):
            raise SchemaSyncError(f"`deploy.targets.{name}` must be a connection string (or !ENV VAR)")
        cfg.targets[name] = value.strip() if isinstance(value, str) and value.strip() else None
    return cfg


def _seconds(raw: dict[str, Any], key: str) -> float:
    value = raw.get(key, 0)
    if value is None:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise SchemaSyncError(f"`deploy.{key}` must be a number of seconds (0 or more), not {value!r}")
    if value > 31_536_000:
        raise SchemaSyncError(f"`deploy.{key}` is more than a year ({value!r} s): write 0 for no bound")
    return float(value)


def target_connection(cfg: DeployConfig, name: str | None, default: str | None) -> str:
    """The connection of target `name`, or the plugin's own `connection` without one."""
    if name is None:
        if not default:
            raise SchemaSyncError("no `connection` is set for schema-sync: pass --target NAME or set `connection`")
        return default
    if name not in cfg.targets:
        known = ", ".join(sorted(cfg.targets)) or "none configured"
        raise SchemaSyncError(f"unknown deploy target {name!r} (known: {known}); add it under `deploy.targets`")
    value = cfg.targets[name]
    if not value:
        raise SchemaSyncError(
            f"deploy target {name!r} has no connection (an `!ENV` variable that is not set?): "
            "set it in the environment or in mkdocs.yml"
        )
    return value


def migrations_folder(cfg: DeployConfig, base_dir: Path) -> Path:
    path = Path(cfg.migrations)
    return path if path.is_absolute() else base_dir / path
