"""A real browser for the tests: Debian's headless Chromium driven by Playwright, offline.

Nothing is downloaded: Playwright (a Python package, whose wheel carries its driver) starts
`/usr/bin/chromium` from apt. A built site is served from 127.0.0.1 on a free port; every
request to any other host is refused (Chromium's proxy is a local port that accepts nothing;
loopback bypasses it) and recorded, so a page that needs the network shows up.
Under CI a missing browser fails the tests; locally they skip with the reason.

Sites are opened in a browser profile on disk (`profile`): unlike an incognito context it keeps
compiled scripts, so the 3.5 MB mermaid.min.js is compiled once per site instead of once per page
(about 0.2 s a page instead of 0.8 s here). Requests are recorded from the page's events, not
intercepted (interception turns Chromium's cache off).
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import re
import shutil
import socket
import tempfile
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from conftest import IN_CI

CHROMIUM = os.environ.get("SCHEMA_SYNC_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
# Material renders each diagram into a *closed* shadow root; opened here so the test can look inside.
OPEN_SHADOW_ROOTS = """
const attach = Element.prototype.attachShadow;
Element.prototype.attachShadow = function (init) { return attach.call(this, {...init, mode: "open"}); };
"""
# Diagrams rendered so far: Material replaces <pre class="mermaid"> with the host of a shadow root holding
# the SVG; mermaid.js (mkdocs-mermaid2-plugin) renders into the element itself.
MERMAID_RENDERED = """() => [...document.querySelectorAll('.mermaid')].filter(
    el => (el.shadowRoot && el.shadowRoot.querySelector('svg')) || el.querySelector('svg')).length"""
MERMAID_CLASS = re.compile(r"""class=["'](?:[^"']*\s)?mermaid(?:\s[^"']*)?["']""")
MERMAID_STATES = """() => [...document.querySelectorAll('.mermaid')].map(el => {
    const root = el.shadowRoot || el;
    const svg = root.querySelector('svg');
    return {svg: !!svg, text: svg ? svg.textContent : el.textContent.slice(0, 200)};
})"""
# Script that came from database text: the marker, inline handlers, javascript: links, frames.
INJECTED = """(marker) => {
    const found = [];
    if (window[marker] !== undefined) found.push('window.' + marker + ' = ' + String(window[marker]));
    for (const el of document.querySelectorAll('*')) {
        for (const a of el.attributes) {
            if (a.name.startsWith('on')) found.push(el.tagName + ' has ' + a.name + '=' + a.value);
        }
    }
    for (const a of document.querySelectorAll('[href]')) {
        const href = a.getAttribute('href').trim().toLowerCase();
        if (href.startsWith('javascript:') && href !== 'javascript:void(0)') found.push('link to ' + href);
    }
    for (const f of document.querySelectorAll('iframe, object, embed')) found.push('a ' + f.tagName);
    return found;
}"""


def needs(what: str, why: object) -> None:
    """Fail under CI, skip locally (as conftest.server_missing does for the database servers)."""
    message = f"{what} ({why}); `.ci/run` installs it (apt-get install chromium; pip install -e '.[dev]')"
    if IN_CI:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@contextmanager
def _no_network() -> Iterator[list[str]]:
    """Chromium arguments that send every request outside loopback to a proxy port that refuses it:
    a bound socket that never listens (Chromium bypasses proxies for 127.0.0.1 by itself)."""
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        yield [*CHROMIUM_ARGS, f"--proxy-server=http://127.0.0.1:{closed.getsockname()[1]}"]


@contextmanager
def chromium() -> Iterator[Any]:
    """One headless Chromium for the session (fresh profile, no network services, no way out)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        needs("Playwright for Python is not installed", exc)
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        needs(f"Chromium is not installed at {CHROMIUM}", "not found")
    with sync_playwright() as pw, _no_network() as args:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=args, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def profile(browser: Any) -> Iterator[Any]:
    """A second headless Chromium, with its profile in a temporary folder (a persistent context): the one
    `open_site` uses. Its caches keep compiled scripts; `open_site` empties them for each site."""
    folder = tempfile.mkdtemp(prefix="schema-sync-chromium-")
    try:
        with _no_network() as args:
            context = browser.browser_type.launch_persistent_context(
                folder, executable_path=CHROMIUM, args=args, headless=True
            )
            context.add_init_script(OPEN_SHADOW_ROOTS)
            try:
                yield context
            finally:
                context.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve(root: Path) -> Iterator[str]:
    """Serve `root` on 127.0.0.1 at a free port; yields the base URL."""
    handler = functools.partial(_Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)  # a quick shutdown()
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class PageReport:
    """What one page did in the browser."""

    url: str
    title: str = ""
    injected: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)
    mermaid: list[dict[str, Any]] = field(default_factory=list)
    mermaid_blocks: int = 0  # Mermaid elements in the HTML as served
    links: list[str] = field(default_factory=list)
    broken_links: list[str] = field(default_factory=list)


def site_pages(site_dir: Path) -> list[str]:
    """Every HTML page of a built site (relative URLs), except the 404 page."""
    return sorted(p.relative_to(site_dir).as_posix() for p in site_dir.rglob("*.html") if p.name != "404.html")


def open_site(context: Any, site_dir: Path) -> list[PageReport]:
    """Every page of a built site, served from 127.0.0.1, one after the other in one tab of the `profile`
    context (the site's pages share its cache). Nothing of an earlier site is left: its port may be this
    one's again (the same origin)."""
    with serve(site_dir) as base:
        page = context.new_page()
        try:
            cdp = context.new_cdp_session(page)
            cdp.send("Network.clearBrowserCache")
            cdp.send("Storage.clearDataForOrigin", {"origin": base.rstrip("/"), "storageTypes": "all"})
            cdp.detach()
            context.clear_cookies()
            tab = _Tab(page, base)
            reports = [tab.load(rel) for rel in site_pages(site_dir)]
        finally:
            page.close()
        check_links(reports, base)
    return reports


class _Tab:
    """One tab, its events recorded into the report of the page it shows. An event of a page that comes after
    its report was taken (the tab still shows it) lands in the next page's report: still seen, never lost."""

    def __init__(self, page: Any, base: str) -> None:
        self.page, self.base, self.report = page, base, PageReport(url="")
        page.on("request", self._request)
        page.on("console", lambda m: self.report.console_errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: self.report.console_errors.append(f"uncaught: {exc}"))
        page.on("dialog", lambda d: (self.report.injected.append(f"dialog: {d.message}"), d.dismiss()))

    def _request(self, r: Any) -> None:  # Chromium refuses it (see _no_network); data: URLs raise no event
        if not r.url.startswith(self.base):
            self.report.external.append(r.url)

    def load(self, rel: str, *, mermaid_timeout: float = 20.0) -> PageReport:
        """Open one page with the network cut off, wait for its diagrams, and report what it did."""
        report = self.report = PageReport(url=rel)
        page = self.page
        response = page.goto(self.base + rel, wait_until="load")
        blocks = len(MERMAID_CLASS.findall(response.text())) if response is not None else 0
        if blocks:  # wait until each diagram of the page is an SVG; on a timeout the states below say which
            with contextlib.suppress(Exception):
                page.wait_for_function(f"({MERMAID_RENDERED})() >= {blocks}", timeout=mermaid_timeout * 1000)
        report.mermaid_blocks = blocks
        page.wait_for_timeout(100)  # let onload/onerror handlers of late elements fire
        report.title = page.title()
        report.injected += page.evaluate(INJECTED, "__pwned")
        for frame in page.frames[1:]:
            report.injected.append(f"a frame at {frame.url}")
        report.mermaid = page.evaluate(MERMAID_STATES)
        report.links = page.evaluate("() => [...document.querySelectorAll('a[href]')].map(a => a.href)")
        return report


def check_links(reports: list[PageReport], base: str) -> None:
    """Record, per page, its links into the site that do not answer 200 (fragments and other hosts ignored)."""
    status: dict[str, int] = {}
    for report in reports:
        for href in report.links:
            url = urllib.parse.urldefrag(href).url
            if not url.startswith(base):
                continue
            if url not in status:
                try:
                    with urllib.request.urlopen(url, timeout=10) as resp:
                        status[url] = resp.status
                except urllib.error.HTTPError as exc:
                    status[url] = exc.code
            if status[url] != 200:
                report.broken_links.append(f"{url[len(base) :]} ({status[url]})")
