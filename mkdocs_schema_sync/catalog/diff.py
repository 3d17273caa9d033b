"""What changed between two catalogs, each change classified additive or breaking.

`diff_catalogs(old, new)` compares the canonical forms (the same data the
per-object hashes are computed from), so every difference that moves a hash is
reported, and `apply_changes(old, changes)` rebuilds `new` from them (the
property tests check exactly that).

Breaking means an existing reader or writer may fail: a table or column gone,
a type, key, identity or kind changed, a column made NOT NULL, a NOT NULL
column added without a default, a constraint or unique index added (or an
index made unique or NULLS NOT DISTINCT), a FULLTEXT index dropped or turned
into another kind (MATCH … AGAINST needs one), a column's ON UPDATE dropped, a
partitioning or inheritance changed. Comments, new tables, new nullable
columns, dropped or renamed constraints and plain indexes, an index's access method, key
order or INCLUDE list, and a constraint a partition no longer inherits (after
DETACH PARTITION it is the table's own: it still holds) are additive.
Routines, triggers, types and sequences are compared in `diff_kinds`.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from collections import Counter
from typing import Any

from . import diff_kinds
from .change import Change, enum_change_breaks, short
from .model import Catalog, object_key

__all__ = ["Change", "apply_changes", "diff_catalogs", "short"]

COLUMN_FIELDS = (
    "type",
    "nullable",
    "default",
    "identity",
    "generated",
    "comment",
    "on_update",
    "identity_options",
    "generated_storage",
)
#: column fields absent from the canonical form when unset
OPTIONAL_COLUMN_FIELDS = ("on_update", "identity_options", "generated_storage")
#: table fields that only some tables have (absent from the canonical form when unset): breaking?
TABLE_FIELDS = {
    "partition_key": True,
    "partition_of": True,
    "partition_bound": True,
    "inherits": True,
    "extension": False,
    "foreign_source": True,  # the foreign table reads another remote table
    "versioning": True,  # system versioning switched off: the history is no longer kept
}
#: members compared as multisets of their canonical form (unnamed in SQLite)
SET_MEMBERS = {"uniques": "unique", "foreign_keys": "foreign_key", "checks": "check", "exclusions": "exclusion"}
#: members absent from the canonical form when a table has none
OPTIONAL_MEMBERS = ("exclusions",)


# --------------------------------------------------------------------------- diff


def diff_catalogs(old: Catalog, new: Catalog) -> list[Change]:
    """Every schema difference from `old` to `new`, sorted by (schema, table, column, kind).

    MySQL/MariaDB catalogs are compared without their database's name (`Catalog.portable`); the
    changes then name the new side's database again (the old one's, failing that), as pages do.
    """
    database = new.own_database() or old.own_database()
    changes = _diff(old.portable(), new.portable())
    if database:
        for change in changes:
            if change.schema == "":
                change.schema = database
    return changes


def _diff(old: Catalog, new: Catalog) -> list[Change]:
    a = {t.key: t.canonical() for t in old.tables}
    b = {t.key: t.canonical() for t in new.tables}
    changes: list[Change] = []
    for key in sorted(a.keys() - b.keys()):
        t = a[key]
        changes.append(Change("table_removed", t["schema"], t["name"], None, t, None, True))
    for key in sorted(b.keys() - a.keys()):
        t = b[key]
        changes.append(Change("table_added", t["schema"], t["name"], None, None, t, False))
    for key in sorted(a.keys() & b.keys()):
        if a[key] != b[key]:
            changes.extend(_diff_table(a[key], b[key]))
    for schema in sorted(old.schema_comments.keys() | new.schema_comments.keys()):
        before, after = old.schema_comments.get(schema), new.schema_comments.get(schema)
        if before != after:
            changes.append(Change("schema_comment_changed", schema, "", None, before, after, False))
    changes.extend(diff_kinds.diff_objects(old, new))
    return sorted(changes, key=_sort_key)


#: tables (with their triggers) first, then types, sequences and routines
_CATEGORY_ORDER = {"table": 0, "trigger": 0, "type": 1, "sequence": 2, "routine": 3}


def _sort_key(c: Change) -> tuple[int, str, str, str, str, str]:
    raw = json.dumps([c.before, c.after], sort_keys=True, default=str)
    return (_CATEGORY_ORDER[c.category], c.schema, c.table, c.column or "", c.kind, raw)


def _diff_table(a: dict[str, Any], b: dict[str, Any]) -> list[Change]:
    s, t = a["schema"], a["name"]
    out: list[Change] = []

    def add(kind: str, column: str | None, before: Any, after: Any, breaking: bool) -> None:
        out.append(Change(kind, s, t, column, before, after, breaking))

    if a["kind"] != b["kind"]:
        add("table_kind_changed", None, a["kind"], b["kind"], True)
    if a["comment"] != b["comment"]:
        add("table_comment_changed", None, a["comment"], b["comment"], False)
    if a["definition"] != b["definition"]:
        add("view_definition_changed", None, a["definition"], b["definition"], False)
    for fld, breaks in TABLE_FIELDS.items():
        if a.get(fld) != b.get(fld):
            add(f"{fld}_changed", None, a.get(fld), b.get(fld), breaks)
    if a.get("partitions") != b.get("partitions"):
        kept = {p["name"]: p["bound"] for p in b.get("partitions") or []}
        lost = any(kept.get(p["name"], object()) != p["bound"] for p in a.get("partitions") or [])
        add("partitions_changed", None, a.get("partitions"), b.get("partitions"), lost)

    old_cols = {c["name"]: c for c in a["columns"]}
    new_cols = {c["name"]: c for c in b["columns"]}
    for name in old_cols.keys() - new_cols.keys():
        add("column_removed", name, old_cols[name], None, True)
    new_order = [c["name"] for c in b["columns"]]
    for name in new_cols.keys() - old_cols.keys():
        col = new_cols[name]
        required = not col["nullable"] and col["default"] is None and not col["identity"] and col["generated"] is None
        add("column_added", name, None, col, required)
        out[-1].position = new_order.index(name)
    for name in old_cols.keys() & new_cols.keys():
        for fld in COLUMN_FIELDS:
            before, after = old_cols[name].get(fld), new_cols[name].get(fld)
            if before != after:
                breaks = _column_change_breaks(fld, before, after, new_cols[name])
                add(f"column_{fld}_changed", name, before, after, breaks)
    # a reorder is the kept columns in another order; added columns carry their position instead
    if [n for n in old_cols if n in new_cols] != [n for n in new_order if n in old_cols]:
        add("columns_reordered", None, [c["name"] for c in a["columns"]], new_order, False)

    if a["primary_key"] != b["primary_key"]:
        if a["primary_key"] and b["primary_key"] and _bare(a["primary_key"]) == _bare(b["primary_key"]):
            kind = _same_member_kind("primary_key", a["primary_key"], b["primary_key"])
            add(kind, None, a["primary_key"], b["primary_key"], False)
        else:
            add("primary_key_changed", None, a["primary_key"], b["primary_key"], True)
    for member, label in SET_MEMBERS.items():
        before_set = Counter(json.dumps(m, sort_keys=True) for m in a.get(member, []))
        after_set = Counter(json.dumps(m, sort_keys=True) for m in b.get(member, []))
        removed = [json.loads(raw) for raw in sorted((before_set - after_set).elements())]
        added = [json.loads(raw) for raw in sorted((after_set - before_set).elements())]
        for old in list(removed):  # the same constraint with another comment or inheritance: not a new one
            match = next((new for new in added if _bare(new) == _bare(old)), None)
            if match is not None:
                removed.remove(old)
                added.remove(match)
                add(_same_member_kind(label, old, match), None, old, match, False)
        for old in list(removed):  # the same constraint under another name (or a name read where none was)
            match = next((new for new in added if _unnamed(new) == _unnamed(old)), None)
            if match is not None:
                removed.remove(old)
                added.remove(match)
                add(f"{label}_renamed", None, old, match, False)
        for old in removed:
            add(f"{label}_removed", None, old, None, False)
        for new in added:
            add(f"{label}_added", None, None, new, True)
    old_idx = {i["name"]: i for i in a["indexes"]}
    new_idx = {i["name"]: i for i in b["indexes"]}
    for name in sorted(old_idx.keys() - new_idx.keys()):
        add("index_removed", None, old_idx[name], None, _serves_match(old_idx[name]))
    for name in sorted(new_idx.keys() - old_idx.keys()):
        add("index_added", None, None, new_idx[name], bool(new_idx[name]["unique"]))
    for name in sorted(old_idx.keys() & new_idx.keys()):
        before, after = old_idx[name], new_idx[name]
        if before == after:
            continue
        if _bare(before) == _bare(after) and before.get("inherited") != after.get("inherited"):
            add("index_inheritance_changed", None, before, after, False)
        else:
            add("index_changed", None, before, after, _index_change_breaks(before, after))
    return out


def _bare(member: dict[str, Any]) -> dict[str, Any]:
    """A member without what does not change what it enforces: its comment, whether a parent made it."""
    return {k: v for k, v in member.items() if k not in ("comment", "inherited")}


def _unnamed(member: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in _bare(member).items() if k != "name"}


def _same_member_kind(label: str, before: dict[str, Any], after: dict[str, Any]) -> str:
    """The same constraint with another comment, or made by / cut loose from a parent (DETACH PARTITION)."""
    if before.get("inherited", False) != after.get("inherited", False):
        return f"{label}_inheritance_changed"
    return f"{label}_comment_changed"


def _serves_match(index: dict[str, Any]) -> bool:
    """MySQL/MariaDB answer MATCH … AGAINST only from a FULLTEXT index: without it those queries fail."""
    return index.get("method") == "fulltext"


def _index_change_breaks(before: dict[str, Any], after: dict[str, Any]) -> bool:
    """Breaking when writers may now fail (unique, or NULLs no longer distinct) or MATCH queries lose their index.

    Another access method (GiST -> GIN), operator class, key order or INCLUDE list changes how fast
    queries run, not whether they run: additive.
    """
    if after["unique"] and not before["unique"]:
        return True
    if after["unique"] and after.get("nulls_not_distinct") and not before.get("nulls_not_distinct"):
        return True
    return _serves_match(before) and not _serves_match(after)


def _column_change_breaks(fld: str, before: Any, after: Any, col: dict[str, Any]) -> bool:
    if fld == "type":
        enum_breaks = enum_change_breaks(before, after)  # an ENUM/SET that only gained values still works
        return True if enum_breaks is None else enum_breaks
    if fld == "generated_storage":  # VIRTUAL <-> STORED: the same values, computed at another time
        return False
    if fld in ("identity", "generated"):
        return True
    if fld == "nullable":
        return before is True and after is False
    if fld == "default":
        return after is None and not col["nullable"]
    if fld == "on_update":  # the server stops refreshing the column: readers get stale values, silently
        return before is not None and after is None
    return False  # comment


# --------------------------------------------------------------------------- apply


def apply_changes(old: Catalog, changes: list[Change]) -> Catalog:
    """`old` with `changes` applied: diff_catalogs(a, b) applied to a gives b's hashes."""
    if old.dialect == "mysql":  # one database, left out of the canonical form: so from the changes applied to it
        changes = [dataclasses.replace(c, schema="") for c in changes]
    data = copy.deepcopy(old.canonical())
    objects: dict[str, dict[str, Any]] = data["objects"]
    comments: dict[str, str] = data["schema_comments"]
    # a reorder names the final order, so it goes after the columns it orders were added
    for ch in sorted(changes, key=lambda c: c.kind == "columns_reordered"):
        key = object_key(ch.schema, ch.table)
        if ch.kind == "schema_comment_changed":
            if ch.after is None:
                comments.pop(ch.schema, None)
            else:
                comments[ch.schema] = ch.after
            continue
        if ch.kind == "table_added":
            objects[key] = copy.deepcopy(ch.after)
            continue
        if ch.kind == "table_removed":
            objects.pop(key, None)
            continue
        if ch.category != "table":
            diff_kinds.apply_object_change(data, ch)
            continue
        _apply_to_table(objects[key], ch)
    _place_added_columns(objects, changes)
    return Catalog.from_canonical(data)


def _place_added_columns(objects: dict[str, dict[str, Any]], changes: list[Change]) -> None:
    """Move added columns to their positions, lowest first (the others already stand in their final order)."""
    placed: dict[str, list[Change]] = {}
    for ch in changes:
        if ch.kind == "column_added" and ch.position is not None and object_key(ch.schema, ch.table) in objects:
            placed.setdefault(object_key(ch.schema, ch.table), []).append(ch)
    for key, added in placed.items():
        names = {ch.column for ch in added}
        columns = objects[key]["columns"]
        by_name = {c["name"]: c for c in columns}
        final = [c for c in columns if c["name"] not in names]
        for ch in sorted(added, key=lambda c: c.position or 0):
            final.insert(ch.position or 0, by_name[ch.column or ""])
        objects[key]["columns"] = final


def _apply_to_table(t: dict[str, Any], ch: Change) -> None:
    simple = {
        "table_kind_changed": "kind",
        "table_comment_changed": "comment",
        "view_definition_changed": "definition",
        "primary_key_changed": "primary_key",
    }
    simple["primary_key_comment_changed"] = simple["primary_key_inheritance_changed"] = "primary_key"
    if ch.kind in simple:
        t[simple[ch.kind]] = copy.deepcopy(ch.after)
        return
    optional = {f"{fld}_changed": fld for fld in TABLE_FIELDS} | {"partitions_changed": "partitions"}
    if ch.kind in optional:  # absent from the canonical form when unset
        if ch.after is None:
            t.pop(optional[ch.kind], None)
        else:
            t[optional[ch.kind]] = copy.deepcopy(ch.after)
        return
    if ch.kind == "column_added":
        t["columns"].append(copy.deepcopy(ch.after))
        return
    if ch.kind == "column_removed":
        t["columns"] = [c for c in t["columns"] if c["name"] != ch.column]
        return
    if ch.kind.startswith("column_") and ch.kind.endswith("_changed"):
        fld = ch.kind[len("column_") : -len("_changed")]
        for c in t["columns"]:
            if c["name"] == ch.column:
                if fld in OPTIONAL_COLUMN_FIELDS and ch.after is None:
                    c.pop(fld, None)
                else:
                    c[fld] = ch.after
        return
    if ch.kind == "columns_reordered":
        pos = {name: i for i, name in enumerate(ch.after)}
        t["columns"].sort(key=lambda c: pos.get(c["name"], len(pos)))
        return
    for member, label in {**SET_MEMBERS, "indexes": "index"}.items():
        if ch.kind == f"{label}_added":
            t.setdefault(member, []).append(copy.deepcopy(ch.after))
            return
        if ch.kind == f"{label}_removed":
            t[member].remove(ch.before)
            if member in OPTIONAL_MEMBERS and not t[member]:
                del t[member]
            return
        same = (f"{label}_comment_changed", f"{label}_inheritance_changed", f"{label}_renamed")
        if ch.kind in same and label != "index":
            t[member][t[member].index(ch.before)] = copy.deepcopy(ch.after)
            return
        if ch.kind in (f"{label}_changed", f"{label}_inheritance_changed"):
            t[member] = [ch.after if m["name"] == ch.before["name"] else m for m in t[member]]
            return
    raise ValueError(f"unknown change kind {ch.kind!r}")
