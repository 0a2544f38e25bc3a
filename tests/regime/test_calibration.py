"""Calibration of the `court-blacklist` preset to public counts (docs/presets.md).

Targets, from the public statistics (docs/model.md) scaled per capita with about
1.1 billion adults (an assumption: the published figures give no adult count):

- listed share of adults: 9.6 M (end 2017) to > 14.5 M (mid 2019) people listed
  -> 0.9 - 1.3 %;
- new listings per adult-year: 2.457 M in 2024 (0.22 %), the stock's growth of
  3.4 M in 2018 (0.31 %, a lower bound of that year's inflow) -> 0.20 - 0.35 %;
- blocked purchases per listed person-year: the flight and train blocks are
  cumulative counts (9.36 M + 3.67 M by end 2017, 17.46 M + 5.47 M by end 2018,
  27.3 M + 6 M by mid 2019); their growth over the average stock gives 0.88 (2018)
  and 1.5 (first half of 2019) -> 0.9 - 1.5.

Every seed must fall in every range (the preset's 50,000 people, 365 steps).
"""

import pytest

import scslab

SEEDS = (1, 2, 3, 4, 5)
RANGES = {
    "listed_share_adults": (0.009, 0.013),
    "new_listings_per_adult": (0.0020, 0.0035),
    "blocked_per_listed_year": (0.9, 1.5),
}


@pytest.fixture(scope="module")
def ends():
    return {
        seed: scslab.run("court-blacklist", seed=seed).metrics.tail(1).to_dicts()[0]
        for seed in SEEDS
    }


@pytest.mark.slow
@pytest.mark.parametrize("measure", list(RANGES))
def test_court_blacklist_falls_in_the_public_range_for_every_seed(ends, measure):
    lo, hi = RANGES[measure]
    got = {seed: round(m[measure], 6) for seed, m in ends.items()}
    assert all(lo <= v <= hi for v in got.values()), (measure, (lo, hi), got)


@pytest.mark.slow
def test_court_blacklist_stock_stays_near_its_steady_state(ends):
    """The stock at step 0 (initial_share) is close to inflow x mean stay: it drifts little."""
    start = scslab.load_scenario("court-blacklist").params.sanctions.lists[0].initial_share
    for seed, m in ends.items():
        assert abs(m["listed_share_adults"] - start) < 0.15 * start, (seed, m)
