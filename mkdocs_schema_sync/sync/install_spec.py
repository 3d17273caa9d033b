"""What the generated workflows pip-install: where this copy came from (PEP 610), or `--install`.

The package is not on PyPI yet, so the bare name would fail on the runner. The
installed distribution's `direct_url.json` says where it came from: a VCS URL
and commit become `mkdocs-schema-sync[extras] @ git+URL@COMMIT`; an archive
URL is used as is; a local folder or file (an editable checkout) cannot be
reached from a runner, so init-ci refuses and asks for `--install`. Without a
`direct_url.json` the copy came from an index: `mkdocs-schema-sync[extras]==VERSION`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import metadata

from ..errors import SchemaSyncError

DIST = "mkdocs-schema-sync"
_PLAIN = re.compile(r"^\s*mkdocs[-_.]schema[-_.]sync(\s*\[([^\]]*)\])?(.*)$", re.IGNORECASE)


@dataclass
class InstallSpec:
    spec: str  # one pip requirement, or the user's own `--install` text
    source: str  # where it came from, for the line init-ci prints


def _extras(extras: list[str]) -> str:
    return f"[{','.join(extras)}]" if extras else ""


def with_extras(spec: str, extras: list[str]) -> str:
    """Add `extras` to a requirement on this package (`-r file` and other packages stay as written)."""
    m = _PLAIN.match(spec)
    if not m or not extras:
        return spec
    have = [e.strip() for e in (m.group(2) or "").split(",") if e.strip()]
    merged = list(dict.fromkeys([*have, *extras]))
    return f"{DIST}{_extras(merged)}{m.group(3)}"


def from_direct_url(data: dict | None, version: str, extras: list[str]) -> InstallSpec:
    """The spec for a distribution whose `direct_url.json` is `data` (None: installed from an index)."""
    name = f"{DIST}{_extras(extras)}"
    if data is None:
        return InstallSpec(f"{name}=={version}", f"the package index (version {version})")
    url = str(data.get("url", ""))
    vcs = data.get("vcs_info")
    if url.startswith("file:") or (isinstance(data.get("dir_info"), dict)):
        raise SchemaSyncError(
            f"mkdocs-schema-sync is installed from a local folder or file ({url}), which a CI runner cannot "
            "install from: pass --install with a spec the runner can reach, e.g. "
            f"--install '{name} @ git+https://github.com/OWNER/REPO@COMMIT' or --install '-r requirements.txt'"
        )
    if isinstance(vcs, dict) and vcs.get("commit_id"):
        kind = str(vcs.get("vcs") or "git")
        base = url if url.startswith(f"{kind}+") else f"{kind}+{url}"
        return InstallSpec(f"{name} @ {base}@{vcs['commit_id']}", f"the {kind} repository it was installed from")
    return InstallSpec(f"{name} @ {url}", "the archive it was installed from")


def installed_spec(extras: list[str]) -> InstallSpec:
    """The spec for the copy of mkdocs-schema-sync this process runs."""
    try:
        dist = metadata.distribution(DIST)
    except metadata.PackageNotFoundError:
        raise SchemaSyncError("mkdocs-schema-sync is not installed as a package: pass --install") from None
    text = dist.read_text("direct_url.json")
    try:
        data = json.loads(text) if text else None
    except ValueError:
        data = None
    return from_direct_url(data if isinstance(data, dict) else None, dist.version, extras)


def choose(explicit: str | None, extras: list[str]) -> InstallSpec:
    """`--install` wins (the package's extras added when it names this package); else where we came from."""
    if explicit is not None:
        if not explicit.strip() or "\n" in explicit or "\r" in explicit:
            raise SchemaSyncError("--install must be one line, such as 'mkdocs-schema-sync[postgres] @ git+URL'")
        return InstallSpec(with_extras(explicit.strip(), extras), "--install")
    return installed_spec(extras)
