"""The contract gate: after a file's statements and before its commit, the contracts must still hold.

The catalog is read on the deploy's own connection, inside the file's
transaction, so it sees the file's uncommitted DDL. Only what the file breaks
counts: a contract already broken before the deploy is not the file's doing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..catalog import Catalog
from ..contracts.check import ContractResult, check_contracts
from ..contracts.model import ContractFile
from ..db import Database
from ..dialects.statements import code_words
from ..errors import SchemaSyncError
from ..settings import Settings, select_tables


@dataclass
class GateResult:
    blocking: list[ContractResult] = field(default_factory=list)  # `error` contracts the file broke
    allowed: list[ContractResult] = field(default_factory=list)  # broken, but named in --allow-breaking
    warnings: list[ContractResult] = field(default_factory=list)  # `warning` contracts the file broke

    def message(self, script: str) -> str:
        parts = [f"contract {r.name!r} ({r.summary()}; owner: {r.contract.owner})" for r in self.blocking]
        names = " ".join(f"--allow-breaking {r.name}" for r in self.blocking)
        return f"{script} breaks {'; '.join(parts)}. To deploy it deliberately pass {names}"


class Gate:
    """Remembers which contracts were broken before, and judges each file against that."""

    def __init__(self, contracts: ContractFile | None, settings: Settings, allow: set[str]) -> None:
        self.contracts = contracts
        self.settings = settings
        self.allow = set(allow)
        self.broken_before: set[str] = set()
        if contracts is None and allow:
            raise SchemaSyncError("--allow-breaking names a contract, but no contract file is configured")
        if contracts is not None:
            unknown = sorted(self.allow - {c.name for c in contracts.contracts})
            if unknown:
                known = ", ".join(sorted(c.name for c in contracts.contracts))
                raise SchemaSyncError(f"--allow-breaking {', '.join(unknown)}: no such contract (known: {known})")

    @property
    def active(self) -> bool:
        return self.contracts is not None

    def names(self) -> set[str]:
        """Every name the contracts look a table up by (`ContractFile.table_names`)."""
        return self.contracts.table_names() if self.contracts is not None else set()

    def read(self, db: Database) -> Catalog:
        """The tables the contracts name, and nothing else: a gate costs the same at 100 tables as at 10,000."""
        return db.dialect.read_tables(db, self.names())

    def _broken(self, catalog: Catalog) -> list[ContractResult]:
        assert self.contracts is not None
        return check_contracts(self.contracts, select_tables(catalog, self.settings), "live").broken

    def start(self, catalog: Catalog) -> None:
        if self.active:
            self.broken_before = {r.name for r in self._broken(catalog)}

    def check(self, catalog: Catalog) -> GateResult:
        result = GateResult()
        if not self.active:
            return result
        for r in self._broken(catalog):
            if r.name in self.broken_before:
                continue
            if r.contract.severity == "warning":
                result.warnings.append(r)
            elif r.name in self.allow:
                result.allowed.append(r)
            else:
                result.blocking.append(r)
        return result

    def accept(self, result: GateResult) -> None:
        """The file committed: what it broke (allowed, or warnings) is the new 'before'."""
        self.broken_before |= {r.name for r in [*result.allowed, *result.warnings]}


def may_break(contracts: ContractFile | None, allow: set[str], statement: str) -> list[str]:
    """Where DDL commits as it runs (MySQL/MariaDB), the gate first reads the text of each statement.

    A statement that drops, truncates or renames a protected table, or alters a
    protected table naming a protected column, may break its `error` contract:
    returns `contract 'name' (table.column)` for each such contract not in `allow`.
    Conservative on purpose (a compatible MODIFY is flagged too): what MySQL has
    committed cannot be rolled back, so the file is reviewed and allowed by name.
    """
    if contracts is None:
        return []
    words = code_words(statement)
    if len(words) < 3:
        return []
    head = words[:2]
    out = []
    for contract in contracts.contracts:
        if contract.severity != "error" or contract.name in allow:
            continue
        for rule in contract.protects:
            table = rule.table.split(".")[-1].lower()
            if table not in words:
                continue
            if head in (["drop", "table"], ["truncate", "table"], ["rename", "table"]) or (
                head == ["alter", "table"] and _renames_table(words)
            ):
                out.append(f"contract {contract.name!r} ({rule.table})")
            elif head == ["alter", "table"]:
                out += [
                    f"contract {contract.name!r} ({rule.table}.{c.name})"
                    for c in rule.columns
                    if c.name.lower() in words
                ]
    return list(dict.fromkeys(out))


def _renames_table(words: list[str]) -> bool:
    """ALTER TABLE t RENAME [TO|AS] u (not RENAME COLUMN / INDEX / KEY)."""
    return any(w == "rename" and words[i + 1 : i + 2] in (["to"], ["as"]) for i, w in enumerate(words))
