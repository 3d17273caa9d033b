"""Mermaid ER diagrams, keyword-proof: every entity is a generated identifier with its real name as a label.

A table may be called `end`, `class`, `style`, `one` or `to`, all words Mermaid's ER lexer reads as
syntax wherever they stand. So an entity is `e_<hash of its key>["the name"]` (entity aliases, Mermaid
10.5 and later: the bundled 11 and Material's), attribute names and types that are key markers
(`PK`, `FK`, `UK`) are changed, with the real name as the attribute's comment, and every label goes
through `escape.mermaid_string`. tests/test_mermaid_parse.py checks this against the keyword list of
the bundled Mermaid's own lexer.
"""

from __future__ import annotations

import hashlib

from markupsafe import Markup

from ..catalog import Catalog, Table
from .escape import fence, mermaid_id, mermaid_string, mermaid_type

# Drawn at its own size, not shrunk to the page's width (at 11 tables the text was 5 px on a 1400 px page);
# the stylesheet the plugin adds in every `mermaid` mode (assets/schema-sync.css) makes the block after
# MARKER a scroll box. Front-matter config: Mermaid 10.5 and later, as the entity aliases.
ER_CONFIG = "---\nconfig:\n  er:\n    useMaxWidth: false\n---\n"
MARKER = '<div class="schema-sync-er"></div>'


def er_block(diagram: str) -> Markup:
    """An ER diagram for a page: the marker the stylesheet keys on, then the fenced diagram."""
    return Markup(f"{MARKER}\n\n") + fence(diagram, "mermaid")


class _Ids:
    """Stable, unique entity identifiers: `e_` and a hash of the table's key, never a Mermaid word."""

    def __init__(self) -> None:
        self._used: set[str] = set()

    def get(self, key: str) -> str:
        digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
        candidate, n = f"e_{digest[:10]}", 0
        while candidate in self._used:  # two keys sharing 40 bits: unlikely, still handled
            n += 1
            candidate = f"e_{digest[:10]}_{n}"
        self._used.add(candidate)
        return candidate


def er_diagram(catalog: Catalog, tables: list[Table], *, columns: bool = True) -> str:
    """An erDiagram of `tables` and the foreign keys among them."""
    ids = _Ids()
    keyed = {t.key: t for t in tables}
    name_of = {t.key: ids.get(t.key) for t in tables}
    lines = [ER_CONFIG + "erDiagram"]
    for table in tables:
        label = mermaid_string(table.name) or "(no printable name)"
        lines.extend(_entity(table, f'{name_of[table.key]}["{label}"]', columns))
    for table in tables:
        for fk in table.foreign_keys:
            if fk.ref_key not in keyed:
                continue
            nullable = any((c := table.column(name)) is not None and c.nullable for name in fk.columns)
            unique = _is_unique(table, fk.columns)
            # parent on the left (`||` exactly one, `|o` zero or one), child on the right (`o{` many, `o|` one)
            parent = "|o" if nullable else "||"
            child = "o|" if unique else "o{"
            label = mermaid_string(fk.name or ", ".join(fk.columns)) or "fk"
            lines.append(f'    {name_of[fk.ref_key]} {parent}--{child} {name_of[table.key]} : "{label}"')
    return "\n".join(lines)


def _entity(table: Table, ident: str, columns: bool) -> list[str]:
    if not columns or not table.columns:
        return [f"    {ident} {{", "    }"]
    pk = set(table.primary_key.columns) if table.primary_key else set()
    fk_cols = {c for fk in table.foreign_keys for c in fk.columns}
    unique_cols = {u.columns[0] for u in table.uniques if len(u.columns) == 1}
    seen: set[str] = set()
    out = [f"    {ident} {{"]
    for col in table.columns:
        name = mermaid_id(col.name)
        while name in seen:
            name += "_"
        seen.add(name)
        flags = (("PK", col.name in pk), ("FK", col.name in fk_cols), ("UK", col.name in unique_cols))
        keys = [k for k, on in flags if on]
        line = f"        {mermaid_type(col.type)} {name}"
        if keys:
            line += " " + ",".join(keys)
        if name != col.name:
            line += f' "{mermaid_string(col.name)}"'
        out.append(line)
    out.append("    }")
    return out


def _is_unique(table: Table, cols: list[str]) -> bool:
    wanted = set(cols)
    if table.primary_key and set(table.primary_key.columns) == wanted:
        return True
    return any(set(u.columns) == wanted for u in table.uniques) or any(
        i.unique and i.where is None and set(i.columns) == wanted for i in table.indexes
    )


def neighbourhood(catalog: Catalog, table: Table) -> list[Table]:
    """The table plus the tables its foreign keys point at and those pointing at it."""
    keys = {table.key}
    keys.update(fk.ref_key for fk in table.foreign_keys)
    keys.update(t.key for t, _ in catalog.referencing(table))
    found = (catalog.by_key(k) for k in sorted(keys))
    return sorted((t for t in found if t is not None), key=lambda t: (t.schema, t.name))


def overview_selection(catalog: Catalog, tables: list[Table], limit: int) -> list[Table]:
    """At most `limit` tables: the most connected ones first, so a large schema stays readable."""
    if len(tables) <= limit:
        return tables
    degree = {t.key: len(t.foreign_keys) for t in tables}
    for t in tables:
        for fk in t.foreign_keys:
            if fk.ref_key in degree:
                degree[fk.ref_key] += 1
    chosen = sorted(tables, key=lambda t: (-degree[t.key], t.key))[:limit]
    keep = {t.key for t in chosen}
    return [t for t in tables if t.key in keep]
