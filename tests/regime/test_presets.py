import scslab


def test_regime_presets_differ_from_the_baseline_where_they_should():
    size = {"params.population.size": 20_000}
    base = scslab.run("no-regime", steps=120, overrides=size).metrics
    disc = scslab.run("discourse-control", steps=120, overrides=size).metrics
    court = scslab.run("court-blacklist", steps=120, overrides=size).metrics
    assert disc["dissent_public"][5:].mean() < 0.2 * base["dissent_public"][5:].mean()
    assert court["sanctioned_share"][-1] > 0 and base["sanctioned_share"][-1] == 0
