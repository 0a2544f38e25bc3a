"""Axelrod's headline measures (boldness, vengefulness, established, collapsed): known answers and laws."""

from __future__ import annotations

import numpy as np
import pytest
from measure_laws import assert_every_declared_lever_has_a_law, mean_over_run

from scslab.engine import State, Streams
from scslab.scenario import kernel, load_scenario


def test_metrics_of_a_hand_built_state():
    """Four populations of four agents; genes in sevenths.

    - population 0: B = 0, 1, 2, 3 (sum 6 <= 2 x 4), V = 7, 7, 5, 3 (sum 22 >= 5 x 4):
      established.
    - population 1: B = 7, 7, 6, 4 (sum 24 = 6 x 4), V = 0, 1, 2, 1 (sum 4 = 1 x 4):
      collapsed, on both boundaries.
    - population 2: B = 3 each (sum 12), V = 4 each (sum 16): neither.
    - population 3: B = 2 each (sum 8 = 2 x 4), V = 5 each (sum 20 = 5 x 4): established,
      on both boundaries.

    Mean boldness (6 + 24 + 12 + 8) / 16 / 7 = 50 / 112; mean vengefulness
    (22 + 4 + 16 + 20) / 16 / 7 = 62 / 112; established 2 / 4; collapsed 1 / 4.
    """
    b = np.array([[0, 1, 2, 3], [7, 7, 6, 4], [3, 3, 3, 3], [2, 2, 2, 2]], np.uint8)
    v = np.array([[7, 7, 5, 3], [0, 1, 2, 1], [4, 4, 4, 4], [5, 5, 5, 5]], np.uint8)
    got = kernel("axelrod").metrics(State(params=None, boldness=b, vengefulness=v))
    assert got == pytest.approx(
        {
            "mean_boldness": 50 / 112,
            "mean_vengefulness": 62 / 112,
            "established": 0.5,
            "collapsed": 0.25,
        }
    )


def test_a_population_that_holds_the_norm_keeps_it_without_mutation():
    """Nobody bold (B = 0) never defects: every score is 0, the sd is 0, everyone has
    exactly one offspring, so the genes only move about. Without mutation every
    population keeps B = 0 and V = 7: mean boldness 0, vengefulness 1, established 1,
    collapsed 0, at every generation.
    """
    scn = load_scenario("axelrod-norms", ["params.mutation_rate=0", "params.replicates=5"])
    model = kernel("axelrod")
    state = model.init(scn, Streams(np.random.SeedSequence(1)))
    state.boldness[:] = 0
    state.vengefulness[:] = 7
    streams = Streams(np.random.SeedSequence(2))
    for _ in range(5):
        model.step(state, streams)
        got = model.metrics(state)
        assert got == {
            "mean_boldness": 0.0,
            "mean_vengefulness": 1.0,
            "established": 1.0,
            "collapsed": 0.0,
        }


#: (measure, lever, low value, high value, +1: rises with the lever / -1: falls)
LAWS = [
    ("mean_boldness", "params.punishment", 0, 30, -1),
    ("mean_boldness", "params.temptation", 0, 10, +1),
    ("mean_vengefulness", "params.enforcement_cost", 0, 8, -1),
    ("mean_vengefulness", "params.metanorms", "false", "true", +1),
    ("established", "params.punishment", 0, 30, +1),
    ("collapsed", "params.punishment", 0, 30, -1),
]


def test_the_laws_cover_every_declared_lever():
    assert_every_declared_lever_has_a_law("axelrod", LAWS)


@pytest.mark.parametrize(("measure", "lever", "lo", "hi", "sign"), LAWS)
def test_headline_measure_moves_with_its_lever(measure, lever, lo, hi, sign):
    """The paper's norms game, 100 populations, 40 generations, 2 common seeds.

    Margins seen at 50 generations: boldness 0.90 vs 0.08 (P 0 vs 30), 0.09 vs 0.29
    (T 0 vs 10); vengefulness 0.50 vs 0.11 (E 0 vs 8), 0.40 vs 0.87 (metanorms);
    established 0 vs 0.09, collapsed 0.76 vs 0 (P 0 vs 30).
    """
    at = [
        mean_over_run("axelrod-norms", [f"{lever}={v}"], measure, seeds=(1, 2), steps=40)
        for v in (lo, hi)
    ]
    assert sign * (at[1] - at[0]) > 0, (measure, lever, at)
