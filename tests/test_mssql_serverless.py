"""Checks that keep the T-SQL honest without a server (issue 11). Each is weaker than a live SQL Server.

1. Every T-SQL batch the project ships or generates parses with sqlfluff's `tsql`
   dialect: the files in sql/mssql/, the output of `install-triggers --print
   --contracts --enforce` and `uninstall-triggers --print`, and every statement
   the Python code sends (collected by running the code against a recording
   pyodbc-shaped connection). A parse is a weak check: sqlfluff is not SQL
   Server's parser (it takes `SELEC 1` for a call of a procedure named SELEC,
   which T-SQL allows as a batch's first statement) and it knows nothing of
   names, types or permissions. Its known gaps are rewritten in tests/tsql_check.py.
2. Every sys.* column the SQL reads is one Microsoft documents (tests/mssql_catalog_docs.py,
   each view with its page).
3. Every XPath the DDL trigger evaluates runs against stored EVENTDATA samples
   (tests/data/mssql_eventdata/, sources in SOURCES.md), and every value the trigger
   compares with (N'DROP_TABLE', N'RENAME', N'COLUMN' …) is one a sample carries.

Microsoft pages used: the catalog view pages listed in mssql_catalog_docs.py;
EVENTDATA (https://learn.microsoft.com/en-us/sql/t-sql/functions/eventdata-transact-sql);
Use the EVENTDATA function (https://learn.microsoft.com/en-us/sql/relational-databases/triggers/use-the-eventdata-function);
GO (https://learn.microsoft.com/en-us/sql/t-sql/language-elements/sql-server-utilities-statements-go).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import EXAMPLE, ROOT, TEST_PASSWORD, cli
from mssql_catalog_docs import DOCUMENTED
from mssql_fake import RecordingConnection, mssql_db, poll_answers
from tsql_check import WORKAROUNDS, for_sqlfluff, parse_tsql, split_for_check, sys_views_named

from mkdocs_schema_sync.dialects.sqlfiles import read_sql

SQL_DIR = ROOT / "sql" / "mssql"
SHIPPED = sorted(p.relative_to(SQL_DIR).as_posix() for p in SQL_DIR.rglob("*.sql"))
EVENTDATA = ROOT / "tests" / "data" / "mssql_eventdata"

# --------------------------------------------------------------------------- the corpus: every batch shipped or generated


def shipped_batches() -> list[tuple[str, str]]:
    return [
        (f"sql/mssql/{name} batch {i}", batch)
        for name in SHIPPED
        for i, batch in enumerate(split_for_check(read_sql("mssql", name)), start=1)
    ]


@pytest.fixture(scope="module")
def printed_batches(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, str]]:
    """What `install-triggers --print` and `uninstall-triggers --print` hand a DBA, split as sqlcmd would."""
    root = tmp_path_factory.mktemp("printed") / "site"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("site", "scout.db"))
    env = {"SCHEMA_SYNC_CONNECTION": "mssql://sa:${MSSQL_PW}@db.example:1433/scout", "MSSQL_PW": TEST_PASSWORD}
    out = []
    for args in (
        ("install-triggers", "--print", "--contracts", "--enforce"),
        ("install-triggers", "--print", "--contracts"),
        ("uninstall-triggers", "--print"),
        ("uninstall-triggers", "--print", "--keep-log"),
    ):
        result = cli(*args, cwd=root, env=env)
        assert result.returncode == 0, result.stderr
        assert TEST_PASSWORD not in result.stdout
        out += [(f"{' '.join(args)} batch {i}", b) for i, b in enumerate(split_for_check(result.stdout), start=1)]
    return out


def contract_script_batches() -> list[tuple[str, str]]:
    """The contracts script with names that stress quoting: quotes, brackets, a NUL-free Unicode name."""
    from mkdocs_schema_sync.contracts.install import protected_columns
    from mkdocs_schema_sync.contracts.loader import parse_contracts
    from mkdocs_schema_sync.dialects.mssql.contracts import MSSQLContracts

    text = (
        'contracts:\n  - name: "it\'s ]] [x] \\"q\\" Zürich"\n    owner: O\'Brien\n    protects:\n'
        "      - table: sales.Orders\n        columns:\n          Id: {type: int, nullable: false}\n"
        '          "we\'ird]": {type: "decimal(18, 2)"}\n      - table: Customers\n'
    )
    contracts = parse_contracts(text, Path("contracts.yml"))
    script = MSSQLContracts().script(protected_columns(contracts), True)
    return [(f"contracts script batch {i}", b) for i, b in enumerate(split_for_check(script), start=1)]


@pytest.fixture(scope="module")
def python_statements(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, str]]:
    """Every statement the Python code sends to SQL Server, from running it against the recording connection."""
    from mkdocs_schema_sync.contracts.install import protected_columns
    from mkdocs_schema_sync.contracts.loader import load_contracts
    from mkdocs_schema_sync.deploy.history import add_row, ensure_table, new_row, read_history
    from mkdocs_schema_sync.drift import capture
    from mkdocs_schema_sync.drift.log import (
        DriftEntry,
        append,
        create_log_tables,
        mark_rows,
        read_log,
        read_pending,
        write_state,
    )
    from mkdocs_schema_sync.drift.poller import Poller
    from mkdocs_schema_sync.settings import Settings

    tmp = tmp_path_factory.mktemp("python_sql")
    contracts = load_contracts(EXAMPLE / "contracts.yml")
    assert contracts is not None
    entry = DriftEntry("2024-05-01 10:00:00", "u", "ALTER TABLE", "table", "dbo", "t", "ALTER TABLE t ADD c int")
    runs = {
        "install-triggers": (capture.install, None),
        "uninstall-triggers --keep-log": (lambda db: capture.uninstall(db, keep_log=True), None),
        "uninstall-triggers": (lambda db: capture.uninstall(db, keep_log=False), None),
        "polling's log tables": (create_log_tables, None),
        "a poll": (lambda db: Poller(Settings(base_dir=tmp)).check(db), {"mode": "poll", "signal": "old"}),
        "reading the drift log": (lambda db: read_log(db, 50), {}),
        "appending to the drift log": (lambda db: append(db, [entry]), None),
        "monitor: the pending rows": (read_pending, {}),
        "monitor: the rows synced to a PR": (lambda db: read_pending(db, synced_to="https://x/pull/1"), {}),
        "monitor: marking rows synced": (lambda db: mark_rows(db, [1, 2, 3], "synced", "https://x/pull/1"), None),
        "monitor: recording the pass": (
            lambda db: write_state(db, {"monitor_last_pass": '{"action": "opened"}'}),
            None,
        ),
        "health": (capture.health, {"version": "1", "mode": "triggers"}),
        "install-triggers --contracts": (
            lambda db: db.dialect.contracts.install(db, protected_columns(contracts), True),
            None,
        ),
        "reading the catalog": (lambda db: db.dialect.read_catalog(db), {}),
        "a session lock": (lambda db: (db.dialect.try_lock(db, "monitor", 1.5), db.dialect.unlock(db, "monitor")), {}),
        "is the DDL trigger older than deploy tagging": (lambda db: db.dialect.untagged_capture(db), {}),
        "tagging a deploy's session": (
            lambda db: (db.dialect.tag_session(db, "d-1"), db.dialect.tag_session(db, None)),
            {},
        ),
        "the deploy history": (
            lambda db: (
                ensure_table(db),
                read_history(db),
                add_row(db, new_row("1", "a", "001_a.sql", "applied", deploy_id="d-1", applied_by="u", target="t")),
            ),
            {},
        ),
    }
    out: dict[str, str] = {}
    for what, (run, state) in runs.items():
        raw = RecordingConnection(results_per_batch=1, answer=poll_answers(state or {}))
        run(mssql_db(raw))
        assert raw.sent, what
        for sql in raw.sent:
            out.setdefault(sql, what)
    return [(f"{what}: {sql[:60]!r}", sql) for sql, what in out.items()]


# --------------------------------------------------------------------------- 1. everything parses with sqlfluff's tsql


def _assert_parses(batches: list[tuple[str, str]]) -> None:
    failures = {label: parse_tsql(b).errors[:2] for label, b in batches if parse_tsql(b).errors}
    assert failures == {}


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_batch_parses(name: str) -> None:
    batches = [(label, b) for label, b in shipped_batches() if label.startswith(f"sql/mssql/{name} ")]
    assert batches
    _assert_parses(batches)


def test_the_printed_scripts_parse(printed_batches: list[tuple[str, str]]) -> None:
    assert len(printed_batches) > 20
    assert any("CREATE OR ALTER TRIGGER schema_sync_ddl" in b for _, b in printed_batches)
    assert any("INSERT INTO schema_sync.contract_columns" in b for _, b in printed_batches)
    _assert_parses(printed_batches)


def test_the_contracts_script_parses_with_hostile_names() -> None:
    batches = contract_script_batches()
    assert any("N'we''ird]'" in b for _, b in batches)
    _assert_parses(batches)


def test_the_sql_built_in_python_parses(python_statements: list[tuple[str, str]]) -> None:
    shipped = {b for _, b in shipped_batches()}
    built = [(label, sql) for label, sql in python_statements if sql not in shipped]
    # the statements only Python writes: state, log, contracts, TOP (n) of the newest log rows …
    assert len(built) >= 8, built
    assert any(sql.startswith("SELECT TOP (50)") for _, sql in built)
    assert any("sp_getapplock" in sql for _, sql in built)
    assert any("sp_set_session_context" in sql for _, sql in built)  # a deploy tags its session
    assert any("schema[_]sync.deploy[_]id" in sql for _, sql in built)  # … and checks the trigger reads it
    assert any(sql.startswith("INSERT INTO schema_sync.deploy_history") for _, sql in built)
    assert any("?" in sql for _, sql in built)
    _assert_parses(python_statements)


@pytest.mark.parametrize(
    "broken",
    [
        "CREATE TABLE t (a int",
        "SELECT a FROM",
        "INSERT INTO t VALUES (1,)",
        "UPDATE t SET WHERE a = 1",
        "SELECT CASE WHEN 1 THEN 2 FROM t",
        "IF @x = 1 BEGIN SELECT 1",
        "CREATE OR ALTER TRIGGER t ON DATABASE FOR DDL_DATABASE_LEVEL_EVENTS AS BEGIN SELECT 1",
        # the rewrites do not hide errors around what they rewrite
        "SELECT c.definition AS definition FROM sys.check_constraints AS c WHERE",
        "ALTER TABLE t ADD c int DEFAULT 0 WITH VALUES,",
        "INSERT INTO t VALUES (?, ?",
    ],
)
def test_the_parser_rejects_broken_tsql(broken: str) -> None:
    assert parse_tsql(broken).errors


@pytest.mark.parametrize("workaround", [name for name, _, _ in WORKAROUNDS])
def test_each_workaround_is_needed_by_some_batch(
    workaround: str, printed_batches: list[tuple[str, str]], python_statements: list[tuple[str, str]]
) -> None:
    """A rewrite no batch needs is dead weight that could hide an error: drop it then. Only a batch the rewrite
    changes can need it (the others are parsed as they are), and one such batch is enough."""
    pattern = next(p for name, p, _ in WORKAROUNDS if name == workaround)
    corpus = shipped_batches() + printed_batches + python_statements
    touched = ((label, b) for label, b in corpus if pattern.search(b))
    needing = next((label for label, b in touched if parse_tsql(b, skip=workaround).errors), None)
    assert needing, f"no batch needs the {workaround!r} rewrite any more; remove it from tsql_check.WORKAROUNDS"


def test_the_rewrites_keep_the_meaning() -> None:
    assert for_sqlfluff("SELECT cc.definition AS definition FROM t WHERE a = ? AND b = ?") == (
        "SELECT cc.[definition] AS [definition] FROM t WHERE a = @p1 AND b = @p2"
    )
    assert for_sqlfluff("SELECT [definition], @definition FROM t") == "SELECT [definition], @definition FROM t"
    assert for_sqlfluff("ADD x int NOT NULL DEFAULT 'a' WITH VALUES;") == "ADD x int NOT NULL DEFAULT 'a';"


# --------------------------------------------------------------------------- 2. every sys.* column is documented


def test_every_sys_column_the_sql_reads_is_documented(
    printed_batches: list[tuple[str, str]], python_statements: list[tuple[str, str]]
) -> None:
    corpus = shipped_batches() + printed_batches + python_statements
    read: dict[tuple[str, str], str] = {}
    unresolved: list[str] = []
    named: set[str] = set()
    for label, batch in corpus:
        parsed = parse_tsql(batch)
        assert not parsed.errors, label
        for ref in parsed.sys_columns:
            read.setdefault(ref, label)
        unresolved += [f"{label}: {u}" for u in parsed.unresolved]
        named |= sys_views_named(batch)
    assert unresolved == []
    undocumented = {
        f"{view}.{column} (read by {label})"
        for (view, column), label in read.items()
        if view not in DOCUMENTED or column not in DOCUMENTED[view][1]
    }
    assert undocumented == set()
    assert named <= set(DOCUMENTED), named - set(DOCUMENTED)
    # the check saw what it should: the catalog's views and the columns build_catalog depends on
    assert {v for v, _ in read} == named
    for ref in [("sys.columns", "max_length"), ("sys.indexes", "filter_definition"), ("sys.partitions", "rows")]:
        assert ref in read


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT o.is_shipped FROM sys.objects AS o", ("sys.objects", "is_shipped")),
        ("SELECT COUNT(*) FROM sys.indexes WHERE has_filters = 1", ("sys.indexes", "has_filters")),
        (
            "SELECT t.nam FROM sys.objects AS o CROSS APPLY (SELECT 1 AS x FROM sys.types AS t WHERE t.nam = o.name) AS q",
            ("sys.types", "nam"),
        ),
    ],
)
def test_the_column_check_catches_an_undocumented_column(sql: str, expected: tuple[str, str]) -> None:
    parsed = parse_tsql(sql)
    assert not parsed.errors
    assert expected in parsed.sys_columns
    assert expected[1] not in DOCUMENTED[expected[0]][1]


def test_an_unqualified_column_over_several_views_is_reported() -> None:
    parsed = parse_tsql("SELECT name FROM sys.objects AS o JOIN sys.schemas AS s ON s.schema_id = o.schema_id")
    assert parsed.unresolved and "name" in parsed.unresolved[0]


# --------------------------------------------------------------------------- 3. the trigger's XPaths on EVENTDATA samples


def _trigger() -> str:
    batches = [re.sub(r"--[^\n]*", "", b).strip() for b in split_for_check(read_sql("mssql", "install.sql"))]
    return next(b for b in batches if b.startswith("CREATE OR ALTER TRIGGER"))


def _value_paths() -> list[str]:
    return sorted({p for p in re.findall(r"\.value\('([^']+)'", _trigger()) if p != "."})


def _nodes_paths() -> list[str]:
    return sorted(set(re.findall(r"\.nodes\('([^']+)'", _trigger())))


SAMPLES = sorted(p.stem for p in EVENTDATA.glob("*.xml"))


def _load(name: str):  # type: ignore[no-untyped-def]
    from lxml import etree

    return etree.parse(str(EVENTDATA / f"{name}.xml"))


def _value(doc, path: str) -> str | None:  # type: ignore[no-untyped-def]
    """What `@event.value(path, 'nvarchar(…)')` gives: the text of the first node, '' when empty, None when absent."""
    nodes = doc.xpath(path)
    if not nodes:
        return None
    return "".join(nodes[0].itertext())


def _nodes(doc, path: str) -> list[str]:  # type: ignore[no-untyped-def]
    """What `@event.nodes(path)` then `n.value('.', 'sysname')` gives, row by row."""
    return ["".join(n.itertext()) for n in doc.xpath(path)]


def test_the_trigger_paths_are_found() -> None:
    assert _value_paths() == sorted(
        f"(/EVENT_INSTANCE/{p})[1]"
        for p in (
            "EventType",
            "ObjectType",
            "SchemaName",
            "ObjectName",
            "TargetObjectName",
            "TargetObjectType",
            "TSQLCommand/CommandText",
        )
    )
    assert _nodes_paths() == [
        "/EVENT_INSTANCE/AlterTableActionList/Alter/Columns/Name",
        "/EVENT_INSTANCE/AlterTableActionList/Drop/Columns/Name",
    ]


def test_there_is_a_sample_for_each_event_the_trigger_cares_about() -> None:
    assert SAMPLES == [
        "alter_index_rebuild",
        "alter_schema_transfer",
        "alter_table_add_column",
        "alter_table_alter_column",
        "alter_table_drop_column",
        "create_table",
        "drop_table",
        "drop_view",
        "rename_column",
        "rename_table",
        "update_statistics",
    ]
    sources = (EVENTDATA / "SOURCES.md").read_text(encoding="utf-8")
    for name in SAMPLES:
        assert f"`{name}.xml`" in sources  # every sample has its source noted


def V(path: str) -> str:
    return f"(/EVENT_INSTANCE/{path})[1]"


#: what the trigger reads from each sample: (event, object type, schema, object, target, target type), then the
#: columns it finds dropped and altered, and the start of the statement it logs (None: the sample has none)
EXPECTED = {
    "create_table": ("CREATE_TABLE", "TABLE", "dbo", "UserName", None, None, [], [], "create table dbo.UserName"),
    "alter_table_add_column": (
        "ALTER_TABLE",
        "TABLE",
        "DDLTriggers_TestSchema",
        "TestTable",
        None,
        None,
        [],
        [],
        "alter table DDLTriggers_TestSchema.TestTable\r\nadd test int",
    ),
    "alter_table_alter_column": (
        "ALTER_TABLE",
        "TABLE",
        "DDLTriggers_TestSchema",
        "TestTable",
        None,
        None,
        [],
        ["credits"],
        "alter table DDLTriggers_TestSchema.TestTable",
    ),
    "alter_table_drop_column": ("ALTER_TABLE", "TABLE", "dbo", "test1", None, None, ["column1"], [], None),
    "drop_table": ("DROP_TABLE", "TABLE", "dbo", "table_1", None, None, [], [], "drop table table_1"),
    "rename_column": ("RENAME", "COLUMN", "dbo", "column2", "test1", "TABLE", [], [], None),
    "rename_table": ("RENAME", "TABLE", "dbo", "test1", "", "", [], [], None),
    "drop_view": ("DROP_VIEW", "VIEW", "dbo", "v_orders", None, None, [], [], "drop view dbo.v_orders"),
    "alter_schema_transfer": (
        "ALTER_SCHEMA",
        "TABLE",
        "archive",
        "table_1",
        None,
        None,
        [],
        [],
        "alter schema archive transfer",
    ),
    "alter_index_rebuild": (
        "ALTER_INDEX",
        "INDEX",
        "dbo",
        "IX_table_1_a",
        "table_1",
        "TABLE",
        [],
        [],
        "alter index IX_table_1_a on dbo.table_1 rebuild",
    ),
    "update_statistics": (
        "UPDATE_STATISTICS",
        "TABLE",
        "dbo",
        "table_1",
        None,
        None,
        [],
        [],
        "update statistics",
    ),
}


@pytest.mark.parametrize("name", SAMPLES)
def test_every_trigger_xpath_runs_on_the_sample(name: str) -> None:
    doc = _load(name)
    for path in _value_paths() + _nodes_paths():
        doc.xpath(path)  # lxml raises XPathEvalError on a path XPath 1.0 cannot evaluate
    event, otype, schema, obj, target, ttype, dropped, altered, statement = EXPECTED[name]
    assert _value(doc, V("EventType")) == event
    assert _value(doc, V("ObjectType")) == otype
    assert _value(doc, V("SchemaName")) == schema
    assert _value(doc, V("ObjectName")) == obj
    assert _value(doc, V("TargetObjectName")) == target
    assert _value(doc, V("TargetObjectType")) == ttype
    assert _nodes(doc, "/EVENT_INSTANCE/AlterTableActionList/Drop/Columns/Name") == dropped
    assert _nodes(doc, "/EVENT_INSTANCE/AlterTableActionList/Alter/Columns/Name") == altered
    command = _value(doc, V("TSQLCommand/CommandText"))
    assert (command is None) if statement is None else command.startswith(statement)


def test_every_trigger_xpath_finds_something_in_some_sample() -> None:
    """A misspelt path (Drop/Column/Name) would select nothing anywhere."""
    docs = [_load(n) for n in SAMPLES]
    dead = [p for p in _value_paths() + _nodes_paths() if not any(d.xpath(p) for d in docs)]
    assert dead == []


def test_every_value_the_trigger_compares_with_occurs_in_a_sample() -> None:
    """N'DROP_TABLE', N'RENAME', N'COLUMN' …: a typo (N'DROP TABLE') would make a branch unreachable."""
    trigger = _trigger()
    variable_path = {
        "@event_type": V("EventType"),
        "@object_type": V("ObjectType"),
        "@target_type": V("TargetObjectType"),
    }
    docs = [_load(n) for n in SAMPLES]
    compared = re.findall(r"(@event_type|@object_type|@target_type) = N'(\w+)'", trigger)
    assert len(compared) >= 6
    missing = [(var, value) for var, value in compared if not any(_value(d, variable_path[var]) == value for d in docs)]
    assert missing == []
    # the action names the ALTER TABLE branch reports are the elements its paths walk
    for action in re.findall(r"N'(Drop|Alter)' AS action|SELECT N'(Alter)'", trigger):
        name = next(a for a in action if a)
        assert f"/AlterTableActionList/{name}/Columns/Name" in " ".join(_nodes_paths())


def test_each_refusal_branch_is_taken_by_its_sample() -> None:
    """The trigger's three refusal branches, replayed in Python on the values the XPaths give."""

    def branch(doc) -> str | None:  # type: ignore[no-untyped-def]
        event, otype, ttype = (
            _value(doc, V("EventType")),
            _value(doc, V("ObjectType")),
            _value(doc, V("TargetObjectType")),
        )
        statement = (_value(doc, V("TSQLCommand/CommandText")) or "").upper()
        if event in ("CREATE_STATISTICS", "UPDATE_STATISTICS", "DROP_STATISTICS") or (
            event == "ALTER_INDEX" and ("REBUILD" in statement or "REORGANIZE" in statement)
        ):
            return "left out"
        if event in ("DROP_TABLE", "DROP_VIEW") or (event == "RENAME" and otype in ("TABLE", "VIEW")):
            return "table"
        if event == "ALTER_SCHEMA":
            return "schema transfer"
        if event == "RENAME" and otype == "COLUMN" and ttype == "TABLE":
            return "column rename"
        if event == "ALTER_TABLE":
            return "alter table"
        return None

    trigger = " ".join(_trigger().split())
    assert (
        "IF @event_type IN (N'CREATE_STATISTICS', N'UPDATE_STATISTICS', N'DROP_STATISTICS') OR "
        "(@event_type = N'ALTER_INDEX' AND (UPPER(@statement) LIKE N'%REBUILD%' OR UPPER(@statement) LIKE "
        "N'%REORGANIZE%')) RETURN;"
    ) in trigger
    assert (
        "IF @event_type IN (N'DROP_TABLE', N'DROP_VIEW') OR (@event_type = N'RENAME' AND @object_type IN "
        "(N'TABLE', N'VIEW'))"
    ) in trigger
    assert "ELSE IF @event_type = N'ALTER_SCHEMA'" in trigger
    assert "ELSE IF @event_type = N'RENAME' AND @object_type = N'COLUMN' AND @target_type = N'TABLE'" in trigger
    assert "ELSE IF @event_type = N'ALTER_TABLE'" in trigger
    taken = {name: branch(_load(name)) for name in SAMPLES}
    assert taken == {
        "alter_index_rebuild": "left out",
        "alter_schema_transfer": "schema transfer",
        "update_statistics": "left out",
        "drop_view": "table",
        "alter_table_add_column": "alter table",
        "alter_table_alter_column": "alter table",
        "alter_table_drop_column": "alter table",
        "create_table": None,
        "drop_table": "table",
        "rename_column": "column rename",
        "rename_table": "table",
    }
