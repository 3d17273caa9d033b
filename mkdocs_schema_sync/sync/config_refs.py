"""The schema-sync options as written in mkdocs.yml, before MkDocs resolves `!ENV`.

MkDocs replaces `!ENV VAR` with the variable's value (None when unset), so the
loaded settings cannot tell which environment variables a workflow must set, nor
an unset `!ENV VAR` from an explicit `!ENV [VAR, null]`. This reads the file a
second time with `!ENV` kept as an `EnvRef` and every other tag ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..errors import SchemaSyncError

PLUGIN = "schema-sync"
_VAR = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_DOLLAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class EnvRef:
    """`!ENV VAR` (names=[VAR], no default) or `!ENV [A, B, default]`."""

    names: tuple[str, ...]
    default: Any = None
    has_default: bool = False


class _Loader(yaml.SafeLoader):
    pass


def _env(loader: yaml.SafeLoader, node: yaml.Node) -> EnvRef:
    if isinstance(node, yaml.ScalarNode):
        return EnvRef((str(loader.construct_scalar(node)),))
    if isinstance(node, yaml.SequenceNode):
        items = list(node.value)
        default, has_default = None, False
        if len(items) > 1:  # pyyaml_env_tag: the last item is the default
            default, has_default = loader.construct_object(items[-1]), True
            items = items[:-1]
        return EnvRef(tuple(str(loader.construct_scalar(i)) for i in items), default, has_default)  # type: ignore[arg-type]
    return EnvRef(())


def _ignore(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> None:
    return None


_Loader.add_constructor("!ENV", _env)
_Loader.add_multi_constructor("!", _ignore)
_Loader.add_multi_constructor("tag:yaml.org,2002:python/", _ignore)


def raw_plugin_options(config_file: Path) -> dict[str, Any]:
    """The `schema-sync` plugin's mapping as written (`{}` when absent or unreadable as plain YAML)."""
    try:
        data = yaml.load(config_file.read_text(encoding="utf-8-sig"), Loader=_Loader)
    except (OSError, yaml.YAMLError):
        return {}
    plugins = data.get("plugins") if isinstance(data, dict) else None
    entries: list[tuple[Any, Any]] = []
    if isinstance(plugins, dict):
        entries = list(plugins.items())
    elif isinstance(plugins, list):
        for p in plugins:
            if isinstance(p, str):
                entries.append((p, None))
            elif isinstance(p, dict):
                entries += list(p.items())
    for name, options in entries:
        if name == PLUGIN:
            return options if isinstance(options, dict) else {}
    return {}


def env_names(value: Any) -> list[str]:
    """Environment variables a value reads: `!ENV` names and `${VAR}` inside strings, nested anywhere."""
    out: list[str] = []
    if isinstance(value, EnvRef):
        out += value.names
        if isinstance(value.default, str):
            out += _DOLLAR.findall(value.default)
    elif isinstance(value, str):
        out += _DOLLAR.findall(value)
    elif isinstance(value, dict):
        for v in value.values():
            out += env_names(v)
    elif isinstance(value, list):
        for v in value:
            out += env_names(v)
    return list(dict.fromkeys(out))


def check_secret_name(name: str, where: str) -> str:
    """A name GitHub accepts as a repository secret (and as an environment variable)."""
    if not _VAR.match(name) or name.upper().startswith("GITHUB_"):
        raise SchemaSyncError(
            f"{where} reads the environment variable {name!r}, which cannot be a GitHub secret "
            "(letters, digits and _, not starting with a digit or GITHUB_)"
        )
    return name


def unset_env_connection(config_file: Path, value: str | None, database: int | None = None) -> str | None:
    """The message for a `connection: !ENV VAR` whose variables are all unset or empty; None when fine.

    `!ENV [VAR, null]` (an explicit default, even null) opts into building from the snapshot.
    `database`: the index of a `databases:` entry, whose own `connection` is meant.
    """
    if value:
        return None
    raw = raw_plugin_options(config_file)
    if database is not None:
        entries = raw.get("databases")
        raw = entries[database] if isinstance(entries, list) and database < len(entries) else {}
        raw = raw if isinstance(raw, dict) else {}
    ref = raw.get("connection")
    if not isinstance(ref, EnvRef) or ref.has_default or not ref.names:
        return None
    names = " or ".join(ref.names)
    return (
        f"connection: the environment variable {names} is not set or empty (`!ENV` in {config_file.name}); "
        f"set it (in CI: the repository secret), or write `!ENV [{ref.names[0]}, null]` to build from the snapshot"
    )
