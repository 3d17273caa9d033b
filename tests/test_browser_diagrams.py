"""ER diagrams stay readable at real sizes: the text of the rendered SVG, measured in headless Chromium on a
1400-pixel-wide page, is at least 12 px at 10, 50 and 200 tables (issue 22 item 3).

Before: Mermaid shrank the diagram to the page's width (`useMaxWidth`), 5.5 px at 10 tables, 1.6 px at 50,
1.5 px at 200 (the overview draws the 50 most connected). Now it is drawn at its own size in a scroll box.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from browser import OPEN_SHADOW_ROOTS, serve
from conftest import make_sqlite, mkdocs_build, write_site

pytestmark = pytest.mark.browser

MATERIAL = """  font: false
markdown_extensions:
  - pymdownx.superfences:
      custom_fences:
        - name: mermaid
          class: mermaid
          format: !!python/name:pymdownx.superfences.fence_code_format
"""
# The rendered size of the diagram's label text: computed font size × the SVG's scale on the page.
MEASURE = """() => {
    const host = document.querySelector('.schema-sync-er + *');
    const el = host.matches('.mermaid') ? host : host.querySelector('.mermaid');
    const root = el.shadowRoot || el;
    const svg = root.querySelector('svg');
    const box = svg.getBoundingClientRect();
    const scale = box.width / svg.viewBox.baseVal.width;
    const sizes = [...root.querySelectorAll('svg span, svg text, svg p')]
        .filter(e => e.textContent.trim() && !e.querySelector('span, p, tspan'))
        .map(e => parseFloat(getComputedStyle(e).fontSize) * scale)
        .sort((a, b) => a - b);
    return {median: sizes[Math.floor(sizes.length / 2)], labels: sizes.length, width: box.width,
            overflow: getComputedStyle(host).overflow, scrolls: host.scrollWidth > host.clientWidth};
}"""


def schema(n: int) -> str:
    """`n` tables in a tree of foreign keys, a few columns each."""
    out = []
    for i in range(n):
        fk = f", parent_id INTEGER REFERENCES t{(i - 1) // 2:03d} (id)" if i else ""
        out.append(f"CREATE TABLE t{i:03d} (id INTEGER PRIMARY KEY, name TEXT NOT NULL, at TEXT{fk});")
    return "\n".join(out)


def measure(browser: Any, site_dir: Path) -> dict[str, Any]:
    with serve(site_dir) as base:
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        context.add_init_script(OPEN_SHADOW_ROOTS)
        try:
            page = context.new_page()
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base) else r.abort())
            page.goto(base + "schema/main/er/", wait_until="load")
            page.wait_for_function(
                "() => { const h = document.querySelector('.mermaid');"
                " return h && ((h.shadowRoot && h.shadowRoot.querySelector('svg')) || h.querySelector('svg')); }",
                timeout=60_000,
            )
            return page.evaluate(MEASURE)
        finally:
            context.close()


@pytest.mark.parametrize("tables", [10, 50, 200])
def test_overview_text_stays_readable(browser: Any, tmp_path: Path, tables: int) -> None:
    db = make_sqlite(tmp_path / "s.db", schema(tables))
    site = write_site(tmp_path / "site", f"connection: sqlite:///{db}", theme="material", extra_yaml=MATERIAL)
    built = mkdocs_build(site)
    assert built.returncode == 0, built.stderr
    found = measure(browser, site.site_dir)
    print(f"{tables} tables: median label {found['median']:.1f} px over {found['labels']} labels")
    assert found["labels"] >= min(tables, 50), found
    assert found["median"] >= 12, found
    assert found["overflow"] == "auto", found  # a scroll box, not a diagram shrunk to the page
    if tables >= 50:
        assert found["scrolls"], found


@pytest.mark.parametrize("theme", ["material", "mkdocs"])
def test_a_schema_named_after_every_mermaid_keyword_draws_offline(
    browser_profile: Any, tmp_path: Path, theme: str
) -> None:
    """Tables, columns, types and FK names spelled as every word of the bundled Mermaid's ER lexer (issue 22 item 1)."""
    from browser import open_site
    from mermaid_keywords import er_keywords, keyword_schema

    db = make_sqlite(tmp_path / "k.db", keyword_schema())
    extra = MATERIAL if theme == "material" else "  highlightjs: false\n"
    options = f"connection: sqlite:///{db}"
    site = write_site(tmp_path / "site", options, theme=theme, extra_yaml=extra)
    if theme == "mkdocs":  # diagrams through mkdocs-mermaid2-plugin
        yml = site.root / "mkdocs.yml"
        yml.write_text(yml.read_text(encoding="utf-8").replace("plugins:\n", "plugins:\n  - mermaid2\n"), "utf-8")
    built = mkdocs_build(site)
    assert built.returncode == 0, built.stderr
    reports = [r for r in open_site(browser_profile, site.site_dir) if r.mermaid_blocks]
    drawn = [m for r in reports for m in r.mermaid]
    assert len(drawn) >= len(er_keywords()) + 1, len(drawn)  # every table page and the overview
    bad = [(r.url, m["text"][:80]) for r in reports for m in r.mermaid if not m["svg"] or "Syntax error" in m["text"]]
    assert bad == []
    assert all(r.external == [] for r in reports)  # offline: Mermaid is the bundled copy
