"""`full-regime` at 100,000 people for a year: every mechanism acts, for five seeds (slow).

Issue 9, point 4: firms reach rating D and the firm list lists their legal
representative, people reach grade D, dissenters abroad are detected and their
families at home pressured, appeals are won, posts are deleted and the risk
model flags people. Each count must be above zero for every seed, not on
average: a mechanism that a preset advertises acts in every run of it.
"""

from __future__ import annotations

import numpy as np
import pytest

import scslab

SEEDS = (2014, 1, 2, 3, 4)
COUNTS = (
    "firm_listed",
    "diaspora_detected",
    "family_pressured",
    "appeals_won",
    "posts_deleted",
    "preempted_count",
    "paid_under_pressure",
)


@pytest.fixture(scope="module")
def runs():
    size = {"params.population.size": 100_000}
    return {s: scslab.run("full-regime", seed=s, overrides=size).metrics for s in SEEDS}


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_every_mechanism_acts_in_full_regime(runs, seed):
    m = runs[seed]
    assert m["step"][-1] == 365
    for count in COUNTS:
        assert m[count][-1] > 0, count
    assert m["firm_rating_D"].max() > 0  # firms reach D ...
    assert m["grade_D"].max() > 0  # ... and people grade D
    assert m["wrongly_sanctioned_diaspora_family"].max() > 0  # families at home restricted


@pytest.mark.slow
def test_alike_groups_interval_covers_one_about_as_often_as_it_claims():
    """Three groups alike in every respect (same share, hardship, income, visibility).

    Over 40 seeds of `full-regime` at 20,000 people (200 steps, the last step's
    value), the 95 % interval of disparate_impact must cover the true ratio 1 in
    at least 85 % of the seeds where it has a value: 95 % less two binomial
    standard errors for 40 draws (0.95 - 2 x 0.034 = 0.88), rounded down. The
    interval allows for households, not for contagion through the network
    (pre-emption reads listed neighbours), so it may cover a little less than
    it claims: docs/model.md gives the coverage measured.
    """
    groups = [
        {"name": n, "share": 1 / 3, "hardship": 0.3, "income": 1.0, "visibility": 1.0}
        for n in ("a", "b", "c")
    ]
    over = {"params.population.size": 20_000, "params.population.groups": groups}
    covered = known = 0
    for seed in range(1, 41):
        r = scslab.run(
            "full-regime", steps=200, seed=seed, overrides={**over, "collect_every": 200}
        )
        last = r.metrics.tail(1).to_dicts()[0]
        if np.isnan(last["disparate_impact"]):
            continue
        known += 1
        covered += last["disparate_impact_lo"] <= 1.0 <= last["disparate_impact_hi"]
    assert known >= 30
    assert covered / known >= 0.85, (covered, known)
