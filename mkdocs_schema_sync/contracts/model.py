"""ETL contracts: the model of `contracts.yml` (the loader in `loader.py` builds it with file:line errors).

contracts:
  - name: flatten-payload-join
    owner: {team: Data Engineering, contact: data-eng@example.com}
    consumers: [flatten.py]
    reviewers: [octocat, acme/data-eng]   # GitHub users or org/team asked to review drift PRs
    severity: error                 # error (default) | warning
    protects:
      - table: PayloadTransactions  # or schema.table
        columns:
          canonical_tx_id_norm:
            type: varchar(64)       # compared through normalize_type
            compatible: [varchar(128), text]
            nullable: false
            unique: true
    recovery: |
      Markdown: what to do when it breaks.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..catalog.types import KNOWN_TYPES, type_name
from ..errors import SchemaSyncError

SEVERITIES = ("error", "warning")
DEFAULT_FILE = "contracts.yml"


class ContractFileError(SchemaSyncError):
    """A mistake in the contract file; the message starts with `file:line:`."""


@dataclass
class Owner:
    team: str | None = None
    contact: str | None = None

    def __str__(self) -> str:
        if self.team and self.contact:
            return f"{self.team} <{self.contact}>"
        return self.team or self.contact or "unknown"


@dataclass
class ColumnRule:
    """What a contract expects of one column. `None` means "not checked"."""

    name: str
    line: int
    type: str | None = None
    compatible: list[str] = field(default_factory=list)
    nullable: bool | None = None
    primary_key: bool | None = None
    unique: bool | None = None
    references: str | None = None
    referenced_by: list[str] = field(default_factory=list)
    lines: dict[str, int] = field(default_factory=dict)  # rule key -> line of its value

    def line_of(self, key: str) -> int:
        return self.lines.get(key, self.line)


@dataclass
class TableRule:
    table: str
    line: int
    columns: list[ColumnRule] = field(default_factory=list)


@dataclass
class Contract:
    name: str
    line: int
    owner: Owner = field(default_factory=Owner)
    consumers: list[str] = field(default_factory=list)
    reviewers: list[str] = field(default_factory=list)  # GitHub users or org/team, asked to review drift PRs
    severity: str = "error"
    protects: list[TableRule] = field(default_factory=list)
    recovery: str | None = None
    description: str | None = None


@dataclass
class ContractFile:
    path: Path
    display: str  # the path as shown in messages and CI annotations
    contracts: list[Contract] = field(default_factory=list)

    def table_names(self) -> set[str]:
        """Every name the contracts look a table up by, as `Catalog.find` does: whole, and without the schema.
        A check of the tables called so (case-insensitively) is the check of the whole catalog."""
        found: set[str] = set()
        for contract in self.contracts:
            for rule in contract.protects:
                refs = [rule.table]
                for col in rule.columns:
                    refs += [r.rpartition(".")[0] for r in [col.references, *col.referenced_by] if r]
                for ref in refs:
                    found |= {ref, ref.partition(".")[2] or ref}
        return found

    def check_types(self, dialect: str) -> None:
        """Every `type`/`compatible` must be a type `dialect` knows (raised with the line it is on)."""
        known = KNOWN_TYPES.get(dialect)
        if known is None:
            return
        for contract in self.contracts:
            for table in contract.protects:
                for col in table.columns:
                    for key, values in (("type", [col.type]), ("compatible", col.compatible)):
                        for value in values:
                            if value is not None and type_name(value) not in known:
                                raise ContractFileError(
                                    f"{self.display}:{col.line_of(key)}: {col.name}: "
                                    f"{value!r} is not a {dialect} type; "
                                    f"write {suggest_type(value, known)} instead"
                                )


def suggest_type(value: str, known: set[str]) -> str:
    """`write … instead` text: the closest known type name, keeping the arguments given."""
    args = re.search(r"\(.*\)", value)
    close = difflib.get_close_matches(type_name(value), sorted(known), n=1, cutoff=0.5)
    if close:
        return f"`{close[0]}{args.group(0) if args else ''}`"
    return "a type of this database, such as `varchar(64)` or `integer`"
