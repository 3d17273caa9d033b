"""Changes to routines, triggers, user-defined types and sequences, and applying them back.

Breaking: a routine or trigger dropped, a routine's signature changed (its
argument types, argument list, return type or kind), a trigger disabled, or
its timing or level changed, or an event (or an UPDATE OF column) it fired on
dropped: writes it handled now go without it, and a function written for
BEFORE or FOR EACH ROW does something else AFTER or per statement (a BEFORE
trigger returning NULL skips the row). A trigger that fires on more events, a
type dropped or an enum value removed (or the values reordered), a domain's
base type changed or a constraint added to it, a composite type's field removed
or retyped, a sequence dropped or retyped. A changed body, an added enum value,
comments and new objects are not; body changes carry a short textual diff
(`Change.detail()`).
"""

from __future__ import annotations

import copy
from collections import defaultdict
from typing import Any

from .change import Change
from .model import Catalog, object_key

#: the snapshot map of each object category
MAPS = {"routine": "routines", "trigger": "triggers", "type": "types", "sequence": "sequences"}
#: what identifies a routine for its callers, beside the argument types in its key
_SIGNATURE = ("kind", "arguments", "returns")


def diff_objects(old: Catalog, new: Catalog) -> list[Change]:
    out = _diff_routines(_canonical(old.routine_map()), _canonical(new.routine_map()))
    out += _diff_triggers(_canonical({t.key: t for t in old.triggers}), _canonical({t.key: t for t in new.triggers}))
    out += _diff_types(_canonical({t.key: t for t in old.types}), _canonical({t.key: t for t in new.types}))
    out += _diff_sequences(_canonical({s.key: s for s in old.sequences}), _canonical({s.key: s for s in new.sequences}))
    return out


def _canonical(objects: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {key: obj.canonical() for key, obj in objects.items()}


def _local(key: str, obj: dict[str, Any]) -> str:
    """The key without its schema: `f(integer)` of `public.f(integer)`."""
    return key[len(obj["schema"]) + 1 :] if obj["schema"] else key


def _diff_routines(a: dict[str, dict[str, Any]], b: dict[str, dict[str, Any]]) -> list[Change]:
    out: list[Change] = []
    removed = sorted(a.keys() - b.keys())
    added = sorted(b.keys() - a.keys())
    gone, new = defaultdict(list), defaultdict(list)
    for k in removed:
        gone[(a[k]["schema"], a[k]["name"])].append(k)
    for k in added:
        new[(b[k]["schema"], b[k]["name"])].append(k)
    # one overload replaced by one other of the same name: its signature changed
    for name in sorted(gone.keys() & new.keys()):
        if len(gone[name]) == 1 and len(new[name]) == 1:
            ok, nk = gone[name][0], new[name][0]
            old_local, new_local = _local(ok, a[ok]), _local(nk, b[nk])
            out.append(Change("routine_signature_changed", name[0], new_local, old_local, a[ok], b[nk], True))
            removed.remove(ok)
            added.remove(nk)
    out += [Change("routine_removed", a[k]["schema"], _local(k, a[k]), None, a[k], None, True) for k in removed]
    out += [Change("routine_added", b[k]["schema"], _local(k, b[k]), None, None, b[k], False) for k in added]
    for k in sorted(a.keys() & b.keys()):
        x, y = a[k], b[k]
        if x == y:
            continue
        schema, local = x["schema"], _local(k, x)
        if any(x[f] != y[f] for f in _SIGNATURE):
            out.append(Change("routine_signature_changed", schema, local, None, x, y, True))
            continue
        for fld in ("definition", "comment", "language", "extension"):
            if x[fld] != y[fld]:
                out.append(Change(f"routine_{fld}_changed", schema, local, None, x[fld], y[fld], False))
    return out


def _diff_triggers(a: dict[str, dict[str, Any]], b: dict[str, dict[str, Any]]) -> list[Change]:
    out = [Change("trigger_removed", t["schema"], t["table"], t["name"], t, None, True) for t in _only(a, b)]
    out += [Change("trigger_added", t["schema"], t["table"], t["name"], None, t, False) for t in _only(b, a)]
    for k in sorted(a.keys() & b.keys()):
        x, y = a[k], b[k]
        if x == y:
            continue
        where = (x["schema"], x["table"], x["name"])
        if x["enabled"] != y["enabled"]:
            kind = "trigger_enabled" if y["enabled"] else "trigger_disabled"
            out.append(Change(kind, *where, x["enabled"], y["enabled"], not y["enabled"]))
        if x["comment"] != y["comment"]:
            out.append(Change("trigger_comment_changed", *where, x["comment"], y["comment"], False))
        if _without(x, "enabled", "comment") != _without(y, "enabled", "comment"):
            out.append(Change("trigger_changed", *where, x, y, _trigger_change_breaks(x, y)))
    return out


def _trigger_change_breaks(x: dict[str, Any], y: dict[str, Any]) -> bool:
    if x["timing"] != y["timing"] or x["level"] != y["level"]:
        return True
    return not all(_fires_on(event, y["events"]) for event in x["events"])


def _fires_on(event: str, events: list[str]) -> bool:
    """Does a trigger on `events` still fire where it fired on `event`? (`UPDATE` covers `UPDATE OF a`.)"""
    if event in events:
        return True
    if not event.startswith("UPDATE OF "):
        return False
    wanted = set(event[len("UPDATE OF ") :].split(", "))
    for other in events:
        if other == "UPDATE" or (other.startswith("UPDATE OF ") and wanted <= set(other[10:].split(", "))):
            return True
    return False


def _diff_types(a: dict[str, dict[str, Any]], b: dict[str, dict[str, Any]]) -> list[Change]:
    out = [Change("type_removed", t["schema"], t["name"], None, t, None, True) for t in _only(a, b)]
    out += [Change("type_added", t["schema"], t["name"], None, None, t, False) for t in _only(b, a)]
    for k in sorted(a.keys() & b.keys()):
        x, y = a[k], b[k]
        if x == y:
            continue
        schema, name = x["schema"], x["name"]
        if x["kind"] != y["kind"]:
            out.append(Change("type_changed", schema, name, None, x, y, True))
            continue
        if x["values"] != y["values"]:
            lost = [v for v in x["values"] if v not in y["values"]]
            gained = [v for v in y["values"] if v not in x["values"]]
            out += [Change("enum_value_removed", schema, name, v, x["values"], y["values"], True) for v in lost]
            out += [Change("enum_value_added", schema, name, v, x["values"], y["values"], False) for v in gained]
            if not lost and not gained:  # the sort order of the values is part of the type
                out.append(Change("enum_values_reordered", schema, name, None, x["values"], y["values"], True))
        if x["comment"] != y["comment"]:
            out.append(Change("type_comment_changed", schema, name, None, x["comment"], y["comment"], False))
        if _without(x, "values", "comment") != _without(y, "values", "comment"):
            out.append(Change("type_changed", schema, name, None, x, y, _type_change_breaks(x, y)))
    return out


def _type_change_breaks(x: dict[str, Any], y: dict[str, Any]) -> bool:
    if x["base_type"] != y["base_type"] or (x["nullable"] and not y["nullable"]):
        return True
    if any(c not in x["checks"] for c in y["checks"]):
        return True
    kept = {attr["name"]: attr for attr in y["attributes"]}
    return any(kept.get(attr["name"]) != attr for attr in x["attributes"])


def _diff_sequences(a: dict[str, dict[str, Any]], b: dict[str, dict[str, Any]]) -> list[Change]:
    out = [Change("sequence_removed", s["schema"], s["name"], None, s, None, True) for s in _only(a, b)]
    out += [Change("sequence_added", s["schema"], s["name"], None, None, s, False) for s in _only(b, a)]
    for k in sorted(a.keys() & b.keys()):
        x, y = a[k], b[k]
        if x == y:
            continue
        schema, name = x["schema"], x["name"]
        if x["comment"] != y["comment"]:
            out.append(Change("sequence_comment_changed", schema, name, None, x["comment"], y["comment"], False))
        if _without(x, "comment") != _without(y, "comment"):
            out.append(Change("sequence_changed", schema, name, None, x, y, x["data_type"] != y["data_type"]))
    return out


def _only(a: dict[str, dict[str, Any]], b: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [a[k] for k in sorted(a.keys() - b.keys())]


def _without(obj: dict[str, Any], *fields: str) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if k not in fields}


# --------------------------------------------------------------------------- apply


def apply_object_change(data: dict[str, Any], ch: Change) -> None:
    """Apply one routine/trigger/type/sequence change to a catalog's canonical form, in place."""
    store: dict[str, Any] = data.setdefault(MAPS[ch.category], {})
    key = object_key(ch.schema, ch.table) + (f".{ch.column}" if ch.category == "trigger" else "")
    kind = ch.kind
    if kind.startswith("enum_value"):
        store[key]["values"] = list(ch.after)
    elif kind.endswith("_added"):
        store[key] = copy.deepcopy(ch.after)
    elif kind.endswith("_removed"):
        store.pop(key, None)
    elif kind == "routine_signature_changed":
        if ch.column is not None:  # one overload replaced by another: a new key
            store.pop(object_key(ch.schema, ch.column), None)
        store[key] = copy.deepcopy(ch.after)
    elif kind in ("trigger_changed", "type_changed", "sequence_changed"):
        store[key] = copy.deepcopy(ch.after)
    elif kind in ("trigger_enabled", "trigger_disabled"):
        store[key]["enabled"] = ch.after
    elif kind.endswith("_changed"):  # routine_definition_changed, type_comment_changed …
        fld = kind[len(ch.category) + 1 : -len("_changed")]
        store[key][fld] = copy.deepcopy(ch.after)
    else:
        raise ValueError(f"unknown change kind {kind!r}")
    if not store:
        del data[MAPS[ch.category]]
