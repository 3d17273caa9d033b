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
import urllib.parse

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


def fence(text: object, lang: str = "") -> Markup:
    """A fenced block that no content can close early: the fence outgrows any run of backticks inside.

    Only for text we generate (Mermaid diagrams, whose names went through `mermaid_*`) and for
    GitHub Markdown: the text inside stays verbatim, which is what Markdown preprocessors read.
    Database text on a page goes through `code_html` instead.
    """
    body = "" if text is None else str(text).strip("\n")
    longest = max((len(m) for m in re.findall(r"`+", body)), default=0)
    fence_ = "`" * max(3, longest + 1)
    return Markup(f"{fence_}{lang}\n{body}\n{fence_}")


# What a Markdown preprocessor (it reads the page source before Markdown does) keys on, beside what
# Markdown and HTML read: Jinja's `{{ {% {#` (mkdocs-macros, include-markdown's `{% include %}`),
# pymdownx.snippets' `--8<--`, mkdocstrings' `:::`, abbr's `*[x]:`, and `%`/`-`/`;` to be sure.
# Inside <pre> an entity shows as its character, so every one of them becomes an entity.
_PRE_SPECIAL = MARKDOWN_SPECIAL | set("%-;/.,?")
_PRE_ESCAPES = {ord(ch): f"&#{ord(ch)};" for ch in _PRE_SPECIAL}
_PRE_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")


def _inert(text: str) -> str:
    text = _PRE_CONTROL.sub(lambda m: visible_controls(m.group()), text.replace("\r\n", "\n"))
    return text.translate(_PRE_ESCAPES)


def code_html(text: object, lang: str = "") -> Markup:
    """Database text (a view's SQL, a function or trigger body, a DDL statement) as a highlighted block.

    HTML, not a Markdown fence: a fence's content is the page source verbatim, so `{{ … }}` in a function
    body would run in mkdocs-macros and `--8<-- "file"` would paste a file through pymdownx.snippets. Here
    every character such a plugin reads is a character reference, which the browser shows as the
    character: the reader sees the SQL, no preprocessor sees anything it recognises. Colours come from
    Pygments when it is installed (Material brings it), with the class names its themes style.
    """
    body = "" if text is None else str(text).strip("\n")
    parts = []
    for css, value in _tokens(body, lang):
        inert = _inert(value)
        parts.append(f'<span class="{css}">{inert}</span>' if css else inert)
    language = f' class="language-{lang}"' if re.fullmatch(r"[a-z0-9-]+", lang or "") else ""
    return Markup(f'<div class="highlight"><pre><span></span><code{language}>{"".join(parts)}</code></pre></div>')


def _tokens(text: str, lang: str) -> list[tuple[str, str]]:
    """(CSS class, text) runs of `text` in `lang`: Pygments' short classes, or one plain run without it."""
    try:
        from pygments import lex
        from pygments.lexers import get_lexer_by_name
        from pygments.token import STANDARD_TYPES
        from pygments.util import ClassNotFound
    except ImportError:
        return [("", text)]
    try:
        lexer = get_lexer_by_name(lang or "text", stripnl=False, ensurenl=False)
    except ClassNotFound:
        return [("", text)]
    out: list[tuple[str, str]] = []
    for ttype, value in lex(text, lexer):
        css = STANDARD_TYPES.get(ttype)
        suffix = ""
        while css is None:  # a subtype Pygments has no short name for: its parent's name plus the rest
            suffix = ttype[-1] + suffix
            ttype = ttype.parent
            css = STANDARD_TYPES.get(ttype)
        css += suffix
        if out and out[-1][0] == css:
            out[-1] = (css, out[-1][1] + value)
        else:
            out.append((css, value))
    return out


def code(text: object) -> Markup:
    """Inline code: HTML <code> whose content is `md`-escaped.

    Markdown still reads the text between inline HTML tags, so `<code>[x](javascript:…)</code>` would
    hold a link: every character Markdown or HTML could read is a character reference here too.
    """
    if text is None:
        return Markup("")
    return Markup("<code>" + markdown_inline(text) + "</code>")


# What YAML refuses in a document (it reads only "printable" characters: tab, line breaks, U+0020–U+007E,
# U+0085, U+00A0–U+D7FF, U+E000–U+FFFD and the astral planes): written as `\uXXXX` escapes instead.
_YAML_REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
# Control characters a title spells out (`\x7f`, `\x85`, `\u2028`); tab and line breaks become spaces.
_TITLE_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")


def _yaml_safe(text: str) -> str:
    return _YAML_REFUSED.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def yaml_string(text: object) -> Markup:
    """A double-quoted YAML scalar (JSON is valid YAML), on one line, with no character YAML refuses."""
    return Markup(_yaml_safe(json.dumps(" ".join(str(text).split()), ensure_ascii=False)))


def title(text: object) -> Markup:
    """A page title or navigation label: the literal text, HTML-escaped, on one line.

    Every title and nav label this package hands MkDocs goes through here: the
    `title:` front matter the renderer writes on every generated page (so
    `generate --out` pages carry it too), and the section labels the plugin adds
    to a hand-written `nav:`. MkDocs' own titles are HTML (a title taken from a
    `# heading` keeps its entities), and the themes print them unescaped in
    `<title>`, the nav, the header and prev/next links; escaped text shows there
    as the literal name. Control characters are spelled out (`\\x7f`, `\\x85`, `\\ud800`): the
    reader sees that they are there, and YAML, HTML and UTF-8 accept the spelling. The plugin
    hands MkDocs these titles as `Markup`, so a theme that escapes once more (Material's
    `{{ page.title | e }}` in aria-label) does not escape twice, and rewrites the `mkdocs` theme's search index, whose
    script escapes titles itself.
    """
    spelled = _TITLE_CONTROL.sub(lambda m: visible_controls(m.group()), str(text))
    return Markup(html.escape(" ".join(spelled.split()), quote=True))


def front_matter(page_title: object, meta: dict[str, object] | None = None) -> str:
    """The YAML front matter of a generated page: `title` (through `title()`) first, then `meta`.

    A template's own `title` and `render_macros` are dropped: the page's text is the database's.
    """
    # render_macros: false: mkdocs-macros leaves the page (and its title) alone; nothing here is a macro
    lines = ["---", f"title: {yaml_string(title(page_title))}", "render_macros: false"]
    for key, value in (meta or {}).items():
        if key not in ("title", "render_macros"):
            lines.append(f"{json.dumps(str(key))}: {_yaml_safe(json.dumps(value, ensure_ascii=False, default=str))}")
    return "\n".join([*lines, "---", ""])


# Words the bundled Mermaid's ER lexer reads inside an entity block whatever the position
# (`\b(PK|FK|UK)\b`, case-insensitive): an attribute type or name spelled so would be a key marker.
MERMAID_ATTRIBUTE_KEYWORDS = frozenset({"pk", "fk", "uk"})
# `.*direction\s+TB` is a lexer rule that swallows any line holding the phrase, quotes or not.
_MERMAID_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")
_MERMAID_DIRECTION = re.compile(r"(?i)(direction)\s+(tb|bt|rl|lr)\b")


def mermaid_id(text: str) -> str:
    """An attribute name Mermaid accepts (letters, digits, underscore; starts with a letter; not PK/FK/UK)."""
    out = _MERMAID_ID.sub("_", text)
    if not out or not out[0].isalpha():
        out = "t_" + out
    if out.lower() in MERMAID_ATTRIBUTE_KEYWORDS:
        out += "_"
    return out


def mermaid_type(text: str | None) -> str:
    """An ER attribute type: Mermaid allows letters, digits, `_-()[]`, no commas or spaces."""
    out = _MERMAID_TYPE.sub("_", " ".join((text or "").split()))
    if not out or not (out[0].isalpha() or out[0] == "_"):
        out = "any" if not out else "t_" + out
    if out.lower() in MERMAID_ATTRIBUTE_KEYWORDS:
        out = "t_" + out
    return out


def mermaid_string(text: object, limit: int = 60) -> str:
    """Text for inside a Mermaid "quoted string": no quotes, entity codes, statement breaks or tags.

    `%` and `~` (a quoted entity label refuses `%`; two `~` on a line read as a generic type) become
    their full-width forms, and "direction TB" gets a zero-width space, which JavaScript's `\\s` is not.
    Control characters are dropped: the page's own text shows them.
    """
    flat = _MERMAID_CONTROL.sub("", " ".join(str(text).split()))
    flat = re.sub(r"[\"#;<>{}`\\]", "", flat).replace("%", "\uff05").replace("~", "\uff5e")
    flat = _MERMAID_DIRECTION.sub("\\1\u200b \\2", flat)
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


# Characters a URL keeps as they are in a GitHub autolink `<…>`; everything else (space, `<`, `>`, `@`,
# quotes, backticks, control characters, non-ASCII) is percent-encoded, so the link cannot end early.
_URL_SAFE = ":/?#[]!$&()*+,;=%~-._"


def github_link(url: object) -> Markup:
    """A configured URL (`docs_url`) for a GitHub body: one autolink that nothing in it can close or leave.

    `https://x.example> @acme/admins <!--` would otherwise end the link, mention a team and hide the rest
    of the body. Anything but an http(s) URL with a host is shown as code, not linked.
    """
    text = "" if url is None else str(url).strip()
    try:
        parts = urllib.parse.urlsplit(text) if text.isprintable() else None
    except ValueError:  # an unclosed `[` host
        parts = None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return github_code(text)
    return Markup(f"<{urllib.parse.quote(text, safe=_URL_SAFE)}>")
