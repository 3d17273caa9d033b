"""Contracts in a build or a CLI run: load, check, decide (fail or warn) and notify. No MkDocs, no click."""

from __future__ import annotations

from .catalog import Catalog
from .contract_check import Report, check_contracts
from .contracts import ContractFile, load_contracts
from .errors import SchemaSyncError
from .masking import get_logger
from .notify import Outcome, notify_broken
from .settings import Settings

log = get_logger("contracts")


def load_for(settings: Settings) -> ContractFile | None:
    """The configured contract file; None when the default file does not exist."""
    return load_contracts(settings.contracts, explicit=settings.contracts_explicit, base_dir=settings.base_dir)


def validate(settings: Settings, catalog: Catalog, source: str) -> Report | None:
    contracts = load_for(settings)
    if contracts is None:
        return None
    return check_contracts(contracts, catalog, source)


def should_fail(settings: Settings, strict: bool) -> bool:
    """`fail_on_broken_contract`, which when unset follows `mkdocs build --strict`."""
    return strict if settings.fail_on_broken_contract is None else settings.fail_on_broken_contract


def describe(report: Report, name: str) -> str:
    result = next(r for r in report.results if r.name == name)
    return f"contract {result.name!r} is broken: {result.summary()} (owner: {result.contract.owner})"


def enforce(report: Report, fail: bool) -> None:
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


def notify(report: Report, settings: Settings, source: str) -> Outcome:
    return notify_broken(report, settings.notify, settings.state_file, settings.notify_timeout, source)
