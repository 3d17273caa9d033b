"""Contract files, their errors with line numbers, and every rule holding and breaking on real SQLite files."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from conftest import make_sqlite

from mkdocs_schema_sync.catalog import Catalog
from mkdocs_schema_sync.catalog.types import normalize_type
from mkdocs_schema_sync.contracts.check import check_contracts
from mkdocs_schema_sync.contracts.loader import load_contracts, parse_contracts
from mkdocs_schema_sync.contracts.model import ContractFileError
from mkdocs_schema_sync.db import open_database, parse_connection

SCHEMA = """
CREATE TABLE parent (id INTEGER PRIMARY KEY, code VARCHAR(64) NOT NULL UNIQUE, note TEXT, amount DECIMAL(10,2));
CREATE TABLE child (
    id INTEGER PRIMARY KEY,
    parent_code VARCHAR(64) NOT NULL REFERENCES parent (code),
    free_code VARCHAR(64)
);
"""


def catalog_of(path: Path) -> Catalog:
    with open_database(parse_connection(f"sqlite:///{path}")) as db:
        return db.dialect.read_catalog(db)


@pytest.fixture
def small_db(tmp_path: Path) -> Catalog:
    return catalog_of(make_sqlite(tmp_path / "small.db", SCHEMA))


def contract_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "contracts.yml"
    path.write_text(textwrap.dedent(body).lstrip("\n"), encoding="utf-8")
    return path


def one(tmp_path: Path, table: str, rules: str) -> str:
    """A file with one contract protecting one column of `table` with `rules` (YAML flow mapping)."""
    return contract_file(
        tmp_path,
        f"""
        contracts:
          - name: c1
            owner: {{team: Data, contact: data@example.com}}
            protects:
              - table: {table}
                columns:
                  {rules}
        """,
    )


# ------------------------------------------------------------------ rules on SQLite

HOLDING = [
    ("parent", "code:"),
    ("parent", "code: {type: varchar(64)}"),
    ("parent", "code: {type: character varying(64)}"),
    ("parent", "code: {type: varchar(32), compatible: [varchar(64)]}"),
    ("parent", "code: {nullable: false}"),
    ("parent", "note: {nullable: true, type: text}"),
    ("parent", "id: {primary_key: true, type: integer}"),
    ("parent", "code: {primary_key: false}"),
    ("parent", "code: {unique: true}"),
    ("parent", "note: {unique: false}"),
    ("parent", "amount: {type: 'numeric(10,2)'}"),  # in flow style a comma needs quotes
    ("parent", "code: {referenced_by: [child.parent_code]}"),
    ("child", "parent_code: {references: parent.code}"),
    ("main.child", "parent_code: {references: main.parent.code, exists: true}"),
]

BREAKING = [
    ("parent", "missing_col:", "missing", "column parent.missing_col does not exist"),
    ("nope", "code:", "missing", "table nope does not exist"),
    ("parent", "code: {type: varchar(32)}", "broken", "parent.code: expected varchar(32), found varchar(64)"),
    ("parent", "code: {type: integer}", "broken", "expected integer, found varchar(64)"),
    ("parent", "code: {type: varchar(32), compatible: [text]}", "broken", "expected varchar(32), found varchar(64)"),
    ("parent", "note: {nullable: false}", "broken", "parent.note: expected NOT NULL, found NULL"),
    (
        "parent",
        "note: {type: varchar(64), nullable: false}",
        "broken",
        "parent.note: expected varchar(64) NOT NULL, found text NULL",
    ),
    ("parent", "code: {primary_key: true}", "broken", "expected to be in the primary key"),
    ("parent", "note: {unique: true}", "broken", "expected UNIQUE"),
    ("parent", "id: {unique: false}", "broken", "expected not unique"),
    ("parent", "code: {referenced_by: [child.free_code]}", "broken", "expected a foreign key from child.free_code"),
    (
        "child",
        "free_code: {references: parent.code}",
        "broken",
        "expected a foreign key to parent.code, found no foreign key",
    ),
    ("child", "parent_code: {references: parent.id}", "broken", "found main.parent.code"),
    ("child", "parent_code: {references: gone.id}", "broken", "table gone does not exist"),
]


@pytest.mark.parametrize(("table", "rules"), HOLDING)
def test_rule_holds_on_sqlite(tmp_path: Path, small_db: Catalog, table: str, rules: str) -> None:
    report = check_contracts(load_contracts(one(tmp_path, table, rules)), small_db)
    (result,) = report.results
    assert result.status == "holds", result.summary()
    assert report.broken == []


@pytest.mark.parametrize(("table", "rules", "status", "reason"), BREAKING)
def test_rule_breaks_on_sqlite(
    tmp_path: Path, small_db: Catalog, table: str, rules: str, status: str, reason: str
) -> None:
    report = check_contracts(load_contracts(one(tmp_path, table, rules)), small_db)
    (result,) = report.results
    assert result.status == status
    assert reason in result.summary()
    assert result.reasons[0].line >= 4  # points into the file, at the table or the rule


def test_compatible_type_is_noted(tmp_path: Path, small_db: Catalog) -> None:
    report = check_contracts(
        load_contracts(one(tmp_path, "parent", "code: {type: varchar(32), compatible: [varchar(64)]}")), small_db
    )
    assert report.results[0].notes == ["parent.code is varchar(64), accepted as compatible with varchar(32)"]


def test_reason_line_is_the_rule_line(tmp_path: Path, small_db: Catalog) -> None:
    path = contract_file(
        tmp_path,
        """
        contracts:
          - name: c1
            protects:
              - table: parent
                columns:
                  code:
                    nullable: false
                    type: varchar(32)
        """,
    )
    (result,) = check_contracts(load_contracts(path), small_db).results
    assert [r.line for r in result.reasons] == [8]


@pytest.mark.parametrize(
    ("dialect", "a", "b"),
    [
        ("postgresql", "int4", "integer"),
        ("postgresql", "character varying(64)", "varchar(64)"),
        ("postgresql", "numeric(10,2)", "decimal(10, 2)"),
        ("postgresql", "bool", "boolean"),
        ("sqlite", "VARCHAR(64)", "varchar(64)"),
        ("sqlite", "INT", "integer"),
        ("mysql", "int(11)", "integer"),
    ],
)
def test_type_equivalence(dialect: str, a: str, b: str) -> None:
    assert normalize_type(dialect, a) == normalize_type(dialect, b)


def test_different_lengths_are_different_types() -> None:
    assert normalize_type("postgresql", "varchar(64)") != normalize_type("postgresql", "varchar(32)")


# ------------------------------------------------------------------ file errors with line numbers

MALFORMED = [
    ("syntax", "contracts:\n  - name: a\n    owner: [unclosed\n", 3, "not valid YAML"),
    ("unknown key", "contracts:\n  - name: a\n    ownr: x\n    protects: [t]\n", 3, "`owner`"),
    (
        "column without table",
        "contracts:\n  - name: a\n    protects:\n      - columns: {x: }\n",
        4,
        "columns without a table",
    ),
    ("column key", "contracts:\n  - name: a\n    protects:\n      - column: x\n", 4, "a column without a table"),
    (
        "columns outside protects",
        "contracts:\n  - name: a\n    columns: {x: }\n    protects: [t]\n",
        3,
        "needs its table",
    ),
    (
        "unknown type",
        "contracts:\n  - name: a\n    protects:\n      - table: t\n        columns:\n          x: {type: varchr(64)}\n",
        6,
        "`varchar(64)`",
    ),
    (
        "bad nullable",
        "contracts:\n  - name: a\n    protects:\n      - table: t\n        columns:\n          x:\n            nullable: maybe\n",
        7,
        "true or false",
    ),
    ("bad severity", "contracts:\n  - name: a\n    severity: fatal\n    protects: [t]\n", 3, "`severity: error`"),
    ("consumers type", "contracts:\n  - name: a\n    consumers: {a: 1}\n    protects: [t]\n", 3, "`consumers: ["),
    ("no name", "contracts:\n  - owner: x\n    protects: [t]\n", 2, "`name:"),
    (
        "duplicate name",
        "contracts:\n  - name: a\n    protects: [t]\n  - name: a\n    protects: [t]\n",
        4,
        "already used on line 2",
    ),
    (
        "bad reference",
        "contracts:\n  - name: a\n    protects:\n      - table: t\n        columns:\n          x: {references: t}\n",
        6,
        "table.column",
    ),
    (
        "unknown column rule",
        "contracts:\n  - name: a\n    protects:\n      - table: t\n        columns:\n          x: {nulable: true}\n",
        6,
        "`nullable`",
    ),
    ("nothing protected", "contracts:\n  - name: a\n    owner: x\n", 2, "protects nothing"),
    ("contracts not a list", "contracts: {a: 1}\n", 1, "must be a list"),
]


@pytest.mark.parametrize(("case", "text", "line", "hint"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_file_names_its_line(tmp_path: Path, case: str, text: str, line: int, hint: str) -> None:
    path = tmp_path / "contracts.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ContractFileError) as info:
        load_contracts(path, base_dir=tmp_path)
    message = info.value.message
    assert message.startswith(f"contracts.yml:{line}: "), message
    assert "write " in message and " instead" in message
    assert hint in message


def test_type_the_dialect_does_not_know(tmp_path: Path, small_db: Catalog) -> None:
    path = one(tmp_path, "parent", "code: {type: jsonb}")  # PostgreSQL knows it, SQLite does not
    contracts = load_contracts(path, base_dir=tmp_path)
    with pytest.raises(
        ContractFileError, match=r"^contracts.yml:7: code: 'jsonb' is not a sqlite type; write .* instead"
    ):
        check_contracts(contracts, small_db)


def test_missing_default_file_means_no_contracts_but_explicit_file_must_exist(tmp_path: Path) -> None:
    assert load_contracts(tmp_path / "contracts.yml", explicit=False) is None
    with pytest.raises(Exception, match="does not exist"):
        load_contracts(tmp_path / "contracts.yml", explicit=True)


def test_empty_file_has_no_contracts(tmp_path: Path) -> None:
    assert parse_contracts("", tmp_path / "c.yml").contracts == []
    assert parse_contracts("contracts:\n", tmp_path / "c.yml").contracts == []


def test_owner_shorthand_and_table_only_entries(tmp_path: Path, small_db: Catalog) -> None:
    path = contract_file(
        tmp_path,
        """
        contracts:
          - name: tables
            owner: Data team
            severity: warning
            consumers: loader.py
            protects: [parent, child, gone]
        """,
    )
    (result,) = check_contracts(load_contracts(path), small_db).results
    assert str(result.contract.owner) == "Data team"
    assert result.contract.consumers == ["loader.py"]
    assert result.status == "missing" and result.summary() == "table gone does not exist"


def test_reviewers_are_users_or_teams_with_file_line_errors(tmp_path: Path) -> None:
    from mkdocs_schema_sync.contracts.loader import parse_contracts
    from mkdocs_schema_sync.contracts.model import ContractFileError

    head = "contracts:\n  - name: c\n    protects: [t]\n"
    good = parse_contracts(head + "    reviewers: [octocat, '@hubot', acme/data-eng]\n", tmp_path / "c.yml")
    assert good.contracts[0].reviewers == ["octocat", "hubot", "acme/data-eng"]
    with pytest.raises(ContractFileError, match=r"^c\.yml:5: reviewer 'not a user!' is not a GitHub user"):
        parse_contracts(head + "    reviewers:\n      - 'not a user!'\n", tmp_path / "c.yml")
