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


#: secret_arguments: each call's bits (1 the first argument, 2 the second, …; 256: @old and @new name a secret)
CALLS = {
    "sp_addlinkedsrvlogin": 16,
    "sp_addlogin": 2,
    "sp_password": 259,
    "sp_setapprole": 2,
    "sp_addapprole": 2,
    "sp_approlepassword": 2,
    "sp_change_users_login": 8,
    "sp_control_dbmasterkey_password": 2,
    "sp_adddistributor": 4,
    "sp_changedistributor_password": 1,
    "openrowset": 8,
}
#: calls_secret: the calls whose names names_secret does not find
CALLS_FOUND = [name for name in CALLS if not names_secret(name)]


def secret_arguments(w: str) -> int:
    return next((bits for name, bits in CALLS.items() if _like_any_case(w, name, whole=True)), 0)


def calls_secret(q: str) -> int:
    return 1 if any(_like_any_case(q, name) for name in CALLS_FOUND) else 0


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
    if q is None or (names_secret(q) == 0 and calls_secret(q) == 0):
        return q
    n = len(q)
    i, j, st, depth, wstart, wlen = 1, 0, 0, 0, 0, 0
    expect = masking = kv = 0
    kstart = kword = kend = start = 0
    frm, out = 1, ""
    keep = args = 0
    argno = 1
    argst = secret = paren = brace = named = atword = qstart = 0
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
                    if argst == 2:
                        argst = 0
                    if argst == 1 and brace == 0:
                        if named == 0 and (args // 2 ** (argno - 1)) % 2 == 1:
                            out += _sub(q, frm, qstart + 1 - frm) + "***"
                            frm = i
                        argst = 2
                        atword = 0
                    elif argst == 0 and i - qstart > 10:
                        args = secret_arguments(_sub(q, qstart + 1, i - qstart - 1))
                        if args > 0:
                            argst = 1
                            argno = 1
                            paren = 0
                            brace = 0
                            named = 0
                            atword = 0
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
            secret = 0
            if (
                argst == 1
                and brace == 0
                and named == 0
                and (args // 2 ** (argno - 1)) % 2 == 1
                and _unicode(_sub(q, wstart, 1)) != 64
                and not _like_any_case(_sub(q, wstart, wlen), "null", whole=True)
                and not _like_any_case(_sub(q, wstart, wlen), "default", whole=True)
                and not (wlen == 1 and _unicode(_sub(q, wstart, 1)) in (78, 110) and c == 39)
            ):
                j = i
                while j <= n and _unicode(_sub(q, j, 1)) in (32, 9):
                    j += 1
                if j > n or _unicode(_sub(q, j, 1)) in (44, 59, 41, 125, 10, 13):
                    secret = 1
            if (
                (expect == 1 or secret == 1)
                and wlen > 2
                and _unicode(_sub(q, wstart, 1)) == 48
                and _unicode(_sub(q, wstart + 1, 1)) in (88, 120)
            ):
                keep = 2
            else:
                keep = 0 if secret == 1 else -1
            if keep >= 0:
                out += _sub(q, frm, wstart + keep - frm) + "***"
                frm = wstart + wlen
                expect = 0
            elif names_secret(_sub(q, wstart, wlen)) == 1:
                expect = 1
            elif not (wlen == 1 and _unicode(_sub(q, wstart, 1)) in (78, 110) and c == 39):
                expect = 0
            if not (wlen == 1 and _unicode(_sub(q, wstart, 1)) in (78, 110) and c == 39):
                if argst == 2:
                    argst = 0
                elif argst == 1 and brace == 0:
                    atword = 1 if _unicode(_sub(q, wstart, 1)) == 64 else 0
                    if (
                        atword == 1
                        and args >= 256
                        and (
                            _like_any_case(_sub(q, wstart + 1, wlen - 1), "old", whole=True)
                            or _like_any_case(_sub(q, wstart + 1, wlen - 1), "new", whole=True)
                        )
                    ):
                        expect = 1
                    argst = 2
                if argst == 0 and wlen >= 10:
                    args = secret_arguments(_sub(q, wstart, wlen))
                    if args > 0:
                        argst = 1
                        argno = 1
                        paren = 0
                        brace = 0
                        named = 0
                        atword = 0
            wlen = 0
            if i > n:
                break
        if argst > 0 and c not in (39, 91, 34, 32, 9, 10, 13, 43, 45, 47):
            if (c == 44 or (c == 59 and paren == 1)) and argst == 2 and brace == 0:
                argst = 1
                atword = 0
                if argno < 8:
                    argno += 1
            elif c == 40 and argst == 1 and argno == 1 and paren == 0:
                paren = 1
            elif c == 123 and argst == 1:
                brace = 1
            elif c == 125 and brace == 1:
                brace = 0
                argst = 2
            elif c == 61 and argst == 2 and atword == 1:
                named = 1
                argst = 1
                atword = 0
            else:
                argst = 0
        if c == 39:
            st = 1
            kstart = 0
            kend = 0
            if argst == 2:
                argst = 0
            secret = 1 if argst == 1 and named == 0 and (args // 2 ** (argno - 1)) % 2 == 1 else 0
            if argst == 1 and brace == 0:
                argst = 2
                atword = 0
            if expect == 1 or secret == 1:
                masking = 1
                kv = 0
                start = i + 1
                expect = 0
        elif c == 91:
            st = 2
            qstart = i
        elif c == 34:
            st = 3
            qstart = i
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
