"""A line-by-line Python port of the T-SQL `schema_sync.mask_statement` and `names_secret` (sql/mssql/install.sql).

No SQL Server runs here, so the T-SQL is checked two ways: this port runs on the shared masking corpus, and
test_mask_mssql.py checks that the T-SQL still has the port's shape and compares only by code point (UNICODE()
numbers, or COLLATE Latin1_General_BIN2 with each letter's cases spelled out), which is what makes the port's
results hold under every database collation (case-sensitive, binary, width-insensitive). The limit: a change to
the T-SQL that keeps those lines but alters the logic elsewhere is caught only by reading both side by side.
Text is indexed from 1 as in T-SQL; SUBSTRING past the end is '' and UNICODE('') is NULL (ISNULL → 0).
"""

from __future__ import annotations

import re

#: names_secret's LIKE patterns: BIN2 with explicit cases is ASCII case-insensitive, nothing more
_STEMS = [
    "password", "passwd", "pwd", "secret", "token", "api_key", "key_source", "identity_value",
]  # fmt: skip


def _like_any_case(text: str, word: str, whole: bool = False) -> bool:
    pattern = re.escape(word)
    flags = re.IGNORECASE | re.ASCII
    return bool(re.fullmatch(pattern, text, flags) if whole else re.search(pattern, text, flags))


def names_secret(w: str) -> int:
    return 1 if any(_like_any_case(w, stem) for stem in _STEMS) else 0


def _sub(q: str, start: int, length: int) -> str:
    """T-SQL SUBSTRING (1-based; a start below 1 shortens the length)."""
    if length < 0:
        raise ValueError("negative length")
    end = start + length
    start = max(start, 1)
    return q[start - 1 : max(end - 1, start - 1)]


def _unicode(s: str) -> int | None:
    return ord(s[0]) if s else None


def mask_statement(q: str | None) -> str | None:
    if q is None or names_secret(q) == 0:
        return q
    n = len(q)
    i, st, depth, wstart, wlen = 1, 0, 0, 0, 0
    expect = masking = kv = 0
    kstart = kword = kend = start = 0
    frm, out = 1, ""
    while i <= n:
        c = _unicode(_sub(q, i, 1))
        assert c is not None
        c2 = _unicode(_sub(q, i + 1, 1)) or 0
        if st == 1:
            if c == 39 and c2 == 39:
                i += 2
                continue
            if masking == 1 and (c == 39 or (kv == 1 and c == 59)):
                out += _sub(q, frm, start - frm) + "***"
                frm = i
                masking = 0
                kv = 0
            if c == 39:
                st = 0
            elif masking == 0:
                if 65 <= c <= 90 or 97 <= c <= 122 or c == 95:
                    if kstart == 0:
                        kstart = i
                else:
                    if kstart > 0:
                        kword = kstart
                        kend = i
                        kstart = 0
                    if (
                        c == 61
                        and kend > 0
                        and (
                            _like_any_case(_sub(q, kword, kend - kword), "pwd", whole=True)
                            or _like_any_case(_sub(q, kword, kend - kword), "password", whole=True)
                        )
                    ):
                        masking = 1
                        kv = 1
                        start = i + 1
                    if c != 32:
                        kend = 0
            i += 1
            continue
        if st in (2, 3):
            if c == (93 if st == 2 else 34):
                if c2 == c:
                    i += 1
                else:
                    st = 0
            i += 1
            continue
        if st == 4:
            if c == 10:
                st = 0
            i += 1
            continue
        if st == 5:
            if c == 42 and c2 == 47:
                depth -= 1
                i += 1
                if depth == 0:
                    st = 0
            elif c == 47 and c2 == 42:
                depth += 1
                i += 1
            i += 1
            continue
        if c == 95 or c in (35, 36, 64) or 48 <= c <= 57 or 65 <= c <= 90 or 97 <= c <= 122 or c > 127:
            if wlen == 0:
                wstart = i
            wlen += 1
            i += 1
            if i <= n:
                continue
            c = 32
        if wlen > 0:
            if (
                expect == 1
                and wlen > 2
                and _unicode(_sub(q, wstart, 1)) == 48
                and _unicode(_sub(q, wstart + 1, 1)) in (88, 120)
            ):
                out += _sub(q, frm, wstart + 2 - frm) + "***"
                frm = wstart + wlen
                expect = 0
            elif names_secret(_sub(q, wstart, wlen)) == 1:
                expect = 1
            elif not (wlen == 1 and _unicode(_sub(q, wstart, 1)) in (78, 110) and c == 39):
                expect = 0
            wlen = 0
            if i > n:
                break
        if c == 39:
            st = 1
            kstart = 0
            kend = 0
            if expect == 1:
                masking = 1
                kv = 0
                start = i + 1
                expect = 0
        elif c == 91:
            st = 2
        elif c == 34:
            st = 3
        elif c == 45 and c2 == 45:
            st = 4
            i += 1
        elif c == 47 and c2 == 42:
            st = 5
            depth = 1
            i += 1
        elif c not in (61, 32, 9, 10, 13):
            expect = 0
        i += 1
    if masking == 1:
        return out + _sub(q, frm, start - frm) + "***"
    return out + _sub(q, frm, n - frm + 1)
