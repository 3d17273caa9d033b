"""What Microsoft's SQL Server drivers and servers say, word for word: the texts db/problems.py must understand.

DRIVER: captured from the real ODBC Driver 18.6 (the `mssql-python-odbc` wheel, through
pyodbc 5.5 and mssql-python 1.16) against tests/tds_stand_in.py, a closed port and an
unresolvable name. tests/test_mssql_driver.py produces each of them again on every run
and checks the driver still says exactly this, so a driver upgrade that changes its
words fails a test instead of silently turning an outage into a mistake.

SERVER: error messages a SQL Server / Azure SQL server sends (sys.messages text, `%.*ls`
filled in as the server does; Azure SQL's 40613 and 49918-49920 from Microsoft's list of
transient errors). The stand-in sends them through the real driver, which formats them.
"""

from __future__ import annotations

#: name -> (SQLSTATE, the text pyodbc raises), and whether it is an outage (the build falls back to the snapshot)
DRIVER: dict[str, tuple[str, str, bool]] = {
    "login timeout": (
        "HYT00",
        "[HYT00] [Microsoft][ODBC Driver 18 for SQL Server]Login timeout expired (0) (SQLDriverConnect)",
        True,
    ),
    "not SQL Server": (
        "08001",
        "[08001] [Microsoft][ODBC Driver 18 for SQL Server]Client unable to establish connection because an error "
        "was encountered during handshakes before login. Common causes include client attempting to connect to an "
        "unsupported version of SQL Server, server too busy to accept new connections or a resource limitation "
        "(memory or maximum allowed connections) on the server. (26) (SQLDriverConnect)",
        False,
    ),
    "protocol error": (
        "HY000",
        "[HY000] [Microsoft][ODBC Driver 18 for SQL Server]Protocol error in TDS stream (0) (SQLDriverConnect)",
        False,
    ),
    "encryption not supported": (
        "08001",
        "[08001] [Microsoft][ODBC Driver 18 for SQL Server]Encryption not supported on SQL Server. (20) "
        "(SQLDriverConnect)",
        False,
    ),
    "self-signed certificate": (
        "08001",
        "[08001] [Microsoft][ODBC Driver 18 for SQL Server]SSL Provider: [error:0A000086:SSL routines::certificate "
        "verify failed:self-signed certificate] (-1) (SQLDriverConnect)",
        False,
    ),
    "login failed": (
        "28000",
        "[28000] [Microsoft][ODBC Driver 18 for SQL Server][SQL Server]Login failed for user 'reader'. (18456) "
        "(SQLDriverConnect)",
        False,
    ),
    "query timeout": (
        "HYT00",
        "[HYT00] [Microsoft][ODBC Driver 18 for SQL Server]Query timeout expired (0) (SQLExecDirectW)",
        True,
    ),
}

#: mssql-python's words for the same failures (one string, "Driver Error: …; DDBC Error: …")
MSSQL_PYTHON: dict[str, tuple[str, bool]] = {
    "closed port": (
        "Driver Error: Client unable to establish connection; DDBC Error: [Microsoft]TCP Provider: Error code 0x2749",
        True,
    ),
    "unknown host": (
        "Driver Error: Client unable to establish connection; DDBC Error: [Microsoft]TCP Provider: Error code 0x2AF9",
        True,
    ),
    "no SQL Browser": (
        "Driver Error: Client unable to establish connection; DDBC Error: [Microsoft]SQL Server Network "
        "Interfaces: Error Locating Server/Instance Specified [xFFFFFFFF]. ",
        True,
    ),
}

#: server errors: number -> (severity, text, outage)
SERVER: dict[int, tuple[int, str, bool]] = {
    1222: (16, "Lock request time out period exceeded.", True),
    40613: (
        17,
        "Database 'Scout' on server 'scout-sql' is not currently available.  Please retry the connection later.  "
        "If the problem persists, contact customer support, and provide them the session tracing ID of "
        "'1B2C3D4E-0000-0000-0000-000000000000'.",
        True,
    ),
    49918: (
        16,
        "Cannot process request. Not enough resources to process request. The service is currently busy.Please "
        "retry the request later.",
        True,
    ),
    49919: (
        16,
        "Cannot process create or update request. Too many create or update operations in progress for "
        'subscription "1234".',
        True,
    ),
    49920: (16, 'Cannot process request. Too many operations in progress for subscription "1234".', True),
    916: (
        14,
        'The server principal "reader" is not able to access the database "Scout" under the current security context.',
        False,
    ),
    18456: (14, "Login failed for user 'reader'.", False),
}

#: Windows' driver, when the certificate names another host (documented; no Windows client runs here)
WINDOWS_NAME_MISMATCH = (
    "[08001] [Microsoft][ODBC Driver 18 for SQL Server]SSL Provider: The target principal name is incorrect. "
    "(-2146893022) (SQLDriverConnect)"
)
