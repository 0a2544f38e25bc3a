"""Every example scenario in scenarios/ loads and runs."""

from __future__ import annotations

from pathlib import Path

import pytest

import scslab

EXAMPLES = sorted((Path(__file__).parents[1] / "scenarios").glob("*.yaml"))


def test_there_are_examples():
    assert EXAMPLES


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_runs(path):
    scn = scslab.load_scenario(path)
    result = scslab.run(scn, steps=min(scn.steps, 5))
    assert result.metrics.height == 6
    assert result.manifest["scenario"]["name"] == path.stem
