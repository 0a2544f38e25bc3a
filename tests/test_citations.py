"""Presets, docs and code cite what a user has: docs/ and the papers, not the
project's private notes (shared/FACTS.md, shared/ARCHITECTURE.md, ...)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scslab.scenario import list_presets

ROOT = Path(__file__).resolve().parents[1]
PRIVATE = re.compile(
    r"shared/|\b(FACTS|ARCHITECTURE|REGIME-MODEL|RECIPES|STYLE)\.md\b|\b(FACTS|RECIPES)\b"
)
FILES = sorted(
    [ROOT / "README.md"]
    + list((ROOT / "docs").rglob("*.md"))
    + list((ROOT / "src" / "scslab").rglob("*.yaml"))
    + list((ROOT / "src" / "scslab").rglob("*.py"))
    + list((ROOT / "benchmarks").rglob("*.py"))
    + list((ROOT / "scenarios").rglob("*.yaml"))
)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_citation_of_files_a_user_does_not_have(path):
    text = path.read_text(encoding="utf-8")
    hits = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for n, line in enumerate(text.splitlines(), 1)
        if PRIVATE.search(line)
    ]
    assert hits == []


def test_every_preset_is_checked():
    checked = {p.name for p in FILES}
    assert {p.path.name for p in list_presets()} <= checked


def test_the_pattern_catches_the_old_citations():
    for old in (
        "Sources (shared/FACTS.md): 9.6 M listed",
        "as critical analyses describe it (shared/ARCHITECTURE.md)",
        "no fixed term in FACTS.md",
        "Acts (REGIME-MODEL.md): person i",
    ):
        assert PRIVATE.search(old)
