"""The words Mermaid's ER lexer reads as syntax, taken from the bundled Mermaid itself.

The erDiagram lexer is a list of regular expressions in `mermaid.min.js` (the one that holds
`optionally to`); every letter run outside a character class and an escape is a word the lexer
matches somewhere. The issue's list (words seen to break diagrams in other Mermaid versions) is added.
"""

from __future__ import annotations

import functools
import re

from mkdocs_schema_sync.plugin import mermaid

SEEN_BREAKING = [
    "end",
    "class",
    "classDef",
    "style",
    "direction",
    "accTitle",
    "accDescr",
    "erDiagram",
    "click",
    "one",
    "only",
    "to",
    "zero",
    "many",
    "u",
    "optionally",
]


@functools.cache
def er_keywords() -> tuple[str, ...]:
    script = (mermaid.PACKAGE_ASSETS / "mermaid.min.js").read_text(encoding="utf-8")
    at = script.index("optionally to")
    rules = script[script.rindex("rules:[", 0, at) : script.index("],conditions:", at)]
    words: set[str] = set()
    for source in re.findall(r"/\^\(\?:(.*?)\)/i?,", rules + ","):
        source = re.sub(r"\[(?:\\.|[^\]])*\]", " ", source)  # character classes
        source = re.sub(r"\\.|\(\?[:=!]", " ", source)  # escapes (\b \s \| …) and group openers
        words.update(w for w in re.findall(r"[A-Za-z]+", source))
    assert {"end", "class", "classDef", "optionally", "erDiagram", "PK"} <= words, sorted(words)
    return tuple(sorted(words | set(SEEN_BREAKING)))


def keyword_schema() -> str:
    """SQLite DDL: per keyword a table of that name, a column of that name and type, an FK named by it."""
    words = er_keywords()
    out = []
    for i, word in enumerate(words):
        q = '"' + word + '"'
        ref = '"' + words[i - 1] + '"'
        phrase = '"' + f"{word} direction TB" + '"'
        out.append(
            f"CREATE TABLE {q} ({q} {q} PRIMARY KEY, {phrase} INTEGER CONSTRAINT {q} REFERENCES {ref} ({ref}),"
            f' "t{i}" "{word.lower()}", "x{i}" INTEGER CONSTRAINT {phrase} REFERENCES {ref} ({ref}));'
        )
    return "\n".join(out)
