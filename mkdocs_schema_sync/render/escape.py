"""The one place where untrusted database text is made safe for Markdown, HTML and Mermaid.

Names, comments, defaults, view SQL and captured DDL all come from the
database. Templates print them through Jinja's `finalize` hook, which calls
`md()` on every plain string, so forgetting a filter cannot inject markup; text
that is already safe Markdown is a `Markup` instance and passes unchanged.

Page titles and navigation labels are a different boundary: MkDocs treats them
as HTML (its own titles taken from a heading keep their entities) and both the
`mkdocs` and `material` themes print `page.title` and `nav_item.title` without
escaping, in `<title>`, the nav, the header and prev/next links. `title()` is
the only way a title or label leaves this package; see its docstring.
"""

from __future__ import annotations

import html
import json
import re

from markupsafe import Markup

from ..untrusted import MARKDOWN_SPECIAL, markdown_inline, visible_controls

_MERMAID_ID = re.compile(r"[^A-Za-z0-9_]")
_MERMAID_TYPE = re.compile(r"[^A-Za-z0-9_()\[\]-]")


def md(text: object) -> str:
    """Inline Markdown text that renders exactly as the characters given, on one line."""
    if text is None:
        return ""
    if isinstance(text, Markup):
        return str(text)
    return markdown_inline(text)


def cell(text: object) -> Markup:
    """Like `md`, for a Markdown table cell: line breaks become <br>, `|` cannot split the row."""
    if text is None or text == "":
        return Markup("")
    lines = [md(line) for line in str(text).strip().splitlines()]
    return Markup("<br>".join(line for line in lines if line))


def code_block(text: object, lang: str = "") -> Markup:
    """A fenced block that no content can close early: the fence outgrows any run of backticks inside."""
    body = "" if text is None else str(text).strip("\n")
    longest = max((len(m) for m in re.findall(r"`+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    return Markup(f"{fence}{lang}\n{body}\n{fence}")


def code(text: object) -> Markup:
    """Inline code: HTML <code> whose content is `md`-escaped.

    Markdown still reads the text between inline HTML tags, so `<code>[x](javascript:…)</code>` would
    hold a link: every character Markdown or HTML could read is a character reference here too.
    """
    if text is None:
        return Markup("")
    return Markup("<code>" + markdown_inline(text) + "</code>")


def yaml_string(text: object) -> Markup:
    """A double-quoted YAML scalar (JSON is valid YAML), on one line."""
    return Markup(json.dumps(" ".join(str(text).split()), ensure_ascii=False))


def title(text: object) -> Markup:
    """A page title or navigation label: the literal text, HTML-escaped, on one line.

    Every title and nav label this package hands MkDocs goes through here: the
    `title:` front matter the renderer writes on every generated page (so
    `generate --out` pages carry it too), and the section labels the plugin adds
    to a hand-written `nav:`. MkDocs' own titles are HTML (a title taken from a
    `# heading` keeps its entities), and the themes print them unescaped in
    `<title>`, the nav, the header and prev/next links; escaped text shows there
    as the literal name. The plugin hands MkDocs these titles as `Markup`, so a
    theme that escapes once more (Material's `{{ page.title | e }}` in aria-label)
    does not escape twice, and rewrites the `mkdocs` theme's search index, whose
    script escapes titles itself.
    """
    return Markup(html.escape(" ".join(str(text).split()), quote=True))


def front_matter(page_title: object, meta: dict[str, object] | None = None) -> str:
    """The YAML front matter of a generated page: `title` (through `title()`) first, then `meta` (minus any title)."""
    lines = ["---", f"title: {yaml_string(title(page_title))}"]
    for key, value in (meta or {}).items():
        if key != "title":
            lines.append(f"{json.dumps(str(key))}: {json.dumps(value, ensure_ascii=False, default=str)}")
    return "\n".join([*lines, "---", ""])


def mermaid_id(text: str) -> str:
    """An identifier Mermaid accepts (letters, digits, underscore; starts with a letter)."""
    out = _MERMAID_ID.sub("_", text)
    if not out or not out[0].isalpha():
        out = "t_" + out
    return out


def mermaid_type(text: str | None) -> str:
    """An ER attribute type: Mermaid allows letters, digits, `_-()[]`, no commas or spaces."""
    out = _MERMAID_TYPE.sub("_", " ".join((text or "").split()))
    if not out or not (out[0].isalpha() or out[0] == "_"):
        out = "any" if not out else "t_" + out
    return out


def mermaid_string(text: object, limit: int = 60) -> str:
    """Text for inside a Mermaid "quoted string": no quotes, entity codes, statement breaks or tags."""
    flat = " ".join(str(text).split())
    flat = re.sub(r"[\"#;<>{}`\\]", "", flat)
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def finalize(value: object) -> object:
    """Jinja `finalize`: every printed plain string is escaped; Markup and numbers pass."""
    if value is None:
        return ""
    if isinstance(value, Markup):
        return value
    if isinstance(value, bool | int | float):
        return value
    return md(value)


# GitHub turns text into links (autolinks, `@mention`, `#12`) after Markdown runs, and Markdown still
# parses inside raw `<code>`: so every character that means something to either becomes an entity.
# An entity is a text node of its own, which also splits `http://`, `www.` and `a@b.c` out of reach.
_GITHUB_SPECIAL = MARKDOWN_SPECIAL | set("<>&\"'.%/;")


def github_code(text: object) -> Markup:
    """Database text for a GitHub comment or PR body: one line in `<code>`, no character left live."""
    flat = visible_controls(" ".join(str(text).split())) if text is not None else ""
    if not flat:
        return Markup("")
    return Markup("<code>" + "".join(f"&#{ord(ch)};" if ch in _GITHUB_SPECIAL else ch for ch in flat) + "</code>")
