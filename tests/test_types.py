"""normalize_type: one spelling per type across SQLite, PostgreSQL, MySQL/MariaDB and SQL Server."""

from __future__ import annotations

import pytest

from mkdocs_schema_sync.catalog.types import normalize_type

SAME = [
    (
        "integer",
        [
            ("postgresql", "int4"),
            ("postgresql", "integer"),
            ("sqlite", "INT"),
            ("sqlite", "INTEGER"),
            ("mysql", "int(11)"),
            ("mysql", "INT"),
            ("mssql", "int"),
            ("postgresql", "serial"),
        ],
    ),
    ("bigint", [("postgresql", "int8"), ("mysql", "bigint(20)"), ("mssql", "BIGINT"), ("postgresql", "bigserial")]),
    ("smallint", [("postgresql", "int2"), ("mysql", "smallint(6)"), ("mysql", "tinyint(4)"), ("mssql", "tinyint")]),
    (
        "varchar(64)",
        [
            ("postgresql", "character varying(64)"),
            ("sqlite", "VARCHAR(64)"),
            ("mysql", "varchar(64)"),
            ("mssql", "VARCHAR(64)"),
        ],
    ),
    (
        "decimal(10,2)",
        [
            ("postgresql", "numeric(10,2)"),
            ("sqlite", "DECIMAL(10,2)"),
            ("sqlite", "DECIMAL(10, 2)"),
            ("mysql", "decimal(10,2)"),
            ("mssql", "NUMERIC(10,2)"),
        ],
    ),
    ("decimal(10,0)", [("mysql", "decimal(10)"), ("postgresql", "numeric(10,0)")]),
    (
        "timestamp",
        [
            ("postgresql", "timestamp without time zone"),
            ("mysql", "datetime"),
            ("sqlite", "TIMESTAMP"),
            ("mssql", "datetime2"),
            ("mssql", "datetime2(7)"),
            ("mysql", "timestamp"),
        ],
    ),
    (
        "timestamptz",
        [("postgresql", "timestamp with time zone"), ("postgresql", "timestamptz"), ("mssql", "datetimeoffset")],
    ),
    (
        "boolean",
        [
            ("mysql", "tinyint(1)"),
            ("postgresql", "boolean"),
            ("sqlite", "BOOLEAN"),
            ("mssql", "bit"),
            ("postgresql", "bool"),
        ],
    ),
    (
        "text",
        [("postgresql", "text"), ("mysql", "longtext"), ("mysql", "mediumtext"), ("sqlite", "TEXT"), ("mysql", "text")],
    ),
    (
        "char(64)",
        [("mysql", "char(64)"), ("postgresql", "character(64)"), ("sqlite", "CHAR(64)"), ("postgresql", "bpchar(64)")],
    ),
    ("double", [("postgresql", "double precision"), ("postgresql", "float8"), ("mysql", "double"), ("mssql", "float")]),
    ("nvarchar(max)", [("mssql", "nvarchar(max)"), ("mssql", "NVARCHAR(MAX)"), ("mssql", "nvarchar( max )")]),
    ("uuid", [("postgresql", "uuid"), ("mssql", "uniqueidentifier")]),
    ("date", [("postgresql", "date"), ("mysql", "date"), ("sqlite", "DATE"), ("mssql", "date")]),
]


@pytest.mark.parametrize(("expected", "spellings"), SAME, ids=[s[0] for s in SAME])
def test_spellings_of_one_type_normalize_to_one(expected: str, spellings: list[tuple[str, str]]) -> None:
    for dialect, text in spellings:
        assert normalize_type(dialect, text) == expected, (dialect, text)


@pytest.mark.parametrize(
    ("dialect", "text", "expected"),
    [
        ("postgresql", "timestamp(3) with time zone", "timestamptz(3)"),
        ("postgresql", "timestamp(0) without time zone", "timestamp(0)"),
        ("mysql", "int(10) unsigned", "integer unsigned"),
        ("mysql", "bigint(20) unsigned zerofill", "bigint unsigned"),
        ("postgresql", "integer[]", "integer[]"),
        ("postgresql", "character varying(64)[]", "varchar(64)[]"),
        ("postgresql", "mood", "mood"),  # an enum: kept by name
        ("postgresql", "public.Mood", "public.mood"),
        ("mssql", "nvarchar(50)", "nvarchar(50)"),
        ("mssql", "varbinary(max)", "varbinary(max)"),
        ("mssql", "char", "char(1)"),
        ("mysql", "float", "real"),
        ("postgresql", "real", "real"),
        ("mysql", "bit(8)", "bit(8)"),
        ("sqlite", "", ""),
        ("sqlite", "  Varchar ( 10 ) ", "varchar(10)"),
    ],
)
def test_specific_spellings(dialect: str, text: str, expected: str) -> None:
    assert normalize_type(dialect, text) == expected


def test_distinct_types_stay_distinct() -> None:
    assert normalize_type("postgresql", "varchar(64)") != normalize_type("postgresql", "varchar(65)")
    assert normalize_type("mysql", "tinyint(1)") != normalize_type("mysql", "tinyint(4)")
    assert normalize_type("postgresql", "timestamp") != normalize_type("postgresql", "timestamptz")
    assert normalize_type("postgresql", "numeric(10,2)") != normalize_type("postgresql", "numeric(12,2)")
    assert normalize_type("mysql", "char(64)") != normalize_type("mysql", "varchar(64)")
