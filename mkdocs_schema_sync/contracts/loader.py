"""Reading `contracts.yml` into the contract model, with every mistake reported as `file:line`.

The loader walks PyYAML's node tree (`yaml.compose`), so every value keeps the
line it was written on; every mistake is reported as
`contracts.yml:LINE: what is wrong; write … instead`.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any

import yaml

from ..catalog.types import ALL_TYPES, type_name
from ..errors import SchemaSyncError
from ..files import NotUtf8, read_utf8
from .model import (
    SEVERITIES,
    ColumnRule,
    Contract,
    ContractFile,
    ContractFileError,
    Owner,
    TableRule,
    suggest_type,
)

_CONTRACT_KEYS = ("name", "description", "owner", "consumers", "reviewers", "severity", "protects", "recovery")
#: a GitHub user (`octocat`) or a team of an organisation (`acme/data-eng`)
_REVIEWER = re.compile(r"^@?[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:/[A-Za-z0-9_.-]+)?$")
_OWNER_KEYS = ("team", "contact")
_TABLE_KEYS = ("table", "columns")
_COLUMN_KEYS = ("exists", "type", "compatible", "nullable", "primary_key", "unique", "references", "referenced_by")
_TYPE_SHAPE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9_ ]*?)\s*(\(\s*(\d+|max)\s*(,\s*\d+\s*)?\))?\s*(\[\])?\s*$", re.I)


def load_contracts(path: Path | None, *, explicit: bool = True, base_dir: Path | None = None) -> ContractFile | None:
    """Read and check a contract file. A missing default file means no contracts (None)."""
    if path is None:
        return None
    display = display_path(path, base_dir)
    if not path.is_file():
        if explicit:
            raise SchemaSyncError(
                f"contract file {path} does not exist (option `contracts`); create it or remove the option"
            )
        return None
    try:
        text = read_utf8(path, display)
    except NotUtf8 as exc:
        raise ContractFileError(str(exc)) from None
    return parse_contracts(text, path, display)


def display_path(path: Path, base_dir: Path | None) -> str:
    """The file as messages and reports name it: relative to mkdocs.yml's folder (or the current one)."""
    for base in (base_dir, Path.cwd()):
        if base is None:
            continue
        try:
            return path.resolve().relative_to(base.resolve()).as_posix()
        except ValueError:
            continue
    return str(path)


def parse_contracts(text: str, path: Path, display: str | None = None) -> ContractFile:
    return _Parser(display or path.name).parse(text, path)


class _Parser:
    def __init__(self, display: str) -> None:
        self.display = display
        self.loader: yaml.SafeLoader | None = None

    # ---------------------------------------------------------------- helpers

    def fail(self, node: yaml.Node | int, what: str, instead: str) -> ContractFileError:
        line = node if isinstance(node, int) else node.start_mark.line + 1
        return ContractFileError(f"{self.display}:{line}: {what}; write {instead} instead")

    def scalar(self, node: yaml.Node) -> Any:
        assert self.loader is not None
        return self.loader.construct_object(node, deep=True)

    def text(self, node: yaml.Node, what: str, example: str) -> str:
        value = self.scalar(node) if isinstance(node, yaml.ScalarNode) else None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(node, f"{what} must be text", example)
        return value.strip()

    def flag(self, node: yaml.Node, what: str) -> bool:
        value = self.scalar(node) if isinstance(node, yaml.ScalarNode) else None
        if not isinstance(value, bool):
            raise self.fail(
                node, f"{what} must be true or false, not {_shown(node)}", f"`{what}: true` or `{what}: false`"
            )
        return value

    def mapping(self, node: yaml.Node, what: str, example: str) -> list[tuple[str, yaml.Node, yaml.Node]]:
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, f"{what} must be a mapping, not {_shown(node)}", example)
        out: list[tuple[str, yaml.Node, yaml.Node]] = []
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = self.scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str):
                key = str(key)
            if key in seen:
                raise self.fail(key_node, f"{what}: `{key}` is given twice", f"`{key}` once")
            seen.add(key)
            out.append((key, key_node, value_node))
        return out

    def known_key(self, key: str, key_node: yaml.Node, allowed: tuple[str, ...], where: str) -> None:
        if key in allowed:
            return
        close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
        hint = f"`{close[0]}`" if close else "one of " + ", ".join(f"`{k}`" for k in allowed)
        if where == "contract" and key in ("columns", "column", "table"):
            raise self.fail(
                key_node,
                f"`{key}` outside `protects:`: a column needs its table",
                "`protects: [{table: NAME, columns: {...}}]`",
            )
        raise self.fail(key_node, f"unknown key `{key}` in {where}", hint)

    def text_list(self, node: yaml.Node, what: str, example: str) -> list[str]:
        if isinstance(node, yaml.ScalarNode) and isinstance(self.scalar(node), str):
            return [self.text(node, what, example)]
        if not isinstance(node, yaml.SequenceNode):
            raise self.fail(node, f"{what} must be a list, not {_shown(node)}", example)
        return [self.text(item, f"each entry of {what}", example) for item in node.value]

    # ---------------------------------------------------------------- file

    def parse(self, text: str, path: Path) -> ContractFile:
        self.loader = yaml.SafeLoader(text)
        try:
            root = self.loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            if exc.context_mark and "<stream end>" in str(exc.problem):  # unclosed: where it was opened
                mark = exc.context_mark
            line = mark.line + 1 if mark else 1
            problem = exc.problem or exc.context or "invalid YAML"
            raise ContractFileError(
                f"{self.display}:{line}: not valid YAML ({problem}); write correct YAML instead "
                "(check indentation, colons and quotes)"
            ) from None
        except yaml.YAMLError as exc:
            raise ContractFileError(f"{self.display}:1: not valid YAML ({exc}); write correct YAML instead") from None
        finally:
            self.loader.dispose()
        out = ContractFile(path=path, display=self.display)
        if root is None:
            return out
        example = "`contracts:` followed by a list of contracts"
        contracts_node: yaml.Node | None = None
        for key, key_node, value in self.mapping(root, "the file", example):
            if key == "version":
                if self.scalar(value) != 1:
                    raise self.fail(value, "only version 1 of the contract format exists", "`version: 1`")
            elif key == "contracts":
                contracts_node = value
            else:
                self.known_key(key, key_node, ("version", "contracts"), "the file")
        if contracts_node is None or (
            isinstance(contracts_node, yaml.ScalarNode) and self.scalar(contracts_node) is None
        ):
            return out
        if not isinstance(contracts_node, yaml.SequenceNode):
            raise self.fail(
                contracts_node,
                f"`contracts` must be a list, not {_shown(contracts_node)}",
                "`contracts:` then `  - name: …` items",
            )
        names: dict[str, int] = {}
        for item in contracts_node.value:
            contract = self.contract(item)
            if contract.name in names:
                raise self.fail(
                    item,
                    f"contract name {contract.name!r} is already used on line {names[contract.name]}",
                    "a unique `name`",
                )
            names[contract.name] = contract.line
            out.contracts.append(contract)
        return out

    def contract(self, node: yaml.Node) -> Contract:
        pairs = self.mapping(node, "a contract", "`- name: …` with `owner`, `protects` and `recovery`")
        keys = {k: (kn, v) for k, kn, v in pairs}
        for key, key_node, _ in pairs:
            self.known_key(key, key_node, _CONTRACT_KEYS, "contract")
        if "name" not in keys:
            raise self.fail(node, "this contract has no `name`", "`name: payload-join` as its first key")
        contract = Contract(
            name=self.text(keys["name"][1], "`name`", "`name: payload-join`"), line=node.start_mark.line + 1
        )
        if "description" in keys:
            contract.description = self.text(keys["description"][1], "`description`", "`description: one line of text`")
        if "owner" in keys:
            contract.owner = self.owner(keys["owner"][1])
        if "consumers" in keys:
            contract.consumers = self.text_list(
                keys["consumers"][1], "`consumers`", "`consumers: [flatten.py, nightly-load]`"
            )
        if "reviewers" in keys:
            contract.reviewers = self.reviewers(keys["reviewers"][1])
        if "severity" in keys:
            value_node = keys["severity"][1]
            value = self.scalar(value_node) if isinstance(value_node, yaml.ScalarNode) else None
            if value not in SEVERITIES:
                raise self.fail(
                    value_node,
                    f"severity {_shown(value_node)} is not known",
                    "`severity: error` or `severity: warning`",
                )
            contract.severity = value
        if "recovery" in keys:
            contract.recovery = self.text(keys["recovery"][1], "`recovery`", "`recovery: |` followed by Markdown")
        if "protects" not in keys:
            raise self.fail(
                node, f"contract {contract.name!r} protects nothing", "`protects:` with `- table: NAME` entries"
            )
        protects = keys["protects"][1]
        if not isinstance(protects, yaml.SequenceNode) or not protects.value:
            raise self.fail(
                protects, "`protects` must be a non-empty list of tables", "`protects:` then `  - table: NAME`"
            )
        contract.protects = [self.table(item) for item in protects.value]
        return contract

    def reviewers(self, node: yaml.Node) -> list[str]:
        example = "`reviewers: [octocat, acme/data-eng]` (GitHub users, or org/team)"
        items = node.value if isinstance(node, yaml.SequenceNode) else [node]
        out = []
        for item in items:
            name = self.text(item, "each entry of `reviewers`", example)
            if not _REVIEWER.match(name):
                raise self.fail(item, f"reviewer {name!r} is not a GitHub user or org/team name", example)
            out.append(name.lstrip("@"))
        return out

    def owner(self, node: yaml.Node) -> Owner:
        if isinstance(node, yaml.ScalarNode):
            return Owner(team=self.text(node, "`owner`", "`owner: {team: Data Engineering, contact: de@example.com}`"))
        owner = Owner()
        for key, key_node, value in self.mapping(node, "`owner`", "`owner: {team: …, contact: …}`"):
            self.known_key(key, key_node, _OWNER_KEYS, "owner")
            setattr(owner, key, self.text(value, f"`owner.{key}`", f"`{key}: …` as text"))
        return owner

    def table(self, node: yaml.Node) -> TableRule:
        example = "`- table: NAME` with `columns:` below it"
        if isinstance(node, yaml.ScalarNode) and isinstance(self.scalar(node), str):
            return TableRule(table=self.text(node, "a protected table", example), line=node.start_mark.line + 1)
        pairs = self.mapping(node, "a `protects` entry", example)
        keys = {k: (kn, v) for k, kn, v in pairs}
        for key, key_node, _ in pairs:
            if key == "column":
                raise self.fail(
                    key_node, "a column without a table", "`- table: NAME` and the column under its `columns:`"
                )
            self.known_key(key, key_node, _TABLE_KEYS, "a `protects` entry")
        if "table" not in keys:
            raise self.fail(node, "columns without a table", "`- table: NAME` above `columns:`")
        rule = TableRule(
            table=self.text(keys["table"][1], "`table`", "`table: PayloadTransactions`"), line=node.start_mark.line + 1
        )
        if "columns" in keys:
            rule.columns = self.columns(keys["columns"][1])
        return rule

    def columns(self, node: yaml.Node) -> list[ColumnRule]:
        if isinstance(node, yaml.SequenceNode):  # a plain list of names: they must exist
            return [
                ColumnRule(name=self.text(n, "a column name", "`- name`"), line=n.start_mark.line + 1)
                for n in node.value
            ]
        cols = []
        for name, key_node, value in self.mapping(
            node, "`columns`", "`columns:` mapping each column name to its rules"
        ):
            col = ColumnRule(name=name, line=key_node.start_mark.line + 1)
            if isinstance(value, yaml.ScalarNode) and self.scalar(value) is None:
                cols.append(col)
                continue
            for key, rule_key, rule_value in self.mapping(
                value, f"the rules of column {name}", f"`{name}: {{type: varchar(64), nullable: false}}`"
            ):
                self.known_key(key, rule_key, _COLUMN_KEYS, f"the rules of column {name}")
                col.lines[key] = rule_key.start_mark.line + 1
                self.column_rule(col, key, rule_value)
            cols.append(col)
        return cols

    def column_rule(self, col: ColumnRule, key: str, node: yaml.Node) -> None:
        if key == "exists":
            if not self.flag(node, "exists"):
                raise self.fail(
                    node, "a contract protects columns that exist", f"no entry for {col.name}, or `exists: true`"
                )
        elif key in ("nullable", "primary_key", "unique"):
            setattr(col, key, self.flag(node, key))
        elif key == "type":
            col.type = self.type_text(node)
        elif key == "compatible":
            if not isinstance(node, yaml.SequenceNode):
                raise self.fail(
                    node,
                    f"`compatible` must be a list of types, not {_shown(node)}",
                    "`compatible: [varchar(128), text]`",
                )
            col.compatible = [self.type_text(item) for item in node.value]
        elif key == "references":
            col.references = self.reference(node)
        elif key == "referenced_by":
            items = node.value if isinstance(node, yaml.SequenceNode) else [node]
            col.referenced_by = [self.reference(item) for item in items]

    def type_text(self, node: yaml.Node) -> str:
        value = self.scalar(node) if isinstance(node, yaml.ScalarNode) else None
        if not isinstance(value, str) or not _TYPE_SHAPE.match(value):
            raise self.fail(
                node, f"{_shown(node)} is not a column type", "a type such as `varchar(64)` or `decimal(12,2)`"
            )
        if type_name(value) not in ALL_TYPES:
            raise self.fail(
                node, f"{value!r} is not a type any supported database knows", suggest_type(value, ALL_TYPES)
            )
        return " ".join(value.split())

    def reference(self, node: yaml.Node) -> str:
        value = self.scalar(node) if isinstance(node, yaml.ScalarNode) else None
        if not isinstance(value, str) or "." not in value.strip(". "):
            raise self.fail(
                node,
                f"a reference must name table.column, not {_shown(node)}",
                "`PayloadTransactions.canonical_tx_id_norm`",
            )
        return value.strip()


def _shown(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return repr(node.value) if node.value != "" else "empty"
