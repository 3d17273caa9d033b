"""The `mermaid` option: the pinned Mermaid shipped in the package, written into the built site (not docs/)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from conftest import ROOT, make_sqlite, mkdocs_build, write_site

from mkdocs_schema_sync.plugin import mermaid

MATERIAL = """theme:
  name: material
markdown_extensions:
  - pymdownx.superfences:
      custom_fences:
        - name: mermaid
          class: mermaid
          format: !!python/name:pymdownx.superfences.fence_code_format
"""


def site_with(tmp_path: Path, options: str = "", extra_yaml: str = MATERIAL, plugins_before: str = "") -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    db = make_sqlite(tmp_path / "s.db", "CREATE TABLE a (id INTEGER PRIMARY KEY);")
    site = write_site(tmp_path / "site", f"connection: sqlite:///{db}\n{options}", extra_yaml=extra_yaml)
    if plugins_before:
        yml = site.root / "mkdocs.yml"
        yml.write_text(yml.read_text().replace("plugins:\n", f"plugins:\n{plugins_before}"), encoding="utf-8")
    result = mkdocs_build(site)
    assert result.returncode == 0, result.stderr
    return site.site_dir


def scripts(page: Path) -> list[str]:
    return re.findall(r'<script src="([^"]+)"', page.read_text(encoding="utf-8"))


def test_pinned_version_is_the_one_tests_js_checks() -> None:
    package = json.loads((ROOT / "tests/js/package.json").read_text(encoding="utf-8"))
    assert package["dependencies"]["mermaid"] == mermaid.MERMAID_VERSION
    script = (mermaid.PACKAGE_ASSETS / "mermaid.min.js").read_text(encoding="utf-8")
    assert f'version:"{mermaid.MERMAID_VERSION}"' in script
    assert "MIT License" in (mermaid.PACKAGE_ASSETS / "mermaid.LICENSE").read_text(encoding="utf-8")


def test_bundled_by_default_into_the_site_not_docs(tmp_path: Path) -> None:
    site = site_with(tmp_path)
    asset = site / mermaid.SCRIPT
    assert asset.read_bytes() == (mermaid.PACKAGE_ASSETS / "mermaid.min.js").read_bytes()
    assert (site / mermaid.LICENSE).is_file()
    assert not (tmp_path / "site" / "docs" / "assets").exists()
    assert "../../../assets/schema-sync/mermaid.min.js" in scripts(site / "schema/main/a/index.html")
    assert "assets/schema-sync/mermaid.min.js" in scripts(site / "index.html")


def test_cdn_pins_the_same_version_and_none_adds_nothing(tmp_path: Path) -> None:
    site = site_with(tmp_path / "cdn", "mermaid: cdn")
    assert mermaid.CDN in scripts(site / "schema/main/a/index.html")
    assert not (site / mermaid.SCRIPT).exists()
    site = site_with(tmp_path / "none", "mermaid: none")
    assert not any("mermaid" in s for s in scripts(site / "schema/main/a/index.html"))
    assert not (site / mermaid.SCRIPT).exists()
    # the diagrams' scroll box is ours in every mode (tests/test_browser_diagrams.py measures it)
    assert sorted(p.name for p in (site / "assets/schema-sync").iterdir()) == ["schema-sync.css"]
    assert "assets/schema-sync/schema-sync.css" in (site / "schema/main/a/index.html").read_text(encoding="utf-8")


def test_a_site_that_loads_its_own_mermaid_keeps_it(tmp_path: Path) -> None:
    site = site_with(tmp_path, extra_yaml=MATERIAL + "extra_javascript:\n  - https://example.org/mermaid.js\n")
    found = [s for s in scripts(site / "schema/main/a/index.html") if "mermaid" in s]
    assert found == ["https://example.org/mermaid.js"]


def test_mermaid2_listed_first_still_uses_the_bundled_copy(tmp_path: Path) -> None:
    """mkdocs-mermaid2-plugin decides in its on_config; ours runs first (event priority) to be seen."""
    site = site_with(tmp_path, plugins_before="  - mermaid2\n", extra_yaml="theme:\n  name: mkdocs\n")
    html = (site / "schema/main/a/index.html").read_text(encoding="utf-8")
    assert "../../../assets/schema-sync/mermaid.min.js" in scripts(site / "schema/main/a/index.html")
    assert "unpkg.com" not in html and "mermaid.initialize(" in html


def test_a_bad_value_is_one_clear_line(tmp_path: Path) -> None:
    db = make_sqlite(tmp_path / "s.db", "CREATE TABLE a (id INTEGER PRIMARY KEY);")
    site = write_site(tmp_path / "site", f"connection: sqlite:///{db}\nmermaid: offline")
    result = mkdocs_build(site)
    assert result.returncode != 0
    assert "mermaid" in result.stderr and "bundled" in result.stderr and "Traceback" not in result.stderr
