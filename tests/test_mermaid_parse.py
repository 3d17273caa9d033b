"""Every Mermaid block of the example site and of the hostile schema parses with the real Mermaid (Node.js)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from conftest import EXAMPLE, js_missing, make_sqlite
from mermaid_check import is_er, mermaid_blocks
from mermaid_keywords import er_keywords, keyword_schema
from test_render import hostile, render

JS = Path(__file__).parent / "js"


def parse_with_mermaid(blocks: list[str]) -> subprocess.CompletedProcess[str]:
    node = shutil.which("node")
    if node is None or not (JS / "node_modules" / "mermaid").is_dir():
        js_missing()
    return subprocess.run(
        [node, str(JS / "mermaid_parse.mjs")], input=json.dumps(blocks), capture_output=True, text=True, timeout=180
    )


def test_generated_diagrams_parse_with_real_mermaid(tmp_path: Path) -> None:
    scout = render(make_sqlite(tmp_path / "scout.db", (EXAMPLE / "scout.sql").read_text()))
    pages = {**scout, **{f"hostile/{k}": v for k, v in hostile(tmp_path).items()}}
    blocks = [b for text in pages.values() for b in mermaid_blocks(text)]
    assert len(blocks) >= 20, len(blocks)
    result = parse_with_mermaid(blocks)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(blocks)} parsed, 0 failed" in result.stdout


def test_the_parser_rejects_broken_diagrams() -> None:
    """The check has teeth: an unescaped name and an unclosed entity fail."""
    result = parse_with_mermaid(['erDiagram\n  "; DROP ||--|| B : "x"', "erDiagram\n  A{\n int a\n"])
    assert result.returncode == 1
    assert "0 parsed, 2 failed" in result.stdout


def test_every_mermaid_keyword_as_a_name_draws(tmp_path: Path) -> None:
    """Tables, columns, types and FK names spelled as each word the bundled Mermaid's ER lexer reads."""
    pages = render(make_sqlite(tmp_path / "k.db", keyword_schema()))
    blocks = [b for text in pages.values() for b in mermaid_blocks(text) if is_er(b)]
    assert len(blocks) == len(er_keywords()) + 1  # a page per table, and the overview
    overview = mermaid_blocks(pages["schema/main/er.md"])[0]
    for word in er_keywords():
        assert f'["{word}"]' in overview, word  # the real name is the entity's label
    result = parse_with_mermaid(blocks)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(blocks)} parsed, 0 failed" in result.stdout
