"""Rendering: golden pages for a small schema, and a hostile schema that must render as text."""

from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path

import pytest
from conftest import make_sqlite
from mermaid_check import check_er, is_er, mermaid_blocks

from mkdocs_schema_sync.errors import SchemaSyncError
from mkdocs_schema_sync.pipeline import load_catalog, render_site
from mkdocs_schema_sync.settings import Settings

HERE = Path(__file__).parent
GOLDEN = HERE / "golden"

SMALL = """
CREATE TABLE author ( -- People who write posts.
    id INTEGER PRIMARY KEY,            -- Surrogate key.
    email VARCHAR(255) NOT NULL UNIQUE -- Login e-mail.
);
CREATE TABLE post (
    id INTEGER PRIMARY KEY,
    author_id INTEGER NOT NULL REFERENCES author (id) ON DELETE CASCADE, -- Who wrote it.
    title VARCHAR(200) NOT NULL,
    body TEXT,
    score DECIMAL(5,2) DEFAULT 0 CHECK (score >= 0)
);
CREATE INDEX ix_post_author ON post (author_id);
CREATE VIEW v_post_count AS SELECT author_id, count(*) AS posts FROM post GROUP BY author_id;
"""


def render(db: Path, **kwargs: object) -> dict[str, str]:
    settings = Settings(base_dir=db.parent, connection=f"sqlite:///{db}", **kwargs)  # type: ignore[arg-type]
    loaded = load_catalog(settings)
    return render_site(settings, loaded)


def normalise(text: str, db: Path) -> str:
    from mkdocs_schema_sync.render.escape import md

    return text.replace(str(db), "<db>").replace(md(str(db)), "<db>")  # plain, and as inline code shows it


def test_golden_pages_of_a_small_schema(tmp_path: Path) -> None:
    db = make_sqlite(tmp_path / "blog.db", SMALL)
    pages = render(db)
    assert sorted(pages) == [
        "schema/architecture.md", "schema/index.md", "schema/main/author.md", "schema/main/er.md",
        "schema/main/index.md", "schema/main/post.md", "schema/main/v_post_count.md", "schema/status.md",
    ]  # fmt: skip
    for name in ("schema/main/post.md", "schema/main/author.md", "schema/index.md", "schema/main/er.md"):
        golden = GOLDEN / (name.replace("/", "__"))
        text = normalise(pages[name], db)
        if os.environ.get("UPDATE_GOLDEN"):
            golden.write_text(text, encoding="utf-8")
        assert text == golden.read_text(encoding="utf-8"), f"{name} differs from {golden} (UPDATE_GOLDEN=1 to accept)"


def test_rendering_is_deterministic(tmp_path: Path) -> None:
    """Byte-identical but for the status page's build time."""

    def without_build_time(pages: dict[str, str]) -> dict[str, str]:
        status = pages["schema/status.md"]
        assert re.search(r"^\| Built \| \d{4}-\d\d-\d\d .* UTC \|$", status, re.MULTILINE)
        return {**pages, "schema/status.md": re.sub(r"^\| Built \|.*$", "", status, flags=re.MULTILINE)}

    db = make_sqlite(tmp_path / "blog.db", SMALL)
    assert without_build_time(render(db)) == without_build_time(render(db))


def hostile(tmp_path: Path) -> dict[str, str]:
    db = make_sqlite(tmp_path / "hostile.db", (HERE / "hostile.sql").read_text())
    descriptions = tmp_path / "descriptions.yml"
    descriptions.write_text(
        'Users:\n  description: "first line\\nsecond | line <img src=x onerror=alert(1)>"\n'
        "  columns:\n    ref: '<script>document.cookie</script>'\n",
        encoding="utf-8",
    )
    return render(db, descriptions=descriptions)


def test_hostile_names_get_safe_unique_file_names(tmp_path: Path) -> None:
    pages = hostile(tmp_path)
    names = [p.rsplit("/", 1)[1] for p in pages if p.startswith("schema/main/")]
    assert all(re.fullmatch(r"[A-Za-z0-9_.-]+\.md", n) for n in names), names
    lowered = [n.lower() for n in names]
    assert len(lowered) == len(set(lowered)), "case-insensitive collision"
    # "index" is a table here, and must not replace the schema's index page
    assert "schema/main/index.md" in pages
    assert sum(1 for n in names if n.startswith("index-")) == 1


def test_hostile_text_renders_as_text(tmp_path: Path) -> None:
    pages = hostile(tmp_path)
    everything = "\n".join(pages.values())
    for raw in ("<script>", "<img", "<b>", "**bold**", "[link](http://evil.example)", "{: .cls}", ":smile:"):
        outside_code = re.sub(r"^(`{3,}).*?^\1$", "", everything, flags=re.S | re.M)
        assert raw not in outside_code, f"{raw!r} reached a page unescaped"
    drop = next(v for k, v in pages.items() if "DROP" in k or "-DROP-" in k or "--" in k.rsplit("/", 1)[-1])
    assert "# &#34;&#59;" not in drop  # ; is harmless and stays; quotes are entities
    assert "DROP TABLE users" in drop


def test_hostile_table_rows_keep_their_cells(tmp_path: Path) -> None:
    pages = hostile(tmp_path)
    page = next(v for k, v in pages.items() if k.endswith(".md") and "a&#124;b" in v)
    rows = [line for line in page.splitlines() if line.startswith("| **")]
    assert len(rows) == 8
    for row in rows:
        # 6 cells: every literal | in data is an entity, so the row splits into exactly 7 pieces
        assert row.count("|") == 7, row


def test_hostile_mermaid_blocks_are_well_formed(tmp_path: Path) -> None:
    pages = hostile(tmp_path)
    blocks = [b for text in pages.values() for b in mermaid_blocks(text) if is_er(b)]
    assert len(blocks) >= 6
    for block in blocks:
        assert check_er(block) == [], block


def test_view_sql_is_one_html_block_whose_text_no_markup_can_end(tmp_path: Path) -> None:
    """View SQL is HTML-escaped <pre><code>, not a fence: backticks, tags and plugin syntax are characters."""
    pages = hostile(tmp_path)
    page = next(v for v in pages.values() if "x&#96;&#96;&#96;y" in v)
    m = re.search(
        r'^<div class="highlight"><pre><span></span><code class="language-sql">(.*?)</code></pre></div>$',
        page,
        flags=re.S | re.M,
    )
    assert m is not None, page
    body = m.group(1)
    assert "<script>" not in body and "</code>" not in body and "```" not in body
    shown = html.unescape(re.sub(r"<[^>]+>", "", body))
    assert "x```y" in shown and "</code><script>x</script>" in shown


@pytest.mark.parametrize("limit", [2])
def test_large_schema_er_overview_is_capped_and_says_so(tmp_path: Path, limit: int) -> None:
    db = make_sqlite(tmp_path / "blog.db", SMALL)
    pages = render(db, er_max_tables=limit)
    er = pages["schema/main/er.md"]
    assert "the diagram shows the 2 most connected ones" in er
    (block,) = mermaid_blocks(er)
    assert check_er(block) == []
    assert block.count(" {") == 2


def front_matter_title(page: str) -> str:
    m = re.match(r"---\ntitle: (\".*\")\n(?:.*\n)*?---\n", page)
    assert m is not None, page[:200]
    return json.loads(m.group(1))


def test_every_page_title_is_html_escaped_text(tmp_path: Path) -> None:
    """MkDocs themes print page titles as HTML: the front matter carries the name escaped, on one line."""
    db = make_sqlite(tmp_path / "t.db", 'CREATE TABLE "<img src=x onerror=alert(1)>\n&co" (id INTEGER PRIMARY KEY);')
    pages = render(db, title="Schema <b>&</b>")
    titles = {path: front_matter_title(text) for path, text in pages.items()}
    assert titles["schema/index.md"] == "Schema &lt;b&gt;&amp;&lt;/b&gt;"
    table = next(p for p in pages if "onerror" in p)
    assert titles[table] == "&lt;img src=x onerror=alert(1)&gt; &amp;co"
    assert titles["schema/main/er.md"] == "ER diagram: main"
    assert all("<" not in t and '"' not in t for t in titles.values())


def test_a_templates_own_front_matter_is_kept_but_not_its_title(tmp_path: Path) -> None:
    db = make_sqlite(tmp_path / "t.db", 'CREATE TABLE "<b>x</b>" (id INTEGER PRIMARY KEY);')
    tpl = tmp_path / "tpl"
    tpl.mkdir()
    (tpl / "table.md.j2").write_text("---\ntitle: {{ table.name }}\nhide: [toc]\n---\n# {{ table.name }}\n")
    pages = render(db, templates=tpl)
    page = next(v for k, v in pages.items() if "-b-x--b" in k)
    assert page.startswith(
        '---\ntitle: "&lt;b&gt;x&lt;/b&gt;"\nrender_macros: false\n"hide": ["toc"]\n---\n# &#60;b&#62;x&#60;/b&#62;\n'
    ), page


def test_a_template_with_unclosed_front_matter_is_one_clear_error(tmp_path: Path) -> None:
    db = make_sqlite(tmp_path / "t.db", "CREATE TABLE t (id INTEGER PRIMARY KEY);")
    tpl = tmp_path / "tpl"
    tpl.mkdir()
    (tpl / "schema.md.j2").write_text("---\nhide: [toc]\n# no end\n")
    with pytest.raises(SchemaSyncError, match=r"template schema.md.j2: front matter opened with --- is never closed"):
        render(db, templates=tpl)


def test_inline_code_keeps_backticks_as_text() -> None:
    """MySQL quotes names with backticks (`year(\\`at\\`)`): Markdown must not read them as nested code spans."""
    import html

    import markdown

    from mkdocs_schema_sync.render.escape import code

    for text in ("RANGE (year(`at`))", "IN `p_id` int", "``a``"):
        out = markdown.markdown(f"| x |\n|---|\n| {code(text)} |", extensions=["tables"])
        assert out.count("<code>") == 1, out
        assert html.unescape(re.search(r"<code>(.*?)</code>", out).group(1)) == text


# One representative of each class for the site build; the sweep below covers every code point.
NAME_CLASSES = {
    "C0": "a\x01\x1bb",
    "DEL": "a\x7fb",
    "C1": "a\x80\x85\x9bb",
    "bidi": "a\u202eb\u2066c",
    "zero-width": "a\u200b\u200d\ufeffb",
    "separators": "a\u2028b",
}


def test_every_code_point_survives_the_front_matter() -> None:
    """0–0x10FFFF in blocks, read back by MkDocs' own front-matter reader: the title is what `title()` made."""
    from mkdocs.utils.meta import get_data

    from mkdocs_schema_sync.render.escape import front_matter, title

    step = 4096
    for start in range(0, 0x110000, step):
        text = "".join(chr(c) for c in range(start, min(start + step, 0x110000)))
        body, meta = get_data(front_matter(text) + "body\n")
        assert meta.get("title") == str(title(text)), f"block from U+{start:04X}"
        assert body == "body\n"
        assert meta["render_macros"] is False
    assert str(title("a\x7fb\x85c\ud800")) == "a\\x7fb\\x85c\\ud800"  # spelled out, not dropped


def test_names_of_every_character_class_build_pages_with_their_title(tmp_path: Path) -> None:
    from conftest import mkdocs_build, write_site

    from mkdocs_schema_sync.render.escape import title

    sql = "".join(f'CREATE TABLE "{name}" (id INTEGER PRIMARY KEY);\n' for name in NAME_CLASSES.values())
    db = make_sqlite(tmp_path / "c.db", sql)
    site = write_site(tmp_path / "site", f"connection: sqlite:///{db}")
    result = mkdocs_build(site)
    assert result.returncode == 0, result.stderr
    titles = {}
    for page in (site.site_dir / "schema" / "main").glob("*/index.html"):
        text = page.read_text(encoding="utf-8")
        titles[html.unescape(re.search(r"<title>(.*?)</title>", text, re.S).group(1))] = text
    for cls, name in NAME_CLASSES.items():
        shown = html.unescape(str(title(name)))
        assert any(t.startswith(shown + " ") for t in titles), (cls, shown, sorted(titles))
    assert not any(t.startswith("---") for t in titles)


def test_a_lone_surrogate_in_names_renders_pages_utf8_can_write() -> None:
    """SQL Server's NVARCHAR holds unpaired UTF-16 halves, which a driver may hand over as lone surrogates."""
    from pathlib import Path as _Path

    from mkdocs_schema_sync.catalog import Catalog, Column, ForeignKey, Routine, Table
    from mkdocs_schema_sync.render.pages import DocModel, SourceInfo, render_pages
    from mkdocs_schema_sync.settings import Settings

    odd = "t\ud800x"
    catalog = Catalog(
        dialect="mssql",
        tables=[
            Table("dbo", odd, columns=[Column("c\udfff", "int"), Column("p", "int")], comment="a\ud83dz"),
            Table(
                "dbo",
                "u",
                columns=[Column("id", "int")],
                foreign_keys=[ForeignKey("fk\udc00", ["id"], "dbo", odd, ["p"])],
            ),
        ],
        routines=[Routine("dbo", "f\ud800", definition="SELECT '\udc00'")],
    )
    assert len(catalog.sha256()) == 64  # hashing keeps the code point (surrogatepass)
    pages = render_pages(DocModel(catalog, Settings(base_dir=_Path(".")), SourceInfo("live", "db")))
    for path, text in pages.items():
        path.encode("ascii")
        text.encode("utf-8")  # no lone surrogate left in any page: each is spelled out
    table_page = next(v for k, v in pages.items() if "/t-x-" in k)
    assert front_matter_title(table_page) == "t\\ud800x"


def test_the_home_page_lists_a_schema_of_many_tables_on_its_own_page(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """At thousands of tables the list is the schema page's alone: one table's change renders one long page."""
    from mkdocs_schema_sync.render import pages as pages_module

    db = make_sqlite(tmp_path / "blog.db", SMALL)
    assert "| [post](main/post.md) |" in render(db)["schema/index.md"]
    monkeypatch.setattr(pages_module, "INDEX_LIST_MAX", 2)  # the schema has 3 tables and views
    home = render(db)["schema/index.md"]
    assert "post.md" not in home and "Its tables and views are listed on [its page](main/index.md)." in home
    assert "| [post](post.md) |" in render(db)["schema/main/index.md"]
