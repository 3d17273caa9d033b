"""Contracts in a build or a CLI run: load, check, decide (fail or warn) and notify. No MkDocs, no click."""

from __future__ import annotations

from ..catalog import Catalog
from ..db import Database
from ..errors import SchemaSyncError
from ..masking import get_logger
from ..settings import Settings, select_tables
from .check import ContractReport, ContractResult, check_contracts
from .loader import load_contracts
from .model import ContractFile
from .notify import NotifiedStore, Outcome, notify_broken

log = get_logger("contracts")


def load_for(settings: Settings) -> ContractFile | None:
    """The configured contract file; None when the default file does not exist."""
    return load_contracts(settings.contracts, explicit=settings.contracts_explicit, base_dir=settings.base_dir)


def validate(settings: Settings, catalog: Catalog, source: str) -> ContractReport | None:
    contracts = load_for(settings)
    if contracts is None:
        return None
    return check_contracts(contracts, catalog, source)


def should_fail(settings: Settings, strict: bool) -> bool:
    """`fail_on_broken_contract`, which when unset follows `mkdocs build --strict`."""
    return strict if settings.fail_on_broken_contract is None else settings.fail_on_broken_contract


def describe(report: ContractReport, name: str) -> str:
    result = next(r for r in report.results if r.name == name)
    return f"contract {result.name!r} is broken: {result.summary()} (owner: {result.contract.owner})"


def enforce(report: ContractReport, fail: bool) -> None:
    """Broken `error` contracts: raise when `fail`, else one WARNING each. `warning` contracts only log INFO."""
    failing = []
    for result in report.broken:
        text = describe(report, result.name)
        if result.contract.severity == "warning":
            log.info("%s [severity warning]", text)
        elif fail:
            failing.append(text)
        else:
            log.warning(text)
    if failing:
        where = report.file.display
        raise SchemaSyncError(f"{'; '.join(failing)} — see {where} and the contracts page", exit_code=1)


def notify(report: ContractReport, settings: Settings, source: str, store: NotifiedStore | None = None) -> Outcome:
    if settings.notify_error and report.broken:
        raise SchemaSyncError(settings.notify_error)  # only a command that notifies needs the webhook
    return notify_broken(report, settings.notify, settings.state_file, settings.notify_timeout, source, store)


def check_live(settings: Settings, db: Database) -> list[ContractResult]:
    """Validate the contracts against the live catalog; newly broken ones go to the webhooks. Returns the broken."""
    contracts = load_for(settings)
    if contracts is None:
        return []
    catalog = select_tables(db.dialect.read_catalog(db, row_counts=False), settings)
    report = check_contracts(contracts, catalog, "live")
    notify(report, settings, db.spec.display)
    return report.broken
