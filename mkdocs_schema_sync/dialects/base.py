"""What a dialect adapter provides."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..catalog import Catalog
    from ..connect import Database


class Dialect(ABC):
    """Reads one kind of database into the catalog model with bulk queries (one per object kind)."""

    name: str
    #: schemas that belong to the database system or to this project, never documented
    system_schemas: frozenset[str] = frozenset()

    @abstractmethod
    def read_catalog(self, db: Database, *, row_counts: bool = True) -> Catalog:
        """Every table and view outside `system_schemas`."""

    @abstractmethod
    def change_signal(self, db: Database) -> str:
        """A cheap value (one query) that moves whenever the schema changes."""

    def quote_ident(self, name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    def quote_name(self, schema: str, name: str) -> str:
        return f"{self.quote_ident(schema)}.{self.quote_ident(name)}"
