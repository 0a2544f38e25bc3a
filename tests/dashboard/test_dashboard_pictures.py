"""The picture of the population draws the categories its model declares, and no other."""

from __future__ import annotations

import numpy as np
import pytest

from scslab.dashboard.pictures import PICTURES, picture_of, population_size
from scslab.dashboard.simulation import Simulation
from scslab.scenario import MODELS, load_scenario
from scslab.scenario.registry import description

SMALL = {
    "epstein": ["steps=20", "params.width=15", "params.height=15"],
    "regime": ["steps=20", "params.population.size=2000"],
}


@pytest.mark.parametrize("model", sorted(MODELS))
def test_a_model_with_categories_has_a_picture_and_the_reverse(model):
    declared = bool(description(model).pictures)
    assert declared == (model in PICTURES), model


@pytest.mark.parametrize("model", sorted(PICTURES))
def test_every_drawn_category_is_declared(model):
    preset = {"epstein": "epstein", "regime": "full-regime"}[model]
    sim = Simulation(load_scenario(preset, SMALL[model]))
    sim.advance(20, budget_s=30)
    pic = sim.picture()
    declared = [c.name for c in description(model).pictures]
    assert set(pic["state"]) <= set(declared)
    assert list(pic["colors"]) == declared  # legend order: the declared order
    assert pic["labels"] == {c.name: c.label for c in description(model).pictures}
    assert population_size(model, sim.world.state) > 0


def test_a_model_without_a_picture_shows_none():
    sim = Simulation(load_scenario("kuran-cascade", ["steps=2"]))
    assert population_size("kuran", sim.world.state) is None
    assert picture_of("kuran", sim.world.state, np.arange(3)) is None
