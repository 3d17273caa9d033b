"""The pull request's title, body and commit message, from the diff and the drift log.

GitHub turns plain text into mentions (`@team`), issue links (`#12`), autolinks
and HTML, and Markdown still parses inside a raw `<code>`. So every piece of
database text (names, types, comments, statements, logins) goes through
`escape.github_code`: `<code>` whose every meaningful character is an entity,
cut to a length. Statements are masked first.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from ..catalog.diff import Change, short
from ..drift.log import DriftEntry
from ..render.escape import github_code, github_link
from ..untrusted import one_line
from .git import TRAILER

MAX_BODY = 60_000  # GitHub refuses bodies over 65,536 characters
MAX_CHANGES = 150
MAX_ROWS = 40
TEXT_LIMIT = 160


@dataclass
class BrokenContract:
    name: str
    owner: str
    summary: str
    severity: str = "error"


@dataclass
class PullRequestText:
    title: str
    body: str
    message: str  # the commit message, with the SHA-256 trailer


@dataclass
class BodyInput:
    database: str  # the configured database name (not database text)
    sha256: str
    changes: list[Change]
    entries: list[DriftEntry]  # the pending drift-log rows this PR covers, oldest first
    broken: list[BrokenContract] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # what the commit writes
    docs_url: str | None = None
    base: str = "main"


def t(text: object, limit: int = TEXT_LIMIT) -> Markup:
    """Database text for a GitHub body: inline <code>, HTML escaped, one line, cut at `limit`."""
    flat = " ".join(str(text).split()) if text is not None else ""
    if len(flat) > limit:
        flat = flat[: limit - 1] + "…"
    return github_code(flat)


def _where(c: Change) -> str:
    return c.where  # `s.t.col`, `s.t.trigger`, `s.f(integer)`, `s.mood`


def title(data: BodyInput) -> str:
    n = len(data.changes)
    breaking = sum(1 for c in data.changes if c.breaking)
    what = f"{n} change{'s' if n != 1 else ''}" + (f", {breaking} breaking" if breaking else "")
    return f"Schema drift in {data.database}: {what}"


def commit_message(data: BodyInput) -> str:
    """Each line one database-text line at most: a name holding a newline cannot forge the SHA-256 trailer."""
    lines = [one_line(title(data)), ""]
    lines += [f"- {one_line(c.describe())}" for c in data.changes[:MAX_CHANGES]]
    if len(data.changes) > MAX_CHANGES:
        lines.append(f"- … and {len(data.changes) - MAX_CHANGES} more")
    return "\n".join([*lines, "", f"{TRAILER}: {data.sha256}", ""])


def _change_table(group: list[Change]) -> list[str]:
    out = ["| Object | Change | Before | After |", "|---|---|---|---|"]
    for c in group:
        before = t(short(c.before)) if c.before is not None else ""
        after = t(short(c.after)) if c.after is not None else ""
        contracts = f" (breaks {', '.join(str(t(n, 60)) for n in c.contracts)})" if c.contracts else ""
        value = f" {t(c.column, 60)}" if c.kind.startswith("enum_value") else ""  # the enum value itself
        out.append(f"| {t(_where(c))} | {c.kind.replace('_', ' ')}{value}{contracts} | {before} | {after} |")
    return out


def _added_table(c: Change) -> list[str]:
    """An added table: its columns and keys."""
    obj: dict[str, Any] = c.after
    pk = set((obj.get("primary_key") or {}).get("columns") or [])
    fks: dict[str, str] = {}
    for fk in obj.get("foreign_keys") or []:
        for col, ref in zip(fk["columns"], fk["ref_columns"], strict=False):
            fks[col] = f"{fk['ref_schema']}.{fk['ref_table']}.{ref}"
    uniques = {u["columns"][0] for u in obj.get("uniques") or [] if len(u["columns"]) == 1}
    out = [f"**Added {obj['kind']} {t(c.key)}**", "", "| Column | Type | Null | Key |", "|---|---|---|---|"]
    for col in obj["columns"]:
        keys = []
        if col["name"] in pk:
            keys.append("PK")
        if col["name"] in uniques:
            keys.append("unique")
        key_text = " ".join(keys)
        if col["name"] in fks:
            key_text = (key_text + " FK → " + str(t(fks[col["name"]]))).strip()
        null = "yes" if col["nullable"] else "NOT NULL"
        out.append(f"| {t(col['name'])} | {t(col['type'])} | {null} | {key_text} |")
    if obj.get("primary_key") and len(pk) > 1:
        out.append("")
        out.append(f"Primary key: {t(', '.join(obj['primary_key']['columns']))}")
    return [*out, ""]


def _log_rows(entries: list[DriftEntry]) -> list[str]:
    if not entries:
        return ["No drift-log rows (the change was found by comparing catalogs).", ""]
    people = Counter(e.login_name or "unknown" for e in entries)
    who = ", ".join(f"{t(name, 60)} ({n})" for name, n in people.most_common(10))
    first, last = t(entries[0].event_time, 40), t(entries[-1].event_time, 40)
    out = [f"{len(entries)} statement(s) from {first} to {last} UTC, by {who}.", ""]
    out += ["| When (UTC) | Who | What | Object | Statement |", "|---|---|---|---|---|"]
    shown = entries[-MAX_ROWS:] if len(entries) > MAX_ROWS else entries
    for e in (x.masked() for x in shown):
        obj = ".".join(p for p in (e.schema_name, e.object_name) if p)
        out.append(
            f"| {t(e.event_time, 40)} | {t(e.login_name or 'unknown', 60)} | {t(e.event_type, 40)} | {t(obj, 80)} "
            f"| {t(e.statement, 200)} |"
        )
    if len(entries) > len(shown):
        out.append("")
        out.append(f"The {len(entries) - len(shown)} earlier row(s) are in the drift log.")
    return [*out, ""]


def body(data: BodyInput) -> str:
    changes = data.changes
    contract = [c for c in changes if c.contracts]
    breaking = [c for c in changes if c.breaking and not c.contracts]
    additive = [c for c in changes if not c.breaking]
    out = [
        f"<!-- schema-sync sha256={data.sha256} -->",
        f"The live database **{data.database}** no longer matches `{data.base}`. This pull request updates "
        "the committed snapshot" + (" and the generated pages" if len(data.files) > 1 else "") + " to match it.",
        "",
        f"**{len(changes)} change(s): {len(breaking) + len(contract)} breaking, {len(additive)} additive.** "
        f"Snapshot SHA-256 `{data.sha256[:16]}`.",
        "",
    ]
    if data.broken:
        out += ["> [!CAUTION]", "> **ETL contracts broken by this schema:**"]
        for b in data.broken:
            out.append(f"> - {t(b.name, 80)} (owner {t(b.owner, 80)}, {b.severity}): {t(b.summary, 240)}")
        out.append("")
    shown = 0
    for heading, group in (
        ("Changes that break contracts", contract),
        ("Breaking changes", breaking),
        ("Additive changes", additive),
    ):
        if not group:
            continue
        room = max(0, MAX_CHANGES - shown)
        out += [f"### {heading}", "", *_change_table(group[:room])]
        if len(group) > room:
            where = data.files[0] if data.files else "the snapshot"  # a path inside the repository: no backquote
            out.append(f"| … | {len(group) - room} more in `{where}` | | |")
        shown += min(room, len(group))
        out.append("")
    added = [c for c in changes if c.kind == "table_added"][:20]
    if added:
        out += ["### Added tables", ""]
        for c in added:
            out += _added_table(c)
    out += ["### Who changed what (drift log)", "", *_log_rows(data.entries)]
    if data.files:
        out += ["### Files", "", *[f"- `{f}`" for f in data.files], ""]
    if data.docs_url:
        out += [f"Published documentation: {github_link(data.docs_url)}", ""]
    out.append("_Opened by `mkdocs-schema-sync monitor`; a later change updates this pull request._")
    text = "\n".join(out) + "\n"
    if len(text) > MAX_BODY:
        text = text[:MAX_BODY].rsplit("\n", 1)[0] + "\n\n_(cut: the body reached GitHub's size limit)_\n"
    return text


def render(data: BodyInput) -> PullRequestText:
    return PullRequestText(title(data), body(data), commit_message(data))
