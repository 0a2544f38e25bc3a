"""Epstein's headline measures (`active`, `jailed`): known answers and laws."""

from __future__ import annotations

import numpy as np
import pytest
from measure_laws import assert_every_declared_lever_has_a_law, mean_over_run

from scslab.engine import State, Streams
from scslab.scenario import kernel, load_scenario

#: Hardships of the dozen citizens, highest first (the kernel numbers them so).
HARDSHIP = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.25, 0.2, 0.1, 0.05, 0.0])


def _tiny(**params):
    """A 4 x 3 torus, everyone in everyone's sight (vision 7 > the grid), nobody moving."""
    base = {"width": 4, "height": 3, "movement": False, "legitimacy": 0.5, "active_threshold": 0.1}
    return load_scenario(
        {"name": "t", "model": "epstein", "steps": 9, "seed": 1, "params": {**base, **params}}
    )


def _start(scn, hardship):
    model = kernel("epstein")
    state = model.init(scn, Streams(np.random.SeedSequence(1)))
    state.step = 0
    state.hardship[:] = hardship
    state.risk_aversion[:] = 0.0  # the arrest risk never holds anyone back
    return model, state


def test_metrics_of_a_hand_built_state():
    """Twelve citizens: 3 active, 4 jailed, so 12 - 3 - 4 = 5 quiet; 2 arrests this step.

    Cop slots at cells 5 and 9, one empty slot (-1): 2 cops. Every hardship is 0.5
    and L = 0.8, so every grievance is 0.5 x (1 - 0.8) = 0.1 and so is their mean.
    """
    active = np.zeros(12, bool)
    active[[0, 4, 7]] = True
    jailed = np.zeros(12, bool)
    jailed[[1, 2, 3, 11]] = True
    state = State(
        params=None,
        active=active,
        jailed=jailed,
        hardship=np.full(12, 0.5),
        cop_pos=np.array([5, 9, -1], np.int32),
        legitimacy=0.8,
        arrests=2,
    )
    got = kernel("epstein").metrics(state)
    assert got == pytest.approx(
        {
            "active": 3.0,
            "quiet": 5.0,
            "jailed": 4.0,
            "arrests": 2.0,
            "cops": 2.0,
            "legitimacy": 0.8,
            "mean_grievance": 0.1,
        }
    )


def test_active_without_cops_is_who_has_grievance_above_the_threshold():
    """No cop, so the arrest probability is 0 and i turns active iff H_i (1 - L) > T.

    L = 0.5 and T = 0.1: active iff H_i > 0.2, which holds for 0.9, 0.8, 0.7, 0.6,
    0.5, 0.4, 0.3 and 0.25: 8 active, nobody jailed, 12 - 8 = 4 quiet. Mean grievance:
    the hardships sum to 4.8, so 4.8 / 12 x 0.5 = 0.2.
    """
    model, state = _start(_tiny(citizen_density=1.0, cop_density=0.0), HARDSHIP)
    model.step(state, Streams(np.random.SeedSequence(2)))
    got = model.metrics(state)
    assert (got["active"], got["jailed"], got["quiet"], got["arrests"]) == (8, 0, 4, 0)
    assert got["mean_grievance"] == pytest.approx(0.2)


def test_one_cop_jails_one_active_citizen_a_step_for_life():
    """Eleven citizens (the first eleven hardships) and one cop who sees every cell.

    Eight have H > 0.2 and turn active at every decision while free (no risk
    aversion). The cop arrests one of them per step, for life (no maximum term):
    after step k, k are jailed and 8 - k active, until all 8 are in jail; the 3
    others stay quiet throughout: 11 - (8 - k) - k = 3.
    """
    scn = _tiny(citizen_density=11 / 12, cop_density=1 / 12, max_jail_term=None)
    model, state = _start(scn, HARDSHIP[:11])
    streams = Streams(np.random.SeedSequence(2))
    for k in range(1, 10):
        model.step(state, streams)
        state.step = k
        got = model.metrics(state)
        jailed = min(k, 8)
        assert (got["jailed"], got["active"], got["quiet"]) == (jailed, 8 - jailed, 3), k
        assert got["arrests"] == (1 if k <= 8 else 0)


#: (measure, lever, low value, high value, +1: rises with the lever / -1: falls)
LAWS = [
    ("active", "params.legitimacy", 0.5, 0.9, -1),
    ("active", "params.cop_density", 0.01, 0.1, -1),
    ("jailed", "params.max_jail_term", 0, 30, +1),
    ("jailed", "params.legitimacy", 0.5, 0.9, -1),
]


def test_the_laws_cover_every_declared_lever():
    assert_every_declared_lever_has_a_law("epstein", LAWS)


@pytest.mark.parametrize(("measure", "lever", "lo", "hi", "sign"), LAWS)
def test_headline_measure_moves_with_its_lever(measure, lever, lo, hi, sign):
    """On a 20 x 20 grid, 60 steps, the mean over steps and 3 common seeds.

    Margins seen: actives 0 vs about 40 (legitimacy), 0 vs about 70 (cops); jailed
    about 14 vs 45 (jail term 0 vs 30), 0 vs about 150 (legitimacy).
    """
    small = ["params.width=20", "params.height=20"]
    at = [
        mean_over_run("epstein", [*small, f"{lever}={v}"], measure, seeds=(1, 2, 3), steps=60)
        for v in (lo, hi)
    ]
    assert sign * (at[1] - at[0]) > 0, (measure, lever, at)
