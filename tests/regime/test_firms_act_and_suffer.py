"""Firms that act and suffer (``firms``; issue 10 §4): laws, known answers, streams."""

from __future__ import annotations

import numpy as np
import pytest
from regime_support import advance, make_state

from scslab.metrics.regime import firm_measures, measure, wilson
from scslab.regime import firms
from scslab.regime.model import plan_for
from scslab.regime.scoring import firm_rating_of
from scslab.regime.tables import EMPLOYEE, ORIG_EMPLOYEE

RATING = ("surveillance", "integration", "scoring", "sanctions")


def firm_state(extra: dict | None = None, *, size: int = 20_000, seed: int = 3, on=RATING):
    params = {
        "firms": {"enabled": True, "burn_in": 365},
        "behaviour": {"firm_violation_rate": 0.06},
        "scoring": {"firm_deduction": 6},
    }
    for key, value in (extra or {}).items():
        params[key] = {**params.get(key, {}), **value}
    return make_state(params, on=on, size=size, seed=seed)


def test_firms_off_draws_nothing_from_the_firm_streams():
    """With firms off the firm steps are the old ones (behaviour and surveillance streams)."""
    model, state, streams = make_state(on=RATING, size=3000)
    advance(model, state, streams, 5)
    assert not {"firm_acts", "firm_records", "firm_burn_in"} & set(streams)
    assert (state.firm_sanc_until <= state.step).all()
    m = measure(state, plan_for(state.params))
    assert m["firms_sanctioned_share"] == 0.0 and m["firm_sanction_cost"] == 0.0


def test_firm_streams_are_used_when_on_and_the_behaviour_stream_is_not():
    """Firms on: the people's behaviour stream draws what it draws with firms off."""
    off = make_state(on=RATING, size=3000)
    on = make_state({"firms": {"enabled": True, "burn_in": 10}}, on=RATING, size=3000)
    for model, state, streams in (off, on):
        advance(model, state, streams, 3)
    assert {"firm_acts", "firm_records", "firm_burn_in"} <= set(on[2])
    # the behaviour stream skipped the firms' draws: its state differs from firms off,
    # where firm_violations draws from it after the people's acts
    assert on[2]["behaviour"].bit_generator.state != off[2]["behaviour"].bit_generator.state
    _, state, streams = make_state(
        {"firms": {"enabled": True, "burn_in": 10}}, on=RATING, size=3000
    )
    before = streams["behaviour"].bit_generator.state
    firms.violations(state, plan_for(state.params), streams["firm_acts"])
    assert streams["behaviour"].bit_generator.state == before


def test_burn_in_starts_ratings_in_their_steady_state():
    """The rating shares at step 0 are those a year later (within sampling noise)."""
    model, state, streams = firm_state(size=40_000)
    d0 = float(np.mean(state.firm_rating == 3))
    a0 = float(np.mean(state.firm_rating == 0))
    advance(model, state, streams, 365)
    d1 = float(np.mean(state.firm_rating == 3))
    a1 = float(np.mean(state.firm_rating == 0))
    n_f = state.firm_rep.size
    for p0, p1 in ((d0, d1), (a0, a1)):
        se = np.sqrt(2 * max(p0, 0.01) / n_f)  # two shares of n_f firms, not independent
        assert abs(p1 - p0) < 4 * se, (p0, p1)
    assert d0 > 0.01  # the burn-in produced D-rated firms (none are set)


def test_more_false_firm_records_more_wrongly_sanctioned_firms():
    shares = []
    for rate in (0.0, 0.01):
        model, state, streams = firm_state(
            {"surveillance": {"firm_false_record_rate": rate}}, seed=5
        )
        advance(model, state, streams, 30)
        shares.append(firm_measures(state)["firms_wrongly_sanctioned_share"])
    assert shares[0] == 0.0  # only true records: no firm is sanctioned wrongly
    assert shares[1] > 0.2


def test_employee_spill_over_off_restricts_no_employee():
    model, state, streams = firm_state()
    advance(model, state, streams, 20)
    m = firm_measures(state)
    assert m["employees_affected_share"] > 0
    assert m["employees_restricted_share"] == 0.0
    assert not np.any(state.sanc & EMPLOYEE)
    assert not np.any(state.ls_origin == ORIG_EMPLOYEE)


def test_employee_spill_over_on_restricts_exactly_the_employees_of_sanctioned_firms():
    model, state, streams = firm_state({"firms": {"employee_spill": True}})
    advance(model, state, streams, 20)
    m = firm_measures(state)
    restricted = np.flatnonzero(state.sanc & EMPLOYEE)
    assert restricted.size > 0
    on = state.firm_sanc_until >= state.step  # in force in the step just run
    employed = state.employer >= 0
    should = np.flatnonzero(employed & on[np.where(employed, state.employer, 0)])
    np.testing.assert_array_equal(restricted, should)
    assert m["employees_restricted_share"] == pytest.approx(m["employees_affected_share"])
    dom = plan_for(state.params).domain_names.index("employment")
    assert np.all(state.restr[restricted] & (1 << dom))


def test_firms_weigh_the_sanction_they_would_bear():
    """Dearer sanctions: fewer violations, fewer D ratings; bigger firms violate less."""
    costs, d_share = [], []
    for cost in (0.0, 0.5):
        model, state, streams = firm_state({"firms": {"procurement_cost": cost}}, seed=7)
        advance(model, state, streams, 60)
        plan = plan_for(state.params)
        costs.append(firms.record_cost(state, plan).mean())
        d_share.append(float(np.mean(state.firm_rating == 3)))
    assert costs[1] > costs[0]
    assert d_share[1] < d_share[0]
    # within a run: the chance a candidate is accepted falls with the firm's size
    _, state, _ = firm_state({"firms": {"procurement_cost": 0.2}})
    cost = firms.record_cost(state, plan_for(state.params))
    big, small = state.firm_size >= 30, state.firm_size <= 3
    assert big.any() and small.any() and cost[big].min() > cost[small].max()


def test_sanctioned_firms_are_inspected_more():
    _, state, _ = firm_state({"firms": {"inspection_factor": 3.0}})
    plan = plan_for(state.params)
    on = firms.sanctioned(state)
    q = firms.detection(state, plan)
    assert on.any() and (~on).any()
    assert np.allclose(q[~on], 0.3) and np.allclose(q[on], 0.9)


def test_a_firm_reaching_d_is_sanctioned_and_its_representative_listed():
    model, state, streams = firm_state({"firms": {"burn_in": 0}}, size=3000)
    plan = plan_for(state.params)
    state.firm_records[:] = 0
    state.firm_true[:] = 0
    state.firm_rating[:] = 0
    state.firm_sanc_until[:] = -(2**30)
    f = 4
    recs = np.full(11, f, np.int64)  # 100 - 6 x 11 = 34 < 40: D
    worse = firms.rate(state, plan, streams["firm_records"], recs, np.ones(11, bool))
    assert f in worse and state.firm_rating[f] == 3
    new = firms.sanction(state, plan)
    np.testing.assert_array_equal(new, [f])
    assert state.firm_sanc_until[f] == state.step + 365 and state.firm_sanc_true[f]
    assert state.c_firms_sanctioned == 1


def test_firm_measures_known_answers():
    """Four firms, hand-set: two sanctioned (one wrongly), employees 3 / 2 / 0 / 1."""
    _, state, _ = make_state(on=RATING, size=3000)
    n_f = state.firm_rep.size
    state.step = 10
    state.firm_sanc_until[:] = -1
    state.firm_sanc_until[[0, 1]] = 20
    state.firm_sanc_true[:] = True
    state.firm_sanc_true[1] = False
    state.employer[:] = -1
    state.employer[[0, 1, 2]] = 0
    state.employer[[3, 4]] = 1
    state.employer[[5]] = 3
    state.firm_size[:] = np.bincount(state.employer[state.employer >= 0], minlength=n_f)
    state.c_firm_cost = 7.0
    m = firm_measures(state)
    assert m["firms_sanctioned_share"] == pytest.approx(2 / n_f)
    assert m["firms_wrongly_sanctioned_share"] == pytest.approx(0.5)
    assert np.isnan(m["firms_wrongly_sanctioned_lo"])  # fewer than 10 sanctioned firms
    assert m["employees_affected_share"] == pytest.approx(5 / 6)
    assert m["employees_restricted_share"] == 0.0
    assert m["firm_sanction_cost"] == pytest.approx(7.0 / (n_f * 10))
    # the day's cost: (3 + 1) + (2 + 1) people x the daily cost per person
    plan = plan_for(state.params)
    state.params = state.params.model_copy(
        update={"firms": state.params.firms.model_copy(update={"enabled": True})}
    )
    plan = plan_for(state.params)
    firms.costs(state, plan)
    assert state.s_firm_cost == pytest.approx(7 * 0.05)
    assert state.c_firm_days == 2


def test_wilson_interval():
    lo, hi = wilson(0, 20)
    assert lo == 0.0 and 0.15 < hi < 0.17
    lo, hi = wilson(10, 20)
    assert lo == pytest.approx(1 - hi)


def test_employee_domains_are_validated():
    from scslab.errors import ScenarioError
    from scslab.scenario import load_scenario

    bad = {
        "name": "t",
        "model": "regime",
        "params": {"firms": {"employee_domains": ["jobs"]}},
    }
    with pytest.raises(ScenarioError, match="firms.employee_domains"):
        load_scenario(bad)


def test_firm_rating_of_bands():
    from scslab.scenario.params.regime import RegimeParams

    p = RegimeParams(scoring={"firm_deduction": 10})
    np.testing.assert_array_equal(
        firm_rating_of(p, np.array([0, 1, 2, 3, 6, 7])), [0, 0, 1, 1, 2, 3]
    )


def test_records_expire_one_by_one_at_the_stated_chance():
    """``expire_records``: each record expires with probability life, true ones as true ones."""
    from types import SimpleNamespace

    from scslab.regime.firms import expire_records

    n = 20_000
    rng = np.random.default_rng(7)
    records = rng.integers(0, 30, n).astype(np.uint8)
    true = (records * rng.random(n)).astype(np.uint8)
    state = SimpleNamespace(firm_records=records.copy(), firm_true=true.copy())
    life = 0.1
    expire_records(state, np.random.default_rng(8), life)
    gone = records.astype(np.int64) - state.firm_records
    gone_true = true.astype(np.int64) - state.firm_true
    assert (gone >= 0).all() and (gone_true >= 0).all() and (gone_true <= gone).all()
    assert (state.firm_true <= state.firm_records).all()
    assert ((gone - gone_true) <= records.astype(np.int64) - true).all()
    held, held_true = int(records.sum()), int(true.sum())
    sd = np.sqrt(held * life * (1 - life))
    assert abs(int(gone.sum()) - held * life) < 4 * sd
    sd_t = np.sqrt(held_true * life * (1 - life))
    assert abs(int(gone_true.sum()) - held_true * life) < 4 * sd_t
    # firms holding nothing lose nothing; life 0 expires nothing
    assert (gone[records == 0] == 0).all()
    before = state.firm_records.copy()
    expire_records(state, np.random.default_rng(9), 0.0)
    assert (state.firm_records == before).all()
