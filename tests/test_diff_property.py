"""Property tests of the diff model on random catalogs (no database)."""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from mkdocs_schema_sync.catalog import (
    Catalog,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Partition,
    PrimaryKey,
    Routine,
    Sequence,
    Table,
    Trigger,
    UniqueConstraint,
    UserType,
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
            on_update=draw(st.none() | st.just("current_timestamp()")),
            generated_storage=draw(st.none() | st.sampled_from(["virtual", "stored"])),
        )
        for n in col_names
    ]
    inherited = st.booleans()
    kind = draw(st.sampled_from(["table", "view"]))
    pk = (
        PrimaryKey(draw(st.none() | st.just("pk")), col_names[:1], draw(maybe_text), draw(inherited))
        if draw(st.booleans())
        else None
    )
    subsets = st.lists(st.sampled_from(col_names), min_size=1, max_size=2, unique=True)
    uniques = [
        UniqueConstraint(draw(st.none() | st.just(f"u{i}")), cols, draw(maybe_text), draw(inherited), draw(inherited))
        for i, cols in enumerate(draw(st.lists(subsets, max_size=2)))
    ]
    fks = [
        ForeignKey(
            f"fk{i}",
            cols,
            schema,
            draw(st.sampled_from(["t1", "t2"])),
            cols,
            draw(st.none() | st.just("CASCADE")),
            comment=draw(maybe_text),
            inherited=draw(inherited),
        )
        for i, cols in enumerate(draw(st.lists(subsets, max_size=2)))
    ]
    indexes = [
        Index(
            n,
            draw(subsets),
            draw(st.booleans()),
            draw(st.none() | st.just("a > 0")),
            method=draw(st.none() | st.sampled_from(["gist", "gin", "fulltext"])),
            include=draw(st.lists(st.sampled_from(col_names), max_size=1)),
            options=draw(st.sampled_from([{}, {"0": "DESC"}, {"0": "text_pattern_ops"}])),
            nulls_not_distinct=draw(st.booleans()),
            inherited=draw(inherited),
        )
        for n in draw(st.lists(st.sampled_from(["i1", "i2", "i3"]), max_size=3, unique=True))
    ]
    checks = [
        CheckConstraint(draw(st.none() | st.just(f"ck{i}")), e, draw(maybe_text), draw(inherited))
        for i, e in enumerate(draw(st.lists(st.sampled_from(["a > 0", "b < 9"]), max_size=2, unique=True)))
    ]
    exclusions = [
        CheckConstraint(draw(st.sampled_from(["ex1", "ex2"])), e, draw(maybe_text), draw(inherited))
        for e in draw(st.lists(st.sampled_from(["EXCLUDE USING gist (a WITH &&)"]), max_size=1))
    ]
    parts = st.lists(
        st.builds(Partition, st.sampled_from(["p0", "p1", "p2"]), st.none() | st.sampled_from(["< 10", "< 20"])),
        max_size=3,
        unique_by=lambda p: p.name,
    )
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
        partition_key=draw(st.none() | st.sampled_from(["RANGE (a)", "LIST (b)"])),
        partition_of=draw(st.none() | st.sampled_from([f"{schema}.t1", f"{schema}.t2"])),
        partition_bound=draw(st.none() | st.just("FOR VALUES IN (1)")),
        inherits=draw(st.lists(st.sampled_from([f"{schema}.t1", f"{schema}.t3"]), max_size=2, unique=True)),
        partitions=draw(parts),
        extension=draw(st.none() | st.just("ext")),
        exclusions=exclusions,
    )


bodies = st.sampled_from(["BEGIN RETURN 1; END", "BEGIN\n  RETURN 2;\nEND", "SELECT $1"])
routines = st.builds(
    Routine,
    schema=st.sampled_from(["main", "sales"]),
    name=st.sampled_from(["f", "g", "Add|Item"]),
    kind=st.sampled_from(["function", "procedure", "aggregate"]),
    signature=st.sampled_from(["", "integer", "integer, text"]),
    arguments=st.sampled_from(["", "a integer", "a integer DEFAULT 1"]),
    returns=st.none() | st.sampled_from(["integer", "text"]),
    language=st.sampled_from(["sql", "plpgsql"]),
    definition=st.none() | bodies,
    comment=maybe_text,
    extension=st.none() | st.just("pgcrypto"),
)
triggers = st.builds(
    Trigger,
    schema=st.sampled_from(["main", "sales"]),
    table=st.sampled_from(["t1", "t2"]),
    name=st.sampled_from(["trg_a", "trg_b"]),
    timing=st.sampled_from(["BEFORE", "AFTER"]),
    events=st.lists(st.sampled_from(["INSERT", "UPDATE", "DELETE"]), min_size=1, max_size=2, unique=True),
    level=st.sampled_from(["ROW", "STATEMENT"]),
    function=st.none() | st.just("main.f()"),
    definition=st.none() | bodies,
    enabled=st.booleans(),
    comment=maybe_text,
    inherited=st.booleans(),
)
user_types = st.builds(
    UserType,
    schema=st.sampled_from(["main", "sales"]),
    name=st.sampled_from(["mood", "money2", "addr"]),
    kind=st.sampled_from(["enum", "domain", "composite"]),
    values=st.lists(st.sampled_from(["happy", "sad", "meh", "o'k"]), max_size=4, unique=True),
    base_type=st.none() | st.sampled_from(["integer", "numeric(10,2)"]),
    nullable=st.booleans(),
    default=st.none() | st.just("0"),
    checks=st.lists(
        st.builds(CheckConstraint, st.sampled_from(["c1", "c2"]), st.sampled_from(["VALUE > 0"])),
        max_size=2,
        unique_by=lambda c: c.name,
    ),
    attributes=st.lists(st.builds(Column, st.sampled_from(["x", "y"]), types), max_size=2, unique_by=lambda c: c.name),
    comment=maybe_text,
)
sequences = st.builds(
    Sequence,
    schema=st.sampled_from(["main", "sales"]),
    name=st.sampled_from(["s1", "s2"]),
    data_type=st.sampled_from(["bigint", "integer"]),
    start=st.sampled_from(["1", "100"]),
    increment=st.sampled_from(["1", "-1"]),
    cycle=st.booleans(),
    owned_by=st.none() | st.just("main.t1.id"),
    comment=maybe_text,
)


@st.composite
def catalogs(draw: st.DrawFn, mysql: bool = False) -> Catalog:
    """A random catalog; `mysql`: one database (its name drawn), every object in it, as a MySQL read gives."""
    database = draw(st.sampled_from(["scout", "scout_stg"])) if mysql else None
    schemas = [database] if database else ["main", "sales"]
    keys = draw(
        st.lists(
            st.tuples(st.sampled_from(schemas), st.sampled_from(["t1", "t2", "t3", "Orders"])),
            max_size=5,
            unique=True,
        )
    )
    tbls = [draw(tables(s, n)) for s, n in keys]
    comments = draw(st.dictionaries(st.sampled_from(["main", "sales"]), st.sampled_from(["c1", "c2"]), max_size=2))

    def moved(strategy: st.SearchStrategy) -> st.SearchStrategy:
        return strategy.map(lambda o: dataclasses.replace(o, schema=database)) if database else strategy

    return Catalog(
        dialect="mysql" if mysql else "sqlite",
        tables=tbls,
        schema_comments={} if mysql else comments,
        routines=draw(st.lists(moved(routines), max_size=4, unique_by=lambda r: (r.key, r.kind))),
        triggers=draw(st.lists(moved(triggers), max_size=3, unique_by=lambda t: t.key)),
        types=[] if mysql else draw(st.lists(user_types, max_size=3, unique_by=lambda t: t.key)),
        sequences=draw(st.lists(moved(sequences), max_size=2, unique_by=lambda s: s.key)),
        database=database,
    )


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
    for change in changes:  # every change has a one-line description
        assert "\n" not in change.describe() and change.describe()


@settings(max_examples=200, deadline=None)
@given(catalogs(mysql=True), catalogs(mysql=True))
def test_mysql_catalogs_compare_whatever_their_database_is_called(a: Catalog, b: Catalog) -> None:
    """Applying the diff gives the target, and the same schema in a database of another name is no drift."""
    changes = diff_catalogs(a, b)
    assert apply_changes(a, changes).sha256() == b.sha256()
    other = "elsewhere"
    assert diff_catalogs(a, a.renamed(a.own_database() or "", other)) == []
    assert a.renamed(a.own_database() or "", other).sha256() == a.sha256()
