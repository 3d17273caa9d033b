"""Page addresses: database names to file names that are unique by construction (README "Page addresses").

A name is *plain* when it is its own safe file name: letters, digits, `_`, `.`, `-` only, no leading
or trailing dot, at most `MAX_SLUG` characters, not reserved (`index`, `README` and the pages beside
it, in any case), not ending like a hash (`-` and six hex digits), and no other name of the folder
equal to it but for case. A plain name is its own slug. Every other name is its safe characters
(others become `-`, cut to fit) plus `-` and the first six hex digits of the SHA-256 of the whole
name. So a plain slug never ends like a hash and every hashed one does: `a b` (`a-b-c8687a`) and a
table literally named `a-b-c8687a` (hashed too: `a-b-c8687a-…`) cannot share a page, and the hash,
not the readable part, tells two hashed names apart. Two names that still meet, case-insensitively
(a 24-bit hash collision), are a hard error naming both.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict

from ..errors import SchemaSyncError

MAX_SLUG = 128
_HASH = 6
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")
_LOOKS_HASHED = re.compile(r"-[0-9A-Fa-f]{6}$")
#: MkDocs makes README.md a folder's index page, like index.md
ALWAYS_RESERVED = frozenset({"index", "readme"})


def short_hash(name: str) -> str:
    """The hash part of a slug (a lone surrogate a driver returned is hashed as its code point)."""
    return hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:_HASH]


def _safe(name: str) -> str:
    return _UNSAFE.sub("-", name).strip(".")


def _hashed(name: str) -> str:
    readable = _safe(name)[: MAX_SLUG - _HASH - 1].rstrip(".") or "-"
    return f"{readable}-{short_hash(name)}"


def slugs(
    names: list[str], reserved: set[str] | frozenset[str] = frozenset(), *, what: str = "objects"
) -> dict[str, str]:
    """File names (without `.md`) for `names`, which share one folder; see the module docstring."""
    taken = {r.lower() for r in reserved} | ALWAYS_RESERVED
    plain_lower: dict[str, int] = defaultdict(int)
    for name in names:
        plain_lower[name.lower()] += 1
    out: dict[str, str] = {}
    for name in names:
        plain = (
            _safe(name) == name
            and 0 < len(name) <= MAX_SLUG
            and not _LOOKS_HASHED.search(name)
            and name.lower() not in taken
            and plain_lower[name.lower()] == 1
        )
        out[name] = name if plain else _hashed(name)
    owner: dict[str, str] = {}
    for name, slug in out.items():
        other = owner.setdefault(slug.lower(), name)
        if other != name:
            raise SchemaSyncError(
                f"two {what} would share one page, {slug}.md: {other!r} and {name!r}; rename one of them"
            )
    return out
