import numpy as np
from regime_support import advance, make_state

from scslab.regime.model import plan_for
from scslab.regime.scoring import grade_of, repair, rescore


def test_rongcheng_bands():
    _, st, _ = make_state(on=("scoring",))
    plan = plan_for(st.params)
    scores = np.array([1100, 1050, 1049, 1030, 1000, 960, 959, 850, 849, 600, 599, -5])
    names = [plan.band_names[g] for g in grade_of(plan, scores)]
    assert names == ["AAA", "AAA", "AA", "AA", "A", "A", "B", "B", "C", "C", "D", "D"]


def test_deductions_lower_the_grade_and_repair_restores_it():
    _, st, _ = make_state(on=("scoring",))
    plan = plan_for(st.params)
    who = np.array([7], dtype=np.int64)
    st.view[7, 0] = 2  # two debt-default records: 1000 - 200 = 800 -> C
    st.last_record[7] = 0
    rescore(st, plan, who)
    assert plan.band_names[st.grade[7]] == "C"
    st.step = st.params.scoring.record_ttl
    assert repair(st).tolist() == [7]
    rescore(st, plan, who)
    assert plan.band_names[st.grade[7]] == "A" and st.view[7].sum() == 0


def test_good_deeds_raise_the_grade_and_are_capped():
    model, st, streams = make_state({"scoring": {"reward_rate": 0.05}}, on=("scoring",))
    advance(model, st, streams, 200)
    assert st.deeds.max() == 10  # max_bonus 100 / 10 points
    plan = plan_for(st.params)
    assert (st.grade == plan.band_names.index("AAA")).any()


def test_firm_ratings_follow_the_tax_bands():
    from scslab.regime.scoring import rate_firms

    _, st, _ = make_state(on=("scoring",))
    worse = rate_firms(st, np.array([0, 1, 1, 2, 2, 2, 2], dtype=np.int64))
    # 100 - 15 k: 85 -> B, 70 -> B, 40 -> C
    assert st.firm_rating[:3].tolist() == [1, 1, 2]
    assert sorted(worse.tolist()) == [0, 1, 2]
