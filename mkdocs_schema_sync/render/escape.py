"""The one place where untrusted database text is made safe for Markdown, HTML and Mermaid.

Names, comments, defaults, view SQL and captured DDL all come from the
database. Templates print them through Jinja's `finalize` hook, which calls
`md()` on every plain string, so forgetting a filter cannot inject markup; text
that is already safe Markdown is a `Markup` instance and passes unchanged.
"""

from __future__ import annotations

import json
import re

from markupsafe import Markup

# Everything that means something to Markdown, its common extensions (attr_list
# `{}`, emoji `:x:`, magiclink `@user`, caret/tilde/mark, arithmatex `$`) or HTML.
_SPECIAL = set("\\`*_{}[]()<>#+!|~^=$:@&\"'")
_ESCAPES = str.maketrans({ch: f"&#{ord(ch)};" for ch in _SPECIAL})
_WHITESPACE = re.compile(r"\s+")
_MERMAID_ID = re.compile(r"[^A-Za-z0-9_]")
_MERMAID_TYPE = re.compile(r"[^A-Za-z0-9_()\[\]-]")


def md(text: object) -> str:
    """Inline Markdown text that renders exactly as the characters given, on one line."""
    if text is None:
        return ""
    if isinstance(text, Markup):
        return str(text)
    return _WHITESPACE.sub(" ", str(text)).translate(_ESCAPES)


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
    """Inline code: an HTML <code> element whose content is entities wherever Markdown or HTML would act.

    Markdown still reads inline syntax inside a raw <code> element: a backtick opens a code span,
    `[x](javascript:…)` makes a link, `**` bold. So every such character is an entity, as in `md`.
    """
    if text is None:
        return Markup("")
    flat = " ".join(str(text).split())
    return Markup("<code>" + flat.translate(_ESCAPES) + "</code>")


def yaml_string(text: object) -> Markup:
    """A double-quoted YAML scalar (JSON is valid YAML), for front matter such as `title:`."""
    return Markup(json.dumps(" ".join(str(text).split()), ensure_ascii=False))


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
