"""Contract reports for people and CI: text, JSON, JUnit XML and GitHub Actions annotations + step summary."""

from __future__ import annotations

import json
import os
from pathlib import Path
from xml.etree import ElementTree as ET

from .check import ContractReport, ContractResult

FORMATS = ("text", "json", "junit", "github")
_MARK = {"holds": "ok     ", "broken": "BROKEN ", "missing": "MISSING"}


def exit_code(report: ContractReport) -> int:
    """1 when a contract of severity `error` is broken; `warning` contracts are reported, never fatal."""
    return 1 if any(r.contract.severity == "error" for r in report.broken) else 0


def render(report: ContractReport, fmt: str) -> str:
    return {"text": to_text, "json": to_json, "junit": to_junit, "github": to_github}[fmt](report)


def _headline(report: ContractReport) -> str:
    c = report.counts()
    return (
        f"{len(report.results)} contract(s) in {report.file.display} against the {report.source} "
        f"{report.dialect} catalog: {c['holds']} hold, {c['broken'] + c['missing']} broken"
    )


def to_text(report: ContractReport) -> str:
    lines = []
    for r in report.results:
        sev = "" if r.contract.severity == "error" else " [warning]"
        lines.append(f"{_MARK[r.status]} {r.name}{sev} (owner: {r.contract.owner})")
        lines.extend(f"        {report.file.display}:{reason.line}: {reason.text}" for reason in r.reasons)
        lines.extend(f"        note: {note}" for note in r.notes)
    lines.append(_headline(report))
    return "\n".join(lines) + "\n"


def _result_dict(r: ContractResult) -> dict[str, object]:
    c = r.contract
    return {
        "name": c.name,
        "status": r.status,
        "severity": c.severity,
        "line": c.line,
        "owner": {"team": c.owner.team, "contact": c.owner.contact},
        "consumers": list(c.consumers),
        "reasons": [{"text": x.text, "line": x.line} for x in r.reasons],
        "notes": list(r.notes),
    }


def to_json(report: ContractReport) -> str:
    data = {
        "file": report.file.display,
        "dialect": report.dialect,
        "source": report.source,
        "summary": report.counts(),
        "exit_code": exit_code(report),
        "contracts": [_result_dict(r) for r in report.results],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def to_junit(report: ContractReport) -> str:
    """One <testcase> per contract; a broken one carries a <failure> (severity `warning`: <skipped>)."""
    failures = sum(1 for r in report.broken if r.contract.severity == "error")
    suites = ET.Element(
        "testsuites", name="schema-sync contracts", tests=str(len(report.results)), failures=str(failures)
    )
    suite = ET.SubElement(
        suites,
        "testsuite",
        name=f"contracts ({report.file.display})",
        tests=str(len(report.results)),
        failures=str(failures),
        errors="0",
        skipped=str(sum(1 for r in report.broken if r.contract.severity == "warning")),
    )
    for r in report.results:
        case = ET.SubElement(
            suite,
            "testcase",
            name=r.name,
            classname="schema_sync.contracts",
            file=report.file.display,
            line=str(r.contract.line),
        )
        if r.ok:
            continue
        detail = "\n".join(f"{report.file.display}:{x.line}: {x.text}" for x in r.reasons)
        detail += f"\nowner: {r.contract.owner}\nconsumers: {', '.join(r.contract.consumers) or '-'}"
        if r.contract.severity == "warning":
            ET.SubElement(case, "skipped", message=f"warning: {r.summary()}").text = detail
        else:
            failure = ET.SubElement(
                case, "failure", message=f"{r.summary()} (owner: {r.contract.owner})", type=r.status
            )
            failure.text = detail
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_prop(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation_path(report: ContractReport) -> str:
    """The contract file relative to the repository (GITHUB_WORKSPACE, else the working directory)."""
    base = Path(os.environ.get("GITHUB_WORKSPACE") or Path.cwd()).resolve()
    try:
        return report.file.path.resolve().relative_to(base).as_posix()
    except ValueError:
        return report.file.display


def to_github(report: ContractReport) -> str:
    """`::error file=…,line=…::…` per reason (warning severity: `::warning`), then the text report."""
    path = annotation_path(report)
    lines = []
    for r in report.broken:
        level = "error" if r.contract.severity == "error" else "warning"
        title = _gh_prop(f"Contract {r.name} {r.status}")
        for x in r.reasons:
            msg = _gh_data(f"{x.text} (contract {r.name}, owner: {r.contract.owner})")
            lines.append(f"::{level} file={_gh_prop(path)},line={x.line},title={title}::{msg}")
    return "\n".join(lines) + ("\n" if lines else "") + to_text(report)


def _md_cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def step_summary(report: ContractReport) -> str:
    """Markdown for $GITHUB_STEP_SUMMARY."""
    icon = {"holds": "✅", "broken": "❌", "missing": "❌"}
    out = [
        "## Schema contracts",
        "",
        _md_cell(_headline(report)),
        "",
        "| | Contract | Severity | Owner | Reasons |",
        "|---|---|---|---|---|",
    ]
    for r in report.results:
        reasons = "<br>".join(_md_cell(x.text) for x in r.reasons)
        owner = _md_cell(str(r.contract.owner))
        out.append(f"| {icon[r.status]} | {_md_cell(r.name)} | {r.contract.severity} | {owner} | {reasons} |")
    return "\n".join(out) + "\n\n"
