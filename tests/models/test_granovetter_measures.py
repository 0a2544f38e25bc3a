"""Granovetter's headline measures (rioters, their share, the equilibrium): known answers and laws."""

from __future__ import annotations

import numpy as np
import pytest
from measure_laws import assert_every_declared_lever_has_a_law, mean_over_run

import scslab
from scslab.engine import State
from scslab.scenario import kernel


def test_metrics_of_a_hand_built_state():
    """A crowd of 12, of whom 5 riot now, and an equilibrium of 7 computed at the start:
    rioters 5, share 5 / 12, equilibrium 7 (a constant of the crowd, not of the step).
    """
    active = np.zeros(12, bool)
    active[[0, 3, 4, 8, 11]] = True
    got = kernel("granovetter").metrics(State(params=None, active=active, equilibrium=7))
    assert got == pytest.approx({"rioters": 5.0, "rioter_share": 5 / 12, "equilibrium": 7.0})


def _crowd(thresholds):
    scn = {
        "name": "crowd",
        "model": "granovetter",
        "steps": 14,
        "seed": 1,
        "params": {"n": len(thresholds), "distribution": "explicit", "thresholds": thresholds},
    }
    return scslab.run(scn).metrics


def test_a_dozen_thresholds_0_to_11_riot_one_more_each_round():
    """Thresholds 0, 1, ..., 11: round t brings in the person of threshold t - 1, so
    after round t, min(t, 12) riot; the equilibrium (from nobody rioting) is all 12.
    """
    m = _crowd(list(range(12)))
    assert m["rioters"].to_list() == [float(min(t, 12)) for t in range(15)]
    assert m["rioter_share"].to_list()[-1] == 1.0
    assert set(m["equilibrium"].to_list()) == {12.0}


def test_moving_one_threshold_from_1_to_2_stops_the_riot_at_one():
    """Granovetter's example at a dozen: 0, 2, 2, 3, ..., 11. The person of threshold 0
    riots in round 1; nobody else has a threshold of at most 1, so it stops there:
    1 rioter (1 / 12) and an equilibrium of 1.
    """
    m = _crowd([0, 2, *range(2, 12)])
    assert m["rioters"].to_list() == [0.0] + [1.0] * 14
    assert m["rioter_share"].to_list()[-1] == pytest.approx(1 / 12)
    assert set(m["equilibrium"].to_list()) == {1.0}


#: (measure, lever, low value, high value, +1: rises with the lever / -1: falls)
LAWS = [
    (measure, lever, lo, hi, sign)
    for measure in ("rioters", "rioter_share", "equilibrium")
    for lever, lo, hi, sign in (("params.mean", 20, 30, -1), ("params.sd", 10, 15, +1))
]


def test_the_laws_cover_every_declared_lever():
    assert_every_declared_lever_has_a_law("granovetter", LAWS)


@pytest.mark.parametrize(("measure", "lever", "lo", "hi", "sign"), LAWS)
def test_headline_measure_moves_with_its_lever(measure, lever, lo, hi, sign):
    """Granovetter's normal crowd (100 people, thresholds at the quantiles of N(25, 12)).

    A higher mean threshold holds more people back; a wider spread puts more
    people at the bottom, where the cascade starts (the paper's jump near sd 12.2).
    """
    at = [
        mean_over_run("granovetter-normal", [f"{lever}={v}"], measure, seeds=(1,), steps=30)
        for v in (lo, hi)
    ]
    assert sign * (at[1] - at[0]) > 0, (measure, lever, at)
