"""Property tests of the diff model on random catalogs (no database)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mkdocs_schema_sync.catalog import (
    Catalog,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    PrimaryKey,
    Table,
    UniqueConstraint,
)
from mkdocs_schema_sync.catalog.diff import apply_changes, diff_catalogs
from mkdocs_schema_sync.render.diff_formats import to_json, to_markdown, to_text

names = st.sampled_from(["id", "a", "b", "c", "name", "Total", "x|y", "<s>"])
types = st.sampled_from(["INTEGER", "TEXT", "VARCHAR(10)", "DECIMAL(10,2)", "DATE"])
maybe_text = st.none() | st.sampled_from(["one", "two", "`tick`", "a | b"])


@st.composite
def tables(draw: st.DrawFn, schema: str, name: str) -> Table:
    col_names = draw(st.lists(names, min_size=1, max_size=5, unique=True))
    columns = [
        Column(
            name=n,
            type=draw(types),
            nullable=draw(st.booleans()),
            default=draw(st.none() | st.sampled_from(["0", "'x'"])),
            identity=draw(st.booleans()),
            generated=draw(st.none() | st.just("a + 1")),
            comment=draw(maybe_text),
        )
        for n in col_names
    ]
    kind = draw(st.sampled_from(["table", "view"]))
    pk = PrimaryKey(draw(st.none() | st.just("pk")), col_names[:1]) if draw(st.booleans()) else None
    subsets = st.lists(st.sampled_from(col_names), min_size=1, max_size=2, unique=True)
    uniques = [UniqueConstraint(f"u{i}", cols) for i, cols in enumerate(draw(st.lists(subsets, max_size=2)))]
    fks = [
        ForeignKey(
            f"fk{i}", cols, schema, draw(st.sampled_from(["t1", "t2"])), cols, draw(st.none() | st.just("CASCADE"))
        )
        for i, cols in enumerate(draw(st.lists(subsets, max_size=2)))
    ]
    indexes = [
        Index(n, draw(subsets), draw(st.booleans()), draw(st.none() | st.just("a > 0")))
        for n in draw(st.lists(st.sampled_from(["i1", "i2", "i3"]), max_size=3, unique=True))
    ]
    checks = [
        CheckConstraint(f"ck{i}", e)
        for i, e in enumerate(draw(st.lists(st.sampled_from(["a > 0", "b < 9"]), max_size=2, unique=True)))
    ]
    return Table(
        schema=schema,
        name=name,
        kind=kind,
        comment=draw(maybe_text),
        columns=columns,
        primary_key=pk,
        uniques=uniques,
        foreign_keys=fks,
        indexes=indexes,
        checks=checks,
        definition=draw(st.none() | st.just("SELECT 1")) if kind == "view" else None,
    )


@st.composite
def catalogs(draw: st.DrawFn) -> Catalog:
    keys = draw(
        st.lists(
            st.tuples(st.sampled_from(["main", "sales"]), st.sampled_from(["t1", "t2", "t3", "Orders"])),
            max_size=5,
            unique=True,
        )
    )
    tbls = [draw(tables(s, n)) for s, n in keys]
    comments = draw(st.dictionaries(st.sampled_from(["main", "sales"]), st.sampled_from(["c1", "c2"]), max_size=2))
    return Catalog(dialect="sqlite", tables=tbls, schema_comments=comments)


@settings(max_examples=200, deadline=None)
@given(catalogs())
def test_diff_of_a_catalog_with_itself_is_empty(a: Catalog) -> None:
    assert diff_catalogs(a, a) == []
    assert diff_catalogs(a, Catalog.from_canonical(a.canonical())) == []


@settings(max_examples=300, deadline=None)
@given(catalogs(), catalogs())
def test_applying_the_diff_gives_the_target(a: Catalog, b: Catalog) -> None:
    changes = diff_catalogs(a, b)
    result = apply_changes(a, changes)
    assert result.object_hashes() == b.object_hashes()
    assert result.sha256() == b.sha256()
    assert (changes == []) == (a.sha256() == b.sha256() and a.schema_comments == b.schema_comments)
    assert diff_catalogs(a, b) == changes  # deterministic
    for render in (to_text, to_json, to_markdown):
        assert render(changes) == render(changes)
