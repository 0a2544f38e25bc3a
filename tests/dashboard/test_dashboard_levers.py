from __future__ import annotations

import pytest

from scslab.dashboard.levers import (
    apply_levers,
    current_value,
    levers_for,
    measures_for,
    schema_bounds,
    slider_range,
    switched_off,
)
from scslab.errors import ScenarioError
from scslab.scenario import list_presets, load_scenario
from scslab.scenario.registry import description

PRESETS = list_presets()


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.name)
def test_every_lever_exists_in_the_schema_and_in_every_preset(preset):
    data = load_scenario(preset.name).to_dict()
    levers = levers_for(preset.model, data)
    assert levers == list(description(preset.model).levers)
    for lever in levers:
        bounds = schema_bounds(preset.model, lever, data)
        lo, hi, integer = slider_range(preset.model, lever, data)
        value = current_value(data, lever)
        if value is None:  # null (epstein's infinite jail term): the dashboard shows no slider
            assert bounds["nullable"]
            continue
        assert lo <= value <= hi, lever
        if bounds["lo"] is not None:
            assert lo >= bounds["lo"]
        if bounds["hi"] is not None:
            assert hi <= bounds["hi"]


def test_levers_and_plots_are_the_declared_ones():
    assert len(levers_for("regime")) >= 8
    assert [lv.path for lv in levers_for("kuran")][0] == "params.sanction"
    names = ["step", "rioters", "rioter_share", "equilibrium", "extra"]
    assert measures_for("granovetter", names) == ["rioters", "rioter_share", "equilibrium"]
    # a model that declares nothing plots its first metrics
    assert measures_for("toy", ["step", "mean", "sd", "total"]) == ["mean", "sd", "total"]


def test_regime_levers_write_the_scenario():
    base = load_scenario("full-regime").to_dict()
    scn = apply_levers(
        base,
        {
            "params.surveillance.sources[*].coverage": 0.25,
            "params.sanctions.memoranda[:n]": 1,
            "params.discourse.propaganda": 0.9,
        },
    )
    assert {s.coverage for s in scn.params.surveillance.sources} == {0.25}
    assert [m.name for m in scn.params.sanctions.memoranda] == [
        base["params"]["sanctions"]["memoranda"][0]["name"]
    ]
    assert scn.params.discourse.propaganda == 0.9
    assert base["params"]["discourse"]["propaganda"] != 0.9  # the base is not changed


def test_out_of_range_values_are_refused_with_the_schema_message():
    base = load_scenario("full-regime").to_dict()
    with pytest.raises(ScenarioError) as err:
        apply_levers(base, {"params.surveillance.sources[*].coverage": 1.4})
    assert str(err.value) == "params.surveillance.sources[*].coverage must be in [0, 1]; got 1.4"
    with pytest.raises(
        ScenarioError, match=r"params.discourse.propaganda must be in \[0, 1\]; got -0.5"
    ):
        apply_levers(base, {"params.discourse.propaganda": -0.5})
    with pytest.raises(ScenarioError, match=r"the number to keep must be in \[0, 3\]; got 7"):
        apply_levers(base, {"params.sanctions.memoranda[:n]": 7})


def test_a_lever_of_a_mechanism_that_is_off_says_so():
    data = load_scenario("court-blacklist").to_dict()
    by_label = {lv.label: switched_off(data, lv) for lv in levers_for("regime")}
    assert by_label["propaganda"] is True
    assert by_label["surveillance coverage"] is False


def test_epstein_levers_ranges():
    data = load_scenario("epstein").to_dict()
    ranges = {lv.path: slider_range("epstein", lv, data) for lv in levers_for("epstein")}
    assert ranges["params.legitimacy"] == (0.0, 1.0, False)
    assert ranges["params.max_jail_term"][2] is True
