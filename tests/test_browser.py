"""Built sites in a real browser (headless Chromium, no network): database text never runs as script.

Sites are built once per module: the example site, and a hostile schema (tests/hostile_names.py) with
the `mkdocs` theme (diagrams through mkdocs-mermaid2-plugin) and Material (its native Mermaid), in each
nav mode (`index`, `full`, and `full` added to a hand-written `nav:`); on PostgreSQL the schema names
are hostile too. Every page of every site is opened once; the tests below look at what it did.
"""

from __future__ import annotations

import html
import re
import shutil
import textwrap
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hostile_names as H
import pytest
from browser import PageReport, open_site, serve
from conftest import (
    EXAMPLE,
    PG_HOST,
    PG_PORT,
    PG_SUPERUSER,
    ServerDB,
    _pg_admin,
    cli,
    make_sqlite,
    pg_execute,
    run,
    tool,
)

pytestmark = pytest.mark.browser

THEMES = {
    "material": """
        theme:
          name: material
          font: false
          features: [navigation.footer]
        markdown_extensions:
          - attr_list
          - toc:
              permalink: true
          - pymdownx.superfences:
              custom_fences:
                - name: mermaid
                  class: mermaid
                  format: !!python/name:pymdownx.superfences.fence_code_format
        plugins:
          - search
        """,
    "mkdocs": """
        theme:
          name: mkdocs
          highlightjs: false
        markdown_extensions:
          - attr_list
          - toc:
              permalink: true
        plugins:
          - search
          - mermaid2
        """,
}
NAVS = {"index": ("index", ""), "full": ("full", ""), "handnav": ("full", "nav:\n  - Home: index.md\n")}
CONTRACTS = f"""
contracts:
  - name: hostile-contract
    owner: Data team
    protects:
      - table: {H.lit(H.IMG)}
        columns:
          {H.lit(H.COLUMNS[0])}: {{type: integer, nullable: false}}
      - table: {H.lit(H.SVG)}
        columns:
          {H.lit(H.COLUMNS[1] + "gone")}: {{}}
"""


@dataclass
class Built:
    name: str
    site_dir: Path
    reports: list[PageReport]


def write_config(root: Path, name: str, theme: str, nav: str, options: str) -> Path:
    mode, user_nav = NAVS[nav]
    body = textwrap.dedent(THEMES[theme]).strip()
    plugin = textwrap.indent(f"- schema-sync:\n    nav: {mode}\n" + textwrap.indent(options.strip(), "    "), "  ")
    path = root / f"{name}.yml"
    path.write_text(f"site_name: T\n{user_nav}{body}\n{plugin}\n", encoding="utf-8")
    return path


class Sites:
    """Variants of one project, each built and opened in the browser at most once per module."""

    def __init__(self, profile: Any, root: Path, options: str) -> None:
        self.profile, self.root, self.options = profile, root, options
        self._built: dict[str, Path] = {}
        self._opened: dict[str, Built] = {}

    def build(self, theme: str, nav: str) -> Path:
        name = f"{theme}-{nav}"
        if name not in self._built:
            config = write_config(self.root, name, theme, nav, self.options)
            site_dir = self.root / f"site-{name}"
            result = run([tool("mkdocs"), "build", "-f", str(config), "--site-dir", str(site_dir)], self.root)
            assert result.returncode == 0, result.stderr
            self._built[name] = site_dir
        return self._built[name]

    def opened(self, theme: str, nav: str) -> Built:
        name = f"{theme}-{nav}"
        if name not in self._opened:
            site_dir = self.build(theme, nav)
            self._opened[name] = Built(name, site_dir, open_site(self.profile, site_dir))
        return self._opened[name]


@pytest.fixture(scope="module")
def hostile_sites(browser_profile: Any, tmp_path_factory: pytest.TempPathFactory) -> Sites:
    """A SQLite database of hostile names, a contract on them, and a drift log that names them."""
    root = tmp_path_factory.mktemp("hostile-browser")
    (root / "docs").mkdir()
    (root / "docs" / "index.md").write_text("# Home\n\nSee the [schema](schema/index.md).\n", encoding="utf-8")
    (root / "contracts.yml").write_text(CONTRACTS, encoding="utf-8")
    db = make_sqlite(root / "hostile.db", H.sqlite_script())
    sites = Sites(browser_profile, root, "connection: sqlite:///hostile.db")
    base = write_config(root, "base", "mkdocs", "index", sites.options)
    result = cli("-f", str(base), "monitor", "--once", cwd=root)  # the baseline of the drift log
    assert result.returncode == 0, result.stderr
    make_sqlite(db, f"CREATE TABLE {H.q(H.IFRAME + '2')} (id INTEGER PRIMARY KEY, {H.q(H.COLUMNS[2])} TEXT);")
    return sites


VARIANTS = [(theme, nav) for theme in THEMES for nav in NAVS]


@pytest.fixture(scope="module", params=VARIANTS, ids=[f"{t}-{n}" for t, n in VARIANTS])
def hostile_site(request: pytest.FixtureRequest, hostile_sites: Sites) -> Built:
    return hostile_sites.opened(*request.param)


def problems(built: Built, what: str) -> list[str]:
    return [f"{r.url}: {p}" for r in built.reports for p in getattr(r, what)]


def test_hostile_schema_runs_no_script_on_any_page(hostile_site: Built) -> None:
    generated = [r for r in hostile_site.reports if r.url.startswith("schema/")]
    assert len(generated) >= len(H.TABLES) + 6  # tables, view, index, schema, ER, architecture, changes, contracts
    assert any(r.url.startswith("schema/changes/") for r in generated)
    assert any(r.url.startswith("schema/contracts/") for r in generated)
    assert problems(hostile_site, "injected") == []


def test_hostile_pages_log_no_console_error(hostile_site: Built) -> None:
    assert problems(hostile_site, "console_errors") == []


def test_hostile_pages_need_no_network(hostile_site: Built) -> None:
    """Fonts, highlight.js and Mermaid all come from the site itself (mermaid: bundled is the default)."""
    assert problems(hostile_site, "external") == []


def unrendered(built: Built) -> list[str]:
    """Diagrams that did not become an SVG, or became Mermaid's "Syntax error" picture."""
    out = []
    for r in built.reports:
        if len(r.mermaid) != r.mermaid_blocks:
            out.append(f"{r.url}: {r.mermaid_blocks} blocks in the HTML, {len(r.mermaid)} on the page")
        out += [f"{r.url}: {m['text'][:120]}" for m in r.mermaid if not m["svg"] or "Syntax error" in m["text"]]
    return out


def test_every_hostile_diagram_is_an_svg(hostile_site: Built) -> None:
    assert sum(r.mermaid_blocks for r in hostile_site.reports) >= len(H.TABLES) + 2  # tables, ER, architecture
    assert unrendered(hostile_site) == []


def test_every_internal_link_of_hostile_pages_resolves(hostile_site: Built) -> None:
    assert sum(len(r.links) for r in hostile_site.reports) > 100
    assert problems(hostile_site, "broken_links") == []


def flat(text: str) -> str:
    return " ".join(text.split())


def test_titles_and_nav_labels_show_the_literal_names(hostile_site: Built, browser: Any) -> None:
    """The reader sees the name itself in <title>, the nav, the header, the toc and prev/next links."""
    img_page = next(r for r in hostile_site.reports if "-img-src-x-onerror" in r.url and "/v" not in r.url)
    assert img_page.title == f"{H.IMG} - T"
    with serve(hostile_site.site_dir) as base:
        context = browser.new_context(java_script_enabled=False)
        page = context.new_page()
        page.goto(base + img_page.url)
        body = flat(page.inner_text("body"))
        assert body.count(H.IMG) >= 2, body[:500]  # the heading and the toc (Material: also the header)
        assert "&lt;" not in body and "&#" not in body, "a title was escaped twice"
        if hostile_site.name.startswith("material"):
            assert flat(page.inner_text(".md-header__topic:last-child")) == H.IMG
        if not hostile_site.name.endswith("-index"):  # table pages are in the nav, prev/next name them
            nav = flat(page.text_content("nav.md-nav--primary" if "material" in hostile_site.name else ".navbar"))
            assert H.TITLE in nav and flat(H.NEWLINE) in nav, nav[:500]
        if hostile_site.name.startswith("material") and not hostile_site.name.endswith("-index"):
            footer = flat(page.inner_text("footer"))
            assert any(name in footer for name in (H.SVG, H.TITLE, H.IFRAME, flat(H.NEWLINE))), footer
            labels = page.eval_on_selector_all(".md-footer__link", "els => els.map(e => e.getAttribute('aria-label'))")
            assert labels and not any("&lt;" in label or "&amp;" in label for label in labels), labels
        context.close()


def search_results(browser: Any, base: str, theme: str, query: str) -> tuple[str, list[str]]:
    """Type `query` into the theme's search box; the text of the results and anything injected."""
    context = browser.new_context()
    page = context.new_page()
    page.on("dialog", lambda d: d.dismiss())
    page.goto(base)
    if theme == "material":
        page.click("input[data-md-component='search-query']")
        page.keyboard.type(query)
        page.wait_for_selector(".md-search-result__item", timeout=15000)
        text = page.inner_text(".md-search-result")
    else:
        page.click("a[data-bs-target='#mkdocs_search_modal']")
        page.click("#mkdocs-search-query")
        page.keyboard.type(query)
        page.wait_for_selector("#mkdocs-search-results article", timeout=15000)
        text = page.inner_text("#mkdocs-search-results")
    page.wait_for_timeout(200)
    injected = page.evaluate("() => window.__pwned")
    context.close()
    return flat(text), [str(injected)] if injected is not None else []


@pytest.mark.parametrize("theme", list(THEMES))
def test_search_results_show_names_as_text(theme: str, browser: Any, hostile_sites: Sites) -> None:
    with serve(hostile_sites.build(theme, "index")) as base:
        text, injected = search_results(browser, base, theme, "rows")  # every table page says "… rows"
    assert injected == []
    assert H.TITLE in text and H.SVG in text, text[:800]
    assert not re.search(r"&(lt|gt|amp|quot|#\d+);", text), text[:800]


@pytest.fixture(scope="module", params=["material", "material+mermaid2"])
def example_site(
    request: pytest.FixtureRequest, browser_profile: Any, tmp_path_factory: pytest.TempPathFactory
) -> Built:
    """example-site/ as `make demo` builds it (Material's own Mermaid, `mermaid` option at its default), and
    the same with mkdocs-mermaid2-plugin's set-up for Material (its custom fence and loader)."""
    root = tmp_path_factory.mktemp("example-browser") / "example"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("site", "scout.db", "schema.drift.json"))
    make_sqlite(root / "scout.db", (EXAMPLE / "scout.sql").read_text(encoding="utf-8"))
    if request.param == "material+mermaid2":
        yml = root / "mkdocs.yml"
        text = yml.read_text(encoding="utf-8").replace("  - search\n", "  - search\n  - mermaid2\n")
        text = text.replace("pymdownx.superfences.fence_code_format", "mermaid2.fence_mermaid_custom")
        yml.write_text(text, encoding="utf-8")
    result = run([tool("mkdocs"), "build", "--strict", "--site-dir", "site"], root)
    assert result.returncode == 0, result.stderr
    return Built(request.param, root / "site", open_site(browser_profile, root / "site"))


def test_example_site_diagrams_render_with_no_network(example_site: Built) -> None:
    """Every request outside 127.0.0.1 is refused: the ER diagrams still become SVGs, nothing was asked for."""
    assert sum(r.mermaid_blocks for r in example_site.reports) >= 12  # 10 tables and views, ER, architecture
    assert unrendered(example_site) == []
    assert problems(example_site, "external") == []
    assert problems(example_site, "console_errors") == []
    assert problems(example_site, "injected") == []
    assert problems(example_site, "broken_links") == []


def test_a_page_that_reaches_out_or_runs_script_is_caught(browser_profile: Any, tmp_path: Path) -> None:
    """The harness itself: requests to other hosts (by name, by address, from a frame) are recorded and refused,
    the marker of a script that ran is seen, and a site's own files still load (from the cache the second time)."""
    (tmp_path / "local.css").write_text("body { color: black; }", encoding="utf-8")
    page = (
        '<link rel="stylesheet" href="local.css"><img src="http://example.com/a.png">'
        '<script src="http://203.0.113.7/x.js"></script><iframe src="http://example.org/"></iframe>'
        '<script>window.__pwned = "inline"; fetch("https://example.net/beacon").catch(() => {});</script>'
    )
    for name in ("a.html", "b.html"):
        (tmp_path / name).write_text(page, encoding="utf-8")
    reports = open_site(browser_profile, tmp_path)
    assert [r.url for r in reports] == ["a.html", "b.html"]
    for report in reports:
        assert sorted(report.external) == [
            "http://203.0.113.7/x.js",
            "http://example.com/a.png",
            "http://example.org/",
            "https://example.net/beacon",
        ], report
        assert "window.__pwned = inline" in report.injected, report.injected
        refused = [e for e in report.console_errors if "ERR_PROXY_CONNECTION_FAILED" in e]
        assert len(refused) >= 3, report.console_errors  # refused by the proxy that accepts nothing
        assert not any("local.css" in e for e in report.console_errors), report.console_errors


@pytest.fixture(scope="module")
def pg_hostile_sites(
    browser_profile: Any, pg_server: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Sites]:
    """PostgreSQL, where schema names (section labels in the nav, headings of the index) are hostile too."""
    name = f"sstest_{uuid.uuid4().hex[:10]}"
    with _pg_admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        db = ServerDB(name=name, host=PG_HOST, port=PG_PORT, user=PG_SUPERUSER)
        pg_execute(db, H.postgres_script())
        root = tmp_path_factory.mktemp("pg-hostile-browser")
        (root / "docs").mkdir()
        (root / "docs" / "index.md").write_text("# Home\n", encoding="utf-8")
        yield Sites(browser_profile, root, f"connection: {db.url('postgresql+psycopg')}\ndrift_log: false")
    finally:
        with _pg_admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
@pytest.mark.parametrize("theme", list(THEMES))
def test_hostile_schema_names_in_a_hand_written_nav_stay_text(theme: str, pg_hostile_sites: Sites) -> None:
    built = pg_hostile_sites.opened(theme, "handnav")
    assert len([r for r in built.reports if r.url.startswith("schema/")]) >= 2 * 3 + 4
    assert problems(built, "injected") == []
    home = (built.site_dir / "index.html").read_text(encoding="utf-8")
    text = html.unescape(re.sub(r"<[^>]+>", " ", home))
    for schema in H.SCHEMAS:
        assert schema in text and schema not in home  # the section label shows as text, is not markup
