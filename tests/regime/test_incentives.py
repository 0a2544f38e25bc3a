"""Incentives in decisions and participation: laws and known answers."""

from __future__ import annotations

import numpy as np
import pytest
from regime_support import advance, make_state, scenario
from scipy import stats

import scslab
from scslab.scenario import load_scenario

UNLAWFUL = ("acts_debt_default", "acts_fraud", "acts_admin_violation", "acts_traffic_violation")
BUSY = {
    "debt_default": 5e-4,
    "fraud": 1e-4,
    "admin_violation": 2e-3,
    "traffic_violation": 3e-3,
    "petition": 2e-3,
}
SCORED = ("surveillance", "integration", "scoring", "sanctions")


def _acts():
    from scslab.scenario.params.regime import _default_acts

    return [{**a.model_dump(), "rate": BUSY.get(a.name, a.rate)} for a in _default_acts()]


def _redlist_only(benefit: float, incentives: bool, seed: int):
    """A redlist most clean people reach (one good deed lifts them to AA); no blacklist.

    Petitions cost points here (as where petitioning is marked down), so a
    disfavoured act forfeits redlist standing too.
    """
    from scslab.scenario.params.regime import _default_deductions

    params = {
        "acts": _acts(),
        "scoring": {
            "deductions": {**_default_deductions(), "petition": 20.0},
            "reward_rate": 0.05,
            "reward_points": 30.0,
        },
        "sanctions": {
            "lists": [{"name": "red", "kind": "red", "entry_grade": "AA", "benefit": benefit}],
            "memoranda": [],
        },
    }
    on = SCORED + (("incentives",) if incentives else ())
    return scslab.run(load_scenario(scenario(params, on=on, size=8000, steps=60, seed=seed)))


def _acts_per_adult(r) -> tuple[float, float]:
    """Unlawful and disfavoured acts per home adult-step, once the redlist has filled."""
    m = r.metrics
    unlawful = sum(m[c].to_numpy()[30:] for c in UNLAWFUL)
    return float(np.mean(unlawful)), float(np.mean(m["disfavoured_rate"].to_numpy()[30:]))


@pytest.mark.parametrize("seed", [1, 2])
def test_a_stronger_redlist_lowers_unlawful_and_disfavoured_acts_with_no_blacklist(seed):
    weak = _acts_per_adult(_redlist_only(0.0, True, seed))
    strong = _acts_per_adult(_redlist_only(0.2, True, seed))
    assert strong[0] < 0.95 * weak[0], (weak, strong)
    assert strong[1] < 0.95 * weak[1], (weak, strong)


def test_with_incentives_off_the_redlist_changes_no_act():
    weak = _redlist_only(0.0, False, 1).metrics
    strong = _redlist_only(0.05, False, 1).metrics
    cols = list(UNLAWFUL) + ["disfavoured_rate"]
    assert weak.select(cols).equals(strong.select(cols))


def test_the_perk_at_stake_follows_the_schema():
    """benefit x duration x min(1, deduction / (base + max_bonus - entry min_score))."""
    from scslab.regime.model import plan_for

    _, st, _ = make_state(
        {
            "sanctions": {
                "lists": [
                    {"name": "red", "kind": "red", "entry_grade": "AA", "benefit": 0.01},
                ],
                "memoranda": [],
            },
            "incentives": {"perk_weight": 2.0},
        },
        on=SCORED + ("incentives",),
        size=200,
    )
    plan = plan_for(st.params)
    margin = 1000 + 100 - 1030
    for k, name in enumerate(plan.act_names):
        ded = st.params.scoring.deductions.get(name, 0.0)
        want = 2.0 * 0.01 * 365 * min(1.0, ded / margin)
        assert plan.perk_at_stake[k] == pytest.approx(want)


def _participation(perk: float, x: float, steps: int = 40, seed: int = 1, size: int = 8000):
    params = {"participation": {"perk": perk, "exclusion_cost": x}}
    r = scslab.run(load_scenario(scenario(params, on=("participation",), size=size,
                                          steps=steps, seed=seed)))  # fmt: skip
    return r.metrics["participation_share"].to_numpy()


def test_participation_rises_with_the_perk():
    shares = [_participation(b, 0.1)[-1] for b in (0.0, 0.005, 0.01, 0.03)]
    assert shares[0] == 0.0
    assert all(a < b for a, b in zip(shares, shares[1:], strict=False)), shares


def test_participation_rises_with_the_cost_of_staying_out():
    shares = [_participation(0.01, x)[-1] for x in (0.0, 0.05, 0.1, 0.3)]
    assert all(a < b for a, b in zip(shares, shares[1:], strict=False)), shares


def _fixed_point(b: float, x: float, med: float = 0.05, sigma: float = 1.0) -> float:
    """The stable share the step iteration reaches from 0: share = P(c < b + x share)."""
    s = 0.0
    for _ in range(10_000):
        s_new = float(stats.norm.cdf(np.log((b + x * s) / med) / sigma)) if b + x * s > 0 else 0
        if abs(s_new - s) < 1e-12:
            break
        s = s_new
    assert abs(s - stats.norm.cdf(np.log((b + x * s) / med) / sigma)) < 1e-9
    return s


@pytest.mark.parametrize("b,x", [(0.01, 0.0), (0.01, 0.1), (0.02, 0.05)])
def test_participation_reaches_the_fixed_point_of_its_rule(b, x):
    share = _participation(b, x, steps=80)[-1]
    want = _fixed_point(b, x)
    se = np.sqrt(want * (1 - want) / 5000)  # ~5,600 home adults in 8,000 people
    assert abs(share - want) < 4 * se + 2e-3, (share, want)


def test_when_exclusion_costs_more_than_privacy_nearly_everyone_takes_part():
    """ "The only rational choice": a sweep of the cost of staying out, shown not asserted.

    The exclusion cost is raised past the privacy cost of almost every adult (its 99th
    percentile, 0.05 x e^2.33 ~ 0.51): participation climbs from a minority to nearly all.
    """
    xs = (0.0, 0.05, 0.1, 0.2, 0.5, 1.0)
    shares = [_participation(0.01, x, steps=60)[-1] for x in xs]
    assert all(a <= b for a, b in zip(shares, shares[1:], strict=False)), shares
    assert shares[0] < 0.1
    assert shares[-1] > 0.98, shares
    # the rule's own fixed point says the same: nearly everybody once x passes ~c_99
    assert _fixed_point(0.01, 1.0) > 0.98 > _fixed_point(0.01, 0.05)


def test_participants_are_covered_by_the_participation_source_and_stay_covered():
    model, st, streams = make_state(
        {"participation": {"perk": 0.05, "exclusion_cost": 0.2, "source": "cameras"}},
        on=("participation", "surveillance"),
        size=3000,
    )
    bit = 1 << [s.name for s in st.params.surveillance.sources].index("cameras")
    advance(model, st, streams, 5)
    assert st.part.any()
    assert np.all((st.cover[st.part] & bit) != 0)
    assert st.part_share == pytest.approx(st.part.sum() / st.n_home_adults)


def test_participation_off_keeps_no_state_and_measures_zero():
    model, st, streams = make_state({}, on=(), size=500)
    advance(model, st, streams, 3)
    assert st.privacy.size == 0 and st.part.size == 0
    assert model.metrics(st)["participation_share"] == 0.0


def test_participants_stay_covered_when_an_adaptive_authority_rebuilds_coverage():
    """The coverage lever rebuilds ``cover`` from ``cover_base``: a participant's bit is in both."""
    from regime_support import advance, make_state

    from scslab.regime import authority
    from scslab.regime.model import plan_for

    params = {
        "participation": {"perk": 1.0, "source": "banks_platforms"},
        "authority": {"adaptive": True, "levers": ["coverage"], "every": 2},
    }
    model, st, streams = make_state(params, on=("surveillance", "participation"), size=4000)
    advance(model, st, streams, 3)
    plan = plan_for(st.params)
    bit = np.uint8(plan.participation_bit)
    assert bit and st.part.any()
    st.auth_coverage = 1.0
    authority.apply_coverage(st, plan)  # the fixed policy's coverage, rebuilt from cover_base
    assert ((st.cover[st.part] & bit) == bit).all()
