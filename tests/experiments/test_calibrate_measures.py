"""The history's measures (metrics.regime.history_measures) against their definitions."""

import numpy as np
import pytest

import scslab

SIZE = {
    "params.population.size": 3000,
    "steps": 120,
    "params.acts[0].rate": 1e-3,
    "params.sanctions.lists[0].fulfilment_rate.values[0]": 0.02,
}


@pytest.fixture(scope="module")
def run():
    return scslab.run("court-blacklist-history", overrides=SIZE, run_index=7)


def test_annual_flows_are_the_trailing_year_of_the_cumulative_counts(run):
    """new listings over the last 52 weeks, annualised by 365 / (52 x 7), per adult."""
    m = run.metrics
    adults = run.state.n_adults
    cum = m["new_listings_per_adult"].to_numpy() * adults  # own listings in the run so far
    steps = m["step"].to_numpy()
    w = round(365 / 7)
    got = m["new_listings_per_adult_year"].to_numpy()
    for i, t in enumerate(steps):
        back = min(int(t), w)
        if back == 0:
            assert got[i] == 0.0
            continue
        want = (cum[i] - cum[i - back]) / adults * 365 / (back * 7)
        assert got[i] == pytest.approx(want, rel=1e-12), t


def test_exits_balance_the_stock(run):
    """listings in the window - exits in the window = the change of the stock (one list)."""
    m = run.metrics
    adults = run.state.n_adults
    t = 120
    w = round(365 / 7)
    years = w * 7 / 365
    i, j = t, t - w
    listings = m["new_listings_per_adult_year"][i] * years * adults
    exits = m["exits_per_adult_year"][i] * years * adults
    stock = m["listed_share_adults"].to_numpy() * adults
    assert listings - exits == pytest.approx(stock[i] - stock[j], abs=1e-6)
    assert exits > 0


def test_blocked_purchases_by_domain_add_up_to_all_blocked(run):
    m = run.metrics.tail(1).to_dicts()[0]
    state = run.state
    per_domain = sum(m[f"blocked_per_adult_{d}"] for d in ("flights", "trains", "finance"))
    assert per_domain * state.n_adults == pytest.approx(state.c_blocked)
    assert m["blocked_per_adult_finance"] == 0.0  # no attempt rate: nothing blocked there
    assert m["blocked_per_adult_flights"] > m["blocked_per_adult_trains"] > 0


def test_a_weekly_attempt_rate_blocks_about_rate_times_listed_weeks():
    """attempt_rate is per step: blocked flights ~ rate x restricted person-steps."""
    over = {**SIZE, "params.sanctions.domains[0].attempt_rate": 0.05, "steps": 200}
    res = scslab.run("court-blacklist-history", overrides=over, run_index=3)
    st = res.state
    person_steps = st.c_own_days  # own listings x steps (flights reach no family member)
    blocked = res.metrics["blocked_per_adult_flights"][-1] * st.n_adults
    expected = 0.05 * person_steps
    assert abs(blocked - expected) < 4 * np.sqrt(expected * 0.95)
