"""SQL Server: the DDL trigger masks passwords before the row is written (T-SQL checked as text: no server here)."""

from __future__ import annotations

import re

import pytest
import tsql_mask_port as port
from masking_corpus import check_masked, kept_forms, masked_forms
from test_mssql import _norm

from mkdocs_schema_sync.dialects import mssql
from mkdocs_schema_sync.dialects.sqlfiles import read_sql


def function_batch() -> str:
    batches = [b for b in mssql.script_batches("install.sql") if "FUNCTION schema_sync.mask_statement" in b]
    assert len(batches) == 1
    return _norm(batches[0])


def test_mask_function_is_created_alone_in_its_batch_and_granted_to_the_trigger_user() -> None:
    code = function_batch()
    assert code.startswith(
        "CREATE OR ALTER FUNCTION schema_sync.mask_statement (@q nvarchar(max)) RETURNS nvarchar(max)"
    )
    install = _norm(read_sql("mssql", "install.sql"))
    assert "GRANT EXECUTE ON OBJECT::schema_sync.mask_statement TO schema_sync_writer" in install


MASKING_FUNCTIONS = ("mask_statement", "names_secret", "secret_arguments", "calls_secret")


def masking_batch(name: str) -> str:
    (batch,) = [b for b in mssql.script_batches("install.sql") if f"FUNCTION schema_sync.{name} (" in b]
    return _norm(batch)


def masking_batches() -> str:
    return "\n".join(masking_batch(name) for name in MASKING_FUNCTIONS)


def like_words(code: str) -> list[str]:
    """The words of the LIKE patterns in `code` (`[Pp][Ww][Dd]` → pwd)."""
    return [
        re.sub(r"\[(.).\]", r"\1", p).replace("[_]", "_").strip("%").lower()
        for p in re.findall(r"LIKE N'([^']*)'", code)
    ]


@pytest.mark.parametrize(("text", "kept"), masked_forms("tsql"))
def test_the_tsql_masker_port_masks_every_sql_server_form(text: str, kept: str) -> None:
    check_masked(text, kept, port.mask_statement(text) or "")


@pytest.mark.parametrize("text", kept_forms("tsql"))
def test_the_tsql_masker_port_leaves_text_without_secrets_alone(text: str) -> None:
    assert port.mask_statement(text) == text


def test_the_tsql_masker_compares_by_code_point_under_every_collation() -> None:
    """Issue 19: `NOT LIKE N'%password%'` and `@ch = N''''` used the database collation: on a _CS_/_BIN2 database
    a lower-case `password` was never looked at, and under a width-insensitive one a full-width quote ended a
    string. No comparison of characters depends on the collation now: code points, or BIN2 with each case
    spelled out (so the port's results hold under every collation)."""
    code = masking_batches()
    assert "@ch" not in code and "UPPER(" not in code and "LOWER(" not in code
    for m in re.finditer(r"(?:=|<>|\bIN \(|\bLIKE) N'", code):  # every comparison with a text
        before = code[max(0, m.start() - 120) : m.start()]
        if re.search(r"(?:SET @\w+|nvarchar\(max\)) $", before):
            continue  # an assignment, not a comparison
        assert "COLLATE Latin1_General_BIN2" in before, code[m.start() - 120 : m.end() + 40]
    patterns = re.findall(r"LIKE N'([^']*)'", code)
    assert patterns
    for p in patterns:
        assert re.fullmatch(r"%?(?:\[([A-Za-z])(?i:\1)\]|\[_\])+%?", p), p
    # the port has the same stems, calls and words (connection-string keys, NULL, DEFAULT, @old, @new)
    assert set(like_words(masking_batch("names_secret"))) == set(port._STEMS)
    assert set(like_words(masking_batch("calls_secret"))) == set(port.CALLS_FOUND)
    assert set(like_words(masking_batch("mask_statement"))) == {"pwd", "password", "null", "default", "old", "new"}


def test_the_tsql_and_python_maskers_know_the_same_secret_arguments() -> None:
    """schema_sync.secret_arguments, its port and masking.SECRET_ARGUMENTS: the same calls, the same positions."""
    from mkdocs_schema_sync.masking import SECRET_ARGUMENTS

    code = masking_batch("secret_arguments")
    tsql = {like_words(m.group(1))[0]: int(m.group(2)) for m in re.finditer(r"(LIKE N'[^']*') RETURN (\d+);", code)}
    assert tsql == port.CALLS
    for name, (positions, names) in SECRET_ARGUMENTS.items():
        bits = sum(1 << (p - 1) for p in positions) + (256 if names else 0)
        assert tsql[name] == bits, name
        assert max(positions) < 8  # the T-SQL stops counting at the 8th argument
    assert set(tsql) == set(SECRET_ARGUMENTS)
    # calls_secret finds every call that names_secret does not
    assert {n for n in tsql if not port.names_secret(n)} == set(port.CALLS_FOUND)


def test_the_port_keeps_the_tsql_shape() -> None:
    """The port and the T-SQL read the same characters as the same things (a change on one side shows here)."""
    code = masking_batches()
    for line in (
        "IF @c = 39 AND @c2 = 39",
        "IF @masking = 1 AND (@c = 39 OR (@kv = 1 AND @c = 59))",
        "IF @c = CASE @st WHEN 2 THEN 93 ELSE 34 END",
        "IF @c = 95 OR @c IN (35, 36, 64) OR @c BETWEEN 48 AND 57 OR @c BETWEEN 65 AND 90"
        " OR @c BETWEEN 97 AND 122 OR @c > 127",
        "ELSE IF schema_sync.names_secret(SUBSTRING(@q, @wstart, @wlen)) = 1 SET @expect = 1",
        "ELSE IF NOT (@wlen = 1 AND UNICODE(SUBSTRING(@q, @wstart, 1)) IN (78, 110) AND @c = 39)",
        "ELSE IF @c NOT IN (61, 32, 9, 10, 13) SET @expect = 0",
    ):
        assert line in code, line
    for line in (
        "IF @q IS NULL OR (schema_sync.names_secret(@q) = 0 AND schema_sync.calls_secret(@q) = 0) RETURN @q",
        "IF @argst > 0 AND @c NOT IN (39, 91, 34, 32, 9, 10, 13, 43, 45, 47)",
        "IF (@c = 44 OR (@c = 59 AND @paren = 1)) AND @argst = 2 AND @brace = 0",
        "IF @j > @n OR UNICODE(SUBSTRING(@q, @j, 1)) IN (44, 59, 41, 125, 10, 13)",
        "SET @secret = CASE WHEN @argst = 1 AND @named = 0 AND (@args / POWER(2, @argno - 1)) % 2 = 1",
        "IF @expect = 1 OR @secret = 1",
        "IF @argno < 8 SET @argno += 1",
    ):
        assert line in code, line
    assert len(re.findall(r"SET @out \+=", code)) == 3  # copied in pieces, not character by character


def test_a_failing_mask_stores_a_placeholder_not_the_statement() -> None:
    code = _norm(read_sql("mssql", "install.sql"))
    trigger = code[code.index("CREATE OR ALTER TRIGGER schema_sync_ddl") :]
    assert "BEGIN TRY SET @statement = schema_sync.mask_statement(@statement); END TRY BEGIN CATCH" in trigger
    assert "SET @statement = CONCAT(N'(not shown: masking the statement failed, error '" in trigger


def test_the_trigger_masks_the_statement_before_any_row_is_written() -> None:
    code = _norm(read_sql("mssql", "install.sql"))
    trigger = code[code.index("CREATE OR ALTER TRIGGER schema_sync_ddl") :]
    masked = trigger.index("SET @statement = schema_sync.mask_statement(@statement)")
    assert trigger.index("@statement nvarchar(max) = @event.value(") < masked
    assert masked < trigger.index("INSERT INTO schema_sync.drift_log")


def test_uninstall_scripts_drop_the_function() -> None:
    for name in ("uninstall.sql", "uninstall_all.sql"):
        code = _norm(read_sql("mssql", name))
        assert "DROP FUNCTION IF EXISTS schema_sync.mask_statement" in code
        for name in MASKING_FUNCTIONS:
            assert f"DROP FUNCTION IF EXISTS schema_sync.{name}" in code
