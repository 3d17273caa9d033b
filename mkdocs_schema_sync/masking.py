"""One masking function for every log line, page, error, PR body and exception.

Secrets are known two ways: values registered when a connection string,
webhook URL or token is read (`register_secret`, `expand_env`), and the places
that hold credentials in free text:

- SQL: the literal after `PASSWORD`, `SECRET`, `OLD_PASSWORD`, `IDENTIFIED BY|WITH … BY|AS|VIA … USING`
  in every form PostgreSQL, MySQL/MariaDB and SQL Server accept ('…', E'…', U&'…', N'…', "…", $$…$$,
  $tag$…$tag$, `_charset'…'`, `PASSWORD('…')`, 0x… hashes, literals continued on the next line), with
  whitespace and comments (`--`, `#`, nested `/* */`) between keyword and literal;
- key=value pairs: ODBC `PWD=` / `Password=` (braced values too), libpq `password=` (quoted or not,
  also inside an SQL literal such as `dblink_connect('… password=…')`), `token=`, `secret=` …;
- URL user info (`scheme://user:password@`), GitHub tokens, signature parameters of webhook URLs.

Registered secrets made only of letters, digits and `_` are masked where they stand as a whole word
(a password `data` leaves "database" alone); any other secret is masked wherever it appears.

Everything here runs in time linear in the text: hand-written scanners and possessive quantifiers
only (no pattern can backtrack), and the scans after password keywords share a budget proportional
to the text, beyond which the rest of the text is masked. `benchmarks/masking.py` measures it.
"""

from __future__ import annotations

import logging
import os
import re
from typing import Any

from .untrusted import one_line

MASK = "***"

_registered: set[str] = set()

# --------------------------------------------------------------------------- SQL password literals

#: keywords after which a literal is a secret; `identified` starts the MySQL/MariaDB forms
_SQL_KEYWORD = re.compile(r"(?<![\w$])(?:(password|old_password|secret)|(identified))(?![\w$])", re.IGNORECASE)
_WS = re.compile(r"\s++")
_LINE_COMMENT = re.compile(r"(?:--|#)[^\n]*+")
_BLOCK_MARK = re.compile(r"/\*|\*/")
_WORD = re.compile(r"[A-Za-z_][\w$]*+")
_QUOTED_NAME = re.compile(r"`[^`]*+`|'[^']*+'|\"[^\"]*+\"")
_PREFIX = re.compile(r"(?:[EeNnBbXx]|[Uu]&|_[A-Za-z0-9]++)(?=['\"])")
_DOLLAR_TAG = re.compile(r"\$(?:[A-Za-z_\x80-\U0010ffff][\w\x80-\U0010ffff]*+)?\$")
_HEX = re.compile(r"0[xX][0-9A-Fa-f]++")
#: literal bodies up to the closing quote: `''` doubled (standard SQL), or also backslash escapes (E'…', MySQL)
_BODY_DOUBLED = {q: re.compile(f"(?:[^{q}]|{q}{q})*+{q}") for q in "'\""}
_BODY_ESCAPED = {q: re.compile(f"(?:[^{q}\\\\]|{q}{q}|\\\\.)*+{q}", re.DOTALL) for q in "'\""}

#: the scans after keywords may together read this many times the text (plus a constant) before the
#: rest is masked wholesale: only text built to be dense with keywords gets there
_BUDGET_FACTOR = 4
_BUDGET_EXTRA = 1 << 16
#: and each kind of reading (keywords, names, key=value) is made at most this often in one text: past it,
#: the rest of the text is masked (a text that dense with secret words is built to be slow, not documentation)
_MAX_READINGS = 10_000


class _Reader:
    """Reads SQL after one keyword, no further than `end`; `reach` is how far it read (what it cost)."""

    def __init__(self, text: str, end: int) -> None:
        self.text, self.end = text, end
        self.reach = 0

    def _at(self, pos: int) -> int:
        self.reach = max(self.reach, pos)
        return pos

    def skip_gap(self, pos: int, nested: bool) -> int:
        """Past whitespace and comments. Block comments nest in PostgreSQL and SQL Server, not in MySQL."""
        text, end = self.text, self.end
        while pos < end:
            m = _WS.match(text, pos, end) or _LINE_COMMENT.match(text, pos, end)
            if m:
                pos = m.end()
                continue
            if not text.startswith("/*", pos):
                break
            depth, pos = 1, pos + 2
            while depth:
                m = _BLOCK_MARK.search(text, pos, end)
                if m is None:
                    return self._at(end)
                pos = m.end()
                depth += -1 if m.group() == "*/" else 1 if nested else 0
        return self._at(pos)

    def gaps(self, pos: int) -> set[int]:
        """Where the next token may start: block comments read as nested and as not nested."""
        return {self.skip_gap(pos, nested=True), self.skip_gap(pos, nested=False)}

    def gap(self, pos: int) -> int:
        return min(self.gaps(pos))

    def word(self, pos: int) -> tuple[str, int]:
        m = _WORD.match(self.text, pos, self.end)
        return (m.group().lower(), self._at(m.end())) if m else ("", pos)

    def literal(self, pos: int) -> tuple[int, int] | None:
        """The body (start, end) of a literal at `pos`, or None when there is none there."""
        text, end = self.text, self.end
        m = _HEX.match(text, pos, end)
        if m:
            return pos + 2, self._at(m.end())
        m = _PREFIX.match(text, pos, end)
        if m:
            pos = m.end()
        if pos >= end:
            return None
        quote = text[pos]
        if text.startswith("''", pos) and pos + 2 < end and text[pos + 2] not in "'\\ \t\r\n,;)":
            close = text.find("''", pos + 2, end)  # a literal quoted inside another: 'ALTER … PASSWORD ''x'''
            return pos + 2, self._at(end if close < 0 else close)
        if quote in "'\"":
            readings = (_BODY_DOUBLED[quote].match(text, pos + 1, end), _BODY_ESCAPED[quote].match(text, pos + 1, end))
            ends = [b.end() for b in readings if b]
            return (pos + 1, self._at(max(ends)) - 1) if ends else (pos + 1, self._at(end))  # unterminated: all
        m = _DOLLAR_TAG.match(text, pos, end)
        if m:
            close = text.find(m.group(), m.end(), end)
            return m.end(), self._at(end if close < 0 else close)
        return None

    def literal_end(self, body: tuple[int, int]) -> int:
        """Where the literal whose body this is ends (past its closing quote or tag)."""
        stop = body[1]
        if stop >= self.end:
            return self.end
        if self.text.startswith("''", stop):
            return stop + 2
        if self.text[stop] in "'\"":
            return stop + 1
        m = _DOLLAR_TAG.match(self.text, stop, self.end)
        return self._at(m.end()) if m else stop

    def secret_literals(self, pos: int, identified: bool, keyword: str = "") -> list[tuple[int, int]]:
        """Bodies of the secret literals after a keyword ending at `pos` (every reading is kept)."""
        text = self.text
        # an unquoted value is looked for only after PASSWORD or IDENTIFIED BY and a space
        bare_ok = (identified or keyword == "password") and text[pos : pos + 1].isspace()
        starts: set[int] = set()
        for p in self.gaps(pos):
            if identified:
                starts |= self.after_identified(p)
                continue
            if text.startswith("=", p):  # T-SQL `PASSWORD = '…'`, MySQL `SET PASSWORD = '…'`
                p = self.gap(p + 1)
            if text.startswith("(", p):  # MySQL `PASSWORD('…')`
                p = self.gap(p + 1)
            starts.add(p)
        bodies = []
        for start in starts:
            chain = self.literal_chain(start)
            bodies.extend(chain or self.bare_secret(start, identified, bare_ok))
        return bodies

    def bare_secret(self, pos: int, identified: bool, bare_ok: bool) -> list[tuple[int, int]]:
        """An unquoted value (`ALTER ROLE r PASSWORD hunter2`, a syntax error whose text is shown): masked
        unless it is a word that reads as SQL or prose (`PASSWORD NULL`, `password authentication failed`)."""
        m = _BARE_VALUE.match(self.text, pos, self.end) if bare_ok else None
        if m is None or not _ENDS_STATEMENT.match(self.text, m.end(), self.end):
            return []
        if not identified and m.group().lower() in _NOT_A_VALUE:
            return []
        return [(pos, self._at(m.end()))]

    def after_identified(self, pos: int) -> set[int]:
        """`IDENTIFIED BY [PASSWORD]`, `IDENTIFIED WITH plugin BY|AS`, `IDENTIFIED VIA plugin USING [PASSWORD(]`."""
        word, p = self.word(pos)
        if word in ("with", "via"):
            p = self.gap(p)
            m = _WORD.match(self.text, p, self.end) or _QUOTED_NAME.match(self.text, p, self.end)
            if m is None:
                return set()
            word, p = self.word(self.gap(self._at(m.end())))
            if word not in ("by", "as", "using"):
                return set()
        elif word != "by":
            return set()
        p = self.gap(p)
        word, after = self.word(p)
        if word == "password":
            p = self.gap(after)
            if self.text.startswith("(", p):
                p = self.gap(p + 1)
        return {p}

    def argument_literals(self, pos: int) -> list[tuple[int, int]]:
        """After a literal naming a secret: the literals of the following arguments or concatenations
        (`, '…'`, `|| '…'`, T-SQL `+ N'…'`), as long as they follow one another."""
        bodies = []
        while True:
            pos = self.gap(pos)
            m = _CONCAT.match(self.text, pos, self.end)
            if m is None:
                return bodies
            pos = self.gap(self._at(m.end()))
            body = self.literal(pos)
            if body is None:
                word, after = self.word(pos)
                if not word:
                    return bodies
                pos = after  # a name or NULL among the arguments: the literals after it still count
                continue
            bodies.append(body)
            pos = self.literal_end(body)

    def literal_chain(self, pos: int) -> list[tuple[int, int]]:
        """A literal and those that continue it: PostgreSQL's next-line continuation, MySQL's adjacent
        strings, and MySQL's `IDENTIFIED BY 'new' REPLACE 'old'`."""
        bodies = []
        while True:
            body = self.literal(pos)
            if body is None:
                return bodies
            bodies.append(body)
            if self.text.startswith("''", body[1]):  # a nested literal ends with its quoted SQL
                return bodies
            pos = self.gap(self.literal_end(body))
            word, after = self.word(pos)
            if word == "replace":
                pos = self.gap(after)
            elif pos >= self.end or self.text[pos] not in "'\"":
                return bodies

    def secret_arguments(self, pos: int, positions: frozenset[int], names: frozenset[str]) -> list[tuple[int, int]]:
        """Bodies of the secret arguments of a call whose name ends at `pos`. After a named argument (`@x = …`)
        positions no longer count (T-SQL requires every later one to be named too)."""
        text, bodies = self.text, []
        p = self.gap(pos)
        paren = text.startswith("(", p)  # OPENROWSET(…), {call sp_x(…)}
        if paren:
            p = self.gap(p + 1)
        number = 1
        # no argument after the last secret one is read (sp_password's third, @loginame, may still name @new)
        last = max(positions) + (1 if names else 0)
        while p < self.end and number <= last:
            secret = number in positions
            m = _PARAMETER.match(text, p, self.end)
            if m:
                q = self.gap(self._at(m.end()))
                if text.startswith("=", q):
                    positions = frozenset()
                    secret = m.group().lower() in names
                    p = self.gap(q + 1)
            end = self.argument(p, secret, bodies)
            if end is None:
                break
            p = self.gap(end)
            if not (text.startswith(",", p) or (paren and text.startswith(";", p))):
                break
            p = self.gap(p + 1)
            number += 1
        return bodies

    def argument(self, pos: int, secret: bool, bodies: list[tuple[int, int]]) -> int | None:
        """Where the argument at `pos` ends (None: no argument there); a secret one's body is added to `bodies`."""
        text = self.text
        if text.startswith("{", pos):  # sp_setapprole's {encrypt N'…'}
            p = self.gap(self.word(self.gap(pos + 1))[1])
            body = self.literal(p)
            if body is None:
                return None
            if secret:
                bodies.append(body)
            p = self.gap(self.literal_end(body))
            return p + 1 if text.startswith("}", p) else p
        body = self.literal(pos)
        if body is not None:
            if secret:
                bodies.append(body)
            return self.literal_end(body)
        m = _BRACKETED.match(text, pos, self.end)
        if m:
            if secret:
                bodies.append(m.span(1))
            return self._at(m.end())
        m = _ARGUMENT_WORD.match(text, pos, self.end)
        if m is None:
            return None
        word = m.group()
        if (
            secret
            and not word.startswith("@")
            and word.lower() not in _NOT_A_SECRET
            and _ENDS_ARGUMENT.match(self.text, m.end(), self.end)  # `sp_password to change it` is prose
        ):
            bodies.append(m.span())  # T-SQL takes a bare word as a string: EXEC sp_addlogin alice, hunter2
        return self._at(m.end())


_BARE_VALUE = re.compile(r"[^\s;,()'\"=`]++")
#: words after PASSWORD that are SQL or prose, not a value
_NOT_A_VALUE = frozenset(
    [
        "null",
        "authentication",
        "expire",
        "expired",
        "require",
        "required",
        "history",
        "reuse",
        "lock",
        "lock_time",
        "for",
        "is",
        "was",
        "must",
        "has",
        "does",
        "did",
        "not",
        "and",
        "or",
        "of",
        "to",
        "the",
        "a",
        "an",
        "in",
        "with",
        "without",
        "hash",
        "hashed",
        "column",
        "field",
        "option",
        "options",
        "policy",
        "check_policy",
        "valid",
        "encryption",
        "encrypted",
        "protected",
        "reset",
        "change",
        "changed",
        "length",
        "too",
        "verification",
        "must_change",
        "mismatch",
        "file",
        "cannot",
        "can",
        "should",
        "will",
        "by",
        "from",
        "on",
        "at",
        "if",
        "as",
        "password",
        "secret",
        "old_password",
        "identified",
    ]
)


#: a bare value counts only where the statement ends after it (`password text DEFAULT …` is a column)
_ENDS_STATEMENT = re.compile(r"[ \t]*+(?:;|\r?\n|$)")


def _sql_spans(text: str) -> list[tuple[int, int]]:
    """Bodies of password literals. Each keyword is read on its own (a keyword inside another literal
    may start a wrong reading, which masks too much but never hides the next keyword). The readings
    share a budget of `_BUDGET_FACTOR` times the text: past it, everything after the keyword is masked."""
    spans: list[tuple[int, int]] = []
    budget = _BUDGET_FACTOR * len(text) + _BUDGET_EXTRA
    for count, m in enumerate(_SQL_KEYWORD.finditer(text)):
        if budget <= 0 or count >= _MAX_READINGS:
            spans.append((m.end(), len(text)))
            break
        reader = _Reader(text, min(len(text), m.end() + budget))
        spans.extend(reader.secret_literals(m.end(), m.group(2) is not None, m.group().lower()))
        budget -= max(reader.reach - m.end(), 1)
    return spans


# --------------------------------------------------------------------------- secret-looking names

#: setting names, option keys and parameters that hold secrets (`app.password`, `sslpassword`, `api_token`,
#: `@rmtpassword`, `KEY_SOURCE`, `MASTER_PASSWORD`, `"password"`): a stem and the rest of its name
_SECRET_NAME = re.compile(r"(?i)(?:pass(?:word|wd)|pwd|secret|token|api_?key|key_source|identity_value)[\w$@.]*+")
#: a PostgreSQL identifier with Unicode escapes (`U&"p\0061ssword"`), decoded before the stems are looked for
_UNICODE_NAME = re.compile(r'[Uu]&"((?:[^"]|"")*+)"')
_UNICODE_ESCAPE = re.compile(r"\\(?:\+([0-9A-Fa-f]{6})|([0-9A-Fa-f]{4}))")
#: from a name inside a literal to that literal's closing quote (`format('… PASSWORD %L', '…')`): bounded
_TO_CLOSE = re.compile(r"[\s=:]*+(?:%\w|\?)?[\s=:]*+'")
_CONCAT = re.compile(r"\|\||\+|,")


def _decoded(name: str) -> str:
    def char(m: re.Match[str]) -> str:
        try:
            return chr(int(m.group(1) or m.group(2), 16))
        except (ValueError, OverflowError):
            return "?"

    return _UNICODE_ESCAPE.sub(char, name)


def _name_ends(text: str) -> list[int]:
    """Where each secret-looking name ends (past a closing quote of a quoted name)."""
    ends = [m.end() for m in _SECRET_NAME.finditer(text)]
    if 'U&"' in text or 'u&"' in text:
        ends += [m.end() for m in _UNICODE_NAME.finditer(text) if _SECRET_NAME.search(_decoded(m.group(1)))]
        ends.sort()
    return ends


def _name_spans(text: str) -> list[tuple[int, int]]:
    """Literals that a secret-looking name sets, read two ways (both kept: masking too much is safe):
    the name is an option key or setting (`sslpassword '…'`, `SET app.password TO '…'`, `@rmtpassword = N'…'`),
    or it sits inside a literal that the next arguments complete (`set_config('app.password', '…')`,
    `format('… PASSWORD %L', '…')`, `'… password=' || '…'`). Readings share a budget, as in `_sql_spans`."""
    spans: list[tuple[int, int]] = []
    budget = _BUDGET_FACTOR * len(text) + _BUDGET_EXTRA
    for count, end in enumerate(_name_ends(text)):
        if budget <= 0 or count >= _MAX_READINGS:
            spans.append((end, len(text)))
            break
        reader = _Reader(text, min(len(text), end + budget))
        p = end + 1 if text.startswith(('"', "`", "]"), end) else end
        p = reader.gap(p)
        if text.startswith("=", p) or text.startswith(":=", p):
            p = reader.gap(p + (1 if text[p] == "=" else 2))
        else:
            word, after = reader.word(p)
            if word == "to":
                p = reader.gap(after)
        spans.extend(reader.literal_chain(p))
        close = _TO_CLOSE.match(text, end, reader.end)
        if close and not text.startswith("'", close.end()):
            spans.extend(reader.argument_literals(close.end()))
        budget -= max(reader.reach - end, 1)
    return spans


def _dollar_body_spans(text: str) -> list[tuple[int, int]]:
    """Whole dollar-quoted bodies (`DO $$ … $$`, function bodies) that name a secret: their dynamic SQL
    nests quotes too deep to read, so the body is masked. Each body is searched once."""
    spans = []
    pos = 0
    while True:
        m = _DOLLAR_TAG.search(text, pos)
        if m is None:
            return spans
        if m.start() > 0 and (_is_word(text[m.start() - 1]) or text[m.start() - 1] == "$"):
            pos = m.start() + 1
            continue
        close = text.find(m.group(), m.end())
        stop = len(text) if close < 0 else close
        if _SECRET_NAME.search(text, m.end(), stop) or _SQL_KEYWORD.search(text, m.end(), stop):
            spans.append((m.end(), stop))
        pos = stop + len(m.group()) if close >= 0 else len(text)


# --------------------------------------------------------------------------- secret arguments by position

#: SQL Server's procedures (and OPENROWSET) whose arguments hold a secret by position, in Microsoft's documented
#: order (1 the first): the positions, and the parameter names that hold one without saying so (sp_password's
#: `@old`, `@new`); the other secret parameters are named for it (`@rmtpassword`, `@passwd`) and `_name_spans`
#: masks them. OPENROWSET('provider', 'datasource'; 'user'; 'password', …) counts `;` as a separator too.
SECRET_ARGUMENTS: dict[str, tuple[frozenset[int], frozenset[str]]] = {
    "sp_addlinkedsrvlogin": (frozenset({5}), frozenset()),  # rmtsrvname, useself, locallogin, rmtuser, rmtpassword
    "sp_addlogin": (frozenset({2}), frozenset()),  # loginame, passwd, defdb, …
    "sp_password": (frozenset({1, 2}), frozenset({"@old", "@new"})),  # old, new, loginame
    "sp_setapprole": (frozenset({2}), frozenset()),  # rolename, password | {encrypt N'password'}, encrypt, …
    "sp_addapprole": (frozenset({2}), frozenset()),  # rolename, password
    "sp_approlepassword": (frozenset({2}), frozenset()),  # rolename, newpwd
    "sp_change_users_login": (frozenset({4}), frozenset()),  # Action, UserNamePattern, LoginName, Password
    "sp_control_dbmasterkey_password": (frozenset({2}), frozenset()),  # db_name, password, action
    "sp_adddistributor": (frozenset({3}), frozenset()),  # distributor, heartbeat_interval, password
    "sp_changedistributor_password": (frozenset({1}), frozenset()),  # password
    "openrowset": (frozenset({4}), frozenset()),  # provider, datasource; user_id; password, query
}
#: a procedure's name, then looked up in SECRET_ARGUMENTS (one word, not an alternation of eleven: 5× faster)
_CALL = re.compile(r"(?<![\w$@#])\[?(sp_[\w$@#]++|openrowset)\]?(?![\w$@#])", re.IGNORECASE)
_PARAMETER = re.compile(r"@[\w@#$]++")
_ARGUMENT_WORD = re.compile(r"[\w@#$.+-]++")
_BRACKETED = re.compile(r"\[((?:[^\]]|\]\])*+)\]")
_NOT_A_SECRET = frozenset(["null", "default"])
#: a bare word is an argument where `,`, `;`, `)`, `}`, the line's or the text's end follows it
_ENDS_ARGUMENT = re.compile(r"[ \t]*+(?:[,;)}\r\n]|$)")


def _call_spans(text: str) -> list[tuple[int, int]]:
    """The secret arguments of the calls in `SECRET_ARGUMENTS` (`EXEC sp_addlinkedsrvlogin 'srv', 'false', NULL,
    'bob', '…'`): literals, bare words and `[names]` at a secret position, `{encrypt N'…'}` in it. Readings share a
    budget, as in `_sql_spans`."""
    spans: list[tuple[int, int]] = []
    budget = _BUDGET_FACTOR * len(text) + _BUDGET_EXTRA
    count = 0
    for m in _CALL.finditer(text):
        known = SECRET_ARGUMENTS.get(m.group(1).lower())
        if known is None:
            continue
        if budget <= 0 or count >= _MAX_READINGS:
            spans.append((m.end(), len(text)))
            break
        count += 1
        reader = _Reader(text, min(len(text), m.end() + budget))
        positions, names = known
        spans.extend(reader.secret_arguments(m.end(), positions, names))
        budget -= max(reader.reach - m.end(), 1)
    return spans


# --------------------------------------------------------------------------- key=value, URLs, tokens

_KEY_VALUE = re.compile(
    r"(?:pwd|password|passwd|token|secret|api_key|apikey|key_source|identity_value|(?<![\w.-])sig|"
    r"(?<![\w.-])signature)(?![\w$])\s*+=\s*+",
    re.IGNORECASE,
)
#: HTTP credentials in command lines (`COPY … PROGRAM 'curl -u bob:pw …'`, `-H "Authorization: Bearer …"`)
_HTTP_CREDENTIAL = re.compile(r"(?i)(?:(?<![\w-])(?:-u|--user)[\s=]++[^\s:'\"]*+:|\b(?:bearer|basic)\s++)([^\s'\"]++)")
_BRACED = re.compile(r"\{(?:[^}]|\}\})*+\}")
_LIBPQ_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*+'", re.DOTALL)
_SQL_DOUBLED_QUOTED = re.compile(r"''(?:[^'\\]|\\.)*+''", re.DOTALL)
_BARE = re.compile(r"(?:[^\s;'\"&,)]|'')++")
_GITHUB_TOKEN = re.compile(r"(?<![\w])(?:gh[pousr]_[A-Za-z0-9]{20,}+|github_pat_[A-Za-z0-9_]{20,}+)(?![\w])")
_URL_USER = re.compile(r"[^:/@\s]*+")
_URL_PASSWORD = re.compile(r"[^@\s]*+")
_QUERY_SECRET = re.compile(r"(?i)[?&](?:sig|signature|token|key|code|secret)=[^&\s#]++")


def _key_value_spans(text: str) -> list[tuple[int, int]]:
    """Values of `key=value` secrets. The search goes on after each value: a key inside one is masked with it."""
    spans = []
    m = _KEY_VALUE.search(text)
    count = 0
    while m:
        count += 1
        if count > _MAX_READINGS:
            spans.append((m.start(), len(text)))
            break
        p = m.end()
        prefix = _PREFIX.match(text, p)  # T-SQL `PASSWORD = N'…'`: the SQL rule masks the body
        if prefix:
            p = prefix.end()
        span: tuple[int, int] | None = None
        if text.startswith("''", p):  # libpq quoting inside an SQL literal: password=''a b''
            v = _SQL_DOUBLED_QUOTED.match(text, p)
            span = (p + 2, v.end() - 2 if v else len(text))
        elif text.startswith("'", p) or text.startswith('"', p):
            v = _LIBPQ_QUOTED.match(text, p) if text[p] == "'" else _BODY_ESCAPED['"'].match(text, p + 1)
            span = (p + 1, v.end() - 1 if v else len(text))
        elif text.startswith("{", p):
            v = _BRACED.match(text, p)
            span = (p + 1, v.end() - 1 if v else len(text))
        elif not prefix:
            v = _BARE.match(text, p)
            span = v.span() if v else None
        if span is not None:
            spans.append(span)
        m = _KEY_VALUE.search(text, max(p, span[1] if span else p))
    return spans


def _url_spans(text: str) -> list[tuple[int, int]]:
    """The password of `scheme://user:password@`, scanned forward from each `://`: every character is
    read at most twice (a password scan is reused by later `://` that start inside what it read)."""
    spans = []
    scanned_to, at = -1, -1  # the scan that stopped at `scanned_to` found its `@` there (at) or none (-1)
    pos = text.find("://")
    while pos >= 0:
        colon = _URL_USER.match(text, pos + 3).end()
        if text.startswith(":", colon):
            start = colon + 1
            if start > scanned_to:
                scanned_to = _URL_PASSWORD.match(text, start).end()
                at = scanned_to if text.startswith("@", scanned_to) else -1
            if at >= start:
                spans.append((start, at))
        pos = text.find("://", max(pos + 3, colon))
    return spans


# --------------------------------------------------------------------------- registered secrets

_WORDLIKE = re.compile(r"\w++")


def register_secret(value: str | None) -> None:
    """Remember a secret so that `mask` removes it wherever it shows up."""
    if value and len(value) >= 3:
        _registered.add(value)


def registered_count() -> int:
    """How many secrets are registered: what `mask` gives for a text changes only when this does."""
    return len(_registered)


def _registered_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for secret in _registered:
        whole_word = _WORDLIKE.fullmatch(secret) is not None
        i = text.find(secret)
        while i >= 0:
            j = i + len(secret)
            if not whole_word or ((i == 0 or not _is_word(text[i - 1])) and (j == len(text) or not _is_word(text[j]))):
                spans.append((i, j))
            i = text.find(secret, i + 1)
    return spans


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*+)\}")


def expand_env(text: str, where: str = "connection string") -> str:
    """Replace `${VAR}` with the environment's value, registering each value as a secret.

    Raised as ValueError with a message naming `where`; callers word it as their error.
    """

    def repl(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in os.environ:
            raise ValueError(f"{where} refers to ${{{name}}}, but the environment variable {name} is not set")
        value = os.environ[name]
        register_secret(value)
        return value

    return _ENV_REF.sub(repl, text)


# --------------------------------------------------------------------------- the function


def mask(text: Any) -> str:
    """`text` with every secret replaced by `***` (quotes and keywords kept, so the statement still reads)."""
    out = str(text)
    spans = _registered_spans(out) if _registered else []
    if _SQL_KEYWORD.search(out):
        spans += _sql_spans(out)
    if "=" in out:
        spans += _key_value_spans(out)
    if "://" in out:
        spans += _url_spans(out)
    spans += _name_spans(out)
    if "$" in out:
        spans += _dollar_body_spans(out)
    lowered = out.lower()
    if "sp_" in lowered or "openrowset" in lowered:
        spans += _call_spans(out)
    spans += [m.span(1) for m in _HTTP_CREDENTIAL.finditer(out)]
    spans += [m.span() for m in _GITHUB_TOKEN.finditer(out)]
    spans += [(m.start() + m.group().index("=") + 1, m.end()) for m in _QUERY_SECRET.finditer(out)]
    return _replace(out, spans)


def _replace(text: str, spans: list[tuple[int, int]]) -> str:
    """Each stretch covered by one or more spans becomes one `***`."""
    spans = sorted((s, e) for s, e in spans if e > s)
    if not spans:
        return text
    parts, pos = [], 0
    start, end = spans[0]
    for s, e in spans[1:]:
        if s <= end:
            end = max(end, e)
            continue
        parts += [text[pos:start], MASK]
        pos, start, end = end, s, e
    parts += [text[pos:start], MASK, text[end:]]
    return "".join(parts)


class MaskingLogger(logging.LoggerAdapter):  # type: ignore[type-arg]
    """Formats the message first, masks it, makes it one line (database names in it cannot start a CI
    workflow command, see `untrusted.one_line`), then logs it with a `schema-sync: ` prefix."""

    def log(self, level: int, msg: Any, *args: Any, **kwargs: Any) -> None:
        if not self.isEnabledFor(level):
            return
        text = str(msg) % args if args else str(msg)
        kwargs.pop("exc_info", None)  # tracebacks may hold secrets: never attach them
        self.logger.log(level, "schema-sync: " + one_line(mask(text)), **kwargs)


def get_logger(name: str) -> MaskingLogger:
    """Loggers live under `mkdocs.plugins.` so that MkDocs shows them and --strict counts warnings."""
    return MaskingLogger(logging.getLogger(f"mkdocs.plugins.schema_sync.{name}"), {})
