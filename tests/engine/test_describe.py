"""Declarations of measures, levers and pictures: the API, and every model's declarations.

Every column a preset's run produces is declared by its model; every declared
measure is produced by some preset of its model; every key path a declaration
names is a key of the model's scenario schema.
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import cache

import numpy as np
import pytest

from scslab.engine import Streams, simulate
from scslab.engine.describe import UNDESCRIBED, Category, Description, Lever, Measure
from scslab.scenario import kernel, list_presets, load_scenario, scenario_class
from scslab.scenario.introspect import model_of
from scslab.scenario.metricsdoc import shipped_models
from scslab.scenario.registry import description

MODELS = shipped_models()
PRESETS = [p for p in list_presets() if p.model in MODELS]
#: Smaller societies than the presets', for a run of two steps.
SMALL = {"regime": ["params.population.size=3000"]}


@cache
def _columns(preset: str, model: str) -> tuple[str, ...]:
    scn = load_scenario(preset, ["steps=2", *SMALL.get(model, [])])
    _, rows = simulate(kernel(model), scn, Streams(np.random.SeedSequence(1)), steps=2)
    return tuple(rows[-1])


# ------------------------------------------------------------------ the API
FAMILY = Measure("acts_{kind}", "{kind} acts", "acts per person", "acts of that kind / people")
ONE = Measure("acts", "acts", "acts", "every act", share=True, headline=True, topic="acts")


def test_a_family_matches_its_members_and_fills_its_label():
    assert FAMILY.is_family and FAMILY.placeholder == "kind" and not ONE.is_family
    assert FAMILY.matches("acts_fraud") and not FAMILY.matches("acts_") and not FAMILY.matches("x")
    assert FAMILY.member("acts_traffic_violation") == "traffic_violation"
    assert FAMILY.label_of("acts_traffic_violation") == "traffic violation acts"


def test_a_description_finds_exact_names_before_families():
    desc = Description(measures=(FAMILY, ONE))
    assert desc.measure("acts") is ONE and desc.measure("acts_fraud") is FAMILY
    assert desc.measure("other") is None
    assert desc.undeclared(["step", "acts", "acts_x", "other"]) == ["other"]
    assert desc.members(["acts", "acts_x", "acts_y"], "kind") == ["acts_x", "acts_y"]
    assert desc.label("acts_x") == "x acts" and desc.label("no_such") == "no such"
    assert desc.is_share("acts") and not desc.is_share("acts_x") and not desc.is_share("zz")
    assert desc.headline == ("acts",) and desc.topics == ("acts",) and desc.plotted == ("acts",)
    with pytest.raises(ValueError, match="measures declared twice: acts"):
        Description(measures=(ONE, ONE))


def test_lever_paths_gather_measures_sliders_and_switches():
    desc = Description(
        measures=(Measure("m", "m", "u", "c", levers=("params.a", "params.b")),),
        levers=(Lever("b", "params.b", switch="params.on"), Lever("n", "params.l[:n]")),
        pictures=(Category("free", "free", "#fff"),),
    )
    assert desc.lever_paths == ("params.a", "params.b", "params.l[:n]", "params.on")
    assert desc.levers[1].is_count and not desc.levers[0].is_count


def test_a_kernel_without_declarations_gets_an_empty_one():
    assert description("toy").measures  # the test model declares its measures
    assert UNDESCRIBED.measure("anything") is None and UNDESCRIBED.label("a_b") == "a b"


# ------------------------------------------------------------------ every model
@pytest.mark.parametrize("model", MODELS)
def test_every_model_declares_labelled_measures(model):
    desc = description(model)
    assert desc.measures, f"{model} declares no measure"
    assert desc.headline, f"{model} declares no headline measure"
    for m in desc.measures:
        assert m.label and m.unit and m.counts, m.name
        assert re.fullmatch(r"[a-z0-9_]*(\{[a-z_]+\})?[a-z0-9_]*", m.name), m.name
        assert not (m.headline and m.is_family), f"{m.name}: a family cannot be a headline"
    for name in desc.plots:
        assert desc.measure(name) is not None, f"{model} plots an undeclared {name}"


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.name)
def test_every_column_a_preset_produces_is_declared(preset):
    cols = _columns(preset.name, preset.model)
    missing = description(preset.model).undeclared(cols)
    assert not missing, f"{preset.name}: no declaration covers {missing}"


def test_every_declared_measure_is_produced_by_a_preset_of_its_model():
    produced: dict[str, set[str]] = defaultdict(set)
    for p in PRESETS:
        produced[p.model].update(_columns(p.name, p.model))
    for model in MODELS:
        desc = description(model)
        for m in desc.measures:
            assert any(m.matches(c) for c in produced[model]), f"{model}: {m.name} is never made"


def _resolves(model: str, path: str) -> bool:
    current = scenario_class(model)
    for part in path.split("."):
        key = re.sub(r"\[(\*|:n|\d+)\]$", "", part)
        cls = model_of(current)
        if cls is None or key not in cls.model_fields:
            return False
        current = cls.model_fields[key].annotation
    return True


@pytest.mark.parametrize("model", MODELS)
def test_every_declared_lever_is_a_key_of_the_scenario(model):
    paths = description(model).lever_paths
    assert paths, f"{model} names no lever"
    bad = [p for p in paths if not _resolves(model, p)]
    assert not bad, f"{model}: not scenario keys: {bad}"
    assert not _resolves(model, "params.no_such_key")  # the check can fail
