"""The firm grades fitted (issue 11 §6, firm side): `firm-credit` and `full-regime` at their defaults.

Tax year 2018: 4.89 % of rated taxpayers A, 7.01 % D (docs/presets.md). The
defaults are the posterior medians of `make calibrate-firms`; the shares are
outputs read at step 365 (the firms start from their own steady state, no share
is set).
"""

from __future__ import annotations

import numpy as np
import pytest

import scslab
from scslab.scenario import load_scenario

A_2018, D_2018 = 0.0489, 0.0701
#: The firm side of a scenario: every parameter the firms' choices, records and ratings read.
FIRM_PATHS = (
    ("population", "firms"),
    ("firms",),
    ("behaviour", "firm_violation_rate"),
    ("behaviour", "firm_gain"),
    ("behaviour", "firm_beta"),
    ("surveillance", "firm_detection_prob"),
    ("surveillance", "firm_false_record_rate"),
    ("scoring", "firm_base"),
    ("scoring", "firm_deduction"),
    ("scoring", "firm_bands"),
    ("scoring", "record_ttl"),
    ("ambiguity",),
    ("population", "children_share"),
    ("population", "diaspora_share"),
)


def _get(params, path):
    for key in path:
        params = getattr(params, key)
    return params


def test_full_regime_has_the_firm_side_fitted_on_firm_credit():
    """The fit transfers: the firms of both presets read the same values (their plans too)."""
    from scslab.regime.model import plan_for

    fc, fr = load_scenario("firm-credit").params, load_scenario("full-regime").params
    for path in FIRM_PATHS:
        assert _get(fc, path) == _get(fr, path), ".".join(path)
    pc, pr = plan_for(fc), plan_for(fr)
    for name in ("firm_cost", "firm_detection_prob", "firm_daily_cost", "firm_sanction_share"):
        assert getattr(pc, name) == getattr(pr, name), name
    assert fr.firms.enabled and fc.firms.enabled


@pytest.mark.slow
@pytest.mark.parametrize("preset", ["firm-credit", "full-regime"])
def test_defaults_give_the_2018_grades_within_20_percent(preset):
    """Mean over three seeds at step 365: A within 4.89 % ± 20 %, D within 7.01 % ± 20 %."""
    a, d = [], []
    for seed in (1, 2, 3):
        run = scslab.run(preset, seed=seed, overrides={"collect_every": 365})
        row = run.metrics.to_dicts()[-1]
        assert row["step"] == 365
        a.append(row["firm_rating_A"])
        d.append(row["firm_rating_D"])
    assert abs(np.mean(a) / A_2018 - 1) <= 0.2, a
    assert abs(np.mean(d) / D_2018 - 1) <= 0.2, d


def test_full_regime_baseline_is_the_shared_society_with_its_firms():
    """full-regime's baseline: no-regime's society with full-regime's firms (on, fitted rate).

    `firms` is the firms' own behaviour, not a regime mechanism: the baseline keeps it,
    with every regime mechanism off, so it is no-regime with those two values, exactly.
    """
    from scslab.scenario.params.regime import counterfactual

    scn = load_scenario("full-regime", {"steps": 60})
    base = scslab.run(counterfactual(scn)).metrics
    fr = scn.params.behaviour.firm_violation_rate
    society = load_scenario(
        "no-regime",
        {"steps": 60, "params.firms.enabled": True, "params.behaviour.firm_violation_rate": fr},
    )
    assert base.equals(scslab.run(society).metrics)
    assert not base["firm_compliance"].equals(
        scslab.run(load_scenario("no-regime", {"steps": 60})).metrics["firm_compliance"]
    )
