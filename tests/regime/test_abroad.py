import numpy as np
import pytest
from regime_support import make_state, scenario

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


# ------------------------------------------------------------------ foreign firms (issue 10, 5)
def _foreign(seed: int, steps: int = 90, **abroad: object) -> dict:
    import scslab
    from scslab.scenario import load_scenario

    data = scenario({"abroad": abroad}, on=("abroad",), size=500, steps=steps, seed=seed)
    return scslab.run(load_scenario(data)).metrics.tail(1).to_dicts()[0]


def test_the_airlines_case_about_40_of_44_comply_within_90_days():
    """April 2018: 44 foreign airlines warned, 40 complied by July (FACTS.md), over 20 seeds."""
    complied = [44 * _foreign(seed)["foreign_firm_compliance"] for seed in range(20)]
    assert 38.0 <= float(np.mean(complied)) <= 42.0, complied


def test_foreign_firms_with_a_larger_stake_comply_sooner_and_the_rest_lose_access():
    from regime_support import advance, make_state

    from scslab.regime.abroad import foreign_measures

    model, state, streams = make_state(
        {"abroad": {"foreign_firms": 2000}}, on=("abroad",), size=200
    )
    advance(model, state, streams, 30)
    done = state.ff_complied >= 0
    assert state.ff_stake[done].mean() > state.ff_stake[~done].mean()
    assert foreign_measures(state)[1] == 0.0  # before the deadline nobody is excluded
    advance(model, state, streams, 70)
    share, excluded = foreign_measures(state)
    assert excluded == pytest.approx(1.0 - share) and excluded > 0


def test_no_foreign_firm_without_reach_abroad_or_before_the_demand():
    off = _foreign(1)
    assert off["foreign_firm_compliance"] > 0
    assert _foreign(1, foreign_firms=0)["foreign_firm_compliance"] == 0.0
    assert _foreign(1, steps=20, foreign_demand_step=50)["foreign_firm_compliance"] == 0.0


@pytest.mark.slow
@pytest.mark.parametrize("preset", ["overseas-reach", "full-regime"])
def test_families_at_home_are_pressured_at_the_presets_defaults(preset):
    import scslab
    from scslab.scenario import load_scenario, preset_path

    r = scslab.run(load_scenario(preset_path(preset)))
    assert r.metrics["family_pressured"].to_numpy()[-1] > 0
