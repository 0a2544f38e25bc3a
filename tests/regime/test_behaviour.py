import numpy as np
from regime_support import advance, make_state

from scslab.models import kuran
from scslab.regime.behaviour import commit_acts, firm_violations
from scslab.regime.model import plan_for


def test_kuran_rule_shared_with_the_kuran_model():
    """Kuran's rule; the regime's fused pass is checked against it in test_fused.py."""
    speaks = kuran.speaks
    d = np.array([0.9, 0.9, 0.2], np.float32)
    s = np.array([0.0, 0.0, 0.9], np.float32)
    th = np.array([0.8, 0.8, 0.8], np.float32)
    assert speaks(d, s, th, 1.0, 1.0).tolist() == [True, True, True]
    assert speaks(d, s, th, 1.0, 1.0, risk=np.array([0.0, 0.5, 0.0])).tolist() == [
        True,
        False,
        True,
    ]


def test_without_risk_acts_happen_at_lambda_times_opportunism():
    rate = 0.01
    acts = [
        {"name": "x", "kind": "economic", "rate": rate},
        {"name": "dissent", "kind": "speech", "unlawful": False, "rate": 0},
    ]
    sources = [{"name": "s", "sees": ["x"]}]
    model, st, streams = make_state(
        {
            "acts": acts,
            "surveillance": {"sources": sources},
            "scoring": {"deductions": {}},
            "sanctions": {"lists": [], "memoranda": []},
        },
        size=20_000,
    )
    plan = plan_for(st.params)
    home = (st.flags & 3) == 0
    expected = rate * st.opp[home].astype(np.float64).sum()
    total = sum(commit_acts(st, plan, streams["behaviour"])[0].size for _ in range(50))
    sd = np.sqrt(expected * 50)
    assert abs(total - 50 * expected) < 4 * sd


def test_perceived_risk_deters_unlawful_acts():
    on = ("surveillance", "integration", "sanctions")
    m1, st, s1 = make_state(on=on, size=20_000)
    m0, st0, s0 = make_state(size=20_000)
    advance(m1, st, s1, 60)
    advance(m0, st0, s0, 60)
    debt = st.params.acts[0].name
    assert debt == "debt_default"
    assert st.c_acts[0] < st0.c_acts[0]
    # unwatched acts (no source sees traffic here? cameras do) and lawful ones are unchanged
    assert st.c_acts[4] == st0.c_acts[4]  # petition: lawful, C = 0, no ambiguity


def test_firms_comply_more_under_surveillance_and_sanctions():
    on = ("surveillance", "integration", "scoring", "sanctions")
    _, st, streams = make_state(on=on, size=20_000)
    plan = plan_for(st.params)
    _, st0, streams0 = make_state(size=20_000)
    plan0 = plan_for(st0.params)
    v = sum(firm_violations(st, plan, streams["behaviour"]).size for _ in range(200))
    v0 = sum(firm_violations(st0, plan0, streams0["behaviour"]).size for _ in range(200))
    assert v < v0


def test_behaviour_off_nobody_acts_or_speaks():
    model, st, streams = make_state({"behaviour": {"enabled": False}})
    advance(model, st, streams, 10)
    assert st.c_acts.sum() == 0 and not st.speaks.any()
