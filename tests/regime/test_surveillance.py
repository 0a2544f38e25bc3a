import numpy as np
from regime_support import advance, make_state

from scslab.population.people import ABROAD
from scslab.regime.model import plan_for
from scslab.regime.plan import ASSOC_BIT


def test_coverage_scales_with_group_visibility():
    src = [{"name": "cam", "sees": ["traffic_violation"], "coverage": 0.4}]
    _, st, _ = make_state({"surveillance": {"sources": src}}, on=("surveillance",), size=60_000)
    covered = (st.cover & 1) == 1
    home = (st.flags & ABROAD) == 0
    for g, vis in enumerate((1.0, 1.5, 0.8)):
        share = covered[(st.group == g) & home].mean()
        assert abs(share - 0.4 * vis) < 0.02


def test_the_diaspora_is_covered_only_by_platforms_and_only_with_abroad_on():
    _, off, _ = make_state(on=("surveillance", "discourse"), size=30_000)
    abroad = (off.flags & ABROAD) != 0
    assert not off.cover[abroad].any()
    _, on, _ = make_state(
        {"abroad": {"platform_use": 1.0, "association_share": 1.0}},
        on=("surveillance", "discourse", "abroad"),
        size=30_000,
    )
    abroad = (on.flags & ABROAD) != 0
    assert np.all(on.cover[abroad] == (1 << 4) | (1 << ASSOC_BIT))  # speech platforms: source 4


def test_false_records_at_their_rate():
    f = 2e-4
    src = [
        {"name": "s", "sees": ["fraud"], "coverage": 1.0, "false_record_rate": f, "latency": 1000}
    ]
    model, st, streams = make_state(
        {"behaviour": {"enabled": False}, "surveillance": {"sources": src}},
        on=("surveillance",),
        size=20_000,
    )
    advance(model, st, streams, 50)
    adults = int(((st.flags & 1) == 0).sum())
    expected = f * adults * 50
    assert abs(st.pr_person.size - expected) < 4 * np.sqrt(expected)
    assert not st.pr_true.any()
    assert np.all(st.pr_due >= 1000)


def test_no_surveillance_no_records():
    model, st, streams = make_state(on=("integration", "scoring", "sanctions"))
    advance(model, st, streams, 30)
    assert st.pr_person.size == 0 and st.c_records == 0


def test_detection_visibility_biases_detection_on_a_source_that_covers_everybody():
    """Courts cover everybody (coverage 1): visibility on coverage cannot bias them.

    With group 1's detection_visibility 1.8, a court records its members' acts with
    0.5 x 1.8 = 0.9 against 0.5 for the others.
    """
    from scslab.regime.surveillance import record_acts

    src = [{"name": "courts", "sees": ["fraud"], "coverage": 1.0, "detection_prob": 0.5}]
    groups = [
        {"name": "a", "share": 0.5, "detection_visibility": 1.0},
        {"name": "b", "share": 0.5, "detection_visibility": 1.8},
    ]
    _, st, streams = make_state(
        {"surveillance": {"sources": src}, "population": {"groups": groups}},
        on=("surveillance",),
        size=20_000,
    )
    plan = plan_for(st.params)
    home = np.flatnonzero((st.flags & ABROAD) == 0)
    kinds = np.full(home.size, plan.act_names.index("fraud"), np.int64)
    recorded = record_acts(st, plan, streams["surveillance"], home.astype(np.int64), kinds)
    for g, q in ((0, 0.5), (1, 0.9)):
        mine = st.group[home] == g
        assert abs(recorded[mine].mean() - q) < 4 * np.sqrt(q * (1 - q) / mine.sum())
    # people weigh their own group's detection chance
    p = plan.p_table[:, plan.act_names.index("fraud"), 1]
    np.testing.assert_allclose(p, [0.5, 0.9], rtol=1e-6)


def test_false_record_visibility_biases_false_records():
    f = 2e-4
    src = [{"name": "s", "sees": ["fraud"], "false_record_rate": f, "latency": 1000}]
    groups = [
        {"name": "a", "share": 0.5, "false_record_visibility": 1.0},
        {"name": "b", "share": 0.5, "false_record_visibility": 3.0},
    ]
    model, st, streams = make_state(
        {
            "behaviour": {"enabled": False},
            "surveillance": {"sources": src},
            "population": {"groups": groups},
        },
        on=("surveillance",),
        size=20_000,
    )
    advance(model, st, streams, 50)
    adult = (st.flags & 1) == 0
    for g, rate in ((0, f), (1, 3 * f)):
        expected = rate * int((adult & (st.group == g)).sum()) * 50
        got = int((st.group[st.pr_person] == g).sum())
        assert abs(got - expected) < 4 * np.sqrt(expected), (g, got, expected)
