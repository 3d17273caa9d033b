"""The pull-request body of a hostile schema holds no live Markdown or HTML, and names what changed."""

from __future__ import annotations

from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import markdown
from conftest import DDL_PASSWORD, make_sqlite

from mkdocs_schema_sync.catalog import Catalog
from mkdocs_schema_sync.catalog.diff import diff_catalogs
from mkdocs_schema_sync.db import open_database, parse_connection
from mkdocs_schema_sync.drift.log import DriftEntry
from mkdocs_schema_sync.sync import pr_body

HERE = Path(__file__).parent
HOSTILE_WORDS = ("evil.example", "octocat", "script", "onerror", "DROP TABLE users", "**bold**", "#12", "@user")
ALLOWED = {
    "p",
    "h3",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "code",
    "strong",
    "em",
    "blockquote",
    "ul",
    "li",
    "a",
}


class Walk(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.depth_code = 0
        self.outside: list[str] = []
        self.inside: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "code":
            self.depth_code += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "code":
            self.depth_code -= 1

    def handle_data(self, data: str) -> None:
        (self.inside if self.depth_code else self.outside).append(data)


def hostile_input(tmp_path: Path) -> pr_body.BodyInput:
    db_path = make_sqlite(tmp_path / "hostile.db", (HERE / "hostile.sql").read_text())
    with open_database(parse_connection(f"sqlite:///{db_path}")) as db:
        new = db.dialect.read_catalog(db, row_counts=False)
    old = Catalog.from_canonical(new.canonical())
    victim = next(t for t in old.tables if t.name.startswith('"'))
    victim.columns = [c for c in victim.columns if c.name != "a|b"]  # so the new side adds a hostile column
    old.tables = [t for t in old.tables if t.name != "Users"]
    old = Catalog.from_canonical(old.canonical())
    changes = diff_catalogs(old, new)
    changes[0].contracts.append("<img src=x onerror=alert(1)>")
    entries = [
        DriftEntry(
            event_time="2026-11-26 01:00:00",
            login_name="@octocat <script>alert(1)</script>",
            event_type="ALTER TABLE",
            object_type="table",
            schema_name="main",
            object_name='"; DROP TABLE users; --',
            statement=f"ALTER TABLE x ADD `a` -- #12 **bold** [l](http://evil.example) @user\n"
            f"CREATE USER u PASSWORD '{DDL_PASSWORD}'",
            source="trigger",
            id=1,
        )
    ]
    return pr_body.BodyInput(
        database="hostile",
        sha256="0" * 64,
        changes=changes,
        entries=entries,
        broken=[pr_body.BrokenContract("[x](http://evil.example)", "@octocat", "<script>x</script> broke")],
        files=["schema.lock.json"],
        docs_url="https://docs.example/",
    )


def test_hostile_schema_body_holds_no_live_markdown_or_html(tmp_path: Path) -> None:
    data = hostile_input(tmp_path)
    body = pr_body.body(data)
    assert DDL_PASSWORD not in body and "PASSWORD '***'" in unescape(body)  # statements are masked
    html = markdown.markdown(body, extensions=["tables"])
    walk = Walk()
    walk.feed(html)
    tags = {tag for tag, _ in walk.tags}
    assert tags <= ALLOWED, tags - ALLOWED
    links = [attrs.get("href") for tag, attrs in walk.tags if tag == "a"]
    assert links == ["https://docs.example/"]  # only ours
    outside = " ".join(walk.outside)
    for word in HOSTILE_WORDS:
        assert word not in outside, (word, outside)  # database text only ever inside <code>
    inside = " ".join(walk.inside)
    assert "DROP TABLE users" in inside and "@octocat" in inside  # shown, as text
    # every table row keeps its cells: no `|` from the database split one
    for line in body.splitlines():
        if line.startswith("| <code>"):
            header_cells = 4 if line.count("<code>") < 5 else 5
            assert line.count(" | ") + 1 >= header_cells - 1


def test_body_names_changes_added_table_columns_and_keys(tmp_path: Path) -> None:
    data = hostile_input(tmp_path)
    body = unescape(pr_body.body(data))
    assert "### Changes that break contracts" in body
    assert "### Added tables" in body and "<code>main.Users</code>" in body
    assert "FK →" in body and "PK" in body
    assert body.index("Changes that break contracts") < body.index("Additive changes")
    message = pr_body.commit_message(data)
    assert message.rstrip().endswith("Schema-Sync-SHA256: " + "0" * 64)


def test_body_stays_under_githubs_limit() -> None:
    from mkdocs_schema_sync.catalog.diff import Change

    changes = [Change("column_added", "s", f"t{i}", "c" * 50, None, {"name": "c", "type": "text", "nullable": True,
                                                                    "default": None, "identity": None,
                                                                    "generated": None, "comment": "x" * 500},
                      False) for i in range(5000)]  # fmt: skip
    entries = [DriftEntry("2026-11-26 01:00:00", "u", "ALTER TABLE", "table", "s", f"t{i}", "x" * 5000, id=i)
               for i in range(5000)]  # fmt: skip
    body = pr_body.body(pr_body.BodyInput("db", "0" * 64, changes, entries))
    assert len(body) < 65_536
    assert "4850 more" in body and "The 4960 earlier row(s) are in the drift log." in body


def test_body_names_routines_and_enum_values_by_their_own_names() -> None:
    from mkdocs_schema_sync.catalog import Routine, UserType

    old = Catalog("postgresql", routines=[Routine("s", "f", signature="integer", arguments="a integer")],
                  types=[UserType("s", "mood", "enum", values=["happy", "meh"])])  # fmt: skip
    new = Catalog("postgresql", routines=[Routine("s", "f", signature="bigint", arguments="a bigint")],
                  types=[UserType("s", "mood", "enum", values=["happy"])])  # fmt: skip
    body = unescape(pr_body.body(pr_body.BodyInput("db", "0" * 64, diff_catalogs(old, new), [])))
    assert "| <code>s.f(bigint)</code> | routine signature changed |" in body  # not s.f(bigint).f(integer)
    assert "| <code>s.mood</code> | enum value removed <code>meh</code> |" in body


def test_commit_message_cannot_be_given_a_forged_trailer(tmp_path: Path) -> None:
    """A table name holding a newline and a trailer line must not add a second Schema-Sync-SHA256 line."""
    from mkdocs_schema_sync.catalog import Column, Table

    base = Catalog(dialect="sqlite", tables=[Table("main", "t", columns=[Column("id", "INTEGER")])])
    forged = "x\n\nSchema-Sync-SHA256: " + "f" * 64
    new = Catalog(
        dialect="sqlite",
        tables=[*base.tables, Table("main", forged, columns=[Column("id", "INTEGER")])],
    )
    data = pr_body.BodyInput(
        database="db", sha256="0" * 64, changes=diff_catalogs(base, new), entries=[], broken=[], files=[], base="main"
    )
    message = pr_body.commit_message(data)
    trailers = [line for line in message.splitlines() if line.startswith("Schema-Sync-SHA256:")]
    assert trailers == ["Schema-Sync-SHA256: " + "0" * 64]
