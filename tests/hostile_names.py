"""Database names and comments that try to run script in a reader's browser or to become CI commands.

Every payload that could run sets `window.__pwned` (or, from a frame, `parent.__pwned`), so a browser
test only has to look at that marker after a page loaded. The same names build a SQLite file and a
PostgreSQL database (where schema names can be hostile too).
"""

from __future__ import annotations

MARKER = "__pwned"

TITLE = '</title><script>window.__pwned="title"</script>'
IMG = '<img src=x onerror=window.__pwned="img">'
SVG = '</span><svg onload=window.__pwned="svg">'
IFRAME = "<iframe srcdoc=\"<script>parent.__pwned='iframe'</script>\">"
JS_LINK = '[click](javascript:window.__pwned="js")'
ATTR = "x{: onclick=\"window.__pwned='attr'\" }"
NEWLINE = "line1\n::error::pwned"
PERCENT = "a%0A::add-mask::secret%0A::error::x"
MERMAID = "%%{init: {'securityLevel': 'loose'}}%% a\"] --> b"

TABLES = [TITLE, IMG, SVG, IFRAME, JS_LINK, ATTR, NEWLINE, PERCENT]
COLUMNS = [
    '<svg onload=window.__pwned="column">',
    'javascript:window.__pwned="colurl"',
    "{: onmouseover=\"window.__pwned='colattr'\" }",
    "c\n::warning::column",
    MERMAID,
    '[c](javascript:window.__pwned="colmd")',
]
DEFAULT = "[d](javascript:window.__pwned='default') *em* <b>"
COMMENT = (
    '<script>window.__pwned="comment"</script> [x](javascript:window.__pwned="c2") '
    '{: onclick="window.__pwned=\'c3\'" } <img src=x onerror=window.__pwned="c4"> %0A::error::comment'
)
VIEW_SQL_TEXT = '</code></pre><script>window.__pwned="view"</script>```'
# PostgreSQL only (SQLite has one schema, `main`): names of schemas, at most 63 bytes.
SCHEMAS = ['<img src=x onerror=window.__pwned="schema">', '</title><script>window.__pwned="s2"</script>']


def q(name: str) -> str:
    """A quoted SQL identifier (SQLite and PostgreSQL)."""
    return '"' + name.replace('"', '""') + '"'


def lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def sqlite_script() -> str:
    """Tables named by every payload, each pointing at the previous one, hostile columns and comments, a view."""
    lines = []
    previous = None
    for n, name in enumerate(TABLES):
        cols = ['    "id" INTEGER PRIMARY KEY,']
        if previous is not None:
            cols.append(
                f"    {q(f'ref{n}')} INTEGER CONSTRAINT {q(COLUMNS[0] + str(n))} REFERENCES {q(previous)} (id),"
            )
        cols += [f"    {q(c)} TEXT DEFAULT {lit(DEFAULT)}, -- {COMMENT}" for c in COLUMNS]
        cols.append(f"    UNIQUE ({q(COLUMNS[-1])}), CHECK ({q(COLUMNS[-1])} <> {lit(DEFAULT)})")
        lines.append(f"CREATE TABLE {q(name)} ( -- {COMMENT}\n" + "\n".join(cols) + "\n);")
        lines.append(
            f"CREATE INDEX {q(COLUMNS[-1] + str(n))} ON {q(name)} ({q(COLUMNS[-1])}) WHERE {q(COLUMNS[0])} <> {lit(DEFAULT)};"
        )
        previous = name
    lines.append(f"CREATE VIEW {q('v' + IMG)} AS SELECT {lit(VIEW_SQL_TEXT)} AS {q(COLUMNS[0])};")
    return "\n".join(lines) + "\n"


def postgres_script() -> str:
    """Hostile schemas holding hostile tables, with comments (newlines allowed here) and foreign keys."""
    out = []
    for schema in SCHEMAS:
        out.append(f"CREATE SCHEMA {q(schema)};")
        out.append(f"COMMENT ON SCHEMA {q(schema)} IS {lit(COMMENT + chr(10) + '::error::schema comment')};")
        previous = None
        for name in (IMG, IFRAME, NEWLINE):
            fk = f", ref integer REFERENCES {q(schema)}.{q(previous)} (id)" if previous else ""
            out.append(f"CREATE TABLE {q(schema)}.{q(name)} (id integer PRIMARY KEY, {q(COLUMNS[0])} text{fk});")
            out.append(f"COMMENT ON TABLE {q(schema)}.{q(name)} IS {lit(COMMENT)};")
            out.append(f"COMMENT ON COLUMN {q(schema)}.{q(name)}.{q(COLUMNS[0])} IS {lit(COMMENT + chr(10) + '::x')};")
            previous = name
    return "\n".join(out) + "\n"
