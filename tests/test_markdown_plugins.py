"""Database text is inert for every Markdown plugin, not only for Markdown (issue 21, item 12).

A site that uses the real mkdocs-macros-plugin, mkdocs-include-markdown-plugin, mkdocstrings,
pymdownx.snippets and abbr is built from a database whose every text-carrying object holds their
syntax: a Jinja expression that runs a shell command, a snippet and an include of a secret file, a
`::: module` line and an abbreviation. A hand-written page holding the same lines proves each
plugin is live in that very build; no generated page may show any effect.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from conftest import ServerDB, cli, make_sqlite, mkdocs_build, pg_execute, write_site

SECRET = "SNIPPET-SECRET-5b1f"  # the content of secret.txt: pasting it means a file was disclosed
DOCSTRING = "MKDOCSTRINGS-DOCSTRING-77c2"  # leakmod's docstring: mkdocstrings rendered it
JINJA = '{{ "pw" ~ "ned-" ~ "jinja" }}'  # rendered, it reads pwned-jinja
MARKERS = ("pwned-jinja", SECRET, DOCSTRING)


def payload_lines(touch: Path) -> list[str]:
    """One line per plugin syntax; each must start a line to be read."""
    return [
        JINJA,
        f"{{{{ lipsum.__globals__['os'].popen('touch {touch}').read() }}}}",
        '--8<-- "secret.txt"',
        "--8<--",
        "secret.txt",
        "--8<--",
        '{% include-markdown "secret.txt" %}',
        '{% include "secret.txt" %}',
        "::: leakmod",
        "*[TABLE]: ABBR-EXPANSION",
    ]


def plugin_site(root: Path, options: str, touch: Path) -> None:
    extra = """\
markdown_extensions:
  - abbr
  - toc
  - pymdownx.superfences
  - pymdownx.snippets:
      base_path: ["."]
      check_paths: false
"""
    write_site(
        root,
        options,
        extra_yaml=extra,
        pages={"control.md": "# Control\n\nA TABLE here.\n\n" + "\n\n".join(payload_lines(root / "CONTROL")) + "\n"},
    )
    config = (root / "mkdocs.yml").read_text()
    plugins = "plugins:\n  - search\n  - macros\n  - include-markdown\n  - mkdocstrings:\n      handlers:\n        python:\n          paths: [.]\n"
    (root / "mkdocs.yml").write_text(config.replace("plugins:\n", plugins, 1))
    (root / "secret.txt").write_text(SECRET + "\n")
    (root / "docs" / "secret.txt").write_text(SECRET + "\n")
    (root / "leakmod.py").write_text(f'"""{DOCSTRING}"""\n')
    assert not touch.exists()


def check_build(root: Path, touch: Path, schema_pages: str) -> list[Path]:
    result = mkdocs_build_site(root)
    assert result.returncode == 0, result.stderr[-3000:]
    site = root / "site"
    control = html.unescape((site / "control" / "index.html").read_text())
    # every plugin ran on the hand-written page: the test would prove nothing otherwise
    for marker in MARKERS:
        assert marker in control, f"{marker} missing: a plugin did not run on the control page"
    assert "<abbr" in (site / "control" / "index.html").read_text()
    assert (root / "CONTROL").exists()

    assert not touch.exists(), "a shell command in database text ran during the build"
    pages = sorted((site / schema_pages).rglob("*.html"))
    assert pages
    seen_jinja = False
    for page in pages:
        raw = page.read_text()
        text = html.unescape(raw)
        for marker in MARKERS:
            assert marker not in text, f"{page}: {marker}"
        assert "<abbr" not in raw, page
        seen_jinja |= JINJA in text
    assert seen_jinja, "the payload should be shown as text"
    return pages


def mkdocs_build_site(root: Path):  # type: ignore[no-untyped-def]
    from conftest import Site

    return mkdocs_build(Site(root), strict=False)


def _comment_block(touch: Path) -> str:
    return "/*\n" + "\n".join(payload_lines(touch)) + "\n*/"


def test_sqlite_view_and_trigger_text_is_inert_for_markdown_plugins(tmp_path: Path) -> None:
    root = tmp_path / "site"
    touch = tmp_path / "PWNED-sqlite"
    plugin_site(root, "connection: sqlite:///db.sqlite\n", touch)
    block = _comment_block(touch)
    lit = JINJA.replace("'", "''")
    make_sqlite(
        root / "db.sqlite",
        f"CREATE TABLE t (id INTEGER PRIMARY KEY, note TEXT DEFAULT '{lit}' CHECK (note <> '--8<-- \"secret.txt\"'));\n"
        f"CREATE VIEW v AS SELECT 1 AS x {block};\n"
        f"CREATE TRIGGER trg AFTER INSERT ON t BEGIN SELECT 1; {block}\nEND;\n",
    )
    pages = check_build(root, touch, "schema")
    view = next(p for p in pages if "/v/" in str(p))
    shown = html.unescape(re.sub(r"<[^>]+>", "", view.read_text()))
    assert "\n".join(payload_lines(touch)) in shown  # the definition reads as written, line for line


@pytest.mark.postgres
def test_postgres_text_of_every_kind_is_inert_for_markdown_plugins(tmp_path: Path, pg_db: ServerDB) -> None:
    root = tmp_path / "site"
    touch = tmp_path / "PWNED-pg"
    lines = payload_lines(touch)
    text = "\n".join(lines)
    lit = "'" + text.replace("'", "''") + "'"
    block = _comment_block(touch)
    pg_execute(
        pg_db,
        f"""
        CREATE TYPE mood AS ENUM ({", ".join("'" + line.replace("'", "''") + "'" for line in dict.fromkeys(lines) if len(line) < 64)});
        CREATE DOMAIN d AS text CHECK (VALUE <> {lit});
        CREATE SEQUENCE s;
        CREATE TABLE t (
            id int PRIMARY KEY,
            note text DEFAULT {lit} CHECK (note <> {lit}),
            m mood,
            dd d
        );
        CREATE INDEX t_note ON t (note) WHERE note <> {lit};
        CREATE TABLE p (k text, v int) PARTITION BY LIST (k);
        CREATE TABLE p1 PARTITION OF p FOR VALUES IN ({lit});
        CREATE VIEW v AS SELECT {lit} AS x;
        CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $body$
        BEGIN
        {block}
          RETURN NEW;
        END $body$;
        CREATE TRIGGER trg BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f();
        COMMENT ON SCHEMA public IS {lit};
        COMMENT ON TABLE t IS {lit};
        COMMENT ON COLUMN t.note IS {lit};
        COMMENT ON CONSTRAINT t_pkey ON t IS {lit};
        COMMENT ON INDEX t_note IS {lit};
        COMMENT ON VIEW v IS {lit};
        COMMENT ON FUNCTION f() IS {lit};
        COMMENT ON TRIGGER trg ON t IS {lit};
        COMMENT ON TYPE mood IS {lit};
        COMMENT ON DOMAIN d IS {lit};
        COMMENT ON SEQUENCE s IS {lit};
        """,
    )
    plugin_site(root, f"connection: {pg_db.url('postgresql+psycopg')}\n", touch)
    assert cli("install-triggers", cwd=root).returncode == 0
    pg_execute(pg_db, f"CREATE VIEW v2 AS SELECT {lit} AS y")  # the statement reaches the change log
    pages = check_build(root, touch, "schema")
    changes = html.unescape(re.sub(r"<[^>]+>", "", (root / "site" / "schema" / "changes" / "index.html").read_text()))
    assert "CREATE VIEW v2" in changes and JINJA in changes
    function = next(p for p in pages if "/routines/" in str(p) and p.parent.name.startswith("f"))
    shown = html.unescape(re.sub(r"<[^>]+>", "", function.read_text()))
    assert block in shown  # the body reads as written
