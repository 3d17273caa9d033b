"""SQL Server: the DDL trigger masks passwords before the row is written (T-SQL checked as text: no server here)."""

from __future__ import annotations

import re

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


def test_mask_function_reads_every_tsql_literal_form_after_the_keywords() -> None:
    code = function_batch()
    # the keywords, whole words, case-insensitively
    assert "UPPER(SUBSTRING(@q, @wstart, @wlen)) IN (N'PASSWORD', N'OLD_PASSWORD', N'SECRET')" in code
    # '…' with doubled quotes, N'…' (the N keeps the wait), 0x… hashes (PASSWORD = 0x… HASHED)
    assert "IF SUBSTRING(@q, @i + 1, 1) = N'''' SET @i += 1" in code
    assert "UPPER(SUBSTRING(@q, @wstart, 1)) = N'N' AND @ch = N''''" in code
    assert "SUBSTRING(@q, @wstart, 2) IN (N'0x', N'0X')" in code
    # `=`, whitespace and comments may stand between keyword and literal; names and comments are skipped whole
    assert "ELSE IF @ch NOT IN (N'=', N' ', NCHAR(9), NCHAR(10), NCHAR(13)) SET @expect = 0" in code
    assert "SET @depth += 1" in code and "SET @depth -= 1" in code  # nested /* */
    assert "WHEN 2 THEN N']'" in code  # [names] with ]] doubled
    # copied in pieces, not character by character (quadratic on nvarchar(max))
    assert len(re.findall(r"SET @out \+=", code)) == 2


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
