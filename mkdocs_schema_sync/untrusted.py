"""Database text at the boundaries that are not MkDocs pages: terminals and CI logs, GitHub workflow
commands, JSON and XML reports, chat messages, and inline Markdown.

Names, comments, types and statements come from the database; whoever may create a table chooses
them. Each boundary has its own rules, kept here, at the bottom of the layers, so that the contract
reports (`contracts/output.py`), the webhooks (`contracts/notify.py`), the diff formats and the page
escaping (`render/`) all use the same functions:

- a terminal or a CI log runs commands found in text: GitHub's runner reads `::cmd::` at the start
  of any line and the legacy `##[cmd]` anywhere in a line (`error`, `add-mask`, `stop-commands`, ...);
  a terminal reads ANSI escapes. `one_line` makes database text one line without either.
- a workflow command's message and properties have GitHub's own %-escaping (`workflow_data`,
  `workflow_property`), so `%0A` in a name stays the three characters.
- JSON text can carry `##[` only inside strings, where `\\u005b` spells the same `[` (`json_text`, which
  also spells lone surrogates as escapes).
- XML 1.0 forbids most control characters: `one_line` removes every one of them.
- UTF-8 cannot encode a lone surrogate (a UTF-16 half SQL Server's NVARCHAR keeps, or what a
  surrogateescape decoder yields): `escape_surrogates` spells each as `\\ud800`, which in JSON reads
  back as the same code point and elsewhere is what the pages show (databases, files, requests).
- Slack reads `<...>` as links and mentions (`slack_text`); Teams and GitHub read Markdown
  (`markdown_inline`).
"""

from __future__ import annotations

import re

# C0 and C1 control characters (line breaks, tab, ESC, NUL, ...), Unicode line/paragraph separators,
# lone surrogates and the two non-characters XML and UTF-8 encoders refuse.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_LEGACY_COMMAND = "##["
# Everything that means something to Markdown, its common extensions (attr_list `{}`, emoji `:x:`,
# magiclink `@user`, caret/tilde/mark, arithmatex `$`) or HTML.
MARKDOWN_SPECIAL = frozenset("\\`*_{}[]()<>#+!|~^=$:@&\"'")
_MARKDOWN_ESCAPES = str.maketrans({ch: f"&#{ord(ch)};" for ch in MARKDOWN_SPECIAL})
_WHITESPACE = re.compile(r"\s+")


def _visible(m: re.Match[str]) -> str:
    ch = m.group()
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible_controls(text: str) -> str:
    """Control characters (and lone surrogates) written as escapes: `\\x1b`, `\\n`, `\\u2028`."""
    return _CONTROL.sub(_visible, text)


def escape_surrogates(text: str) -> str:
    """`text` with each lone surrogate written as its escape (`\\ud800`): writable as UTF-8 (a file, a
    request, a database column); inside a JSON string the escape reads back as the same code point."""
    try:
        text.encode("utf-8")  # the usual case, and faster than searching
    except UnicodeEncodeError:
        return _SURROGATE.sub(_visible, text)
    return text


def one_line(text: object) -> str:
    """Text for a terminal or CI log line: control characters shown as escapes (`\\n`, `\\x1b`), no `##[`.

    With no line break inside, database text cannot start a line, so it cannot become a `::command::`;
    `##[` becomes `##\\[`, which the runner's legacy parser does not read either.
    """
    out = visible_controls("" if text is None else str(text))
    return out.replace(_LEGACY_COMMAND, "##\\[")


def safe_lines(lines: list[str]) -> str:
    """A report for a terminal or CI log from lines we built: each `one_line`, none opening with `::`."""
    out = []
    for line in lines:
        line = one_line(line)
        if line.lstrip().startswith("::"):
            line = line.replace("::", ":\\:", 1)
        out.append(line)
    return "\n".join(out)


def workflow_data(text: object) -> str:
    """The message of a GitHub workflow command (`::error ...::message`), on one line."""
    return one_line(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def workflow_property(text: object) -> str:
    """A property value of a GitHub workflow command (`file=`, `title=`)."""
    return workflow_data(text).replace(":", "%3A").replace(",", "%2C")


def json_text(text: str) -> str:
    """A JSON document for a CI log or a file: `##[` inside strings is spelled `##\\u005b` and a lone surrogate
    `\\ud800` (the same strings, writable as UTF-8)."""
    return escape_surrogates(text).replace(_LEGACY_COMMAND, "##\\u005b")


def markdown_inline(text: object) -> str:
    """Inline Markdown (CommonMark and its usual extensions) that shows exactly these characters, on one line.

    Every character Markdown or HTML could read is a numeric character reference; line breaks and other
    white space become one space, other control characters visible escapes (`\\x1b`), so the text is
    safe to print on a terminal too. The pages use it through `render.escape.md`.
    """
    if text is None:
        return ""
    return visible_controls(_WHITESPACE.sub(" ", str(text))).translate(_MARKDOWN_ESCAPES)


def slack_text(text: object) -> str:
    """Slack message text: `&`, `<`, `>` escaped as Slack asks, so no `<!channel>`, `<@user>` or `<url|link>`."""
    return one_line(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
