"""A snapshot's text cut at its objects (catalog.snapshot_text): what a monitor pass patches instead of
writing the whole snapshot again (issue 20 goal 3). Patched or not, the text is `to_json()`'s, byte for byte.
"""

from __future__ import annotations

import json

from test_catalog_objects import hostile_catalog, sample

from mkdocs_schema_sync.catalog import Catalog, Column, Table, Trigger, canonical_json
from mkdocs_schema_sync.catalog.patch import patched
from mkdocs_schema_sync.catalog.snapshot_text import SnapshotText
from mkdocs_schema_sync.dialects.base import only_tables


def dotted() -> Catalog:
    """Dots, quotes, non-ASCII, a lone surrogate, line and paragraph separators in names and text; a trigger
    on a dotted table."""
    odd = 'a.b"c\u2028d'
    return Catalog(
        dialect="postgresql",
        tables=[
            Table("s.x", "t.y", comment="line\nbreak\u2029é", columns=[Column("id", "integer", comment=odd)]),
            Table("s", "x.t.y", columns=[Column("id", "integer")]),
            Table("s", "T", columns=[Column("ü", "text", comment="half \ud800 of a pair")]),  # a lone surrogate
            Table("s", "t", columns=[Column("id", "integer")]),
            Table("other", "t", columns=[Column("id", "bigint")]),
        ],
        schema_comments={"s": "schema s", "other": "the other one"},
        triggers=[Trigger("s.x", "t.y", "trg.1", "AFTER", ["INSERT"]), Trigger("s", "t", "keep", "BEFORE", ["UPDATE"])],
    )


CATALOGS = [sample(), hostile_catalog(), dotted(), Catalog(dialect="sqlite")]


def test_the_text_is_to_json_and_parses_back_to_itself() -> None:
    for catalog in CATALOGS:
        text = catalog.to_json()
        assert text == canonical_json(catalog.canonical())  # written object by object, as if at once
        assert SnapshotText.of(catalog).render() == text
        parsed = SnapshotText.parse(text)
        assert parsed is not None and parsed.render() == text
        assert parsed.sha256 == catalog.sha256()
        again = parsed.catalog(parsed.hashes())  # every entry decoded: the catalog itself
        assert again.to_json() == text


def test_a_text_laid_out_otherwise_is_not_parsed() -> None:
    """(What is inside an entry is not checked: a pass trusts a snapshot by the git blob it wrote.)"""
    catalog = dotted()
    text = catalog.to_json()
    data = json.loads(text)
    other = [
        json.dumps(data, sort_keys=True, indent=4, ensure_ascii=False) + "\n",  # another indent
        json.dumps({**data, "objects": dict(reversed(data["objects"].items()))}, indent=2, ensure_ascii=False)
        + "\n",  # the objects not sorted
        text.replace(catalog.sha256(), "0" * 64),  # a stored SHA-256 that is not the objects'
        text.replace('"sha256": "', '"sha256": "f', 1)[:-1],  # an entry's hash edited, the end cut
        text.rstrip("\n"),
    ]
    first_key = next(iter(data["objects"]))
    edited = dict(data)
    edited["objects"] = {**data["objects"], first_key: {**data["objects"][first_key], "sha256": "1" * 64}}
    other.append(json.dumps(edited, sort_keys=True, indent=2, ensure_ascii=False) + "\n")  # sum no longer matches
    for text_ in other:
        assert text_ != text
        assert SnapshotText.parse(text_) is None, text_[:200]


def test_a_patch_is_the_catalog_patched_then_written_whole() -> None:
    old = dotted()
    new = dotted()
    new.tables = [t for t in new.tables if t.key != "other.t"]  # dropped: `t` names it too
    new.tables.append(Table("s", "added", columns=[Column("id", "integer")]))
    new.get("s", "t").columns.append(Column("extra", "text"))  # type: ignore[union-attr]
    new.get("s.x", "t.y").comment = "changed \udfff"  # type: ignore[union-attr]
    new.triggers = [t for t in new.triggers if t.name != "keep"] + [Trigger("s", "t", "new", "AFTER", ["DELETE"])]
    new = Catalog(dialect=new.dialect, tables=new.tables, schema_comments=new.schema_comments, triggers=new.triggers)
    names = {"t", "added", "t.y", "nothing_called_so"}
    fresh = only_tables(new, names)
    text = SnapshotText.parse(old.to_json())
    assert text is not None
    result = text.patched(fresh, names)
    assert result is not None
    want = patched(old, fresh, names)  # the Catalog-level patch `serve` uses
    want.schema_comments.pop("other")  # its last object went: `select_tables` drops its comment
    assert result.render() == want.to_json()
    assert result.sha256 == want.sha256()
    assert "x.t.y" in result.render() and '"T"' in result.render()  # not named: kept as they were


def test_a_table_read_into_a_schema_with_nothing_documented_cannot_be_patched() -> None:
    text = SnapshotText.parse(dotted().to_json())
    assert text is not None
    fresh = Catalog(dialect="postgresql", tables=[Table("brand_new", "t", columns=[Column("id", "integer")])])
    assert text.patched(fresh, {"t"}) is None  # whether brand_new has a comment was not read
    fresh = Catalog(dialect="postgresql", tables=[Table("s", "t2", columns=[Column("id", "integer")])])
    assert text.patched(fresh, {"t2"}) is not None  # a schema already documented: its comment is known
