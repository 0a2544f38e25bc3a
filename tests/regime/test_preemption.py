from regime_support import advance, make_state

from scslab.regime import preemption
from scslab.regime.model import plan_for
from scslab.regime.tables import PREEMPT


def test_a_bias_above_threshold_flags_every_home_adult_as_innocent():
    model, st, streams = make_state(
        {"preemption": {"bias": 5.0, "every": 1}}, on=("preemption",), size=5000
    )
    plan = plan_for(st.params)
    flagged = preemption.flag(st, plan)
    assert flagged == st.n_home_adults
    from scslab.regime import sanctions

    sanctions.apply(st, plan, streams["sanctions"])
    advance(model, st, streams, 1)
    m = model.metrics(st)
    assert m["preempted_innocent_share"] == 1.0
    assert (st.sanc[(st.flags & 3) == 0] & PREEMPT).all()
    # incapacitated: nobody at home acts or speaks
    assert st.s_acts.sum() == 0


def test_the_risk_model_reads_only_the_state_view():
    _, st, _ = make_state(
        {"preemption": {"every": 1, "bias": -6, "w_speech": 3.0}}, on=("preemption",), size=5000
    )
    plan = plan_for(st.params)
    st.view[[5, 6], plan.speech] = 3  # risk sigma(-6 + 9) > 0.5
    st.last_record[[5, 6]] = 0
    st.last_unlawful[:] = 0  # the truth does not matter to the risk model
    assert preemption.flag(st, plan) == 2
    assert sorted(st.ls_person.tolist()) == [5, 6]


def test_not_evaluated_between_its_steps():
    _, st, _ = make_state({"preemption": {"every": 7, "bias": 5.0}}, on=("preemption",))
    st.step = 3
    assert preemption.flag(st, plan_for(st.params)) == 0
