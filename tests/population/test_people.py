import numpy as np

from scslab.population.people import (
    ABROAD,
    CHILD,
    PRIVATE,
    household_of,
    household_sizes,
    make_people,
)
from scslab.scenario.params.regime import RegimeParams


def people(size=40_000, seed=1, **pop):
    p = RegimeParams(population={"size": size, **pop})
    return p, make_people(p.population, p.behaviour, np.random.default_rng(seed))


def test_household_sizes_add_up_and_have_the_mean():
    sizes = household_sizes(100_000, 2.62, np.random.default_rng(0))
    assert sizes.sum() == 100_000 and sizes.min() >= 1
    assert abs(sizes.mean() - 2.62) < 0.03


def test_groups_children_diaspora_shares():
    p, pe = people()
    n = p.population.size
    shares = np.bincount(pe["group"], minlength=3) / n
    # groups are drawn per household: standard error ~ sqrt(s(1-s)/households)
    assert np.allclose(shares, [0.8, 0.1, 0.1], atol=0.02)
    assert abs(((pe["flags"] & CHILD) != 0).mean() - 0.18) < 0.01
    assert abs(((pe["flags"] & ABROAD) != 0).mean() - p.population.diaspora_share) < 0.004


def test_every_household_keeps_an_adult_at_home():
    _, pe = people()
    first = pe["hh_start"][:-1]
    assert not np.any(pe["flags"][first] & (CHILD | ABROAD))
    abroad = np.flatnonzero(pe["flags"] & ABROAD)
    hh = household_of(pe["hh_start"], abroad)
    assert np.all(np.diff(pe["hh_start"])[hh] >= 2)


def test_traits_in_range_and_children_never_speak():
    _, pe = people()
    assert pe["risk"].min() >= 0 and pe["risk"].max() < 1
    assert pe["dissent"].min() >= 0 and pe["dissent"].max() <= 1
    assert pe["opp"].max() <= 5.0 and abs(pe["opp"].mean() - 1.0) < 0.05
    assert np.all(np.isinf(pe["theta"][(pe["flags"] & CHILD) != 0]))
    assert not np.any(pe["flags"][(pe["flags"] & CHILD) != 0] & PRIVATE)


def test_grievance_raises_private_dissent():
    _, low = people(seed=2)
    p_hi = RegimeParams(population={"size": 40_000}, behaviour={"legitimacy": 0.2})
    hi = make_people(p_hi.population, p_hi.behaviour, np.random.default_rng(2))
    assert hi["dissent"].mean() > low["dissent"].mean()


def test_same_seed_same_people():
    _, a = people(seed=3)
    _, b = people(seed=3)
    for k in ("group", "flags", "risk", "dissent", "theta", "hh_start"):
        np.testing.assert_array_equal(a[k], b[k])
