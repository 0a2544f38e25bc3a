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
    """Issue 10, 5: at the presets' defaults families at home are in fact pressured (three
    seeds, 100,000 people, a year), and never with ``family_pressure`` 0."""
    import scslab

    for seed in (1, 2, 3):
        on = {"params.population.size": 100_000}
        r = scslab.run(preset, seed=seed, overrides=on)
        assert r.metrics["family_pressured"].to_numpy()[-1] > 0, seed
        off = scslab.run(preset, seed=seed, overrides={**on, "params.abroad.family_pressure": 0.0})
        assert off.metrics["family_pressured"].to_numpy()[-1] == 0, seed
        assert off.metrics["diaspora_detected"].to_numpy()[-1] > 0, seed  # posts were detected


# ------------------------------------------------- associations' services (issue 10, 5)
SERVICES = {"population": {"diaspora_share": 0.1}, "abroad": {"association_services": True}}
WATCHED = ("discourse", "abroad", "integration")


def _services(seed: int, value: float, steps: int = 120) -> dict[str, float]:
    """A run with associations that offer services worth `value`: its abroad measures."""
    import scslab
    from scslab.scenario import load_scenario

    params = {**SERVICES, "abroad": {"association_services": True, "service_value": value}}
    data = scenario(params, on=WATCHED, size=8000, steps=steps, seed=seed)
    m = scslab.run(load_scenario(data)).metrics
    n_abroad = round(0.1 * 8000)  # the denominators of diaspora_dissent_public (approximately)
    speakers = float(m["diaspora_dissent_public"][1:].sum()) * n_abroad  # posts abroad
    return {
        "members": float(m["association_share"][1:].mean()),
        "reports": float(m["association_reports"][-1]),
        "detected": float(m["diaspora_detected"][-1]),
        "detected_per_post": float(m["diaspora_detected"][-1]) / max(speakers, 1.0),
        "speech": float(m["diaspora_dissent_public"][1:].mean()),
    }


def test_more_service_value_more_members_more_reports_less_public_dissent_abroad():
    """The law: services worth more -> more members -> more reports and detections of
    posts abroad -> less public dissent abroad (3 seeds, common random numbers)."""
    low = [_services(seed, 0.0) for seed in (1, 2, 3)]
    high = [_services(seed, 0.3) for seed in (1, 2, 3)]

    def mean(rows: list[dict[str, float]], key: str) -> float:
        return float(np.mean([r[key] for r in rows]))

    assert mean(high, "members") > mean(low, "members") + 0.3
    assert mean(high, "reports") > mean(low, "reports")
    assert mean(high, "detected") > mean(low, "detected")
    assert mean(high, "detected_per_post") > mean(low, "detected_per_post")
    assert mean(high, "speech") < mean(low, "speech")


def test_people_abroad_join_iff_the_services_outweigh_being_watched():
    """Everybody who reconsiders (review 1) is a member after one step exactly when the
    service value exceeds their membership cost; flag and coverage bit agree."""
    from regime_support import advance

    from scslab.regime.plan import ASSOC_BIT

    params = {**SERVICES, "abroad": {"association_services": True, "membership_review": 1.0}}
    model, st, streams = make_state(params, on=WATCHED, size=8000)
    plan = plan_for(st.params)
    who = st.abroad_idx.astype(np.int64)
    assert who.size == np.count_nonzero(st.flags & ABROAD) > 0
    cost = abroad.membership_cost(st, plan, who)
    advance(model, st, streams, 1)
    member = (st.flags[who] & ASSOC) != 0
    # review precedes speech and reports: the cost that decided is the one before the step
    assert (member == (np.float32(st.params.abroad.service_value) > cost)).all()
    assert 0 < member.mean() < 1
    assert (((st.cover >> ASSOC_BIT) & 1) == ((st.flags & ASSOC) != 0)).all()
    assert st.n_members == member.sum()
    assert st.s_services == pytest.approx(st.params.abroad.service_value * member.sum())


def test_the_member_ties_kept_step_by_step_are_a_fresh_count():
    from regime_support import advance

    params = {**SERVICES, "abroad": {"association_services": True, "membership_review": 0.3}}
    model, st, streams = make_state(params, on=WATCHED, size=8000)
    who = st.abroad_idx.astype(np.int64)
    start = (st.flags[who] & ASSOC) != 0
    advance(model, st, streams, 10)
    assert (((st.flags[who] & ASSOC) != 0) != start).sum() > 20  # people came and went
    fresh = abroad.member_ties(st.flags, st.net_indptr, st.net_indices, who)
    assert (st.assoc_ties == fresh).all() and fresh.sum() > 0


def test_dissenters_join_less():
    """Selection: with services the members dissent less in private than those who stay
    out; with members drawn at init (no services) they do not differ by much."""
    from regime_support import advance

    def gap(services: bool) -> float:
        params = {**SERVICES, "abroad": {"association_services": services}}
        params["abroad"]["membership_review"] = 0.1
        model, st, streams = make_state(params, on=WATCHED, size=20_000, seed=4)
        advance(model, st, streams, 40)
        ab = (st.flags & ABROAD) != 0
        member = (st.flags & ASSOC) != 0
        return float(st.dissent[member].mean() - st.dissent[ab & ~member].mean())

    chosen, drawn = gap(True), gap(False)
    assert chosen < -0.05, chosen
    assert abs(drawn) < 0.03, drawn


def test_membership_costs_nothing_where_nothing_is_reported():
    """Without discourse there is no speech record: being watched costs nothing, so
    everyone who reconsiders joins for any service value above 0."""
    from regime_support import advance

    params = {**SERVICES, "abroad": {"association_services": True, "membership_review": 1.0}}
    model, st, streams = make_state(params, on=("abroad",), size=4000)
    plan = plan_for(st.params)
    assert plan.association_detection == 0.0
    assert not abroad.membership_cost(st, plan, st.abroad_idx.astype(np.int64)).any()
    advance(model, st, streams, 1)
    assert ((st.flags[st.abroad_idx] & ASSOC) != 0).all()


def test_members_report_their_ties_abroad():
    """A speaker abroad with m member ties is reported with 1 - (1 - q)^m: always at q = 1,
    never without a member tie; each report is a speech record due now."""
    params = {**SERVICES, "abroad": {"association_services": True, "association_detection": 1.0}}
    _, st, streams = make_state(params, on=WATCHED, size=8000)
    plan = plan_for(st.params)
    who = st.abroad_idx.astype(np.int64)
    ties = abroad.member_ties(st.flags, st.net_indptr, st.net_indices, who)
    speaking = np.zeros(st.flags.size, bool)
    speaking[who] = True
    before = st.pr_person.size if "pr_person" in vars(st) else 0
    none = np.empty(0, np.int64)
    detected = abroad.member_reports(st, plan, streams["associations"], speaking, none)
    assert detected.tolist() == sorted(who[ties > 0].tolist())
    assert st.c_association_reports == detected.size == st.c_posts_detected
    assert st.pr_person.size - before == detected.size
    assert (st.pr_kind[before:] == plan.speech).all()
    assert (st.pr_due[before:] == st.step).all() and st.pr_true[before:].all()


def test_people_abroad_fear_their_member_ties():
    """The risk of speaking abroad counts the member ties' reports: more member ties, a
    higher perceived chance of a record."""
    from scslab.regime.behaviour import speech_risk
    from scslab.regime.plan import p_detect

    params = {**SERVICES, "abroad": {"association_services": True, "association_detection": 0.5}}
    _, st, _ = make_state(params, on=WATCHED, size=8000)
    plan = plan_for(st.params)
    who = st.abroad_idx.astype(np.int64)
    ties = abroad.member_ties(st.flags, st.net_indptr, st.net_indices, who)
    risk = np.asarray(speech_risk(st, plan))
    plain = p_detect(plan, st.group, plan.speech, st.cover)
    want = 1.0 - (1.0 - plain[who]) * 0.5**ties
    p_hat = abroad.watched_by_ties(st, plan, plain.copy())[who]
    assert np.allclose(p_hat, want, atol=1e-6)
    assert (ties > 0).any() and (risk[who][ties > 0] > 0).all()


def test_the_associations_stream_draws_nothing_while_services_are_off():
    from regime_support import advance

    model, st, streams = make_state({"population": {"diaspora_share": 0.1}}, on=WATCHED, size=4000)
    start = streams["associations"].bit_generator.state
    advance(model, st, streams, 20)
    assert streams["associations"].bit_generator.state == start
    assert st.s_services == 0.0 and st.abroad_idx.size == 0


def test_welfare_counts_the_services():
    from regime_support import advance

    from scslab.metrics.regime import measure

    params = {**SERVICES, "abroad": {"association_services": True, "service_value": 0.5}}
    model, st, streams = make_state(params, on=WATCHED, size=4000)
    advance(model, st, streams, 3)
    plan = plan_for(st.params)
    with_services = measure(st, plan)["welfare"]
    assert st.s_services == pytest.approx(0.5 * st.n_members) and st.n_members > 0
    st.s_services = 0.0
    assert with_services - measure(st, plan)["welfare"] == pytest.approx(
        0.5 * st.n_members / st.flags.size
    )


def test_membership_moves_both_coverage_bytes_of_an_adaptive_authority():
    """With the coverage lever the cover byte is rebuilt from ``cover_base``: a member's
    association bit must be in both."""
    from regime_support import advance

    from scslab.regime.plan import ASSOC_BIT

    params = {
        **SERVICES,
        "abroad": {"association_services": True, "membership_review": 1.0},
        "authority": {"adaptive": True, "levers": ["coverage"], "every": 2},
    }
    model, st, streams = make_state(params, on=("surveillance",) + WATCHED, size=4000)
    advance(model, st, streams, 6)
    member = (st.flags & ASSOC) != 0
    assert member.any()
    for cover in (st.cover, st.cover_base):
        assert (((cover >> ASSOC_BIT) & 1) == member).all()
