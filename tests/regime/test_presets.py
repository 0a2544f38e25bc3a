import numpy as np
import pytest

import scslab


@pytest.mark.slow
def test_court_blacklist_falls_in_the_public_ranges():
    """FACTS.md per capita (docs/presets.md): new listings 0.20-0.35 % of adults a year,
    0.9-1.5 blocked purchases per listed person-year; means over three seeds."""
    new, blocked = [], []
    for seed in (1, 2, 3):
        m = scslab.run("court-blacklist", seed=seed).metrics.tail(1).to_dicts()[0]
        new.append(m["new_listings_per_adult"])
        blocked.append(m["blocked_per_listed_year"])
    assert 0.0020 <= np.mean(new) <= 0.0035, new
    assert 0.9 <= np.mean(blocked) <= 1.5, blocked


def test_regime_presets_differ_from_the_baseline_where_they_should():
    size = {"params.population.size": 20_000}
    base = scslab.run("no-regime", steps=120, overrides=size).metrics
    disc = scslab.run("discourse-control", steps=120, overrides=size).metrics
    court = scslab.run("court-blacklist", steps=120, overrides=size).metrics
    assert disc["dissent_public"][5:].mean() < 0.2 * base["dissent_public"][5:].mean()
    assert disc["dissent_private"].to_list() == base["dissent_private"].to_list()
    assert court["sanctioned_share"][-1] > 0 and base["sanctioned_share"][-1] == 0
