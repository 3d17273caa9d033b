"""Contracts into the database (`schema_sync.contract_columns`), where the dialect keeps them."""

from __future__ import annotations

from ..db import Database
from ..dialects import get_dialect, with_contract_store
from ..dialects.base import ContractInstall, ContractStore, ProtectedColumn
from ..errors import SchemaSyncError
from ..settings import Settings
from .model import ContractFile
from .policy import load_for

#: the tag of schema-sync's own install/upgrade DDL, as a deploy's id tags a deploy (logged `deployed`, never a PR)
OWN_DDL = "schema-sync-install"


def protected_columns(contracts: ContractFile) -> list[ProtectedColumn]:
    """One row per protected table (column None) and column, as the contract file names them."""
    out = []
    for c in contracts.contracts:
        owner = str(c.owner) if (c.owner.team or c.owner.contact) else None
        for t in c.protects:
            schema, table = t.table.split(".", 1) if "." in t.table else (None, t.table)
            out.append(ProtectedColumn(c.name, owner, c.severity, schema, table, None, None, None))
            for col in t.columns:
                out.append(
                    ProtectedColumn(
                        c.name, owner, c.severity, schema, table, col.name, col.type, col.nullable, list(col.compatible)
                    )
                )
    return out


def store_for(dialect_name: str | None) -> ContractStore:
    """Where the contracts of this database go; an error naming the databases that keep them."""
    store = get_dialect(dialect_name).contracts if dialect_name else None
    if store is None:
        where = " or ".join(d.label for d in with_contract_store())
        raise SchemaSyncError(f"contracts are installed into {where}; this is {dialect_name or 'an unknown database'}")
    return store


def _contract_file(settings: Settings) -> ContractFile:
    contracts = load_for(settings)
    if contracts is None:
        raise SchemaSyncError(f"no contract file: {settings.contracts} does not exist (option `contracts`)")
    return contracts


def install_script(settings: Settings, dialect_name: str | None, enforce: bool) -> str:
    """The contract install as SQL (unqualified tables go to the default schema: `public`, `dbo`)."""
    store = store_for(dialect_name)
    return store.script(protected_columns(_contract_file(settings)), enforce)


def install_contracts(settings: Settings, db: Database, enforce: bool) -> ContractInstall:
    """Install the configured contracts into an open database that keeps them."""
    store = store_for(db.dialect.name)
    columns = protected_columns(_contract_file(settings))
    with db.dialect.exclusive(db, db.spec.query_timeout):  # one install at a time (see drift.capture.install)
        db.dialect.tag_session(db, OWN_DDL)  # its CREATE EXTENSION dblink is ours, not drift
        try:
            return store.install(db, columns, enforce)
        finally:
            db.dialect.tag_session(db, None)
