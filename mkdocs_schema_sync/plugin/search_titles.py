"""The `mkdocs` theme's search shows titles as text: give it our titles unescaped.

Page titles are HTML (`render.escape.title`), and so are MkDocs' table-of-contents
titles. MkDocs' own search plugin copies both into `search/search_index.json`,
and the script of the built-in `mkdocs` and `readthedocs` themes escapes them
again when it lists results, so a table named `a<b` would be listed as `a&lt;b`.
For those themes the titles of our pages are unescaped in the index after the
search plugin wrote it; their script escapes them once, and the reader sees
the name. Other themes are left alone: Material's search renders titles as HTML,
and a theme we do not know might too, where unescaped text would be markup.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig

TEXT_TITLE_THEMES = ("mkdocs", "readthedocs")


def text_titles_in_search_index(config: MkDocsConfig, root: str) -> bool:
    """Unescape the titles of entries under `root/` in MkDocs' search index; True when the index was rewritten."""
    search = config.plugins.get("search")
    if search is None or type(search).__module__ != "mkdocs.contrib.search":
        return False
    if config.theme.name not in TEXT_TITLE_THEMES:
        return False
    index = Path(config.site_dir) / "search" / "search_index.json"
    if not index.is_file():
        return False
    data = json.loads(index.read_text(encoding="utf-8"))
    prefix = root.strip("/") + "/"
    changed = False
    for doc in data.get("docs", []):
        title = doc.get("title")
        if isinstance(title, str) and str(doc.get("location", "")).startswith(prefix):
            plain = html.unescape(title)
            changed |= plain != title
            doc["title"] = plain
    if changed:
        index.write_text(json.dumps(data, sort_keys=True, separators=(",", ":")), encoding="utf-8")
    return changed
