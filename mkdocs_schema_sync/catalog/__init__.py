"""The catalog model and what works on it alone: type names, descriptions, snapshot, diff."""

from .model import (
    SNAPSHOT_FORMAT,
    Catalog,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    PrimaryKey,
    Table,
    UniqueConstraint,
    canonical_json,
    object_key,
    sha256_of,
)

__all__ = [
    "SNAPSHOT_FORMAT",
    "Catalog",
    "CheckConstraint",
    "Column",
    "ForeignKey",
    "Index",
    "PrimaryKey",
    "Table",
    "UniqueConstraint",
    "canonical_json",
    "object_key",
    "sha256_of",
]
