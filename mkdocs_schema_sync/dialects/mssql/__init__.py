"""SQL Server and Azure SQL Database through pyodbc: a database DDL trigger logs every change.

No SQL Server engine runs where this was written: the T-SQL is checked without
a server (see the README's SQL Server section).
"""

from __future__ import annotations

import contextlib
import math
import re
from typing import TYPE_CHECKING

from ..base import Connection, Dialect, Triggers
from ..statements import Statement, code_words
from . import catalog, driver
from .batches import split_batches
from .contracts import MSSQLContracts

if TYPE_CHECKING:
    from ...catalog import Catalog

#: strings, comments and quoted or [bracketed] names: what is not T-SQL's own words
_NAMES_AND_TEXT = re.compile(
    r"'[^']*(?:''[^']*)*(?:'|\Z)|--[^\n]*|/\*.*?(?:\*/|\Z)|\[[^\]]*(?:\]\][^\]]*)*(?:\]|\Z)|\"[^\"]*(?:\"\"[^\"]*)*(?:\"|\Z)",
    re.DOTALL,
)
#: version written to schema_sync.install_info by sql/mssql/install.sql
INSTALL_VERSION = catalog.INSTALL_VERSION


class MSSQLDialect(Dialect):
    """SQL Server 2016 SP1+ and Azure SQL Database (CREATE OR ALTER in the install scripts)."""

    name = catalog.NAME
    label = "SQL Server"
    sql_dir = "mssql"
    url_schemes = ("mssql", "sqlserver", "azuresql")
    system_schemas = catalog.SYSTEM_SCHEMAS
    default_port = 1433
    install_version = INSTALL_VERSION
    install_changes = {  # noqa: RUF012 - read only
        "2": "version 2 masks positional secret arguments in logged statements: sp_addlogin, sp_password, "
        "sp_addlinkedsrvlogin, sp_setapprole, OPENROWSET's password, …; version 1 logged them as written",
    }
    default_odbc_driver = "ODBC Driver 18 for SQL Server"
    odbc_driver_words = ("sql server", "freetds", "tds")
    dbms_words = ("sql server", "microsoft")
    odbc_packages = {  # noqa: RUF012
        "FreeTDS": "tdsodbc",
        "ODBC Driver 18 for SQL Server": "msodbcsql18 (Microsoft's repository)",
        "ODBC Driver 17 for SQL Server": "msodbcsql17 (Microsoft's repository)",
    }
    # ODBC Driver 18 encrypts and checks the certificate by default (right for Azure SQL); an on-premises
    # server often still has the self-signed certificate SQL Server made for itself.
    untrusted_certificate_hint = (
        "or, only on a network you trust, add ?TrustServerCertificate=yes to the URL "
        "(TrustServerCertificate=yes in an ODBC string): the connection stays encrypted but any certificate is "
        "accepted, so a man-in-the-middle could read the password and the data"
    )
    log_table = "schema_sync.drift_log"
    state_table = "schema_sync.install_info"
    contracts = MSSQLContracts()
    history_table = "schema_sync.deploy_history"
    current_user_sql = "SELECT SUSER_SNAME()"

    def read_catalog(self, db: Connection, *, row_counts: bool = True) -> Catalog:
        return catalog.read_catalog(db, row_counts=row_counts)

    def change_signal(self, db: Connection) -> str:
        return catalog.change_signal(db)

    def quote_ident(self, name: str) -> str:
        """`[name]`, with `]` doubled."""
        return "[" + name.replace("]", "]]") + "]"

    def split_script(self, script: str) -> list[str]:
        return split_batches(script)

    def split_migration(self, text: str) -> list[Statement]:
        """T-SQL migrations are sent in `GO` batches, as sqlcmd and SSMS send them."""
        return split_batches(text)

    def tag_session(self, db: Connection, deploy_id: str | None) -> None:
        """SESSION_CONTEXT, read by the DDL trigger (sql/mssql/install.sql): source 'deploy', status_ref the id."""
        db.query(
            f"SET NOCOUNT ON; EXEC sp_set_session_context @key = N'schema_sync.deploy_id', @value = {db.param}",
            (deploy_id,),
        )

    def untagged_capture(self, db: Connection) -> str | None:
        rows = db.query(
            "SELECT COUNT(*) FROM sys.triggers AS t JOIN sys.sql_modules AS m ON m.object_id = t.object_id "
            "WHERE t.parent_class = 0 AND t.name = N'schema_sync_ddl' "
            "AND m.definition NOT LIKE N'%schema[_]sync.deploy[_]id%'"
        )
        if rows and int(rows[0][0]) > 0:
            return (
                "the DDL trigger was installed before deploys were tagged: this deploy's changes are logged "
                "as pending drift; run `mkdocs-schema-sync install-triggers` again to upgrade it in place"
            )
        return None

    def transaction_control(self, statement: str) -> str | None:
        """A batch is many statements: any COMMIT, ROLLBACK, BEGIN/SAVE TRAN or SET IMPLICIT_TRANSACTIONS in
        its code, unless the batch defines a procedure, trigger or function (their bodies run later)."""
        words = code_words(_NAMES_AND_TEXT.sub(" ", statement), backslash_escapes=False)
        head = [w for w in words[:4] if w not in ("or", "alter")] if words[:1] == ["create"] else words[:2]
        if words[:1] in (["create"], ["alter"]) and head[1:2] in (["procedure"], ["proc"], ["trigger"], ["function"]):
            return None
        for i, w in enumerate(words):
            pair = (w, words[i + 1] if i + 1 < len(words) else "")
            if w in ("commit", "rollback"):
                return w.upper()
            if pair[0] in ("begin", "save") and pair[1] in ("tran", "transaction", "distributed"):
                return " ".join(pair).upper()
            if pair == ("set", "implicit_transactions"):
                return "SET IMPLICIT_TRANSACTIONS"
        return None

    def set_deploy_timeout(self, db: Connection, seconds: float | None) -> None:
        """LOCK_TIMEOUT (-1: wait) and the ODBC query timeout (0: none) for a migration's batches."""
        db.query(f"SET LOCK_TIMEOUT {-1 if seconds is None else max(1, round(seconds * 1000))}")
        with contextlib.suppress(Exception):
            db.raw.timeout = 0 if seconds is None else max(1, math.ceil(seconds))

    def odbc_server(self, host: str, port: int | None) -> dict[str, str]:
        """SQL Server takes the port after a comma in SERVER.

        A named instance (`host\\INSTANCE`) without a port is left to SQL Server Browser,
        which tells the client the instance's (often dynamic) port; a port given
        in the URL still wins, as it does for Microsoft's drivers.
        """
        if port is None and _is_named_instance(host):
            return {"SERVER": host}
        return {"SERVER": f"{host},{port or self.default_port}"}

    def locate_odbc_driver(self, odbc: str, registered: list[str]) -> str:
        """A registered Microsoft driver, else the library the `mssql` extra ships (see driver.py)."""
        chosen = driver.choose_driver(registered, driver.bundled_driver())
        rest = odbc.split(";", 1)[1] if odbc.upper().startswith("DRIVER=") else odbc
        return "DRIVER={" + chosen + "};" + rest

    def display_address(self, host: str, port: int | None) -> str:
        if port is None and _is_named_instance(host):
            return host
        return super().display_address(host, port)

    def set_query_timeout(self, db: Connection, seconds: float) -> None:
        """LOCK_TIMEOUT for lock waits, and the ODBC query timeout (the driver cancels a statement itself)."""
        cur = db.raw.cursor()
        try:
            cur.execute(f"SET LOCK_TIMEOUT {max(1, round(seconds * 1000))}")
        finally:
            cur.close()
        with contextlib.suppress(Exception):  # a driver without SQL_ATTR_QUERY_TIMEOUT: the watchdog bounds it
            db.raw.timeout = max(1, math.ceil(seconds))

    def select_newest_log(self, columns: str, limit: int) -> str:
        return f"SELECT TOP ({int(limit)}) {columns} FROM {self.log_table} ORDER BY id DESC"

    def triggers(self, db: Connection) -> Triggers:
        return Triggers(self.install_script(), ["installed the DDL trigger schema_sync_ddl and schema_sync.drift_log"])

    def install_script(self, *, triggers: bool = True) -> str:
        return self.read_sql("install.sql")

    def triggers_installed(self, state: dict[str, str | None]) -> bool:
        """install.sql writes mode 'triggers' (installs before that wrote only a version); polling writes 'poll'."""
        mode = state.get("mode")
        return mode == "triggers" or (mode is None and state.get("version") is not None)

    def capture_problems(self, db: Connection, state: dict[str, str | None]) -> list[str]:
        """The trigger disabled (DISABLE TRIGGER … ON DATABASE logs nothing and polling stands aside), missing,
        or created with QUOTED_IDENTIFIER / ANSI_NULLS OFF (its XML methods then fail on every DDL: Msg 1934)."""
        if not self.triggers_installed(state):
            return []
        rows = db.query(
            "SELECT t.is_disabled, m.uses_quoted_identifier, m.uses_ansi_nulls FROM sys.triggers AS t "
            "JOIN sys.sql_modules AS m ON m.object_id = t.object_id "
            "WHERE t.parent_class = 0 AND t.name = N'schema_sync_ddl'"
        )
        again = "run `mkdocs-schema-sync install-triggers` again"
        if not rows:
            return [f"the DDL trigger schema_sync_ddl is missing: nothing is logged; {again}"]
        disabled, quoted_identifier, ansi_nulls = rows[0]
        problems = []
        if disabled:
            problems.append(
                "the DDL trigger schema_sync_ddl is disabled: nothing is logged and polling stands aside; "
                f"ENABLE TRIGGER schema_sync_ddl ON DATABASE, or {again}"
            )
        if not quoted_identifier or not ansi_nulls:
            problems.append(
                "the DDL trigger was created with QUOTED_IDENTIFIER or ANSI_NULLS OFF (sqlcmd without -I?): "
                f"its XML methods fail on every DDL (Msg 1934); {again}"
            )
        return problems

    def try_lock(self, db: Connection, name: str, wait: float) -> bool:
        """sp_getapplock owned by the session (@LockOwner = 'Session'): released when the session ends."""
        rows = db.query(
            "SET NOCOUNT ON; DECLARE @result int; "
            f"EXEC @result = sp_getapplock @Resource = {db.param}, @LockMode = 'Exclusive', "
            f"@LockOwner = 'Session', @LockTimeout = {db.param}; SELECT @result",
            (name[:255], max(0, int(wait * 1000))),
        )
        return bool(rows and rows[0][0] is not None and int(rows[0][0]) >= 0)

    def unlock(self, db: Connection, name: str) -> None:
        db.query(
            f"SET NOCOUNT ON; EXEC sp_releaseapplock @Resource = {db.param}, @LockOwner = 'Session'", (name[:255],)
        )


def _is_named_instance(host: str) -> bool:
    return "\\" in host


DIALECT = MSSQLDialect()


def script_batches(name: str) -> list[str]:
    """The batches of an install script (`install.sql`, `uninstall.sql`, `uninstall_all.sql`), split on GO."""
    return split_batches(DIALECT.read_sql(name))
