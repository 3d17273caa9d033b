"""Shared fixtures: real SQLite files, throw-away databases on the real servers, real site builds.

Under CI (CI=true) a test that needs PostgreSQL or MariaDB fails when the
server is missing; locally it skips with the reason.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "example-site"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

PG_HOST = os.environ.get("SCHEMA_SYNC_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("SCHEMA_SYNC_TEST_PG_PORT", "5432"))
PG_SUPERUSER = os.environ.get("SCHEMA_SYNC_TEST_PG_USER", "postgres")
MARIADB_HOST = os.environ.get("SCHEMA_SYNC_TEST_MARIADB_HOST", "127.0.0.1")
MARIADB_PORT = int(os.environ.get("SCHEMA_SYNC_TEST_MARIADB_PORT", "3306"))
MARIADB_USER = os.environ.get("SCHEMA_SYNC_TEST_MARIADB_USER", "root")

# Every secret the tests hand to the code. After each test its captured output and logs, and
# after the session every page, report and state file the tests produced, are searched for
# them: a secret that leaks anywhere fails the suite.
TEST_PASSWORD = "Sekr3t-Test-Pw!"
WEBHOOK_SECRET = "T000/B000/XXXXsecretXXXX"
DDL_PASSWORD = "secret-hunter2"
GITHUB_TOKEN = "ghp_TestTokenForTheStandIn0123456789abcd"  # tests/github_stand_in.py accepts only this one
TEST_SECRETS = (TEST_PASSWORD, WEBHOOK_SECRET, DDL_PASSWORD, GITHUB_TOKEN)
_OUTPUT_SUFFIXES = {".html", ".md", ".json", ".xml", ".txt", ".log", ".js"}


def pytest_configure(config: pytest.Config) -> None:
    """Tests stop `monitor` loops with SIGINT (Ctrl-C). A shell starting the suite in the background
    (`make test &`, nohup) makes every child ignore SIGINT, so they would hang until killed: give the
    suite a handler, which its children get back as the default."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(autouse=True)
def _mkdocs_logger_restored() -> Iterator[None]:
    """The command sets the `mkdocs` logger to WARNING without propagation when a test runs it in-process;
    put it back, so a later test's `caplog` still sees INFO lines (the suite's order must not matter)."""
    logger = logging.getLogger("mkdocs")
    handlers, level, propagate = logger.handlers[:], logger.level, logger.propagate
    yield
    logger.handlers[:] = handlers
    logger.setLevel(level)
    logger.propagate = propagate


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    captured = "\n".join(content for _, content in report.sections)
    leaked = [s for s in TEST_SECRETS if s in captured]
    if leaked and report.passed and report.when == "call":
        report.outcome = "failed"
        report.longrepr = f"a test secret leaked into captured output or logs: {leaked}"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Search every output file the tests wrote (sites, generated pages, reports, state) for the secrets."""
    factory = getattr(session.config, "_tmp_path_factory", None)
    if factory is None:
        return
    try:
        base = factory.getbasetemp()
    except (OSError, ValueError):
        return
    leaks = []
    for path in base.rglob("*"):
        if path.suffix not in _OUTPUT_SUFFIXES or not path.is_file() or path.name == "mkdocs.yml":
            continue
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        leaks += [f"{path}: {s}" for s in TEST_SECRETS if s in text]
    if leaks:
        print("\nTEST SECRETS LEAKED INTO OUTPUT FILES:\n" + "\n".join(leaks[:20]))
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def server_missing(what: str, why: object) -> None:
    """Fail under CI, skip locally."""
    message = (
        f"{what} is not reachable ({why}); start it (`.ci/run` does) or point the tests at another one "
        "with SCHEMA_SYNC_TEST_PG_* / SCHEMA_SYNC_TEST_MARIADB_* (both in README: Two commands)"
    )
    if IN_CI:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def js_missing() -> None:
    """Node.js or tests/js/node_modules is missing: fail under CI (make test installs them), skip locally."""
    message = "Node.js or tests/js/node_modules missing (make test installs them with npm ci)"
    if IN_CI:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


# --------------------------------------------------------------------------- SQLite


def make_sqlite(path: Path, sql: str) -> Path:
    conn = sqlite3.connect(path)
    conn.executescript(sql)
    conn.commit()
    conn.close()
    return path


@pytest.fixture
def scout_db(tmp_path: Path) -> Path:
    """The example site's Scout database, freshly loaded from example-site/scout.sql."""
    return make_sqlite(tmp_path / "scout.db", (EXAMPLE / "scout.sql").read_text())


# --------------------------------------------------------------------------- PostgreSQL


@dataclass
class ServerDB:
    """A throw-away database on a real server."""

    name: str
    host: str
    port: int
    user: str
    password: str = ""

    def url(self, scheme: str, user: str | None = None, password: str | None = None) -> str:
        user = user or self.user
        password = self.password if password is None else password
        auth = f"{user}:{password}@" if password else f"{user}@"
        return f"{scheme}://{auth}{self.host}:{self.port}/{self.name}"


def _pg_admin(dbname: str = "postgres"):  # type: ignore[no-untyped-def]
    import psycopg

    return psycopg.connect(
        host=PG_HOST, port=PG_PORT, user=PG_SUPERUSER, dbname=dbname, autocommit=True, connect_timeout=5
    )


@pytest.fixture(scope="session")
def pg_server() -> None:
    try:
        import psycopg  # noqa: F401
    except ImportError as exc:
        server_missing("PostgreSQL (psycopg not installed)", exc)
    try:
        _pg_admin().close()
    except Exception as exc:
        server_missing(f"PostgreSQL at {PG_HOST}:{PG_PORT}", exc)


@pytest.fixture
def pg_db(pg_server: None) -> Iterator[ServerDB]:
    """A new empty PostgreSQL database, dropped afterwards."""
    name = f"sstest_{uuid.uuid4().hex[:10]}"
    with _pg_admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield ServerDB(name=name, host=PG_HOST, port=PG_PORT, user=PG_SUPERUSER)
    finally:
        with _pg_admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_execute(db: ServerDB, sql: str, user: str | None = None) -> None:
    import psycopg

    with psycopg.connect(host=db.host, port=db.port, user=user or db.user, dbname=db.name, autocommit=True) as conn:
        conn.execute(sql)


# --------------------------------------------------------------------------- a private PostgreSQL


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PrivatePostgres:
    """A PostgreSQL instance of our own (initdb into a temporary folder, its own port) that tests may
    stop, restart and pause: the shared server is never touched. TCP needs a password (scram-sha-256,
    TEST_PASSWORD); the Unix socket in the folder is trusted, for the tests' own administration.
    As root the server runs as the `postgres` system user (initdb refuses root)."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.folder = Path(tempfile.mkdtemp(prefix="schema-sync-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.host = "127.0.0.1"
        self.user = "postgres"
        self.password = TEST_PASSWORD
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            shutil.chown(self.folder, "postgres")
        pwfile = self.folder / "pw"
        pwfile.write_text(TEST_PASSWORD + "\n")
        if self._as_postgres:
            shutil.chown(pwfile, "postgres")
        self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "--pwfile", str(pwfile),
            "--auth-host=scram-sha-256", "--auth-local=trust", "-E", "UTF8", "--locale=C", "--no-sync",
        )  # fmt: skip
        pwfile.unlink()

    def _run(self, program: str, *args: str, timeout: float = 120) -> None:
        cmd = [str(self.bindir / program), *args]
        if self._as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=timeout)

    def start(self) -> None:
        opts = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", opts, "-l", str(self.folder / "log"), "-w", "start")

    def stop(self) -> None:
        self.cont()
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def postmaster_pid(self) -> int:
        return int((self.data / "postmaster.pid").read_text().splitlines()[0])

    def pause(self) -> None:
        """SIGSTOP the postmaster: new connections hang (the kernel still accepts them)."""
        os.kill(self.postmaster_pid(), signal.SIGSTOP)

    def cont(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            os.kill(self.postmaster_pid(), signal.SIGCONT)

    def admin(self, sql: str, dbname: str = "postgres") -> list[tuple[object, ...]]:
        """Run SQL over the trusted Unix socket; returns the rows of the last statement."""
        import psycopg

        with psycopg.connect(
            host=str(self.folder), port=self.port, user="postgres", dbname=dbname, autocommit=True
        ) as c:
            cur = c.execute(sql)
            return [tuple(r) for r in cur.fetchall()] if cur.description else []

    def url(self, scheme: str = "postgresql+psycopg", dbname: str = "postgres", password: str | None = None) -> str:
        pw = (self.password if password is None else password).replace("!", "%21")
        return f"{scheme}://postgres:{pw}@{self.host}:{self.port}/{dbname}"

    def close(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def _postgres_bindir() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return found[-1].parent if found else (Path(p).parent if (p := shutil.which("initdb")) else None)


@pytest.fixture
def private_pg() -> Iterator[PrivatePostgres]:
    """A started private PostgreSQL (see PrivatePostgres), removed afterwards."""
    bindir = _postgres_bindir()
    if bindir is None:
        server_missing("PostgreSQL server binaries (initdb, pg_ctl)", "not installed")
    assert bindir is not None
    try:
        server = PrivatePostgres(bindir)
    except (subprocess.SubprocessError, OSError) as exc:
        server_missing("a private PostgreSQL instance (initdb)", exc)
    try:
        server.start()
        yield server
    finally:
        server.close()


# --------------------------------------------------------------------------- MariaDB


def _mariadb_admin(database: str | None = None):  # type: ignore[no-untyped-def]
    import pyodbc

    parts = [
        "DRIVER={MariaDB Unicode}",
        f"SERVER={MARIADB_HOST}",
        f"PORT={MARIADB_PORT}",
        f"UID={MARIADB_USER}",
        "PWD=",
        "TIMEOUT=5",
    ]
    if database:
        parts.append(f"DATABASE={database}")
    return pyodbc.connect(";".join(parts), autocommit=True)


@pytest.fixture(scope="session")
def mariadb_server() -> None:
    try:
        _mariadb_admin().close()
    except Exception as exc:
        server_missing(f"MariaDB at {MARIADB_HOST}:{MARIADB_PORT} (through ODBC driver 'MariaDB Unicode')", exc)


@pytest.fixture
def mariadb_db(mariadb_server: None) -> Iterator[ServerDB]:
    """A new empty MariaDB database, dropped afterwards."""
    name = f"sstest_{uuid.uuid4().hex[:10]}"
    conn = _mariadb_admin()
    conn.execute(f"CREATE DATABASE `{name}`")
    conn.close()
    try:
        yield ServerDB(name=name, host=MARIADB_HOST, port=MARIADB_PORT, user=MARIADB_USER)
    finally:
        conn = _mariadb_admin()
        conn.execute(f"DROP DATABASE IF EXISTS `{name}`")
        conn.close()


def mariadb_execute(db: ServerDB, sql: str) -> None:
    """Run a script of `;`-separated statements (no `;` inside literals)."""
    conn = _mariadb_admin(db.name)
    for statement in (s.strip() for s in sql.split(";\n")):
        if statement and not all(line.strip().startswith("--") for line in statement.splitlines()):
            conn.execute(statement)
    conn.close()


# --------------------------------------------------------------------------- MkDocs sites


@dataclass
class Site:
    root: Path

    @property
    def site_dir(self) -> Path:
        return self.root / "site"

    @property
    def docs_dir(self) -> Path:
        return self.root / "docs"

    def html(self, rel: str) -> str:
        return (self.site_dir / rel).read_text(encoding="utf-8")


def write_site(
    root: Path,
    plugin_options: str,
    *,
    extra_yaml: str = "",
    theme: str = "mkdocs",
    pages: dict[str, str] | None = None,
) -> Site:
    """A minimal MkDocs project in `root` whose schema-sync options are `plugin_options` (YAML, indented by us)."""
    root.mkdir(parents=True, exist_ok=True)
    docs = root / "docs"
    docs.mkdir(exist_ok=True)
    for rel, text in (pages or {"index.md": "# Home\n\nSee the [schema](schema/index.md).\n"}).items():
        (docs / rel).parent.mkdir(parents=True, exist_ok=True)
        (docs / rel).write_text(text, encoding="utf-8")
    options = textwrap.indent(textwrap.dedent(plugin_options).strip(), " " * 6)
    (root / "mkdocs.yml").write_text(
        f"site_name: Test\ntheme:\n  name: {theme}\n{extra_yaml}\nplugins:\n  - schema-sync:\n{options}\n",
        encoding="utf-8",
    )
    return Site(root)


def tool(name: str) -> str:
    """An executable installed beside this Python (mkdocs, properdocs, mkdocs-schema-sync)."""
    path = Path(sys.executable).parent / name
    return str(path) if path.exists() else (shutil.which(name) or name)


def run(
    cmd: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(cmd, cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout)


def mkdocs_build(
    site: Site, *, strict: bool = True, program: str = "mkdocs", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    cmd = [tool(program), "build", "--site-dir", str(site.site_dir)]
    if strict:
        cmd.append("--strict")
    return run(cmd, site.root, env=env)


def cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "-m", "mkdocs_schema_sync", *args], cwd, env=env)


def visible_text(page_html: str) -> str:
    """What a reader sees of a built page's HTML: tags dropped, entities decoded (code is highlighted in spans)."""
    import html as _html
    import re as _re

    return _html.unescape(_re.sub(r"<[^>]+>", "", page_html))


def unhighlighted(page_html: str) -> str:
    """A built page's HTML with the highlighting spans of code blocks removed and entities decoded."""
    import html as _html
    import re as _re

    return _html.unescape(_re.sub(r"</?span[^>]*>", "", page_html))


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """One headless Chromium for the whole session (tests/browser.py; fails under CI when missing)."""
    from browser import chromium

    with chromium() as b:
        yield b


@pytest.fixture(scope="session")
def browser_profile(browser: object) -> Iterator[object]:
    """The context `browser.open_site` opens sites in: a second Chromium with a profile on disk, whose cache
    keeps compiled scripts (tests/browser.py: profile)."""
    from browser import profile

    with profile(browser) as context:
        yield context
