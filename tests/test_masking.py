"""The one masking function: every literal form a database accepts after a password keyword, key=value
secrets, URL user info, registered secrets (whole words for word-like ones), and linear time on 1 MB inputs."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap

import pytest
from conftest import DDL_PASSWORD, ROOT

from mkdocs_schema_sync import masking
from mkdocs_schema_sync.masking import mask, register_secret

PW = DDL_PASSWORD  # "secret-hunter2": the suite fails if it shows up in any output

# (statement, text that must survive masking) — PostgreSQL, as drivers and `psql -c` send them
POSTGRES = [
    (f"CREATE ROLE r PASSWORD '{PW}'; CREATE TABLE t (a int)", "CREATE TABLE t (a int)"),
    (f"CREATE ROLE r ENCRYPTED PASSWORD E'{PW}\\'x'; CREATE TABLE t (a int)", "CREATE TABLE t"),
    (f"CREATE ROLE r PASSWORD E'it''s {PW}\\\\'; CREATE TABLE t (a int)", "CREATE TABLE t"),
    (f"ALTER ROLE r PASSWORD /* why */ '{PW}'", "ALTER ROLE r PASSWORD"),
    (f"ALTER ROLE r PASSWORD -- why\n  '{PW}'", "ALTER ROLE r"),
    (f"ALTER ROLE r PASSWORD /* a /* nested */ comment */ '{PW}'", "ALTER ROLE r"),
    (f"ALTER ROLE r PASSWORD\t\n  U&'{PW}' UESCAPE '!'", "ALTER ROLE r"),
    (f"ALTER ROLE r PASSWORD $${PW}$$; CREATE TABLE t (a int)", "CREATE TABLE t"),
    (f"ALTER ROLE r PASSWORD $pw$ $x$ {PW} $pw$; CREATE TABLE t (a int)", "CREATE TABLE t"),
    ("ALTER ROLE r PASSWORD 'secret-'\n'hunter2'; CREATE TABLE t (a int)", "CREATE TABLE t"),
    (f"ALTER ROLE r PASSWORD'{PW}'", "ALTER ROLE r"),
    (f"CREATE USER MAPPING FOR u SERVER s OPTIONS (user 'bob', password '{PW}')", "user 'bob'"),
    (f"ALTER USER MAPPING FOR u SERVER s OPTIONS (SET password '{PW}')", "SERVER s"),
    (f"SELECT dblink_connect('c', 'host=h password={PW} dbname=d'); CREATE TABLE t (a int)", "dbname=d"),
    (f"SELECT dblink_connect('host=h password=''{PW} x'' dbname=d')", "dbname=d"),
    (f"CREATE SUBSCRIPTION s CONNECTION 'host=h password = {PW}' PUBLICATION p", "PUBLICATION p"),
    (f"CREATE SERVER s FOREIGN DATA WRAPPER w OPTIONS (uri 'postgresql://bob:{PW}@h/d')", "bob:"),
    # a keyword inside an earlier literal must not hide the password after it
    (f"COMMENT ON COLUMN t.pw IS 'the password'; CREATE ROLE r PASSWORD '{PW}'", "COMMENT ON COLUMN"),
    (f"CREATE ROLE a PASSWORD 'x1'; CREATE ROLE b PASSWORD '{PW}'; CREATE TABLE t (a int)", "CREATE TABLE t"),
]
MYSQL = [
    (f"CREATE USER u IDENTIFIED BY '{PW}'", "CREATE USER u IDENTIFIED BY"),
    (f'CREATE USER u IDENTIFIED BY "{PW}"', "CREATE USER u"),
    (f"CREATE USER u IDENTIFIED BY 'it\\'s {PW}'", "CREATE USER u"),
    (f"CREATE USER u IDENTIFIED WITH mysql_native_password BY '{PW}'", "mysql_native_password"),
    (f"CREATE USER u IDENTIFIED WITH 'caching_sha2_password' AS '$A$005${PW}'", "caching_sha2_password"),
    (f"CREATE USER u IDENTIFIED BY PASSWORD '*{PW}'", "CREATE USER u"),
    (f"ALTER USER u IDENTIFIED BY 'new' REPLACE '{PW}'", "ALTER USER u"),
    (f"SET PASSWORD FOR u = PASSWORD('{PW}')", "SET PASSWORD FOR u"),
    (f"SET PASSWORD = _utf8mb4'{PW}'", "SET PASSWORD"),
    (f"CREATE USER u IDENTIFIED VIA ed25519 USING PASSWORD('{PW}')", "ed25519"),
    (f"GRANT ALL ON d.* TO u IDENTIFIED BY # why\n '{PW}'", "GRANT ALL"),
]
TSQL = [
    (f"CREATE USER u WITH PASSWORD = N'{PW}'", "CREATE USER u WITH PASSWORD"),
    (f"CREATE USER u WITH PASSWORD = '{PW}' MUST_CHANGE, DEFAULT_SCHEMA = s", "DEFAULT_SCHEMA = s"),
    (f"CREATE MASTER KEY ENCRYPTION BY PASSWORD = '{PW}'", "CREATE MASTER KEY"),
    (f"CREATE DATABASE SCOPED CREDENTIAL c WITH IDENTITY = 'bob', SECRET = '{PW}'", "IDENTITY = 'bob'"),
    (f"ALTER APPLICATION ROLE r WITH PASSWORD = 'x', OLD_PASSWORD = '{PW}'", "APPLICATION ROLE"),
    ("CREATE USER u WITH PASSWORD = 0x0200AB12CD34EF HASHED", "HASHED"),
]
FREE_TEXT = [
    (f"DRIVER={{x}};SERVER=h;UID=u;PWD={{a;b}}}}{PW}}};DATABASE=d", "DATABASE=d"),
    (f"Server=h;User Id=u;Password={PW};Database=d", "Database=d"),
    (f"host=h password='a \\' {PW}' dbname=d", "dbname=d"),
    (f"cannot connect to postgresql://bob:{PW}@db.example.com:5432/app", "@db.example.com:5432/app"),
    (f"mysql://bob:p/{PW}@h/d", "@h/d"),
    (f"https://h/hook?token={PW}&x=1", "&x=1"),
]


@pytest.mark.parametrize(("text", "kept"), POSTGRES + MYSQL + TSQL + FREE_TEXT)
def test_every_literal_form_after_a_password_keyword_is_masked(text: str, kept: str) -> None:
    out = mask(text)
    assert "hunter2" not in out, out
    assert "'x1'" not in out, out
    assert kept in out, out
    assert "***" in out


def test_unterminated_literal_and_hex_hash_are_masked() -> None:
    assert "hunter2" not in mask(f"ALTER ROLE r PASSWORD '{PW}")
    assert "0200AB12CD34EF" not in mask("CREATE USER u WITH PASSWORD = 0x0200AB12CD34EF HASHED")


def test_what_is_not_a_secret_is_left_alone() -> None:
    for text in (
        "ALTER ROLE r PASSWORD NULL",
        "CREATE TABLE users (password text NOT NULL DEFAULT 'x', secret_hint text)",
        "COMMENT ON COLUMN users.password IS 'bcrypt hash'",
        'password authentication failed for user "bob"',
        "ALTER ROLE r VALID UNTIL '2030-01-01'",
    ):
        assert mask(text) == text


@pytest.fixture
def word_secret() -> object:
    """A password that is a common word, registered as a connection string's password would be."""
    before = set(masking._registered)
    register_secret("data")
    register_secret("Sekr3t-Test-Pw!")
    yield
    masking._registered.clear()
    masking._registered.update(before)


def test_a_password_that_is_a_common_word_masks_only_that_word(word_secret: object) -> None:
    text = "cannot connect to database app: the data file of metadata is gone; password data; Sekr3t-Test-Pw!x"
    out = mask(text)
    assert "database app" in out and "metadata" in out and "the data file" not in out
    assert out.count("***") == 3, out  # "data" twice as a word, the non-word secret inside "…!x"
    assert "Sekr3t" not in out


# --------------------------------------------------------------------------- linear time

MB = 1_000_000
ADVERSARIAL = {
    "comment captured as a statement": "COMMENT ON TABLE t IS '" + "x" * MB + "'",
    "run without spaces after a scheme": "postgresql://" + "a" * MB,
    "many schemes without an @": "a://b:" * (MB // 6),
    "long user info without an @": "http://u:" + "p" * MB,
    "keywords each opening a literal": "password '" * (MB // 10),
    "keywords before nested comments": "password /* " * (MB // 12),
    "key=value pairs": "pwd=" * (MB // 4),
    "doubled quotes after a keyword": "PASSWORD " + "''" * (MB // 2),
    "backslashes after a keyword": "IDENTIFIED BY '" + "\\'" * (MB // 2),
    "dollar tags": "PASSWORD $a$" + "$b$" * (MB // 3),
    "token-like run": "ghp_" + "A" * MB + "_",
    "calls as each other's arguments": "EXEC sp_password " + "sp_addlogin, " * (MB // 13),
}


def test_masking_1mb_inputs_finishes_quickly() -> None:
    """Run in a subprocess with a generous bound: the old patterns took minutes on 200 KB (quadratic)."""
    script = textwrap.dedent(
        f"""
        import sys, time
        sys.path.insert(0, {str(ROOT / "tests")!r})
        from mkdocs_schema_sync.masking import mask
        from test_masking import ADVERSARIAL
        for name, text in ADVERSARIAL.items():
            start = time.perf_counter()
            mask(text)
            print(f"{{time.perf_counter() - start:.3f}} {{name}}", flush=True)
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    times = {line.split(" ", 1)[1]: float(line.split(" ", 1)[0]) for line in proc.stdout.splitlines()}
    assert set(times) == set(ADVERSARIAL)
    slow = {k: v for k, v in times.items() if v > 10}  # linear code needs well under a second each
    assert not slow, slow


def test_no_backtracking_prone_patterns() -> None:
    """Every regular expression of the masking module: no unbounded quantifier that can give back what it took."""
    values = [*vars(masking).values()]
    values += [p for v in values if isinstance(v, dict) for p in v.values()]
    patterns = [v for v in values if isinstance(v, re.Pattern)]
    assert patterns
    for p in patterns:
        text = re.sub(r"\\.", "", p.pattern)  # escaped characters
        text = re.sub(r"\[[^\]]*\]", "C", text)  # character classes
        text = re.sub(r"(?:[*+?]|\{\d+(?:,\d*)?\})\+", "", text)  # possessive quantifiers give nothing back
        greedy = re.findall(r"[*+]|\{\d+,\}", text)  # what is left of unbounded repetition can backtrack
        assert not greedy, f"{p.pattern!r} has a backtracking quantifier"
