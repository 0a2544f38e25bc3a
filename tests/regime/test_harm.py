"""The problem the system solves: harm to others, harm prevented, debts repaid (issue 10, 2)."""

from __future__ import annotations

import numpy as np
import pytest
from regime_support import scenario

import scslab
from scslab.scenario import load_scenario, preset_path

BUSY = {"debt_default": 5e-4, "fraud": 1e-4, "admin_violation": 2e-3, "traffic_violation": 3e-3}
CORE = ("surveillance", "integration", "sanctions")


def _busy_acts() -> list[dict]:
    from scslab.scenario.params.regime import _default_acts

    return [{**a.model_dump(), "rate": BUSY.get(a.name, a.rate)} for a in _default_acts()]


def test_harm_prevented_is_the_paired_difference_with_the_baseline_run():
    scn = load_scenario(scenario({"acts": _busy_acts()}, on="all", size=6000, steps=60, seed=3))
    r = scslab.run(scn, baseline=True)
    with_ = r.metrics.tail(1).to_dicts()[0]
    base = r.baseline.metrics.tail(1).to_dicts()[0]
    # the baseline prevents nothing and its own harm is what the run says it would have been
    assert base["harm_prevented"] == 0.0
    assert with_["harm_prevented"] == pytest.approx(
        base["harm_to_others"] - with_["harm_to_others"], rel=1e-12, abs=1e-15
    )
    assert with_["harm_prevented"] > 0  # deterrence on busy acts at full coverage


def test_harm_scales_with_the_declared_harm_and_counts_unlawful_acts_only():
    acts = _busy_acts()
    doubled = [{**a, "harm": 2 * a["harm"]} for a in acts]
    one = scslab.run(load_scenario(scenario({"acts": acts}, size=4000, steps=20, seed=5)))
    two = scslab.run(load_scenario(scenario({"acts": doubled}, size=4000, steps=20, seed=5)))
    h1 = one.metrics["harm_to_others"].to_numpy()
    h2 = two.metrics["harm_to_others"].to_numpy()
    assert h1[-1] > 0
    np.testing.assert_allclose(h2, 2 * h1, rtol=1e-12)
    # harm is in days of mean income: welfare falls by harm x mean income per person
    w1 = one.metrics["welfare"].to_numpy()[1:]
    w2 = two.metrics["welfare"].to_numpy()[1:]
    assert (w2 <= w1).all() and (w2 < w1).any()


def test_a_lawful_act_with_harm_is_refused_naming_the_act():
    from scslab.errors import ScenarioError

    acts = _busy_acts()
    petition = next(a for a in acts if a["name"] == "petition")
    petition["harm"] = 1.0
    with pytest.raises(ScenarioError, match="petition.*lawful"):
        load_scenario(scenario({"acts": acts}))


def test_debts_repaid_are_true_fulfilments_of_harmful_acts():
    scn = load_scenario(scenario({"acts": _busy_acts()}, on=CORE, size=6000, steps=120, seed=2))
    m = scslab.run(scn).metrics.tail(1).to_dicts()[0]
    assert 0 < m["debts_repaid"] <= m["paid_under_pressure"]
    assert m["debts_repaid_value"] > 0


def _prevented(preset: str, seeds: range, **switches: bool) -> np.ndarray:
    out = []
    for seed in seeds:
        data = load_scenario(preset_path(preset)).to_dict()
        data["seed"] = seed
        data["params"]["population"]["size"] = 20000
        data["steps"] = 180
        for mechanism, on in switches.items():
            if mechanism == "scope_all":
                data["params"]["ambiguity"]["acts"] = None
            else:
                data["params"][mechanism]["enabled"] = on
        r = scslab.run(load_scenario(data))
        out.append(r.metrics["harm_prevented"].to_numpy()[-1])
    return np.array(out)


def _interval(x: np.ndarray) -> tuple[float, float]:
    from scipy import stats

    half = stats.t.ppf(0.975, x.size - 1) * x.std(ddof=1) / np.sqrt(x.size)
    return float(x.mean() - half), float(x.mean() + half)


@pytest.mark.slow
def test_court_blacklist_solves_a_problem_and_discourse_control_none():
    """The duality of the two readings, over five seeds (95 % t intervals).

    court-blacklist prevents harm (interval above 0). discourse-control watches no
    unlawful act and its vague rules are about speech (``ambiguity.acts:
    [dissent]``): the harm it prevents is below a hundredth of court-blacklist's
    (what remains comes from pre-empted people, who commit no act while
    restricted: with pre-emption off it is exactly 0). With its ambiguity widened to every act it
    deters unwatched acts too (people fear a prior cost of them), and prevents
    measurably more. Measured at 20,000 people, 180 steps, seeds 1-5, days of income
    per adult-day: court-blacklist 1.06e-3 (9.2e-4 - 1.19e-3; 8.5e-4 with the previous
    fit's medians, 4.7e-4 with the former hand-set preset), discourse-control
    1.7e-7 (1.1e-8 - 3.3e-7), widened 8.5e-5 (3.9e-5 - 1.3e-4).
    """
    court = _prevented("court-blacklist", range(1, 6))
    lo, hi = _interval(court)
    assert lo > 0, (lo, hi)
    speech_only = _prevented("discourse-control", range(1, 6))
    lo_d, hi_d = _interval(speech_only)
    assert abs(speech_only.mean()) < court.mean() / 100, (speech_only.mean(), court.mean())
    unpreempted = _prevented("discourse-control", range(1, 6), preemption=False)
    assert (unpreempted == 0).all(), unpreempted
    every = _prevented("discourse-control", range(1, 6), scope_all=True)
    assert every.mean() > speech_only.mean() + (hi_d - lo_d) / 2, (every.mean(), hi_d)
