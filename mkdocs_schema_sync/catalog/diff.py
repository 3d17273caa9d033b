"""What changed between two catalogs, each change classified additive or breaking.

`diff_catalogs(old, new)` compares the canonical forms (the same data the
per-object hashes are computed from), so every difference that moves a hash is
reported, and `apply_changes(old, changes)` rebuilds `new` from them (the
property tests check exactly that).

Breaking means an existing reader or writer may fail: a table or column gone,
a type, key, identity or kind changed, a column made NOT NULL, a NOT NULL
column added without a default, a constraint or unique index added. Comments,
new tables, new nullable columns, dropped constraints and plain indexes are
additive.
"""

from __future__ import annotations

import copy
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .model import Catalog

COLUMN_FIELDS = ("type", "nullable", "default", "identity", "generated", "comment")
#: members compared as multisets of their canonical form (unnamed in SQLite)
SET_MEMBERS = {"uniques": "unique", "foreign_keys": "foreign_key", "checks": "check"}


@dataclass
class Change:
    kind: str
    schema: str
    table: str
    column: str | None
    before: Any
    after: Any
    breaking: bool
    contracts: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.schema}.{self.table}" if self.table else self.schema

    def describe(self) -> str:
        """One line for people: what changed, from what to what."""
        where = self.key + (f".{self.column}" if self.column else "")
        what = self.kind.replace("_", " ")
        if self.kind in ("table_added", "table_removed", "column_added", "column_removed"):
            return f"{what}: {where}" + (f" ({short(self.after)})" if self.kind == "column_added" else "")
        if self.kind.endswith(("_added", "_removed")):
            return f"{what} on {where}: {short(self.after if self.after is not None else self.before)}"
        return f"{what} on {where}: {short(self.before)} -> {short(self.after)}"


def short(value: Any) -> str:
    """A member or value in a few words, for one-line descriptions and table cells."""
    if value is None:
        return "none"
    if isinstance(value, dict):
        if "type" in value and "name" in value and "nullable" in value:
            null = "" if value["nullable"] else " NOT NULL"
            return f"{value['name']} {value['type']}{null}"
        if "kind" in value and "schema" in value:
            return f"{value['kind']} {value['schema']}.{value['name']}"
        if "expression" in value:
            return str(value["expression"])
        cols = ", ".join(value.get("columns") or [])
        name = value.get("name") or ""
        ref = ""
        if "ref_table" in value:
            ref = f" -> {value['ref_schema']}.{value['ref_table']}({', '.join(value['ref_columns'])})"
        return f"{name} ({cols}){ref}".strip()
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    text = " ".join(str(value).split())
    return text if len(text) <= 80 else text[:79] + "…"


# --------------------------------------------------------------------------- diff


def diff_catalogs(old: Catalog, new: Catalog) -> list[Change]:
    """Every schema difference from `old` to `new`, sorted by (schema, table, column, kind)."""
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
    return sorted(changes, key=_sort_key)


def _sort_key(c: Change) -> tuple[str, str, str, str, str]:
    return (c.schema, c.table, c.column or "", c.kind, json.dumps([c.before, c.after], sort_keys=True, default=str))


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

    old_cols = {c["name"]: c for c in a["columns"]}
    new_cols = {c["name"]: c for c in b["columns"]}
    for name in old_cols.keys() - new_cols.keys():
        add("column_removed", name, old_cols[name], None, True)
    for name in new_cols.keys() - old_cols.keys():
        col = new_cols[name]
        required = not col["nullable"] and col["default"] is None and not col["identity"] and col["generated"] is None
        add("column_added", name, None, col, required)
    for name in old_cols.keys() & new_cols.keys():
        for fld in COLUMN_FIELDS:
            before, after = old_cols[name][fld], new_cols[name][fld]
            if before != after:
                breaks = _column_change_breaks(fld, before, after, new_cols[name])
                add(f"column_{fld}_changed", name, before, after, breaks)
    # the order apply_changes leaves: kept columns, then added ones in the changes' (sorted) order
    expected = [n for n in old_cols if n in new_cols] + sorted(new_cols.keys() - old_cols.keys())
    new_order = [c["name"] for c in b["columns"]]
    if expected != new_order:
        add("columns_reordered", None, [c["name"] for c in a["columns"]], new_order, False)

    if a["primary_key"] != b["primary_key"]:
        add("primary_key_changed", None, a["primary_key"], b["primary_key"], True)
    for member, label in SET_MEMBERS.items():
        before_set = Counter(json.dumps(m, sort_keys=True) for m in a[member])
        after_set = Counter(json.dumps(m, sort_keys=True) for m in b[member])
        for raw in sorted((before_set - after_set).elements()):
            add(f"{label}_removed", None, json.loads(raw), None, False)
        for raw in sorted((after_set - before_set).elements()):
            add(f"{label}_added", None, None, json.loads(raw), True)
    old_idx = {i["name"]: i for i in a["indexes"]}
    new_idx = {i["name"]: i for i in b["indexes"]}
    for name in sorted(old_idx.keys() - new_idx.keys()):
        add("index_removed", None, old_idx[name], None, False)
    for name in sorted(new_idx.keys() - old_idx.keys()):
        add("index_added", None, None, new_idx[name], bool(new_idx[name]["unique"]))
    for name in sorted(old_idx.keys() & new_idx.keys()):
        if old_idx[name] != new_idx[name]:
            became_unique = new_idx[name]["unique"] and not old_idx[name]["unique"]
            add("index_changed", None, old_idx[name], new_idx[name], bool(became_unique))
    return out


def _column_change_breaks(fld: str, before: Any, after: Any, col: dict[str, Any]) -> bool:
    if fld in ("type", "identity", "generated"):
        return True
    if fld == "nullable":
        return before is True and after is False
    if fld == "default":
        return after is None and not col["nullable"]
    return False  # comment


# --------------------------------------------------------------------------- apply


def apply_changes(old: Catalog, changes: list[Change]) -> Catalog:
    """`old` with `changes` applied: diff_catalogs(a, b) applied to a gives b's hashes."""
    data = copy.deepcopy(old.canonical())
    objects: dict[str, dict[str, Any]] = data["objects"]
    comments: dict[str, str] = data["schema_comments"]
    # a reorder names the final order, so it goes after the columns it orders were added
    for ch in sorted(changes, key=lambda c: c.kind == "columns_reordered"):
        key = f"{ch.schema}.{ch.table}"
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
        _apply_to_table(objects[key], ch)
    return Catalog.from_canonical(data)


def _apply_to_table(t: dict[str, Any], ch: Change) -> None:
    simple = {
        "table_kind_changed": "kind",
        "table_comment_changed": "comment",
        "view_definition_changed": "definition",
        "primary_key_changed": "primary_key",
    }
    if ch.kind in simple:
        t[simple[ch.kind]] = copy.deepcopy(ch.after)
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
                c[fld] = ch.after
        return
    if ch.kind == "columns_reordered":
        pos = {name: i for i, name in enumerate(ch.after)}
        t["columns"].sort(key=lambda c: pos.get(c["name"], len(pos)))
        return
    for member, label in {**SET_MEMBERS, "indexes": "index"}.items():
        if ch.kind == f"{label}_added":
            t[member].append(copy.deepcopy(ch.after))
            return
        if ch.kind == f"{label}_removed":
            t[member].remove(ch.before)
            return
        if ch.kind == f"{label}_changed":
            t[member] = [ch.after if m["name"] == ch.before["name"] else m for m in t[member]]
            return
    raise ValueError(f"unknown change kind {ch.kind!r}")
