"""Mermaid for the generated diagrams, offline by default (option `mermaid`).

Material renders ```` ```mermaid ```` blocks with a global `mermaid` when the page has one and
otherwise fetches Mermaid from a CDN when the page is viewed; mkdocs-mermaid2-plugin uses the first
`extra_javascript` entry whose file name holds "mermaid" instead of its CDN import. So one
`extra_javascript` entry serves both:

- `bundled` (default): the pinned copy shipped in this package (`assets/`, MIT, license beside it)
  is written into the built site under `assets/schema-sync/`; diagrams render with no network.
- `cdn`: the same pinned version from jsDelivr.
- `none`: nothing added; the theme or another plugin loads Mermaid as it would without us.

A site whose `extra_javascript` already names a Mermaid script keeps it and gets nothing from us.
`make mermaid-asset` refreshes the copy from npm (the version tests/js pins) and the version below.
"""

from __future__ import annotations

import posixpath
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File

MERMAID_VERSION = "11.17.2"
MODES = ("bundled", "cdn", "none")
PACKAGE_ASSETS = Path(__file__).resolve().parent.parent / "assets"
SITE_DIR = "assets/schema-sync"
SCRIPT = f"{SITE_DIR}/mermaid.min.js"
LICENSE = f"{SITE_DIR}/mermaid.LICENSE.txt"
CDN = f"https://cdn.jsdelivr.net/npm/mermaid@{MERMAID_VERSION}/dist/mermaid.min.js"
#: the scroll box of ER diagrams drawn at their own size (render/mermaid.py), added in every mode
STYLE = f"{SITE_DIR}/schema-sync.css"


def has_mermaid_script(config: MkDocsConfig) -> bool:
    """True when `extra_javascript` already loads a Mermaid (the rule mkdocs-mermaid2-plugin uses)."""
    return any(
        "mermaid" in posixpath.splitext(posixpath.basename(str(js)))[0].lower() for js in config.extra_javascript
    )


def add_script(config: MkDocsConfig, mode: str) -> str | None:
    """Put our Mermaid into `extra_javascript` (before other plugins read it); the URL added, if any."""
    if mode == "none" or has_mermaid_script(config):
        return None
    url = SCRIPT if mode == "bundled" else CDN
    config.extra_javascript.append(url)
    return url


def add_style(config: MkDocsConfig) -> None:
    """Our stylesheet in `extra_css`, whatever the `mermaid` mode: the diagrams are ours in every mode."""
    if STYLE not in [str(css) for css in config.extra_css]:
        config.extra_css.append(STYLE)


def style_file(config: MkDocsConfig) -> File:
    return File.generated(config, STYLE, abs_src_path=str(PACKAGE_ASSETS / "schema-sync.css"))


def asset_files(config: MkDocsConfig) -> list[File]:
    """The bundled script and its license, copied from the package into the built site (never into docs/)."""
    return [
        File.generated(config, SCRIPT, abs_src_path=str(PACKAGE_ASSETS / "mermaid.min.js")),
        File.generated(config, LICENSE, abs_src_path=str(PACKAGE_ASSETS / "mermaid.LICENSE")),
    ]
