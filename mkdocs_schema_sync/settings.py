"""Plain settings the core works from, whatever read them (the MkDocs plugin or the CLI)."""

from __future__ import annotations

import fnmatch
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .catalog import Catalog, Table
from .errors import SchemaSyncError

NAV_MODES = ("index", "full", "none")
UNREACHABLE_MODES = ("snapshot", "fail")
#: objects an extension installed (PostgreSQL): left out, or listed apart from the user's
EXTENSION_MODES = ("hide", "separate")
DEFAULT_SCHEDULE = "*/15 8-17 * * 1-5"  # GitHub cron is UTC: every 15 minutes, weekdays 08-17
_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_BRANCH = re.compile(r"^(?!-)(?!.*\.\.)[A-Za-z0-9._/-]+(?<![./])$")
_GITHUB_KEYS = ("repository", "api_url", "token_env", "base", "branch", "labels", "reviewers", "max_wait")


@dataclass
class GitHubSettings:
    """Where `monitor` and `pr` open the pull request (the `github:` option)."""

    repository: str  # owner/name
    api_url: str = "https://api.github.com"  # GitHub Enterprise: https://HOST/api/v3
    token_env: str = "GITHUB_TOKEN"  # the environment variable holding the token
    base: str | None = None  # None: origin's HEAD
    branch: str | None = None  # None: schema-sync/<database name>
    labels: list[str] = field(default_factory=lambda: ["schema-drift"])
    reviewers: list[str] = field(default_factory=list)  # users, or org/team; empty: from the contracts touched
    max_wait: float = 60.0  # longest wait for a rate limit to reset, seconds

    def require_repository(self) -> str:
        if not self.repository:
            raise SchemaSyncError(
                "schema-sync option `github`: no `repository`, and GITHUB_REPOSITORY is not set (GitHub Actions "
                "sets it): add `repository: owner/name`"
            )
        return self.repository

    @property
    def owner(self) -> str:
        return self.repository.split("/", 1)[0]


def parse_github(raw: Any, where: str = "schema-sync option `github`") -> GitHubSettings | None:
    """The `github:` mapping, every key checked: unknown keys and wrong types are errors."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise SchemaSyncError(f"{where} must be a mapping such as {{repository: owner/name}}")
    unknown = sorted(set(raw) - set(_GITHUB_KEYS))
    if unknown:
        raise SchemaSyncError(f"{where}: unknown key {unknown[0]!r}; known keys: {', '.join(_GITHUB_KEYS)}")
    # GitHub Actions' own variables fill what the option leaves out (the option wins), as create-pull-request does
    # left out and not in Actions: "" (checked when a pull request is made: `require_repository`)
    repo = raw.get("repository") if "repository" in raw else os.environ.get("GITHUB_REPOSITORY", "")
    if not isinstance(repo, str) or not (_REPOSITORY.match(repo) or (repo == "" and "repository" not in raw)):
        raise SchemaSyncError(
            f"{where}: `repository` must be owner/name (for example acme/data-docs), not {repo!r} "
            "(left out, it comes from GITHUB_REPOSITORY, which GitHub Actions sets)"
        )
    out = GitHubSettings(repository=repo)
    if "api_url" not in raw and os.environ.get("GITHUB_API_URL", "").strip():
        out.api_url = os.environ["GITHUB_API_URL"].strip()  # GitHub Enterprise runners point it at their API
    for key in ("api_url", "token_env", "base", "branch"):
        if key in raw:
            value = raw[key]
            if not isinstance(value, str) or not value.strip():
                raise SchemaSyncError(f"{where}: `{key}` must be a non-empty string")
            setattr(out, key, value.strip())
    for key in ("base", "branch"):
        value = getattr(out, key)
        if value is not None and not _BRANCH.match(value):
            raise SchemaSyncError(f"{where}: `{key}` {value!r} is not a branch name (letters, digits, . _ - /)")
    if not re.match(r"^https?://[^\s/]+", out.api_url):
        raise SchemaSyncError(f"{where}: `api_url` must be an http(s) URL such as https://github.example.com/api/v3")
    out.api_url = out.api_url.rstrip("/")
    if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", out.token_env):
        raise SchemaSyncError(f"{where}: `token_env` must name an environment variable, such as GITHUB_TOKEN")
    for key in ("labels", "reviewers"):
        if key in raw:
            value = raw[key]
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                raise SchemaSyncError(f"{where}: `{key}` must be a list of names")
            setattr(out, key, [v.strip() for v in value])
    if "max_wait" in raw:
        out.max_wait = float(check_number(f"{where}: `max_wait`", raw["max_wait"], 0, 86_400, unit=" of seconds"))
    return out


@dataclass
class Settings:
    """One documented database. A `databases:` list is a list of these, a section each."""

    base_dir: Path
    name: str | None = None  # the entry's name under `databases:`; None: the single-connection form
    connection: str | None = None
    connection_error: str | None = None  # `!ENV VAR` unset or empty: said by whatever needs the connection
    connect_timeout: float = 10.0
    query_timeout: float = 60.0  # seconds a query may take once connected (lock waits, a paused server)
    schemas: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    path: str = "schema"
    title: str = "Database schema"
    nav: str = "index"
    descriptions: Path | None = None
    templates: Path | None = None
    snapshot: Path | None = None
    on_unreachable: str = "snapshot"
    cache_ttl: float = 60.0
    row_counts: bool = True
    er_max_tables: int = 50
    extension_objects: str = "hide"
    drift_log: bool = True  # poll (without triggers) and show the drift log at build time
    drift_limit: int = 200  # newest drift log rows shown
    watch_interval: float = 2.0  # seconds between change-signal checks under `mkdocs serve` (0: off)
    show_connection: bool = False  # pages print the (masked) connection, not only the database's kind and name
    # ETL contracts (contracts.py) and their notifier (notify.py)
    contracts: Path | None = None
    contracts_explicit: bool = False
    fail_on_broken_contract: bool | None = None
    notify: list[Any] = field(default_factory=list)
    notify_timeout: float = 5.0
    notify_error: str | None = None  # a webhook whose `!ENV`/`${VAR}` is unset: fatal only when notifying
    state_file: Path | None = None
    # database -> repository (sync/): the pull request, pages `monitor` writes, the CI schedule
    github: GitHubSettings | None = None
    docs_url: str | None = None
    generate_out: Path | None = None
    monitor_schedule: str = DEFAULT_SCHEDULE
    # deploy (repository -> database): the raw `deploy` option, validated by deploy.targets.parse_deploy
    deploy: dict[str, Any] = field(default_factory=dict)

    def check(self) -> None:
        """Refuse values no build can use, naming the option (the plugin and the CLI both call this)."""
        self.path = section_path(self.path)
        for name, low, inclusive, high, whole in _NUMBERS:
            setattr(self, name, check_number(f"option `{name}`", getattr(self, name), low, high, inclusive, whole))

    def resolve(self, value: str | None) -> Path | None:
        if not value:
            return None
        path = Path(value)
        return path if path.is_absolute() else self.base_dir / path


#: the longest timeout every server takes: PostgreSQL's statement_timeout and lock_timeout are int milliseconds
MAX_SECONDS = 2_147_483
#: (option, lowest value, whether the lowest value itself is allowed, highest value, whole numbers only)
_NUMBERS = (
    ("connect_timeout", 0, False, MAX_SECONDS, False),
    ("query_timeout", 0, False, MAX_SECONDS, False),
    ("notify_timeout", 0, False, MAX_SECONDS, False),
    ("cache_ttl", 0, True, 10 * 365 * 86_400, False),
    ("watch_interval", 0, True, 86_400, False),
    ("drift_limit", 0, True, 1_000_000, True),
    ("er_max_tables", 1, True, 100_000, True),
)


def _plain(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def check_number(
    where: str, value: Any, low: float, high: float, low_inclusive: bool = True, whole: bool = False, unit: str = ""
) -> float | int:
    """A finite number in [low, high] (low excluded unless `low_inclusive`), or one line naming `where`.
    `.inf`, `.nan`, true/false and strings are refused rather than turned into an overflow or an
    "unreachable" server later."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SchemaSyncError(f"{where} must be a number{unit}, not {value!r}")
    if not math.isfinite(value):
        raise SchemaSyncError(f"{where} must be a finite number{unit}, not {value!r}")
    if whole and value != int(value):
        raise SchemaSyncError(f"{where} must be a whole number, not {value!r}")
    if value < low or (value == low and not low_inclusive) or value > high:
        bound = f"{_plain(low)} or more" if low_inclusive else f"more than {_plain(low)}"
        raise SchemaSyncError(f"{where} must be a number{unit}, {bound} and at most {_plain(high)}, not {value!r}")
    return int(value) if whole else value


_BAD_PATH_CHARS = re.compile(r"[\\:\x00-\x1f]")


def section_path(value: str) -> str:
    """The `path` option as a relative folder inside the site (and inside `generate --out`).

    Anything that could leave it is refused rather than cleaned up: `..` and `.` segments, absolute
    paths, backslashes and drive letters (Windows separators), empty segments, control characters.
    """
    folder = value.rstrip("/")
    segments = folder.split("/")
    if (
        not folder
        or folder.startswith("/")
        or _BAD_PATH_CHARS.search(folder)
        or any(seg in ("", ".", "..") for seg in segments)
    ):
        raise SchemaSyncError(
            f"option `path` must be a folder inside the site such as `schema` or `reference/db`, not {value!r} "
            "(no leading /, no `.` or `..` segments, no backslashes or drive letters)"
        )
    return folder


_CRON_ITEM = re.compile(r"^(?:\*|([0-9A-Za-z]+)(?:-([0-9A-Za-z]+))?)(?:/([0-9]+))?$")
#: (name, lowest, highest, names) of the five cron fields, as GitHub Actions reads them (POSIX cron)
_CRON_FIELDS = (
    ("minute", 0, 59, ()),
    ("hour", 0, 23, ()),
    ("day of month", 1, 31, ()),
    ("month", 1, 12, ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")),
    ("day of week", 0, 6, ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")),
)


def _cron_value(token: str, low: int, high: int, names: tuple[str, ...]) -> int | None:
    if token.upper() in names:
        return names.index(token.upper()) + low
    return int(token) if token.isdigit() and low <= int(token) <= high else None


def _cron_field_ok(text: str, low: int, high: int, names: tuple[str, ...]) -> bool:
    for item in text.split(","):
        m = _CRON_ITEM.match(item)
        if m is None or (m.group(3) is not None and not 1 <= int(m.group(3)) <= high - low + 1):
            return False
        ends = [_cron_value(g, low, high, names) for g in m.groups()[:2] if g is not None]
        if None in ends or (len(ends) == 2 and ends[0] > ends[1]):  # type: ignore[operator]
            return False
    return True


def parse_schedule(text: Any, where: str = "schema-sync option `monitor_schedule`") -> str:
    """A five-field cron line (GitHub Actions runs schedules in UTC, at most every 5 minutes), each field
    within its range (`61 * * * *` would be written into a workflow GitHub never runs)."""
    fields_ = str(text).split() if isinstance(text, str) else []
    if len(fields_) != 5:
        raise SchemaSyncError(f"{where}: {text!r} is not a cron line of five fields such as {DEFAULT_SCHEDULE!r}")
    for value, (name, low, high, names) in zip(fields_, _CRON_FIELDS, strict=True):
        if not _cron_field_ok(value, low, high, names):
            raise SchemaSyncError(
                f"{where}: {text!r} has {name} {value!r}, outside {low}-{high} (a cron line such as "
                f"{DEFAULT_SCHEDULE!r})"
            )
    return " ".join(fields_)


def _matches(table: Table, patterns: list[str]) -> bool:
    names = (table.key, table.name)
    return any(fnmatch.fnmatchcase(n, p) for p in patterns for n in names)


def select_tables(catalog: Catalog, settings: Settings) -> Catalog:
    """The catalog limited to `schemas` (globs) minus `exclude` (globs on `schema.table` or `table`).

    Triggers follow their tables; routines, types and sequences their schemas. Objects an
    extension installed are dropped unless `extension_objects` is `separate`.
    """

    def wanted(obj: Any) -> bool:
        if obj.extension is not None and settings.extension_objects == "hide":
            return False
        return not settings.schemas or any(fnmatch.fnmatchcase(obj.schema, p) for p in settings.schemas)

    tables = [t for t in catalog.tables if wanted(t) and not _matches(t, settings.exclude)]
    kept = {t.key for t in tables}
    selected = Catalog(
        dialect=catalog.dialect,
        tables=tables,
        routines=[r for r in catalog.routines if wanted(r)],
        triggers=[t for t in catalog.triggers if t.table_key in kept],
        types=[t for t in catalog.types if wanted(t)],
        sequences=[s for s in catalog.sequences if wanted(s)],
        database=catalog.database,
    )
    schemas = set(selected.schemas)
    selected.schema_comments = {s: c for s, c in catalog.schema_comments.items() if s in schemas}
    return selected.keeping_hashes(catalog)


def unmatched_schemas(catalog: Catalog, settings: Settings) -> list[str]:
    """The `schemas` patterns that match no schema of `catalog` (a typo documents nothing, silently)."""
    present = catalog.schemas
    return [p for p in settings.schemas if not any(fnmatch.fnmatchcase(s, p) for s in present)]
