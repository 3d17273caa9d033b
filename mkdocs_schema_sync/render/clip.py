"""Long database text on pages: a captured statement or a comment is shown up to a limit, then
"… (N more characters)". A 1 MB comment must not make every index page 1 MB (nor the build slow).

Statements are masked before they are clipped, so a cut can never leave half a password behind.
"""

from __future__ import annotations

import copy

from ..catalog import Catalog

#: characters of a captured statement shown in its code block on the change-log page
STATEMENT_CHARS = 10_000
#: characters of a statement in the one-line summary of a table page's recent changes
INLINE_STATEMENT_CHARS = 300
#: characters of a table, column, index or schema comment (or description) on any page
COMMENT_CHARS = 2_000


def clip(text: str | None, limit: int) -> str | None:
    if text is None or len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit:,} more characters)"


def clip_comments(catalog: Catalog, limit: int = COMMENT_CHARS) -> Catalog:
    """The catalog with every comment clipped; the same object when none is that long (the common case)."""

    def long(text: str | None) -> bool:
        return text is not None and len(text) > limit

    too_long = any(long(c) for c in catalog.schema_comments.values()) or any(
        long(t.comment) or any(long(c.comment) for c in t.columns) or any(long(i.comment) for i in t.indexes)
        for t in catalog.tables
    )
    if not too_long:
        return catalog
    out = copy.deepcopy(catalog)
    out.schema_comments = {s: clip(c, limit) or "" for s, c in out.schema_comments.items()}
    for table in out.tables:
        table.comment = clip(table.comment, limit)
        for column in table.columns:
            column.comment = clip(column.comment, limit)
        for index in table.indexes:
            index.comment = clip(index.comment, limit)
    return out
