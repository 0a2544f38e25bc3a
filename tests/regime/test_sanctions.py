import numpy as np
from regime_support import make_state

from scslab.population.people import ABROAD, CHILD
from scslab.regime import sanctions
from scslab.regime.model import plan_for
from scslab.regime.tables import BASIS_FALSE, BASIS_TRUE, FAMILY, ORIG_FAMILY, ORIG_OWN, OWN

ON = ("surveillance", "integration", "scoring", "sanctions")


def household_with_child(st):
    sizes = np.diff(st.hh_start)
    for h in np.flatnonzero(sizes >= 3):
        members = np.arange(st.hh_start[h], st.hh_start[h + 1])
        if (st.flags[members] & CHILD).any() and not (st.flags[members] & ABROAD).any():
            return members
    raise AssertionError("no household with a child")


def enter_records(st, plan, persons, kind, basis=None):
    """List `persons` as if each had a new record of act kind `kind` (no grades, no firms).

    `basis` (default: true records) is each record's `tables.BASIS_*`.
    """
    sanctions.enter(
        st,
        plan,
        persons,
        np.full(persons.size, kind),
        np.empty(0, np.int64),
        np.empty(0, np.int8),
        np.empty(0, np.int64),
        None if basis is None else np.broadcast_to(np.uint8(basis), persons.shape).copy(),
    )


def test_listing_spills_schooling_to_children_and_shaming_to_household():
    _, st, streams = make_state(on=ON)
    plan = plan_for(st.params)
    members = household_with_child(st)
    head = members[:1].astype(np.int64)
    li = plan.list_names.index("court_blacklist")
    enter_records(st, plan, head, kind=0)
    sanctions.apply(st, plan, streams["sanctions"])
    assert st.sanc[head[0]] & OWN and st.onlist[head[0]] & (1 << li)
    assert st.restr[head[0]] == plan.list_domain_mask[li]
    school = 1 << plan.domain_names.index("schooling")
    shame = 1 << plan.domain_names.index("shaming")
    for m in members[1:]:
        assert st.sanc[m] & FAMILY
        want = shame | (school if st.flags[m] & CHILD else 0)
        assert st.restr[m] == want
    # one episode: owner and family rows share it
    assert len(set(st.ls_episode.tolist())) == 1
    assert (st.ls_origin == ORIG_OWN).sum() == 1 and (st.ls_origin == ORIG_FAMILY).sum() >= 2
    # listing a second time on the same list does nothing
    enter_records(st, plan, head, kind=0)
    assert (st.ls_origin == ORIG_OWN).sum() == 1


def test_expiry_lifts_the_listing_and_its_spill_over():
    _, st, streams = make_state(on=ON)
    plan = plan_for(st.params)
    head = household_with_child(st)[:1].astype(np.int64)
    enter_records(st, plan, head, kind=0)
    sanctions.apply(st, plan, streams["sanctions"])
    st.step = int(st.ls_until.max())
    sanctions.exits(st, plan, streams["sanctions"])
    sanctions.apply(st, plan, streams["sanctions"])
    assert st.ls_person.size == 0 and st.restr.sum() == 0 and st.onlist.sum() == 0
    assert st.sanc_n.sum() == 0


def test_appeals_win_more_often_against_false_records():
    lists = [
        {
            "name": "l",
            "entry_acts": ["fraud"],
            "duration": 10_000,
            "appeal_rate": 1.0,
            "appeal_success_true": 0.1,
            "appeal_success_false": 0.9,
        }
    ]
    _, st, streams = make_state(
        {
            "sanctions": {
                "lists": lists,
                "memoranda": [{"name": "m", "list": "l", "domains": ["travel"]}],
            }
        },
        on=ON,
        size=20_000,
    )
    plan = plan_for(st.params)
    home = np.flatnonzero((st.flags & (CHILD | ABROAD)) == 0)[:4000].astype(np.int64)
    st.step = 1000
    basis = np.full(home.size, BASIS_FALSE, np.uint8)
    basis[:2000] = BASIS_TRUE  # half listed on true records, half on false ones
    enter_records(st, plan, home, kind=1, basis=basis)
    st.step = 1001
    sanctions.exits(st, plan, streams["sanctions"])
    left = set(st.ls_person.tolist())
    guilty_won = 2000 - len(left & set(home[:2000].tolist()))
    innocent_won = 2000 - len(left & set(home[2000:].tolist()))
    assert abs(guilty_won / 2000 - 0.1) < 0.03 and abs(innocent_won / 2000 - 0.9) < 0.03


def test_fulfilment_grows_with_pressure():
    out = []
    for pressure in (0.0, 50.0):
        lists = [
            {
                "name": "l",
                "entry_acts": ["fraud"],
                "duration": 10_000,
                "fulfilment_rate": 0.01,
                "pressure": pressure,
            }
        ]
        model, st, streams = make_state(
            {
                "sanctions": {
                    "lists": lists,
                    "memoranda": [{"name": "m", "list": "l", "domains": ["travel", "finance"]}],
                }
            },
            on=ON,
            size=20_000,
        )
        plan = plan_for(st.params)
        home = np.flatnonzero((st.flags & (CHILD | ABROAD)) == 0)[:3000].astype(np.int64)
        enter_records(st, plan, home, kind=1)
        for t in range(1, 11):
            st.step = t
            sanctions.exits(st, plan, streams["sanctions"])
        out.append(st.c_fulfilled)
    assert out[1] > 2 * out[0]


def test_legal_representative_of_a_d_firm_is_listed():
    model, st, streams = make_state(on=ON)
    plan = plan_for(st.params)
    from scslab.regime.scoring import rate_firms

    worse = rate_firms(st, np.array([3] * 5, dtype=np.int64))  # 100 - 75 = 25 -> D
    assert st.firm_rating[3] == 3
    sanctions.enter(
        st,
        plan,
        np.empty(0, np.int64),
        np.empty(0, np.int64),
        np.empty(0, np.int64),
        np.empty(0, np.int8),
        worse,
    )
    li = plan.list_names.index("firm_blacklist")
    assert st.onlist[st.firm_rep[3]] & (1 << li)


def test_restriction_days_and_blocked_attempts_accumulate():
    model, st, streams = make_state(on=ON)
    plan = plan_for(st.params)
    who = np.flatnonzero((st.flags & (CHILD | ABROAD)) == 0)[:500].astype(np.int64)
    enter_records(st, plan, who, kind=1)
    for t in range(100):
        st.step = t
        sanctions.apply(st, plan, streams["sanctions"])
    assert st.c_person_days >= 500 * 100
    assert st.c_own_days == 500 * 100
    # travel attempts 0.003 a day
    assert abs(st.c_blocked / (500 * 100) - 0.003 - 0.002) < 0.002
