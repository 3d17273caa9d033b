"""The one corpus of secret-bearing statement forms every masker is tested against (tests/data/masking_corpus.json):
the Python masker, PostgreSQL's `schema_sync.mask_statement` (run in the server) and the T-SQL one (its port)."""

from __future__ import annotations

import json
from pathlib import Path

CORPUS = json.loads((Path(__file__).parent / "data" / "masking_corpus.json").read_text(encoding="utf-8"))
SECRET: str = CORPUS["secret"]


def masked_forms(masker: str) -> list[tuple[str, str]]:
    """(text, a part that must survive) for every form `masker` must mask."""
    return [(f["text"], f["kept"]) for f in CORPUS["masked"] if masker in f["maskers"]]


def kept_forms(masker: str) -> list[str]:
    return [f["text"] for f in CORPUS["kept"] if masker in f["maskers"]]


def check_masked(text: str, kept: str, out: str) -> None:
    assert SECRET not in out, out
    assert "'x1'" not in out, out
    assert kept in out, out
    assert "***" in out, out
