"""court-blacklist takes the fitted history's posterior medians, in daily steps (issue 11 §6).

`scslab.scenario.court_defaults` derives every value `court-blacklist` takes from
`court-blacklist-history` and its stored calibration; these tests check that the
preset holds those values (to the three significant figures it writes), that the
conversion is the stated one, and that the listed share it produces over its year
(2018) stays inside the history's 90 % posterior predictive interval.
"""

import json
from datetime import date
from pathlib import Path

import numpy as np
import pytest

import scslab
from scslab.scenario import load_scenario
from scslab.scenario.court_defaults import derive, main, medians, shown
from scslab.scenario.paths import get_at, split_path

STORED = Path(__file__).parents[1] / "experiments/data/court-blacklist-history-calibration.json"
CAL = json.loads(STORED.read_text())
CHECK = {r["target"]: r for r in CAL["check"]}
PRESET = load_scenario("court-blacklist")
DATA = PRESET.to_dict()


def preset_value(path: str) -> float:
    return float(get_at(DATA, split_path(path)))


@pytest.mark.parametrize("d", derive(CAL), ids=lambda d: d.path)
def test_each_derived_value_is_the_presets(d):
    held = preset_value(d.path)
    assert shown(held) == shown(d.value), (
        f"court-blacklist's {d.path} is {held:g}; derived from the calibration: "
        f"{shown(d.value)} ({d.how}). Update src/scslab/scenario/presets/court-blacklist.yaml "
        "(python -m scslab.scenario.court_defaults prints every value)"
    )


def test_the_fitted_rates_are_the_weekly_posterior_medians_divided_by_7():
    med = medians(CAL)
    week = {
        "params.acts[0].rate": med["params.acts[0].rate"],
        # fulfilment before 2019 (credit repair), flights from 2018 (passenger bans)
        "params.sanctions.lists[0].fulfilment_rate": med[
            "params.sanctions.lists[0].fulfilment_rate.values[0]"
        ],
        "params.sanctions.domains[0].attempt_rate": med[
            "params.sanctions.domains[0].attempt_rate.values[1]"
        ],
        "params.sanctions.domains[1].attempt_rate": med["params.sanctions.domains[1].attempt_rate"],
    }
    for path, weekly in week.items():
        assert 7 * preset_value(path) == pytest.approx(weekly, rel=6e-3), path  # 3 figures
    names = [d["name"] for d in DATA["params"]["sanctions"]["domains"]]
    assert names[:2] == ["flights", "trains"]  # the history's two travel domains, same order


def test_the_stock_is_the_models_prediction_not_the_observed_figure():
    stock = CHECK["listed_end_2017"]
    share = preset_value("params.sanctions.lists[0].initial_share")
    assert share == pytest.approx(stock["median"], rel=6e-3)
    assert abs(share - stock["observed"]) > 0.1 * stock["observed"]  # 0.76 % against 0.87 %


def test_the_pressure_times_cost_and_the_expected_cost_of_a_listing_are_the_historys():
    from scslab.regime.plan import make_plan

    hist = load_scenario("court-blacklist-history")
    day = make_plan(PRESET.params_at(0))
    week = make_plan(hist.params_at(int(hist.calendar.step_of(date(2018, 1, 1))) + 1))
    # the factor restrictions put on repayment, 1 + pressure x cost a step
    fd = day.list_pressure[0] * day.mask_cost[day.list_domain_mask[0]]
    fw = week.list_pressure[0] * week.mask_cost[week.list_domain_mask[0]]
    assert fd == pytest.approx(fw, rel=1e-2)
    # what deters a debt default: the expected cost of its listing (days' income)
    assert day.record_cost[0] == pytest.approx(week.record_cost[0], rel=2e-2)


def test_the_command_prints_each_value_with_its_arithmetic(capsys):
    assert main([str(STORED)]) == 0
    out = capsys.readouterr().out
    debt = medians(CAL)["params.acts[0].rate"]
    assert f"params.acts[0].rate = {shown(debt / 7)}    # " in out
    assert "a week / 7 [from the posterior]" in out
    assert main([str(STORED.with_name("missing.json"))]) == 2


def test_the_listed_share_stays_inside_the_historys_predictive_interval():
    """Three seeds at the calibration's 10,000 people, every collected step of 2018.

    The band at a date is the straight line between the history's 90 % predictive
    intervals at 2017-12-31 and 2018-12-31 (0.42 - 1.34 % and 0.45 - 1.42 %).
    """
    a, b = CHECK["listed_end_2017"], CHECK["listed_end_2018"]
    for seed in (1, 2, 3):
        m = scslab.run("court-blacklist", seed=seed, overrides={"params.population.size": 10_000})
        frac = m.metrics["step"].to_numpy() / 365
        lo = a["q05"] + frac * (b["q05"] - a["q05"])
        hi = a["q95"] + frac * (b["q95"] - a["q95"])
        share = m.metrics["listed_share_adults"].to_numpy()
        assert np.all((lo <= share) & (share <= hi)), (seed, share.min(), share.max())
