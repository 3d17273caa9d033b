"""Put contract results on the pages: the contracts page, column badges and notices on table pages."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from ..contracts.check import ContractReport
from . import escape
from .pages import DocModel, ExtraPage, Notice

PAGE_NAME = "contracts"
STATUS_LABELS = {"holds": "holds", "broken": "BROKEN", "missing": "BROKEN (object missing)"}


def attach_contracts(model: DocModel, report: ContractReport) -> None:
    """Add the contracts page, badges on protected columns and a notice on tables with a broken contract."""
    model.contract_report = report
    model.extra_pages.append(
        ExtraPage(
            PAGE_NAME,
            "contracts.md.j2",
            "ETL contracts",
            {"report": report, "results": [_view(r) for r in report.results]},
        )
    )
    # Table pages live at <path>/<schema>/<table>.md, the contracts page at <path>/contracts.md.
    page = f"../{PAGE_NAME}.md"
    for result in report.results:
        name = escape.md(result.name)
        link = f"{page}#{result.anchor}"
        for check in result.checks:
            if check.table_key is None:
                continue
            label = f"contract [{name}]({link})" + ("" if result.ok else " (broken)")
            model.column_badges.setdefault(f"{check.table_key}.{check.column}", []).append(Markup(label))
        if result.ok:
            continue
        owner, severity = escape.md(str(result.contract.owner)), escape.md(result.contract.severity)
        text = Markup(
            f"[{name}]({link}) (owner: {owner}, severity {severity}) "
            f"is broken: {escape.md(result.summary())}. See its recovery procedure."
        )
        for key in result.tables:
            model.table_notices.setdefault(key, []).append(Notice("Broken ETL contract:", text))
        if result.contract.severity == "error":  # leads the schema index and the change log
            model.lead_notices.append(
                Notice(
                    "Broken ETL contract:",
                    f"{result.name} (owner: {result.contract.owner}): {result.summary()}. "
                    "See the ETL contracts page for the recovery procedure.",
                )
            )
    counts = report.counts()
    model.architecture_rows.append(
        (
            "ETL contracts",
            f"{counts['holds']} hold, {counts['broken'] + counts['missing']} broken ({report.file.display})",
        )
    )


def _view(result: Any) -> dict[str, Any]:
    """What the template shows of one result; only `recovery` (repository Markdown) is trusted as Markup."""
    c = result.contract
    return {
        "name": c.name,
        "anchor": Markup(result.anchor),  # [a-z0-9-] only, see contracts.check._anchor
        "status": STATUS_LABELS[result.status],
        "ok": result.ok,
        "severity": c.severity,
        "owner": str(c.owner),
        "consumers": ", ".join(c.consumers),
        "description": c.description,
        "reasons": [r.text for r in result.reasons],
        "notes": result.notes,
        "checks": result.checks,
        "recovery": Markup(c.recovery) if c.recovery else None,
    }
