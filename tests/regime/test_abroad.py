import numpy as np
from regime_support import make_state

from scslab.population.people import ABROAD, ASSOC
from scslab.regime import abroad
from scslab.regime.model import plan_for
from scslab.regime.tables import DFAM


def test_association_membership_share():
    _, st, _ = make_state(
        {"population": {"diaspora_share": 0.1}, "abroad": {"association_share": 0.3}},
        on=("abroad",),
        size=30_000,
    )
    abroad_people = (st.flags & ABROAD) != 0
    assert abs(((st.flags & ASSOC) != 0)[abroad_people].mean() - 0.3) < 0.03
    assert not (st.flags[~abroad_people] & ASSOC).any()


def test_family_at_home_is_restricted_for_a_post_from_abroad():
    from scslab.regime import sanctions

    model, st, streams = make_state(
        {"abroad": {"family_pressure": 1.0}}, on=("discourse", "abroad"), size=20_000
    )
    plan = plan_for(st.params)
    speaker = np.flatnonzero(st.flags & ABROAD)[:1].astype(np.int64)
    n = abroad.pressure_family(st, plan, streams["abroad"], speaker)
    sanctions.apply(st, plan, streams["sanctions"])
    family, _ = sanctions.family_of(st, speaker)
    assert n == family.size > 0
    assert (st.sanc[family] & DFAM).all()
    assert st.restr[family].tolist() == [plan.family_domain_mask] * family.size
    assert not st.sanc[speaker[0]]
