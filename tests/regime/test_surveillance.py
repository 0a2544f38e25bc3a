import numpy as np
from regime_support import advance, make_state

from scslab.population.people import ABROAD
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
