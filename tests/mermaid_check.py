"""A strict line-by-line check of the erDiagram subset we emit, following Mermaid's ER grammar.

Entities are generated identifiers with the name as a quoted label (`e_0123456789["end"] {`).
Used by the tests to prove that hostile names cannot break a diagram: every
line must be one of the forms below, braces must balance, and every entity a
relationship names must be declared.
"""

from __future__ import annotations

import re

from mkdocs_schema_sync.render.mermaid import ER_CONFIG

ENTITY = r"e_[0-9a-f]{10}(?:_[0-9]+)?"  # generated: never a Mermaid keyword
_OPEN = re.compile(rf'^    ({ENTITY})\["[^"%\\\r\n]+"\] \{{$')
_CLOSE = re.compile(r"^    \}$")
_ATTR = re.compile(
    r'^        [A-Za-z_][A-Za-z0-9_()\[\]-]* [A-Za-z_][A-Za-z0-9_]*( (PK|FK|UK)(,(PK|FK|UK))*)?( "[^"]*")?$'
)
_REL = re.compile(rf'^    ({ENTITY}) (\|\||\|o|\}}o|\}}\|)--(\|\||o\||o\{{|\|\{{) ({ENTITY}) : "[^"#;]*"$')


def check_er(text: str) -> list[str]:
    """Problems found in one erDiagram (empty when well-formed)."""
    text = text.strip("\n")
    if text.startswith(ER_CONFIG):  # our front-matter config, nothing from the database
        text = text[len(ER_CONFIG) :]
    lines = text.splitlines()
    problems: list[str] = []
    if not lines or lines[0] != "erDiagram":
        return ["first line is not erDiagram"]
    declared: set[str] = set()
    inside = False
    for n, line in enumerate(lines[1:], start=2):
        if (m := _OPEN.match(line)) and not inside:
            if m.group(1) in declared:
                problems.append(f"line {n}: entity {m.group(1)} declared twice")
            declared.add(m.group(1))
            inside = True
        elif _CLOSE.match(line) and inside:
            inside = False
        elif inside and _ATTR.match(line):
            pass
        elif (m := _REL.match(line)) and not inside:
            for ent in (m.group(1), m.group(4)):
                if ent not in declared:
                    problems.append(f"line {n}: relationship names undeclared entity {ent}")
        else:
            problems.append(f"line {n}: not valid ER syntax: {line!r}")
    if inside:
        problems.append("unclosed entity block")
    return problems


def is_er(block: str) -> bool:
    return block.removeprefix(ER_CONFIG).startswith("erDiagram")


def mermaid_blocks(markdown: str) -> list[str]:
    """The bodies of the ```mermaid fences in a Markdown page."""
    return [body for _, body in re.findall(r"^(`{3,})mermaid\n(.*?)\n\1$", markdown, flags=re.S | re.M)]
