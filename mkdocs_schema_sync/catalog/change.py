"""One schema change, as `diff` reports it: what, where, from what to what, breaking or not.

`Change.table` names the object the change is about within its schema: a table
or view, a routine (`name(argument types)`), a type or a sequence; a trigger's
changes name its table there and the trigger in `column`, as a column's do.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from .model import object_key

#: the prefix of a change kind -> the kind of object it is about (everything else: a table or view)
CATEGORIES = {"routine": "routine", "trigger": "trigger", "type": "type", "enum": "type", "sequence": "sequence"}
#: how many lines of a definition's textual diff are shown
DIFF_LINES = 12


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
    #: column_added: where the column stands in the new table (appending is not reordering)
    position: int | None = None

    @property
    def key(self) -> str:
        return object_key(self.schema, self.table) if self.table else self.schema

    @property
    def category(self) -> str:
        """table, routine, trigger, type or sequence (schema comments count as table changes)."""
        return CATEGORIES.get(self.kind.split("_", 1)[0], "table")

    @property
    def where(self) -> str:
        """The object's full name: `schema.table.column`, `schema.f(integer)`, `schema.table.trigger` …"""
        if self.category in ("routine", "type", "sequence"):
            return self.key  # `column` holds an enum value or a routine's old key, not a member
        return self.key + (f".{self.column}" if self.column else "")

    def describe(self) -> str:
        """One line for people: what changed, from what to what."""
        where = self.where
        what = self.kind.replace("_", " ")
        special = _describe_object(self, what, where)
        if special is not None:
            return special
        if self.kind in ("table_added", "table_removed", "column_added", "column_removed"):
            return f"{what}: {where}" + (f" ({short(self.after)})" if self.kind == "column_added" else "")
        if self.kind == "column_type_changed":
            note = enum_note(self.before, self.after)
            return f"{what} on {where}: {short(self.before)} -> {short(self.after)}" + (f" ({note})" if note else "")
        if self.kind.endswith(("_added", "_removed")):
            return f"{what} on {where}: {short(self.after if self.after is not None else self.before)}"
        return f"{what} on {where}: {short(self.before)} -> {short(self.after)}"

    def detail(self) -> list[str]:
        """A short textual diff of the definition, for changes to what an object does (else empty)."""
        pair = _definitions(self)
        if pair is None:
            return []
        return text_diff(*pair)


def _describe_object(c: Change, what: str, where: str) -> str | None:
    """The one-line description of a change to a routine, trigger, type or sequence (None: not one)."""
    cat = c.category
    if cat == "table":
        return None
    if c.kind.endswith(("_added", "_removed")) and not c.kind.startswith("enum_value"):
        obj = c.after if c.after is not None else c.before
        return f"{what}: {where} ({_summary(cat, obj)})"
    if c.kind == "routine_signature_changed":
        return f"{what}: {c.schema}.{_signature(c.before)} -> {_signature(c.after)}"
    if c.kind == "enum_value_removed":
        return f"{what} from {where}: {_quote(c.column)}"
    if c.kind == "enum_value_added":
        values = list(c.after or [])
        pos = values.index(c.column) if c.column in values else -1
        after = f" (after {_quote(values[pos - 1])})" if pos > 0 else " (first)" if pos == 0 else ""
        return f"{what} to {where}: {_quote(c.column)}{after}"
    if c.kind == "enum_values_reordered":
        return f"{what} on {where}: {short(c.before)} -> {short(c.after)}"
    if c.kind in ("trigger_enabled", "trigger_disabled"):
        return f"{what}: {where}"
    if c.kind.endswith("_comment_changed"):
        return f"{what} on {where}: {short(c.before)} -> {short(c.after)}"
    parts = what_changed(c.before, c.after) if isinstance(c.before, dict) and isinstance(c.after, dict) else []
    return f"{what}: {where}" + (f" ({'; '.join(parts)})" if parts else "")


#: fields of a trigger, type or sequence named in a change's text, as people read them
_FIELD_WORDS = {
    "timing": "timing", "events": "events", "level": "level", "function": "runs", "data_type": "type",
    "start": "start", "increment": "increment", "min_value": "min", "max_value": "max", "cycle": "cycle",
    "owned_by": "owned by", "base_type": "base type", "default": "default", "kind": "kind",
    "extension": "extension", "inherited": "inherited",
}  # fmt: skip


def what_changed(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """What differs between two versions of a trigger, type or sequence, field by field, in words:
    `increment 1 → 10`, `check added: VALUE > 1900`, `events INSERT OR UPDATE → INSERT`."""
    out: list[str] = []
    for fld, word in _FIELD_WORDS.items():
        x, y = before.get(fld), after.get(fld)
        if x != y:
            if fld == "events":
                x, y = " OR ".join(x or []), " OR ".join(y or [])
            out.append(f"{word} {short(x)} → {short(y)}")
    if before.get("nullable", True) != after.get("nullable", True):
        out.append("NOT NULL " + ("removed" if after.get("nullable", True) else "added"))
    for label, fld in (("check", "checks"), ("field", "attributes")):
        old = [short(m) for m in before.get(fld) or []]
        new = [short(m) for m in after.get(fld) or []]
        out += [f"{label} removed: {m}" for m in old if m not in new]
        out += [f"{label} added: {m}" for m in new if m not in old]
    if before.get("definition") != after.get("definition") and not out:
        out.append("definition changed")
    return out


def _summary(category: str, obj: dict[str, Any]) -> str:
    if category == "routine":
        returns = f" returns {obj['returns']}" if obj.get("returns") else ""
        return f"{obj.get('kind')}{returns}"
    if category == "trigger":
        return f"{obj.get('timing')} {' OR '.join(obj.get('events') or [])} FOR EACH {obj.get('level')}"
    if category == "type":
        if obj.get("kind") == "enum":
            return "enum " + short(obj.get("values") or [])
        base = f" of {obj['base_type']}" if obj.get("base_type") else ""
        return f"{obj.get('kind')}{base}"
    return f"{obj.get('data_type') or 'sequence'}" + (f", owned by {obj['owned_by']}" if obj.get("owned_by") else "")


def _signature(routine: dict[str, Any]) -> str:
    returns = f" returns {routine['returns']}" if routine.get("returns") else ""
    return f"{routine['name']}({routine.get('arguments') or ''}){returns}"


def _quote(value: object) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _definitions(c: Change) -> tuple[str, str] | None:
    """The before and after text whose diff shows what a change did, where that helps."""
    if c.kind in ("routine_definition_changed", "view_definition_changed"):
        return c.before or "", c.after or ""
    if c.kind in ("trigger_changed", "routine_signature_changed"):
        return (c.before or {}).get("definition") or "", (c.after or {}).get("definition") or ""
    if c.kind.startswith("enum_value"):
        return "\n".join(map(_quote, c.before or [])), "\n".join(map(_quote, c.after or []))
    return None


def details(changes: list[Change]) -> list[tuple[Change, list[str]]]:
    """Each change with its textual diff, a diff already shown for the same object given once."""
    out: list[tuple[Change, list[str]]] = []
    shown: set[tuple[str, tuple[str, ...]]] = set()
    for c in changes:
        lines = c.detail()
        key = (c.where, tuple(lines))
        if lines and key in shown:
            lines = []
        shown.add(key)
        out.append((c, lines))
    return out


def text_diff(before: str, after: str, limit: int = DIFF_LINES) -> list[str]:
    """A unified diff of two texts without headers, at most `limit` lines (then how many more)."""
    lines: list[str] = []
    for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=1):
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):  # hunk headers say nothing to people; mark a gap between hunks
            if lines:
                lines.append("…")
            continue
        lines.append(line)
    if len(lines) > limit:
        lines = [*lines[:limit], f"… {len(lines) - limit} more line(s)"]
    return lines


def short(value: Any) -> str:
    """A member or value in a few words, for one-line descriptions and table cells."""
    if value is None:
        return "none"
    if isinstance(value, dict):
        if "timing" in value and "events" in value:  # a trigger
            return f"{value['name']} ({_summary('trigger', value)})"
        if "signature" in value and "arguments" in value:  # a routine
            return _signature(value)
        if "values" in value and "attributes" in value:  # a user-defined type
            return f"{value['name']} ({_summary('type', value)})"
        if "increment" in value and "owned_by" in value:  # a sequence
            return f"{value['name']} ({_summary('sequence', value)})"
        if "type" in value and "name" in value and "nullable" in value:
            null = "" if value["nullable"] else " NOT NULL"
            return f"{value['name']} {value['type']}{null}"
        if "kind" in value and "schema" in value:
            return f"{value['kind']} {value['schema']}.{value['name']}"
        if "expression" in value:
            return str(value["expression"]) + _inherited(value)
        if "unique" in value and "where" in value:  # an index
            return _index_text(value)
        if "bound" in value:
            return f"{value['name']} {value['bound'] or ''}".strip()
        cols = ", ".join(value.get("columns") or [])
        name = value.get("name") or ""
        ref = ""
        if "ref_table" in value:
            ref = f" -> {value['ref_schema']}.{value['ref_table']}({', '.join(value['ref_columns'])})"
        return f"{name} ({cols}){ref}".strip() + _inherited(value)
    if isinstance(value, list):
        return ", ".join(short(v) if isinstance(v, dict) else str(v) for v in value)
    text = " ".join(str(value).split())
    return text if len(text) <= 80 else text[:79] + "…"


def _inherited(member: dict[str, Any]) -> str:
    return " (inherited)" if member.get("inherited") else ""


def index_keys(index: Any) -> list[str]:
    """Each key of an index (a dict from the snapshot or an Index) with its options: `lower(v) text_pattern_ops`."""
    get = index.get if isinstance(index, dict) else lambda k, d=None: getattr(index, k, d)
    options = get("options") or {}
    return [f"{col} {options[str(i)]}" if str(i) in options else col for i, col in enumerate(get("columns") or [])]


def _index_text(index: dict[str, Any]) -> str:
    """`name USING gin (a DESC) INCLUDE (b) WHERE … unique` in one line."""
    text = index.get("name") or ""
    if index.get("method"):
        text += f" USING {index['method']}"
    text += f" ({', '.join(index_keys(index))})"
    if index.get("include"):
        text += f" INCLUDE ({', '.join(index['include'])})"
    if index.get("where"):
        text += f" WHERE {index['where']}"
    if index.get("unique"):
        text += " unique" + (" nulls not distinct" if index.get("nulls_not_distinct") else "")
    return text + _inherited(index)


def enum_values(type_text: object) -> tuple[str, list[str]] | None:
    """`enum('a','b')` / `set('x')` (MySQL column types) as ("enum", ["a", "b"]); None for other types."""
    if not isinstance(type_text, str):
        return None
    text = type_text.strip()
    head, _, rest = text.partition("(")
    if head.lower() not in ("enum", "set") or not rest.endswith(")"):
        return None
    values: list[str] = []
    i, body = 0, rest[:-1]
    while i < len(body):
        if body[i] != "'":
            i += 1
            continue
        j, buf = i + 1, []
        while j < len(body):
            if body[j] == "'" and j + 1 < len(body) and body[j + 1] == "'":
                buf.append("'")
                j += 2
            elif body[j] == "'":
                break
            else:
                buf.append(body[j])
                j += 1
        values.append("".join(buf))
        i = j + 1
    return head.lower(), values


def enum_note(before: object, after: object) -> str | None:
    """What an ENUM/SET column type change did to its values: `enum value removed: 'c'`."""
    old, new = enum_values(before), enum_values(after)
    if old is None or new is None:
        return None
    removed = [v for v in old[1] if v not in new[1]]
    added = [v for v in new[1] if v not in old[1]]
    parts = []
    if removed:
        parts.append(f"{old[0]} value(s) removed: " + ", ".join(map(_quote, removed)))
    if added:
        parts.append(f"{new[0]} value(s) added: " + ", ".join(map(_quote, added)))
    return "; ".join(parts) or None


def enum_change_breaks(before: object, after: object) -> bool | None:
    """An ENUM/SET column keeps working for its readers and writers when values were only added."""
    old, new = enum_values(before), enum_values(after)
    if old is None or new is None or old[0] != new[0]:
        return None
    return any(v not in new[1] for v in old[1])
