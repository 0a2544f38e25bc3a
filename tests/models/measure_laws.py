"""Helpers for the law tests of declared measures: each headline measure moves with its levers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

import scslab
from scslab.scenario.registry import description


def declared_pairs(model: str) -> set[tuple[str, str]]:
    """(measure, lever) for every headline measure of `model` and every lever it declares."""
    return {
        (m.name, lever) for m in description(model).measures if m.headline for lever in m.levers
    }


def assert_every_declared_lever_has_a_law(model: str, laws: Iterable[Sequence[Any]]) -> None:
    """The law table covers exactly the declared (headline measure, lever) pairs."""
    covered = {(law[0], law[1]) for law in laws}
    declared = declared_pairs(model)
    assert declared, f"{model} declares no lever of a headline measure"
    assert covered == declared, (
        f"{model}: laws missing for {sorted(declared - covered)}, "
        f"laws for undeclared levers {sorted(covered - declared)}"
    )


def mean_over_run(
    scenario: Any, overrides: Sequence[str], measure: str, seeds: Sequence[int], steps: int
) -> float:
    """The measure averaged over steps 1..steps and over `seeds` (common seeds across arms)."""
    values = []
    for seed in seeds:
        r = scslab.run(scenario, overrides=list(overrides), steps=steps, seed=seed)
        values.append(np.asarray(r.metrics[measure].to_list()[1:], dtype=float).mean())
    return float(np.mean(values))
