from __future__ import annotations

import collections

import numpy as np

import scslab
from scslab.dashboard.simulation import Simulation
from scslab.scenario import load_scenario

SMALL_REGIME = ["params.population.size=3000", "steps=12"]


def frame_rows(df):
    return [{k: float("nan" if v is None else v) for k, v in r.items()} for r in df.to_dicts()]


def test_both_worlds_match_scslab_run_on_common_random_numbers():
    scn = load_scenario("full-regime", SMALL_REGIME)
    sim = Simulation(scn)
    while not sim.done:
        assert sim.advance(5, budget_s=10) > 0
    ref = scslab.run(scn, baseline=True)
    # exactly equal, a withheld value (NaN, null in parquet) included
    np.testing.assert_equal(sim.rows, frame_rows(ref.metrics))
    np.testing.assert_equal(sim.base_rows, frame_rows(ref.baseline.metrics))
    assert sim.advance(5) == 0  # done: nothing more


def test_a_model_without_counterfactual_runs_one_world():
    sim = Simulation(load_scenario("epstein", ["steps=5", "params.width=12", "params.height=12"]))
    assert sim.base is None
    sim.advance(2, budget_s=30)  # (the default budget may stop a loaded machine after one)
    assert [r["step"] for r in sim.rows] == [0.0, 1.0, 2.0]


def test_the_budget_bounds_a_tick():
    sim = Simulation(load_scenario("epstein", ["steps=500", "params.width=20", "params.height=20"]))
    assert sim.advance(1000, budget_s=0.0) == 1  # at least one step, then the budget stops it


def test_pictures_show_who_is_hit():
    sim = Simulation(load_scenario("full-regime", ["params.population.size=3000", "steps=60"]))
    sim.advance(60, budget_s=30)
    pic = sim.picture()
    counts = collections.Counter(pic["state"])
    assert set(counts) <= {"free", "listed", "restricted", "abroad"}
    assert counts["abroad"] > 0 and counts["free"] > 0
    base = sim.picture(base=True)
    assert set(base["state"]) <= {"free", "abroad"}  # nobody is hit without the system
    assert np.array_equal(pic["x"], base["x"])  # the same people in the same places

    ep = Simulation(load_scenario("epstein", ["steps=30", "params.width=15", "params.height=15"]))
    ep.advance(30, budget_s=30)
    assert set(ep.picture()["state"]) <= {"quiet", "active", "jailed"}
    assert Simulation(load_scenario("axelrod-norms", ["steps=2"])).picture() is None
