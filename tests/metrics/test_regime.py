import numpy as np

from scslab.metrics import disparate_impact, falsification_gap, ratio


def test_ratio_empty():
    assert ratio(1, 2, 0.0) == 0.5 and ratio(0, 0, 1.0) == 1.0


def test_disparate_impact_covers_one_as_often_as_it_claims_on_binomial_groups():
    """Three alike groups (sizes 8000, 1000, 1000, each person sanctioned with 2 %).

    The interval at the Bonferroni level over the 3 pairs must cover the true
    ratio 1 in at least 95 % of draws; by Bonferroni it is conservative, so
    somewhat more (about 97 %), never far more (a useless interval would).
    """
    rng = np.random.default_rng(20140)
    sizes = np.array([8000, 1000, 1000])
    covered = total = 0
    for _ in range(2000):
        r, lo, hi = disparate_impact(rng.binomial(sizes, 0.02), sizes)
        if np.isnan(r):
            continue
        total += 1
        covered += lo <= 1.0 <= hi
    assert total > 1900
    assert 0.95 <= covered / total <= 0.99


def test_disparate_impact_null_below_the_minimum():
    r, lo, hi = disparate_impact(np.array([500, 9]), np.array([1000, 1000]))
    assert np.isnan([r, lo, hi]).all()
    r, lo, hi = disparate_impact(np.array([500, 10]), np.array([1000, 1000]))
    assert r == 50.0 and lo < 50.0 < hi
    # a small group with few events but the highest share: no value either
    assert np.isnan(disparate_impact(np.array([9, 500]), np.array([20, 10000]))).all()
    assert np.isnan(disparate_impact(np.array([50]), np.array([100]))).all()  # one group


def test_falsification_gap():
    private = np.array([True, True, False, False])
    public = np.array([True, False, True, False])
    assert falsification_gap(private, public) == 0.25
    assert falsification_gap(np.array([], bool), np.array([], bool)) == 0.0


def test_welfare_falls_with_restrictions():
    import scslab
    from scslab.scenario.params.regime import _default_acts

    # acts harmless: welfare then moves with restriction costs, not with the harm deterred
    harmless = [{**a.model_dump(), "harm": 0.0} for a in _default_acts()]
    over = {"params.population.size": 5000, "params.acts": harmless}
    base = scslab.run("no-regime", steps=60, overrides=over)
    full = scslab.run("full-regime", steps=60, overrides=over)
    assert full.metrics["welfare"][1:].mean() < base.metrics["welfare"][1:].mean()
    assert (base.metrics["restriction_person_days"] == 0).all()
