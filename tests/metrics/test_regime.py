import numpy as np
import pytest

from scslab.metrics import disparate_impact, falsification_gap, ratio


def test_ratio_empty():
    assert ratio(1, 2, 0.0) == 0.5 and ratio(0, 0, 1.0) == 1.0


def test_disparate_impact():
    assert disparate_impact(np.array([0, 0, 0]), np.array([10, 20, 30])) == 1.0
    assert disparate_impact(np.array([10, 30]), np.array([100, 300])) == pytest.approx(
        (30.5 / 301) / (10.5 / 101) if (30.5 / 301) > (10.5 / 101) else (10.5 / 101) / (30.5 / 301)
    )
    assert disparate_impact(np.array([20, 10]), np.array([100, 100])) > 1.9


def test_falsification_gap():
    private = np.array([True, True, False, False])
    public = np.array([True, False, True, False])
    assert falsification_gap(private, public) == 0.25
    assert falsification_gap(np.array([], bool), np.array([], bool)) == 0.0


def test_welfare_falls_with_restrictions():
    import scslab

    base = scslab.run("no-regime", steps=60, overrides={"params.population.size": 5000})
    full = scslab.run("full-regime", steps=60, overrides={"params.population.size": 5000})
    assert full.metrics["welfare"][1:].mean() < base.metrics["welfare"][1:].mean()
    assert (base.metrics["restriction_person_days"] == 0).all()
