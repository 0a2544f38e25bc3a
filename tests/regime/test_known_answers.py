"""Known answers: every headline measure of the regime on a hand-built state of a dozen people.

The state is built by driving the mechanisms' own functions (acts counted,
records filed and linked, listings entered with spill-over, a pre-emption,
pressure on a family at home, ten days of restrictions), not by writing
counters, so each test checks the accounting as well as the formula.

The dozen people (step 400; innocence window 365)::

    household  people      group   notes
    H0         0, 1, 2     0       2 a child; 0 listed (fraud, true record)
    H1         3, 4, 5     0       5 a child; 3 listed (debt default, FALSE record)
    H2         6, 7, 8     1       6 pre-empted (had a traffic violation at step 390)
    H3         9, 10, 11   2       11 abroad, speaks, detected: 9 and 10 pressured

    adults: everyone but 2 and 5 (10); home adults: 9 (11 is abroad)
    private dissent: 0, 3, 6, 7, 9; public speech: 0, 6, 11
    acts this step: 0 fraud, 7 traffic, 8 admin, 1 traffic, 4 petition, 10 petition
    coverage: every source covers everybody, detection 1, except that cameras
    miss person 1; four firms, two of which violate a rule this step

Listing 0 on the court list (the 2016 memorandum: all six domains) spills
shaming to 1 (household) and schooling + shaming to the child 2; likewise 3
to 4 and 5. The pre-emption restricts 6 in travel; the pressure on H3
restricts 9 and 10 in travel and employment for 180 days.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from regime_support import make_state

from scslab.metrics.regime import disparate_impact, group_rates, measure
from scslab.population.people import ABROAD, CHILD, PRIVATE
from scslab.regime import abroad, integration, sanctions, surveillance
from scslab.regime.model import NEVER, plan_for
from scslab.regime.tables import BASIS_PREEMPT, NO_CAUSE, ORIG_PREEMPT

SOURCES = [
    {"name": "courts", "sees": ["debt_default", "fraud"], "detection_prob": 1.0},
    {"name": "banks", "sees": ["debt_default", "fraud"], "detection_prob": 1.0},
    {"name": "gov", "sees": ["admin_violation", "petition"], "detection_prob": 1.0},
    {"name": "cameras", "sees": ["traffic_violation"], "detection_prob": 1.0},
    {"name": "speech", "sees": ["dissent"], "detection_prob": 1.0},
]
CAMERAS = 3
DAYS = 10


def dozen() -> dict[str, float]:
    """The measures of the dozen people after ten days of restrictions."""
    model, st, streams = make_state(
        {
            "surveillance": {"sources": SOURCES, "firm_false_record_rate": 0.0},
            "integration": {"linkage_accuracy": 1.0},
            "abroad": {"family_pressure": 1.0},
            "population": {"diaspora_share": 0.0},
        },
        on="all",
        size=12,
    )
    plan = plan_for(st.params)
    names = plan.act_names
    k = {n: names.index(n) for n in names}
    st.step = 400
    st.hh_start = np.array([0, 3, 6, 9, 12], np.int32)
    st.group = np.array([0, 0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 2], np.uint8)
    flags = np.zeros(12, np.uint8)
    flags[[2, 5]] |= CHILD
    flags[11] |= ABROAD
    flags[[0, 3, 6, 7, 9]] |= PRIVATE
    st.flags = flags
    st.n_adults, st.n_home_adults, st.n_abroad = 10, 9, 1
    st.speaks = np.isin(np.arange(12), [0, 6, 11])
    st.last_unlawful = np.full(12, NEVER, np.int32)
    st.last_unlawful[6] = 390
    st.cover = np.full(12, 0x1F, np.uint8)
    st.cover[1] &= np.uint8(~(1 << CAMERAS) & 0xFF)
    st.firm_rep = np.array([0, 3, 6, 9], np.int32)
    st.firm_rating = np.zeros(4, np.int8)
    st.employer = np.full(12, -1, np.int32)  # nobody employed; no firm under sanction
    st.firm_sanc_until = np.full(4, NEVER, np.int32)
    st.firm_sanc_true = np.zeros(4, bool)
    st.income_mean = 1.0

    persons = np.array([0, 7, 8, 1, 4, 10], np.int64)
    kinds = np.array(
        [k["fraud"], k["traffic_violation"], k["admin_violation"], k["traffic_violation"]]
        + [k["petition"]] * 2,
        np.int64,
    )
    model._count_acts(st, plan, persons, kinds, np.array([0, 2], np.int64))
    surveillance.record_acts(st, plan, streams["surveillance"], persons, kinds)
    # the records that arrive now: 0's fraud (true), a false default on 3, 7's traffic
    st.pr_person = np.array([0, 3, 7], np.int32)
    st.pr_kind = np.array([k["fraud"], k["debt_default"], k["traffic_violation"]], np.uint8)
    st.pr_true = np.array([True, False, True])
    st.pr_due = np.full(3, 400, np.int32)
    linked, lkinds, basis = integration.arrive(st, plan, streams["integration"])
    none = np.empty(0, np.int64)
    sanctions.enter(st, plan, linked, lkinds, none, np.empty(0, np.int8), none, basis)
    sanctions.impose(
        st,
        plan,
        np.array([6], np.int64),
        origin=ORIG_PREEMPT,
        list_id=255,
        mask=plan.preemption_domain_mask,
        duration=30,
        cause=np.array([NO_CAUSE], np.int64),
        spill=False,
        basis=BASIS_PREEMPT,
    )
    abroad.pressure_family(st, plan, streams["abroad"], np.array([11], np.int64))
    for _ in range(DAYS):
        sanctions.apply(st, plan, streams["sanctions"])
        st.step += 1
    st.s_penalty = 0.0
    return measure(st, plan)


@pytest.fixture(scope="module")
def m() -> dict[str, float]:
    return dozen()


def test_dissent_private(m):
    """Private dissenters 0, 3, 6, 7, 9 among the 10 adults: 5 / 10 = 0.5."""
    assert m["dissent_private"] == 0.5


def test_dissent_public(m):
    """Speakers 0, 6 and 11 (abroad, an adult) among 10 adults: 3 / 10."""
    assert m["dissent_public"] == pytest.approx(0.3)


def test_falsification_gap(m):
    """Private but silent: 3, 7, 9 (0 and 6 speak): 3 / 10."""
    assert m["falsification_gap"] == pytest.approx(0.3)


def test_disfavoured_rate(m):
    """Two petitions (4 and 10) over the 9 home adults: 2 / 9."""
    assert m["disfavoured_rate"] == pytest.approx(2 / 9)


def test_diaspora_dissent_public(m):
    """The one person abroad (11) speaks: 1 / 1."""
    assert m["diaspora_dissent_public"] == 1.0


def test_sanctioned_share(m):
    """Sanctioned: 0-5 (listings and spill-over), 6 (pre-empted), 9 and 10 (pressure): 9 / 12."""
    assert m["sanctioned_share"] == 0.75


def test_wrongly_sanctioned_share(m):
    """Only 0 rests on a true record; 1-6, 9, 10 on none: 8 of the 9 sanctioned.

    By basis, over the 9 sanctioned: a false record 3 (1/9); family spill-over
    1, 2, 4, 5 (4/9); pre-emption 6 (1/9, although 6 broke the law: the
    pre-emption does not punish that act); pressure on family 9, 10 (2/9).
    """
    assert m["wrongly_sanctioned_share"] == pytest.approx(8 / 9)
    assert m["wrongly_sanctioned_false_record"] == pytest.approx(1 / 9)
    assert m["wrongly_sanctioned_family"] == pytest.approx(4 / 9)
    assert m["wrongly_sanctioned_preemption"] == pytest.approx(1 / 9)
    assert m["wrongly_sanctioned_diaspora_family"] == pytest.approx(2 / 9)
    assert m["wrongly_sanctioned_mislinked"] == 0 and m["wrongly_sanctioned_lawful_act"] == 0


def test_restriction_person_days(m):
    """9 people restricted on each of 10 days, over 12 people: 90 / 12 = 7.5."""
    assert m["restriction_person_days"] == 7.5


def test_family_sanctioned(m):
    """Through family: 1, 2, 4, 5 (spill-over) and 9, 10 (pressure): 6 / 12."""
    assert m["family_sanctioned"] == 0.5


def test_amplification(m):
    """Domains of own listings and their spill-over over recorded triggering acts: 18 / 3 = 6.

    Listings 0 and 3: 6 domains each, spill-over 1 (shaming) + 2 (schooling,
    shaming) each: 2 x 9 = 18 (the pre-emption and the pressure on family do
    not count). Recorded acts of kinds that can list someone: 0's fraud, 7's
    traffic and 8's admin violation (1's traffic is unseen; petitions carry
    no deduction and enter no list): 3.
    """
    assert m["amplification"] == 6.0


def test_cross_context_share(m):
    """Domain-days outside the act's domain over all domain-days: 21 / 23 each day.

    Per day: 0 and 3 hold 6 domains each, of which 5 are not finance (their acts'
    domain); 1 and 4 hold shaming, 2 and 5 schooling and shaming; 6 travel (a
    pre-emption has no act: cross-context); 9 and 10 travel and employment (a
    post abroad has no domain). All: 6+1+2+6+1+2+1+2+2 = 23; cross: 5+1+2+5+1+2+1+2+2 = 21.
    """
    assert m["cross_context_share"] == pytest.approx(21 / 23)


def test_disproportion(m):
    """Expected cost of the listings per unit of gravity of their acts.

    Both court listings cost 0.25 (own) + 0.02 (1 or 4: shaming) + 0.07 (2 or
    5: schooling and shaming) = 0.34 a day. The expected stay on the court
    list (365 days; fulfilment 0.002 x (1 + 10 x 0.25) = 0.007 a day; appeals
    0.002 a day won with 0.05 on a true record, 0.5 on a false one): hazards
    h = 1 - 0.993 x 0.9999 = 0.0070993 and 1 - 0.993 x 0.999 = 0.007993, stays
    (1 - (1 - h)^365) / h = 130.40195 and 118.42343 days. The pressure on H3:
    2 x (0.01 + 0.1) x 180 days = 39.6. Gravity: fraud 100 + default 30 + one
    post 1 = 131 (the pre-emption is not priced). (0.34 x 248.82538 + 39.6) / 131.
    """
    assert m["disproportion"] == pytest.approx((0.34 * (130.40195 + 118.42343) + 39.6) / 131)


def test_state_precision(m):
    """Records linked: 0's fraud (true), 3's default (false), 7's traffic (true): 2 / 3."""
    assert m["state_precision"] == pytest.approx(2 / 3)


def test_state_recall(m):
    """Unlawful acts 0, 7, 8, 1; cameras miss 1: 3 / 4 recorded for the state."""
    assert m["state_recall"] == 0.75


def test_disparate_impact_is_null_with_too_few_events(m):
    """Group shares 6/6, 1/3, 2/3: the groups compared have 6 and 1 sanctioned (< 10): NaN."""
    assert math.isnan(m["disparate_impact"])
    assert math.isnan(m["disparate_impact_lo"]) and math.isnan(m["disparate_impact_hi"])
    assert m["sanctioned_share_majority"] == 1.0
    assert m["sanctioned_share_minority"] == pytest.approx(1 / 3)
    assert m["sanctioned_share_migrant"] == pytest.approx(2 / 3)


def test_preempted(m):
    """One person (6) under a preventive restriction: 1 / 12."""
    assert m["preempted"] == pytest.approx(1 / 12)


def test_preempted_innocent_share(m):
    """6 had a traffic violation at step 390, within 365 steps of the flag at 400: 0 / 1."""
    assert m["preempted_innocent_share"] == 0.0


def test_firm_compliance(m):
    """Two of four firms violated a rule this step: 1 - 2/4."""
    assert m["firm_compliance"] == 0.5


def test_welfare(m):
    """Income 1 + (gains - restriction costs) / 12 people.

    Gains: fraud 5 + traffic 0.2 x 2 + admin 0.5 + petition 1 x 2 = 7.9. Daily
    restriction costs: 0 and 3 pay 0.25, 1 and 4 0.02, 2 and 5 0.07, 6 0.01,
    9 and 10 0.11: 0.91. No redlist, no fine. 1 + 6.99 / 12 = 1.5825.
    """
    assert m["welfare"] == pytest.approx(1 + (7.9 - 0.91) / 12)


def test_event_counts(m):
    """One dissenter abroad detected; two relatives pressured; nothing paid or appealed."""
    assert m["diaspora_detected"] == 1 and m["family_pressured"] == 2
    assert m["paid_under_pressure"] == 0 and m["appeals_won"] == 0


def test_katz_interval_by_hand():
    """40/1000 against 20/1000, 2 groups (one pair, z = 1.95996).

    r = 2; var log = (1/40 - 1/1000) + (1/20 - 1/1000) = 0.073;
    exp(+-1.95996 sqrt(0.073)) = exp(+-0.52955): [1.1777, 3.3963].
    """
    r, lo, hi = disparate_impact(np.array([40, 20]), np.array([1000, 1000]))
    assert r == 2.0
    assert lo == pytest.approx(2 * math.exp(-1.959964 * math.sqrt(0.073)), rel=1e-6)
    assert hi == pytest.approx(2 * math.exp(1.959964 * math.sqrt(0.073)), rel=1e-6)


def test_bonferroni_widens_with_groups():
    """Three groups: three pairs, z = Phi^-1(1 - 0.05/6) = 2.39398, on the extreme pair."""
    r, lo, hi = disparate_impact(np.array([40, 30, 20]), np.array([1000, 1000, 1000]))
    assert r == 2.0
    assert hi == pytest.approx(2 * math.exp(2.393980 * math.sqrt(0.073)), rel=1e-6)


def test_household_variance_is_katz_for_households_of_one():
    """With households of one the clustered variance is (1/c - 1/n) x H / (H - 1)."""
    n = 200
    sanctioned = np.zeros(2 * n, bool)
    sanctioned[:30] = True  # group 0: 30 of 200
    sanctioned[n : n + 12] = True  # group 1: 12 of 200
    group = np.repeat(np.array([0, 1], np.uint8), n)
    counts, sizes, var_log = group_rates(sanctioned, group, np.arange(2 * n + 1), 2)
    assert counts.tolist() == [30, 12] and sizes.tolist() == [n, n]
    assert var_log[0] == pytest.approx((1 / 30 - 1 / n) * n / (n - 1))
    assert var_log[1] == pytest.approx((1 / 12 - 1 / n) * n / (n - 1))


def test_household_variance_grows_when_households_are_sanctioned_together():
    """The same 30 of 200 sanctioned as 10 whole households of 3 vary more than 30 singles."""
    n = 201
    group = np.zeros(n, np.uint8)
    together = np.zeros(n, bool)
    together[:30] = True
    apart = np.zeros(n, bool)
    apart[::6][:30] = True
    hh = np.arange(0, n + 1, 3)
    _, _, v_together = group_rates(together, group, hh, 1)
    _, _, v_apart = group_rates(apart, group, hh, 1)
    assert v_together[0] > 2.5 * v_apart[0]
