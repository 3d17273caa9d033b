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

# MySQL's tinyint(1) and bit(1) are its booleans.
_BOOLEAN_WHEN_ONE: dict[str, tuple[str, ...]] = {"mysql": ("tinyint", "bit")}
# Dialects where CHAR without a length is CHAR(1).
_CHAR_MEANS_CHAR_1 = frozenset({"postgresql", "mssql"})

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

    if name in _BOOLEAN_WHEN_ONE.get(dialect, ()) and args == "1":
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
    if base in ("char", "nchar") and args is None and dialect in _CHAR_MEANS_CHAR_1:
        args = "1"  # CHAR alone is CHAR(1)
    out = f"{base}({args})" if args is not None and "(" not in base else base
    if rest:
        out = f"{out} {rest}"
    if unsigned:
        out += " unsigned"
    return out + ("[]" if array else "")


# normalize_type's canonical names as each database spells them (format_type() on PostgreSQL)
_NATIVE: dict[str, dict[str, str]] = {
    "postgresql": {
        "varchar": "character varying",
        "char": "character",
        "decimal": "numeric",
        "double": "double precision",
        "binary": "bytea",
        "timestamp": "timestamp without time zone",
        "timestamptz": "timestamp with time zone",
        "time": "time without time zone",
        "timetz": "time with time zone",
    },
}


def native_type(dialect: str, type_text: str) -> str:
    """A type as the database itself prints it: `varchar(64)` -> `character varying(64)` on PostgreSQL."""
    norm = normalize_type(dialect, type_text)
    array = norm.endswith("[]")
    norm = norm.removesuffix("[]")
    name, _, args = norm.partition("(")
    args = f"({args}" if args else ""
    spelled = _NATIVE.get(dialect, {}).get(name, name)
    if " with" in spelled and args:  # timestamp(3) without time zone
        head, _, zone = spelled.partition(" ")
        out = f"{head}{args} {zone}"
    else:
        out = f"{spelled}{args}"
    return out + ("[]" if array else "")


def type_name(type_text: str) -> str:
    """`VARCHAR(64)` -> `varchar`; `timestamp(3) with time zone` -> `timestamp with time zone`."""
    text = re.sub(r"\([^)]*\)", "", type_text.lower()).replace("[]", "")
    return " ".join(text.replace("unsigned", "").replace("zerofill", "").split())


# Type names (lower case, without arguments) each dialect knows; the union is used before the dialect is known.
_COMMON_TYPES = {
    "int", "integer", "smallint", "bigint", "real", "float", "double", "double precision", "decimal", "numeric",
    "boolean", "char", "character", "varchar", "character varying", "text", "date", "time", "timestamp",
    "binary", "varbinary",
}  # fmt: skip
KNOWN_TYPES: dict[str, set[str]] = {
    "postgresql": _COMMON_TYPES | {
        "int2", "int4", "int8", "float4", "float8", "bool", "bpchar", "dec", "serial", "bigserial", "smallserial",
        "serial2", "serial4", "serial8", "time without time zone", "time with time zone", "timetz",
        "timestamp without time zone", "timestamp with time zone", "timestamptz", "interval", "bytea", "json",
        "jsonb", "uuid", "xml", "money", "inet", "cidr", "macaddr", "macaddr8", "bit", "bit varying", "varbit",
        "tsvector", "tsquery", "oid", "point", "line", "lseg", "box", "path", "polygon", "circle", "int4range",
        "int8range", "numrange", "tsrange", "tstzrange", "daterange", "citext", "name", "char varying",
    },
    "mysql": _COMMON_TYPES | {
        "tinyint", "mediumint", "bool", "dec", "fixed", "bit", "datetime", "year", "tinytext", "mediumtext",
        "longtext", "blob", "tinyblob", "mediumblob", "longblob", "json", "enum", "set", "geometry", "point",
        "nchar", "nvarchar", "national char", "national varchar", "uuid", "inet4", "inet6",
    },
    "mssql": _COMMON_TYPES | {
        "tinyint", "bit", "money", "smallmoney", "datetime", "datetime2", "smalldatetime", "datetimeoffset",
        "nchar", "nvarchar", "ntext", "image", "uniqueidentifier", "xml", "sql_variant", "hierarchyid",
        "geography", "geometry", "rowversion", "timestamp", "sysname",
    },
    "sqlite": _COMMON_TYPES | {
        "tinyint", "mediumint", "int2", "int8", "unsigned big int", "blob", "clob", "nchar", "nvarchar",
        "native character", "varying character", "datetime", "bool", "string", "json", "uuid",
    },
}  # fmt: skip
ALL_TYPES: set[str] = set().union(*KNOWN_TYPES.values())
