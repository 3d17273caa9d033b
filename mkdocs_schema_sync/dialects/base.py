"""What a dialect provides: everything that differs between databases, behind one interface.

Nothing outside `dialects/` branches on a database's name. It asks the dialect
(`db.dialect`) instead: for its catalog reader and change signal, its SQL files
and batch splitter, the details of its connection strings, where its drift log
lives, how it logs DDL itself (or why it cannot), and how it stores contracts.
"""

from __future__ import annotations

import contextlib
import hashlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from ..errors import LockBusy
from ..untrusted import one_line
from .sqlfiles import read_sql
from .statements import Statement, code_words, split_postgres

if TYPE_CHECKING:
    from ..catalog import Catalog

#: the named session lock polling, install-triggers and uninstall-triggers take (deploys have their own)
CAPTURE_LOCK = "schema-sync capture"


class Connection(Protocol):
    """What a dialect needs of an open connection (`db.Database` is one)."""

    raw: Any
    param: str  # the placeholder the driver binds: "?" or "%s"

    @property
    def driver(self) -> str: ...  # "sqlite3", "pyodbc" or "psycopg"

    def query(self, sql: str, params: Any = ()) -> list[tuple[Any, ...]]: ...

    def execute_script(self, sql: str) -> None: ...

    def transaction(self) -> AbstractContextManager[None]: ...

    def commit(self) -> None: ...

    def rollback_quietly(self) -> None: ...


@dataclass
class Triggers:
    """How a database logs DDL by itself: the script that installs it and what to tell the user.

    `script` is None where it cannot (no DDL triggers, or not the rights to create
    them); `lines` then say why, and polling fills the log instead.
    """

    script: str | None
    lines: list[str]


@dataclass
class ProtectedColumn:
    """One row of `contract_columns` as the contract file gives it (a table alone: `column_name` None)."""

    contract_name: str
    owner: str | None
    severity: str
    schema_name: str | None  # None: the contract names the table without its schema
    table_name: str
    column_name: str | None
    expected_type: str | None
    expected_nullable: bool | None
    compatible_types: list[str] = field(default_factory=list)


@dataclass
class ContractRow:
    """A `ProtectedColumn` as the database stores it: schema resolved, types spelled its way."""

    contract_name: str
    owner: str | None
    severity: str
    schema_name: str
    table_name: str
    column_name: str | None
    expected_type: str | None
    expected_nullable: bool | None
    compatible_types: list[str] | None


#: the columns of `schema_sync.contract_columns`, in ContractRow's order
CONTRACT_COLUMNS = (
    "contract_name",
    "owner",
    "severity",
    "schema_name",
    "table_name",
    "column_name",
    "expected_type",
    "expected_nullable",
    "compatible_types",
)


def contract_rows(
    columns: list[ProtectedColumn], schema_of: Callable[[str], str], spell: Callable[[str], str]
) -> list[ContractRow]:
    """Resolve unqualified tables with `schema_of(table)` and write types with `spell(type)`."""
    return [
        ContractRow(
            c.contract_name,
            c.owner,
            c.severity,
            c.schema_name if c.schema_name is not None else schema_of(c.table_name),
            c.table_name,
            c.column_name,
            spell(c.expected_type) if c.expected_type else None,
            c.expected_nullable,
            [spell(x) for x in c.compatible_types] or None,
        )
        for c in columns
    ]


@dataclass
class ContractInstall:
    """What installing the contracts into the database did."""

    rows: int
    enforce: bool
    enforced_by: str
    dblink: bool = False

    def summary(self) -> str:
        mode = f"enforced by {self.enforced_by}" if self.enforce else "not enforced"
        note = "; refusals are logged to schema_sync.drift_log through dblink" if self.dblink else ""
        return f"contracts: {self.rows} rows in schema_sync.contract_columns, {mode}{note}"


class ContractStore(Protocol):
    """A database that keeps contracts in `schema_sync.contract_columns` (and may enforce them)."""

    def install(self, db: Connection, columns: list[ProtectedColumn], enforce: bool) -> ContractInstall: ...

    def script(self, columns: list[ProtectedColumn], enforce: bool) -> str: ...


class Dialect(ABC):
    """One kind of database. Reads the catalog with bulk queries (one per object kind)."""

    name: str  # the catalog's `dialect`: sqlite, postgresql, mysql, mssql
    label: str  # for people: "PostgreSQL"
    sql_dir: str  # folder of its SQL files (sql/<sql_dir>/)
    url_schemes: tuple[str, ...] = ()  # postgresql://, postgres:// …
    #: schemas that belong to the database system or to this project, never documented
    system_schemas: frozenset[str] = frozenset()
    default_port: int | None = None
    default_odbc_driver: str | None = None
    odbc_driver_words: tuple[str, ...] = ()  # an ODBC driver name holding one of these means this database
    dbms_words: tuple[str, ...] = ()  # likewise for what the driver reports as SQL_DBMS_NAME
    supports_psycopg = False
    #: what else to say when the server's TLS certificate is not trusted (after "install the CA that signed it")
    untrusted_certificate_hint: str | None = None
    #: Debian package of each ODBC driver, for the "driver missing" message
    odbc_packages: dict[str, str] = {}  # noqa: RUF012 - read only
    #: the drift log and the name/value state beside it (fixed identifiers, never user input)
    log_table = "schema_sync_drift_log"
    state_table = "schema_sync_state"
    #: why this database cannot log DDL itself (None: it can)
    no_triggers_reason: str | None = None
    #: the `version` this release's trigger install records in the install info; `health` and the status page
    #: name an older one (its triggers lack what later releases fixed). Polling's log tables record "1".
    install_version = "1"
    #: what each version's trigger install brought, for that line (version -> what)
    install_changes: dict[str, str] = {}  # noqa: RUF012 - read only
    #: where contracts go inside the database (None: only `validate` and builds check them)
    contracts: ContractStore | None = None
    #: the deploy history (sql/<dialect>/deploy_history.sql), a fixed identifier
    history_table = "schema_sync_deploy_history"
    #: DDL inside a transaction can be rolled back (False: MySQL/MariaDB commit each DDL statement)
    transactional_ddl = True
    #: how an explicit transaction starts where the driver does not start it (sqlite3)
    begin_sql = "BEGIN"
    #: the connected database user, for the deploy history (None: the operating-system user)
    current_user_sql: str | None = None

    # ------------------------------------------------------------------ catalog

    @abstractmethod
    def read_catalog(self, db: Connection, *, row_counts: bool = True) -> Catalog:
        """Every table and view outside `system_schemas`."""

    def read_tables(self, db: Connection, names: Collection[str], *, row_counts: bool = False) -> Catalog:
        """Only the tables and views whose name, compared case-insensitively, is one of `names` (in any
        schema), with their members and triggers (and row counts, if asked); no schema comments,
        routines, types or sequences.

        What a contract check or a change to a few tables needs, at a cost that grows with them, not
        with the catalog. This default reads everything and keeps the named ones; a dialect that can
        filter in its queries overrides it.
        """
        return only_tables(self.read_catalog(db, row_counts=row_counts), names)

    @abstractmethod
    def change_signal(self, db: Connection) -> str:
        """A cheap value (one query) that moves whenever the schema changes."""

    def quote_ident(self, name: str) -> str:
        return double_quoted(name)

    def quote_name(self, schema: str, name: str) -> str:
        return f"{self.quote_ident(schema)}.{self.quote_ident(name)}"

    # ------------------------------------------------------------------ SQL files and scripts

    def read_sql(self, name: str) -> str:
        return read_sql(self.sql_dir, name)

    def split_script(self, script: str) -> list[str]:
        """The parts a script is sent in: the whole script, unless it is only comments."""
        return [part for part in [script.strip()] if _has_code(part)]

    # ------------------------------------------------------------------ deploy (repository -> database)

    def split_migration(self, text: str) -> list[Statement]:
        """The statements of a migration file, sent one at a time (a linear scan: see statements.py)."""
        return split_postgres(text)

    #: the first words of a statement that starts, ends or splits a transaction (refused in a migration)
    transaction_words: tuple[tuple[str, ...], ...] = (
        ("begin",),
        ("start", "transaction"),
        ("commit",),
        ("end",),
        ("rollback",),
        ("abort",),
        ("savepoint",),
        ("release",),
        ("prepare", "transaction"),
    )

    def transaction_control(self, statement: str) -> str | None:
        """The words by which `statement` controls the transaction (None: it does not)."""
        words = tuple(code_words(statement, limit=4, backslash_escapes=False))
        for pattern in self.transaction_words:
            if words[: len(pattern)] == pattern:
                return " ".join(pattern).upper()
        return None

    def transaction_mark(self, db: Connection, *, start: bool) -> object | None:
        """Who the open transaction is: taken after `begin` (`start`) and again after each file; the two must
        be equal, or the file ended the deploy's transaction. None: the database cannot tell."""
        return None

    def set_deploy_timeout(self, db: Connection, seconds: float | None) -> None:  # noqa: B027 - SQLite: nothing
        """Bound each statement of a migration by `seconds` (None: no bound, a long index build may run its
        course); `set_query_timeout` puts the catalog bound back."""

    def deploy_session(self, db: Connection) -> None:  # noqa: B027 - most need nothing
        """Settings for a deploy's session (PostgreSQL: notice a client that died during a long statement)."""

    def lock_holder(self, db: Connection, name: str) -> str | None:
        """Which session holds the named lock and how to end it, for the "another deploy is running" line."""
        return None

    def tag_session(self, db: Connection, deploy_id: str | None) -> None:  # noqa: B027 - polling needs nothing
        """Tell the database's own DDL capture that this session deploys `deploy_id` (None: stop saying so)."""

    def untagged_capture(self, db: Connection) -> str | None:
        """Why installed DDL triggers would log a deploy's changes as drift (an older install), or None."""
        return None

    # ------------------------------------------------------------------ connection strings

    def odbc_server(self, host: str, port: int | None) -> dict[str, str]:
        """The ODBC keywords that say where the server is (`port` None: the URL gave none)."""
        return {"SERVER": host, "PORT": str(port or self.default_port)}

    def display_address(self, host: str, port: int | None) -> str:
        """Where the server is, for people: `host:port`."""
        return f"{host}:{port or self.default_port}"

    def odbc_defaults(self, keys: set[str], timeout: int) -> list[str]:
        """`KEY=value` pairs the driver needs unless the user set them (`keys`: upper-cased keys given)."""
        return []

    def locate_odbc_driver(self, odbc: str, registered: list[str]) -> str:
        """The ODBC string to connect with when the URL named no driver (`registered`: the driver manager's list)."""
        return odbc

    # ------------------------------------------------------------------ bounds and locks

    @contextlib.contextmanager
    def exclusive(self, db: Connection, timeout: float) -> Iterator[None]:
        """Hold this database's capture lock (a named session lock, see `try_lock`) for the block, or raise
        LockBusy when another session kept it for `timeout` seconds.

        Polling, installing and uninstalling take it, so two processes never do them at once (no doubled
        drift rows, no duplicate-key or deadlock errors from racing installs). It dies with the session,
        so with the process: nothing to clean up by hand.
        """
        # a little less than the statement bound: a wait inside the server (GET_LOCK, sp_getapplock)
        # then ends as "busy", not as a query timeout
        if not self.try_lock(db, CAPTURE_LOCK, max(0.5, timeout * 0.8)):
            raise LockBusy(
                f"another process held the schema-sync lock of this {self.label} database for {timeout:g} s "
                "(a monitor, a build or an install at work); try again"
            )
        try:
            yield
        finally:
            db.rollback_quietly()
            with contextlib.suppress(Exception):  # a broken connection took the lock with it
                self.unlock(db, CAPTURE_LOCK)

    def set_query_timeout(self, db: Connection, seconds: float) -> None:  # noqa: B027 - SQLite: nothing to set
        """Make the server end any statement, or lock wait, that takes longer than `seconds`.

        Run once per connection, right after it is opened. A paused server cannot end anything:
        `db/watchdog.py` is the client-side bound behind this one.
        """

    # ------------------------------------------------------------------ drift log

    def select_newest_log(self, columns: str, limit: int) -> str:
        return f"SELECT {columns} FROM {self.log_table} ORDER BY id DESC LIMIT {int(limit)}"

    def prepare_text_io(self, db: Connection) -> None:  # noqa: B027 - most databases need nothing
        """Called before reading or writing long text (the drift log, the poll state)."""

    def triggers(self, db: Connection) -> Triggers:
        """How `install-triggers` installs capture on this database (or why it polls instead)."""
        return Triggers(None, [f"{self.no_triggers_reason}: using fingerprint polling"])

    def install_script(self, *, triggers: bool = True) -> str:
        """The SQL `install-triggers` runs, for `--print`."""
        return self.read_sql("log_tables.sql")

    def uninstall_script(self, *, keep_log: bool) -> str:
        return self.read_sql("uninstall.sql" if keep_log else "uninstall_all.sql")

    def triggers_installed(self, state: dict[str, str | None]) -> bool:
        """Whether triggers fill the log (then polling stands aside)."""
        return state.get("mode") == "triggers"

    def capture_problems(self, db: Connection, state: dict[str, str | None]) -> list[str]:
        """What `health` must report beyond the install info (e.g. a disabled trigger)."""
        return []

    def outdated_install(self, state: dict[str, str | None]) -> str | None:
        """What to say when the installed triggers recorded a version older than this release's (or one it
        never wrote), else None. Polling's log tables and a missing version are not this question."""
        recorded = state.get("version")
        if recorded is None or not self.triggers_installed(state):
            return None
        current = int(self.install_version)
        try:
            was = int(recorded)
        except ValueError:
            was = 0  # not a version any release wrote
        if was >= current:
            return None
        brought = [what for v, what in sorted(self.install_changes.items(), key=lambda i: int(i[0])) if int(v) > was]
        return (
            f"the installed triggers are version {one_line(recorded[:20])}, older than this release's "
            f"{current}{' (' + '; '.join(brought) + ')' if brought else ''}: "
            "run `mkdocs-schema-sync install-triggers` again to upgrade them in place"
        )

    # ------------------------------------------------------------------ session locks

    @abstractmethod
    def try_lock(self, db: Connection, name: str, wait: float) -> bool:
        """Take the named exclusive lock for this session, waiting at most `wait` seconds.

        The lock belongs to the database session (not a transaction) and dies with it:
        a killed process leaves no stale lock behind. Returns False when another
        session holds it after `wait`.
        """

    @abstractmethod
    def unlock(self, db: Connection, name: str) -> None:
        """Give the named lock back (closing the connection does too)."""

    def end_session(self, db: Connection) -> None:  # noqa: B027 - server locks end with the connection
        """Called when the connection closes: give back what the session holds outside the database."""


def only_tables(catalog: Catalog, names: Collection[str]) -> Catalog:
    """The tables of `catalog` named (case-insensitively) in `names`, with their triggers: `read_tables`' shape."""
    from ..catalog import Catalog

    wanted = {n.lower() for n in names}
    tables = [t for t in catalog.tables if t.name.lower() in wanted]
    keys = {t.key for t in tables}
    triggers = [t for t in catalog.triggers if t.table_key in keys]
    return Catalog(dialect=catalog.dialect, tables=tables, triggers=triggers, schema_comments={})


def lock_key(name: str) -> int:
    """A signed 64-bit number for a lock name (PostgreSQL advisory locks take numbers)."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big", signed=True)


def double_quoted(name: str) -> str:
    """An SQL-standard quoted identifier: `"name"`, with `"` doubled."""
    return '"' + name.replace('"', '""') + '"'


def _has_code(part: str) -> bool:
    return any(line.strip() and not line.strip().startswith("--") for line in part.splitlines())


def split_on_line_ends(script: str, delimiter: str = ";") -> Iterator[str]:
    """Statements that end with `delimiter` at the end of a line (the shipped MySQL scripts are written so)."""
    current: list[str] = []
    for line in script.splitlines(keepends=True):
        current.append(line)
        if line.rstrip().endswith(delimiter):
            part = "".join(current).strip()
            current = []
            if _has_code(part):
                yield part[: -len(delimiter)].rstrip()
    rest = "".join(current).strip()
    if _has_code(rest):
        yield rest
