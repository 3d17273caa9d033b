"""Contract reports for people and CI: text, JSON, JUnit XML and GitHub Actions annotations + step summary.

Reasons carry database names and types. Every format escapes them for where it goes, through
`untrusted`: text lines cannot start or hold a workflow command, annotations use GitHub's
%-escaping, JSON spells `##[` as `##\u005b`, XML holds no control character, the step summary
is Markdown-escaped.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from xml.etree import ElementTree as ET

from ..untrusted import json_text, markdown_inline, one_line, safe_lines, workflow_data, workflow_property
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
    return safe_lines(lines) + "\n"


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
    return json_text(json.dumps(data, indent=2, ensure_ascii=False)) + "\n"


def to_junit(report: ContractReport) -> str:
    """One <testcase> per contract; a broken one carries a <failure> (severity `warning`: <skipped>)."""
    failures = sum(1 for r in report.broken if r.contract.severity == "error")
    suites = ET.Element(
        "testsuites", name="schema-sync contracts", tests=str(len(report.results)), failures=str(failures)
    )
    suite = ET.SubElement(
        suites,
        "testsuite",
        name=one_line(f"contracts ({report.file.display})"),
        tests=str(len(report.results)),
        failures=str(failures),
        errors="0",
        skipped=str(sum(1 for r in report.broken if r.contract.severity == "warning")),
    )
    for r in report.results:
        case = ET.SubElement(
            suite,
            "testcase",
            name=one_line(r.name),
            classname="schema_sync.contracts",
            file=one_line(report.file.display),
            line=str(r.contract.line),
        )
        if r.ok:
            continue
        lines = [f"{report.file.display}:{x.line}: {x.text}" for x in r.reasons]
        lines += [f"owner: {r.contract.owner}", f"consumers: {', '.join(r.contract.consumers) or '-'}"]
        detail = "\n".join(one_line(line) for line in lines)
        if r.contract.severity == "warning":
            ET.SubElement(case, "skipped", message=one_line(f"warning: {r.summary()}")).text = detail
        else:
            message = one_line(f"{r.summary()} (owner: {r.contract.owner})")
            ET.SubElement(case, "failure", message=message, type=r.status).text = detail
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


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
        title = workflow_property(f"Contract {r.name} {r.status}")
        for x in r.reasons:
            msg = workflow_data(f"{x.text} (contract {r.name}, owner: {r.contract.owner})")
            lines.append(f"::{level} file={workflow_property(path)},line={x.line},title={title}::{msg}")
    return "\n".join(lines) + ("\n" if lines else "") + to_text(report)


def step_summary(report: ContractReport) -> str:
    """Markdown for $GITHUB_STEP_SUMMARY."""
    icon = {"holds": "✅", "broken": "❌", "missing": "❌"}
    out = [
        "## Schema contracts",
        "",
        markdown_inline(_headline(report)),
        "",
        "| | Contract | Severity | Owner | Reasons |",
        "|---|---|---|---|---|",
    ]
    for r in report.results:
        reasons = "<br>".join(markdown_inline(x.text) for x in r.reasons)
        owner = markdown_inline(str(r.contract.owner))
        out.append(f"| {icon[r.status]} | {markdown_inline(r.name)} | {r.contract.severity} | {owner} | {reasons} |")
    return "\n".join(out) + "\n\n"
