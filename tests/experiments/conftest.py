"""Fixtures and helpers for the sweep tests: toy scenarios and database snapshots."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scslab.scenario.registry import MODELS, ModelEntry  # noqa: E402

CRASHY = ModelEntry(
    "crashy",
    "sweep_models:CrashModel",
    "sweep_models:CrashParams",
    "a model whose worker process dies on request (tests only)",
)


@pytest.fixture
def crashy(monkeypatch):
    """The model 'crashy', registered for one test only (contract tests list MODELS)."""
    monkeypatch.setitem(MODELS, "crashy", CRASHY)
    return "crashy"


@pytest.fixture
def toy_yaml(tmp_path: Path) -> Path:
    """A small toy scenario file."""
    path = tmp_path / "toy.yaml"
    data = {"name": "toy", "model": "toy", "steps": 15, "seed": 11, "params": {"n": 40}}
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def toy_base():
    from scslab.scenario import load_scenario

    return load_scenario(
        {"name": "toy", "model": "toy", "steps": 15, "seed": 11, "params": {"n": 40}}
    )
