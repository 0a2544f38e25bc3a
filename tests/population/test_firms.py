import numpy as np

from scslab.population.firms import make_firms
from scslab.population.people import ABROAD, CHILD, make_people
from scslab.scenario.params.regime import RegimeParams


def test_firms_have_home_adult_representatives_and_employees():
    p = RegimeParams(population={"size": 30_000})
    rng = np.random.default_rng(1)
    pe = make_people(p.population, p.behaviour, rng)
    f = make_firms(p.population.firms, pe["flags"], rng)
    assert f["firm_rep"].size == round(0.03 * 30_000)
    assert not np.any(pe["flags"][f["firm_rep"]] & (CHILD | ABROAD))
    emp = f["employer"]
    assert emp.max() < f["firm_rep"].size and emp.min() >= -1
    assert not np.any(emp[(pe["flags"] & (CHILD | ABROAD)) != 0] >= 0)
    home_adults = ((pe["flags"] & (CHILD | ABROAD)) == 0).sum()
    assert abs((emp >= 0).sum() / home_adults - 0.5) < 0.02


def test_firm_sizes_are_log_normal_and_employers_drawn_in_proportion():
    p = RegimeParams(population={"size": 60_000})
    rng = np.random.default_rng(2)
    pe = make_people(p.population, p.behaviour, rng)
    traits = np.random.default_rng(3)
    f = make_firms(p.population.firms, pe["flags"], np.random.default_rng(4), traits)
    n_f = f["firm_rep"].size
    size = f["firm_size"]
    emp = f["employer"]
    np.testing.assert_array_equal(size, np.bincount(emp[emp >= 0], minlength=n_f))
    # the weights again (same stream): employees per firm ~ Poisson(weight x scale)
    from scslab.population.firms import firm_traits

    w = firm_traits(p.population.firms, n_f, np.random.default_rng(3))["firm_weight"]
    expected = w / w.sum() * size.sum()
    assert np.corrcoef(expected, size)[0, 1] > 0.95
    # log-normal weights with sigma 1: the biggest tenth hold far more than a tenth
    top = np.sort(size)[::-1][: n_f // 10].sum() / size.sum()
    assert 0.3 < top < 0.5
    shares = np.bincount(f["firm_sector"], minlength=4) / n_f
    np.testing.assert_allclose(shares, [0.3, 0.1, 0.35, 0.25], atol=0.04)


def test_firm_traits_leave_the_firms_stream_placing_representatives_alone():
    """Representatives and who is hired come from the firms stream as before the sizes."""
    p = RegimeParams(population={"size": 5_000})
    pe = make_people(p.population, p.behaviour, np.random.default_rng(1))
    a = make_firms(p.population.firms, pe["flags"], np.random.default_rng(9))
    b = make_firms(
        p.population.firms, pe["flags"], np.random.default_rng(9), np.random.default_rng(8)
    )
    np.testing.assert_array_equal(a["firm_rep"], b["firm_rep"])
    np.testing.assert_array_equal(a["employer"] >= 0, b["employer"] >= 0)


def test_sector_shares_must_sum_to_one():
    import pytest
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="sectors"):
        RegimeParams(population={"firms": {"sectors": [{"name": "a", "share": 0.5}]}})
