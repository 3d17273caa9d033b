"""`diff` for people and machines: text, JSON, and Markdown for pull-request bodies.

Database text is escaped for each: text lines are `untrusted.safe_lines` (no workflow command from a
name in a CI log), JSON spells `##[` as `##\u005b`, and the Markdown puts every name and value in
`escape.github_code` (as the pull-request body does): `<code>` whose every character that Markdown
or GitHub's autolinks (`@name`, `#12`, URLs) could read is an entity.
"""

from __future__ import annotations

import json
from dataclasses import asdict

from ..catalog.change import details
from ..catalog.diff import Change, short
from ..untrusted import json_text, safe_lines
from .escape import fence, github_code


def to_json(changes: list[Change]) -> str:
    payload = {
        "changes": [{**asdict(c), "category": c.category, "diff": c.detail()} for c in changes],
        "breaking": sum(1 for c in changes if c.breaking),
        "additive": sum(1 for c in changes if not c.breaking),
    }
    return json_text(json.dumps(payload, sort_keys=True, indent=2, ensure_ascii=False)) + "\n"


def to_text(changes: list[Change]) -> str:
    if not changes:
        return "no drift: the database matches the snapshot\n"
    lines = []
    for c, diff in details(_contract_breaks_first(changes)):
        lines.append(_text_line(c))
        lines += [f"{'':<10}{line}" for line in diff]
    n_break = sum(1 for c in changes if c.breaking)
    n_contract = sum(1 for c in changes if c.contracts)
    summary = f"{len(changes)} change(s), {n_break} breaking"
    lines.append(summary + (f", {n_contract} break contracts" if n_contract else ""))
    return safe_lines(lines) + "\n"


def _contract_breaks_first(changes: list[Change]) -> list[Change]:
    return sorted(changes, key=lambda c: not c.contracts)  # stable: otherwise the diff's own order


def _text_line(c: Change) -> str:
    label = "CONTRACT" if c.contracts else "BREAKING" if c.breaking else "additive"
    suffix = f"  [breaks contract: {', '.join(c.contracts)}]" if c.contracts else ""
    return f"{label:<9} {c.describe()}{suffix}"


def to_markdown(changes: list[Change]) -> str:
    """For pull-request bodies: breaking changes first. Database text is escaped."""
    if not changes:
        return "No schema drift.\n"
    contract = [c for c in changes if c.contracts]
    breaking = [c for c in changes if c.breaking and not c.contracts]
    additive = [c for c in changes if not c.breaking]
    out = [f"**Schema drift: {len(changes)} change(s), {len(breaking) + len(contract)} breaking.**", ""]
    if contract:
        names = sorted({n for c in contract for n in c.contracts})
        out += [f"> **These changes break ETL contracts: {', '.join(str(github_code(n)) for n in names)}.**", ""]
    for title, group in (
        ("Changes that break contracts", contract),
        ("Breaking changes", breaking),
        ("Additive changes", additive),
    ):
        if not group:
            continue
        out += [f"### {title}", "", "| Object | Change | Before | After |", "|---|---|---|---|"]
        for c in group:
            before = github_code(short(c.before)) if c.before is not None else ""
            after = github_code(short(c.after)) if c.after is not None else ""
            change = c.kind.replace("_", " ") + (f" {github_code(c.column)}" if c.kind.startswith("enum_value") else "")
            out.append(f"| {github_code(c.where)} | {change} | {before} | {after} |")
        out.append("")
    detailed = [(c, diff) for c, diff in details([*contract, *breaking, *additive]) if diff]
    if detailed:
        out += ["### Definition changes", ""]
        for c, diff in detailed:
            label = f"{github_code(c.where)} ({c.kind.replace('_', ' ')}):"
            out += [label, "", fence("\n".join(diff), "diff"), ""]
    # the fences hold definitions verbatim: each line through the CI-output path too (echoed in Actions, a
    # line opening with `::` or holding `##[` would be a workflow command)
    return safe_lines("\n".join(out).split("\n"))


FORMATS = {"text": to_text, "json": to_json, "markdown": to_markdown}
