"""Validate contracts against a Catalog (live or snapshot): holds / broken / missing, with exact reasons."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..catalog import Catalog, Column, Table
from ..catalog.diff import Change
from ..catalog.types import normalize_type
from .model import ColumnRule, Contract, ContractFile, TableRule

HOLDS, BROKEN, MISSING = "holds", "broken", "missing"


@dataclass
class Reason:
    """One thing that is wrong, with the contract-file line it concerns."""

    text: str
    line: int
    missing: bool = False


@dataclass
class ColumnCheck:
    """One protected column as the contracts page shows it."""

    table: str
    column: str
    expected: str
    found: str
    ok: bool
    table_key: str | None = None


@dataclass
class ContractResult:
    contract: Contract
    reasons: list[Reason] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    checks: list[ColumnCheck] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)  # keys of the protected tables that exist
    anchor: str = ""

    @property
    def status(self) -> str:
        if any(r.missing for r in self.reasons):
            return MISSING
        return BROKEN if self.reasons else HOLDS

    @property
    def ok(self) -> bool:
        return not self.reasons

    @property
    def name(self) -> str:
        return self.contract.name

    def summary(self) -> str:
        return "; ".join(r.text for r in self.reasons)


@dataclass
class ContractReport:
    file: ContractFile
    dialect: str
    source: str  # "live" or "snapshot"
    results: list[ContractResult] = field(default_factory=list)

    @property
    def broken(self) -> list[ContractResult]:
        return [r for r in self.results if not r.ok]

    def counts(self) -> dict[str, int]:
        out = {HOLDS: 0, BROKEN: 0, MISSING: 0}
        for r in self.results:
            out[r.status] += 1
        return out


def check_contracts(contracts: ContractFile, catalog: Catalog, source: str = "live") -> ContractReport:
    """Validate every contract. Raises ContractFileError when a type is unknown to the catalog's dialect."""
    contracts.check_types(catalog.dialect)
    report = ContractReport(file=contracts, dialect=catalog.dialect, source=source)
    anchors: set[str] = set()
    for contract in contracts.contracts:
        result = ContractResult(contract=contract, anchor=_anchor(contract.name, anchors))
        for rule in contract.protects:
            _check_table(result, rule, catalog)
        report.results.append(result)
    return report


def _anchor(name: str, taken: set[str]) -> str:
    base = "contract-" + (re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "x")
    anchor, n = base, 2
    while anchor in taken:
        anchor, n = f"{base}-{n}", n + 1
    taken.add(anchor)
    return anchor


def _lookup(catalog: Catalog, name: str) -> tuple[Table | None, str | None]:
    found = catalog.find(name)
    if len(found) == 1:
        return found[0], None
    if not found:
        return None, f"table {name} does not exist"
    return None, f"{name} matches {len(found)} tables ({', '.join(t.key for t in found)}); name it as schema.table"


def _check_table(result: ContractResult, rule: TableRule, catalog: Catalog) -> None:
    table, problem = _lookup(catalog, rule.table)
    if table is None:
        result.reasons.append(Reason(str(problem), rule.line, missing=True))
        for col in rule.columns:
            result.checks.append(ColumnCheck(rule.table, col.name, _expected(col), "table missing", False))
        return
    result.tables.append(table.key)
    for col_rule in rule.columns:
        _check_column(result, table, col_rule, catalog)


def _expected(rule: ColumnRule) -> str:
    parts = []
    if rule.type:
        parts.append(rule.type.lower())
    if rule.nullable is not None:
        parts.append("NULL" if rule.nullable else "NOT NULL")
    if rule.primary_key:
        parts.append("PRIMARY KEY")
    if rule.unique:
        parts.append("UNIQUE")
    if rule.references:
        parts.append(f"→ {rule.references}")
    if rule.referenced_by:
        parts.append(f"← {', '.join(rule.referenced_by)}")
    return " ".join(parts) or "exists"


def _check_column(result: ContractResult, table: Table, rule: ColumnRule, catalog: Catalog) -> None:
    where = f"{table.name}.{rule.name}"
    col = table.column(rule.name)
    if col is None:
        result.reasons.append(Reason(f"column {where} does not exist", rule.line, missing=True))
        result.checks.append(ColumnCheck(table.name, rule.name, _expected(rule), "missing", False, table.key))
        return
    dialect = catalog.dialect
    found_type = normalize_type(dialect, col.type)
    before = len(result.reasons)

    type_ok = True
    if rule.type is not None:
        wanted = normalize_type(dialect, rule.type)
        accepted = {normalize_type(dialect, t) for t in rule.compatible}
        type_ok = found_type == wanted or found_type in accepted
        if type_ok and found_type != wanted:
            result.notes.append(f"{where} is {found_type}, accepted as compatible with {wanted}")
    null_ok = rule.nullable is None or col.nullable == rule.nullable
    if not (type_ok and null_ok):
        exp, got = [], []
        if rule.type is not None:
            exp.append(normalize_type(dialect, rule.type))
            got.append(found_type)
        if rule.nullable is not None:
            exp.append("NULL" if rule.nullable else "NOT NULL")
            got.append(_null(col))
        line = rule.line_of("type") if not type_ok else rule.line_of("nullable")
        result.reasons.append(Reason(f"{where}: expected {' '.join(exp)}, found {' '.join(got)}", line))

    pk_cols = table.primary_key.columns if table.primary_key else []
    if rule.primary_key is not None and (rule.name in pk_cols) != rule.primary_key:
        text = (
            "expected to be in the primary key, it is not"
            if rule.primary_key
            else "expected not to be in the primary key"
        )
        result.reasons.append(Reason(f"{where}: {text}", rule.line_of("primary_key")))
    if rule.unique is not None and _is_unique(table, rule.name) != rule.unique:
        text = (
            "expected UNIQUE, found no unique constraint or index on it alone" if rule.unique else "expected not unique"
        )
        result.reasons.append(Reason(f"{where}: {text}", rule.line_of("unique")))
    if rule.references:
        problem = _missing_fk(catalog, table, rule.name, rule.references)
        if problem:
            result.reasons.append(Reason(f"{where}: {problem}", rule.line_of("references")))
    for ref in rule.referenced_by:
        problem = _missing_incoming(catalog, table, rule.name, ref)
        if problem:
            result.reasons.append(Reason(f"{where}: {problem}", rule.line_of("referenced_by")))

    found = f"{found_type} {_null(col)}"
    result.checks.append(
        ColumnCheck(table.name, rule.name, _expected(rule), found, len(result.reasons) == before, table.key)
    )


def _null(col: Column) -> str:
    return "NULL" if col.nullable else "NOT NULL"


def _is_unique(table: Table, column: str) -> bool:
    if table.primary_key and table.primary_key.columns == [column]:
        return True
    if any(u.columns == [column] for u in table.uniques):
        return True
    return any(i.unique and not i.where and i.columns == [column] for i in table.indexes)


def _split_ref(ref: str) -> tuple[str, str]:
    table, _, column = ref.rpartition(".")
    return table, column


def _fk_links(table: Table, column: str) -> list[tuple[str, str]]:
    """(target table key, target column) of every foreign key from `table.column`."""
    out = []
    for fk in table.foreign_keys:
        for src, dst in zip(fk.columns, fk.ref_columns, strict=False):
            if src == column:
                out.append((fk.ref_key, dst))
    return out


def _missing_fk(catalog: Catalog, table: Table, column: str, ref: str) -> str | None:
    target_name, target_col = _split_ref(ref)
    target, problem = _lookup(catalog, target_name)
    if target is None:
        return f"expected a foreign key to {ref}, but {problem}"
    links = _fk_links(table, column)
    if (target.key, target_col) in links:
        return None
    found = ", ".join(f"{k}.{c}" for k, c in links) or "no foreign key"
    return f"expected a foreign key to {target.name}.{target_col}, found {found}"


def _missing_incoming(catalog: Catalog, table: Table, column: str, ref: str) -> str | None:
    source_name, source_col = _split_ref(ref)
    source, problem = _lookup(catalog, source_name)
    if source is None:
        return f"expected to be referenced by {ref}, but {problem}"
    if (table.key, column) in _fk_links(source, source_col):
        return None
    return f"expected a foreign key from {source.name}.{source_col}, found none"


def mark_contract_breaks(contracts: ContractFile, old: Catalog, new: Catalog, changes: list[Change]) -> list[str]:
    """Mark the changes that break a contract which held on `old`; returns those contracts' names.

    A change is marked (and made breaking) when it touches a protected column, or
    is a table-level change (table gone, keys, constraints, unique indexes) of a
    protected table or of a table a protected column references or is referenced by,
    or adds a table that makes a protected table's name ambiguous.
    """
    before = {r.name for r in check_contracts(contracts, old).broken}
    newly = [r for r in check_contracts(contracts, new).broken if r.name not in before]
    for result in newly:
        columns: dict[str, set[str]] = {}
        related: set[str] = set()
        crowding: set[str] = set()  # tables that now share a protected name with another
        for rule in result.contract.protects:
            names = [rule.table]
            table, _ = _lookup(old, rule.table)
            if table is not None:
                columns[table.key] = {c.name for c in rule.columns}
            for col in rule.columns:
                for ref in [col.references, *col.referenced_by]:
                    if ref:
                        names.append(_split_ref(ref)[0])
                        other, _ = _lookup(old, _split_ref(ref)[0])
                        if other is not None:
                            related.add(other.key)
            for name in names:
                found = new.find(name)
                if len(found) > 1:
                    crowding.update(t.key for t in found)
        for change in changes:
            if _touches(change, columns, related, crowding):
                change.contracts.append(result.name)
                change.breaking = True
    return [r.name for r in newly]


#: table-level members whose changes can break a contract: their before/after is one member's canonical dict
_MEMBER_PREFIXES = ("primary_key_", "unique_", "foreign_key_", "check_", "index_")


def _touches(change: Change, columns: dict[str, set[str]], related: set[str], crowding: set[str]) -> bool:
    """Whether `change` can be what broke a contract protecting `columns` (table key -> column names)."""
    if change.category != "table":  # routines, triggers, types, sequences: contracts protect columns
        return False
    if change.kind.endswith("comment_changed") or change.kind in ("columns_reordered", "view_definition_changed"):
        return False
    protected = columns.get(change.key)
    if change.column is not None:
        return protected is not None and (not protected or change.column in protected)
    if change.kind in ("table_removed", "table_kind_changed"):
        return change.key in columns or change.key in related
    if change.kind == "table_added":
        return change.key in crowding
    if not change.kind.startswith(_MEMBER_PREFIXES):  # partitioning, inheritance, extension: not a column's shape
        return False
    member = change.before if isinstance(change.before, dict) else change.after
    if not isinstance(member, dict) or (change.kind.startswith("index") and not member.get("unique")):
        return False
    involved = {c for c in member.get("columns") or [] if isinstance(c, str)}
    if protected is not None and (not protected or involved & protected):
        return True
    target = f"{member.get('ref_schema')}.{member.get('ref_table')}"
    target_cols = columns.get(target)
    return target_cols is not None and bool(set(member.get("ref_columns") or []) & target_cols)
