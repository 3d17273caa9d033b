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
