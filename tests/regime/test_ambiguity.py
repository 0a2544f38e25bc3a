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


def test_scope_limits_vagueness_to_the_listed_kinds():
    """ambiguity.acts: [dissent] leaves every other kind's propensity at its true risk."""
    from regime_support import make_state

    from scslab.regime.behaviour import propensity
    from scslab.regime.model import plan_for

    on = ("surveillance", "integration", "sanctions", "ambiguity")
    vague = {"ambiguity": {"level": 0.8}}
    _, every, _ = make_state(vague, on=on, size=3000)
    _, speech, _ = make_state({"ambiguity": {"level": 0.8, "acts": ["dissent"]}}, on=on, size=3000)
    _, plain, _ = make_state(on=("surveillance", "integration", "sanctions"), size=3000)
    plans = [plan_for(s.params) for s in (every, speech, plain)]
    debt = plans[0].act_names.index("debt_default")
    p_every, p_speech, p_plain = (
        propensity(s, pl, debt) for s, pl in zip((every, speech, plain), plans, strict=True)
    )
    np.testing.assert_array_equal(p_speech, p_plain)
    # vague rules move debt default's perceived risk toward the prior (here: below the truth)
    assert not np.allclose(p_every, p_plain)
    assert plans[1].ambiguity_kind[plans[1].speech] == 0.8
    assert plans[1].ambiguity_firm == 0.0 and plans[0].ambiguity_firm == 0.8


def test_scope_names_a_known_act():
    import pytest
    from regime_support import scenario

    from scslab.errors import ScenarioError
    from scslab.scenario import load_scenario

    with pytest.raises(ScenarioError, match=r"ambiguity.acts names act 'gossip'"):
        load_scenario(scenario({"ambiguity": {"acts": ["gossip"]}}, on=("ambiguity",)))
