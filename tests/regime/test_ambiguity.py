import numpy as np

from scslab.regime.ambiguity import perceived_cost, perceived_detection


def test_no_ambiguity_is_the_truth():
    p = np.array([0.1, 0.9], np.float32)
    assert perceived_detection(p, 0.0, 0.5) is p
    assert perceived_cost(7.0, 0.0, 20.0) == 7.0


def test_full_ambiguity_is_the_prior():
    p = np.array([0.1, 0.9], np.float32)
    np.testing.assert_allclose(perceived_detection(p, 1.0, 0.5), [0.5, 0.5])
    assert perceived_cost(0.0, 1.0, 20.0) == 20.0


def test_lawful_acts_feared_only_through_ambiguity():
    # C = 0 for a lawful act: perceived cost a * C* grows with a
    costs = [perceived_cost(0.0, a, 20.0) for a in (0.0, 0.3, 0.6, 1.0)]
    assert costs == sorted(costs) and costs[0] == 0.0
