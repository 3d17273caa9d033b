"""PostgreSQL through pyodbc (psqlODBC) or psycopg 3: event triggers log DDL when a superuser installs them."""

from __future__ import annotations

import time
from collections.abc import Collection
from typing import TYPE_CHECKING

from ..base import Connection, Dialect, Triggers, lock_key
from . import catalog
from .contracts import SUPERUSER_SQL, PostgresContracts

if TYPE_CHECKING:
    from ...catalog import Catalog


def is_superuser(db: Connection) -> bool:
    rows = db.query(SUPERUSER_SQL)
    return bool(rows and rows[0][0] in (True, 1, "1", "t"))


class PostgresDialect(Dialect):
    name = "postgresql"
    label = "PostgreSQL"
    sql_dir = "postgres"
    url_schemes = ("postgresql", "postgres")
    system_schemas = frozenset({"pg_catalog", "information_schema", "pg_toast", catalog.OWN_SCHEMA})
    default_port = 5432
    default_odbc_driver = "PostgreSQL Unicode"
    odbc_driver_words = ("postgres",)
    dbms_words = ("postgres",)
    odbc_packages = {"PostgreSQL Unicode": "odbc-postgresql", "PostgreSQL ANSI": "odbc-postgresql"}  # noqa: RUF012
    supports_psycopg = True
    log_table = "schema_sync.drift_log"
    state_table = "schema_sync.install_info"
    contracts = PostgresContracts()
    history_table = "schema_sync.deploy_history"
    current_user_sql = "SELECT current_user"

    def read_catalog(self, db: Connection, *, row_counts: bool = True) -> Catalog:
        return catalog.read_catalog(db, row_counts=row_counts)

    def read_tables(self, db: Connection, names: Collection[str], *, row_counts: bool = False) -> Catalog:
        return catalog.read_catalog(db, row_counts=row_counts, names=names)

    def change_signal(self, db: Connection) -> str:
        return catalog.change_signal(db)

    def odbc_defaults(self, keys: set[str], timeout: int) -> list[str]:
        """psqlODBC returns booleans as '1'/'0' unless BoolsAsChar=0, and takes libpq's connect_timeout via pqopt."""
        extra = []
        if "BOOLSASCHAR" not in keys:
            extra.append("BoolsAsChar=0")
        if "PQOPT" not in keys:
            extra.append(f"pqopt={{connect_timeout={timeout}}}")
        return extra

    def set_query_timeout(self, db: Connection, seconds: float) -> None:
        """statement_timeout ends a slow statement, lock_timeout a wait for a lock (e.g. pg_get_viewdef on a
        view another session holds ACCESS EXCLUSIVE on)."""
        ms = str(max(1, round(seconds * 1000)))
        cur = db.raw.cursor()
        try:
            cur.execute(
                f"SELECT set_config('statement_timeout', '{ms}', false), set_config('lock_timeout', '{ms}', false)"
            )
            cur.fetchall()
        finally:
            cur.close()

    def transaction_mark(self, db: Connection, *, start: bool) -> object | None:
        """The transaction's id: assigned at the start (txid_current), the same one after every file."""
        rows = db.query("SELECT txid_current()" if start else "SELECT txid_current_if_assigned()")
        return str(rows[0][0]) if rows and rows[0][0] is not None else None

    def set_deploy_timeout(self, db: Connection, seconds: float | None) -> None:
        """statement_timeout and lock_timeout for a migration's statements (0: none)."""
        ms = "0" if seconds is None else str(max(1, round(seconds * 1000)))
        db.query(f"SELECT set_config('statement_timeout', '{ms}', false), set_config('lock_timeout', '{ms}', false)")

    def deploy_session(self, db: Connection) -> None:
        """PostgreSQL 14+: check every 2 s that the client is still there, so a killed deploy's long statement
        (and its deploy lock) ends soon after the deploy, not when the statement would have finished."""
        rows = db.query("SELECT count(*) FROM pg_settings WHERE name = 'client_connection_check_interval'")
        if rows and int(rows[0][0]) > 0:
            db.query("SELECT set_config('client_connection_check_interval', '2000', false)")

    def lock_holder(self, db: Connection, name: str) -> str | None:
        key = lock_key(name)
        rows = db.query(
            "SELECT a.pid, a.usename, a.application_name, a.client_addr, a.state, "
            "to_char(a.query_start, 'YYYY-MM-DD HH24:MI:SS') FROM pg_locks l "
            "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
            f"AND l.classid = (({key} >> 32) & 4294967295)::oid AND l.objid = ({key} & 4294967295)::oid "
            "AND l.objsubid = 1"
        )
        if not rows:
            return None
        pid, user, app, addr, state, started = rows[0]
        return (
            f"backend pid {pid} (user {user}, {app or 'no application name'}, from {addr or 'a local socket'}, "
            f"{state} since {started}); if that deploy was killed and its statement runs on, end it with "
            f"SELECT pg_cancel_backend({pid}) (or pg_terminate_backend)"
        )

    def triggers(self, db: Connection) -> Triggers:
        if is_superuser(db):
            return Triggers(
                self.install_script(),
                [
                    "installed event triggers schema_sync_ddl_command_end and schema_sync_sql_drop "
                    f"and the log schema_sync.drift_log (version {self.install_version})",
                    "a failed log write lets the DDL through with a WARNING and sets "
                    "schema_sync.install_info.last_error (see `mkdocs-schema-sync health`)",
                ],
            )
        return Triggers(
            None,
            [
                "PostgreSQL event triggers need a superuser and the connecting role is not one: "
                "falling back to fingerprint polling (run `install-triggers --print` and give the SQL to a DBA "
                "for triggers that record who changed what)"
            ],
        )

    def install_script(self, *, triggers: bool = True) -> str:
        text = self.read_sql("log_tables.sql")
        if triggers:
            text += "\n" + self.read_sql("triggers.sql")
        return text

    def capture_problems(self, db: Connection, state: dict[str, str | None]) -> list[str]:
        if state.get("mode") != "triggers":
            return []
        rows = db.query(
            "SELECT count(*) FROM pg_event_trigger WHERE left(evtname, 12) = 'schema_sync_' AND evtenabled <> 'D'"
        )
        if not rows or int(rows[0][0]) != 2:
            return ["event triggers missing or disabled: run `mkdocs-schema-sync install-triggers` again"]
        return []

    def tag_session(self, db: Connection, deploy_id: str | None) -> None:
        """A session setting the event triggers read (sql/postgres/triggers.sql): source 'deploy', status_ref the id."""
        db.query(f"SELECT set_config('schema_sync.deploy_id', {db.param}, false)", (deploy_id or "",))

    def untagged_capture(self, db: Connection) -> str | None:
        rows = db.query(
            "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = 'schema_sync' AND p.proname IN ('on_ddl_command_end', 'on_sql_drop') "
            "AND position('schema_sync.deploy_id' in p.prosrc) = 0"
        )
        if rows and int(rows[0][0]) > 0:
            return (
                "the event triggers were installed before deploys were tagged: this deploy's changes are logged "
                "as pending drift; run `mkdocs-schema-sync install-triggers` again to upgrade them in place"
            )
        return None

    def try_lock(self, db: Connection, name: str, wait: float) -> bool:
        """A session-level advisory lock, polled with pg_try_advisory_lock so the wait stays bounded."""
        key = lock_key(name)  # a number: no parameter, the same SQL on both drivers
        deadline = time.monotonic() + max(0.0, wait)
        while True:
            rows = db.query(f"SELECT pg_try_advisory_lock({key})")
            if rows and rows[0][0] in (True, 1, "1", "t"):
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))

    def unlock(self, db: Connection, name: str) -> None:
        db.query(f"SELECT pg_advisory_unlock({lock_key(name)})")


DIALECT = PostgresDialect()
