"""One spelling per data type, for comparing columns across databases and in contracts.

`normalize_type("postgresql", "character varying(64)") == normalize_type("mysql", "varchar(64)")
== "varchar(64)"`. The result is lower case, without spaces after commas, with
the arguments that carry meaning (length, precision, scale) kept and display
widths (`int(11)`) dropped. Types the tables do not know come back lower-cased
and whitespace-normalised, so an unknown type still compares equal to itself.
"""

from __future__ import annotations

import re

# Names that mean the same thing in every dialect.
_COMMON: dict[str, str] = {
    "int": "integer",
    "integer": "integer",
    "int4": "integer",
    "mediumint": "integer",
    "smallint": "smallint",
    "int2": "smallint",
    "bigint": "bigint",
    "int8": "bigint",
    "real": "real",
    "float4": "real",
    "double": "double",
    "double precision": "double",
    "float8": "double",
    "decimal": "decimal",
    "numeric": "decimal",
    "dec": "decimal",
    "boolean": "boolean",
    "bool": "boolean",
    "bit": "bit",
    "varchar": "varchar",
    "character varying": "varchar",
    "char varying": "varchar",
    "char": "char",
    "character": "char",
    "bpchar": "char",
    "nchar": "nchar",
    "nvarchar": "nvarchar",
    "national character varying": "nvarchar",
    "national character": "nchar",
    "text": "text",
    "ntext": "text",
    "clob": "text",
    "date": "date",
    "time": "time",
    "time without time zone": "time",
    "time with time zone": "timetz",
    "timetz": "timetz",
    "timestamp": "timestamp",
    "timestamp without time zone": "timestamp",
    "datetime": "timestamp",
    "datetime2": "timestamp",
    "smalldatetime": "timestamp",
    "timestamp with time zone": "timestamptz",
    "timestamptz": "timestamptz",
    "datetimeoffset": "timestamptz",
    "blob": "binary",
    "bytea": "binary",
    "varbinary": "varbinary",
    "binary": "binary",
    "json": "json",
    "jsonb": "jsonb",
    "uuid": "uuid",
    "uniqueidentifier": "uuid",
    "xml": "xml",
    "interval": "interval",
    "money": "money",
    "serial": "integer",
    "serial4": "integer",
    "bigserial": "bigint",
    "serial8": "bigint",
    "smallserial": "smallint",
    "serial2": "smallint",
}

# Per-dialect differences from _COMMON.
_DIALECT: dict[str, dict[str, str]] = {
    "postgresql": {
        "float": "double",  # float without precision is double precision in PostgreSQL
        '"char"': "char(1)",
    },
    "mysql": {
        "tinyint": "smallint",  # but tinyint(1) is boolean, see below
        "float": "real",
        "tinytext": "text",
        "mediumtext": "text",
        "longtext": "text",
        "tinyblob": "binary",
        "mediumblob": "binary",
        "longblob": "binary",
        "year": "smallint",
        "timestamp": "timestamp",
    },
    "mssql": {
        "tinyint": "smallint",
        "float": "double",
        "bit": "boolean",  # SQL Server's bit is its boolean
        "image": "binary",
        "smallmoney": "money",
        "rowversion": "rowversion",
        "sysname": "nvarchar(128)",
    },
    "sqlite": {
        "tinyint": "smallint",
        "float": "double",
        "double": "double",
        "string": "text",
    },
}

# Arguments that are display widths, not part of the type (MySQL's int(11), SQLite's INTEGER(4)).
_WIDTH_ONLY = {"integer", "smallint", "bigint", "boolean"}
_UNSIGNED = re.compile(r"\s+(unsigned|signed|zerofill)\b")
_SHAPE = re.compile(r"^(?P<name>[^(]+)\s*(?:\((?P<args>[^)]*)\))?\s*(?P<rest>.*)$")


def normalize_type(dialect: str, type_text: str) -> str:
    """The canonical spelling of `type_text` as reported or written for `dialect`."""
    text = " ".join((type_text or "").strip().lower().split())
    if not text:
        return ""
    unsigned = bool(re.search(r"\bunsigned\b", text))
    text = _UNSIGNED.sub("", text)
    # PostgreSQL puts the length in the middle: "timestamp(3) without time zone", "bit varying(8)"
    m = re.match(r"^(time|timestamp)\s*\((\d+)\)\s*(with(?:out)? time zone)$", text)
    if m:
        text = f"{m.group(1)} {m.group(3)}({m.group(2)})"
    array = text.endswith("[]")
    if array:
        text = text[:-2].strip()
    shape = _SHAPE.match(text)
    if shape is None:  # pragma: no cover - the pattern matches any non-empty text
        return text
    name, args, rest = shape.group("name").strip(), shape.group("args"), shape.group("rest").strip()
    if rest and not args:  # "double precision", "character varying" without arguments
        name, rest = f"{name} {rest}", ""
    args = ",".join(a.strip() for a in args.split(",")) if args is not None else None

    if dialect == "mysql" and name in ("tinyint", "bit") and args == "1":
        base = "boolean"
        args = None
    else:
        base = _DIALECT.get(dialect, {}).get(name) or _COMMON.get(name) or name
    if base in _WIDTH_ONLY or (name == "datetime2" and args == "7"):
        args = None  # display widths, and datetime2's default precision
    if base == "decimal" and args is not None:
        parts = args.split(",")
        if len(parts) == 1:
            args = f"{parts[0]},0"  # DECIMAL(10) is DECIMAL(10,0) everywhere
    if base == "double" and name == "float" and args:
        base = "real" if args.isdigit() and int(args) <= 24 else "double"
        args = None
    if args is not None and args.lower() == "max":
        args = "max"
    if base in ("char", "nchar") and args is None and dialect in ("postgresql", "mssql"):
        args = "1"  # CHAR alone is CHAR(1)
    out = f"{base}({args})" if args is not None and "(" not in base else base
    if rest:
        out = f"{out} {rest}"
    if unsigned:
        out += " unsigned"
    return out + ("[]" if array else "")
