"""Kuran's headline measures (public, private opposition, the gap): known answers and laws."""

from __future__ import annotations

import numpy as np
import pytest
from measure_laws import assert_every_declared_lever_has_a_law, mean_over_run

import scslab
from scslab.engine import State
from scslab.scenario import kernel


def test_metrics_of_a_hand_built_state():
    """Twelve people, private opposition d = 0.9, 0.8, 0.7, 0.6, 0.55, 0.51, 0.5, 0.4,
    0.3, 0.2, 0.1, 0.0; the first two and the last oppose in public.

    Privately opposed (d > 0.5, strictly): the first six, 6 / 12 = 0.5. Public: 3 / 12
    = 0.25. Gap 0.5 - 0.25 = 0.25. Falsifying: four privately opposed but silent
    (0.7, 0.6, 0.55, 0.51) and one opposing in public without private opposition
    (d = 0.0): 5 / 12.
    """
    d = np.array([0.9, 0.8, 0.7, 0.6, 0.55, 0.51, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0])
    public = np.zeros(12, bool)
    public[[0, 1, 11]] = True
    got = kernel("kuran").metrics(State(params=None, private=d, public=public))
    assert got == pytest.approx(
        {
            "public_opposition": 0.25,
            "private_opposition": 0.5,
            "falsification_gap": 0.25,
            "falsifying_share": 5 / 12,
        }
    )


def test_kurans_ten_person_society():
    """Revolutionary thresholds 0, 10, ..., 80 and 100 %: round t brings in the person
    of threshold (t - 1) x 10 %, up to 90 % after round 9; the last (100 %) never
    speaks. Nine of the ten have private opposition above 0.5 (the last has 0.3):
    private 0.9, public 0.9, gap 0.

    With the second threshold at 20 % instead, only the first ever speaks: public
    0.1, private still 0.9, gap 0.8.
    """
    last = scslab.run("kuran-cascade").metrics.tail(1).to_dicts()[0]
    assert last["public_opposition"] == pytest.approx(0.9)
    assert last["private_opposition"] == pytest.approx(0.9)
    assert last["falsification_gap"] == pytest.approx(0.0, abs=1e-12)
    thresholds = [0.0, 0.2, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0]
    stuck = scslab.run(
        "kuran-cascade", overrides={"params.revolutionary_thresholds": thresholds}
    ).metrics
    assert stuck["public_opposition"].to_list()[1:] == pytest.approx([0.1] * 12)
    assert stuck["falsification_gap"].to_list()[-1] == pytest.approx(0.8)


#: A society of 2,000 with drawn thresholds (the sanction shifts every θ_i).
SOCIETY = {"name": "k", "model": "kuran", "steps": 30, "seed": 1, "params": {"n": 2000}}

#: (measure, lever, low value, high value, +1: rises with the lever / -1: falls)
LAWS = [
    ("public_opposition", "params.sanction", 0, 0.3, -1),
    ("public_opposition", "params.threshold_mean", 0.9, 1.3, -1),
    ("private_opposition", "params.private_mean", 0.5, 0.8, +1),
    ("falsification_gap", "params.sanction", 0, 0.3, +1),
    ("falsification_gap", "params.threshold_mean", 0.9, 1.3, +1),
]


def test_the_laws_cover_every_declared_lever():
    assert_every_declared_lever_has_a_law("kuran", LAWS)


@pytest.mark.parametrize(("measure", "lever", "lo", "hi", "sign"), LAWS)
def test_headline_measure_moves_with_its_lever(measure, lever, lo, hi, sign):
    """Seen at step 30: public 0.80 vs 0.02 (sanction 0 vs 0.3), 0.96 vs 0.05
    (threshold mean 0.9 vs 1.3); private 0.49 vs 0.93 (private mean 0.5 vs 0.8); the
    gap 0.02 vs 0.81 and -0.14 vs 0.78.
    """
    at = [
        mean_over_run(SOCIETY, [f"{lever}={v}"], measure, seeds=(1, 2), steps=30) for v in (lo, hi)
    ]
    assert sign * (at[1] - at[0]) > 0, (measure, lever, at)
