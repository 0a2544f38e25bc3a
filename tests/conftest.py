from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from scslab.scenario.registry import MODELS, ModelEntry  # noqa: E402

MODELS.setdefault(
    "toy",
    ModelEntry(
        "toy",
        "toy:ToyModel",
        "toy:ToyParams",
        "random walkers (tests only)",
        baseline="toy:counterfactual",
    ),
)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)


@pytest.fixture
def toy_scenario() -> dict:
    return {"name": "toy", "model": "toy", "steps": 20, "seed": 3, "params": {"n": 50}}
