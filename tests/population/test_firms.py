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
