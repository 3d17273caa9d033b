"""The per-dialect statement scanners that replaced sqlparse (issue 21 item 6, issue 19 defect 13)."""

from __future__ import annotations

import pytest

from mkdocs_schema_sync.dialects import get_dialect
from mkdocs_schema_sync.dialects.mssql.batches import split_batches
from mkdocs_schema_sync.errors import SchemaSyncError


def split(dialect: str, text: str) -> list[tuple[int, str]]:
    return [(s.line, str(s)) for s in get_dialect(dialect).split_migration(text)]  # type: ignore[attr-defined]


def test_postgres_quotes_comments_and_standard_bodies() -> None:
    text = (
        "SELECT E'it\\'s; fine';\n"
        "/* outer /* nested; */ still comment; */ SELECT 2;\n"
        "CREATE FUNCTION g() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT 1;\n"
        "  SELECT CASE WHEN true THEN 1 END;\nEND;\n"
        "SELECT $body$ ; $body$, $$;$$, a$b$c;\n"
        'SELECT "odd;name" FROM t; -- trailing; comment\n'
    )
    assert split("postgresql", text) == [
        (1, "SELECT E'it\\'s; fine';"),
        (2, "/* outer /* nested; */ still comment; */ SELECT 2;"),
        (
            3,
            "CREATE FUNCTION g() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT 1;\n"
            "  SELECT CASE WHEN true THEN 1 END;\nEND;",
        ),
        (8, "SELECT $body$ ; $body$, $$;$$, a$b$c;"),
        (9, 'SELECT "odd;name" FROM t;'),
    ]
    # a standard string: the backslash is a character, the quote ends it
    assert split("postgresql", "SELECT 'a\\'; SELECT 2;") == [(1, "SELECT 'a\\';"), (1, "SELECT 2;")]


def test_sqlite_triggers_and_its_quoting() -> None:
    text = (
        "CREATE TABLE [a;b] (`c;d` TEXT);\n"
        "CREATE TEMP TRIGGER t AFTER INSERT ON o BEGIN\n"
        "  INSERT INTO audit VALUES (CASE WHEN NEW.x THEN 'x;' END);\n"
        "  UPDATE a SET b = 1;\nEND;\n"
        "SELECT 1"
    )
    assert [line for line, _ in split("sqlite", text)] == [1, 2, 6]
    assert split("sqlite", text)[1][1].endswith("UPDATE a SET b = 1;\nEND;")


def test_mysql_escapes_hash_comments_and_delimiter_blocks() -> None:
    text = (
        "INSERT INTO t VALUES ('it\\'s; fine', \"a\\\";b\");\n"
        "# a comment; not a statement\n"
        "SELECT 1--2;\n"
        "DELIMITER //\n"
        "CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END //\n"
        "delimiter ;\n"
        "SELECT `x;y`;\n"
    )
    assert split("mysql", text) == [
        (1, "INSERT INTO t VALUES ('it\\'s; fine', \"a\\\";b\");"),
        (3, "# a comment; not a statement\nSELECT 1--2;"),
        (5, "CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END"),
        (7, "SELECT `x;y`;"),
    ]


def test_tsql_go_batches_strings_brackets_and_comments() -> None:
    text = "SELECT N'a\nGO\n'\nGO\nSELECT [x\nGO\n]\nGO 2\n/* GO\n/* nested */\nGO\n*/ SELECT 3\n"
    assert [(s.line, str(s)) for s in split_batches(text)] == [
        (1, "SELECT N'a\nGO\n'"),
        (5, "SELECT [x\nGO\n]"),
        (5, "SELECT [x\nGO\n]"),
        (12, "/* GO\n/* nested */\nGO\n*/ SELECT 3"),  # the line its code starts on
    ]


def test_tsql_go_followed_by_a_comment_without_a_space_splits() -> None:
    """`GO--done` and `GO/*x*/` end a batch, as in SSMS; before, the line was sent to the server (issue 19 #13)."""
    assert split_batches("SELECT 1\nGO--done\nSELECT 2\nGO/* x */\nSELECT 3") == ["SELECT 1", "SELECT 2", "SELECT 3"]
    with pytest.raises(SchemaSyncError, match="line 2: 'GO-1' is not a batch separator"):
        split_batches("SELECT 1\nGO-1\n")


def test_only_comments_is_no_statement_and_an_empty_file_has_none() -> None:
    for dialect in ("postgresql", "sqlite", "mysql"):
        assert split(dialect, "-- nothing\n/* at all */\n") == []
        assert split(dialect, "") == []


def test_transaction_control_per_dialect() -> None:
    """What a migration may not say (issue 21 item 1); strings, comments and routine bodies do not count."""
    cases = {
        "postgresql": [
            ("COMMIT;", "COMMIT"),
            ("/* why */ end work;", "END"),
            ("Start Transaction;", "START TRANSACTION"),
            ("PREPARE TRANSACTION 'x';", "PREPARE TRANSACTION"),
            ("SELECT 'COMMIT';", None),
            ("-- COMMIT\nSELECT 1;", None),
            ("PREPARE q AS SELECT 1;", None),
            ("CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN COMMIT; END $$;", None),
        ],
        "sqlite": [("BEGIN IMMEDIATE;", "BEGIN"), ("release s;", "RELEASE"), ("SELECT 1;", None)],
        "mysql": [
            ("SET autocommit = 0;", "SET AUTOCOMMIT"),
            ("set @@session.autocommit=0;", "SET AUTOCOMMIT"),
            ("BEGIN WORK;", "BEGIN"),
            ("BEGIN NOT ATOMIC SELECT 1; END;", None),
            ("BEGIN NOT ATOMIC INSERT INTO t VALUES (1); ROLLBACK; END;", "ROLLBACK"),
            ("SET NAMES utf8mb4;", None),
        ],
        "mssql": [
            ("BEGIN TRAN;\nUPDATE t SET x = 1;\nCOMMIT", "BEGIN TRAN"),
            ("UPDATE t SET x = 1;\nIF @@ERROR <> 0 ROLLBACK", "ROLLBACK"),
            ("SAVE TRANSACTION s", "SAVE TRANSACTION"),
            ("SET IMPLICIT_TRANSACTIONS ON", "SET IMPLICIT_TRANSACTIONS"),
            ("CREATE OR ALTER PROCEDURE p AS BEGIN BEGIN TRAN; COMMIT; END", None),
            ("ALTER TRIGGER tr ON t AFTER INSERT AS ROLLBACK", None),
            ("SELECT N'COMMIT' AS [rollback] -- COMMIT", None),
            ("BEGIN TRY SELECT 1 END TRY BEGIN CATCH SELECT 2 END CATCH", None),
        ],
    }
    for dialect, pairs in cases.items():
        d = get_dialect(dialect)
        for text, expected in pairs:
            assert d.transaction_control(text) == expected, (dialect, text)


def test_statement_groups_for_progress_rows() -> None:
    from mkdocs_schema_sync.deploy.steps import GROUP_LIMIT, groups

    statements = get_dialect("mysql").split_migration(
        "CREATE TABLE t (x INT);\n" + "INSERT INTO t VALUES (1);\n" * (GROUP_LIMIT + 5) + "ALTER TABLE t ADD y INT;\n"
        "DELETE FROM t;\n"
    )
    assert groups(statements) == [
        (0, 1),
        (1, 1 + GROUP_LIMIT),
        (1 + GROUP_LIMIT, 6 + GROUP_LIMIT),
        (6 + GROUP_LIMIT, 7 + GROUP_LIMIT),
        (7 + GROUP_LIMIT, 8 + GROUP_LIMIT),
    ]
