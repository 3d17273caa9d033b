"""SQL Server adapter without a server: connection strings, type formatting, rows -> catalog,
GO batch splitting, and the shipped T-SQL files (that they load, say what they must, and that
each catalog query's select list is what build_catalog reads)."""

from __future__ import annotations

import random
import re
from typing import Any

import pytest

from mkdocs_schema_sync.db import odbc_pairs, parse_connection
from mkdocs_schema_sync.dialects import get_dialect, mssql
from mkdocs_schema_sync.dialects.mssql.batches import split_batches
from mkdocs_schema_sync.dialects.mssql.catalog import (
    CATALOG_COLUMNS,
    build_catalog,
    catalog_sql,
    format_type,
    strip_outer_parens,
)
from mkdocs_schema_sync.dialects.sqlfiles import read_sql, sql_path
from mkdocs_schema_sync.errors import SchemaSyncError

# --------------------------------------------------------------------------- connection strings


def test_url_becomes_odbc_string_with_driver_encrypt_and_host_comma_port() -> None:
    spec = parse_connection(
        "mssql://scout_reader:s3cret-pw@db.example.com:14330/Scout?driver=ODBC+Driver+17+for+SQL+Server&Encrypt=yes"
    )
    assert spec.dialect == "mssql" and spec.driver == "pyodbc"
    pairs = odbc_pairs(spec.odbc or "")
    assert pairs["DRIVER"] == "{ODBC Driver 17 for SQL Server}"
    assert pairs["SERVER"] == "db.example.com,14330"
    assert "PORT" not in pairs  # SQL Server takes the port after a comma in SERVER
    assert pairs["DATABASE"] == "Scout"
    assert pairs["UID"] == "scout_reader"
    assert pairs["PWD"] == "s3cret-pw"
    assert pairs["ENCRYPT"] == "yes"
    assert "s3cret-pw" not in spec.display


def test_url_defaults_to_driver_18_and_port_1433() -> None:
    spec = parse_connection("sqlserver://u:pw12345@sql01/Sales")
    pairs = odbc_pairs(spec.odbc or "")
    assert spec.dialect == "mssql"
    assert pairs["DRIVER"] == "{ODBC Driver 18 for SQL Server}"
    assert pairs["SERVER"] == "sql01,1433"


def test_password_with_odbc_special_characters_is_braced_and_masked() -> None:
    # p;w}d=x  percent-encoded in the URL
    spec = parse_connection("mssql://sa:p%3Bw%7Dd%3Dx@host/db")
    assert "PWD={p;w}}d=x}" in (spec.odbc or "")
    # the ODBC parser reads it back as one value, the "}" doubled inside braces
    assert odbc_pairs(spec.odbc or "")["PWD"] == "{p;w}}d=x}"
    assert "p;w}d=x" not in spec.display
    assert "p%3Bw" not in spec.display


def test_azure_ad_and_trust_server_certificate_options_pass_through() -> None:
    spec = parse_connection(
        "azuresql://myserver.database.windows.net/Scout?Authentication=ActiveDirectoryMsi"
        "&Encrypt=yes&TrustServerCertificate=no"
    )
    pairs = odbc_pairs(spec.odbc or "")
    assert pairs["AUTHENTICATION"] == "ActiveDirectoryMsi"
    assert pairs["TRUSTSERVERCERTIFICATE"] == "no"
    assert "UID" not in pairs and "PWD" not in pairs
    assert pairs["SERVER"] == "myserver.database.windows.net,1433"


@pytest.mark.parametrize(
    "raw",
    [
        "DRIVER={ODBC Driver 18 for SQL Server};SERVER=tcp:x.database.windows.net,1433;DATABASE=d;UID=u;PWD={se;cr3t}",
        "Driver={FreeTDS};Server=10.0.0.5;Port=1433;Database=d;UID=u;PWD=se-cr3t-2",
    ],
)
def test_raw_odbc_string_is_recognised_as_mssql_and_masked(raw: str) -> None:
    spec = parse_connection(raw)
    assert spec.dialect == "mssql"
    assert spec.odbc == raw
    assert "cr3t" not in spec.display


# --------------------------------------------------------------------------- types


@pytest.mark.parametrize(
    ("type_name", "max_length", "precision", "scale", "user_defined", "expected"),
    [
        ("nvarchar", -1, 0, 0, False, "nvarchar(max)"),
        ("nvarchar", 100, 0, 0, False, "nvarchar(50)"),
        ("nchar", 20, 0, 0, False, "nchar(10)"),
        ("varchar", 64, 0, 0, False, "varchar(64)"),
        ("varchar", -1, 0, 0, False, "varchar(max)"),
        ("char", 3, 0, 0, False, "char(3)"),
        ("varbinary", -1, 0, 0, False, "varbinary(max)"),
        ("binary", 16, 0, 0, False, "binary(16)"),
        ("decimal", 9, 18, 2, False, "decimal(18,2)"),
        ("numeric", 13, 25, 5, False, "numeric(25,5)"),
        ("datetime2", 8, 27, 7, False, "datetime2(7)"),
        ("datetime2", 6, 19, 0, False, "datetime2(0)"),
        ("datetimeoffset", 10, 34, 7, False, "datetimeoffset(7)"),
        ("time", 5, 16, 7, False, "time(7)"),
        ("float", 8, 53, 0, False, "float"),
        ("real", 4, 24, 0, False, "real"),
        ("int", 4, 10, 0, False, "int"),
        ("bigint", 8, 19, 0, False, "bigint"),
        ("bit", 1, 1, 0, False, "bit"),
        ("money", 8, 19, 4, False, "money"),
        ("uniqueidentifier", 16, 0, 0, False, "uniqueidentifier"),
        ("datetime", 8, 23, 3, False, "datetime"),
        ("date", 3, 10, 0, False, "date"),
        ("xml", -1, 0, 0, False, "xml"),
        ("sysname", 256, 0, 0, False, "sysname"),
        ("geography", -1, 0, 0, False, "geography"),
        ("PhoneNumber", 20, 0, 0, True, "PhoneNumber"),  # alias type: its own name, not varchar(20)
        ("Amount", 9, 18, 2, True, "Amount"),
    ],
)
def test_format_type(
    type_name: str, max_length: int, precision: int, scale: int, user_defined: bool, expected: str
) -> None:
    assert format_type(type_name, max_length, precision, scale, is_user_defined=user_defined) == expected


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ("((0))", "0"),
        ("(getdate())", "getdate()"),
        ("(N'(draft)')", "N'(draft)'"),
        ("([a]+(1))*([b])", "([a]+(1))*([b])"),  # the outer parentheses do not wrap the whole expression
        ("([x)y]>(0))", "[x)y]>(0)"),  # a ")" inside a [name] is not a parenthesis
        ("('a)' + ')')", "'a)' + ')'"),
        (None, None),
    ],
)
def test_strip_outer_parens(stored: str | None, expected: str | None) -> None:
    assert strip_outer_parens(stored) == expected


def test_quote_ident_doubles_closing_bracket() -> None:
    dialect = get_dialect("mssql")
    assert dialect.name == "mssql"
    assert dialect.quote_ident("Order Lines") == "[Order Lines]"
    assert dialect.quote_ident("a]b") == "[a]]b]"
    assert dialect.quote_name("sales", "x]") == "[sales].[x]]]"


# --------------------------------------------------------------------------- rows -> catalog

CUSTOMERS, ORDERS, LINES, EMPLOYEES, VIEW, OWN, NOTES = 101, 102, 103, 104, 105, 106, 107
TRG_AUDIT, TRG_VIEW, TRG_OWN, PROC, FUNC, TVF, AGG, SEQ = 201, 202, 203, 204, 205, 206, 207, 208
PHONE_TYPE, LINES_TYPE = 257, 258  # user_type_id of user-defined types start at 257
CLOSE_ORDER = "CREATE PROCEDURE sales.usp_CloseOrder @OrderID bigint, @Done bit OUTPUT\nAS\nUPDATE sales.Orders SET Status = 'closed' WHERE OrderID = @OrderID;"
SCRIPT_COMMENT = "Customers of the <script>alert(1)</script> shop | a"


def sample_rows() -> dict[str, list[tuple[Any, ...]]]:
    """Rows shaped exactly like sql/mssql/catalog/*.sql returns them (sys.objects.type is char(2))."""
    return {
        "objects": [
            (CUSTOMERS, "dbo", "Customers", "U "),
            (ORDERS, "sales", "Orders", "U "),
            (LINES, "sales", "OrderLines", "U "),
            (EMPLOYEES, "dbo", "Employees", "U "),
            (VIEW, "reporting", "v_open_orders", "V "),
            (OWN, "schema_sync", "drift_log", "U "),
            (NOTES, "sales", "LineNotes", "U "),
        ],
        "columns": [
            # object_id, column_id, name, type, base type, user-defined, max_length, precision, scale,
            # nullable, identity, computed definition, persisted, default
            (CUSTOMERS, 2, "Name", "nvarchar", "nvarchar", False, 200, 0, 0, False, False, None, None, None),
            (CUSTOMERS, 1, "CustomerID", "int", "int", False, 4, 10, 0, False, True, None, None, None),
            (CUSTOMERS, 3, "Phone", "PhoneNumber", "varchar", True, 20, 0, 0, True, False, None, None, None),
            (CUSTOMERS, 4, "Notes", "nvarchar", "nvarchar", False, -1, 0, 0, True, False, None, None, None),
            (
                CUSTOMERS,
                5,
                "CreatedAt",
                "datetime2",
                "datetime2",
                False,
                8,
                27,
                7,
                False,
                False,
                None,
                None,
                "(sysutcdatetime())",
            ),
            (ORDERS, 1, "OrderID", "bigint", "bigint", False, 8, 19, 0, False, True, None, None, None),
            (ORDERS, 2, "CustomerID", "int", "int", False, 4, 10, 0, False, False, None, None, None),
            (ORDERS, 3, "Total", "decimal", "decimal", False, 9, 18, 2, False, False, None, None, "((0))"),
            (ORDERS, 4, "Status", "varchar", "varchar", False, 16, 0, 0, False, False, None, None, "('open')"),
            (
                ORDERS,
                5,
                "DeletedAt",
                "datetimeoffset",
                "datetimeoffset",
                False,
                10,
                34,
                7,
                True,
                False,
                None,
                None,
                None,
            ),
            (LINES, 1, "OrderID", "bigint", "bigint", False, 8, 19, 0, False, False, None, None, None),
            (LINES, 2, "LineNo", "int", "int", False, 4, 10, 0, False, False, None, None, None),
            (LINES, 3, "Qty", "int", "int", False, 4, 10, 0, False, False, None, None, None),
            (LINES, 4, "Price", "decimal", "decimal", False, 9, 19, 4, False, False, None, None, None),
            (LINES, 5, "Amount", "decimal", "decimal", False, 17, 38, 4, True, False, "([Qty]*[Price])", True, None),
            (LINES, 6, "Tax", "float", "float", False, 8, 53, 0, True, False, "([Amount]*(0.2))", False, None),
            (EMPLOYEES, 1, "EmployeeID", "int", "int", False, 4, 10, 0, False, True, None, None, None),
            (EMPLOYEES, 2, "ManagerID", "int", "int", False, 4, 10, 0, True, False, None, None, None),
            (VIEW, 1, "OrderID", "bigint", "bigint", False, 8, 19, 0, False, False, None, None, None),
            (VIEW, 2, "CustomerName", "nvarchar", "nvarchar", False, 200, 0, 0, False, False, None, None, None),
            (OWN, 1, "id", "bigint", "bigint", False, 8, 19, 0, False, True, None, None, None),
            (NOTES, 1, "OrderID", "bigint", "bigint", False, 8, 19, 0, False, False, None, None, None),
            (NOTES, 2, "LineNo", "int", "int", False, 4, 10, 0, False, False, None, None, None),
            (NOTES, 3, "Note", "nvarchar", "nvarchar", False, -1, 0, 0, True, False, None, None, None),
        ],
        "key_constraints": [
            (CUSTOMERS, "PK_Customers", "PK", 1, "CustomerID"),
            (CUSTOMERS, "UQ_Customers_Name", "UQ", 1, "Name"),
            (ORDERS, "PK_Orders", "PK", 1, "OrderID"),
            (LINES, "PK_OrderLines", "PK", 2, "LineNo"),
            (LINES, "PK_OrderLines", "PK", 1, "OrderID"),
            (EMPLOYEES, "PK_Employees", "PK", 1, "EmployeeID"),
        ],
        "foreign_keys": [
            (
                ORDERS,
                "FK_Orders_Customers",
                1,
                "CustomerID",
                "dbo",
                "Customers",
                "CustomerID",
                "NO_ACTION",
                "NO_ACTION",
            ),
            (LINES, "FK_OrderLines_Orders", 1, "OrderID", "sales", "Orders", "OrderID", "CASCADE", "CASCADE"),
            (
                EMPLOYEES,
                "FK_Employees_Manager",
                1,
                "ManagerID",
                "dbo",
                "Employees",
                "EmployeeID",
                "SET_NULL",
                "NO_ACTION",
            ),
            (NOTES, "FK_LineNotes_OrderLines", 2, "LineNo", "sales", "OrderLines", "LineNo", "CASCADE", "SET_DEFAULT"),
            (
                NOTES,
                "FK_LineNotes_OrderLines",
                1,
                "OrderID",
                "sales",
                "OrderLines",
                "OrderID",
                "CASCADE",
                "SET_DEFAULT",
            ),
        ],
        "indexes": [
            # object_id, index_id, name, unique, filter, type, index_column_id, key_ordinal, included, column, descending
            (ORDERS, 2, "IX_Orders_Open", False, "([DeletedAt] IS NULL)", "NONCLUSTERED", 1, 1, False, "Status", False),
            (
                ORDERS,
                2,
                "IX_Orders_Open",
                False,
                "([DeletedAt] IS NULL)",
                "NONCLUSTERED",
                2,
                2,
                False,
                "CustomerID",
                False,
            ),
            (ORDERS, 2, "IX_Orders_Open", False, "([DeletedAt] IS NULL)", "NONCLUSTERED", 3, 0, True, "Total", False),
            (ORDERS, 4, "IX_Orders_Status_Total", False, None, "NONCLUSTERED", 1, 2, False, "Total", False),
            (ORDERS, 4, "IX_Orders_Status_Total", False, None, "NONCLUSTERED", 2, 1, False, "Status", False),
            (CUSTOMERS, 3, "UX_Customers_Phone", True, None, "NONCLUSTERED", 1, 1, False, "Phone", False),
            (LINES, 5, "CCI_OrderLines", False, None, "NONCLUSTERED COLUMNSTORE", 1, 0, True, "Qty", False),
            (LINES, 5, "CCI_OrderLines", False, None, "NONCLUSTERED COLUMNSTORE", 2, 0, True, "Price", False),
        ],
        "check_constraints": [
            (ORDERS, "CK_Orders_Total", "([Total]>=(0))"),
            (ORDERS, "CK_Orders_Status", "([Status]='closed' OR [Status]='open')"),
        ],
        "extended_properties": [
            # class, major_id, minor_id, schema_name, comment
            (1, CUSTOMERS, 0, None, SCRIPT_COMMENT),
            (1, CUSTOMERS, 2, None, "Display name, <b>not</b> unique | ever"),
            (1, VIEW, 0, None, "Orders not yet deleted"),
            (1, VIEW, 2, None, "From dbo.Customers"),
            (7, ORDERS, 2, None, "Serves the open-orders screen"),
            (3, 9, 0, "sales", "Everything sold"),
            (3, 4, 0, "sys", "never shown"),
            (1, 999, 0, None, "an object outside the catalog"),
            (1, OWN, 0, None, "the drift log"),
            (1, TRG_AUDIT, 0, None, "Writes the audit row"),
            (1, PROC, 0, None, "Closes an order"),
            (1, SEQ, 0, None, "Invoice numbers"),
            (6, LINES_TYPE, 0, None, "Lines passed to procedures"),
        ],
        "constraint_comments": [
            # object_id (the table), constraint_name, comment
            (ORDERS, "CK_Orders_Total", "Totals are never <negative>"),
            (CUSTOMERS, "PK_Customers", "The key"),
            (LINES, "FK_OrderLines_Orders", "Lines die with their order"),
        ],
        "triggers": [
            # trigger_id, parent_object_id, name, is_disabled, is_instead_of_trigger, event type_desc, definition
            (
                TRG_AUDIT,
                ORDERS,
                "TR_Orders_Audit",
                False,
                False,
                "INSERT",
                "CREATE TRIGGER sales.TR_Orders_Audit ON sales.Orders AFTER INSERT, UPDATE AS SET NOCOUNT ON;",
            ),
            (
                TRG_AUDIT,
                ORDERS,
                "TR_Orders_Audit",
                False,
                False,
                "UPDATE",
                "CREATE TRIGGER sales.TR_Orders_Audit ON sales.Orders AFTER INSERT, UPDATE AS SET NOCOUNT ON;",
            ),
            (TRG_VIEW, VIEW, "TR_v_open_orders_insert", True, True, "INSERT", None),
            (TRG_OWN, OWN, "tr_own", False, False, "INSERT", "CREATE TRIGGER ..."),
        ],
        "routines": [
            # object_id, schema_name, routine_name, sys.objects.type (char(2)), definition
            (PROC, "sales", "usp_CloseOrder", "P ", CLOSE_ORDER),
            (
                FUNC,
                "dbo",
                "fn_Tax",
                "FN",
                "CREATE FUNCTION dbo.fn_Tax (@Amount decimal(18,2)) RETURNS decimal(18,2)\nAS BEGIN RETURN @Amount * 0.2 END",
            ),
            (
                TVF,
                "sales",
                "tvf_Lines",
                "IF",
                "CREATE FUNCTION sales.tvf_Lines (@Lines sales.OrderLineList READONLY) RETURNS TABLE AS RETURN SELECT * FROM @Lines",
            ),
            (AGG, "dbo", "Concat", "AF", None),
        ],
        "parameters": [
            # object_id, parameter_id, name, type, user-defined, max_length, precision, scale, is_output, is_readonly
            (PROC, 2, "@Done", "bit", False, 1, 1, 0, True, False),
            (PROC, 1, "@OrderID", "bigint", False, 8, 19, 0, False, False),
            (FUNC, 0, "", "decimal", False, 9, 18, 2, True, False),  # a scalar function's return value
            (FUNC, 1, "@Amount", "decimal", False, 9, 18, 2, False, False),
            (TVF, 1, "@Lines", "OrderLineList", True, -1, 0, 0, False, True),
            (AGG, 0, "", "nvarchar", False, -1, 0, 0, True, False),
            (AGG, 1, "@value", "nvarchar", False, 8000, 0, 0, False, False),
        ],
        "sequences": [
            # object_id, schema, name, type, user-defined, precision, scale, start, increment, min, max (as text), cycling
            (
                SEQ,
                "sales",
                "InvoiceNumbers",
                "bigint",
                False,
                19,
                0,
                "1000",
                "5",
                "-9223372036854775808",
                "9223372036854775807",
                False,
            ),
            (999, "schema_sync", "own_seq", "int", False, 10, 0, "1", "1", "1", "10", True),
        ],
        "types": [
            # user_type_id, schema, name, base type, max_length, precision, scale, is_nullable, is_table_type, is_assembly_type
            (PHONE_TYPE, "dbo", "PhoneNumber", "varchar", 20, 0, 0, False, False, False),
            (LINES_TYPE, "sales", "OrderLineList", None, -1, 0, 0, False, True, False),
        ],
        "table_type_columns": [
            # user_type_id, column_id, name, type, user-defined, max_length, precision, scale, is_nullable, is_identity
            (LINES_TYPE, 2, "Qty", "int", False, 4, 10, 0, True, False),
            (LINES_TYPE, 1, "LineNo", "int", False, 4, 10, 0, False, True),
        ],
        "partitions": [
            # object_id, scheme, function, boundary_value_on_right, partitioning column, boundary_id, value (text)
            (LINES, "ps_Lines", "pf_Lines", True, "OrderID", 2, "2000"),
            (LINES, "ps_Lines", "pf_Lines", True, "OrderID", 1, "1000"),
        ],
        "view_definitions": [
            (
                VIEW,
                "CREATE VIEW reporting.v_open_orders AS\nSELECT o.OrderID, c.Name AS CustomerName\n"
                "FROM sales.Orders AS o JOIN dbo.Customers AS c ON c.CustomerID = o.CustomerID\n"
                "WHERE o.DeletedAt IS NULL",
            ),
        ],
        "row_counts": [(CUSTOMERS, 42), (ORDERS, 7), (LINES, 0), (OWN, 5)],
    }


@pytest.fixture
def catalog():  # type: ignore[no-untyped-def]
    return build_catalog(sample_rows())


def test_objects_schemas_and_kinds(catalog) -> None:  # type: ignore[no-untyped-def]
    assert catalog.dialect == "mssql"
    assert [t.key for t in catalog.tables] == [
        "dbo.Customers",
        "dbo.Employees",
        "reporting.v_open_orders",
        "sales.LineNotes",
        "sales.OrderLines",
        "sales.Orders",
    ]
    assert catalog.get("schema_sync", "drift_log") is None
    assert catalog.get("reporting", "v_open_orders").kind == "view"
    assert catalog.get("sales", "Orders").kind == "table"
    assert catalog.schemas == ["dbo", "reporting", "sales"]
    assert catalog.schema_comments == {"sales": "Everything sold"}


def test_columns_types_defaults_identity_and_order(catalog) -> None:  # type: ignore[no-untyped-def]
    customers = catalog.get("dbo", "Customers")
    assert [c.name for c in customers.columns] == ["CustomerID", "Name", "Phone", "Notes", "CreatedAt"]
    assert [c.type for c in customers.columns] == [
        "int",
        "nvarchar(100)",
        "PhoneNumber",
        "nvarchar(max)",
        "datetime2(7)",
    ]
    assert customers.column("CustomerID").identity is True
    assert customers.column("Name").identity is False
    assert customers.column("Name").nullable is False
    assert customers.column("Phone").nullable is True
    assert customers.column("CreatedAt").default == "sysutcdatetime()"
    orders = catalog.get("sales", "Orders")
    assert orders.column("Total").type == "decimal(18,2)"
    assert orders.column("Total").default == "0"
    assert orders.column("Status").default == "'open'"
    assert orders.column("DeletedAt").type == "datetimeoffset(7)"


def test_computed_columns(catalog) -> None:  # type: ignore[no-untyped-def]
    lines = catalog.get("sales", "OrderLines")
    assert lines.column("Amount").generated == "[Qty]*[Price] PERSISTED"
    assert lines.column("Tax").generated == "[Amount]*(0.2)"
    assert lines.column("Tax").type == "float"
    assert lines.column("Qty").generated is None


def test_keys_and_composite_self_and_cross_schema_foreign_keys(catalog) -> None:  # type: ignore[no-untyped-def]
    lines = catalog.get("sales", "OrderLines")
    assert lines.primary_key.name == "PK_OrderLines"
    assert lines.primary_key.columns == ["OrderID", "LineNo"]  # key_ordinal order, not row order
    customers = catalog.get("dbo", "Customers")
    assert [(u.name, u.columns) for u in customers.uniques] == [("UQ_Customers_Name", ["Name"])]

    (cross,) = catalog.get("sales", "Orders").foreign_keys
    assert (cross.ref_schema, cross.ref_table, cross.ref_columns) == ("dbo", "Customers", ["CustomerID"])
    assert cross.on_delete is None and cross.on_update is None  # NO_ACTION is the default

    (composite,) = catalog.get("sales", "LineNotes").foreign_keys
    assert composite.columns == ["OrderID", "LineNo"]
    assert composite.ref_columns == ["OrderID", "LineNo"]
    assert composite.ref_key == "sales.OrderLines"
    assert (composite.on_delete, composite.on_update) == ("CASCADE", "SET DEFAULT")

    employees = catalog.get("dbo", "Employees")
    (selfref,) = employees.foreign_keys
    assert selfref.ref_key == "dbo.Employees" and selfref.on_delete == "SET NULL"
    assert [(t.name, fk.name) for t, fk in catalog.referencing(employees)] == [("Employees", "FK_Employees_Manager")]
    assert {t.key for t, _ in catalog.referencing(customers)} == {"sales.Orders"}


def test_indexes_filtered_included_and_key_order(catalog) -> None:  # type: ignore[no-untyped-def]
    orders = catalog.get("sales", "Orders")
    by_name = {i.name: i for i in orders.indexes}
    assert set(by_name) == {"IX_Orders_Open", "IX_Orders_Status_Total"}
    open_ix = by_name["IX_Orders_Open"]
    assert open_ix.columns == ["Status", "CustomerID"]  # the INCLUDE column Total is left out
    assert open_ix.where == "[DeletedAt] IS NULL"
    assert open_ix.comment == "Serves the open-orders screen"
    assert by_name["IX_Orders_Status_Total"].columns == ["Status", "Total"]
    assert by_name["IX_Orders_Status_Total"].where is None
    (unique,) = catalog.get("dbo", "Customers").indexes
    assert unique.unique is True and unique.columns == ["Phone"]
    (columnstore,) = catalog.get("sales", "OrderLines").indexes
    assert columnstore.columns == ["Qty", "Price"]


def test_checks_views_and_row_counts(catalog) -> None:  # type: ignore[no-untyped-def]
    orders = catalog.get("sales", "Orders")
    assert [(c.name, c.expression) for c in orders.checks] == [
        ("CK_Orders_Status", "[Status]='closed' OR [Status]='open'"),
        ("CK_Orders_Total", "[Total]>=(0)"),
    ]
    view = catalog.get("reporting", "v_open_orders")
    assert view.definition.startswith("CREATE VIEW reporting.v_open_orders AS")
    assert view.is_view
    assert catalog.get("dbo", "Customers").row_count == 42
    assert catalog.get("sales", "OrderLines").row_count == 0
    assert catalog.get("dbo", "Employees").row_count is None  # no row: unknown, not zero


def test_comments_are_kept_verbatim_for_the_renderer_to_escape(catalog) -> None:  # type: ignore[no-untyped-def]
    customers = catalog.get("dbo", "Customers")
    assert customers.comment == SCRIPT_COMMENT
    assert customers.column("Name").comment == "Display name, <b>not</b> unique | ever"
    assert customers.column("CustomerID").comment is None
    view = catalog.get("reporting", "v_open_orders")
    assert view.comment == "Orders not yet deleted"
    assert view.column("CustomerName").comment == "From dbo.Customers"
    assert "<script>" in catalog.to_json()  # JSON keeps text; escaping happens when rendering


def test_dml_triggers_on_their_tables_with_events_timing_and_comment(catalog) -> None:  # type: ignore[no-untyped-def]
    assert [t.key for t in catalog.triggers] == [
        "reporting.v_open_orders.TR_v_open_orders_insert",
        "sales.Orders.TR_Orders_Audit",
    ]  # the trigger on schema_sync.drift_log is this project's own
    audit = catalog.triggers[1]
    assert (audit.timing, audit.events, audit.level, audit.enabled) == (
        "AFTER",
        ["INSERT", "UPDATE"],
        "STATEMENT",
        True,
    )
    assert audit.comment == "Writes the audit row" and audit.definition.startswith("CREATE TRIGGER")
    instead = catalog.triggers[0]
    assert (instead.timing, instead.enabled, instead.definition) == ("INSTEAD OF", False, None)  # WITH ENCRYPTION


def test_procedures_and_functions_with_parameters_return_types_and_language(catalog) -> None:  # type: ignore[no-untyped-def]
    by_key = catalog.routine_map()
    assert sorted(by_key) == [
        "dbo.Concat(nvarchar(4000))",
        "dbo.fn_Tax(decimal(18,2))",
        "sales.tvf_Lines(OrderLineList)",
        "sales.usp_CloseOrder(bigint, bit)",
    ]
    proc = by_key["sales.usp_CloseOrder(bigint, bit)"]
    assert (proc.kind, proc.language, proc.returns) == ("procedure", "T-SQL", None)
    assert proc.arguments == "@OrderID bigint, @Done bit OUTPUT"
    assert proc.comment == "Closes an order" and proc.definition == CLOSE_ORDER
    tax = by_key["dbo.fn_Tax(decimal(18,2))"]
    assert (tax.kind, tax.returns, tax.arguments) == ("function", "decimal(18,2)", "@Amount decimal(18,2)")
    tvf = by_key["sales.tvf_Lines(OrderLineList)"]
    assert (tvf.returns, tvf.arguments) == ("TABLE", "@Lines OrderLineList READONLY")
    agg = by_key["dbo.Concat(nvarchar(4000))"]
    assert (agg.kind, agg.language, agg.returns, agg.definition) == ("aggregate", "CLR", "nvarchar(max)", None)


def test_sequences_types_partitions_and_constraint_comments(catalog) -> None:  # type: ignore[no-untyped-def]
    (seq,) = catalog.sequences  # the one in schema_sync is left out
    assert (seq.key, seq.data_type, seq.start, seq.increment, seq.cycle) == (
        "sales.InvoiceNumbers", "bigint", "1000", "5", False,
    )  # fmt: skip
    assert (seq.max_value, seq.comment, seq.owned_by) == ("9223372036854775807", "Invoice numbers", None)
    phone, lines = catalog.types
    assert (phone.key, phone.kind, phone.base_type, phone.nullable) == (
        "dbo.PhoneNumber",
        "alias",
        "varchar(20)",
        False,
    )
    assert (lines.kind, lines.comment) == ("table type", "Lines passed to procedures")
    assert [(c.name, c.type, c.nullable, c.identity) for c in lines.attributes] == [
        ("LineNo", "int", False, True),
        ("Qty", "int", True, False),
    ]
    order_lines = catalog.get("sales", "OrderLines")
    assert order_lines.partition_key == "RANGE RIGHT (OrderID): function pf_Lines, scheme ps_Lines"
    assert [(p.name, p.bound) for p in order_lines.partitions] == [
        ("1", "OrderID < 1000"),
        ("2", "OrderID >= 1000 AND OrderID < 2000"),
        ("3", "OrderID >= 2000"),
    ]
    orders = catalog.get("sales", "Orders")
    assert {c.name: c.comment for c in orders.checks}["CK_Orders_Total"] == "Totals are never <negative>"
    assert catalog.get("dbo", "Customers").primary_key.comment == "The key"
    assert order_lines.foreign_keys[0].comment == "Lines die with their order"
    assert catalog.get("dbo", "Customers").column("Phone").type == "PhoneNumber"  # links to the alias type's entry


def test_range_left_partitions_include_their_upper_bound() -> None:
    rows = sample_rows()
    rows["partitions"] = [(ORDERS, "ps", "pf", False, "OrderDate", 1, "2024-01-01T00:00:00")]
    orders = build_catalog(rows).get("sales", "Orders")
    assert [(p.name, p.bound) for p in orders.partitions] == [
        ("1", "OrderDate <= 2024-01-01T00:00:00"),
        ("2", "OrderDate > 2024-01-01T00:00:00"),
    ]


def test_row_order_does_not_change_the_catalog() -> None:
    expected = build_catalog(sample_rows()).to_json()
    for seed in range(5):
        rows = sample_rows()
        rng = random.Random(seed)
        for kind_rows in rows.values():
            rng.shuffle(kind_rows)
        assert build_catalog(rows).to_json() == expected


def test_row_counts_stay_out_of_the_snapshot() -> None:
    with_counts = build_catalog(sample_rows())
    rows = sample_rows()
    rows["row_counts"] = []
    assert build_catalog(rows).sha256() == with_counts.sha256()


def test_a_row_of_the_wrong_width_is_a_clear_error() -> None:
    rows = sample_rows()
    rows["indexes"][0] = rows["indexes"][0][:-1]
    with pytest.raises(SchemaSyncError, match=r"'indexes' returned 10 columns, expected 11"):
        build_catalog(rows)


# --------------------------------------------------------------------------- the adapter against a fake connection


class FakeDB:
    """Answers each catalog query with the sample rows of its kind, recognised by the file's text."""

    def __init__(self, fail_row_counts: bool = False) -> None:
        self.queries: list[str] = []
        self.fail_row_counts = fail_row_counts
        self.by_sql = {catalog_sql(kind): kind for kind in CATALOG_COLUMNS}
        self.rows = sample_rows()

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        self.queries.append(sql)
        if sql == read_sql("mssql", "change_signal.sql"):
            return [(1234, "2024-05-01T10:00:00.123", 99, -7, 12, 5, 3, -1, None)]
        kind = self.by_sql[sql]
        if kind == "row_counts" and self.fail_row_counts:
            raise SchemaSyncError("mssql query failed: VIEW DATABASE STATE permission denied")
        return self.rows.get(kind, [(1,)] if kind == "permissions" else [])


def test_read_catalog_runs_one_query_per_object_kind() -> None:
    db = FakeDB()
    catalog = mssql.DIALECT.read_catalog(db)  # type: ignore[arg-type]
    assert len(db.queries) == len(CATALOG_COLUMNS) == len(set(db.queries))
    assert catalog.to_json() == build_catalog(sample_rows()).to_json()
    assert catalog.get("dbo", "Customers").row_count == 42


def test_read_catalog_without_row_counts_skips_that_query() -> None:
    db = FakeDB()
    catalog = mssql.DIALECT.read_catalog(db, row_counts=False)  # type: ignore[arg-type]
    assert catalog_sql("row_counts") not in db.queries
    assert catalog.get("dbo", "Customers").row_count is None


def test_row_counts_denied_still_gives_a_catalog() -> None:
    catalog = mssql.DIALECT.read_catalog(FakeDB(fail_row_counts=True))  # type: ignore[arg-type]
    assert catalog.get("dbo", "Customers").row_count is None
    assert catalog.get("dbo", "Customers").columns


def test_change_signal_is_one_query() -> None:
    db = FakeDB()
    assert mssql.DIALECT.change_signal(db) == "1234|2024-05-01T10:00:00.123|99|-7|12|5|3|-1|"  # type: ignore[arg-type]
    assert len(db.queries) == 1


# --------------------------------------------------------------------------- GO batches


def test_split_on_go_lines_any_case_with_count_and_comment() -> None:
    script = "CREATE TABLE a (x int);\nGO\nINSERT a VALUES (1);\n  go 3  \nSELECT 1;\nGo -- done\n\nGO\n"
    assert split_batches(script) == [
        "CREATE TABLE a (x int);",
        "INSERT a VALUES (1);",
        "INSERT a VALUES (1);",
        "INSERT a VALUES (1);",
        "SELECT 1;",
    ]


def test_go_inside_strings_names_and_comments_does_not_split() -> None:
    script = (
        "SELECT 'it''s\nGO\nstill a string';\n"
        "/* outer /* nested\nGO\n*/ still a comment\nGO\n*/\n"
        'SELECT [odd\nGO\nname], "quoted\nGO\nname";\n'
        "-- GO in a line comment\n"
        "GO\n"
        "SELECT 2;"
    )
    batches = split_batches(script)
    assert len(batches) == 2
    assert batches[0].startswith("SELECT 'it''s\nGO\nstill a string';")
    assert "still a comment\nGO\n*/" in batches[0]
    assert batches[1] == "SELECT 2;"


def test_words_that_start_with_go_are_not_separators() -> None:
    assert split_batches("SELECT 1\nGOTO label\nGO\nGOD\n") == ["SELECT 1\nGOTO label", "GOD"]
    assert split_batches("EXEC x; GO\nSELECT 1") == ["EXEC x; GO\nSELECT 1"]


def test_crlf_line_endings() -> None:
    assert split_batches("SELECT 1\r\nGO\r\nSELECT 2\r\n") == ["SELECT 1", "SELECT 2"]


# --------------------------------------------------------------------------- the shipped SQL files

CATALOG_FILES = sorted(CATALOG_COLUMNS)


def _strip_comments(sql: str) -> str:
    sql = re.sub(r"/\*.*?\*/", " ", sql, flags=re.S)
    return re.sub(r"--[^\n]*", " ", sql)


def select_list_aliases(sql: str) -> list[str]:
    """Aliases of the outermost SELECT's list (every item must end in `AS alias`)."""
    text = _strip_comments(sql)
    start = re.search(r"\bSELECT\b", text, re.I)
    assert start, "no SELECT"
    depth, items, current, i = 0, [], [], start.end()
    while i < len(text):
        ch = text[i]
        if ch == "'":
            end = text.index("'", i + 1)
            current.append(text[i : end + 1])
            i = end + 1
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif depth == 0 and ch == ",":
            items.append("".join(current))
            current = []
            i += 1
            continue
        elif depth == 0 and re.match(r"FROM\b", text[i:], re.I) and not text[i - 1].isalnum() and text[i - 1] != "_":
            break
        current.append(ch)
        i += 1
    items.append("".join(current))
    aliases = []
    for item in items:
        m = re.search(r"\bAS\s+\[?(\w+)\]?\s*$", item.strip(), re.I)
        assert m, f"select-list item without AS alias: {item.strip()!r}"
        aliases.append(m.group(1))
    return aliases


@pytest.mark.parametrize("kind", CATALOG_FILES)
def test_catalog_query_select_list_matches_build_catalog(kind: str) -> None:
    assert select_list_aliases(catalog_sql(kind)) == list(CATALOG_COLUMNS[kind])


def test_select_list_parser_catches_a_missing_column() -> None:
    sql = "SELECT a.x AS object_id, CAST(a.y AS nvarchar(10)) AS definition FROM t AS a"
    assert select_list_aliases(sql) == ["object_id", "definition"]
    assert select_list_aliases(sql) != list(CATALOG_COLUMNS["check_constraints"])


def test_every_catalog_file_is_shipped_and_filters_what_it_must() -> None:
    files = sorted(p.stem for p in sql_path("mssql", "catalog/objects.sql").parent.glob("*.sql"))
    assert files == CATALOG_FILES
    objects = catalog_sql("objects")
    for needle in ("is_ms_shipped = 0", "N'schema_sync'", "N'sys'", "N'INFORMATION_SCHEMA'", "'U', 'V'"):
        assert needle in objects
    columns = catalog_sql("columns")
    assert "t.user_type_id = c.user_type_id" in columns  # never system_type_id: alias types would duplicate
    assert "bt.user_type_id = c.system_type_id AND bt.is_user_defined = 0" in columns
    assert "sys.computed_columns" in columns and "sys.default_constraints" in columns
    assert "is_included_column" in catalog_sql("indexes")
    assert "filter_definition" in catalog_sql("indexes")
    assert "is_primary_key = 0 AND i.is_unique_constraint = 0" in catalog_sql("indexes")
    assert "N'MS_Description'" in catalog_sql("extended_properties")
    assert "CAST(ep.value AS nvarchar(4000))" in catalog_sql("extended_properties")  # sql_variant
    assert "index_id IN (0, 1)" in catalog_sql("row_counts")
    assert "sys.sql_modules" in catalog_sql("view_definitions")


def test_catalog_queries_take_no_parameters() -> None:
    for kind in CATALOG_FILES:
        assert "?" not in _strip_comments(catalog_sql(kind)), kind


def test_change_signal_sql_is_one_statement_over_catalog_views() -> None:
    sql = read_sql("mssql", "change_signal.sql")
    code = _strip_comments(sql)
    assert code.count(";") == 1
    for view in ("sys.objects", "sys.columns", "sys.indexes", "sys.extended_properties"):
        assert view in code
    assert "MAX(modify_date)" in code
    assert "Does NOT catch" in sql


def _norm(sql: str) -> str:
    return " ".join(_strip_comments(sql).split())


def test_install_script_contains_the_required_statements() -> None:
    sql = read_sql("mssql", "install.sql")
    code = _norm(sql)
    for needle in (
        "CREATE OR ALTER TRIGGER schema_sync_ddl ON DATABASE WITH EXECUTE AS 'schema_sync_writer' "
        "FOR DDL_DATABASE_LEVEL_EVENTS",
        "EVENTDATA()",
        "ORIGINAL_LOGIN()",
        "CREATE USER schema_sync_writer WITHOUT LOGIN",
        "GRANT INSERT ON OBJECT::schema_sync.drift_log TO schema_sync_writer",
        "CREATE OR ALTER VIEW schema_sync.contract_status",
        "CREATE OR ALTER PROCEDURE schema_sync.note_trigger_error",
        "CREATE TABLE schema_sync.drift_log",
        "CREATE TABLE schema_sync.install_info",
        "CREATE TABLE schema_sync.contract_columns",
        "id bigint IDENTITY(1, 1) NOT NULL",
        "event_time datetime2(3) NOT NULL",
        "DEFAULT SYSUTCDATETIME()",
        "statement nvarchar(max) NULL",
        "CHECK (sync_status IN ('pending', 'synced', 'ignored', 'deployed', 'refused'))",
        "UNIQUE (contract_name, schema_name, table_name, column_name)",
        "SET XACT_ABORT OFF",
        "BEGIN TRY",
        "ROLLBACK TRANSACTION",
        "THROW 50001, @refusal, 1",
        "'enforce_contracts'",
        "'last_error'",
        "/EVENT_INSTANCE/TSQLCommand/CommandText",
        "/EVENT_INSTANCE/AlterTableActionList/Drop/Columns/Name",
        "/EVENT_INSTANCE/AlterTableActionList/Alter/Columns/Name",
        "@event_type = N'RENAME' AND @object_type = N'COLUMN'",
        "@event_type IN (N'DROP_TABLE', N'DROP_VIEW')",
        "IF @schema_name = N'schema_sync' RETURN",
    ):
        assert needle in code, needle
    # the person is ORIGINAL_LOGIN(), never USER / the EXECUTE AS principal
    assert not re.search(r"\b(USER_NAME|CURRENT_USER|SUSER_SNAME)\s*\(", code)
    # EVENTDATA() is called in the trigger body itself (it returns NULL in called procedures)
    trigger = code[code.index("CREATE OR ALTER TRIGGER") :]
    assert "EVENTDATA()" in trigger
    assert "EVENTDATA()" not in code[: code.index("CREATE OR ALTER TRIGGER")]


def test_install_script_is_idempotent_by_construction() -> None:
    for batch in mssql.script_batches("install.sql"):
        code = _norm(batch)
        for create in re.findall(r"\bCREATE (?!OR ALTER)(\w+)", code):
            # a plain CREATE only under an existence test (or inside EXEC for CREATE SCHEMA)
            assert re.search(r"IF (NOT EXISTS|OBJECT_ID|SCHEMA_ID|DATABASE_PRINCIPAL_ID)", code), (create, code[:80])


def test_refusal_is_logged_after_the_rollback_and_before_the_throw() -> None:
    code = _norm(read_sql("mssql", "install.sql"))
    body = code[code.index("IF @refusal IS NOT NULL") :]
    rollback = body.index("ROLLBACK TRANSACTION")
    insert = body.index("INSERT INTO schema_sync.drift_log")
    throw = body.index("THROW 50001")
    assert rollback < insert < throw
    assert "'refused'" in body[insert:throw]


def test_version_in_install_script_matches_the_adapter() -> None:
    code = _norm(read_sql("mssql", "install.sql"))
    assert f"SET value = N'{mssql.INSTALL_VERSION}' WHERE name = 'version'" in code
    assert f"VALUES ('version', N'{mssql.INSTALL_VERSION}')" in code
    # written last: a half-finished install never claims a version
    assert code.rindex("'version'") > code.index("CREATE OR ALTER TRIGGER")


def test_contract_status_view_covers_every_status_and_type_family() -> None:
    code = _norm(read_sql("mssql", "install.sql"))
    view = code[code.index("CREATE OR ALTER VIEW schema_sync.contract_status") :]
    view = view[: view.index("CREATE OR ALTER PROCEDURE")]
    for status in ("'holds'", "'table missing'", "'column missing'", "'type differs'", "'nullability differs'"):
        assert status in view
    for family in (
        "N'nvarchar', N'nchar'",
        "N'varchar', N'char', N'varbinary', N'binary'",
        "N'decimal', N'numeric'",
        "N'datetime2', N'datetimeoffset', N'time'",
        "col.max_length / 2",
        "N'max'",
    ):
        assert family in view, family
    assert "found_nullable" in view


def test_uninstall_keeps_the_log_and_uninstall_all_drops_it() -> None:
    keep = _norm(read_sql("mssql", "uninstall.sql"))
    assert "DROP TRIGGER IF EXISTS schema_sync_ddl ON DATABASE" in keep
    assert "DROP VIEW IF EXISTS schema_sync.contract_status" in keep
    assert "DROP USER schema_sync_writer" in keep
    assert "DROP TABLE" not in keep
    everything = _norm(read_sql("mssql", "uninstall_all.sql"))
    assert "DROP TABLE IF EXISTS schema_sync.drift_log" in everything
    assert "DROP SCHEMA schema_sync" in everything
    # the trigger goes first in both: it runs as the user that is dropped later
    for code in (keep, everything):
        assert code.index("DROP TRIGGER") < code.index("DROP USER")


@pytest.mark.parametrize("name", ["install.sql", "uninstall.sql", "uninstall_all.sql"])
def test_scripts_split_into_batches_each_starting_with_a_real_statement(name: str) -> None:
    batches = mssql.script_batches(name)
    assert len(batches) >= 4
    for batch in batches:
        assert _norm(batch), batch
        # CREATE VIEW / PROCEDURE / TRIGGER must be the first statement of their batch
        code = _norm(batch)
        for kind in ("VIEW", "PROCEDURE", "TRIGGER"):
            if f"CREATE OR ALTER {kind}" in code:
                assert code.startswith(f"CREATE OR ALTER {kind}"), code[:60]


def test_sql_files_are_found_and_bad_names_are_refused() -> None:
    assert sql_path("mssql", "install.sql").is_file()
    with pytest.raises(SchemaSyncError, match="missing"):
        read_sql("mssql", "catalog/nope.sql")
    with pytest.raises(SchemaSyncError, match=r"'\.\.'"):
        read_sql("mssql", "../pyproject.toml")
    with pytest.raises(SchemaSyncError, match="no SQL Server catalog query"):
        catalog_sql("synonyms")


def test_routines_query_leaves_out_ssms_diagram_procedures_and_our_schema() -> None:
    text = catalog_sql("routines")
    assert "N'microsoft_database_tools_support'" in text
    assert "N'schema_sync'" in text and "o.is_ms_shipped = 0" in text
    assert "tr.parent_class = 1" in catalog_sql("triggers")  # DML triggers only, not our database DDL trigger
    assert "CONVERT(nvarchar(40), sq.start_value)" in catalog_sql("sequences")  # sql_variant
    assert "ic.partition_ordinal = 1" in catalog_sql("partitions")
    assert "ep.class IN (1, 3, 6, 7)" in catalog_sql("extended_properties")  # 6: user-defined types


def test_change_signal_sees_triggers_types_and_partition_boundaries() -> None:
    code = _strip_comments(read_sql("mssql", "change_signal.sql"))
    for needle in ("FROM sys.triggers", "is_disabled", "FROM sys.types WHERE is_user_defined = 1",
                   "FROM sys.partition_range_values", "data_space_id"):  # fmt: skip
        assert needle in code, needle


def test_objects_query_leaves_out_ssms_diagrams() -> None:
    from mkdocs_schema_sync.dialects.sqlfiles import read_sql

    text = read_sql("mssql", "catalog/objects.sql")
    assert "o.is_ms_shipped = 0" in text
    assert "NOT (s.name = N'dbo' AND o.name = N'sysdiagrams')" in text


# --------------------------------------------------------------------------- the install path splits with split_batches


class RecordingODBC:
    """A pyodbc-shaped connection that records what is sent (no SQL Server can run here)."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.autocommit = True
        self.commits = 0

    def cursor(self) -> RecordingODBC:
        return self

    def execute(self, sql: str, *params: Any) -> None:
        self.sent.append(sql)
        # sp_getapplock answers 0 (granted): the schema-sync lock (Dialect.exclusive) is free
        self.description = [("granted",)] if "sp_getapplock" in sql else None

    description: Any = None

    def nextset(self) -> bool:
        return False

    def fetchall(self) -> list[Any]:
        return [(0,)] if self.description else []

    def close(self) -> None:
        pass

    def commit(self) -> None:
        self.commits += 1

    def rollback(self) -> None:
        pass


def _recording_db():  # type: ignore[no-untyped-def]
    from mkdocs_schema_sync.db import Database

    raw = RecordingODBC()
    return Database(raw, parse_connection("mssql://u:pw12345@sql01/Sales"), "mssql"), raw


def test_install_triggers_sends_exactly_the_go_batches_of_install_sql() -> None:
    from mkdocs_schema_sync.drift.capture import install

    db, raw = _recording_db()
    report = install(db)
    assert report.mode == "triggers"
    assert [sql for sql in raw.sent if "sp_getapplock" not in sql and "sp_releaseapplock" not in sql] == split_batches(
        read_sql("mssql", "install.sql")
    )
    assert raw.commits == 1


def test_scripts_run_through_the_one_go_splitter() -> None:
    script = "SELECT 1\nGO -- first batch done\n/* a comment\nGO\n*/ SELECT 2\nGO 2\nSELECT 'GO'\ngo\n"
    db, raw = _recording_db()
    db.run_script(script)
    assert (
        raw.sent
        == split_batches(script)
        == [
            "SELECT 1",
            "/* a comment\nGO\n*/ SELECT 2",
            "/* a comment\nGO\n*/ SELECT 2",
            "SELECT 'GO'",
        ]
    )
